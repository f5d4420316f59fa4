"""Model aliases, the models we know of, and what their tokens cost.

The alias table is the one place that maps `sonnet`/`opus`/`haiku` to a model id. The ids are the
current ones in the installed `anthropic` SDK's `ModelParam` list (2.14.0); `claude-sonnet-4-5`
is deprecated there (end of life 2026-11-30) and is never an alias target.

Nothing here imports `anthropic`: the deprecation list is copied so that resolving a model costs
nothing at start-up; a test checks it against the installed SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALIASES: dict[str, str] = {
    "sonnet": "claude-sonnet-5-5",
    "opus": "claude-opus-5-5",
    "haiku": "claude-haiku-5-5",
}

#: Model ids the installed SDK lists, newest first (a full id outside this list is still sent,
#: with a note, because gateways and new releases use ids the SDK does not know yet).
KNOWN_MODELS: tuple[str, ...] = (
    "claude-fable-5-2",
    "claude-mythos-5-2",
    "claude-haiku-5-5",
    "claude-sonnet-5-5",
    "claude-fable-5-1",
    "claude-opus-5-5",
    "claude-mythos-5-1",
    "claude-sonnet-5",
    "claude-fable-5",
    "claude-mythos-5",
    "claude-opus-5",
    "claude-opus-4-8",
    "claude-opus-4-7",
    "claude-mythos-preview",
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "claude-haiku-4-5",
    "claude-haiku-4-5-20251001",
    "claude-opus-4-5",
    "claude-opus-4-5-20251101",
    "claude-sonnet-4-5",
    "claude-sonnet-4-5-20250929",
)

#: Copied from anthropic._data.DEPRECATED_MODELS (model id -> end of life).
DEPRECATED: dict[str, str] = {
    "claude-mythos-preview": "June 30th, 2026",
    "claude-opus-4-5": "January 22nd, 2027",
    "claude-opus-4-5-20251101": "January 22nd, 2027",
    "claude-sonnet-4-5": "November 30th, 2026",
    "claude-sonnet-4-5-20250929": "November 30th, 2026",
}


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    cache_write: float
    cache_read: float


#: Published list prices (5-minute cache writes). Haiku 5.5 is priced in tiers by prompt size;
#: the table holds the first tier, which covers prompts up to 100,000 tokens.
PRICES: dict[str, Price] = {
    "claude-sonnet-5-5": Price(2.0, 10.0, 2.5, 0.20),
    "claude-sonnet-5": Price(2.0, 10.0, 2.5, 0.20),
    "claude-opus-5-5": Price(4.0, 20.0, 5.0, 0.40),
    "claude-opus-5": Price(5.0, 25.0, 6.25, 0.50),
    "claude-haiku-5-5": Price(0.10, 0.50, 0.125, 0.01),
    "claude-haiku-4-5": Price(1.0, 5.0, 1.25, 0.10),
    "claude-haiku-4-5-20251001": Price(1.0, 5.0, 1.25, 0.10),
    "claude-sonnet-4-6": Price(3.0, 15.0, 3.75, 0.30),
    "claude-opus-4-8": Price(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-7": Price(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-6": Price(5.0, 25.0, 6.25, 0.50),
    "claude-sonnet-4-5": Price(3.0, 15.0, 3.75, 0.30),
    "claude-sonnet-4-5-20250929": Price(3.0, 15.0, 3.75, 0.30),
}


@dataclass(frozen=True)
class ModelChoice:
    """A resolved model: the id to send and anything the person should be told about it."""

    requested: str
    model_id: str
    notes: tuple[str, ...] = field(default=())


class UnknownModelError(ValueError):
    """The name is neither an alias nor something that looks like a model id."""


def resolve_model(name: str) -> ModelChoice:
    """Turn an alias or a model id into the id to send.

    Args:
        name: `sonnet`, `opus`, `haiku`, or a full model id such as `claude-opus-5-5`.

    Returns:
        The resolved choice. Notes say when the id is deprecated or unknown to the SDK: the
        model asked for is always the model used, never silently replaced.

    Raises:
        UnknownModelError: when `name` is empty or neither an alias nor a plausible model id.
    """
    cleaned = name.strip()
    if cleaned.lower() in ALIASES:
        return ModelChoice(cleaned, ALIASES[cleaned.lower()])
    if not cleaned or " " in cleaned or cleaned.lower() == "inherit":
        raise UnknownModelError(
            f"Unknown model {name!r}: use one of {', '.join(ALIASES)} or a full model id "
            f"such as {ALIASES['sonnet']}."
        )
    notes: list[str] = []
    if cleaned in DEPRECATED:
        notes.append(
            f"{cleaned} is deprecated (end of life {DEPRECATED[cleaned]}); "
            f"consider `--model sonnet` ({ALIASES['sonnet']})."
        )
    elif cleaned not in KNOWN_MODELS:
        notes.append(f"{cleaned} is not in the SDK's list of models; it is sent as given.")
    return ModelChoice(cleaned, cleaned, tuple(notes))


def price_for(model_id: str, overrides: dict[str, Price] | None = None) -> Price | None:
    """The price of a model id, from the overrides first, or None when it is not known."""
    if overrides and model_id in overrides:
        return overrides[model_id]
    return PRICES.get(model_id)
