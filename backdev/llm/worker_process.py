"""The API worker process as the chat sees it: started, sent frames, read by a thread.

Started before anything else of `backdev chat` is imported (this module needs only the standard
library and `backdev.llm.frames`); `backdev.llm.worker_provider` makes the calls through it.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backdev.llm.frames import FrameWriter, read_frame

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

#: How long a chat waits for the worker's client before loading the SDK itself (it takes ~1.5 s).
READY_TIMEOUT = 20.0

#: What a request waiting on a worker that died receives.
_LOST = ("lost",)


class ApiWorker:
    """The worker process and the frames to and from it (a thread reads them)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        assert process.stdin is not None and process.stdout is not None
        self._writer = FrameWriter(process.stdin)  # type: ignore[arg-type]
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.failed: str | None = None  # why the worker cannot serve, once it cannot
        self._configured = False
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True, name="api-worker")
        self._reader.start()

    @classmethod
    def start(cls) -> ApiWorker | None:
        """Start the worker; None (logged) where a process cannot be started."""
        try:
            # -P: never the current folder on the worker's import path; it is the person's repository.
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", "backdev.llm.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        except OSError as exc:
            log.info("the API worker did not start (%s): API calls run in this process", exc)
            return None
        worker = cls(process)
        atexit.register(worker.close)
        return worker

    @property
    def alive(self) -> bool:
        """False once the worker has failed or ended."""
        return self.failed is None

    def configure(self, config: Mapping[str, Any]) -> None:
        """Send the provider's arguments; the worker answers `ready` once its client is built.

        Raises:
            RuntimeError: the worker was configured before (it serves one provider).
        """
        if self._configured:
            raise RuntimeError("the API worker serves one provider and has one already")
        self._configured = True
        self.send(("config", dict(config)))

    async def wait_ready(self) -> str | None:
        """None once the worker's client is loaded; else why it cannot serve."""
        if not self._ready.is_set():
            import asyncio  # not at import: this module loads before anything else of a chat, asyncio's ~50 ms included

            if not await asyncio.to_thread(self._ready.wait, READY_TIMEOUT):
                self._fail(f"the API worker did not load the SDK in {READY_TIMEOUT:.0f} s")
                self.process.kill()
        return self.failed

    def request(self, kind: str, *payload: Any) -> tuple[int, asyncio.Queue[Any]] | None:
        """Send `(kind, id, *payload)`: the id and the queue its answers arrive on (in the running
        loop), or None when it cannot be pickled (the caller does the work itself)."""
        import asyncio  # not at import: see wait_ready

        queue: asyncio.Queue[Any] = asyncio.Queue()
        with self._lock:
            request_id = next(self._ids)
            if self.failed is not None:
                queue.put_nowait(_LOST)
            else:
                self._waiting[request_id] = (asyncio.get_running_loop(), queue)
        if not self.send((kind, request_id, *payload)):
            self.finish(request_id, cancel=False)
            return None
        return request_id, queue

    def finish(self, request_id: int, *, cancel: bool) -> None:
        """Stop routing answers for `request_id`; `cancel` tells the worker to stop it."""
        with self._lock:
            self._waiting.pop(request_id, None)
        if cancel and self.failed is None:
            self.send(("cancel", request_id))

    def send(self, frame: Any) -> bool:
        """Send a frame; False when it cannot be pickled (the caller does the work itself).

        A worker that is gone is marked failed, and its waiters hear `lost`.
        """
        try:
            self._writer.write(frame)
        except (OSError, ValueError) as exc:  # a closed pipe: the reader sees the end too
            self._fail(f"the API worker is gone ({type(exc).__name__})")
        except Exception as exc:  # pickling refused a value: that request stays in this process
            log.info("a %s request could not go to the API worker: %s", frame[0], type(exc).__name__)
            return False
        return True

    def close(self) -> None:
        """End the worker: its input closes, it cancels what runs and exits; killed if it lingers."""
        loaded = self._ready.is_set()  # before _fail, which sets it to wake whoever waits
        self._fail("the API worker was closed", quiet=True)
        self._writer.close()
        try:  # still importing, it reads no input yet: nothing of it is worth the wait
            self.process.wait(timeout=1 if loaded else 0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _read(self, stdout: Any) -> None:
        while True:
            try:
                frame = read_frame(stdout)
            except Exception as exc:  # a frame that does not unpickle: the worker cannot be trusted to go on
                log.info("unreadable frame from the API worker: %s", type(exc).__name__)
                frame = None
            if frame is None:
                self._fail("the API worker stopped")
                return
            if frame[0] == "ready":
                if frame[1] is not None:
                    self._fail(f"the API worker could not load the SDK ({frame[1]})")
                self._ready.set()
                continue
            with self._lock:
                target = self._waiting.get(frame[1])
            if target is not None:
                _deliver(target, frame)

    def _fail(self, reason: str, *, quiet: bool = False) -> None:
        with self._lock:
            if self.failed is None:
                self.failed = reason
                if not quiet:
                    log.info("%s: API calls run in this process from now on", reason)
            waiting, self._waiting = list(self._waiting.values()), {}
        self._ready.set()
        for target in waiting:
            _deliver(target, _LOST)


def _deliver(target: tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]], frame: Any) -> None:
    loop, queue = target
    try:
        loop.call_soon_threadsafe(queue.put_nowait, frame)
    except RuntimeError:  # that loop has closed: nobody waits for the answer any more
        pass
