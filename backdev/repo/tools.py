"""The seven read-only tools the model explores the repository with.

`list_files`, `read_file`, `search`, `git_diff`, `git_log`, `git_show`, and `django_info` (the
details of the static Django summary the overview had no room for): they never write and run
without asking. Every path goes through `resolve_in_repo`; ignored files, secret files and
submodule contents are refused with the reason; results are capped by the settings with a note
saying what was left out and how to ask for it; secret-looking values are redacted. Each result
has a one-line summary for the transcript and the session record, e.g.
`read_file backdev/api/views.py · lines 1–240 of 240`.

The work runs in a thread (`asyncio.to_thread`), so a large grep never stalls the interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backdev.repo.history import SCOPES
from backdev.repo.reading import FileSlice, NotReadable, read_bytes
from backdev.repo.redaction import Redacted
from backdev.repo.repository import RepoError, Repository
from backdev.repo.safety import PathRefused
from backdev.repo.search import glob_matches
from backdev.settings import Settings
from backdev.tools.base import Tool, ToolOutcome

TOOL_NAMES = ("list_files", "read_file", "search", "git_diff", "git_log", "git_show", "django_info")
REDACTION_NOTE = "Secret-looking values were replaced by [REDACTED:kind] before this reached you."


class ToolInputError(ValueError):
    """The model sent arguments the tool cannot use."""


def _schema(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


_PATH = {"type": "string", "description": "Path relative to the repository root, e.g. app/views.py."}
_GLOB = {"type": "string", "description": "Only paths matching this glob: *.py matches file names at any depth, "
                                          "app/**/tests/*.py whole paths."}

DESCRIPTIONS = {
    "list_files": "List the repository's files (tracked and untracked, never ignored ones), optionally under a "
                  "folder and/or matching a glob. Use it to find paths before reading.",
    "read_file": "Read a text file of the working tree with line numbers. Long files are cut at the read cap with a "
                 "note; ask for more with start_line/end_line.",
    "search": "Search file contents with an extended regular expression (git grep -E), optionally in files matching "
              "a glob. Returns path:line: text; no match is an empty result.",
    "git_diff": "Show changes: unstaged (working tree vs index, new files included), staged (index vs HEAD), base "
                "(everything since the merge base with `base`), or path (one file vs HEAD).",
    "git_log": "Recent commits (newest first), optionally only those touching a path.",
    "git_show": "A file's exact content at a revision (revision plus path, or revision as REV:path), or, without a "
                "path, a commit's message, changed files and patch.",
    "django_info": "Details of the static Django/DRF summary (read with ast, never imported) that the overview had no "
                   "room for: an app's models in full with its DRF views and serializers, one model with the "
                   "serializers, views and routes built on it, the URL routes under a prefix, or a view or serializer "
                   "by name. Without arguments: every project and its apps with counts.",
}

SCHEMAS = {
    "list_files": _schema({"path": {"type": "string", "description": "Folder to list (default: the whole repository)."},
                           "glob": _GLOB}),
    "read_file": _schema({
        "path": _PATH,
        "start_line": {"type": "integer", "minimum": 1, "description": "First line to read (default 1)."},
        "end_line": {"type": "integer", "minimum": 1, "description": "Last line to read (default: as far as the cap allows)."},
    }, ["path"]),
    "search": _schema({
        "pattern": {"type": "string", "description": "Extended regular expression, e.g. def \\w+_view|class \\w+ViewSet."},
        "glob": _GLOB,
        "ignore_case": {"type": "boolean", "description": "Match without regard to case (default false)."},
    }, ["pattern"]),
    "git_diff": _schema({
        "scope": {"type": "string", "enum": list(SCOPES), "description": "Which changes to show."},
        "base": {"type": "string", "description": "Base branch or commit, for scope=base (e.g. main)."},
        "path": {"type": "string", "description": "The file, for scope=path."},
    }, ["scope"]),
    "git_log": _schema({
        "path": {"type": "string", "description": "Only commits touching this path."},
        "count": {"type": "integer", "minimum": 1, "maximum": 100, "description": "How many commits (default 20)."},
    }),
    "git_show": _schema({
        "revision": {"type": "string", "description": "A branch, tag or commit such as HEAD~1, or REV:path."},
        "path": {"type": "string", "description": "A file to show at that revision."},
    }, ["revision"]),
    "django_info": _schema({
        "project": {"type": "string", "description": "The project's folder as the overview names it (default: all)."},
        "app": {"type": "string", "description": "An app label, e.g. shop."},
        "model": {"type": "string", "description": "A model, e.g. Product or shop.Product."},
        "routes": {"type": "string", "description": "A URL prefix, e.g. /api/v1/orders."},
        "view": {"type": "string", "description": "A DRF view or viewset by name."},
        "serializer": {"type": "string", "description": "A serializer by name."},
    }),
}


def _text(arguments: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = arguments.get(key)
    if value is None or value == "":
        if required:
            raise ToolInputError(f"{key} is required.")
        return None
    if not isinstance(value, str):
        raise ToolInputError(f"{key} must be a string.")
    return value


def _number(arguments: dict[str, Any], key: str, default: int | None = None, maximum: int | None = None) -> int | None:
    value = arguments.get(key)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ToolInputError(f"{key} must be a whole number of at least 1.")
    return min(value, maximum) if maximum else value


def _redaction_suffix(kinds: tuple[str, ...]) -> str:
    return f" · redacted: {Redacted('', kinds).summary()}" if kinds else ""


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count:,} {word if count == 1 else plural or word + 's'}"


class RepoTools:
    """The tools over one repository and one set of settings."""

    def __init__(self, repo: Repository, settings: Settings) -> None:
        self.repo = repo
        self.settings = settings
        self.policy = repo.policy
        self._django: tuple[str, Any] | None = None  # (repository state, facts): read once per state

    def tools(self) -> list[Tool]:
        handlers: dict[str, Callable[[dict[str, Any]], ToolOutcome]] = {
            "list_files": self.list_files, "read_file": self.read_file, "search": self.search,
            "git_diff": self.git_diff, "git_log": self.git_log, "git_show": self.git_show,
            "django_info": self.django_info,
        }
        return [Tool(name, DESCRIPTIONS[name], SCHEMAS[name], self._threaded(name, handlers[name])) for name in TOOL_NAMES]

    def _threaded(self, name: str, handler: Callable[[dict[str, Any]], ToolOutcome]) -> Callable[[dict[str, Any]], Any]:
        def run(arguments: dict[str, Any]) -> ToolOutcome:
            try:
                return handler(arguments)
            except (ToolInputError, PathRefused, RepoError, NotReadable) as exc:
                target = " ".join(" ".join(v.split()) for v in arguments.values() if isinstance(v, str))[:80]
                reason = str(exc).split(":")[0] if isinstance(exc, ToolInputError) else _short_reason(str(exc))
                head = f"{name} {target}".rstrip()
                return ToolOutcome(str(exc), f"{head} · {reason}", is_error=True)

        return lambda arguments: asyncio.to_thread(run, arguments)

    # --- shared checks -------------------------------------------------------------------------

    def _checked_path(self, raw: str) -> tuple[Path, str]:
        """A working-tree path the model may read: inside, not ignored, not secret, not in a submodule."""
        path, relative = self.repo.resolve(raw)
        if relative == ".":
            return path, relative
        sub = self.repo.submodule_of(relative)
        if sub is not None and relative != sub:
            raise PathRefused(f"{relative} is inside the submodule {sub}: submodules are listed but not read.")
        if self.repo.is_ignored(relative):
            raise PathRefused(f"{relative} is ignored by git (.gitignore): ignored files are not read.")
        self._check_secret(relative)
        return path, relative

    def _check_secret(self, relative: str) -> None:
        if self.policy.refuses(relative):
            raise PathRefused(
                f"{relative} is a secret file (.env, keys, credentials…): it is never sent to you. If its content "
                "is really needed, ask the person to attach it with @path."
            )

    def _file_outcome(self, name: str, label: str, piece: FileSlice) -> ToolOutcome:
        shown, kinds = self.policy.clean_slice(piece)
        notes = list(piece.notes) + ([REDACTION_NOTE] if kinds else [])
        body = f"{label} ({piece.label})\n{shown.numbered()}" + "".join(f"\n[{note}]" for note in notes)
        cut = " (truncated)" if any(n.startswith("Lines ") for n in piece.notes) else ""
        return ToolOutcome(body, f"{name} {label} · {piece.label}{cut}{_redaction_suffix(kinds)}")

    # --- the tools -----------------------------------------------------------------------------

    def list_files(self, arguments: dict[str, Any]) -> ToolOutcome:
        folder = _text(arguments, "path")
        glob = _text(arguments, "glob")
        files = self.repo.files()
        prefix = ""
        if folder:
            path, relative = self._checked_path(folder)
            if relative != ".":
                if path.is_file():
                    files = [relative] if relative in files else []
                elif not path.is_dir():
                    raise PathRefused(f"{relative} does not exist: list the repository to find the folder.")
                else:
                    prefix = relative.rstrip("/") + "/"
                    files = [f for f in files if f.startswith(prefix)]
        if glob:
            files = [f for f in files if glob_matches(glob, f)]
        cap = self.settings.list_max_files
        shown = files[:cap]
        submodules = set(self.repo.submodules())
        lines = [f"{f} (submodule: not entered)" if f in submodules else f for f in shown]
        where = " ".join(x for x in (prefix, glob) if x)
        header = f"{_plural(len(files), 'file')}{' under ' + prefix if prefix else ''}{' matching ' + glob if glob else ''}:"
        body = "\n".join([header, *lines])
        if len(files) > cap:
            body += f"\n[{len(files) - cap:,} more files were not listed: narrow the listing with path or glob.]"
            count = f"{len(shown):,} of {_plural(len(files), 'file')} (capped)"
        else:
            count = _plural(len(files), "file")
        return ToolOutcome(body, f"list_files{' ' + where if where else ''} · {count}")

    def read_file(self, arguments: dict[str, Any]) -> ToolOutcome:
        raw = _text(arguments, "path", required=True) or ""
        start = _number(arguments, "start_line")
        end = _number(arguments, "end_line")
        path, relative = self._checked_path(raw)
        if relative == "." or path.is_dir():
            raise NotReadable(f"{relative} is a folder: use list_files with path={relative}.")
        if not path.exists():
            raise NotReadable(f"{relative} does not exist (or no longer exists): use list_files or search to find it.")
        piece = self.repo.read(raw, start=start, end=end, max_bytes=self.settings.read_max_bytes,
                               max_lines=self.settings.read_max_lines)
        return self._file_outcome("read_file", relative, piece)

    def search(self, arguments: dict[str, Any]) -> ToolOutcome:
        pattern = _text(arguments, "pattern", required=True) or ""
        glob = _text(arguments, "glob")
        ignore_case = bool(arguments.get("ignore_case", False))
        result = self.repo.grep(pattern, glob=glob, max_results=self.settings.search_max_results, ignore_case=ignore_case)
        head = f"search “{pattern}”{' in ' + glob if glob else ''}"
        lines = [f"{m.path}:{m.line}: {m.text}" for m in result.matches] or ["No match."]
        notes = []
        if result.truncated:
            notes.append(f"Stopped at {len(result.matches):,} matches: narrow the pattern or add a glob.")
        if result.secret_files:
            names = ", ".join(result.secret_files[:5])
            notes.append(f"Matches in {_plural(len(result.secret_files), 'secret file')} ({names}) were left out: "
                         "secret files are never sent.")
        if result.linked_files:
            notes.append(f"Matches in {_plural(len(result.linked_files), 'file')} with more than one hard link "
                         f"({', '.join(result.linked_files[:5])}) were left out: another name for such a file may lie "
                         "outside the repository.")
        if result.redactions:
            notes.append(REDACTION_NOTE)
        body = "\n".join(lines) + "".join(f"\n[{n}]" for n in notes)
        if result.matches:
            files = len(result.paths())
            count = f"{_plural(len(result.matches), 'match', 'matches')} in {_plural(files, 'file')}"
            count += " (capped)" if result.truncated else ""
        else:
            count = "no match"
        return ToolOutcome(body, f"{head} · {count}{_redaction_suffix(result.redactions)}")

    def git_diff(self, arguments: dict[str, Any]) -> ToolOutcome:
        scope = _text(arguments, "scope", required=True) or ""
        base = _text(arguments, "base")
        path = _text(arguments, "path")
        if path:
            self._check_secret(path)
        diff = self.repo.diff_text(scope, base=base, path=path, max_bytes=self.settings.read_max_bytes)
        head = " ".join(x for x in ("git_diff", scope, base or "", path or "") if x)
        if not diff.text.strip():
            return ToolOutcome("No changes.", f"{head} · no changes")
        body = diff.text + (f"\n[{REDACTION_NOTE}]" if diff.redactions else "")
        cut = " (truncated)" if diff.truncated else ""
        return ToolOutcome(body, f"{head} · {_plural(len(diff.files), 'file')}{cut}{_redaction_suffix(diff.redactions)}")

    def git_log(self, arguments: dict[str, Any]) -> ToolOutcome:
        path = _text(arguments, "path")
        count = _number(arguments, "count", default=20, maximum=100) or 20
        commits = self.repo.log(path=path, count=count)
        head = f"git_log{' ' + path if path else ''}"
        if not commits:
            return ToolOutcome("No commits yet." if not path else f"No commits touch {path}.", f"{head} · no commits")
        return ToolOutcome("\n".join(c.line() for c in commits), f"{head} · {_plural(len(commits), 'commit')}")

    def git_show(self, arguments: dict[str, Any]) -> ToolOutcome:
        revision = _text(arguments, "revision", required=True) or ""
        path = _text(arguments, "path")
        if path is None and ":" in revision:
            revision, _, path = revision.partition(":")
        if not path:
            shown = self.repo.show_commit_text(revision, max_bytes=self.settings.read_max_bytes)
            body = shown.text + (f"\n[{REDACTION_NOTE}]" if shown.redactions else "")
            return ToolOutcome(body, f"git_show {revision} · {_plural(len(shown.files), 'file')}"
                                     f"{_redaction_suffix(shown.redactions)}")
        self._check_secret(path)
        if self.repo.submodule_of(path.strip("/")) not in (None, path.strip("/")):
            raise PathRefused(f"{path} is inside a submodule: submodules are listed but not read.")
        data = self.repo.show(revision, path)
        name = path.strip().lstrip("./") or path
        piece = read_bytes(data, name, max_bytes=self.settings.read_max_bytes, max_lines=self.settings.read_max_lines)
        return self._file_outcome("git_show", f"{revision}:{name}", piece)


    def django_info(self, arguments: dict[str, Any]) -> ToolOutcome:
        from backdev.repo.django import info  # only when django_info is called
        from backdev.repo.django.project import summarize_repository

        wanted = {key: _text(arguments, key) for key in info.ARGUMENTS}
        state = self.repo.state_key()
        if self._django is None or self._django[0] != state:
            self._django = (state, summarize_repository(self.repo.root, self.repo.files(),
                                                        extra_bases=self.settings.django_bases))
        body, summary = info.answer(self._django[1], {k: v for k, v in wanted.items() if v})
        limit = self.settings.read_max_bytes
        if len(body.encode()) > limit:
            body = body.encode()[:limit].decode("utf-8", "ignore").rsplit("\n", 1)[0]
            body += "\n[Cut at the read cap (read_max_bytes): ask for one app, model or route prefix at a time.]"
            summary += " (truncated)"
        cleaned = self.policy.clean(body)
        text = cleaned.text + (f"\n[{REDACTION_NOTE}]" if cleaned.kinds else "")
        head = " ".join(f"{k}={v}" for k, v in wanted.items() if v)
        return ToolOutcome(text, f"django_info{' ' + head if head else ''} · {summary}{_redaction_suffix(cleaned.kinds)}")


def _short_reason(message: str) -> str:
    """A few words of an error for the summary line (`refused: secret file`)."""
    lowered = message.lower()
    for marker, words in (
        ("secret file", "refused: secret file"), ("outside the repository", "refused: outside the repository"),
        ("absolute path", "refused: absolute path"), ("home folder", "refused: outside the repository"),
        ("ignored by git", "refused: ignored file"), ("submodule", "refused: in a submodule"),
        ("binary file", "refused: binary file"), ("is a folder", "is a folder"), ("does not exist", "not found"),
        ("no longer exists", "not found"), ("not a valid regular expression", "bad pattern"),
        ("not a git repository", "needs git"), ("no commit or branch", "unknown revision"),
    ):
        if marker in lowered:
            return words
    return message.split(".")[0][:60]


def repo_tools(repo: Repository, settings: Settings) -> list[Tool]:
    """The seven read-only repository tools, in their stable order (see TOOL_NAMES)."""
    return RepoTools(repo, settings).tools()
