"""The wheel ships the built-in personas: a non-editable install finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_and_finds_the_builtin_persona(tmp_path: Path) -> None:
    # --no-isolation: the build backend comes from the test environment, so no network is needed.
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel = next((tmp_path / "dist").glob("backdev-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "backdev/_personas/backend-developer.md" in names
    assert "backdev/_personas/backend-developer.workflow.yaml" in names
    # The app's stylesheets sit beside their screens and must ship with them.
    stylesheets = {n for n in names if n.endswith(".tcss")}
    assert {f"backdev/tui/screens/{screen}.tcss" for screen in ("chat", "approval", "sessions", "choice", "paths",
                                                                "confirm")} <= stylesheets
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, text=True)
    code = (
        "import backdev, sys; from backdev.personas import load_catalog, builtin_personas_dir;"
        "p = load_catalog(None).get('backend-developer');"
        "from backdev.workflow.phases.definition import load_workflow;"
        "print(backdev.__file__); print(p.path); print(p.workflow); print(len(load_workflow(p.workflow).phases))"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "BACKDEV_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, check=True)
    module_file, persona_file, workflow_file, phases = result.stdout.split()
    assert module_file.startswith(str(target))  # the installed copy, not this checkout
    assert persona_file == str(target / "backdev" / "_personas" / "backend-developer.md")
    assert workflow_file == str(target / "backdev" / "_personas" / "backend-developer.workflow.yaml")
    assert phases == "5"
