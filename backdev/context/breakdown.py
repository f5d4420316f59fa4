"""`/context`: what fills the context window, block by block, with token counts.

The rows, in the order the API reads them: the tools, each system block (the persona, the
project — memory and overview —, the phase, and any other block a later part adds: the
compaction's `pinned` and `summary` blocks show under their own labels with no change here),
then the conversation; below them, the largest tool results in the conversation, which are
usually what to cut first. Counts are the local estimate scaled by the calibration (what the API
counted for the requests sent so far), so they add up to the gauge's figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from backdev.context.estimate import Calibration, estimate_value_tokens, format_fill, system_blocks

#: How many of the largest tool results are listed.
LARGEST = 5
#: What a system block of each name is called in the table (others: their own label).
BLOCK_TITLES = {"persona": "persona", "repository": "project (memory, overview)", "phase": "phase"}


@dataclass(frozen=True)
class ContextRow:
    """One row of `/context`: what it is, and about how many tokens it takes."""

    label: str
    tokens: int


@dataclass(frozen=True)
class ContextReport:
    """The window's contents (see the module docstring)."""

    rows: tuple[ContextRow, ...]
    largest_results: tuple[ContextRow, ...]
    window: int
    counted: int = 0  # what the API counted for the last request sent (0: none yet)

    @property
    def total(self) -> int:
        return sum(row.tokens for row in self.rows)

    def describe(self) -> str:
        """The table `/context` prints."""
        rows = [*self.rows, ContextRow("total", self.total)]
        width = max(len(row.label) for row in rows + list(self.largest_results))
        lines = [f"What the next request holds, of the model's {self.window:,}-token window "
                 f"({format_fill(self.total, self.window)}):"]
        lines += [f"  {row.label.ljust(width)}  {row.tokens:>9,}  {row.tokens / self.window:>4.0%}" for row in rows]
        if self.counted:
            lines.append(f"  (the API counted {self.counted:,} tokens for the last request sent)")
        if self.largest_results:
            lines.append("The largest tool results in the conversation:")
            lines += [f"  {row.label.ljust(width)}  {row.tokens:>9,}" for row in self.largest_results]
        return "\n".join(lines)


def _tool_names(messages: Sequence[dict[str, Any]]) -> dict[str, str]:
    return {block.get("id"): block.get("name", "a tool") for message in messages
            for block in message.get("content") or [] if isinstance(block, dict) and block.get("type") == "tool_use"}


def largest_tool_results(messages: Sequence[dict[str, Any]], count: int = LARGEST) -> list[tuple[str, int]]:
    """(`name · message N`, estimated tokens) of the largest tool results, largest first."""
    names = _tool_names(messages)
    found = [(f"{names.get(block.get('tool_use_id'), 'a tool')} · message {index}", estimate_value_tokens(block))
             for index, message in enumerate(messages, 1) for block in message.get("content") or []
             if isinstance(block, dict) and block.get("type") == "tool_result"]
    return sorted(found, key=lambda item: -item[1])[:count]


def context_report(*, blocks: Iterable[tuple[str, str, str]], tools: Sequence[dict[str, Any]],
                   messages: Sequence[dict[str, Any]], window: int, calibration: Calibration | None = None,
                   counted: int = 0) -> ContextReport:
    """What fills the window.

    Args:
        blocks: the system blocks as (name, label, text), in the order sent.
        tools: the tool definitions sent.
        messages: the conversation as sent.
        window: the model's context window.
        calibration: scales the estimates (None: as estimated).
        counted: what the API counted for the last request.
    """
    scale = (calibration or Calibration()).apply
    rows = [ContextRow(f"tools ({len(tools)})", scale(estimate_value_tokens(list(tools))))]
    for name, label, text in blocks:
        rows.append(ContextRow(BLOCK_TITLES.get(name, label), scale(estimate_value_tokens(system_blocks([text])))))
    rows.append(ContextRow(f"conversation ({len(messages)} messages)", scale(estimate_value_tokens(list(messages)))))
    largest = tuple(ContextRow(label, scale(tokens)) for label, tokens in largest_tool_results(messages))
    return ContextReport(tuple(rows), largest, window, counted)
