"""Budget checks before a request: a message that makes it large, a tool result too large to send.

- **A large message.** Before a message leaves, the request it makes is estimated; when that
  passes `large_request_share` of the model's window (default half) and the message's attachments
  are what makes it big, the person is asked once — attach a range instead, send anyway, or
  cancel — with each large attachment and its size named (`large_message`). "A range instead"
  puts the message back with each large `@path` narrowed to its first lines (`with_ranges`).
- **A large tool result.** A tool result over `tool_result_share` of the window (default a
  quarter) is cut before it is sent (`cut_tool_result`): its start and end are kept, with a note
  telling the model how to ask for less (a line range, a narrower search, fewer log lines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backdev.context.estimate import CHARS_PER_TOKEN, estimate_value_tokens

_ATTACHED = re.compile(r'^<(?:attached (?:file|folder)=|file path=)"([^"]+)"')
#: What "attach a range instead" narrows a large file to.
RANGE_LINES = 200
#: An attachment under this share of the request is not what makes it big.
NOTABLE_SHARE = 0.2
#: Of a cut tool result, the share of what is kept that comes from its end (a test log's verdict).
TAIL_SHARE = 0.25


@dataclass(frozen=True)
class LargeMessage:
    """A message whose attachments take the request past the threshold: ask before it leaves.

    Attributes:
        attachments: (path, estimated tokens) of each attachment that makes it big, largest first.
        request_tokens: the whole request's estimate, this message included.
        window: the model's context window.
        threshold: the tokens at which backdev asks (`large_request_share` of the window).
    """

    attachments: tuple[tuple[str, int], ...]
    request_tokens: int
    window: int
    threshold: int

    @property
    def problem(self) -> str:
        """One sentence: what makes the request big, and how big it is."""
        parts = ", ".join(f"@{path} (≈{tokens:,} tokens)" for path, tokens in self.attachments)
        share = self.request_tokens / self.window if self.window else 0
        return (f"This message makes the request ≈{self.request_tokens:,} tokens, {share:.0%} of the model's "
                f"{self.window:,}-token window, mostly because of {parts}.")


def attachment_sizes(blocks: Sequence[dict[str, Any]]) -> list[tuple[str, int]]:
    """(path, estimated tokens) of each attachment block of a message, largest first."""
    sizes = []
    for block in blocks:
        match = _ATTACHED.match(block.get("text", "")) if block.get("type") == "text" else None
        if match:
            sizes.append((match.group(1), estimate_value_tokens(block)))
    return sorted(sizes, key=lambda size: -size[1])


def large_message(blocks: Sequence[dict[str, Any]], request_tokens: int, window: int, share: float
                  ) -> LargeMessage | None:
    """The question to ask when the attachments in `blocks` take the request past `share` of `window`."""
    threshold = int(window * share)
    if request_tokens <= threshold:
        return None
    big = tuple((path, tokens) for path, tokens in attachment_sizes(blocks) if tokens >= NOTABLE_SHARE * request_tokens)
    return LargeMessage(big, request_tokens, window, threshold) if big else None


def with_ranges(typed: str, paths: Sequence[str], lines: int = RANGE_LINES) -> str:
    """`typed` with each `@path` of `paths` narrowed to its first `lines` lines (`@path:1-200`)."""
    for path in paths:
        typed = re.sub(rf"(?<![\w@])@{re.escape(path)}(?![\w/.:-])", f"@{path}:1-{lines}", typed)
    return typed


def cut_tool_result(content: str, tool: str, max_tokens: int | None) -> str:
    """`content` as sent to the model: whole when it fits `max_tokens`, else its start and end with a note."""
    if max_tokens is None or estimate_value_tokens(content) <= max_tokens:
        return content
    keep = max(1, max_tokens - 100) * CHARS_PER_TOKEN  # room for the note
    tail = int(keep * TAIL_SHARE)
    head = keep - tail
    cut = len(content) - keep
    note = (f"\n\n[backdev cut {cut:,} characters (≈{cut // CHARS_PER_TOKEN:,} tokens) from the middle of this "
            f"{tool} result: whole, it would fill too much of the context window. Ask for less: a line range "
            "(start_line/end_line), a narrower path or search pattern, fewer log lines or one test at a time.]\n\n")
    return content[:head] + note + content[len(content) - tail:]
