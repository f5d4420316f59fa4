"""The API worker process: a chat's API calls made in a child that loaded the SDK, over real HTTP to the fake."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backdev import paths
from backdev.fakeapi import FakeAnthropic
from backdev.llm.events import MessageFinished, StreamFailed, TextDelta, ToolCallRequested
from backdev.llm.provider import Request
from backdev.llm.worker import WORKER_NICENESS
from backdev.llm.worker_process import ApiWorker
from backdev.llm.worker_provider import WorkerProvider

from .conftest import run_backdev


QUESTION = Request(model="claude-sonnet-5-5", system=("persona",),
                   messages=({"role": "user", "content": [{"type": "text", "text": "hi"}]},))


@pytest.fixture
def worker() -> Iterator[ApiWorker]:
    started = ApiWorker.start()
    assert started is not None
    yield started
    started.close()
    assert started.process.poll() is not None, "the worker outlived its chat"


def through(worker: ApiWorker | None, api: FakeAnthropic, key: str = "test-key") -> WorkerProvider:
    return WorkerProvider(worker, log_to_file=False, api_key=key, base_url=api.url, timeout=5.0, max_retries=2)


async def events_of(provider: WorkerProvider, request: Request = QUESTION) -> list[object]:
    return [event async for event in provider.stream(request)]


async def test_a_reply_and_a_tool_call_stream_through_the_worker(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "tool_use", "text": "Let me look.", "calls": [{"name": "look", "input": {"path": "a.py"}}]})
    provider = through(worker, fake_api)
    await provider.warm_up()
    assert worker.alive and provider.local._client is None  # the worker loaded the SDK, not this process
    events = await events_of(provider)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Let me look."
    assert [(e.name, e.input) for e in events if isinstance(e, ToolCallRequested)] == [("look", {"path": "a.py"})]
    assert isinstance(events[-1], MessageFinished) and events[-1].stop_reason == "tool_use"
    assert provider.local._client is None


async def test_the_worker_runs_below_the_chats_priority(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    await through(worker, fake_api).warm_up()  # it lowers its own priority first thing
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == min(19, ours + WORKER_NICENESS)


async def test_a_bad_key_is_said_in_under_a_second(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    provider = through(worker, fake_api, key="wrong")
    await provider.warm_up()
    started = time.perf_counter()
    events = await events_of(provider)
    assert time.perf_counter() - started < 1.0
    assert isinstance(events[-1], StreamFailed) and events[-1].failure.kind == "auth"
    assert "ANTHROPIC_API_KEY" in events[-1].failure.message


async def test_the_other_calls_answer_as_in_process(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    provider = through(worker, fake_api)
    assert await provider.check() == "claude-sonnet-5-5"
    info = await provider.model_info("claude-sonnet-5-5")
    assert info is not None and info["id"] == "claude-sonnet-5-5"
    assert await provider.capabilities("claude-sonnet-5-5") is not None
    counted = await provider.count_tokens(QUESTION)
    assert isinstance(counted, int) and counted > 0
    assert provider.local._client is None


async def test_a_failing_check_raises_here_in_its_own_words(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    with pytest.raises(Exception, match="(?i)auth|401|key"):
        await through(worker, fake_api, key="wrong").check()


async def test_cancelling_closes_the_workers_connection(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "word " * 400, "chunk": 5, "delay": 0.02})
    provider = through(worker, fake_api)
    stream = provider.stream(QUESTION)
    seen = 0
    async for event in stream:
        seen += isinstance(event, TextDelta)
        if seen == 3:
            break
    await stream.aclose()
    deadline = time.monotonic() + 3
    while fake_api.client_disconnects == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert fake_api.client_disconnects == 1
    fake_api.enqueue({"type": "text", "text": "next"})  # the worker goes on serving
    events = await events_of(provider)
    assert isinstance(events[-1], MessageFinished)
    assert provider.local._client is None


async def test_a_request_that_cannot_be_pickled_is_made_in_process(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    provider = through(worker, fake_api)
    fake_api.enqueue({"type": "text", "text": "here"})
    odd = Request(model=QUESTION.model, system=QUESTION.system, messages=QUESTION.messages,
                  metadata={"callback": lambda: None})
    assert isinstance((await events_of(provider, odd))[-1], MessageFinished)
    assert worker.alive and provider.local._client is not None
    fake_api.enqueue({"type": "text", "text": "and the worker goes on"})
    assert isinstance((await events_of(provider))[-1], MessageFinished)


def test_a_worker_serves_one_provider(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    through(worker, fake_api)
    with pytest.raises(RuntimeError, match="one provider"):
        through(worker, fake_api, key="another")


async def test_a_worker_killed_mid_reply_keeps_the_text_and_the_next_request_runs_here(
        worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "word " * 400, "chunk": 5, "delay": 0.02},
                     {"type": "text", "text": "answered in-process"})
    provider = through(worker, fake_api)
    received: list[str] = []
    events: list[object] = []
    async for event in provider.stream(QUESTION):
        events.append(event)
        if isinstance(event, TextDelta):
            received.append(event.text)
            if len(received) == 3:
                os.kill(worker.process.pid, signal.SIGKILL)
    failed = events[-1]
    assert isinstance(failed, StreamFailed) and failed.failure.kind == "interrupted"
    assert failed.partial_text == "".join(received) and received
    assert "/retry" in failed.failure.message
    after = await events_of(provider)
    assert "".join(e.text for e in after if isinstance(e, TextDelta)) == "answered in-process"
    assert not worker.alive


async def test_without_a_worker_calls_run_in_process(fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert ApiWorker.start() is None
    fake_api.enqueue({"type": "text", "text": "here"})
    provider = through(None, fake_api)
    await provider.warm_up()
    assert provider.local._client is not None
    assert isinstance((await events_of(provider))[-1], MessageFinished)


async def test_a_worker_that_cannot_load_the_sdk_hands_over_to_this_process(
        fake_api: FakeAnthropic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken" / "anthropic"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('this SDK is broken')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(broken.parent), os.environ.get("PYTHONPATH", "")]))
    worker = ApiWorker.start()
    assert worker is not None
    try:
        provider = through(worker, fake_api)
        assert "this SDK is broken" in (await worker.wait_ready() or "")
        fake_api.enqueue({"type": "text", "text": "fine"})
        assert isinstance((await events_of(provider))[-1], MessageFinished)
        assert provider.local._client is not None
    finally:
        worker.close()


async def test_the_repository_folder_is_never_on_the_workers_import_path(
        fake_api: FakeAnthropic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "ran"
    hostile = tmp_path / "repo"
    hostile.mkdir()
    planted = f"open({str(marker)!r}, 'w').write('x')\n"
    (hostile / "anthropic.py").write_text(planted)
    (hostile / "backdev").mkdir()
    (hostile / "backdev" / "__init__.py").write_text(planted)
    monkeypatch.chdir(hostile)
    worker = ApiWorker.start()
    assert worker is not None
    try:
        fake_api.enqueue({"type": "text", "text": "safe"})
        events = await events_of(through(worker, fake_api))
        assert isinstance(events[-1], MessageFinished) and worker.alive
    finally:
        worker.close()
    assert not marker.exists()


async def test_a_worker_that_never_gets_ready_is_given_up(
        fake_api: FakeAnthropic, worker: ApiWorker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backdev.llm.worker_process.READY_TIMEOUT", 0.0)  # it has not even been configured
    provider = through(None, fake_api)
    provider._worker = worker
    assert "did not load" in (await worker.wait_ready() or "")
    fake_api.enqueue({"type": "text", "text": "here"})
    assert isinstance((await events_of(provider))[-1], MessageFinished) and provider.local._client is not None


def test_the_chat_process_never_imports_the_sdk_and_the_worker_ends_with_it(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "from the worker"})
    script = textwrap.dedent(f"""
        import asyncio, os, sys
        from backdev.llm.worker_process import ApiWorker
        from backdev.llm.worker_provider import WorkerProvider
        from backdev.llm.provider import Request
        worker = ApiWorker.start()
        print(worker.process.pid, flush=True)
        provider = WorkerProvider(worker, log_to_file=False, api_key="test-key", base_url={fake_api.url!r})
        request = Request(model="claude-sonnet-5-5", system=("p",),
                          messages=({{"role": "user", "content": [{{"type": "text", "text": "hi"}}]}},))
        async def main():
            await provider.warm_up()
            return "".join([getattr(e, "text", "") async for e in provider.stream(request)])
        print(asyncio.run(main()), "anthropic" in sys.modules, flush=True)
        os.kill(os.getpid(), 9)  # killed, not closed: the worker must notice on its own
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert len(result.stdout.splitlines()) >= 2, result.stderr[-2000:]
    pid_line, answer = result.stdout.splitlines()[:2]
    assert answer == "from the worker False"
    deadline = time.monotonic() + 5
    while _running(int(pid_line)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(int(pid_line)), "the worker outlived a killed chat"


def test_backdev_chat_makes_its_calls_in_the_worker(project: Path) -> None:
    key = "sk-ant-worker-0123456789"
    with FakeAnthropic(api_key=key) as api:
        api.enqueue({"type": "text", "text": "Index the foreign key."})
        env = {"ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": key}
        result = run_backdev("chat", "--plain", cwd=project, env=env, input="slow query?\n")
    assert result.returncode == 0 and "Index the foreign key." in result.stdout, result.stderr
    logged = (paths.log_dir() / "backdev.log").read_text()
    assert "API worker" in logged and " ready for the chat " in logged
    assert key not in logged


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (its parent died, not yet reaped by init) has ended
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_closing_a_worker_still_loading_the_sdk_does_not_wait_for_it() -> None:
    # Quitting a chat in its first second must not hang on the worker's import: it reads no input yet.
    started = ApiWorker.start()
    assert started is not None
    begun = time.perf_counter()
    started.close()
    took = time.perf_counter() - begun
    assert started.process.poll() is not None
    assert took < 0.5, f"close() waited {took:.2f} s for a worker still importing"


async def test_a_worker_rehearses_a_reply_once_ready_and_then_serves(worker: ApiWorker, fake_api: FakeAnthropic) -> None:
    # The SDK's validators are built on the first stream it reads: the worker reads a canned one
    # in memory while the person types, so the first real reply does not wait for them.
    fake_api.enqueue({"type": "text", "text": "Add an index."})
    provider = WorkerProvider(worker, log_to_file=True, api_key="test-key", base_url=fake_api.url, timeout=5.0,
                              max_retries=0)
    await provider.warm_up()
    events = await events_of(provider)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Add an index."
    logged = (paths.log_dir() / "backdev.log").read_text()
    assert "API worker rehearsed a reply (" in logged, logged
    assert len(fake_api.requests) == 1  # the rehearsal sent nothing
