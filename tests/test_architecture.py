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
    # The worker imports it first thing, to load it in its own process before anything else.
    assert users == ["llm/anthropic_provider.py", "llm/errors.py", "llm/worker.py"]


def heavy_modules_after(code: str, heavy: tuple[str, ...], home: Path, cwd: Path | None = None) -> list[str]:
    """Run `code` in a fresh interpreter and return which of `heavy` it imported: by its end, or
    when it calls `report()` (which ends the process)."""
    report = (f"import os as _os, sys as _sys\ndef report():\n"
              f"    print('heavy:' + ','.join(m for m in {heavy!r} if m in _sys.modules), flush=True)\n"
              "    _os._exit(0)\n")
    env = {**os.environ, "BACKDEV_HOME": str(home)}
    result = subprocess.run([sys.executable, "-c", report + code + "\nreport()"], capture_output=True, text=True,
                            env=env, cwd=cwd, check=True, timeout=60)
    return [m for m in result.stdout.splitlines()[-1].removeprefix("heavy:").split(",") if m]


def test_importing_the_core_is_light_and_has_no_side_effects(tmp_path: Path) -> None:
    code = ("import backdev.cli, backdev.compose, backdev.assistant, backdev.chat.driver, backdev.commands.session, "
            "backdev.commands.workflow, backdev.session.export")
    assert heavy_modules_after(code, ("anthropic", "textual", "prompt_toolkit", "git", "yaml"), tmp_path / "home") == []
    assert not (tmp_path / "home").exists()  # no folder or database created at import


# What a turn, a finding or a report needs, and the first frame does not: loaded when first used.
NOT_FOR_THE_FIRST_FRAME = ("backdev.llm.loop", "backdev.context.fit", "backdev.workflow.review.scope",
                           "backdev.repo.repository", "backdev.repo.history", "backdev.chat.report")


def test_the_chats_first_frame_loads_nothing_only_a_turn_needs(tmp_path: Path) -> None:
    # Each module is import time before the first frame (Python 3.11 builds a dataclass's methods
    # from source at import); these are only needed by a turn, a review's finding or a report.
    # Counted at the first frame: right after it the app starts reading the repository.
    project = tmp_path / "project"
    project.mkdir()
    code = (
        "from pathlib import Path\n"
        "from backdev.compose import make_chat_provider, open_store, open_workspace, start_session\n"
        "from backdev.tui.factory import make_app\n"
        "workspace = open_workspace(Path.cwd(), {})\n"
        "app = make_app(start_session(workspace, open_store(), make_chat_provider(workspace.settings, None)), workspace)\n"
        "app.after_first_frame.append(report)\n"
        "app.run(headless=True, size=(100, 30))\n"
    )
    assert heavy_modules_after(code, NOT_FOR_THE_FIRST_FRAME, tmp_path / "home", cwd=project) == []


def test_yaml_is_only_ever_safe_loaded() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "yaml.load(" not in text and "yaml.unsafe_load" not in text and "yaml.full_load" not in text, path


def test_help_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    code = "from backdev.cli import main\ntry:\n    main(['review', '--help'])\nexcept SystemExit:\n    pass"
    heavy = ("asyncio", "yaml", "anthropic", "textual", "prompt_toolkit", "git", "sqlite3", "backdev.workflow.review.report")
    assert heavy_modules_after(code, heavy, tmp_path / "home") == []


# --- the layout: no cycles, thin front ends, small modules, lazy imports that say why ------------

