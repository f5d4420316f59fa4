"""Turn whatever the SDK or the transport raised into one sentence for the person.

Each sentence says what happened and what to do next, in two wordings: one for a chat (which
may name `/retry` or `/model`) and one for a shell (`backdev review`, `backdev doctor`), which
names only what can be done there. The SDK's own retries (429, 5xx, connection errors) have
already run by the time an exception reaches here.

`anthropic` is only imported when a failure is classified, which only happens after the provider
has imported it; `httpx2` transport errors are recognised by module name for the same reason.
"""

from __future__ import annotations

from urllib.parse import urlparse

from backdev.llm.events import Failure, FailureKind

TRY_AGAIN = "then try again"


def _failure(kind: FailureKind, what: str, in_chat: str, in_shell: str, status: int | None = None,
             retryable: bool = True) -> Failure:
    """A failure whose sentence is `what` followed by what to do next, in a chat and in a shell."""
    return Failure(kind, f"{what}{in_chat}", status, retryable, shell_message=f"{what}{in_shell}")


MISSING_KEY = _failure(
    "missing_key",
    "No API key is set: export ANTHROPIC_API_KEY=sk-ant-… (or ANTHROPIC_AUTH_TOKEN, or ANTHROPIC_BASE_URL for a "
    "compatible gateway or local server)",
    " and restart backdev; your message is kept and /retry sends it.",
    ", then run the command again.",
    retryable=False,
)


def interrupted(reason: str) -> Failure:
    """A reply that stopped before `message_stop`; what arrived is kept."""
    return _failure("interrupted", f"The reply was cut off ({reason})", "; what arrived is kept — /retry asks again.",
                    f"; {TRY_AGAIN}.")


def not_a_stream(content_type: str, base_url: str | None) -> Failure:
    """A streaming request answered with something else (a gateway that ignores `stream: true`)."""
    return _failure(
        "bad_request",
        f"The server at {_host(base_url)} answered a streaming request with {content_type or 'no content type'} instead "
        "of an event stream: it may not support streaming; check ANTHROPIC_BASE_URL",
        ", then /retry.", f", {TRY_AGAIN}.", retryable=False)


def _host(base_url: str | None) -> str:
    return urlparse(base_url).netloc if base_url else "api.anthropic.com"


def base_url_hint(base_url: str | None) -> str:
    """A hint for a base URL that ends in `/v1` (the SDK adds `/v1/messages` itself), or ''."""
    if base_url and urlparse(base_url).path.rstrip("/").endswith("/v1"):
        return (f"ANTHROPIC_BASE_URL ends in /v1, but the SDK adds /v1 itself: use "
                f"{base_url.rstrip('/').removesuffix('/v1')}")
    return ""


def classify_exception(exc: BaseException, *, model: str, base_url: str | None, timeout: float,
                       waited: float | None = None, retries: int = 0) -> Failure:
    """Map an exception raised while requesting or streaming a message to a Failure.

    Args:
        exc: what the SDK or the transport raised.
        model: the model id that was asked for (named in a 404).
        base_url: the API base URL in use (named when it cannot be reached).
        timeout: the read timeout in seconds.
        waited: how long the person actually waited, the SDK's retries included (named on a timeout).
        retries: the SDK's retries setting (named on a timeout).
    """
    import anthropic  # only once something failed: loading the SDK costs ~1.4 s

    if isinstance(exc, anthropic.APIStatusError):
        return _classify_status(exc, model, base_url)
    if isinstance(exc, anthropic.APITimeoutError):
        spent = f"backdev waited {waited:.1f} s" if waited is not None else f"backdev waited {timeout:g} s"
        tries = f" over {retries + 1} tries of up to {timeout:g} s each" if retries else f" (`timeout` is {timeout:g} s)"
        return _failure("timeout", f"The API did not answer: {spent}{tries}",
                        ": /retry, or raise `timeout` in your config.", f": raise `timeout` in your config, or {TRY_AGAIN}.")
    if isinstance(exc, anthropic.APIConnectionError):
        hint = base_url_hint(base_url)
        return _failure("connection", f"Could not reach the API at {_host(base_url)}",
                        f": check your network or ANTHROPIC_BASE_URL{'; ' + hint if hint else ''}, then /retry.",
                        f": check your network or ANTHROPIC_BASE_URL{'; ' + hint if hint else ''}, {TRY_AGAIN}.")
    module = type(exc).__module__ or ""
    if module.startswith(("httpx", "httpcore", "h11")) or isinstance(exc, (ConnectionError, TimeoutError)):
        # A broken chunked body mid-stream (e.g. httpx2.RemoteProtocolError): the reply is partial.
        return interrupted(f"the connection broke: {type(exc).__name__}")
    return _failure("unexpected", f"Something unexpected went wrong ({type(exc).__name__}: {exc})",
                    "; /retry may help.", f"; {TRY_AGAIN}.")


