"""Paths from the model or the person are confined to the repository; secret files are refused.

`resolve_in_repo` resolves symlinks (realpath) and refuses anything that lands outside the root:
`../`, absolute paths, `~`, and symlinks (or paths through symlinked folders) pointing out.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

SECRET_FILE_PATTERNS: tuple[str, ...] = (
    ".env", ".env.*", "*.env", "*.pem", "*.key", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
    "*.p12", "*.pfx", ".netrc", "_netrc", "credentials*", "*secret*", ".pgpass", "*.keystore", "*.jks",
)


class PathRefused(ValueError):
    """A path that may not be read or written; the message says why in one sentence."""


def resolve_in_repo(root: Path, user_path: str) -> Path:
    """The real path of `user_path` (relative to `root`), refused unless it lies inside `root`.

    Raises:
        PathRefused: for an empty path, `~`, an absolute path, or a path (or symlink) that
            resolves outside the repository.
    """
    raw = user_path.strip()
    if not raw:
        raise PathRefused("An empty path was given: name a file inside the repository.")
    if raw.startswith("~"):
        raise PathRefused(f"{raw} points into a home folder: only paths inside the repository are allowed.")
    if PurePosixPath(raw).is_absolute() or Path(raw).is_absolute():
        raise PathRefused(f"{raw} is an absolute path: give a path relative to the repository root.")
    real_root = root.resolve()
    resolved = (real_root / raw).resolve()
    if resolved != real_root and real_root not in resolved.parents:
        raise PathRefused(f"{raw} resolves outside the repository (to {resolved}); it is refused.")
    return resolved


def relative_posix(root: Path, path: Path) -> str:
    """`path` relative to the repository root, with forward slashes."""
    return path.resolve().relative_to(root.resolve()).as_posix()


def is_secret_path(relative: str, extra_patterns: Iterable[str] = ()) -> bool:
    """True when any part of the path's file name matches a secret-file pattern."""
    name = PurePosixPath(relative).name.lower()
    patterns = (*SECRET_FILE_PATTERNS, *extra_patterns)
    return any(fnmatch.fnmatchcase(name, p.lower()) or fnmatch.fnmatchcase(relative.lower(), p.lower()) for p in patterns)
