"""The app closed by SIGTERM or SIGHUP (a closed terminal) keeps the streaming reply and exits cleanly."""

from __future__ import annotations

import asyncio
import os
import signal

from backdev.compose import Workspace, open_store, start_session
from backdev.fakeapi import FakeAnthropic
from .conftest import fake_provider
from .tuikit import LONG_REPLY, ask_for_a_long_reply, build, started, wait_for


async def test_sighup_mid_stream_saves_the_reply_interrupted_and_exits(workspace: Workspace, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(LONG_REPLY)
    startup = start_session(workspace, open_store(), fake_provider(fake_api))
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await ask_for_a_long_reply(pilot, chat)
        await asyncio.sleep(0.2)
        chat.prompt.set_text("typed while it streamed")
        os.kill(os.getpid(), signal.SIGHUP)  # the app's own handler, on its event loop
        await wait_for(lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 128 + signal.SIGHUP
    last = startup.assistant.messages()[-1]
    assert (last.role, last.status, last.meta["kind"]) == ("assistant", "interrupted", "closed")
    assert last.text.startswith("word word") and "backdev was closed (SIGHUP)" in last.meta["error"]
    assert startup.assistant.store.get_session(startup.assistant.session.id).draft == "typed while it streamed"
