"""Boundaries the design holds us to: no UI in the core, nothing heavy or stateful at import."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "backdev"
UI_PACKAGES = ("textual", "prompt_toolkit", "rich")
UI_FOLDERS = ("tui", "repl")


def core_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in UI_FOLDERS]


def imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_never_imports_a_ui() -> None:
    offenders = {str(p.relative_to(PACKAGE)): sorted(imported_names(p) & set(UI_PACKAGES)) for p in core_modules()}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(core_modules()) > 20  # the scan really looked at the core


def test_only_the_provider_module_imports_anthropic() -> None:
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if "anthropic" in imported_names(p))
    assert users == ["llm/anthropic_provider.py", "llm/errors.py"]


def heavy_modules_after(code: str, heavy: tuple[str, ...], home: Path) -> list[str]:
    """Run `code` in a fresh interpreter and return which of `heavy` it imported."""
    report = f"\nimport sys\nprint('heavy:' + ','.join(m for m in {heavy!r} if m in sys.modules))"
    env = {**os.environ, "BACKDEV_HOME": str(home)}
    result = subprocess.run([sys.executable, "-c", code + report], capture_output=True, text=True, env=env, check=True)
    return [m for m in result.stdout.splitlines()[-1].removeprefix("heavy:").split(",") if m]


def test_importing_the_core_is_light_and_has_no_side_effects(tmp_path: Path) -> None:
    code = "import backdev.cli, backdev.compose, backdev.assistant, backdev.commands, backdev.session.export"
    assert heavy_modules_after(code, ("anthropic", "textual", "prompt_toolkit", "git", "yaml"), tmp_path / "home") == []
    assert not (tmp_path / "home").exists()  # no folder or database created at import


def test_yaml_is_only_ever_safe_loaded() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "yaml.load(" not in text and "yaml.unsafe_load" not in text and "yaml.full_load" not in text, path


def test_help_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    code = "from backdev.cli import main\ntry:\n    main(['review', '--help'])\nexcept SystemExit:\n    pass"
    heavy = ("asyncio", "yaml", "anthropic", "textual", "prompt_toolkit", "git", "sqlite3", "backdev.workflow.review.report")
    assert heavy_modules_after(code, heavy, tmp_path / "home") == []
