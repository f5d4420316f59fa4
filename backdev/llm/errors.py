"""Turn whatever the SDK or the transport raised into one sentence for the person.

Each sentence says what happened and what to do next. The SDK's own retries (429, 5xx,
connection errors) have already run by the time an exception reaches here.

`anthropic` is only imported when a failure is classified, which only happens after the provider
has imported it; `httpx2` transport errors are recognised by module name for the same reason.
"""

from __future__ import annotations

from urllib.parse import urlparse

from backdev.llm.events import Failure

MISSING_KEY = Failure(
    "missing_key",
    "No API key is set: export ANTHROPIC_API_KEY=sk-ant-… (or ANTHROPIC_BASE_URL for a compatible "
    "gateway or local server) and restart backdev; your message is kept and /retry sends it.",
    retryable=False,
)


def interrupted(reason: str) -> Failure:
    """A reply that stopped before `message_stop`; what arrived is kept."""
    return Failure("interrupted", f"The reply was cut off ({reason}); what arrived is kept — /retry asks again.")


def _host(base_url: str | None) -> str:
    return urlparse(base_url).netloc if base_url else "api.anthropic.com"


def classify_exception(exc: BaseException, *, model: str, base_url: str | None, timeout: float) -> Failure:
    """Map an exception raised while requesting or streaming a message to a Failure.

    Args:
        exc: what the SDK or the transport raised.
        model: the model id that was asked for (named in a 404).
        base_url: the API base URL in use (named when it cannot be reached).
        timeout: the read timeout in seconds (named when it expired).
    """
    import anthropic  # only once something failed: loading the SDK costs ~1.4 s

    if isinstance(exc, anthropic.APIStatusError):
        return _classify_status(exc, model)
    if isinstance(exc, anthropic.APITimeoutError):
        return Failure(
            "timeout",
            f"The API did not answer within {timeout:g} s: /retry, or raise `timeout` in your config.",
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return Failure(
            "connection",
            f"Could not reach the API at {_host(base_url)}: check your network or ANTHROPIC_BASE_URL, then /retry.",
        )
    module = type(exc).__module__ or ""
    if module.startswith(("httpx", "httpcore", "h11")) or isinstance(exc, (ConnectionError, TimeoutError)):
        # A broken chunked body mid-stream (e.g. httpx2.RemoteProtocolError): the reply is partial.
        return interrupted(f"the connection broke: {type(exc).__name__}")
    return Failure("unexpected", f"Something unexpected went wrong ({type(exc).__name__}: {exc}); /retry may help.")


def _classify_status(exc: object, model: str) -> Failure:
    status: int = getattr(exc, "status_code", 0)
    error_type = getattr(exc, "type", None) or ""
    api_message = getattr(exc, "api_message", None) or ""
    if status == 200:
        # An in-band SSE `error` event after the stream began: the reply is partial.
        return interrupted(f"the API sent {error_type or 'an error'} mid-reply")
    if status == 401:
        return Failure(
            "auth",
            "The API rejected the API key (401): check ANTHROPIC_API_KEY — it may be mistyped, revoked "
            "or for another workspace.",
            status,
            retryable=False,
        )
    if status == 403:
        return Failure(
            "permission",
            "The API key is not allowed to do this (403): check its workspace and permissions in the console.",
            status,
            retryable=False,
        )
    if status == 404:
        return Failure(
            "not_found",
            f"The API does not offer the model {model} (404): choose another with /model or --model.",
            status,
            retryable=False,
        )
    if status == 413:
        return Failure(
            "too_large",
            "The request is too large for the API (413): start a new session with /new or attach less.",
            status,
            retryable=False,
        )
    if status == 429:
        return Failure(
            "rate_limit",
            "The API is rate-limiting this key (429) even after retries: wait a minute, then /retry.",
            status,
        )
    if status == 529 or error_type == "overloaded_error":
        return Failure("overloaded", "The API is overloaded right now (529): wait a moment, then /retry.", status)
    if status >= 500:
        return Failure("server", f"The API had a server error ({status}): wait a moment, then /retry.", status)
    detail = f": {api_message}" if api_message else ""
    return Failure(
        "bad_request",
        f"The API refused the request ({status}{detail}); change the message or model and /retry.",
        status,
        retryable=False,
    )
