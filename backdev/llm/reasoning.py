"""Thinking and effort: what a phase asks for, turned into what the model takes.

A workflow phase may ask for thinking (`thinking: true`, or a budget in tokens) and an effort
level (`effort: high`). What is sent depends on the model's capabilities (the Models API's, or
backdev's table for gateways without it): adaptive thinking where the model takes it (the model
decides how much to think; an adaptive-only model refuses a budget), else a budget
(`thinking.type: enabled`, at least 1,024 tokens and below `max_tokens`); an effort level only
when the model lists it. Anything the model does not take is left out, never sent to be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backdev.llm.models import Capabilities

MIN_BUDGET = 1024
DEFAULT_BUDGET = 8000


@dataclass(frozen=True)
class Reasoning:
    """What a phase asks for.

    Attributes:
        thinking: False, True (the model's default way of thinking), or a budget in tokens.
        effort: `low`, `medium`, `high`, `xhigh` or `max`, or None for the model's default.
    """

    thinking: bool | int = False
    effort: str | None = None

    @property
    def asked(self) -> bool:
        return bool(self.thinking) or self.effort is not None


def reasoning_params(wish: Reasoning | None, capabilities: Capabilities | None, max_tokens: int) -> dict[str, Any]:
    """The `thinking` and `output_config` parameters for `wish` on a model with `capabilities` (may be empty)."""
    if wish is None or capabilities is None:
        return {}
    params: dict[str, Any] = {}
    if wish.thinking is not False and wish.thinking != 0:
        budget = wish.thinking if isinstance(wish.thinking, int) and wish.thinking is not True else None
        if "adaptive" in capabilities.thinking and (budget is None or "enabled" not in capabilities.thinking):
            params["thinking"] = {"type": "adaptive"}
        elif "enabled" in capabilities.thinking:
            # Thinking tokens count toward max_tokens: leave room for the answer, or think less.
            budget = min(budget or DEFAULT_BUDGET, max_tokens // 2)
            if budget >= MIN_BUDGET:
                params["thinking"] = {"type": "enabled", "budget_tokens": budget}
    if wish.effort is not None and wish.effort in capabilities.effort:
        params["output_config"] = {"effort": wish.effort}
    return params
