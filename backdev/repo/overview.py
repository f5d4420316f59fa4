"""The repository overview that goes into the stable system prefix, and its cache.

A compact tree (folders with file counts, capped), languages by file count, detected frameworks
and tools, the test command it would use, and for Django/DRF projects the static summary of
`django_summary` (condensed to fewer details when the full one would not fit). The text is capped at `overview_max_tokens` (about four characters a token)
with a note, redacted like everything else sent to the model, and cached in the data folder under
a key made of HEAD, the dirty state (`Repository.state_key`) and the settings that shape it, so an
unchanged repository is never parsed twice. Build it off the UI thread (see `context.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from backdev import paths
from backdev.repo.detect import detect_stack, detect_test_command, languages
from backdev.repo.django_render import DETAILS
from backdev.repo.django_summary import summarize_django
from backdev.repo.repository import RepoInfo, Repository
from backdev.settings import Settings

CACHE_VERSION = 1
CHARS_PER_TOKEN = 4
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overview:
    """The overview text, and the parts other modules want on their own."""

    text: str
    test_command: list[str] | None
    stack: list[str]
    from_cache: bool = False


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


def _cap(text: str, max_tokens: int) -> str:
    budget = max_tokens * CHARS_PER_TOKEN
    if len(text) <= budget:
        return text
    note = (f"\n[Overview cut at about {max_tokens:,} tokens (overview_max_tokens); "
            "the rest is left out: read the files with read_file or search.]")
    cut = text[: max(0, budget - len(note))]
    return cut[: cut.rfind("\n")] + note if "\n" in cut else cut + note


def _render(repo: Repository, info: RepoInfo, files: list[str], settings: Settings) -> tuple[str, list[str] | None, list[str]]:
    stack = detect_stack(repo.root, files)
    if settings.test_command:
        command: list[str] | None = list(settings.test_command)
        command_line = f"Test command: {' '.join(command)} (from the test_command setting)"
    else:
        command = detect_test_command(repo, files)
        command_line = f"Test command: {' '.join(command)} (detected)" if command else "Test command: none found"
    where = f"branch {info.label}" if info.is_git else "not a git repository (files from a folder walk)"
    lines = [
        "# Repository overview",
        f"Root: {repo.root} · {where} · {len(files):,} files",
        "Languages: " + (", ".join(f"{name} {count:,}" for name, count in languages(files)[:8]) or "none recognised"),
        "Frameworks and tools: " + (", ".join(stack) or "none detected"),
        command_line,
    ]
    submodules = repo.submodules()
    if submodules:
        lines.append("Submodules (listed, not read): " + ", ".join(submodules))
    lines += compact_tree(files)
    # Only a Django project is parsed: elsewhere its many models.py/views.py would cost for nothing.
    summary = summarize_django(repo.root, files) if "Django" in stack else None
    text = "\n".join(lines)
    if summary is not None:
        budget = settings.overview_max_tokens * CHARS_PER_TOKEN - len(text) - 2
        for detail in DETAILS:  # the most detailed summary that fits; the last one is cut if it must be
            django = summary.render(detail)
            if len(django) <= budget:
                break
        text += "\n\n" + django
    return text, command, stack


def _cache_file(root: Path) -> Path:
    return paths.data_dir() / "overview" / (hashlib.sha256(str(root).encode()).hexdigest()[:20] + ".json")


def build_overview(repo: Repository, settings: Settings, *, files: list[str] | None = None,
                   info: RepoInfo | None = None) -> Overview:
    """The overview of `repo`, from the cache when the repository has not changed."""
    info = info or repo.info()
    policy = repo.policy
    key = json.dumps([CACHE_VERSION, repo.state_key(), info.label, settings.overview_max_tokens,
                      list(settings.test_command), policy.redact, policy.refuse_secret_files, list(policy.secret_patterns)])
    cache = _cache_file(repo.root)
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return Overview(stored["text"], stored["test_command"], stored["stack"], from_cache=True)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    text, command, stack = _render(repo, info, repo.files() if files is None else files, settings)
    text = _cap(policy.clean(text).text, settings.overview_max_tokens)
    try:
        paths.ensure_dir(cache.parent)
        cache.write_text(json.dumps({"key": key, "text": text, "test_command": command, "stack": stack}), encoding="utf-8")
    except OSError as exc:  # a read-only data folder only costs a re-parse next time
        log.warning("overview cache not written: %s", exc)
    return Overview(text, command, stack)
