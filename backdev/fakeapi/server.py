"""A scripted fake of the Anthropic Messages API, served over real HTTP on 127.0.0.1.

The real `anthropic` SDK talks to it through `ANTHROPIC_BASE_URL` (or `base_url=`), so tests
exercise real sockets, real SSE parsing, real timeouts and real cut connections.

In a test: `with FakeAnthropic() as api: api.enqueue({...}); ...; api.requests[-1].body`.
By hand or from another process: `python -m backdev.fakeapi --port 8765`, then steps can be
queued with `POST /_fake/enqueue` (a JSON list) and requests read from `GET /_fake/requests`.

Like the real API, it refuses a structurally invalid conversation with a 400
`invalid_request_error` (see `validate.py`) and keeps each refusal in `invalid_requests`, which
the tests' fixture checks after every test. Options of one instance: `api_key` (401 without it),
`key_header="x-api-key"` (a gateway that reads only that header), `context_window` (a prompt over
it gets "prompt is too long: N tokens > M maximum", and `GET /v1/models/{id}` reports it as
`max_input_tokens`), `max_request_bytes` (a larger body gets the API's 413 `request_too_large`),
`models` (any other model gets a 404 `not_found_error`) and `models_api=False` (a gateway that does
not serve the Models API: 404 there). Server-side compaction (`compaction.py`) is served for the
models whose `capabilities` say so (none by default).
Each recorded request keeps the `status` answered and the `usage` reported to the client (for a
stream, what its `message_start` said until its `message_delta` said more).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from backdev.fakeapi import compaction, script
from backdev.fakeapi.thinking import capabilities_json, thinking_problem, thinking_type
from backdev.fakeapi.validate import prompt_tokens, prompt_too_long, request_problem

MODELS = ["claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5"]


@dataclass
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.time)
    status: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    problem: str = ""
    invalid: bool = False  # refused as the real API would refuse it (not a scripted error)
    streamed_chars: int = 0  # reply text written to the client so far (a kill benchmark's yardstick)


@dataclass
class FakeOptions:
    """How one fake instance behaves beyond its script (see the module docstring)."""

    api_key: str | None = None
    key_header: str = "any"  # "any": Bearer or x-api-key; "x-api-key": only that header
    context_window: int | None = None
    max_request_bytes: int | None = None
    models: tuple[str, ...] | None = None
    # Per model, the Models API's `capabilities` (default: backdev's table); models_api=False plays
    # a gateway without the Models API (404 on /v1/models).
    capabilities: dict[str, dict[str, Any]] | None = None
    models_api: bool = True


class _State:
    def __init__(self, options: FakeOptions) -> None:
        self.lock = threading.Lock()
        self.steps: deque[dict[str, Any]] = deque()
        self.requests: list[RecordedRequest] = []
        self.cache: dict[str, int] = {}
        self.options = options
        self.client_disconnects = 0

    def record(self, request: RecordedRequest) -> RecordedRequest:
        with self.lock:
            self.requests.append(request)
        return request

    def next_step(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            # The first queued step for this conversation: one without `match`, or whose `match`
            # appears in the conversation's first message (concurrent conversations get their own).
            first = json.dumps((body.get("messages") or [{}])[0], ensure_ascii=False)
            index = next((i for i, step in enumerate(self.steps) if step.get("type") != "compaction"
                          and ("match" not in step or str(step["match"]) in first)), None)
            if index is None:
                return script.echo_step(body)
            step = self.steps[index]
            remaining = int(step.get("times", 1)) - 1
            if remaining <= 0:
                del self.steps[index]
            else:
                self.steps[index] = dict(step, times=remaining)
            return step

    def compaction_step(self) -> dict[str, Any] | None:
        """The first queued `compaction` step (taken), or None: the fake then writes the summary itself."""
        with self.lock:
            index = next((i for i, step in enumerate(self.steps) if step.get("type") == "compaction"), None)
            if index is None:
                return None
            step = self.steps[index]
            del self.steps[index]
            return step


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    # --- plumbing ------------------------------------------------------------------------------

    def _body(self) -> tuple[dict[str, Any], int]:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return (json.loads(raw) if raw else {}), len(raw)
        except json.JSONDecodeError:
            return {"_raw": raw.decode(errors="replace")}, len(raw)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_fake")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _authorised(self) -> bool:
        options = self.server.state.options
        if options.api_key is None:
            return True
        given = {self.headers.get("x-api-key")}
        if options.key_header != "x-api-key":
            given.add((self.headers.get("authorization") or "").removeprefix("Bearer "))
        return options.api_key in given

    def _refuse(self, record: RecordedRequest, status: int, message: str, error_type: str | None = None) -> None:
        record.status, record.problem = status, message
        self._send_json(status, script.error_body(status, error_type, message))

    # --- routes --------------------------------------------------------------------------------

    def do_GET(self) -> None:
        state = self.server.state
        if self.path.startswith("/_fake/requests"):
            with state.lock:
                payload = [r.__dict__ for r in state.requests]
            self._send_json(200, payload)
            return
        record = state.record(RecordedRequest("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, {}))
        if not self._authorised():
            self._refuse(record, 401, "invalid x-api-key")
            return
        if self.path.startswith("/v1/models") and not state.options.models_api:
            self._refuse(record, 404, f"no route {self.path}", "not_found_error")
            return
        if self.path.startswith("/v1/models"):
            models = list(state.options.models or MODELS)
            data = [script.model_info(m, state.options.context_window) for m in models]
            for info in data:  # thinking, effort and compaction per model, as the checks know them
                info["capabilities"] = {**info["capabilities"], "compaction": compaction.capability(False),
                                        **capabilities_json(info["id"], state.options.capabilities)}
            wanted = self.path.split("?")[0].removeprefix("/v1/models").strip("/")
            if wanted:  # models.retrieve(id)
                found = [m for m in data if m["id"] == wanted]
                if not found:
                    self._refuse(record, 404, f"model: {wanted}", "not_found_error")
                    return
                record.status = 200
                self._send_json(200, found[0])
                return
            record.status = 200
            self._send_json(200, {"data": data, "has_more": False, "first_id": models[0], "last_id": models[-1]})
            return
        self._refuse(record, 404, f"no route {self.path}")

    def do_POST(self) -> None:
        state = self.server.state
        body, size = self._body()
        if self.path.startswith("/_fake/"):
            self._control(body)
            return
        record = state.record(RecordedRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if not self._authorised():
            self._refuse(record, 401, "invalid x-api-key")
            return
        if not self.path.startswith("/v1/messages"):
            self._refuse(record, 404, f"no route {self.path}")
            return
        options = state.options
        if options.max_request_bytes is not None and size > options.max_request_bytes:
            self._refuse(record, 413, "Request exceeds the maximum allowed number of bytes.", "request_too_large")
            return
        counting = self.path.startswith("/v1/messages/count_tokens")
        capabilities = capabilities_json(str(body.get("model")), options.capabilities)
        problem = (request_problem(body, needs_max_tokens=not counting) or thinking_problem(body, capabilities)
                   or compaction.compaction_problem(body, record.headers, capabilities))
        if problem:
            record.invalid = True
            self._refuse(record, 400, problem, "invalid_request_error")
            return
        too_long = prompt_too_long(body, options.context_window)
        if too_long:
            self._refuse(record, 400, too_long, "invalid_request_error")
            return
        if options.models is not None and body["model"] not in options.models:
            self._refuse(record, 404, f"model: {body['model']}", "not_found_error")
            return
        if counting:
            record.status = 200
            self._send_json(200, {"input_tokens": prompt_tokens(body)})  # as the window check counts
            return
        if "compaction" in body:
            self._compact(body, record)
            return
        step = state.next_step(body)
        if thinking_type(body) is None:  # the model thinks only when asked to
            step = {k: v for k, v in step.items() if k != "thinking"}
        if step.get("hang"):
            time.sleep(float(step["hang"]))
        if step["type"] == "error":
            status = int(step.get("status", 500))
            record.status, record.problem = status, step.get("message") or ""
            # As the API does: retry what may pass next time (408, 409, 429, 5xx), never a refusal.
            retry = step.get("should_retry", status in (408, 409, 429) or status >= 500)
            headers = {"retry-after-ms": str(step.get("retry_after_ms", 5)), "x-should-retry": str(bool(retry)).lower()}
            self._send_json(status, script.error_body(status, step.get("error_type"), step.get("message")), headers)
            return
        text = step.get("text", "")
        usage = script.usage_for(body, text, state.cache, step)
        record.status = 200
        if not body.get("stream") or step["type"] == "json_instead":
            record.usage = usage
            self._send_json(200, script.message_json(step, body, usage))
            return
        self._stream(step, body, usage, record)

    def _compact(self, body: dict[str, Any], record: RecordedRequest) -> None:
        """A compaction request: one `compaction` block alone (see `backdev.fakeapi.compaction`)."""
        if body.get("stream"):
            self._refuse(record, 400, "the fake answers compaction requests without streaming only")
            return
        block = compaction.compaction_block(body, self.server.state.compaction_step())
        usage = script.usage_for(body, block["content"] or "", self.server.state.cache, {})
        record.status, record.usage = 200, usage
        self._send_json(200, {"id": f"msg_fakecompaction{len(self.server.state.requests)}", "type": "message",
                              "role": "assistant", "model": body["model"], "content": [block],
                              "stop_reason": "compaction", "stop_sequence": None, "usage": usage})

    def _control(self, body: Any) -> None:
        state = self.server.state
        if self.path.startswith("/_fake/enqueue"):
            steps = body if isinstance(body, list) else [body]
            with state.lock:
                state.steps.extend(steps)
            self._send_json(200, {"queued": len(state.steps)})
        elif self.path.startswith("/_fake/reset"):
            with state.lock:
                state.steps.clear()
                state.requests.clear()
                state.cache.clear()
            self._send_json(200, {"ok": True})
        else:
            self._send_json(404, {"error": "unknown control path"})

    def _stream(self, step: dict[str, Any], body: dict[str, Any], usage: dict[str, int], record: RecordedRequest) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", "req_fake")
        self.end_headers()
        delay = float(step.get("delay", 0.0))
        try:
            for event in script.stream_events(step, body, usage):
                self._chunk(event)
                # What the client has been told it used: message_start's counts, then message_delta's.
                if event.startswith(b"event: message_start"):
                    record.usage = script.start_usage(usage)
                elif event.startswith(b"event: message_delta"):
                    record.usage = dict(usage)
                elif event.startswith(b"event: content_block_delta"):
                    record.streamed_chars += len(script.delta_text(event))
                if delay:
                    time.sleep(delay)
            kind = step["type"]
            if kind == "cut":
                # A chunk that promises more bytes than it sends, then the socket closes.
                self.wfile.write(b"400\r\nevent: content_block_delta\ndata: {\"type\"")
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if kind == "inband_error":
                error = {"type": "error", "error": {"type": step.get("error_type", "overloaded_error"),
                                                    "message": step.get("message", "Overloaded")}}
                self._chunk(script.sse("error", error))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client went away (cancelled): that is what the cancel tests look for.
            self.server.state.client_disconnects += 1
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        super().__init__(address, _Handler)
        self.state = state


class FakeAnthropic:
    """The fake API, served from a background thread; use as a context manager."""

    def __init__(self, *, port: int = 0, api_key: str | None = None, key_header: str = "any",
                 context_window: int | None = None, max_request_bytes: int | None = None,
                 models: tuple[str, ...] | None = None, models_api: bool = True,
                 capabilities: dict[str, dict[str, Any]] | None = None) -> None:
        self.options = FakeOptions(api_key=api_key, key_header=key_header, context_window=context_window,
                                   max_request_bytes=max_request_bytes, models=models, models_api=models_api,
                                   capabilities=capabilities)
        self.state = _State(self.options)
        self._server = _Server(("127.0.0.1", port), self.state)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (control requests excluded)."""
        return self.state.requests

    @property
    def message_requests(self) -> list[RecordedRequest]:
        return [r for r in self.state.requests if r.path.startswith("/v1/messages") and "count_tokens" not in r.path]

    @property
    def invalid_requests(self) -> list[RecordedRequest]:
        """Requests refused because the real API would refuse them (400 `invalid_request_error`)."""
        return [r for r in self.state.requests if r.invalid]

    def reported_usage(self) -> dict[str, int]:
        """The sum of the usage the fake reported to its clients, over every message request."""
        total: dict[str, int] = {}
        for record in self.message_requests:
            for key, value in record.usage.items():
                total[key] = total.get(key, 0) + value
        return total

    @property
    def client_disconnects(self) -> int:
        return self.state.client_disconnects

    def enqueue(self, *steps: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.steps.extend(steps)

    def start(self) -> FakeAnthropic:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
