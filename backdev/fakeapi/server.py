"""A scripted fake of the Anthropic Messages API, served over real HTTP on 127.0.0.1.

The real `anthropic` SDK talks to it through `ANTHROPIC_BASE_URL` (or `base_url=`), so tests
exercise real sockets, real SSE parsing, real timeouts and real cut connections.

In a test: `with FakeAnthropic() as api: api.enqueue({...}); ...; api.requests[-1].body`.
By hand or from another process: `python -m backdev.fakeapi --port 8765`, then steps can be
queued with `POST /_fake/enqueue` (a JSON list) and requests read from `GET /_fake/requests`.
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

from backdev.fakeapi import script

MODELS = ["claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5"]


@dataclass
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.time)


class _State:
    def __init__(self, api_key: str | None) -> None:
        self.lock = threading.Lock()
        self.steps: deque[dict[str, Any]] = deque()
        self.requests: list[RecordedRequest] = []
        self.cache: dict[str, int] = {}
        self.api_key = api_key
        self.client_disconnects = 0

    def next_step(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            # The first queued step for this conversation: one without `match`, or whose `match`
            # appears in the conversation's first message (concurrent conversations get their own).
            first = json.dumps((body.get("messages") or [{}])[0], ensure_ascii=False)
            index = next((i for i, step in enumerate(self.steps)
                          if "match" not in step or str(step["match"]) in first), None)
            if index is None:
                return script.echo_step(body)
            step = self.steps[index]
            remaining = int(step.get("times", 1)) - 1
            if remaining <= 0:
                del self.steps[index]
            else:
                self.steps[index] = dict(step, times=remaining)
            return step


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    # --- plumbing ------------------------------------------------------------------------------

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return {"_raw": raw.decode(errors="replace")}

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
        expected = self.server.state.api_key
        if expected is None:
            return True
        given = self.headers.get("x-api-key") or (self.headers.get("authorization") or "").removeprefix("Bearer ")
        return given == expected

    # --- routes --------------------------------------------------------------------------------

    def do_GET(self) -> None:
        state = self.server.state
        if self.path.startswith("/_fake/requests"):
            with state.lock:
                payload = [r.__dict__ for r in state.requests]
            self._send_json(200, payload)
            return
        state.requests.append(RecordedRequest("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, {}))
        if not self._authorised():
            self._send_json(401, script.error_body(401, message="invalid x-api-key"))
            return
        if self.path.startswith("/v1/models"):
            data = [{"type": "model", "id": m, "display_name": m, "created_at": "2026-10-01T00:00:00Z"} for m in MODELS]
            self._send_json(200, {"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]})
            return
        self._send_json(404, script.error_body(404, message=f"no route {self.path}"))

    def do_POST(self) -> None:
        state = self.server.state
        body = self._body()
        if self.path.startswith("/_fake/"):
            self._control(body)
            return
        state.requests.append(RecordedRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if not self._authorised():
            self._send_json(401, script.error_body(401, message="invalid x-api-key"))
            return
        if self.path.startswith("/v1/messages/count_tokens"):
            self._send_json(200, {"input_tokens": script.estimate_tokens(body)})
            return
        if not self.path.startswith("/v1/messages"):
            self._send_json(404, script.error_body(404, message=f"no route {self.path}"))
            return
        step = state.next_step(body)
        if step.get("hang"):
            time.sleep(float(step["hang"]))
        if step["type"] == "error":
            status = int(step.get("status", 500))
            headers = {"retry-after-ms": str(step.get("retry_after_ms", 5)), "x-should-retry": "true"}
            self._send_json(status, script.error_body(status, step.get("error_type"), step.get("message")), headers)
            return
        text = step.get("text", "")
        usage = script.usage_for(body, text, state.cache, step)
        if not body.get("stream"):
            self._send_json(200, script.message_json(step, body, usage))
            return
        self._stream(step, body, usage)

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

    def _stream(self, step: dict[str, Any], body: dict[str, Any], usage: dict[str, int]) -> None:
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

    def __init__(self, *, port: int = 0, api_key: str | None = None) -> None:
        self.state = _State(api_key)
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
