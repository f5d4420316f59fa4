"""`--max-cost DOLLARS`: stop before a request that would pass the budget.

`BudgetProvider` wraps the provider every part of a review shares. Before each request it
estimates what the request will cost — its input tokens counted from the request's text (one
token per 3 characters of the JSON sent, which over-counts English and code a little, so the
estimate errs on the safe side) plus `EXPECTED_OUTPUT_TOKENS` of reply (and
`EXPECTED_THINKING_TOKENS` more when the phase asks for thinking: they are output tokens), priced without cache
discounts — and refuses to send it when what was spent, plus what requests in flight are expected
to cost, plus this estimate would pass the budget. The refusal is a stream failure of kind
`budget`, which ends that part's turn like any other failure; what was already found is kept.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from backdev.llm.cost import cost_of
from backdev.llm.events import Failure, MessageFinished, ProviderEvent, StreamFailed, Usage
from backdev.llm.models import Price, price_for
from backdev.llm.provider import Provider, Request, to_api_params

CHARS_PER_TOKEN = 3
EXPECTED_OUTPUT_TOKENS = 1_000
EXPECTED_THINKING_TOKENS = 4_000


def estimate_tokens(request: Request) -> int:
    """The input tokens of `request`, estimated from the length of what is sent."""
    return len(json.dumps(to_api_params(request), ensure_ascii=False)) // CHARS_PER_TOKEN + 1


@dataclass
class Budget:
    """Dollars allowed, spent and reserved by requests in flight (shared by every part)."""

    limit: float
    prices: Mapping[str, Price] = field(default_factory=dict)
    spent: float = 0.0
    reserved: float = 0.0
    stopped: str = ""

    def estimate(self, request: Request) -> float:
        thinks = request.reasoning is not None and bool(request.reasoning.thinking)
        expected = EXPECTED_OUTPUT_TOKENS + (EXPECTED_THINKING_TOKENS if thinks else 0)
        usage = Usage(input=estimate_tokens(request), output=min(expected, request.max_tokens))
        return cost_of(usage, request.model, self.prices) or 0.0

    def charge(self, usage: Usage, model: str) -> None:
        self.spent += cost_of(usage, model, self.prices) or 0.0


def check_price(model_id: str, prices: Mapping[str, Price]) -> str | None:
    """None when `--max-cost` can price `model_id`; otherwise the sentence saying what to do."""
    if price_for(model_id, dict(prices)) is None:
        return (f"--max-cost needs the price of {model_id}, which backdev does not know: "
                "add it under `prices:` in your config.")
    return None


@dataclass
class BudgetProvider:
    """A provider that refuses requests past the budget (see the module docstring)."""

    inner: Provider
    budget: Budget

    @property
    def has_credentials(self) -> bool:
        return self.inner.has_credentials

    async def warm_up(self) -> None:
        await self.inner.warm_up()

    async def check(self) -> str:
        return await self.inner.check()

    async def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        estimate = self.budget.estimate(request)
        budget = self.budget
        if budget.stopped or budget.spent + budget.reserved + estimate > budget.limit:
            budget.stopped = budget.stopped or (
                f"Stopped before a request that would pass --max-cost ${budget.limit:.2f}: "
                f"${budget.spent:.2f} spent, the next request ≈ ${estimate:.2f}.")
            yield StreamFailed(Failure("budget", budget.stopped), "", Usage())
            return
        budget.reserved += estimate
        try:
            async for event in self.inner.stream(request):
                if isinstance(event, (MessageFinished, StreamFailed)):
                    budget.charge(event.usage, request.model)
                yield event
        finally:
            budget.reserved -= estimate
