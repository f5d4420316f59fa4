"""The API worker: a child process that loads the Anthropic SDK and makes a chat's API calls.

`backdev chat` starts it first thing (`backdev.llm.worker_provider`), so the SDK's ~1.4 s import
runs on another core while the app draws its first frame, instead of competing with it for the
interpreter. It reads frames (`backdev.llm.frames`) on stdin and answers on stdout:

- in: `("config", kwargs)` once (the `AnthropicProvider` arguments), then
  `("stream", id, request)`, `("call", id, method, args)` and `("cancel", id)`;
- out: `("ready", error)` once (error None when the client loaded), then `("event", id, event)`
  ... `("end", id)` for a stream, and `("result", id, value)` or `("error", id, exception)`.

It ends when its input ends (the chat closed, or was killed). It runs in a session of its own,
so the terminal's Ctrl+C reaches only the chat, which cancels what it asked for.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import pickle
import sys
import threading
import time
from typing import Any

from backdev.llm.frames import FrameWriter, read_frame

log = logging.getLogger("backdev.llm.worker")  # not __name__: run with -m, that is "__main__"

#: How much lower than the chat the worker runs: it only competes for a CPU during start-up.
WORKER_NICENESS = 10
#: The provider methods a chat may call through the worker (besides `stream`).
CALLS = frozenset({"check", "capabilities", "model_info", "count_tokens", "compact"})


def main() -> None:
    """Serve one chat's API calls until stdin ends."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:  # where the CPUs are busy (a terminal, a screen reader), the app's first frame goes first
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: it runs at the chat's priority
        pass
    sys.stdout = sys.stderr  # a stray print must not corrupt the frames
    writer = FrameWriter(stdout)
    # The SDK's import builds ~100k objects that all stay: collecting meanwhile finds nothing and
    # costs ~0.2 s of the ~1.4 s (collection resumes, with them frozen, once the client is built).
    gc.disable()
    try:
        import anthropic  # noqa: F401  the reason this process exists: start it before anything else

        loaded: str | None = None
    except Exception as exc:  # said to the chat, which loads it itself and reports what fails
        loaded = f"{type(exc).__name__}: {exc}"
    try:
        asyncio.run(_serve(stdin, writer, loaded))
    except (BrokenPipeError, KeyboardInterrupt):  # the chat is gone
        pass
    os._exit(0)  # no interpreter teardown: nothing is left to flush, and it costs ~100 ms


async def _serve(stdin: Any, writer: FrameWriter, loaded: str | None) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    threading.Thread(target=_pump, args=(stdin, loop, inbox), daemon=True, name="worker-input").start()
    first = await inbox.get()
    if not (isinstance(first, tuple) and first[:1] == ("config",)):
        return
    config: dict[str, Any] = first[1]
    if config.pop("log", False):
        from backdev.logs import setup_logging  # after the SDK, which this process loads first

        setup_logging()
    from backdev.llm.anthropic_provider import AnthropicProvider  # after the SDK, which this process loads first

    provider = AnthropicProvider(**config)
    if loaded is None:
        try:
            provider.client()
        except Exception as exc:  # a client that cannot be built: the chat builds its own and says why
            loaded = f"{type(exc).__name__}: {exc}"
    writer.write(("ready", loaded))
    log.info("API worker %d ready for the chat %d%s", os.getpid(), os.getppid(), f" ({loaded})" if loaded else "")
    gc.freeze()
    gc.enable()
    tasks: dict[int, asyncio.Task[None]] = {}
    # Beside the requests, never before them: the first may come at once.
    rehearsal = asyncio.create_task(_rehearse(provider)) if loaded is None else None
    while (frame := await inbox.get()) is not None:
        if not (isinstance(frame, tuple) and len(frame) >= 2 and isinstance(frame[1], int)):
            log.info("ignored a frame that is no request: %s", type(frame).__name__)
            continue
        kind, request_id = frame[0], frame[1]
        if kind == "cancel":
            if request_id in tasks:
                tasks[request_id].cancel()
            continue
        task = asyncio.create_task(_answer(provider, frame, writer))
        tasks[request_id] = task
        task.add_done_callback(lambda _, key=request_id: tasks.pop(key, None))
    running = [*tasks.values(), *([rehearsal] if rehearsal is not None else [])]
    for task in running:  # the chat is gone: close every connection before leaving
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


async def _rehearse(provider: Any) -> None:
    """Read a canned reply through the SDK in memory (see backdev.llm.rehearsal); never fatal."""
    started = time.perf_counter()
    try:
        events = await provider.rehearse()
    except Exception as exc:  # the first real reply then builds what this would have: slower, not wrong
        log.info("API worker rehearsal failed: %s", type(exc).__name__)
        return
    log.info("API worker rehearsed a reply (%d events) in %.0f ms", len(events), (time.perf_counter() - started) * 1000)


def _pump(stdin: Any, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[Any]) -> None:
    """Move frames from stdin to the loop's inbox; None when stdin ends."""
    while True:
        try:
            frame = read_frame(stdin)
        except Exception:  # a frame that does not unpickle: treat as the end, the chat reconnects locally
            log.exception("unreadable frame from the chat")
            frame = None
        loop.call_soon_threadsafe(inbox.put_nowait, frame)
        if frame is None:
            return


async def _answer(provider: Any, frame: tuple[Any, ...], writer: FrameWriter) -> None:
    kind, request_id = frame[0], frame[1]
    try:
        if kind == "stream":
            async for event in provider.stream(frame[2]):
                writer.write(("event", request_id, event))
            writer.write(("end", request_id))
        elif kind == "call" and frame[2] in CALLS:
            value = await getattr(provider, frame[2])(*frame[3])
            writer.write(("result", request_id, value))
        else:
            writer.write(("error", request_id, ValueError(f"the API worker has no {kind} {frame[2:3]}")))
    except asyncio.CancelledError:
        raise
    except BrokenPipeError:
        raise
    except Exception as exc:  # `check` raises on purpose; anything else is a bug, told to the chat
        log.info("worker %s failed: %s", kind, type(exc).__name__)
        writer.write(("error", request_id, portable(exc)))


def portable(exc: BaseException) -> BaseException:
    """`exc` if it survives a pickle round trip, else a RuntimeError saying the same (SDK errors hold responses)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # unpicklable: keep its words
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


if __name__ == "__main__":
    main()