def _classify_status(exc: object, model: str, base_url: str | None) -> Failure:
    status: int = getattr(exc, "status_code", 0)
    error_type = getattr(exc, "type", None) or ""
    api_message = getattr(exc, "api_message", None) or ""
    if status == 200:
        # An in-band SSE `error` event after the stream began: the reply is partial.
        return interrupted(f"the API sent {error_type or 'an error'} mid-reply")
    if status == 401:
        gateway = (" (backdev sends it as `x-api-key` and as `Authorization: Bearer`; a gateway that wants another "
                   "header can be given it under `headers:` in your user config)") if base_url else ""
        return Failure("auth", "The API rejected the API key (401): check ANTHROPIC_API_KEY — it may be mistyped, revoked "
                       f"or for another workspace{gateway}.", status, retryable=False)
    if status == 403:
        return Failure("permission", "The API key is not allowed to do this (403): check its workspace and permissions in "
                       "the console.", status, retryable=False)
    if status == 404:
        return _not_found(exc, api_message, model, base_url)
    if status == 413:
        return too_large_failure(f"413: {api_message}" if api_message else "413")
    if status == 429:
        return _failure("rate_limit", "The API is rate-limiting this key (429) even after retries",
                        ": wait a minute, then /retry.", f": wait a minute, {TRY_AGAIN}.", status)
    if status == 529 or error_type == "overloaded_error":
        return _failure("overloaded", f"The API is overloaded right now ({status})", ": wait a moment, then /retry.",
                        f": wait a moment, {TRY_AGAIN}.", status)
    if status >= 500:
        return _failure("server", f"The API had a server error ({status})", ": wait a moment, then /retry.",
                        f": wait a moment, {TRY_AGAIN}.", status)
    detail = f": {api_message}" if api_message else ""
    return _failure("bad_request", f"The API refused the request ({status}{detail})",
                    "; change the message or model and /retry.", "; change the request or the model.", status,
                    retryable=False)


def _not_found(exc: object, api_message: str, model: str, base_url: str | None) -> Failure:
    """A 404 is either a model the API does not offer, or a server without the route asked for."""
    if api_message.startswith("model:") or (model and model in api_message):
        return _failure("not_found", f"The API does not offer the model {model} (404)",
                        ": choose another with /model or --model.", ": choose another with --model.", 404,
                        retryable=False)
    request = getattr(exc, "request", None)
    path = str(request.url.path) if request is not None else "the request"
    hint = base_url_hint(base_url)
    advice = hint or "check ANTHROPIC_BASE_URL (the SDK adds /v1/messages to it)"
    said = f" ({api_message})" if api_message else ""
    return Failure("not_found", f"The server at {_host(base_url)} answered 404 for {path}{said}: it has no such route; "
                   f"{advice}.", 404, retryable=False)


def too_large_failure(said: str, part: str = "") -> Failure:
    """The request is too large for the model; `part` says which part (see `backdev.llm.too_large`)."""
    status = int(said[:3]) if said[:3].isdigit() else None
    what = f"The request is too large for the model ({said})"
    if part:
        return Failure("too_large", f"{what}: {part}", status, retryable=False)
    return _failure("too_large", what, ": attach less, /compact the conversation, or start a new session with /new.",
                    ": send less (fewer or smaller files, a smaller diff).", status, retryable=False)
