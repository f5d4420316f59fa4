"""Model aliases, the SDK's model list, prices and cost."""

from __future__ import annotations

import typing
from datetime import date, timedelta

import pytest

from backdev.llm.cost import cost_of, format_cost
from backdev.llm.events import Usage
from backdev.llm.models import ALIASES, END_OF_LIFE, PRICES, UnknownModelError, resolve_model


def sdk_models() -> list[str]:
    from anthropic.types.model_param import ModelParam

    literal = typing.get_args(ModelParam)[0]
    return list(typing.get_args(literal))


def sdk_deprecated() -> dict[str, str]:
    from anthropic._data import DEPRECATED_MODELS

    return dict(DEPRECATED_MODELS)


# Invariants against the installed SDK, never copies of its data: a release that drops a retired
# model (as 2.15.0 dropped claude-sonnet-4-5) must not turn the suite red.


def test_aliases_point_at_current_models_the_sdk_knows_and_does_not_deprecate() -> None:
    for model_id in ALIASES.values():
        assert model_id in sdk_models()
        assert model_id not in sdk_deprecated()
        assert model_id not in END_OF_LIFE
        assert model_id in PRICES


def test_every_model_the_sdk_deprecates_is_reported_as_deprecated_or_retired() -> None:
    for model_id in sdk_deprecated():
        notes = resolve_model(model_id).notes
        assert notes and ("deprecated" in notes[0] or "retired" in notes[0]), model_id


def test_every_model_the_sdk_lists_is_known_without_a_note_unless_deprecated() -> None:
    for model_id in sdk_models():
        if model_id not in sdk_deprecated():
            assert resolve_model(model_id).notes == (), model_id


def test_resolve_alias_and_full_ids() -> None:
    assert resolve_model("Sonnet").model_id == ALIASES["sonnet"]
    assert resolve_model("claude-opus-4-8").notes == ()
    gateway = resolve_model("my-gateway-model")
    assert gateway.model_id == "my-gateway-model" and "not a model backdev knows" in gateway.notes[0]


def test_a_model_before_its_end_of_life_is_deprecated_with_its_date() -> None:
    choice = resolve_model("claude-opus-4-5", today=date(2026, 12, 1))
    assert choice.model_id == "claude-opus-4-5"  # asked for, so used: never silently replaced
    assert "deprecated" in choice.notes[0] and "2027-01-22" in choice.notes[0]
    assert f"`--model opus` ({ALIASES['opus']})" in choice.notes[0]


@pytest.mark.parametrize(
    ("model_id", "alias"),
    [("claude-sonnet-4-5", "sonnet"), ("claude-sonnet-4-5-20250929", "sonnet"), ("claude-opus-4-5", "opus")],
)
def test_a_model_past_its_end_of_life_is_retired_and_offers_its_own_family(model_id: str, alias: str) -> None:
    choice = resolve_model(model_id, today=date(2027, 6, 1))
    assert choice.model_id == model_id
    note = choice.notes[0]
    assert "retired" in note and END_OF_LIFE[model_id].isoformat() in note
    assert f"`--model {alias}` ({ALIASES[alias]})" in note
    other = {"sonnet": "opus", "opus": "sonnet"}[alias]
    assert f"--model {other}" not in note


def test_the_end_of_life_day_itself_is_still_deprecated_and_the_next_day_retired() -> None:
    eol = END_OF_LIFE["claude-sonnet-4-5"]
    assert "deprecated" in resolve_model("claude-sonnet-4-5", today=eol).notes[0]
    assert "retired" in resolve_model("claude-sonnet-4-5", today=eol + timedelta(days=1)).notes[0]


def test_a_retired_model_of_a_family_without_an_alias_offers_the_default() -> None:
    choice = resolve_model("claude-mythos-preview", today=date(2026, 12, 1))
    assert "retired" in choice.notes[0] and f"`--model sonnet` ({ALIASES['sonnet']})" in choice.notes[0]


@pytest.mark.parametrize("name", ["", "inherit", "two words"])
def test_unusable_names_are_refused(name: str) -> None:
    with pytest.raises(UnknownModelError, match="use one of sonnet, opus, haiku"):
        resolve_model(name)


def test_cost_counts_all_four_token_kinds_and_unknown_is_not_zero() -> None:
    usage = Usage(input=1_000_000, output=1_000_000, cache_write=1_000_000, cache_read=1_000_000)
    assert cost_of(usage, "claude-sonnet-5-5") == pytest.approx(2 + 10 + 2.5 + 0.2)
    assert cost_of(usage, "unknown-model") is None
    assert format_cost(None) == "cost n/a"
