"""Server-side compaction (beta `compact-2026-09-04`) in the fake API and the provider, through the real SDK.

The fake must refuse what the real API refuses, or the tests of backdev's compaction prove nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.compaction import BETA, capabilities_with_compaction, capability
from backdev.llm.events import MessageFinished, StreamFailed, TextDelta
from backdev.llm.provider import Request

from .conftest import assert_all_valid, fake_provider

MODEL = "claude-sonnet-5-5"
PLAIN = "claude-haiku-5-5"  # the fake serves no compaction for it
CONVERSATION = [
    {"role": "user", "content": [{"type": "text", "text": "We export orders as CSV."}]},
    {"role": "assistant", "content": [{"type": "text", "text": "Noted: CSV, one row per order."}]},
    {"role": "user", "content": [{"type": "text", "text": "Use a semicolon delimiter."}]},
    {"role": "assistant", "content": [{"type": "text", "text": "Semicolons it is."}]},
]


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(api_key="test-key", capabilities=capabilities_with_compaction(MODEL)) as fake:
        yield fake


@pytest.fixture
def client(api: FakeAnthropic) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="test-key", base_url=api.url, max_retries=0)


def compact(client: anthropic.Anthropic, messages: list[dict[str, Any]], model: str = MODEL, *,
            betas: list[str] | None = None, **extra: Any) -> Any:
    return client.beta.messages.create(model=model, max_tokens=1000, messages=messages,  # type: ignore[arg-type]
                                       compaction=extra.pop("compaction", {"type": "summarize"}),
                                       betas=[BETA] if betas is None else betas, **extra)


def refused(call: Any) -> str:
    with pytest.raises(anthropic.BadRequestError) as caught:
        call()
    return str(caught.value)


def test_models_api_says_which_models_compact(client: anthropic.Anthropic) -> None:
    assert client.models.retrieve(MODEL).to_dict()["capabilities"]["compaction"] == capability(True)
    assert client.models.retrieve(PLAIN).to_dict()["capabilities"]["compaction"] == capability(False)


def test_a_compaction_answers_one_signed_block_naming_the_turns(api: FakeAnthropic, client: anthropic.Anthropic) -> None:
    message = compact(client, CONVERSATION, compaction={"type": "summarize", "instructions": "keep the delimiter"})
    assert message.stop_reason == "compaction"
    [block] = message.content
    assert block.type == "compaction" and block.signature and block.encrypted_content and block.tool_changes == []
    assert "We export orders as CSV." in block.content and "Use a semicolon delimiter." in block.content
    assert "keep the delimiter" in block.content
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    # Sent back first, verbatim (a breakpoint may be added), it carries the conversation on.
    opening = {"role": "assistant", "content": [{**block.to_dict(), "cache_control": {"type": "ephemeral"}}]}
    after = client.beta.messages.create(model=MODEL, max_tokens=100, betas=[BETA], messages=[
        opening, {"role": "user", "content": [{"type": "text", "text": "Go on."}]}])
    assert after.stop_reason == "end_turn"
    assert_all_valid(api.invalid_requests, "the fake API")


def test_blank_instructions_count_as_absent(client: anthropic.Anthropic) -> None:
    message = compact(client, CONVERSATION, compaction={"type": "summarize", "instructions": "   "})
    assert "Instructions" not in message.content[0].content


def test_compaction_needs_the_beta_and_a_model_that_takes_it(client: anthropic.Anthropic) -> None:
    assert "compaction" in refused(lambda: compact(client, CONVERSATION, betas=[]))
    assert "not supported for the model" in refused(lambda: compact(client, CONVERSATION, PLAIN))


@pytest.mark.parametrize("extra", [
    {"context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}},
    {"stop_sequences": ["END"]},
    {"tool_choice": {"type": "any"}, "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}]},
])
def test_reply_shaping_parameters_are_refused_on_a_compaction(client: anthropic.Anthropic, extra: dict[str, Any]) -> None:
    assert "compaction" in refused(lambda: compact(client, CONVERSATION, **extra))


def test_an_unanswered_tool_call_cannot_be_compacted(client: anthropic.Anthropic) -> None:
    calling = [*CONVERSATION[:3], {"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_1", "name": "t", "input": {}}]}]
    tools = [{"name": "t", "description": "d", "input_schema": {"type": "object"}}]
    assert "tool_use" in refused(lambda: compact(client, calling, tools=tools))


def _sent_back(client: anthropic.Anthropic, block: dict[str, Any], *, betas: list[str] | None = None,
               first: bool = True) -> Any:
    opening = {"role": "assistant", "content": [block]}
    ask = {"role": "user", "content": [{"type": "text", "text": "Go on."}]}
    messages = [opening, ask] if first else [ask, opening, {"role": "user", "content": [{"type": "text", "text": "x"}]}]
    return client.beta.messages.create(model=MODEL, max_tokens=100, messages=messages,  # type: ignore[arg-type]
                                       betas=[BETA] if betas is None else betas)


def test_a_block_sent_back_is_checked(client: anthropic.Anthropic) -> None:
    block = compact(client, CONVERSATION).content[0].to_dict()
    assert "signature" in refused(lambda: _sent_back(client, {**block, "content": block["content"] + " And XML."}))
    assert "signature" in refused(lambda: _sent_back(client, {**block, "encrypted_content": "AAAA"}))
    assert "empty" in refused(lambda: _sent_back(client, {**block, "content": ""}))
    assert "compaction" in refused(lambda: _sent_back(client, block, betas=[]))
    assert "first" in refused(lambda: _sent_back(client, block, first=False))
    # A failed compaction's block (null content) is a no-op the server accepts.
    assert _sent_back(client, {**block, "content": None}).stop_reason == "end_turn"


async def test_the_provider_compacts_and_sends_the_block_back_through_the_beta(api: FakeAnthropic) -> None:
    provider = fake_provider(api)
    request = Request(model=MODEL, system=("You help.",), messages=tuple(CONVERSATION), max_tokens=500)
    result = await provider.compact(request, "keep the delimiter")
    assert isinstance(result, MessageFinished) and result.stop_reason == "compaction"
    [block] = result.content
    compaction_request = api.message_requests[-1]
    assert compaction_request.body["compaction"] == {"type": "summarize", "instructions": "keep the delimiter"}
    assert BETA in compaction_request.headers["anthropic-beta"]
    assert result.usage.output > 0
    # A later streamed request that opens with the block goes through the beta, the block byte for byte.
    later = Request(model=MODEL, system=("You help.",), max_tokens=500, messages=(
        {"role": "assistant", "content": [block]}, {"role": "user", "content": [{"type": "text", "text": "Go on."}]}))
    api.enqueue({"type": "text", "text": "Going on."})
    events = [event async for event in provider.stream(later)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Going on."
    assert isinstance(events[-1], MessageFinished)
    sent = api.message_requests[-1]
    assert BETA in sent.headers["anthropic-beta"]
    assert {k: v for k, v in sent.body["messages"][0]["content"][0].items() if k != "cache_control"} == block
    # Counting such a request goes through the beta too.
    assert isinstance(await provider.count_tokens(later), int)
    assert BETA in api.requests[-1].headers["anthropic-beta"] and "count_tokens" in api.requests[-1].path
    # Without a block, the ordinary endpoint and no beta.
    api.enqueue({"type": "text", "text": "Plain."})
    [event async for event in provider.stream(Request(model=MODEL, system=("You help.",), messages=(CONVERSATION[0],)))]
    assert "anthropic-beta" not in api.message_requests[-1].headers
    assert_all_valid(api.invalid_requests, "the fake API")


async def test_the_provider_says_why_a_compaction_was_refused(api: FakeAnthropic) -> None:
    result = await fake_provider(api).compact(Request(model=PLAIN, system=(), messages=tuple(CONVERSATION)))
    assert isinstance(result, StreamFailed) and "not supported" in result.failure.message
