"""Search: `git grep` over tracked and untracked-not-ignored files, or Python outside git.

Globs mean the same everywhere (search, list_files): a glob without `/` matches a file name at any
depth (`*.py`), one with `/` matches the whole path (`app/**/tests/*.py`), `**` spans folders,
and a trailing `/` means everything below that folder. Results stop at a cap and say so; no
match is an empty result, not an error. Secret files are left out and values redacted; so are
files with more than one hard link (their other name may lie outside the repository).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from backdev.repo.base import RepoError, RepoHandle
from backdev.repo.reading import BINARY_SNIFF_BYTES, KEY_SCAN_BYTES
from backdev.repo.redaction import placeholder, private_key_line_ranges
from backdev.repo.safety import hard_links, inside_or_none


MAX_LINE_CHARS = 300
PYTHON_SEARCH_MAX_BYTES = 2_000_000  # outside git, larger files are skipped


@dataclass(frozen=True)
class Match:
    """One matching line."""

    path: str
    line: int
    text: str


@dataclass
class GrepResult:
    """What a search found; `truncated` when it stopped at the cap."""

    matches: list[Match] = field(default_factory=list)
    truncated: bool = False
    secret_files: list[str] = field(default_factory=list)
    redactions: tuple[str, ...] = ()
    linked_files: list[str] = field(default_factory=list)

    def paths(self) -> list[str]:
        """The files with a match, in order."""
        return list(dict.fromkeys(m.path for m in self.matches))


class GlobError(ValueError):
    """A glob that could reach outside the repository or use git's pathspec magic."""


def check_glob(glob: str) -> str:
    glob = glob.strip()
    if not glob:
        raise GlobError("An empty glob was given: use e.g. *.py or app/**/*.py.")
    if glob.startswith(("/", "~", ":")) or ".." in PurePosixPath(glob).parts:
        raise GlobError(f"{glob!r} is not a glob inside the repository: use a relative pattern such as app/**/*.py.")
    return glob


def _full_glob(glob: str) -> str:
    glob = check_glob(glob)
    if glob.endswith("/"):
        glob += "**"
    return glob if "/" in glob else "**/" + glob


@lru_cache(maxsize=64)
def glob_regex(glob: str) -> re.Pattern[str]:
    """The regular expression matching the paths `glob` names (see the module docstring)."""
    pattern = _full_glob(glob)
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = pattern.find("]", i + 1)
            if close > i:
                body = pattern[i + 1 : close].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = close + 1
                continue
            out.append(re.escape(char))
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def glob_matches(glob: str, path: str) -> bool:
    return glob_regex(glob).match(path) is not None


def _short(text: str) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS] + "…"


def _finish(repo: RepoHandle, found: list[Match], truncated: bool, secrets: list[str],
            linked: list[str] | None = None) -> GrepResult:
    kinds: list[str] = []
    cleaned = []
    key_lines = _key_lines(repo, {m.path for m in found}) if repo.policy.redact else {}
    for match in found:
        if any(start <= match.line <= end for start, end in key_lines.get(match.path, ())):
            kinds.append("private-key")  # a key's body line, matched without its BEGIN line
            cleaned.append(Match(match.path, match.line, placeholder("private-key")))
            continue
        redacted = repo.policy.clean(match.text)
        kinds.extend(redacted.kinds)
        cleaned.append(Match(match.path, match.line, redacted.text))
    return GrepResult(cleaned, truncated, sorted(set(secrets)), tuple(kinds), sorted(set(linked or ())))


def _key_lines(repo: RepoHandle, names: set[str]) -> dict[str, list[tuple[int, int]]]:
    """The private key blocks of each file with a match (search shows lines without their context)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for name in names:
        path = inside_or_none(repo.root, name)
        if path is None:
            continue
        try:
            with open(path, "rb") as handle:
                ranges = private_key_line_ranges(handle.read(KEY_SCAN_BYTES))
        except OSError:
            continue
        if ranges:
            found[name] = ranges
    return found


def grep(repo: RepoHandle, pattern: str, *, glob: str | None = None, max_results: int = 200,
         ignore_case: bool = False) -> GrepResult:
    """See `Repository.grep`. `pattern` is an extended regular expression (git grep -E)."""
    if not pattern:
        raise RepoError("An empty pattern was given: give the text or regular expression to look for.")
    try:
        pathspec = f":(glob){_full_glob(glob)}" if glob else None
    except GlobError as exc:
        raise RepoError(str(exc)) from None
    if repo.git_repo is None:
        return _python_grep(repo, pattern, glob, max_results, ignore_case)
    args = ["-n", "-I", "-z", "--no-color", "--untracked", "-E"] + (["-i"] if ignore_case else [])
    args += ["-e", pattern, "--", pathspec] if pathspec else ["-e", pattern]
    process = repo.git_repo.git.grep(*args, as_process=True)
    found: list[Match] = []
    secrets: list[str] = []
    linked: dict[str, bool] = {}  # git grep reads the working tree itself: check each file's links once
    truncated = False
    try:
        for raw in process.proc.stdout:
            path, _, rest = raw.decode("utf-8", errors="replace").partition("\0")
            number, _, text = rest.partition("\0")
            if repo.policy.refuses(path):
                secrets.append(path)
                continue
            if linked.setdefault(path, hard_links(repo.root / path) > 1):
                continue
            if len(found) >= max_results:
                truncated = True
                break
            found.append(Match(path, int(number or 0), _short(text)))
    finally:
        if truncated:
            process.proc.kill()
        error = process.proc.stderr.read().decode(errors="replace")
        status = process.proc.wait()
    if status not in (0, 1) and not truncated:
        detail = error.strip().splitlines()[-1] if error.strip() else f"status {status}"
        raise RepoError(f"{pattern!r} is not a valid regular expression ({detail}).")
    return _finish(repo, found, truncated, secrets, [p for p, is_linked in linked.items() if is_linked])


def _python_grep(repo: RepoHandle, pattern: str, glob: str | None, max_results: int, ignore_case: bool) -> GrepResult:
    try:
        regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise RepoError(f"{pattern!r} is not a valid regular expression ({exc}).") from None
    found: list[Match] = []
    secrets: list[str] = []
    for name in repo.files():
        if glob and not glob_matches(glob, name):
            continue
        path = inside_or_none(repo.root, name)
        if path is None:  # a symlink out of the folder is never followed
            continue
        try:
            if path.stat().st_size > PYTHON_SEARCH_MAX_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if b"\0" in data[:BINARY_SNIFF_BYTES]:
            continue
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
            if not regex.search(line):
                continue
            if repo.policy.refuses(name):
                secrets.append(name)
                break
            if len(found) >= max_results:
                return _finish(repo, found, True, secrets)
            found.append(Match(name, number, _short(line)))
    return _finish(repo, found, False, secrets)
