"""Paths from the model or the person are confined to the repository; secret files are refused.

`resolve_in_repo` resolves symlinks (realpath) and refuses anything that lands outside the root:
`../`, absolute paths, `~`, and symlinks (or paths through symlinked folders) pointing out. A
regular file with more than one hard link is refused too: its other name may lie outside the
repository, and no path check can see where. `.git` is git's own folder in any letter case
(`.GIT/config` is `.git/config` on case-insensitive file systems). `SafetyPolicy` carries the secret rules of the settings (on by default; only config loosens them).
"""

from __future__ import annotations

import fnmatch
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from backdev.repo.reading import FileSlice
from backdev.repo.redaction import Redacted, mask_key_lines, redact
from backdev.settings import Settings

SECRET_FILE_PATTERNS: tuple[str, ...] = (
    ".env", ".env.*", "*.env", "*.pem", "*.key", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
    "*.p12", "*.pfx", ".netrc", "_netrc", "credentials*", "*secret*", ".pgpass", "*.keystore", "*.jks",
)


class PathRefused(ValueError):
    """A path that may not be read or written; the message says why in one sentence."""


def _check_text(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise PathRefused("An empty path was given: name a file inside the repository.")
    if "\0" in text:
        raise PathRefused(f"{text!r} is not a valid path (it holds a NUL character).")
    if text.startswith("~"):
        raise PathRefused(f"{text} points into a home folder: only paths inside the repository are allowed.")
    if PurePosixPath(text).is_absolute() or Path(text).is_absolute():
        raise PathRefused(f"{text} is an absolute path: give a path relative to the repository root.")
    return text


def resolve_in_repo(root: Path, user_path: str) -> Path:
    """The real path of `user_path` (relative to `root`), refused unless it lies inside `root`.

    The path need not exist. Symlinks are followed, so a link (or a folder link on the way)
    pointing outside the repository is refused, while one pointing inside is fine.

    Raises:
        PathRefused: for an empty path, `~`, an absolute path, or a path (or symlink) that
            resolves outside the repository.
    """
    raw = _check_text(user_path)
    real_root = root.resolve()
    resolved = (real_root / raw).resolve()
    if resolved != real_root and real_root not in resolved.parents:
        raise PathRefused(f"{raw} resolves outside the repository (to {resolved}); it is refused.")
    links = hard_links(resolved)
    if links > 1:
        raise PathRefused(f"{raw} is a file with {links} hard links: another name for it may lie outside the "
                          "repository, so it is refused. Make it a copy instead of a link if it is needed.")
    return resolved


def hard_links(path: Path) -> int:
    """How many hard links the regular file `path` has (0 when it is missing or not a regular file)."""
    try:
        info = path.stat()
    except OSError:
        return 0
    return info.st_nlink if stat.S_ISREG(info.st_mode) else 0


def is_git_internal(relative: str) -> bool:
    """True for a path inside git's own folder, whatever the letter case of `.git`."""
    return any(part.lower() == ".git" for part in PurePosixPath(relative).parts)


def inside_or_none(root: Path, relative: str) -> Path | None:
    """The real path of a listed file, or None when it (through a symlink) leaves the repository.

    For code that reads files by name from a listing (search outside git, the overview's parsers):
    a link out of the repository is skipped, never followed.
    """
    try:
        return resolve_in_repo(root, relative)
    except PathRefused:
        return None


def normalize_repo_path(user_path: str) -> str:
    """`user_path` as a clean POSIX path inside the repository, without touching the disk.

    Used for paths at a revision (`HEAD:path`), where the working tree does not matter.

    Raises:
        PathRefused: as `resolve_in_repo`, for `..` leading out of the root too.
    """
    raw = _check_text(user_path)
    parts: list[str] = []
    for part in PurePosixPath(raw.replace("\\", "/")).parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise PathRefused(f"{raw} leads outside the repository; it is refused.")
            parts.pop()
        else:
            parts.append(part)
    if not parts:
        raise PathRefused(f"{raw} names the repository itself: name a file inside it.")
    return "/".join(parts)


def relative_posix(root: Path, path: Path) -> str:
    """`path` relative to the repository root, with forward slashes."""
    return path.resolve().relative_to(root.resolve()).as_posix()


def is_secret_path(relative: str, extra_patterns: Iterable[str] = ()) -> bool:
    """True when the file name (or, for patterns with a `/`, the whole path) matches a secret pattern."""
    lowered = relative.lower()
    name = PurePosixPath(lowered).name
    for pattern in (*SECRET_FILE_PATTERNS, *extra_patterns):
        pattern = pattern.lower()
        if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(lowered, pattern):
            return True
    # `aws/credentials`: a folder named like a secret file holds secrets too.
    return any(fnmatch.fnmatchcase(part, p) for part in PurePosixPath(lowered).parts[:-1]
               for p in ("credentials", ".ssh", ".gnupg"))


@dataclass(frozen=True)
class SafetyPolicy:
    """The secret rules in force: redaction, refusal of secret files, extra secret patterns.

    All are on by default and can be loosened only in a config file (`redact_secrets`,
    `refuse_secret_files`, `secret_files`).
    """

    redact: bool = True
    refuse_secret_files: bool = True
    secret_patterns: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> SafetyPolicy:
        return cls(settings.redact_secrets, settings.refuse_secret_files, tuple(settings.secret_files))

    def is_secret(self, relative: str) -> bool:
        """True for a secret file (whatever the refusal setting)."""
        return is_secret_path(relative, self.secret_patterns)

    def refuses(self, relative: str) -> bool:
        """True when the model may not read `relative` because it is a secret file."""
        return self.refuse_secret_files and self.is_secret(relative)

    def clean(self, text: str) -> Redacted:
        """`text` with secret-looking values replaced (unchanged when redaction is off)."""
        return redact(text) if self.redact else Redacted(text)

    def clean_slice(self, piece: FileSlice) -> tuple[FileSlice, tuple[str, ...]]:
        """The lines of a read, redacted; line numbers stay right (a redacted block keeps its breaks).

        Lines inside one of the file's private key blocks are masked even when the read shows them
        without their BEGIN line.
        """
        if not self.redact:
            return piece, ()
        lines, blocks = mask_key_lines(piece.lines, piece.start, list(piece.key_lines))
        cleaned = self.clean("\n".join(lines))
        kinds = ("private-key",) * blocks + cleaned.kinds
        return replace(piece, lines=cleaned.text.split("\n") if piece.lines else []), kinds
