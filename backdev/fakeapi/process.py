"""The fake Messages API in its own process, for benchmarks and terminal tests.

A server in a thread shares the GIL with the program being measured or driven; a separate process
does not. It listens on a free port (`--port 0`) and says its URL on its first line; steps are
queued over HTTP (`POST /_fake/enqueue`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any


class FakeApiProcess:
    """`python -m backdev.fakeapi --port 0` as a context manager; `url` once started."""

    def __init__(self, *, api_key: str | None = None, env: Mapping[str, str] | None = None,
                 options: Sequence[str] = ()) -> None:
        self.api_key = api_key
        self.env = dict(env) if env is not None else None
        self.options = list(options)  # more arguments of `python -m backdev.fakeapi`, e.g. --key-header
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeApiProcess:
        command = [sys.executable, "-m", "backdev.fakeapi", "--port", "0"]
        if self.api_key:
            command += ["--api-key", self.api_key]
        command += self.options
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=self.env)
        assert self.process.stdout is not None
        # "fake Messages API on http://127.0.0.1:PORT  (ANTHROPIC_BASE_URL=...)"
        self.url = self.process.stdout.readline().split()[4]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _post(self, path: str, payload: Any) -> Any:
        request = urllib.request.Request(self.url + path, data=json.dumps(payload).encode(),
                                         headers={"content-type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def enqueue(self, *steps: dict[str, Any]) -> None:
        """Queue steps (see backdev/fakeapi/script.py) for the next requests."""
        self._post("/_fake/enqueue", list(steps))

    def requests(self) -> list[dict[str, Any]]:
        """Every request the fake has received."""
        with urllib.request.urlopen(self.url + "/_fake/requests", timeout=5) as response:
            return json.loads(response.read())


def message_requests(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Messages API calls among the fake's recorded requests (not token counts or model lookups)."""
    return [r for r in requests if r["path"].startswith("/v1/messages")
            and not r["path"].startswith("/v1/messages/count_tokens")]
