"""The repository overview that goes into the stable system prefix, and its cache.

A compact tree (folders with file counts, capped), languages by file count, detected frameworks
and tools, the test command it would use (and the folder it runs from), and for Django/DRF the
static summary of every project and app (`backdev.repo.django`), the project holding the folder
backdev started in first. The text fills `overview_max_tokens` (about four characters a token):
the Django part gets what the rest leaves, and spends it progressively (see `django/render.py`);
the names of every model, DRF view and serializer are a floor that is kept even past the budget
(the tree is shortened first). It is redacted like everything else sent to the model, and cached
in the data folder under a key made of HEAD, the dirty state (`Repository.state_key`) and the
settings that shape it, so an unchanged repository is never parsed twice. Build it off the UI
thread (see `context.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shlex
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from backdev import paths
from backdev.repo.detect import TestCommand, detect_stack, find_test_command, languages
from backdev.repo.django.facts import ProjectSummary
from backdev.repo.django.project import summarize_repository
from backdev.repo.django.render import render_projects
from backdev.repo.repository import RepoInfo, Repository
from backdev.settings import Settings

CACHE_VERSION = 2
CHARS_PER_TOKEN = 4
NAMES_CEILING = 10  # the Django names may take at most this many budgets
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overview:
    """The overview text, and the parts other modules want on their own."""

    text: str
    test_command: list[str] | None
    stack: list[str]
    from_cache: bool = False
    test_folder: str = ""  # where the test command runs, relative to the repository root


def compact_tree(files: list[str], *, max_folders: int = 20, max_sub: int = 6, max_top_files: int = 12) -> list[str]:
    """Top-level folders with their file counts (biggest first) and their biggest sub-folders."""
    top: Counter[str] = Counter()
    sub: dict[str, Counter[str]] = {}
    top_files: list[str] = []
    for path in files:
        parts = path.split("/")
        if len(parts) == 1:
            top_files.append(path)
            continue
        top[parts[0]] += 1
        if len(parts) > 2:
            sub.setdefault(parts[0], Counter())[parts[1]] += 1
    lines = [f"Tree (files per folder, {len(files):,} files):"]
    ranked = sorted(top.items(), key=lambda item: (-item[1], item[0]))
    for name, count in ranked[:max_folders]:
        children = sorted(sub.get(name, Counter()).items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{child}/ {n:,}" for child, n in children[:max_sub])
        more = f", … {len(children) - max_sub} more" if len(children) > max_sub else ""
        lines.append(f"  {name}/ {count:,}" + (f": {shown}{more}" if shown else ""))
    rest = ranked[max_folders:]
    if rest:
        lines.append(f"  … {len(rest)} more folders with {sum(n for _, n in rest):,} files")
    if top_files:
        names = ", ".join(sorted(top_files, key=str.lower)[:max_top_files])
        extra = f", … {len(top_files) - max_top_files} more" if len(top_files) > max_top_files else ""
        lines.append(f"Top level: {len(top_files)} file{'s' if len(top_files) != 1 else ''}: {names}{extra}")
    return lines


def _cap(text: str, max_tokens: int, floor: int = 0) -> str:
    budget = max(max_tokens * CHARS_PER_TOKEN, floor)
    if len(text) <= budget:
        return text
    note = (f"\n[Overview cut at about {max_tokens:,} tokens (overview_max_tokens); "
            "the rest is left out: read the files with read_file or search.]")
    cut = text[: max(0, budget - len(note))]
    end = cut.rfind("\n")
    if end < len(cut) * 0.8:  # one long line (a list of names): cut inside it, after a whole name
        end = max(end, cut.rfind(", "))
    return cut[:end] + note if end > 0 else cut + note


def _inside(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


@dataclass(frozen=True)
class _Rendered:
    text: str
    command: TestCommand | None
    stack: list[str]
    floor: int


def _django_part(repo: Repository, files: list[str], settings: Settings, start: str, budget: int,
                 command: TestCommand | None) -> tuple[str, int]:
    """The Django summaries (the project holding `start` first) within `budget` characters, and their floor.

    A project's own test command is said unless it is the overview's (`command`).
    """
    facts = summarize_repository(repo.root, files, extra_bases=settings.django_bases)
    if not facts.projects:
        return "", 0
    projects: list[ProjectSummary] = sorted(facts.projects, key=lambda p: (not _inside(start, p.root) or not p.root,
                                                                             -len(p.root) if _inside(start, p.root) else 0))
    for project in projects:
        found = find_test_command(repo.root, files, project.root)
        project.test_command = found.line() if found and found != command else None
    rendered = render_projects(projects, budget)
    return rendered.text, rendered.floor


def _render(repo: Repository, info: RepoInfo, files: list[str], settings: Settings, start: str) -> _Rendered:
    stack = detect_stack(repo.root, files)
    if settings.test_command:
        command: TestCommand | None = TestCommand(list(settings.test_command))
        command_line = f"Test command: {shlex.join(settings.test_command)} (from the test_command setting)"
    else:
        command = find_test_command(repo.root, files, start)
        command_line = f"Test command: {command.line()} (detected)" if command else "Test command: none found"
    where = f"branch {info.label}" if info.is_git else "not a git repository (files from a folder walk)"
    lines = [
        "# Repository overview",
        f"Root: {repo.root} · {where} · {len(files):,} files" + (f" · started in {start}/" if start else ""),
        "Languages: " + (", ".join(f"{name} {count:,}" for name, count in languages(files)[:8]) or "none recognised"),
        "Frameworks and tools: " + (", ".join(stack) or "none detected"),
        command_line,
    ]
    submodules = repo.submodules()
    if submodules:
        lines.append("Submodules (listed, not read): " + ", ".join(submodules))
    tree = compact_tree(files)
    budget = settings.overview_max_tokens * CHARS_PER_TOKEN
    # Only a Django repository is parsed: elsewhere its many models.py/views.py would cost for nothing.
    django, floor = ("", 0)
    if "Django" in stack:
        django, floor = _django_part(repo, files, settings, start, budget - sum(len(x) + 1 for x in lines + tree) - 2,
                                     None if settings.test_command else command)
    while django and tree and sum(len(x) + 1 for x in lines + tree) + len(django) + 2 > budget:
        tree.pop()  # the names floor went past the budget: the tree gives way first
    text = "\n".join(lines + tree)
    if django:
        text += "\n\n" + django
        floor += sum(len(x) + 1 for x in lines + tree) + 2
    return _Rendered(text, command, stack, floor)


def _cache_file(root: Path) -> Path:
    return paths.data_dir() / "overview" / (hashlib.sha256(str(root).encode()).hexdigest()[:20] + ".json")


def start_folder(repo: Repository, start: Path | None) -> str:
    """`start` relative to the repository root ("" for the root, or when it is outside)."""
    if start is None:
        return ""
    try:
        relative = Path(start).resolve().relative_to(repo.root)
    except ValueError:
        return ""
    return "" if str(relative) == "." else relative.as_posix()


def build_overview(repo: Repository, settings: Settings, *, files: list[str] | None = None,
                   info: RepoInfo | None = None, start: Path | None = None) -> Overview:
    """The overview of `repo`, from the cache when the repository has not changed.

    `start` is the folder backdev was started in (a subfolder of a monorepo, say): its project
    comes first and gives the test command.
    """
    info = info or repo.info()
    policy = repo.policy
    folder = start_folder(repo, start)
    key = json.dumps([CACHE_VERSION, repo.state_key(), info.label, settings.overview_max_tokens, folder,
                      list(settings.test_command), list(settings.django_bases), policy.redact,
                      policy.refuse_secret_files, list(policy.secret_patterns)])
    cache = _cache_file(repo.root)
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return Overview(stored["text"], stored["test_command"], stored["stack"], from_cache=True,
                            test_folder=stored.get("test_folder", ""))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rendered = _render(repo, info, repo.files() if files is None else files, settings, folder)
    # The names floor may pass the budget, up to a ceiling that keeps a giant monorepo's prompt sane.
    floor = min(rendered.floor + 200, NAMES_CEILING * settings.overview_max_tokens * CHARS_PER_TOKEN)
    text = _cap(policy.clean(rendered.text).text, settings.overview_max_tokens, floor)
    command = rendered.command.args if rendered.command else None
    test_folder = rendered.command.folder if rendered.command else ""
    try:
        paths.ensure_dir(cache.parent)
        cache.write_text(json.dumps({"key": key, "text": text, "test_command": command, "stack": rendered.stack,
                                     "test_folder": test_folder}), encoding="utf-8")
    except OSError as exc:  # a read-only data folder only costs a re-parse next time
        log.warning("overview cache not written: %s", exc)
    return Overview(text, command, rendered.stack, test_folder=test_folder)
