"""A session-wide guard: the test run must leave the person's real home and XDG folders alone.

The autouse `isolated_home` fixture points every backdev folder at a temporary one, but a test can
still escape it (`monkeypatch.undo()` undoes the isolation too, a subprocess may be started with
the real environment). So before the first test this plugin records what lies in the real folders —
the names directly under `HOME` and under each XDG base folder, and every file beneath an entry
named like backdev or Claude Code — and after the last test it compares. Any difference fails the
run, naming what changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Entries whose whole tree is watched (backdev's own folders, the history file, Claude Code's agents).
WATCHED_NAMES = ("backdev", ".backdev", ".claude")


def real_folders(env: dict[str, str]) -> list[Path]:
    """The real home folder and XDG base folders, as they are before any test isolates them."""
    home = Path(env.get("HOME") or Path.home())
    bases = {
        home,
        Path(env.get("XDG_CONFIG_HOME") or home / ".config"),
        Path(env.get("XDG_DATA_HOME") or home / ".local" / "share"),
        Path(env.get("XDG_STATE_HOME") or home / ".local" / "state"),
        Path(env.get("XDG_CACHE_HOME") or home / ".cache"),
    }
    return sorted(bases)


def _watched(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in WATCHED_NAMES)


def snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Entry -> (size, mtime in ns): top-level names of each folder, whole trees of watched ones."""
    seen: dict[str, tuple[int, int]] = {}
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen[entry.path] = (0, 0)  # top level: only that it exists
            if not _watched(entry.name):
                continue
            for root, _dirs, files in os.walk(entry.path):
                for name in files:
                    path = os.path.join(root, name)
                    try:
                        info = os.lstat(path)
                    except OSError:
                        continue
                    seen[path] = (info.st_size, info.st_mtime_ns)
    return seen


def differences(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Human-readable lines for what appeared, disappeared or changed."""
    lines = [f"created: {p}" for p in sorted(after.keys() - before.keys())]
    lines += [f"removed: {p}" for p in sorted(before.keys() - after.keys())]
    lines += [f"changed: {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return lines


class HomeGuard:
    """The pytest plugin: snapshot at start, compare at the end, fail the run on a difference."""

    def __init__(self) -> None:
        self.folders = real_folders(dict(os.environ))
        self.before = snapshot(self.folders)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        changed = differences(self.before, snapshot(self.folders))
        if not changed:
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "The test run touched the person's real files (a test escaped the home isolation):\n  " + "\n  ".join(
            changed[:50]
        )
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
