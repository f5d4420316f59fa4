"""The fake API is as strict as the real one on thinking and effort, with the API's sentences."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.thinking import capabilities_json, signature_of, thinking_problem

from .test_fakeapi_validation import CALL, RESULT, USER, post

THOUGHT = {"type": "thinking", "thinking": "look first", "signature": signature_of("look first")}
THINKING_CALL = {"role": "assistant", "content": [THOUGHT, *CALL["content"]]}
ADAPTIVE = {"type": "adaptive"}
BUDGET = {"type": "enabled", "budget_tokens": 2000}


def body(*messages: dict[str, Any], model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 4000, "messages": list(messages or [USER]), **extra}


def problem(payload: dict[str, Any]) -> str | None:
    return thinking_problem(payload, capabilities_json(payload["model"]))


def test_what_the_api_takes_passes() -> None:
    assert problem(body(thinking=BUDGET, output_config={"effort": "high"})) is None
    assert problem(body(thinking=ADAPTIVE, temperature=1)) is None
    assert problem(body(USER, THINKING_CALL, RESULT, thinking=BUDGET)) is None
    assert problem(body(USER, CALL, RESULT, thinking=ADAPTIVE)) is None  # adaptive: the model may not have thought
    assert problem(body(USER, THINKING_CALL, RESULT)) is None  # thinking blocks of earlier turns, thinking off


@pytest.mark.parametrize(("payload", "words"), [
    (body(thinking={"type": "enabled", "budget_tokens": 1000}),
     "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"),
    (body(thinking={"type": "enabled"}), "thinking.enabled.budget_tokens: Field required"),
    (body(thinking={"type": "enabled", "budget_tokens": 4000}), "`max_tokens` must be greater than `thinking.budget_tokens`"),
    (body(thinking=ADAPTIVE, temperature=0.2), "`temperature` may only be set to 1 when thinking is enabled"),
    (body(thinking=BUDGET, top_k=5), "`top_k` is not supported when thinking is enabled"),
    (body(thinking=ADAPTIVE, tool_choice={"type": "any"}), "Thinking may not be enabled when tool_choice forces tool use"),
    (body(thinking={"type": "lots"}), "thinking: Input tag does not match any of the expected tags"),
    (body(thinking=BUDGET, model="claude-opus-4-7"), "thinking.type: 'enabled' is not supported for the model claude-opus-4-7."),
    (body(thinking=ADAPTIVE, model="claude-haiku-4-5"), "thinking.type: 'adaptive' is not supported"),
    (body(output_config={"effort": "high"}, model="claude-haiku-4-5"), "output_config.effort: 'high' is not supported"),
    (body(output_config={"effort": "huge"}), "output_config.effort: Input should be 'low', 'medium'"),
    (body(USER, CALL, RESULT, thinking=BUDGET),
     "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`."),
    (body(USER, {"role": "assistant", "content": [dict(THOUGHT, thinking="edited"), *CALL["content"]]}, RESULT),
     "messages.1.content.0: Invalid `signature` in `thinking` block"),
    (body(USER, {"role": "assistant", "content": [{"type": "thinking", "thinking": "x"}, *CALL["content"]]}, RESULT),
     "messages.1.content.0.thinking.signature: Field required"),
])
def test_what_the_api_refuses_on_thinking_is_refused_with_its_sentence(payload: dict[str, Any], words: str) -> None:
    found = problem(payload)
    assert found is not None and words in found


def test_a_refusal_is_the_apis_400_and_a_thinking_reply_streams_signed() -> None:
    with FakeAnthropic() as api:
        status, answer = post(api, body(thinking={"type": "enabled", "budget_tokens": 100}))
        assert status == 400 and answer["type"] == "error" and answer["error"]["type"] == "invalid_request_error"
        assert "budget_tokens" in answer["error"]["message"] and api.invalid_requests

    async def stream(api: FakeAnthropic, **extra: Any) -> list[Any]:
        import anthropic  # the real SDK parses the fake's thinking_delta and signature_delta events

        client = anthropic.AsyncAnthropic(api_key="k", base_url=api.url, max_retries=0)
        api.enqueue({"type": "text", "text": "Answer.", "thinking": "Think it through."})
        async with client.messages.stream(**body(**extra)) as s:
            kinds = [e.type async for e in s]
            return [kinds, (await s.get_final_message()).content]

    with FakeAnthropic() as api:
        kinds, content = asyncio.run(stream(api, thinking=BUDGET))
        assert "thinking" in kinds and "signature" in kinds
        assert content[0].type == "thinking" and content[0].thinking == "Think it through."
        assert content[0].signature == signature_of("Think it through.") and content[1].text == "Answer."
        kinds, content = asyncio.run(stream(api))  # not asked to think: no thinking block
        assert [b.type for b in content] == ["text"]