MAX_LINES = 400
# Modules over the limit that their own change has to split (listed until it does; then this test
# fails until the line is deleted). None now.
KNOWN_LONG: set[str] = set()
# Cycles another change in flight removes, listed until it lands (then this test fails until the
# line is deleted: a cycle is never allowed back in). None now.
KNOWN_CYCLES: set[frozenset[str]] = set()
# What the app and the REPL may use of the core: the session driver and the values it hands out.
FRONT_END_MAY_IMPORT = {
    "backdev", "backdev.paths", "backdev.settings", "backdev.user_config", "backdev.compose", "backdev.safe_text",
    "backdev.session.closing",
    "backdev.commands.syntax", "backdev.commands.base",
    "backdev.chat.driver", "backdev.chat.events", "backdev.chat.transcript", "backdev.chat.report",
    "backdev.llm.events", "backdev.llm.cost", "backdev.llm.models", "backdev.tools.base",
    "backdev.repo.context", "backdev.repo.completion", "backdev.repo.attachments", "backdev.repo.redaction",
    "backdev.workflow.phases.view", "backdev.workflow.review.findings",
}
# What front ends call their core objects: none of these has private parts a front end may touch.
CORE_HANDLES = {"driver", "startup", "workspace", "options", "context", "events", "event"}
# Attributes of core objects a front end has no business reading or setting.
CORE_INTERNALS = {"assistant", "_assistant", "store", "all_tools", "workflow", "set_context", "switch_hooks",
                  "grants", "policy", "approve"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def backdev_imports(path: Path) -> set[str]:
    """Every backdev module `path` imports, wherever the import is (function level and TYPE_CHECKING too)."""
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith("backdev"):
                found.add(name)
    found.discard(module_name(path))
    return found


def import_cycles() -> set[frozenset[str]]:
    """The strongly connected groups of modules (Tarjan), each a set of two or more modules."""
    graph = {module_name(p): backdev_imports(p) for p in PACKAGE.rglob("*.py")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.add(frozenset(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_there_is_no_import_cycle() -> None:
    found = import_cycles()
    assert found - KNOWN_CYCLES == set(), "modules that import each other: move what both need below them"
    assert KNOWN_CYCLES <= found, "a known cycle is gone: delete it from KNOWN_CYCLES"


def test_the_cycle_check_sees_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    # The two edges of the old app <-> factory cycle: a TYPE_CHECKING import and one inside a function.
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from backdev.tui.factory import X\n" \
             "def f():\n    from backdev.cli import main\n"
    path = PACKAGE / "tui" / "_probe_for_the_architecture_test.py"
    path.write_text(source)
    try:
        assert {"backdev.tui.factory", "backdev.cli"} <= backdev_imports(path)
    finally:
        path.unlink()


def _ends_in(node: ast.expr, names: set[str]) -> bool:
    """`driver`, `self.driver` or `app.driver`: an expression whose last name is one of `names`."""
    last = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return last in names


def front_end_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] in UI_FOLDERS]


def test_front_ends_use_the_core_only_through_the_driver_and_its_values() -> None:
    reached = {}
    for path in front_end_modules():
        core = {m for m in backdev_imports(path) if not m.startswith(("backdev.tui", "backdev.repl"))}
        tree = ast.parse(path.read_text())
        attributes = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute)]
        internals = {node.attr for node in attributes} & CORE_INTERNALS
        internals |= {node.attr for node in attributes  # a core object's private parts
                      if node.attr.startswith("_") and not node.attr.startswith("__")
                      and _ends_in(node.value, CORE_HANDLES)}
        probes = [node.args[1].value for node in ast.walk(tree)  # another object's attributes, by name
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("getattr", "hasattr", "setattr") and len(node.args) > 1
                  and isinstance(node.args[1], ast.Constant)
                  and not (isinstance(node.args[0], ast.Name) and node.args[0].id == "self")]
        problems = sorted(core - FRONT_END_MAY_IMPORT) + sorted(f".{name}" for name in internals) + \
            [f"{name!r} probed" for name in probes]
        if problems:
            reached[str(path.relative_to(PACKAGE))] = problems
    assert reached == {}
    assert len(front_end_modules()) > 15  # the scan really looked at the front ends


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert {k: v for k, v in long.items() if k not in KNOWN_LONG} == {}, "split these by concern"
    assert KNOWN_LONG <= set(long), "a known long module is short now: delete it from KNOWN_LONG"


def function_level_imports_without_a_reason(path: Path) -> list[str]:
    """Imports inside functions whose group (consecutive import lines) has no comment saying why."""
    lines = path.read_text().splitlines()
    missing = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        imports = sorted((n for n in ast.walk(function) if isinstance(n, (ast.Import, ast.ImportFrom))),
                         key=lambda n: n.lineno)
        previous_end = -10
        for node in imports:
            if node.lineno > previous_end + 2:  # a new group starts: its first line (or the one above) says why
                above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                if "#" not in lines[node.lineno - 1] and not above.startswith("#"):
                    missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
            previous_end = node.end_lineno or node.lineno
    return missing


def test_every_function_level_import_says_why_it_is_not_at_the_top() -> None:
    missing = [line for path in sorted(PACKAGE.rglob("*.py")) for line in function_level_imports_without_a_reason(path)]
    assert missing == [], "import at the top of the module, or say in a comment why not (start-up time)"


def test_the_safety_policy_is_built_in_one_place() -> None:
    """One policy per session, from the settings, passed down (compose.open_workspace builds it)."""
    builders = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                      if "SafetyPolicy.from_settings(" in p.read_text() and p.name != "safety.py")
    assert builders == ["compose.py"]


def test_a_start_whose_persona_and_workflow_files_are_unchanged_never_imports_yaml(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".claude" / "agents").mkdir(parents=True)
    agent = project / ".claude" / "agents" / "dba.md"
    agent.write_text("---\nname: dba\ndescription: Tunes queries.\n---\nYou tune queries.\n")
    code = (f"from pathlib import Path\nfrom backdev.compose import open_workspace\n"
            f"w = open_workspace(Path({str(project)!r}), trust=True)\n"
            "from backdev.workflow.phases.definition import load_workflow, workflow_path_for\n"
            "load_workflow(workflow_path_for(w.catalog.get(w.settings.persona).path))\n"
            "print(w.catalog.get('dba').description)\n")
    home = tmp_path / "home"
    assert heavy_modules_after(code, ("yaml",), home) == ["yaml"]  # the first start parses them
    assert heavy_modules_after(code, ("yaml",), home) == []  # later ones read the parse back
    agent.write_text("---\nname: dba\ndescription: Tunes indexes.\n---\nYou tune indexes.\n")
    assert heavy_modules_after(code, ("yaml",), home) == ["yaml"]  # an edit is parsed afresh
    env = {**os.environ, "BACKDEV_HOME": str(home)}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert shown.stdout.strip() == "Tunes indexes."
