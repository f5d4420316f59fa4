"""Issue 15, item 1: the model's window from the Models API (cached, with a fallback), and the
local estimate calibrated by what the API counts."""

from __future__ import annotations

import json

from backdev import paths
from backdev.context import Calibration, context_window, estimate_request_tokens, limits
from backdev.context.estimate import format_fill
from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.validate import prompt_tokens
from backdev.llm.provider import Request, to_api_params

from .conftest import fake_provider


async def test_the_window_comes_from_the_models_api_once_and_is_cached_on_disk() -> None:
    with FakeAnthropic(api_key="test-key", context_window=12_345) as api:
        provider = fake_provider(api)
        fetched = await limits.fetch_limits(provider, "claude-sonnet-5-5")
        assert (fetched.max_input_tokens, fetched.max_tokens, fetched.source) == (12_345, 64_000, "api")
        assert fetched.supports("context_management.compact_20260112") and fetched.supports("thinking.adaptive")
        assert context_window("claude-sonnet-5-5", base_url=api.url) == 12_345
        await limits.fetch_limits(provider, "claude-sonnet-5-5")
        asked = [r for r in api.requests if r.path.startswith("/v1/models/")]
        assert len(asked) == 1, "asked once per endpoint and model"
        # A new process reads the answer from the user's cache folder without asking again.
        limits.forget()
        cached = await limits.fetch_limits(provider, "claude-sonnet-5-5")
        assert (cached.max_input_tokens, cached.source) == (12_345, "cache")
        assert len([r for r in api.requests if r.path.startswith("/v1/models/")]) == 1
        stored = json.loads((paths.cache_dir() / limits.CACHE_FILE).read_text())
        assert f"{api.url} claude-sonnet-5-5" in stored


async def test_a_gateway_without_the_models_api_gets_the_fallback_table() -> None:
    with FakeAnthropic(api_key="test-key", models_api=False) as api:
        got = await limits.fetch_limits(fake_provider(api), "claude-opus-4-5")
        assert (got.source, got.max_input_tokens, got.max_tokens) == ("table", 200_000, 64_000)
        assert not (paths.cache_dir() / limits.CACHE_FILE).exists(), "a fallback is not cached as the API's word"
        assert api.requests[-1].status == 404


def test_the_fallback_table_matches_the_longest_family_prefix() -> None:
    assert limits.fallback_limits("claude-opus-4-7").max_tokens == 32_000
    assert limits.fallback_limits("claude-opus-4-5").max_tokens == 64_000
    assert limits.fallback_limits("llama-local").max_input_tokens == limits.DEFAULT[0]


async def test_the_fake_refuses_a_prompt_over_its_window_like_the_api() -> None:
    with FakeAnthropic(api_key="test-key", context_window=50) as api:
        request = Request(model="claude-sonnet-5-5", system=("persona " * 100,),
                          messages=({"role": "user", "content": [{"type": "text", "text": "hi"}]},))
        events = [e async for e in fake_provider(api).stream(request)]
        assert api.message_requests[-1].status == 400
        assert "prompt is too long" in api.message_requests[-1].problem and "> 50 maximum" in api.message_requests[-1].problem
        assert events and events[-1].failure.kind == "too_large"


def test_the_estimate_is_close_to_what_the_fake_counts_and_calibration_closes_the_gap() -> None:
    request = Request(model="m", system=("You are a careful backend developer. " * 40,),
                      tools=({"name": "read_file", "description": "Read a file.", "input_schema": {"type": "object"}},),
                      messages=({"role": "user", "content": [{"type": "text", "text": "Explain the models. " * 200}]},))
    estimate = estimate_request_tokens(system=request.system, tools=request.tools, messages=request.messages)
    counted = prompt_tokens(to_api_params(request))
    assert abs(estimate - counted) / counted < 0.1
    calibration = Calibration()
    calibration.observe(estimate, 2 * estimate)
    assert calibration.apply(estimate) == 2 * estimate
    calibration.observe(estimate, estimate)  # smoothed: halfway towards the new ratio
    assert calibration.apply(1000) == 1500
    calibration.observe(1000, 1_000_000)  # implausible (a gateway counting something else): ignored
    assert calibration.apply(1000) == 1500


async def test_count_tokens_calibrates_where_the_endpoint_offers_it(fake_api: FakeAnthropic) -> None:
    request = Request(model="claude-sonnet-5-5", system=("persona " * 50,),
                      messages=({"role": "user", "content": [{"type": "text", "text": "hello " * 300}]},))
    counted = await fake_provider(fake_api).count_tokens(request)
    sent = fake_api.requests[-1]
    assert sent.path.startswith("/v1/messages/count_tokens") and counted == prompt_tokens(sent.body)
    estimate = estimate_request_tokens(system=request.system, messages=request.messages)
    calibration = Calibration()
    calibration.observe(estimate, counted)
    assert calibration.apply(estimate) == counted


def test_the_fill_gauge() -> None:
    assert format_fill(50_000, 200_000) == "context ▰▱▱▱▱ 25% of 200k"
    assert format_fill(50_000, 200_000, width=10) == "context ▰▰▰▱▱▱▱▱▱▱ 25% of 200k"
    assert format_fill(990_000, 1_000_000).endswith("99% of 1M")
