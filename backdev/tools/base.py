"""What a tool is, what it returns, and how a tool that writes or runs asks for approval.

A tool is data plus two functions: `run(input)` does the work and returns a `ToolOutcome`;
`approval(input)`, when present, describes the action for the person (the diff or the exact
command). Read-only tools have no `approval` and run without asking.

The model's input is checked against the tool's `input_schema` before anything is prepared or
asked (`Tool.check`): an input that is not a JSON object, not valid JSON, misses a required key or
gives a top-level property the wrong JSON type becomes a tool error the model can correct, and
the turn goes on. A provider that receives such an input keeps the conversation valid for the API
by wrapping it in an object (`as_tool_input`, `invalid_json_input`), which `check` recognises.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal


class Decision(enum.Enum):
    """The person's answer to an approval request."""

    APPROVE_ONCE = "approve_once"
    APPROVE_SESSION = "approve_session"
    DENY = "deny"

    @property
    def approved(self) -> bool:
        return self is not Decision.DENY


@dataclass(frozen=True)
class ApprovalRequest:
    """An action that writes or runs, described for the person before it happens.

    Attributes:
        tool: the tool's name.
        kind: `write` (changes files) or `run` (runs a command).
        title: one line, e.g. `write docs/backdev/requirements.md`.
        detail: the diff to apply or the exact command line.
        grant: what "approve for this session" covers (defaults to the tool name).
    """

    tool: str
    kind: Literal["write", "run"]
    title: str
    detail: str
    grant: str = ""

    @property
    def grant_key(self) -> str:
        return self.grant or self.tool


Approver = Callable[[ApprovalRequest], Awaitable[Decision]]

NOT_AN_OBJECT_KEY = "__not_an_object__"
INVALID_JSON_KEY = "__invalid_json__"
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,), "null": (type(None),),
}


def as_tool_input(value: Any) -> dict[str, Any]:
    """A tool input as received, always an object: anything else is wrapped for `Tool.check` to refuse."""
    return value if isinstance(value, dict) else {NOT_AN_OBJECT_KEY: value}


def invalid_json_input(raw: str) -> dict[str, Any]:
    """The stand-in for a tool input whose JSON could not be parsed (`raw` is what arrived)."""
    return {INVALID_JSON_KEY: raw[:2000]}


