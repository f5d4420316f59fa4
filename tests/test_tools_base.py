"""The tool registry: stable order, persona restrictions, Claude Code tool names."""

from __future__ import annotations

from backdev.tools.base import Tool, ToolOutcome, ToolRegistry


def registry(*names: str) -> ToolRegistry:
    tools = ToolRegistry()
    for name in names:
        tools.register(Tool(name, name, {"type": "object"}, lambda a: ToolOutcome("", "")))
    return tools


def test_specs_keep_registration_order() -> None:
    assert [s["name"] for s in registry("b", "a", "c").specs()] == ["b", "a", "c"]


def test_persona_tools_restrict_and_claude_code_names_translate() -> None:
    tools = registry("list_files", "read_file", "search", "git_show", "propose_edit", "run_tests")
    assert list(tools.restricted_to(None).tools) == list(tools.tools)
    assert set(tools.restricted_to(("read_file",)).tools) == {"read_file"}
    assert set(tools.restricted_to(("Read", "Grep", "Glob")).tools) == {"read_file", "git_show", "search", "list_files"}
    assert set(tools.restricted_to(("Bash",)).tools) == {"run_tests"}


def test_bookkeeping_tools_survive_a_persona_tools_list() -> None:
    tools = registry("read_file", "run_tests")
    tools.register(Tool("update_checklist", "tick", {"type": "object"}, lambda a: ToolOutcome("", ""), bookkeeping=True))
    assert set(tools.restricted_to(("Read",)).tools) == {"read_file", "update_checklist"}


def test_workflow_ticks_and_findings_are_bookkeeping(startup) -> None:  # type: ignore[no-untyped-def]
    tools = startup.assistant.tools.tools
    assert tools["update_checklist"].bookkeeping and tools["report_finding"].bookkeeping
    assert not any(tools[n].bookkeeping for n in ("write_artifact", "propose_edit", "run_tests"))
