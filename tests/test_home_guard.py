"""The guard that fails the run when a test touches the person's real home (tests/home_guard.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.home_guard import differences, real_folders, snapshot


def test_a_new_file_under_a_backdev_folder_and_a_new_top_level_entry_are_seen(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local" / "share" / "backdev").mkdir(parents=True)
    folders = real_folders({"HOME": str(home)})
    before = snapshot(folders)
    (home / ".local" / "share" / "backdev" / "sessions.db").write_text("x")
    (home / ".backdev_history").write_text("typed")
    changed = differences(before, snapshot(folders))
    assert any("sessions.db" in line and line.startswith("created") for line in changed)
    assert any(".backdev_history" in line for line in changed)


def test_an_unrelated_cache_changing_inside_is_not_watched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".cache" / "pip").mkdir(parents=True)
    folders = real_folders({"HOME": str(home)})
    before = snapshot(folders)
    (home / ".cache" / "pip" / "wheel").write_text("x")
    assert differences(before, snapshot(folders)) == []


def test_a_run_whose_test_writes_into_the_real_home_fails(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(
        "from tests.home_guard import HomeGuard\n"
        "def pytest_configure(config):\n"
        "    config.pluginmanager.register(HomeGuard(), 'guard')\n"
    )
    (suite / "test_escape.py").write_text(
        "import os, pathlib\n"
        "def test_escapes():\n"
        "    d = pathlib.Path(os.environ['HOME']) / '.local' / 'share' / 'backdev'\n"
        "    d.mkdir(parents=True)\n"
        "    (d / 'sessions.db').write_text('x')\n"
    )
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "touched the person's real files" in run.stdout and "sessions.db" in run.stdout
