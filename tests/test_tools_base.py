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
