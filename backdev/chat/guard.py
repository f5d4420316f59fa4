"""What the driver checks before a request leaves: the size of the message, the session's budget.

`SizeGuard.check` runs after a message is prepared and before it is sent (and before a retry):

- **Size** (issue 15): the request this message makes is estimated (`Assistant.next_request_tokens`,
  calibrated by what the API counted); when it passes `large_request_share` of the model's window
  because of the message's attachments, the person is asked once (`LargeMessage`): attach a range
  instead (the message comes back with `@path:1-200`), send it, or cancel.
- **Cost**: with `max_session_cost` set, a note when the session passes 80% of it (once), and a
  question (`CostLimit`) before a request whose estimated cost — its prompt at the uncached input
  price plus `EXPECTED_OUTPUT_TOKENS` of reply — would take the session past it. A yes holds for
  the rest of the session; nobody to ask means no.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from backdev.assistant import Assistant
from backdev.chat.compact import compact_if_near
from backdev.chat.events import RANGE, ChatEvent, Confirm, CostLimit, Note, NotSent
from backdev.context.budget import large_message, with_ranges
from backdev.llm.cost import cost_of, format_cost
from backdev.llm.events import Usage

WARN_SHARE = 0.8
EXPECTED_OUTPUT_TOKENS = 1_000


@dataclass
class SizeGuard:
    """The checks of one driver; it remembers, per session, what was already said and allowed."""

    assistant: Assistant
    confirm: Confirm
    warned: set[str] = field(default_factory=set)
    allowed: set[str] = field(default_factory=set)
    unpriced: set[str] = field(default_factory=set)

    async def check(self, typed: str, blocks: list[dict[str, Any]] | None, text: str = ""
                    ) -> AsyncGenerator[ChatEvent, None]:
        """Notes to show and, when the request must not leave, a `NotSent` (the last event)."""
        assistant = self.assistant
        content = [{"type": "text", "text": text}, *(blocks or [])] if text or blocks else None
        async for event in compact_if_near(assistant, content):  # older turns summarised near the window
            yield event
        tokens = assistant.next_request_tokens(content)
        window = assistant.limits().max_input_tokens
        question = large_message(blocks or [], tokens, window, assistant.settings.large_request_share)
        if question is not None:
            answer = await self.confirm(question)
            if answer == RANGE:
                paths = [path for path, _ in question.attachments]
                yield NotSent(with_ranges(typed, paths), "too_large",
                              f"Not sent: the message is back with {', '.join(f'@{p}:1-200' for p in paths)}; "
                              "change the range if you need other lines, and send again.")
                return
            if answer is not True:
                yield NotSent(typed, "too_large", "Not sent: the message is back as you typed it.")
                return
        async for event in self._check_cost(typed, tokens):
            yield event

    async def _check_cost(self, typed: str, tokens: int) -> AsyncGenerator[ChatEvent, None]:
        assistant = self.assistant
        limit = assistant.settings.max_session_cost
        session = assistant.session.id
        if limit is None or session in self.allowed:
            return
        spent = assistant.totals().cost
        model = assistant.model.model_id
        next_cost = cost_of(Usage(input=tokens, output=min(EXPECTED_OUTPUT_TOKENS, assistant.settings.max_tokens)),
                            model, assistant.price_overrides)
        if spent is None or next_cost is None:
            if model not in self.unpriced:
                self.unpriced.add(model)
                yield Note(f"max_session_cost cannot be checked: backdev does not know the price of {model}; add it "
                           "under `prices:` in your config.", error=True)
            return
        if spent >= WARN_SHARE * limit and session not in self.warned:
            self.warned.add(session)
            yield Note(f"⚠ This session has spent {format_cost(spent)}, {spent / limit:.0%} of its "
                       f"${limit:.2f} limit (max_session_cost).", error=True)
        if spent + next_cost > limit:
            if not await self.confirm(CostLimit(spent, limit, next_cost)):
                yield NotSent(typed, "over_budget", f"Not sent: it would take the session past its ${limit:.2f} limit; "
                              "raise `max_session_cost` in your config, or start a cheaper session.")
                return
            self.allowed.add(session)
