"""Diffs, the log and files at a revision, through GitPython, with secret files left out.

Every revision or branch name is checked before it reaches git (no leading `-`, so nothing can be
taken for an option) and verified to name a commit. Diffs are split per file so that a secret
file's section can be replaced by a one-line note; the rest is redacted by the repository's
`SafetyPolicy`.

A diff or patch is capped as git produces it: its output is read up to a budget (twice the
caller's `max_bytes`, or `MAX_DIFF_BYTES`) and git is stopped there, so a 50 MB rewrite costs
what the cap costs, not the whole diff in memory (it took 76 s and 556 MB when read whole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from backdev.repo.base import RepoError, RepoHandle
from backdev.repo.safety import PathRefused, hard_links, normalize_repo_path

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's well-known empty tree
SCOPES = ("unstaged", "staged", "base", "path")
MAX_UNTRACKED_DIFFS = 50
MAX_DIFF_BYTES = 4_000_000  # the ceiling for a diff read without a cap of its own
_REVISION = re.compile(r"^[A-Za-z0-9._/~^@{}+-]{1,200}$")
_DIFF_FLAGS = ("--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/")


@dataclass(frozen=True)
class Commit:
    """One commit of the log."""

    sha: str
    author: str
    date: str  # YYYY-MM-DD
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:7]

    def line(self) -> str:
        return f"{self.short} {self.date} {self.author}: {self.subject}"


@dataclass(frozen=True)
class DiffText:
    """A diff ready for the model: its text, the files it covers, what was left out or redacted."""

    text: str
    files: tuple[str, ...] = ()
    secret_files: tuple[str, ...] = ()
    redactions: tuple[str, ...] = ()
    truncated: bool = False


def check_revision(repo: RepoHandle, revision: str) -> str:
    """The full commit id `revision` names (raises RepoError for a bad or unknown name)."""
    git_repo = repo.require_git("Reading a revision")
    revision = revision.strip()
    if not _REVISION.match(revision) or revision.startswith("-"):
        raise RepoError(f"{revision!r} is not a revision: give a branch, a tag or a commit id such as HEAD~1.")
    if not git_repo.head.is_valid():
        raise RepoError("The repository has no commits yet: there is no revision to read.")
    status, out, _ = git_repo.git.rev_parse(
        "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}",
        with_exceptions=False, with_extended_output=True,
    )
    if status != 0:
        raise RepoError(f"No commit or branch named {revision!r}: check the name with `git branch -a` or `git log`.")
    return str(out.strip())


def show_file(repo: RepoHandle, revision: str, path: str) -> bytes:
    """The exact bytes of `path` at `revision` (git show would strip the final newline)."""
    sha = check_revision(repo, revision)
    try:
        name = normalize_repo_path(path)
    except PathRefused as exc:
        raise RepoError(str(exc)) from None
    tree = repo.git_repo.commit(sha).tree
    try:
        item = tree / name
    except KeyError:
        raise RepoError(f"{name} does not exist at {revision}: list the files at that revision with git_show.") from None
    if item.type == "tree":
        raise RepoError(f"{name} is a folder at {revision}, not a file.")
    if item.type != "blob":
        raise RepoError(f"{name} is a submodule at {revision}: its files are not read.")
    return bytes(item.data_stream.read())


def _run(git_repo: Any, command: str, *args: str) -> tuple[int, str, str]:
    status, out, err = getattr(git_repo.git, command)(
        *args, with_exceptions=False, with_extended_output=True, strip_newline_in_stdout=False
    )
    return int(status), out, err


def _run_capped(git_repo: Any, budget: int, command: str, *args: str) -> tuple[int, str, str, bool]:
    """`_run` reading at most `budget` bytes of output; git is stopped past that.

    Returns:
        status, output (cut at its last whole line when capped), stderr, and whether it was capped.
    """
    process = getattr(git_repo.git, command)(*args, as_process=True)
    proc = process.proc
    try:
        data = proc.stdout.read(budget + 1)
        capped = len(data) > budget
        if capped:
            proc.kill()
            data = data[: data.rfind(b"\n", 0, budget) + 1]
        error = b"" if capped else proc.stderr.read()
    finally:
        status = proc.wait()
    return (0 if capped else int(status)), data.decode("utf-8", errors="replace"), error.decode(errors="replace"), capped


def _read_budget(max_bytes: int | None) -> int:
    # Secret sections and redaction shrink a diff on the way; read enough that a cap still fills.
    return MAX_DIFF_BYTES if max_bytes is None else min(MAX_DIFF_BYTES, 2 * max_bytes + 65_536)


def _sections(text: str) -> list[str]:
    """A diff split into one section per file (each starting with `diff --git`)."""
    parts = re.split(r"(?m)^(?=diff --git )", text)
    return [p for p in parts if p]


_PATH_LINES = re.compile(r"(?m)^(?:\+\+\+ b/|--- a/|rename (?:from|to) |diff --git a/)(.+?)(?: b/.*)?$")


def _section_paths(section: str) -> list[str]:
    return [m.group(1).strip() for m in _PATH_LINES.finditer(section)]


def _untracked(git_repo: Any) -> list[str]:
    out = git_repo.git.ls_files("--others", "--exclude-standard", "-z")
    return sorted(p for p in out.split("\0") if p and not p.endswith("/"))


def _untracked_diffs(git_repo: Any, paths: list[str], budget: int) -> str:
    chunks = []
    for name in paths[:MAX_UNTRACKED_DIFFS]:
        if budget <= 0:
            break
        _, out, _, _ = _run_capped(git_repo, budget, "diff", *_DIFF_FLAGS, "--no-index", "--", "/dev/null", name)
        budget -= len(out)
        chunks.append(out)
    rest = paths[MAX_UNTRACKED_DIFFS:]
    if rest:
        chunks.append(f"[{len(rest)} more new files not shown: {', '.join(rest[:20])}{'…' if len(rest) > 20 else ''}]\n")
    return "".join(chunks)


def _scope_args(repo: RepoHandle, scope: str, base: str | None, path: str | None) -> tuple[list[str], str | None]:
    """The `git diff` arguments for a scope, and the pathspec (or None)."""
    git_repo = repo.require_git("A diff")
    if scope not in SCOPES:
        raise RepoError(f"Unknown diff scope {scope!r}: use unstaged, staged, base or path.")
    head = "HEAD" if git_repo.head.is_valid() else EMPTY_TREE
    if scope == "unstaged":
        return [], None
    if scope == "staged":
        return ["--cached"], None
    if scope == "base":
        if not base:
            raise RepoError("The base scope needs a base branch, e.g. main.")
        if not git_repo.head.is_valid():
            raise RepoError("The repository has no commits yet: there is no base to compare with.")
        base_sha = check_revision(repo, base)
        status, merge_base, _ = _run(git_repo, "merge_base", base_sha, "HEAD")
        if status != 0:
            raise RepoError(f"{base} and HEAD have no common ancestor: there is no merge base to diff against.")
        return [merge_base.strip()], None
    if not path:
        raise RepoError("The path scope needs a path.")
    try:
        pathspec = normalize_repo_path(path)
    except PathRefused as exc:
        raise RepoError(str(exc)) from None
    return [head], pathspec


def _untracked_in_scope(git_repo: Any, scope: str, pathspec: str | None) -> list[str]:
    if scope == "staged":
        return []
    untracked = _untracked(git_repo)
    if pathspec is not None:
        return [p for p in untracked if p == pathspec or p.startswith(pathspec.rstrip("/") + "/")]
    return untracked


def diff(repo: RepoHandle, scope: str, *, base: str | None = None, path: str | None = None,
         max_bytes: int | None = None) -> DiffText:
    """See `Repository.diff`."""
    args, pathspec = _scope_args(repo, scope, base, path)
    git_repo = repo.git_repo
    tail = ["--", pathspec] if pathspec else []
    budget = _read_budget(max_bytes)
    status, out, err, capped = _run_capped(git_repo, budget, "diff", *_DIFF_FLAGS, *args, *tail)
    if status not in (0, 1):
        raise RepoError(f"git diff failed: {err.strip().splitlines()[-1] if err.strip() else status}.")
    if not capped:
        out += _untracked_diffs(git_repo, _untracked_in_scope(git_repo, scope, pathspec), budget - len(out))
        capped = len(out) >= budget
    return filter_diff(repo, out, max_bytes if max_bytes is not None else MAX_DIFF_BYTES, read_capped=capped)


def filter_diff(repo: RepoHandle, text: str, max_bytes: int | None = None, *, read_capped: bool = False) -> DiffText:
    """Replace secret files' sections by a note, redact the rest, and cap it at `max_bytes`.

    `read_capped`: git was stopped before the end of its output, so the diff is truncated
    whatever its size now.
    """
    kept: list[str] = []
    files: list[str] = []
    secrets: list[str] = []
    for section in _sections(text):
        paths = [p for p in _section_paths(section) if p != "/dev/null"]
        if paths:
            files.append(paths[-1])
        secret = next((p for p in paths if repo.policy.refuses(p)), None)
        linked = next((p for p in paths if hard_links(repo.root / p) > 1), None)
        if secret is not None:
            secrets.append(secret)
            kept.append(f"diff --git a/{secret} b/{secret}\n[left out: {secret} is a secret file]\n")
        elif linked is not None:  # the working-tree side may be a file outside the repository
            kept.append(f"diff --git a/{linked} b/{linked}\n[left out: {linked} has more than one hard link]\n")
        else:
            kept.append(section)
    cleaned = repo.policy.clean("".join(kept))
    body, truncated = cleaned.text, False
    if max_bytes is not None and (read_capped or len(body.encode()) > max_bytes):
        cut = body.encode()[:max_bytes].decode("utf-8", errors="ignore")
        cut = cut[: cut.rfind("\n") + 1] if "\n" in cut else cut
        shown = cut.count("\ndiff --git ") + cut.startswith("diff --git ")
        of = f"{shown} of {len(files)}" if not read_capped else f"{shown} of at least {len(files)}"
        body = cut + (f"\n[diff truncated at {max_bytes:,} bytes: {of} files shown. "
                      "Ask for one file with scope=path.]\n")
        truncated = True
    return DiffText(body, tuple(dict.fromkeys(files)), tuple(secrets), cleaned.kinds, truncated)


def changed_files(repo: RepoHandle, scope: str, *, base: str | None = None) -> list[str]:
    """See `Repository.changed_files`."""
    if scope == "path":  # every changed file against HEAD
        git_repo = repo.require_git("A diff")
        args = ["HEAD" if git_repo.head.is_valid() else EMPTY_TREE]
    else:
        args, _ = _scope_args(repo, scope, base, None)
        git_repo = repo.git_repo
    _, out, _ = _run(git_repo, "diff", "--name-only", "-z", "--no-renames", *args)
    names = {p for p in out.split("\0") if p}
    names.update(_untracked_in_scope(git_repo, scope, None))
    return sorted(names)


def log(repo: RepoHandle, *, path: str | None = None, count: int = 20) -> list[Commit]:
    """See `Repository.log`."""
    if repo.git_repo is None or not repo.git_repo.head.is_valid():
        return []
    tail: list[str] = []
    if path:
        try:
            tail = ["--", normalize_repo_path(path)]
        except PathRefused as exc:
            raise RepoError(str(exc)) from None
    fmt = "--format=%H%x1f%an%x1f%ad%x1f%s%x1e"
    _, out, _ = _run(repo.git_repo, "log", f"-n{max(1, count)}", "--no-color", "--date=short", fmt, *tail)
    commits = []
    for record in out.split("\x1e"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) == 4:
            sha, author, date, subject = fields
            commits.append(Commit(sha, author, date, repo.policy.clean(subject).text))
    return commits


def show_commit(repo: RepoHandle, revision: str, *, max_bytes: int | None = None) -> DiffText:
    """A commit's header, message, stat and patch, filtered as diffs are."""
    sha = check_revision(repo, revision)
    fmt = "--format=commit %H%nAuthor: %an%nDate:   %ad%n%n%B"
    _, out, _, capped = _run_capped(repo.git_repo, _read_budget(max_bytes), "show", *_DIFF_FLAGS, "--stat", "--patch",
                                    "--date=iso", fmt, sha)
    head, sep, rest = out.partition("\ndiff --git ")
    header = repo.policy.clean(head + "\n")
    patch = filter_diff(repo, "diff --git " + rest if sep else "", max_bytes if max_bytes is not None else MAX_DIFF_BYTES,
                        read_capped=capped)
    return DiffText(header.text + patch.text, patch.files, patch.secret_files, header.kinds + patch.redactions,
                    patch.truncated)
