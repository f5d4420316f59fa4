"""The size check before every request of a turn, its tool rounds included (issue 15).

Compaction runs before a message leaves and cuts at the start of a turn; within one turn nothing
can be summarised, yet a model that calls tools round after round piles up results until the next
request would pass the window (and the API refuses it with a 400). So before each request the
loop asks `RequestFitter.fit`: when the calibrated estimate passes `FIT_SHARE` of the window, the
oldest tool results are replaced, in what is sent only, by a short note saying what was left out
and how to get it again, until the request fits. The newest result is never left out (it is what
the model asked for last, and it is already cut to `tool_result_share` of the window); the store
keeps every result whole, so the transcript, `/context` and a later compaction see them all. A
request under the threshold is sent exactly as built, so the cached prefix is untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from backdev.context.estimate import estimate_value_tokens
from backdev.llm.provider import Request

#: A request is fitted under this share of the window (room for the estimate's error).
FIT_SHARE = 0.9
#: What a left-out result says instead (tests look for it).
LEFT_OUT = "[backdev left this earlier tool result out of the request"
#: A result smaller than this is not worth leaving out.
SMALL = 200


def _left_out(block: dict[str, Any], tokens: int) -> dict[str, Any]:
    note = (f"{LEFT_OUT} to fit the context window (≈{tokens:,} tokens); call the tool again, asking for less, "
            "if you still need it.]")
    return {**block, "content": note}


def fit_messages(messages: Sequence[dict[str, Any]], size: Callable[[list[dict[str, Any]]], int], budget: int
                 ) -> tuple[list[dict[str, Any]], int]:
    """`messages` with the oldest tool results left out until `size(messages) <= budget`, and how many were.

    The last tool result is kept; `size` is the whole request's (calibrated) estimate for a list of
    messages, asked again after each result left out (only near the window, a few times a turn).
    """
    messages = list(messages)
    total = size(messages)
    if total <= budget:
        return messages, 0
    places = [(i, j) for i, message in enumerate(messages) if isinstance(message.get("content"), list)
              for j, block in enumerate(message["content"]) if isinstance(block, dict) and block.get("type") == "tool_result"]
    left_out = 0
    for i, j in places[:-1]:
        if total <= budget:
            break
        block = messages[i]["content"][j]
        tokens = estimate_value_tokens(block)
        if tokens < SMALL:
            continue
        stub = _left_out(block, tokens)
        content = list(messages[i]["content"])
        content[j] = stub
        messages[i] = {**messages[i], "content": content}
        total = size(messages)
        left_out += 1
    return messages, left_out


@dataclass
class RequestFitter:
    """The loop's size check for one turn; it remembers the request it let go last (for calibration).

    Attributes:
        estimate: a request's calibrated size.
        window: the model's context window.
    """

    estimate: Callable[[Request], int]
    window: int
    last: Request | None = None
    said: bool = False

    def fit(self, request: Request) -> tuple[Request, str | None]:
        """The request to send, and a line for the person the first time results are left out this turn."""
        def size(messages: list[dict[str, Any]]) -> int:
            return self.estimate(replace(request, messages=tuple(messages)))

        messages, left_out = fit_messages(request.messages, size, int(self.window * FIT_SHARE))
        self.last = replace(request, messages=tuple(messages)) if left_out else request
        if not left_out or self.said:
            return self.last, None
        self.said = True
        return self.last, ("This turn's tool results neared the context window: the oldest are left out of what is "
                           "sent (they stay in the transcript; the model is told to ask again for what it still needs).")
