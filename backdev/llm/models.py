"""Model aliases, the models we know of, when they retire, and what their tokens cost.

The alias table is the one place that maps `sonnet`/`opus`/`haiku` to a model id. `KNOWN_MODELS`
and `END_OF_LIFE` are backdev's own tables (from Anthropic's published model list and
deprecation schedule), not copies to keep in step with the installed SDK: an SDK release that
drops a retired id must change nothing here. Tests check invariants against the SDK instead (the
aliases point at ids it lists and does not deprecate; every id it deprecates is reported so).

A model whose end of life has passed is *retired* (the API no longer serves it); before that day
it is *deprecated*. Either way the model asked for is the model sent, with a note naming the alias
of the same family to move to.

Nothing here imports `anthropic`, so resolving a model costs nothing at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

ALIASES: dict[str, str] = {
    "sonnet": "claude-sonnet-5-5",
    "opus": "claude-opus-5-5",
    "haiku": "claude-haiku-5-5",
}

#: The alias offered for a model whose family has none (fable, mythos...).
DEFAULT_ALIAS = "sonnet"

#: Model ids backdev knows, newest first (a full id outside this list is still sent, with a note,
#: because gateways and new releases use ids backdev does not know yet).
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

#: Published end-of-life dates (the last day a model is served).
END_OF_LIFE: dict[str, date] = {
    "claude-mythos-preview": date(2026, 6, 30),
    "claude-opus-4-5": date(2027, 1, 22),
    "claude-opus-4-5-20251101": date(2027, 1, 22),
    "claude-sonnet-4-5": date(2026, 11, 30),
    "claude-sonnet-4-5-20250929": date(2026, 11, 30),
}

_FAMILY = re.compile(r"^claude-([a-z]+)-")


def family_alias(model_id: str) -> str:
    """The alias of a model's family (`claude-opus-4-5` → `opus`), or the default alias."""
    match = _FAMILY.match(model_id)
    family = match.group(1) if match else ""
    return family if family in ALIASES else DEFAULT_ALIAS


def lifecycle_note(model_id: str, today: date | None = None) -> str | None:
    """Say whether `model_id` is deprecated or retired, and which alias to use instead."""
    end = END_OF_LIFE.get(model_id)
    if end is None:
        return None
    alias = family_alias(model_id)
    instead = f"`--model {alias}` ({ALIASES[alias]})"
    if (today or date.today()) > end:
        return f"{model_id} was retired on {end.isoformat()} and the API no longer serves it; use {instead}."
    return f"{model_id} is deprecated (end of life {end.isoformat()}); move to {instead} before then."


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


def resolve_model(name: str, *, today: date | None = None) -> ModelChoice:
    """Turn an alias or a model id into the id to send.

    Args:
        name: `sonnet`, `opus`, `haiku`, or a full model id such as `claude-opus-5-5`.
        today: the date to judge end of life by (default: today).

    Returns:
        The resolved choice. Notes say when the id is deprecated, retired or unknown: the
        model asked for is always the model used, never silently replaced.

    Raises:
        UnknownModelError: when `name` is empty or neither an alias nor a plausible model id.
    """
    cleaned = name.strip()
    if cleaned.lower() in ALIASES:
        return ModelChoice(cleaned, ALIASES[cleaned.lower()])
    use = f"use one of {', '.join(ALIASES)} or a full model id such as {ALIASES['sonnet']}"
    if not cleaned or " " in cleaned or cleaned.lower() == "inherit":
        raise UnknownModelError(f"Unknown model {name!r}: {use}.")
    typo = _closest(cleaned.lower(), ALIASES) if cleaned.isalpha() else None
    if typo:
        # A short word a letter or two from an alias is a typo, not a gateway's model name.
        raise UnknownModelError(f"Unknown model {name!r}: did you mean {typo}? Otherwise {use}.")
    note = lifecycle_note(cleaned, today)
    if note is None and cleaned not in KNOWN_MODELS:
        # A new release of a known family is not a typo; a misspelt family is.
        family = _FAMILY.match(cleaned)
        known_families = {m.group(1) for m in map(_FAMILY.match, KNOWN_MODELS) if m}
        near = _closest(cleaned, KNOWN_MODELS) if family and family.group(1) not in known_families else None
        also = f" (did you mean {near}?)" if near else ""
        note = f"{cleaned} is not a model backdev knows{also}; it is sent as given."
    return ModelChoice(cleaned, cleaned, (note,) if note else ())


def _closest(name: str, choices: object) -> str | None:
    import difflib  # only when a name is not one backdev knows

    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.75)  # type: ignore[call-overload]
    return found[0] if found else None


def price_for(model_id: str, overrides: dict[str, Price] | None = None) -> Price | None:
    """The price of a model id, from the overrides first, or None when it is not known."""
    if overrides and model_id in overrides:
        return overrides[model_id]
    return PRICES.get(model_id)


@dataclass(frozen=True)
class Capabilities:
    """What a model accepts for thinking and effort (the Models API's `capabilities`, in short).

    Attributes:
        thinking: the `thinking.type` values it takes besides `disabled` (`enabled`, `adaptive`).
        effort: the `output_config.effort` levels it takes (`low` ... `max`); empty without effort.
    """

    thinking: frozenset[str] = frozenset()
    effort: frozenset[str] = frozenset()


_ALL_EFFORT = frozenset({"low", "medium", "high", "xhigh", "max"})
_EFFORT = frozenset({"low", "medium", "high", "max"})
_ADAPTIVE_ONLY = Capabilities(frozenset({"adaptive"}), _ALL_EFFORT)
_BOTH = Capabilities(frozenset({"adaptive", "enabled"}), _EFFORT)
_BUDGET_ONLY = Capabilities(frozenset({"enabled"}))

#: For gateways without the Models API: what each model takes (from Anthropic's model pages).
#: The 5.x models and Opus 4.7+ think adaptively only (a `budget_tokens` is refused); 4.6 takes
#: both; the 4.5 models take a budget only (Opus 4.5 also an effort). A model missing here is
#: sent neither (a request the API might refuse is worse than one without thinking).
CAPABILITIES: dict[str, Capabilities] = {
    **dict.fromkeys(
        [m for m in KNOWN_MODELS if m.split("-")[2].startswith("5") or m == "claude-mythos-preview"]
        + ["claude-opus-4-8", "claude-opus-4-7"], _ADAPTIVE_ONLY),
    "claude-opus-4-6": _BOTH,
    "claude-sonnet-4-6": _BOTH,
    **dict.fromkeys(["claude-opus-4-5", "claude-opus-4-5-20251101"], Capabilities(frozenset({"enabled"}), _EFFORT - {"max"})),
    **dict.fromkeys(["claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"],
                    _BUDGET_ONLY),
}


def capabilities_from_api(data: dict[str, object] | None) -> Capabilities | None:
    """The thinking and effort flags of a Models API `capabilities` object, or None without one."""
    if not isinstance(data, dict):
        return None

    def supported(value: object) -> bool:
        return isinstance(value, dict) and value.get("supported") is True

    thinking = data.get("thinking") if isinstance(data.get("thinking"), dict) else {}
    types = thinking.get("types") if isinstance(thinking, dict) and isinstance(thinking.get("types"), dict) else {}
    effort = data.get("effort") if isinstance(data.get("effort"), dict) else {}
    return Capabilities(
        frozenset(t for t in ("enabled", "adaptive") if supported(thinking) and supported(types.get(t))),
        frozenset(level for level in _ALL_EFFORT if supported(effort) and supported(effort.get(level))),
    )
