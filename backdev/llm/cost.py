"""What tokens cost, from the per-model price table (and the person's overrides)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backdev.llm.events import Usage
from backdev.llm.models import Price, price_for


def overrides_from_settings(prices: Mapping[str, Any]) -> dict[str, Price]:
    """Price overrides from the `prices` setting (already validated)."""
    return {model: Price(**values) for model, values in prices.items()}


def cost_of(usage: Usage, model_id: str, overrides: Mapping[str, Price] | None = None) -> float | None:
    """Dollars for `usage` on `model_id`, or None when the model's price is unknown."""
    price = price_for(model_id, dict(overrides or {}))
    if price is None:
        return None
    return (
        usage.input * price.input
        + usage.output * price.output
        + usage.cache_write * price.cache_write
        + usage.cache_read * price.cache_read
    ) / 1_000_000


def format_cost(cost: float | None) -> str:
    """`$0.0123`, or `cost n/a` when the price is unknown (never a misleading $0)."""
    if cost is None:
        return "cost n/a"
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def format_usage(usage: Usage) -> str:
    """`in 1,234 · out 567 · cache w 0 r 1,200`."""
    return (
        f"in {usage.input:,} · out {usage.output:,} · cache w {usage.cache_write:,} r {usage.cache_read:,}"
    )


def total_of(usage_by_model: Mapping[str, Usage], overrides: Mapping[str, Price] | None = None) -> tuple[Usage, float | None]:
    """Summed usage and cost over several models (cost None if any model's price is unknown)."""
    usage = Usage()
    cost: float | None = 0.0
    for model_id, model_usage in usage_by_model.items():
        usage = usage + model_usage
        part = cost_of(model_usage, model_id, overrides)
        cost = None if part is None or cost is None else cost + part
    return usage, cost
