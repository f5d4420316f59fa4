"""A provider whose API calls run in backdev's API worker process (`backdev.llm.worker`).

Why a process: importing the SDK takes ~1.4 s of pure Python, and in a thread it holds the
interpreter lock the app needs to draw. `backdev chat` starts the worker before it even reads the
settings; the SDK loads on the other core, and the chat process never imports it.

Nothing is lost when the worker fails: if it cannot start or load the SDK, the chat falls back to
an in-process `AnthropicProvider` (the worker's only cost was a process); if it dies mid-stream,
that stream ends with `StreamFailed` (interrupted) holding the text received so far, and later
requests run in-process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from backdev.llm.anthropic_provider import AnthropicProvider
from backdev.llm.errors import interrupted
from backdev.llm.events import MessageFinished, ProviderEvent, StreamFailed, TextDelta
from backdev.llm.models import Capabilities
from backdev.llm.provider import Request
from backdev.llm.worker_process import ApiWorker


class WorkerProvider:
    """The `Provider` of a chat: calls go to the API worker, or in-process once it cannot serve."""

    def __init__(self, worker: ApiWorker | None, *, log_to_file: bool = True, **config: Any) -> None:
        self.local = AnthropicProvider(**config)  # the fallback; builds nothing until used
        self.base_url = self.local.base_url
        self._worker = worker
        if worker is not None:
            worker.configure({**config, "log": log_to_file})

    @property
    def has_credentials(self) -> bool:
        """See `AnthropicProvider.has_credentials`."""
        return self.local.has_credentials

    async def _serving(self) -> ApiWorker | None:
        """The worker once it is ready, or None when calls run in-process."""
        worker = self._worker
        if worker is None:
            return None
        if await worker.wait_ready() is not None:
            self._worker = None
            return None
        return worker

    async def warm_up(self) -> None:
        """Wait for the worker's client; load the SDK here only when the worker cannot serve."""
        if await self._serving() is None:
            await self.local.warm_up()

    async def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        """See `Provider.stream`; a worker lost mid-stream ends it as interrupted, with the text so far."""
        worker = await self._serving()
        sent = worker.request("stream", request) if worker is not None else None
        if worker is None or sent is None:
            async for event in self.local.stream(request):
                yield event
            return
        request_id, queue = sent
        text: list[str] = []
        done = False
        try:
            while True:
                frame = await queue.get()
                if frame[0] == "event":
                    event = frame[2]
                    if isinstance(event, TextDelta):
                        text.append(event.text)
                    yield event
                    continue
                done = True
                if frame[0] == "lost":
                    yield StreamFailed(interrupted(f"{worker.failed or 'the API worker stopped'} mid-reply"),
                                       "".join(text))
                elif frame[0] == "error":
                    yield StreamFailed(interrupted(f"the API worker failed ({frame[2]})"), "".join(text))
                return
        finally:
            worker.finish(request_id, cancel=not done)

    async def _call(self, method: str, *args: Any) -> Any:
        worker = await self._serving()
        sent = worker.request("call", method, args) if worker is not None else None
        if worker is None or sent is None:
            return await getattr(self.local, method)(*args)
        request_id, queue = sent
        done = False
        try:
            frame = await queue.get()
            done = True
        finally:
            worker.finish(request_id, cancel=not done)
        if frame[0] == "result":
            return frame[2]
        if frame[0] == "error":
            raise frame[2]
        return await getattr(self.local, method)(*args)  # lost: asked again here (these calls change nothing)

    async def check(self) -> str:
        """See `AnthropicProvider.check`."""
        return await self._call("check")  # type: ignore[no-any-return]

    async def capabilities(self, model: str) -> Capabilities | None:
        """See `AnthropicProvider.capabilities`."""
        return await self._call("capabilities", model)  # type: ignore[no-any-return]

    async def model_info(self, model_id: str) -> dict[str, Any] | None:
        """See `AnthropicProvider.model_info`."""
        return await self._call("model_info", model_id)  # type: ignore[no-any-return]

    async def count_tokens(self, request: Request) -> int | None:
        """See `AnthropicProvider.count_tokens`."""
        return await self._call("count_tokens", request)  # type: ignore[no-any-return]

    async def compact(self, request: Request, instructions: str = "") -> MessageFinished | StreamFailed:
        """See `AnthropicProvider.compact` (asked again in-process if the worker is lost meanwhile)."""
        try:
            return await self._call("compact", request, instructions)  # type: ignore[no-any-return]
        except Exception as exc:  # compact never raises for API problems: only a worker bug lands here
            return StreamFailed(interrupted(f"the API worker failed ({exc})"))
