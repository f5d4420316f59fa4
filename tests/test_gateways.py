"""Gateways and local servers: credentials and headers as they expect, and errors that say what answered."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from backdev import paths
from backdev.fakeapi import FakeAnthropic
from backdev.llm.anthropic_provider import AnthropicProvider
from backdev.llm.events import StreamFailed, TextDelta
from backdev.llm.provider import Request
from backdev.settings import SettingsError, load_project_settings, load_settings

from .conftest import fake_provider, run_backdev

QUESTION = Request(model="claude-sonnet-5-5", system=("persona",),
                   messages=({"role": "user", "content": [{"type": "text", "text": "hi"}]},))


async def stream_all(provider: AnthropicProvider) -> list[object]:
    return [event async for event in provider.stream(QUESTION)]


def text_of(events: list[object]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_the_key_goes_as_x_api_key_and_as_bearer() -> None:
    with FakeAnthropic(api_key="gw-key", key_header="x-api-key") as api:
        events = await stream_all(fake_provider(api, key="gw-key"))
        assert "you said: hi" in text_of(events)
        headers = api.message_requests[0].headers
        assert headers["x-api-key"] == "gw-key" and headers["authorization"] == "Bearer gw-key"


async def test_an_auth_token_is_the_bearer_and_the_key_stays_x_api_key() -> None:
    with FakeAnthropic(api_key="the-token") as api:
        only_token = AnthropicProvider(api_key=None, auth_token="the-token", base_url=api.url, max_retries=0)
        assert only_token.has_credentials and "you said" in text_of(await stream_all(only_token))
        assert api.message_requests[-1].headers["authorization"] == "Bearer the-token"
        assert "x-api-key" not in api.message_requests[-1].headers
        both = AnthropicProvider(api_key="the-key", auth_token="the-token", base_url=api.url, max_retries=0)
        await stream_all(both)
        assert api.message_requests[-1].headers["authorization"] == "Bearer the-token"
        assert api.message_requests[-1].headers["x-api-key"] == "the-key"


async def test_extra_headers_are_sent(fake_api: FakeAnthropic) -> None:
    provider = AnthropicProvider(api_key="test-key", base_url=fake_api.url, headers={"X-Org": "team-a"})
    await stream_all(provider)
    assert fake_api.message_requests[-1].headers["x-org"] == "team-a"


def test_headers_and_the_token_come_from_the_user_only(project: Path) -> None:
    user = paths.user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("headers:\n  X-Org: team-a\nmax_retries: 0\n")
    settings = load_settings(project, env={"ANTHROPIC_AUTH_TOKEN": "tok"})
    assert settings.headers == {"X-Org": "team-a"} and settings.auth_token == "tok" and settings.max_retries == 0
    # A repository can never set headers (nor the endpoint), trusted or not: they are left out, and said so.
    (project / ".backdev.yaml").write_text("headers:\n  X-Evil: 'one'\nbase_url: http://evil.example\n")
    layered = load_project_settings(project, env={})
    assert {"headers", "base_url"} <= set(layered.refused)
    for trusted in (False, True):
        assert layered.settings(trusted).headers == {"X-Org": "team-a"} and layered.settings(trusted).base_url is None
    (project / ".backdev.yaml").write_text("auth_token: x\n")
    with pytest.raises(SettingsError, match="set the ANTHROPIC_AUTH_TOKEN environment variable instead"):
        load_settings(project, env={})
    user.write_text("headers:\n  X-Bad: \"two\\nlines\"\n")
    with pytest.raises(SettingsError, match="must be one line") as caught:
        load_settings(None, env={})
    assert "two" not in str(caught.value)  # a header value is never echoed (it is often a secret)


@pytest.mark.parametrize("url", ["foo", "http//127.0.0.1:8765", "127.0.0.1:8765", "http://", "http://host:port"])
def test_a_malformed_base_url_is_a_one_line_error(project: Path, url: str) -> None:
    with pytest.raises(SettingsError, match="ANTHROPIC_BASE_URL: .* is not a URL: expected http"):
        load_settings(project, env={"ANTHROPIC_BASE_URL": url})
    result = run_backdev("chat", "--plain", cwd=project, env={"ANTHROPIC_BASE_URL": url}, input="hi\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "is not a URL" in result.stderr


async def test_a_base_url_ending_in_v1_gets_a_hint_on_its_404(fake_api: FakeAnthropic) -> None:
    provider = AnthropicProvider(api_key="test-key", base_url=fake_api.url + "/v1", max_retries=0)
    failure = (await stream_all(provider))[-1].failure  # type: ignore[attr-defined]
    assert failure.kind == "not_found"
    assert "answered 404 for /v1/v1/messages" in failure.message and "has no such route" in failure.message
    assert f"ends in /v1, but the SDK adds /v1 itself: use {fake_api.url}" in failure.message


async def test_a_model_the_api_does_not_offer_is_told_apart_from_a_missing_route() -> None:
    with FakeAnthropic(models=("claude-sonnet-5-5",)) as api:
        provider = AnthropicProvider(api_key="k", base_url=api.url, max_retries=0)
        other = Request(model="claude-nope-9", system=("p",), messages=QUESTION.messages)
        failure = [e async for e in provider.stream(other)][-1].failure  # type: ignore[attr-defined]
        assert failure.message.startswith("The API does not offer the model claude-nope-9 (404)")
        assert "/model" in failure.message and "/model" not in failure.outside_chat


async def test_a_stream_answered_with_plain_json_is_reported_as_such(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "json_instead", "text": "a whole message at once"})
    events = await stream_all(fake_provider(fake_api))
    failed = events[-1]
    assert isinstance(failed, StreamFailed)
    assert "answered a streaming request with application/json instead of an event stream" in failed.failure.message


async def test_the_timeout_says_how_long_the_person_waited_over_the_retries(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "late", "hang": 1.5, "times": 3})
    provider = AnthropicProvider(api_key="test-key", base_url=fake_api.url, timeout=0.3, max_retries=2)
    started = time.monotonic()
    failure = (await stream_all(provider))[-1].failure  # type: ignore[attr-defined]
    waited = time.monotonic() - started
    assert failure.kind == "timeout" and "over 3 tries of up to 0.3 s each" in failure.message
    shown = float(failure.message.split("backdev waited ")[1].split(" s")[0])
    assert shown >= 0.9 and abs(shown - waited) < 0.3
    await asyncio.sleep(1.3)  # let the fake's hanging handlers finish before it stops


async def test_max_retries_zero_makes_one_request(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "error", "status": 529, "times": 3})
    provider = AnthropicProvider(api_key="test-key", base_url=fake_api.url, max_retries=0)
    assert (await stream_all(provider))[-1].failure.kind == "overloaded"  # type: ignore[attr-defined]
    assert len(fake_api.message_requests) == 1


async def test_a_bad_key_at_a_gateway_says_what_is_sent(fake_api: FakeAnthropic) -> None:
    started = time.monotonic()
    failure = (await stream_all(fake_provider(fake_api, key="wrong")))[-1].failure  # type: ignore[attr-defined]
    assert time.monotonic() - started < 1.0 and len(fake_api.message_requests) == 1
    assert failure.kind == "auth" and "`x-api-key` and as `Authorization: Bearer`" in failure.message


def test_a_gateway_that_reads_only_x_api_key_works_end_to_end(project: Path) -> None:
    user = paths.user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("headers:\n  X-Org-Id: secret-org-value\n")
    with FakeAnthropic(api_key="gw-key", key_header="x-api-key") as api:
        env = {"ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": "gw-key"}
        result = run_backdev("chat", "--plain", cwd=project, env=env, input="hi\n")
        assert result.returncode == 0 and "you said: hi" in result.stdout
        assert api.message_requests[-1].headers["x-org-id"] == "secret-org-value"
        doctor = run_backdev("doctor", cwd=project, env={**env, "ANTHROPIC_BASE_URL": api.url + "/v1"})
    assert "X-Org-Id: …alue" in doctor.stdout and "secret-org-value" not in doctor.stdout
    assert "ANTHROPIC_BASE_URL ends in /v1, but the SDK adds /v1 itself" in doctor.stdout
