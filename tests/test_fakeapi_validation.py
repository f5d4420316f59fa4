"""The fake API refuses what the real Messages API refuses, with the API's 400 error shape."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.validate import request_problem

USER = {"role": "user", "content": [{"type": "text", "text": "hi"}]}
CALL = {"role": "assistant", "content": [{"type": "text", "text": "Let me look."},
                                         {"type": "tool_use", "id": "toolu_1", "name": "look", "input": {}}]}
RESULT = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}]}


def body(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-5-5", "max_tokens": 100, "messages": list(messages), **extra}


def post(api: FakeAnthropic, payload: dict[str, Any], path: str = "/v1/messages") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(api.url + path, data=json.dumps(payload).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_valid_tool_round_passes() -> None:
    assert request_problem(body(USER, CALL, RESULT)) is None
    assert request_problem(body(USER, CALL, {"role": "user", "content": [*RESULT["content"], {"type": "text", "text": "and?"}]})) is None
    assert request_problem(body(USER, {"role": "assistant", "content": []})) is None  # an empty final assistant turn is allowed


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (body(USER, CALL), "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1"),
        (body(USER, CALL, {"role": "user", "content": [{"type": "text", "text": "x"}]}),
         "`tool_use` ids were found without `tool_result` blocks immediately after"),
        (body(USER, CALL, {"role": "user", "content": [{"type": "text", "text": "x"}, *RESULT["content"]]}),
         "messages.2: Did not find 1 `tool_result` block(s) at the beginning of this message"),
        (body(USER, {"role": "assistant", "content": [{"type": "text", "text": "no tools"}]}, RESULT),
         "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_1"),
        (body(RESULT), "unexpected `tool_use_id` found in `tool_result` blocks"),
        (body({"role": "user", "content": []}), "messages.0: all messages must have non-empty content"),
        (body({"role": "user", "content": ""}), "messages.0: all messages must have non-empty content"),
        (body({"role": "user", "content": [{"type": "text", "text": ""}]}), "text content blocks must be non-empty"),
        (body({"role": "user", "content": [{"type": "text", "text": "  \n"}]}), "must contain non-whitespace text"),
        (body(USER, USER), 'roles must alternate between "user" and "assistant", but found multiple "user" roles in a row'),
        (body({"role": "assistant", "content": [{"type": "text", "text": "x"}]}), 'first message must use the "user" role'),
        (body(), "messages: at least one message is required"),
        ({"model": "m", "messages": [USER]}, "max_tokens: Field required"),
        (body(USER, max_tokens=0), "max_tokens: Input should be greater than or equal to 1"),
        ({"max_tokens": 5, "messages": [USER]}, "model: Field required"),
        (body(USER, temprature=0.5), "temprature: Extra inputs are not permitted"),
    ],
)
def test_what_the_real_api_refuses_is_refused_with_its_sentence(payload: dict[str, Any], words: str) -> None:
    problem = request_problem(payload)
    assert problem is not None and words in problem


def test_the_fake_answers_an_invalid_request_with_the_apis_400_shape() -> None:
    with FakeAnthropic() as api:
        status, answer = post(api, body(USER, CALL))
        assert status == 400
        assert answer["type"] == "error" and answer["error"]["type"] == "invalid_request_error"
        assert answer["error"]["message"].startswith("messages.1: `tool_use` ids were found without `tool_result`")
        assert answer["request_id"]
        assert [r.problem for r in api.invalid_requests] == [answer["error"]["message"]]
        # count_tokens checks the conversation too, but takes no max_tokens.
        status, _ = post(api, {"model": "m", "messages": [USER]}, "/v1/messages/count_tokens")
        assert status == 200
        assert post(api, {"model": "m", "messages": [USER, USER]}, "/v1/messages/count_tokens")[0] == 400


def test_a_context_window_refuses_a_prompt_that_does_not_fit() -> None:
    with FakeAnthropic(context_window=50) as api:
        assert post(api, body(USER))[0] == 200
        status, answer = post(api, body({"role": "user", "content": [{"type": "text", "text": "word " * 200}]}))
        assert status == 400
        assert answer["error"]["message"].startswith("prompt is too long: ") and answer["error"]["message"].endswith(
            " tokens > 50 maximum")
        assert not api.invalid_requests  # a prompt over the window is not a malformed conversation


def test_a_body_over_the_size_limit_gets_413_request_too_large() -> None:
    with FakeAnthropic(max_request_bytes=500) as api:
        status, answer = post(api, body({"role": "user", "content": [{"type": "text", "text": "x" * 600}]}))
        assert status == 413 and answer["error"]["type"] == "request_too_large"


def test_models_restrict_what_is_served_with_a_404_naming_the_model() -> None:
    with FakeAnthropic(models=("claude-sonnet-5-5",)) as api:
        status, answer = post(api, body(USER, model="claude-nope-1"))
        assert status == 404 and answer["error"] == {"type": "not_found_error", "message": "model: claude-nope-1"}


def test_the_error_marker_in_an_echoed_message_answers_that_error() -> None:
    with FakeAnthropic() as api:
        status, answer = post(api, body({"role": "user", "content": [{"type": "text", "text": "bad [[error:400]]"}]}))
        assert status == 400 and answer["error"]["type"] == "invalid_request_error"
        assert not api.invalid_requests
