"""The one place the prompt is assembled: the system blocks and the tools for a session's state.

What every request starts with — its tools, then its system blocks, the order the API caches them
in — must stay byte-identical from turn to turn, so that prompt caching keeps hitting:

- **System blocks**, most stable first: the persona's prompt; the repository (project memory and
  the overview, read once when the repository is attached). An empty block is left out.
- **The phase block** (rebuilt only when the phase changes) is not a system block: it is sent in
  the conversation, before the first message of the phase (`backdev.workflow.phases.announce`),
  so a phase switch leaves the system prefix and the cached conversation as they were.
- **Tools**, in one fixed order whatever order the parts were attached in: the session's own
  tools, then the repository's read tools, then the workflow's tools, each part in its own order
  (a name is offered once: the earlier part's tool stays). The persona's `tools:` list then filters them (bookkeeping tools always stay), and an unattended
  session (`ToolAccess.NO_APPROVAL`) keeps only the tools that never ask.

`/prompt` shows the result with a size estimate per block: about four characters a token, which
is close for English prose and code (the API's own count is exact, but costs a request).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from backdev.personas.model import Persona
from backdev.tools.base import Tool, ToolAccess, ToolRegistry

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """About how many tokens `text` is (characters / 4, rounded up)."""
    return -(-len(text) // CHARS_PER_TOKEN)


@dataclass(frozen=True)
class SystemBlock:
    """One block of the system prompt.

    Attributes:
        name: `persona`, `repository` or `phase`.
        label: what `/prompt` calls it, e.g. `persona backend-developer` or `phase tdd`.
        text: exactly what is sent.
        in_conversation: sent inside the conversation where it starts (the phase), not as system.
    """

    name: str
    label: str
    text: str
    in_conversation: bool = False


@dataclass(frozen=True)
class AssembledPrompt:
    """The system blocks and tools of the next request."""

    system: tuple[SystemBlock, ...]
    tools: ToolRegistry

    def system_texts(self) -> tuple[str, ...]:
        """The texts sent as system blocks (the phase block is sent in the conversation)."""
        return tuple(block.text for block in self.system if not block.in_conversation)

    def conversation_text(self) -> str:
        """The phase block's text, sent before the first message of the phase ('' without one)."""
        return "".join(block.text for block in self.system if block.in_conversation)

    def tool_specs(self) -> tuple[dict[str, object], ...]:
        return self.tools.specs()

    def describe(self, *, full: bool = True) -> str:
        """What `/prompt` prints: each block and the tools with their estimated size, then (when
        `full`) the text of each block and each tool's description."""
        specs = self.tool_specs()
        sizes = [estimate_tokens(json.dumps(spec, ensure_ascii=False)) for spec in specs]
        rows = [(f"system {i} · {block.label}", estimate_tokens(block.text)) for i, block in enumerate(self.system, 1)]
        rows.append((f"tools ({len(specs)})", sum(sizes)))
        width = max(len(label) for label, _ in rows)
        lines = ["The prompt before the conversation (sent as: tools, then the system blocks; the phase block "
                 "goes before the phase's first message; "
                 f"tokens estimated at {CHARS_PER_TOKEN} characters each):"]
        lines += [f"  {label.ljust(width)}  ~{tokens:,} tokens" for label, tokens in rows]
        lines.append(f"  {'total'.ljust(width)}  ~{sum(t for _, t in rows):,} tokens")
        if not full:
            return "\n".join(lines)
        for i, block in enumerate(self.system, 1):
            lines += ["", f"── system {i} · {block.label} ──", block.text.rstrip("\n")]
        lines += ["", f"── tools ({len(specs)}) ──"]
        for spec, tokens in zip(specs, sizes):
            lines.append(f"{spec['name']} (~{tokens:,} tokens): {spec['description']}")
        return "\n".join(lines)


def assemble_prompt(*, persona: Persona, repository_text: str = "", phase: tuple[str, str] | None = None,
                    tool_parts: Sequence[Iterable[Tool]] = (), access: ToolAccess = ToolAccess.ALL) -> AssembledPrompt:
    """The system blocks and tools for a session's state (see the module docstring).

    Args:
        persona: its prompt is the first block; its `tools:` list filters the tools.
        repository_text: the repository block (empty before the repository is read, or without one).
        phase: (phase id, the phase block's text), or None for a persona without a workflow.
        tool_parts: the session's own tools, the repository's and the workflow's, in that order.
        access: which tools an unattended session keeps.
    """
    blocks = [SystemBlock("persona", f"persona {persona.name}", persona.prompt)]
    if repository_text:
        blocks.append(SystemBlock("repository", "repository", repository_text))
    if phase is not None and phase[1]:
        blocks.append(SystemBlock("phase", f"phase {phase[0]}", phase[1], in_conversation=True))
    registry = ToolRegistry()
    for part in tool_parts:
        for tool in part:
            if registry.get(tool.name) is None:  # a name is offered once: the earlier part's tool stays
                registry.register(tool)
    registry = registry.restricted_to(persona.tools)
    if access is ToolAccess.NO_APPROVAL:
        registry = registry.needing_no_approval()
    return AssembledPrompt(tuple(blocks), registry)
