"""The fake Messages API in its own process, for benchmarks and terminal tests.

A server in a thread shares the GIL with the program being measured and slows it; a separate
process does not. Steps are queued over HTTP (`POST /_fake/enqueue`).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeApiProcess:
    """`python -m backdev.fakeapi` on a free port; a context manager."""

    def __init__(self, api_key: str | None = None) -> None:
        self.port = free_port()
        self.api_key = api_key
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeApiProcess:
        command = [sys.executable, "-m", "backdev.fakeapi", "--port", str(self.port)]
        if self.api_key:
            command += ["--api-key", self.api_key]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the fake API did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=5)

    def _post(self, path: str, payload: Any) -> Any:
        request = urllib.request.Request(self.url + path, data=json.dumps(payload).encode(),
                                         headers={"content-type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def enqueue(self, *steps: dict[str, Any]) -> None:
        self._post("/_fake/enqueue", list(steps))

    def requests(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.url + "/_fake/requests", timeout=5) as response:
            return json.loads(response.read())
