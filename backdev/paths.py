"""Where backdev keeps its configuration, data and logs.

Nothing here touches the disk at import time: the functions compute paths, and only
`ensure_dir` creates a folder, when a caller is about to write into it.

`BACKDEV_HOME`, when set, relocates them all under one folder (`config/`, `data/`, `logs/`, `cache/`):
the tests use it so they never read or write the person's own files.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "backdev"


def _folder(name: str, platform_function: str) -> Path:
    """`$BACKDEV_HOME/<name>` when set, else the platform's folder for backdev."""
    home = os.environ.get("BACKDEV_HOME")
    if home:
        return Path(home).expanduser() / name
    import platformdirs  # not needed under BACKDEV_HOME

    return getattr(platformdirs, platform_function)(APP_NAME)


def config_dir() -> Path:
    """The user's configuration folder (holds `config.yaml`, `personas/`, `instructions.md`)."""
    return _folder("config", "user_config_path")


def data_dir() -> Path:
    """The user's data folder (holds the session database and input history)."""
    return _folder("data", "user_data_path")


def log_dir() -> Path:
    """The folder for backdev's log file."""
    return _folder("logs", "user_log_path")


def cache_dir() -> Path:
    """The folder for what can be fetched again (the Models API's answers)."""
    return _folder("cache", "user_cache_path")


def user_config_file() -> Path:
    """The user's YAML configuration file."""
    return config_dir() / "config.yaml"


def session_db_path() -> Path:
    """The SQLite database that holds every session of this user."""
    return data_dir() / "sessions.db"


def ensure_dir(path: Path) -> Path:
    """Create `path` (and parents) if missing, private to the user, and return it.

    Each missing folder is made private, not only the last: `mkdir(parents=True)` gives parents the
    default mode, so `data/cache` made first would leave the data folder readable by others.
    """
    for folder in reversed([path, *path.parents]):
        if not folder.exists():
            folder.mkdir(exist_ok=True, mode=0o700)
    return path
