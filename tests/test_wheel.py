"""The wheel: what it ships (personas, stylesheets, the commit stamp), its metadata, and an install of it.

Everything here is offline: wheels are built with `--no-isolation` (the build backend comes from
the test environment), and the fresh environment an installed wheel is run from borrows its
dependencies from the test environment. .ci/run installs the same wheel with pipx and uv from
the registry, in a clean environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from email.parser import Parser as EmailParser
from pathlib import Path

import pytest

from backdev import __version__

from .conftest import git

ROOT = Path(__file__).resolve().parent.parent
IN_A_CHECKOUT = (ROOT / ".git").exists()


def build(source: Path, outdir: Path, *what: str) -> None:
    """`python -m build` without isolation (no network); `what` is e.g. `--wheel`, or nothing for sdist + wheel."""
    result = subprocess.run([sys.executable, "-m", "build", *what, "--no-isolation", "--outdir", str(outdir), str(source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def stamp(wheel: Path) -> str:
    return zipfile.ZipFile(wheel).read("backdev/_build_info.py").decode()


def head() -> str:
    return git(ROOT, "rev-parse", "HEAD").strip()


@pytest.mark.slow
def test_wheel_contains_and_finds_the_builtin_persona(tmp_path: Path) -> None:
    # --no-isolation: the build backend comes from the test environment, so no network is needed.
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel = next((tmp_path / "dist").glob("backdev-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    if IN_A_CHECKOUT:  # built straight from the work tree, as pipx and uv do from a git URL
        assert f"COMMIT: str | None = {head()!r}" in stamp(wheel)
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


def fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """A new virtual environment with `wheel` installed in it, its dependencies borrowed from this one."""
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # A plain path line: this environment's packages are importable, but its .pth files (the
    # editable install of this checkout among them) are not run.
    Path(site, "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, text=True)
    return venv


def installed(venv: Path, *args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKDEV_HOME": str(home), "HOME": str(home), "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin"}
    return subprocess.run([str(venv / "bin" / "backdev"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.slow
def test_sdist_then_wheel_has_complete_metadata_and_keeps_the_commit(tmp_path: Path) -> None:
    """`python -m build` makes the sdist and builds the wheel from it: the stamp must survive that."""
    import tomllib

    build(ROOT, tmp_path / "dist")
    wheel = next((tmp_path / "dist").glob("backdev-*.whl"))
    sdist_names = __import__("tarfile").open(next((tmp_path / "dist").glob("backdev-*.tar.gz"))).getnames()
    assert {f"backdev-{__version__}/{name}" for name in ("LICENSE", "CHANGELOG.md", "README.md", "hatch_build.py")} <= set(sdist_names)
    archive = zipfile.ZipFile(wheel)
    dist_info = f"backdev-{__version__}.dist-info"
    metadata = EmailParser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert metadata["Name"] == "backdev" and metadata["Version"] == __version__
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert urls == project["urls"] and {"Repository", "Issues", "Changelog"} <= urls.keys()
    classifiers = metadata.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers and "Environment :: Console" in classifiers
    assert metadata["License-Expression"] == "MIT" and metadata.get_all("License-File") == ["LICENSE"]
    assert "MIT License" in archive.read(f"{dist_info}/licenses/LICENSE").decode()
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().strip() == (ROOT / "README.md").read_text().strip()
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Summary"] == project["description"]
    assert "backdev = backdev.cli:main" in archive.read(f"{dist_info}/entry_points.txt").decode()

    if IN_A_CHECKOUT:
        assert f"COMMIT: str | None = {head()!r}" in stamp(wheel)
        # Installed, from another folder: the console script, the version with its commit, the
        # built-in persona, and completion (shtab is a dependency of the wheel, not only of the tests).
        venv = fresh_environment(tmp_path, wheel)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        version = installed(venv, "--version", cwd=elsewhere, home=tmp_path / "home")
        assert version.returncode == 0 and version.stdout.strip() == f"backdev {__version__} (commit {head()[:12]})"
        personas = installed(venv, "personas", "show", "backend-developer", cwd=elsewhere, home=tmp_path / "home")
        assert personas.returncode == 0, personas.stderr
        assert f"file:        {venv}" in personas.stdout and "built-in" in personas.stdout
        completion = installed(venv, "completion", "bash", cwd=elsewhere, home=tmp_path / "home")
        assert completion.returncode == 0 and "backdev _complete personas" in completion.stdout


@pytest.mark.slow
def test_a_wheel_built_outside_a_checkout_prints_the_version_alone(tmp_path: Path) -> None:
    source = tmp_path / "source"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    if not IN_A_CHECKOUT:
        pytest.skip("needs the file list of a git checkout")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    assert not (source / ".git").exists()
    build(source, tmp_path / "dist", "--wheel")
    wheel = next((tmp_path / "dist").glob("backdev-*.whl"))
    assert "COMMIT: str | None = None" in stamp(wheel)
    venv = fresh_environment(tmp_path, wheel)
    version = installed(venv, "--version", cwd=tmp_path, home=tmp_path / "home")
    assert version.returncode == 0 and version.stdout.strip() == f"backdev {__version__}"
