"""Writing one setting back to the user's config file (the TUI's theme and side-panel state).

The file is edited line by line rather than re-dumped, so the person's comments, key order and
other keys stay exactly as they wrote them: only the `key:` line (with any indented lines that
continue its value) is replaced, or a line is appended. The result is validated with the same
reader `load_settings` uses before it replaces the file; a file that is already broken is never
touched.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from backdev import paths
from backdev.settings import SettingsError, read_config_file


def _line_for(key: str, value: Any) -> str:
    import yaml  # ~0.05 s: only when a setting is saved

    return yaml.safe_dump({key: value}, default_flow_style=True, width=10_000).strip().removeprefix("{").removesuffix("}")


def _replace_key(text: str, key: str, line: str) -> str:
    lines = text.splitlines()
    start = next((i for i, row in enumerate(lines) if re.match(rf"{re.escape(key)}\s*:", row)), None)
    if start is None:
        return "\n".join([*lines, line]) + "\n"
    end = start + 1
    # Indented lines right after `key:` are part of its value (a block scalar or mapping).
    while end < len(lines) and lines[end][:1] in (" ", "\t"):
        end += 1
    return "\n".join([*lines[:start], line, *lines[end:]]) + "\n"


def save_user_setting(key: str, value: Any, path: Path | None = None) -> Path:
    """Set `key` to `value` in the user's config file, keeping everything else; returns the file.

    Raises:
        SettingsError: the key is not a setting that files may hold, the value has the wrong
            kind, or the existing file is not valid (it is then left untouched).
    """
    path = path or paths.user_config_file()
    read_config_file(path)  # raises on a broken file before anything is written
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = _replace_key(old, key, _line_for(key, value))
    paths.ensure_dir(path.parent)
    handle, temporary = tempfile.mkstemp(prefix=".config-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(new)
        try:
            checked = read_config_file(Path(temporary))
        except SettingsError as exc:  # name the person's file, not the scratch copy
            raise SettingsError(str(exc).replace(temporary, str(path))) from None
        if checked.get(key) != value:
            raise SettingsError(f"{path}: {key!r} could not be written as {value!r}.")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


__all__ = ["save_user_setting"]