def _fits(value: Any, kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    for name in kinds:
        types = _JSON_TYPES.get(name)
        if types is None:
            return True  # a type this check does not know: leave it to the tool
        if isinstance(value, bool) and name in ("integer", "number"):
            continue
        if isinstance(value, types):
            return True
    return False


def input_problem(schema: dict[str, Any], arguments: Any) -> str | None:
    """Why `arguments` does not fit `schema` (an object, its required keys, its top-level property
    types), in one sentence for the model; None when it fits."""
    if not isinstance(arguments, dict) or NOT_AN_OBJECT_KEY in arguments:
        got = arguments.get(NOT_AN_OBJECT_KEY) if isinstance(arguments, dict) else arguments
        return f"The input was not a JSON object (it was {type(got).__name__} {str(got)[:200]!r})"
    if INVALID_JSON_KEY in arguments:
        return f"The input was not valid JSON ({str(arguments[INVALID_JSON_KEY])[:200]!r})"
    for key in schema.get("required", ()):
        if key not in arguments:
            return f"The input is missing the required key `{key}`"
    for key, spec in (schema.get("properties") or {}).items():
        if key in arguments and isinstance(spec, dict) and "type" in spec and not _fits(arguments[key], spec["type"]):
            kind = spec["type"] if isinstance(spec["type"], str) else " or ".join(spec["type"])
            article = "an" if kind[:1] in "aeiou" else "a"
            return f"`{key}` must be {article} {kind}, not {type(arguments[key]).__name__} {str(arguments[key])[:80]!r}"
    return None


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool call produced.

    Attributes:
        content: the text sent back to the model.
        summary: one line for the transcript and the session record
            (e.g. `read_file app/views.py · lines 1–240 of 240`).
        is_error: the call failed or was refused; the model is told so.
        detail: what a front end shows when the entry is expanded (defaults to `content`).
    """

    content: str
    summary: str
    is_error: bool = False
    detail: str = ""


def refusal(content: str, summary: str) -> ToolOutcome:
    """An error outcome: the call was refused, and `content` tells the model why."""
    return ToolOutcome(content, summary, is_error=True)


ToolHandler = Callable[[dict[str, Any]], "ToolOutcome | Awaitable[ToolOutcome]"]


@dataclass(frozen=True)
class Tool:
    """A tool the model can call."""

    name: str
    description: str
    input_schema: dict[str, Any]
    handler: ToolHandler
    approval: Callable[[dict[str, Any]], ApprovalRequest | None] | None = None
    # Bookkeeping tools only record state inside backdev (a checklist tick, a finding): they read,
    # write and run nothing, so a persona's `tools:` list never filters them out.
    bookkeeping: bool = False

    def spec(self) -> dict[str, Any]:
        """The definition sent to the API."""
        return {"name": self.name, "description": self.description, "input_schema": self.input_schema}

    def check(self, arguments: Any) -> ToolOutcome | None:
        """A tool error when `arguments` does not fit `input_schema` (see the module docstring), else None."""
        problem = input_problem(self.input_schema, arguments)
        if problem is None:
            return None
        keys = ", ".join(f"`{k}`" for k in self.input_schema.get("required", ())) or "the keys it describes"
        return ToolOutcome(f"{problem}; {self.name} was not run. Call it again with a JSON object holding {keys}.",
                           f"{self.name} refused: malformed input", is_error=True)

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        """Run the handler (sync or async); an exception becomes an error outcome, never a crash."""
        try:
            result = self.handler(arguments)
            if inspect.isawaitable(result):
                result = await result
            return result
        except Exception as exc:  # a broken tool must not end the turn
            return ToolOutcome(
                f"The tool {self.name} failed: {type(exc).__name__}: {exc}",
                f"{self.name} failed: {exc}",
                is_error=True,
            )


# Claude Code agent files name Claude Code's tools; these are backdev's tools that do the same job,
# so `tools: Read, Grep` in a `.claude/agents/` file keeps its meaning here.
CLAUDE_CODE_TOOLS: dict[str, tuple[str, ...]] = {
    "read": ("read_file", "git_show"),
    "grep": ("search",),
    "glob": ("list_files",),
    "ls": ("list_files",),
    "edit": ("propose_edit",),
    "multiedit": ("propose_edit",),
    "write": ("propose_edit", "write_artifact"),
    "bash": ("run_tests", "git_diff", "git_log"),
}


def expand_tool_names(names: tuple[str, ...]) -> set[str]:
    """A persona's `tools:` list as backdev tool names (Claude Code names are translated)."""
    expanded: set[str] = set()
    for name in names:
        expanded.update(CLAUDE_CODE_TOOLS.get(name.lower(), (name,)))
    return expanded


class ToolAccess(enum.Enum):
    """Which tools a session offers the model."""

    ALL = "all"  # every tool; what writes or runs asks the person first
    NO_APPROVAL = "no_approval"  # unattended (`backdev review`): only tools that never ask, so nothing is written or run


@dataclass
class ToolRegistry:
    """The tools on offer, in a stable order (the order is part of the cached prompt prefix)."""

    tools: dict[str, Tool] = field(default_factory=dict)

    def register(self, tool: Tool) -> None:
        self.tools[tool.name] = tool

    def get(self, name: str) -> Tool | None:
        return self.tools.get(name)

    def specs(self) -> tuple[dict[str, Any], ...]:
        return tuple(tool.spec() for tool in self.tools.values())

    def needing_no_approval(self) -> ToolRegistry:
        """Only the tools that never ask the person (read-only and bookkeeping tools)."""
        return ToolRegistry({n: t for n, t in self.tools.items() if t.approval is None})

    def restricted_to(self, names: tuple[str, ...] | None) -> ToolRegistry:
        """Only the named tools (a persona's `tools:` list); None keeps them all."""
        if names is None:
            return self
        allowed = expand_tool_names(names)
        return ToolRegistry({n: t for n, t in self.tools.items() if n in allowed or t.bookkeeping})
