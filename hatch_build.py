"""Build hook: stamp the wheel (and the sdist) with the commit it was built from.

`backdev --version` then names the commit without running git: the hook writes
`backdev/_build_info.py` into the built archive only, never into the work tree. A wheel built from
an sdist finds the file the sdist carries and keeps it; a build outside any checkout records None.
Editable installs get nothing: they read the live checkout instead (see backdev/version.py).
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUILD_INFO = "backdev/_build_info.py"


def _head_commit(root: Path) -> str | None:
    # Loaded by path: the build environment does not have backdev importable.
    spec = importlib.util.spec_from_file_location("_backdev_git_head", root / "backdev" / "_git_head.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.head_commit(root)


class BuildInfoHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"
    _scratch: Path | None = None  # the folder holding the stamp while a build runs

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        commit = _head_commit(root)
        if commit is None and (root / BUILD_INFO).is_file():
            # An unpacked sdist carries the stamp of the checkout it came from. Named explicitly
            # because .gitignore (which the sdist ships) keeps the file out of a checkout's builds.
            build_data["force_include"][str(root / BUILD_INFO)] = BUILD_INFO
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="backdev-build-info-"))
        stamp = self._scratch / "_build_info.py"
        stamp.write_text('"""Written at build time by hatch_build.py."""\n\n'
                         f"COMMIT: str | None = {commit!r}\n", encoding="utf-8")
        build_data["force_include"][str(stamp)] = BUILD_INFO

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
