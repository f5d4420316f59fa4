"""The chat screen under Pilot: sending and streaming, cancel, failures with retry, keys."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Markdown

from backdev.compose import Workspace, open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.errors import MISSING_KEY
from backdev.llm.events import TextDelta, TurnFailed, TurnFinished
from backdev.llm.scripted import ScriptedProvider, reply
from backdev.tui.widgets.entries import ErrorEntry, ReplyEntry, UserEntry
from backdev.tui.widgets.status import StatusBar

from .conftest import fake_provider
from .tuikit import (LONG_REPLY, Recorder, ask_for_a_long_reply, build, entries, notes, started, submit, turn_done,
                     wait_for)

REPLY = "Use `select_related` here:\n\n```python\nOrder.objects.select_related('customer')\n```\n\nThat removes the N+1."


def api_startup(workspace: Workspace, api: FakeAnthropic):  # type: ignore[no-untyped-def]
    return start_session(workspace, open_store(), fake_provider(api))


class GatedStart(ScriptedProvider):
    """A provider whose warm-up (the SDK import, for the real one) lasts until `gate` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def warm_up(self) -> None:
        await self.gate.wait()


async def send_early(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Send `text` while the provider is still loading, and wait until the app says it waits."""
    await submit(pilot, text)
    await wait_for(lambda: any("Waiting for the API client" in n for n in notes(pilot.app.chat)), what="the waiting note")


async def test_a_message_streams_its_reply_from_the_api(workspace: Workspace, fake_api: FakeAnthropic,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_api.enqueue({"type": "text", "text": REPLY, "chunk": 4, "usage": {"input_tokens": 1200, "output_tokens": 30}})
    updates: list[str] = []
    original_update = Markdown.update
    monkeypatch.setattr(Markdown, "update", lambda self, md: (updates.append(md), original_update(self, md))[1])
    startup = api_startup(workspace, fake_api)
    recorder = Recorder()
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        chat = await started(pilot)
        await submit(pilot, "why is the order list slow?")
        await turn_done(pilot)
        events = recorder.events()
        deltas = [e for e in events if isinstance(e, TextDelta)]
        # Deltas that arrive while the screen is busy are joined (issue 12): a short reply that comes
        # at once may be one message; tests/test_tui_first_line.py checks a long one shows as it comes.
        assert deltas and "".join(d.text for d in deltas) == REPLY
        assert isinstance(events[-1], TurnFinished)
        [user] = entries(chat, UserEntry)
        [answer] = entries(chat, ReplyEntry)
        assert user.text == "why is the order list slow?" and answer.source == REPLY and answer.status == "complete"
        assert chat.prompt.text == ""
        # Streamed by appending fragments, never by re-rendering the whole text per token.
        assert [u for u in updates if u] == []
        status = str(chat.query_one(StatusBar).render())
        from backdev.llm.cost import format_cost

        totals = startup.assistant.totals()  # the cache write is the size of the whole system prefix
        # At 100 columns the token counts give way to phase and cost (status fields by priority).
        info = chat.query_one(StatusBar).info
        assert (info.session.usage.input, info.session.usage.output) == (1200, 30) and totals.usage.cache_write > 0
        assert format_cost(totals.cost) in status and totals.cost is not None and totals.cost > 0
    rows = startup.assistant.messages()
    assert [(r.role, r.status, r.text) for r in rows] == [("user", "complete", "why is the order list slow?"),
                                                          ("assistant", "complete", REPLY)]


async def test_esc_cancels_a_streaming_reply_and_keeps_what_arrived(workspace: Workspace, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(LONG_REPLY)
    startup = api_startup(workspace, fake_api)
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await ask_for_a_long_reply(pilot, chat)
        await asyncio.sleep(0.2)
        # pilot.press waits for idle queues, which never happens mid-stream: press from a task.
        await asyncio.create_task(pilot.press("escape"))
        await turn_done(pilot)
        [answer] = entries(chat, ReplyEntry)
        assert answer.status == "cancelled" and "Cancelled" in str(answer.query_one(".mark").render())
        shown = answer.source
    last = startup.assistant.messages()[-1]
    assert (last.status, last.role) == ("cancelled", "assistant")
    assert last.text.startswith("word word") and len(last.text) < 2000
    assert shown.strip() and last.text.startswith(shown.strip()[:50])
    await wait_for(lambda: fake_api.client_disconnects >= 1, what="the connection to close")


def footer_keys(pilot) -> list[str]:  # type: ignore[no-untyped-def]
    from textual.widgets._footer import FooterKey  # what the key bar shows

    return [key.description for key in pilot.app.screen.query(FooterKey)]


async def test_the_footer_offers_cancel_only_while_a_reply_streams(workspace: Workspace, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(LONG_REPLY)
    app = build(api_startup(workspace, fake_api), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert "Sessions" in footer_keys(pilot) and "Cancel reply" not in footer_keys(pilot)  # nothing to cancel
        await ask_for_a_long_reply(pilot, chat)
        await wait_for(lambda: "Cancel reply" in footer_keys(pilot), what="Esc offered while it streams")
        await asyncio.create_task(pilot.press("escape"))
        await turn_done(pilot)
        await wait_for(lambda: "Cancel reply" not in footer_keys(pilot), what="Esc gone once the reply ended")


async def test_an_overloaded_api_is_said_inline_and_retry_asks_again(workspace: Workspace, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "error", "status": 529, "times": 3}, {"type": "text", "text": "Second time lucky."})
    startup = api_startup(workspace, fake_api)
    recorder = Recorder()
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        chat = await started(pilot)
        await submit(pilot, "hello")
        await turn_done(pilot)
        [error] = entries(chat, ErrorEntry)
        assert "overloaded" in error.message and "/retry" in error.message
        failed = [e for e in recorder.events() if isinstance(e, TurnFailed)]
        assert failed[0].failure.kind == "overloaded"
        await pilot.click("#retry")
        await wait_for(lambda: chat.busy or entries(chat, ReplyEntry), what="the retry to start")
        await turn_done(pilot)
        assert [r.source for r in entries(chat, ReplyEntry)] == ["Second time lucky."]
        assert not error.query("#retry")  # the old error no longer offers a retry
    assert [r.status for r in startup.assistant.messages()][-1] == "complete"


async def test_a_broken_stream_is_marked_interrupted_and_retry_continues(workspace: Workspace,
                                                                         fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "cut", "text": "The first half"}, {"type": "cut", "text": "The first half again"},
                     {"type": "text", "text": "The whole answer."})
    startup = api_startup(workspace, fake_api)
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await submit(pilot, "explain")
        await turn_done(pilot)
        first, second = entries(chat, ReplyEntry)
        assert first.status == "retrying" and second.status == "interrupted"
        [error] = entries(chat, ErrorEntry)
        assert "cut off" in error.message
        # said once: by the error (with its reason and Retry), not again by a mark on the reply
        assert second.status == "interrupted" and not second.query_one(".mark").display
        await submit(pilot, "/retry")
        await wait_for(lambda: len(entries(chat, ReplyEntry)) == 3, what="the retried reply")
        await turn_done(pilot)
        assert entries(chat, ReplyEntry)[-1].source == "The whole answer."


async def test_a_message_sent_before_the_provider_is_ready_waits_and_says_so(workspace: Workspace) -> None:
    provider = GatedStart()
    provider.enqueue(reply("ready now"))
    startup = start_session(workspace, open_store(), provider)
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await pilot.pause()
        assert "loading the API client" in str(chat.query_one(StatusBar).render())
        await send_early(pilot, "early bird")
        assert [u.text for u in entries(chat, UserEntry)] == ["early bird"] and provider.history == []
        provider.gate.set()
        await wait_for(lambda: entries(chat, ReplyEntry), what="the reply")
        await turn_done(pilot)
        assert entries(chat, ReplyEntry)[0].source == "ready now"


async def test_without_an_api_key_it_starts_and_says_how_to_set_one(workspace: Workspace) -> None:
    from backdev.llm.anthropic_provider import AnthropicProvider

    startup = start_session(workspace, open_store(), AnthropicProvider(api_key=None))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        assert MISSING_KEY.message in notes(chat)
        assert chat.prompt.has_focus


async def test_enter_sends_and_the_newline_keys_insert_newlines(startup, workspace) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await pilot.press("a", "ctrl+j", "b", "shift+enter", "c", "alt+enter", "d")
        assert chat.prompt.text == "a\nb\nc\nd"
        await pilot.press("enter")
        await turn_done(pilot)
        assert [u.text for u in entries(chat, UserEntry)] == ["a\nb\nc\nd"]


async def test_up_and_down_recall_earlier_messages_when_the_prompt_is_empty(startup, workspace) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        for text in ("first", "second"):
            await submit(pilot, text)
            await turn_done(pilot)
        await pilot.press("up")
        assert chat.prompt.text == "second"
        await pilot.press("up")
        assert chat.prompt.text == "first"
        await pilot.press("down")
        assert chat.prompt.text == "second"
        await pilot.press("down")
        assert chat.prompt.text == ""
        await pilot.press("x", "up")  # not empty: Up moves the cursor, it does not recall
        assert chat.prompt.text == "x"


async def test_ctrl_c_twice_quits_and_keeps_the_draft(startup, workspace) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press(*"half a thought")
        await pilot.press("ctrl+c")
        assert app.is_running
        await pilot.press("ctrl+c")
        await wait_for(lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    assert startup.assistant.store.get_session(startup.assistant.session.id).draft == "half a thought"


async def test_the_transcript_follows_the_tail_only_while_at_the_bottom(startup, workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    long_text = "".join(f"Paragraph {i} of a long answer.\n\n" for i in range(120))
    streamed = reply(long_text, chunk=30)
    scripted.enqueue(reply(long_text[:1500], chunk=50), [*streamed[:20], 0.3, *streamed[20:]],
                     [*streamed[:20], 0.3, *streamed[20:]])
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        transcript = chat.transcript
        await submit(pilot, "one")
        await turn_done(pilot)
        assert transcript.scroll_y == transcript.max_scroll_y > 0  # followed the tail
        await submit(pilot, "two")
        await wait_for(lambda: len(entries(chat, ReplyEntry)) == 2, what="the second reply")
        transcript.scroll_to(y=0, animate=False)  # the person scrolls up to read, mid-stream
        await turn_done(pilot)
        assert transcript.scroll_y == 0 and transcript.max_scroll_y > 100  # it stayed put
        await submit(pilot, "three")  # sending returns to the tail...
        await wait_for(lambda: len(entries(chat, ReplyEntry)) == 3, what="the third reply")
        await turn_done(pilot)
        assert transcript.scroll_y == transcript.max_scroll_y  # ...and it follows again


def test_nothing_heavy_is_imported_before_the_first_frame(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import asyncio, sys
        from pathlib import Path
        from backdev.compose import open_workspace, open_store, make_provider, start_session
        from backdev.tui.app import BackdevApp
        from backdev.tui.factory import make_app

        seen = []
        original = BackdevApp.on_ready

        def on_ready(self):  # App.on_ready: the first frame is on screen
            seen.append(sorted(m for m in ("anthropic", "git", "markdown_it") if m in sys.modules))
            original(self)
            self.exit(0)

        BackdevApp.on_ready = on_ready
        ws = open_workspace(Path.cwd())
        app = make_app(start_session(ws, open_store(), make_provider(ws.settings)), ws)
        app.run(headless=True)
        print(seen)
    """)
    env = {**os.environ, "BACKDEV_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[[]]"


async def test_quitting_while_a_message_waits_for_the_provider_keeps_it_as_the_draft(workspace: Workspace) -> None:
    startup = start_session(workspace, open_store(), GatedStart())
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await send_early(pilot, "sent too early")
        assert chat.prompt.text == ""
        await pilot.press("ctrl+q")
        await wait_for(lambda: not app.is_running, what="the app to exit")
    assert startup.assistant.store.get_session(startup.assistant.session.id).draft == "sent too early"
    assert startup.assistant.messages() == []


async def test_esc_while_waiting_for_the_provider_puts_the_message_back(workspace: Workspace) -> None:
    startup = start_session(workspace, open_store(), GatedStart())
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await send_early(pilot, "never mind")
        await pilot.press("escape")
        await wait_for(lambda: chat.prompt.text == "never mind", what="the message back in the prompt")
        assert "Not sent: your message is back in the prompt." in notes(chat)
    assert startup.assistant.messages() == []


async def test_a_reply_that_arrives_at_once_shows_its_first_line_before_the_rest_is_taken(
        workspace: Workspace, fake_api: FakeAnthropic) -> None:
    # An instant stream is buffered: without waiting for the screen, the worker would post the whole
    # reply (its end included) before the screen painted anything.
    fake_api.enqueue({"type": "text", "text": "Reply:" + " more words" * 1500, "chunk": 6})  # "Reply:" comes first
    recorder = Recorder()
    app = build(api_startup(workspace, fake_api), workspace)
    finished_at_first_sight: list[bool] = []
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        chat = await started(pilot)
        original = app._display

        def display(screen, update):  # type: ignore[no-untyped-def]  # what would reach the terminal
            from textual._compositor import CompositorUpdate

            if (not finished_at_first_sight and isinstance(update, CompositorUpdate)
                    and "Reply:" in update.render_segments(app.console)):
                finished_at_first_sight.append(any(isinstance(e, TurnFinished) for e in recorder.events()))
            original(screen, update)

        app._display = display  # type: ignore[method-assign]
        await submit(pilot, "explain")
        await turn_done(pilot)
        assert finished_at_first_sight == [False]
        assert entries(chat, ReplyEntry)[-1].source.endswith(" more words")  # and all of it arrived
