"""What `backdev --version` prints: the version, and the commit it was built from when known.

A wheel built from a git checkout carries the commit in `backdev/_build_info.py`, written at
build time by `hatch_build.py`, so an installed backdev never runs git to answer. Run from a
source checkout (an editable install, `python -m backdev` in a clone), there is no such file and
the commit is read from the checkout's `.git` files, which is a few small reads.
"""

from __future__ import annotations

from pathlib import Path

from backdev import __version__

SHORT_COMMIT = 12  # hex digits shown: unambiguous in any repository this size, short enough to read


def build_commit() -> str | None:
    """The commit this backdev was built from, or None when it was built outside a git checkout."""
    try:
        from backdev._build_info import COMMIT  # type: ignore[import-not-found]
    except ImportError:
        from backdev._git_head import head_commit

        checkout = Path(__file__).resolve().parent.parent
        return head_commit(checkout) if (checkout / "pyproject.toml").is_file() else None
    return COMMIT if isinstance(COMMIT, str) and COMMIT else None


def version_line(version: str = __version__, commit: str | None = None) -> str:
    """`backdev 0.1.0`, or `backdev 0.1.0 (commit 4cab1e4c1a2b)` when the commit is known."""
    return f"backdev {version} (commit {commit[:SHORT_COMMIT]})" if commit else f"backdev {version}"
