"""A fast local estimate of a request's input tokens, calibrated by what the API reports.

The estimate counts the characters of what is sent (tools, system blocks and messages, as the
JSON the API receives) at `CHARS_PER_TOKEN` a token: close for English prose and code, and cheap
enough to run before every request. The API's own count is exact but costs a round trip, so the
estimate is corrected instead by `Calibration`: after each reply, the prompt tokens the API
reported (`input_tokens` plus the cache reads and writes) divided by the estimate of that same
request gives the ratio the next estimates are scaled by. `count_tokens`, where an endpoint
serves it, calibrates the same way (`Calibration.observe`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 4
#: How much one new observation moves the ratio: the latest requests say most about the next one,
#: but one odd reply (a huge cache write) should not swing the gauge.
SMOOTHING = 0.5
#: A reported/estimated ratio outside this range is a gateway counting differently or a bug: ignored.
PLAUSIBLE = (0.2, 5.0)


def estimate_value_tokens(value: Any) -> int:
    """About how many tokens a JSON value (a content block, a tool spec, a message) takes."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return -(-len(text) // CHARS_PER_TOKEN)


def system_blocks(system: Sequence[str] | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """System blocks as the API receives them (a text may be given for a block)."""
    return [{"type": "text", "text": b} if isinstance(b, str) else b for b in system if b]


def estimate_request_tokens(*, system: Sequence[str] | Sequence[dict[str, Any]] = (),
                            tools: Sequence[dict[str, Any]] = (), messages: Sequence[dict[str, Any]] = ()) -> int:
    """The input tokens of a request, estimated locally (uncalibrated; see `Calibration.apply`).

    Args:
        system: the system blocks, as texts or as API blocks.
        tools: the tool definitions.
        messages: the conversation as API messages.

    Returns:
        About how many tokens the API will count for the prompt (tools + system + messages).
    """
    return estimate_value_tokens([list(tools), system_blocks(system), list(messages)])


@dataclass
class Calibration:
    """The ratio of the API's count to the local estimate, learnt from the requests sent.

    Attributes:
        ratio: what an estimate is multiplied by (1.0 until something was observed).
        samples: how many observations it is made of.
    """

    ratio: float = 1.0
    samples: int = 0

    def observe(self, estimated: int, reported: int) -> None:
        """Learn from one request: `estimated` locally, `reported` by the API (usage or count_tokens)."""
        if estimated <= 0 or reported <= 0:
            return
        ratio = reported / estimated
        if not PLAUSIBLE[0] <= ratio <= PLAUSIBLE[1]:
            return
        self.ratio = ratio if self.samples == 0 else self.ratio + SMOOTHING * (ratio - self.ratio)
        self.samples += 1

    def apply(self, estimated: int) -> int:
        """`estimated` corrected by what the API counted so far."""
        return round(estimated * self.ratio)


def reported_prompt_tokens(usage: Any) -> int:
    """The prompt tokens a reply's usage reports: uncached input plus cache writes and reads."""
    return int(usage.input + usage.cache_write + usage.cache_read)


def format_fill(tokens: int, window: int, *, width: int = 5) -> str:
    """A fill gauge for a status line: `context ▰▱▱▱▱ 18% of 200k`."""
    share = tokens / window if window > 0 else 0.0
    full = min(width, int(share * width + 0.5))
    return f"context {'▰' * full}{'▱' * (width - full)} {share:.0%} of {_short(window)}"


def _short(tokens: int) -> str:
    return f"{tokens / 1_000_000:g}M" if tokens >= 1_000_000 else f"{tokens / 1000:g}k" if tokens >= 1000 else str(tokens)
