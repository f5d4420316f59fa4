"""Model aliases, the SDK's model list, prices and cost."""

from __future__ import annotations

import typing

import pytest

from backdev.llm.cost import cost_of, format_cost
from backdev.llm.events import Usage
from backdev.llm.models import ALIASES, DEPRECATED, KNOWN_MODELS, PRICES, UnknownModelError, resolve_model


def sdk_models() -> list[str]:
    from anthropic.types.model_param import ModelParam

    literal = typing.get_args(ModelParam)[0]
    return list(typing.get_args(literal))


def test_known_models_match_the_installed_sdk() -> None:
    assert list(KNOWN_MODELS) == sdk_models()


def test_deprecated_list_matches_the_installed_sdk() -> None:
    from anthropic._data import DEPRECATED_MODELS

    assert DEPRECATED == DEPRECATED_MODELS


def test_aliases_point_at_current_models_never_deprecated_ones() -> None:
    for model_id in ALIASES.values():
        assert model_id in sdk_models()
        assert model_id not in DEPRECATED
        assert model_id in PRICES


def test_resolve_alias_and_full_ids() -> None:
    assert resolve_model("Sonnet").model_id == ALIASES["sonnet"]
    assert resolve_model("claude-opus-4-8").notes == ()
    deprecated = resolve_model("claude-sonnet-4-5")
    assert deprecated.model_id == "claude-sonnet-4-5"  # asked for, so used: never silently replaced
    assert "deprecated" in deprecated.notes[0]
    gateway = resolve_model("my-gateway-model")
    assert gateway.model_id == "my-gateway-model" and "not in the SDK's list" in gateway.notes[0]


@pytest.mark.parametrize("name", ["", "inherit", "two words"])
def test_unusable_names_are_refused(name: str) -> None:
    with pytest.raises(UnknownModelError, match="use one of sonnet, opus, haiku"):
        resolve_model(name)


def test_cost_counts_all_four_token_kinds_and_unknown_is_not_zero() -> None:
    usage = Usage(input=1_000_000, output=1_000_000, cache_write=1_000_000, cache_read=1_000_000)
    assert cost_of(usage, "claude-sonnet-5-5") == pytest.approx(2 + 10 + 2.5 + 0.2)
    assert cost_of(usage, "unknown-model") is None
    assert format_cost(None) == "cost n/a"
