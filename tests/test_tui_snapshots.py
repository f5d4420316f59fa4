"""Snapshot tests of the app (pytest-textual-snapshot): fixed terminal size, fixed data.

Everything on screen is made deterministic through the factory's inputs and the test data: the
scripted provider's usage (so costs), the project folder's name, session dates written into the
store and shown in UTC. Update after an intended change with `pytest --snapshot-update`.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from backdev.assistant import drain
from backdev.compose import Startup, Workspace, open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.events import Usage
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.tools.base import ApprovalRequest, Tool, ToolOutcome, ToolRegistry

from .conftest import fake_provider, start_with
from .tuikit import build, started, submit, turn_done, wait_for

SIZE = (100, 30)
REPLY = """The list view runs **one query per order** to fetch its customer (an N+1).

```python
def order_list(request):
    orders = Order.objects.select_related("customer")
    return render(request, "orders.html", {"orders": orders})
```

That turns 201 queries into 1."""
DIFF = """--- a/shop/views.py
+++ b/shop/views.py
@@ -3,3 +3,3 @@
 def order_list(request):
-    orders = Order.objects.all()
+    orders = Order.objects.select_related("customer")
     return render(request, "orders.html", {"orders": orders})"""


async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
    chat = await started(pilot)
    chat.prompt.cursor_blink = False


async def ask(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await ready(pilot)
    await submit(pilot, text)
    await turn_done(pilot)


def test_empty_start(snap_compare, startup: Startup, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(build(startup, workspace), terminal_size=SIZE, run_before=ready)


def test_a_streamed_reply_with_a_code_block(snap_compare, startup: Startup, workspace: Workspace,  # type: ignore[no-untyped-def]
                                            scripted: ScriptedProvider) -> None:
    scripted.enqueue(reply(REPLY, chunk=7, usage=Usage(1200, 80, 0, 900)))
    assert snap_compare(build(startup, workspace), terminal_size=SIZE,
                        run_before=lambda pilot: ask(pilot, "Why is the order list slow?"))


def test_a_tool_call_expanded(snap_compare, workspace: Workspace,  # type: ignore[no-untyped-def]
                              scripted: ScriptedProvider) -> None:
    tools = ToolRegistry()
    tools.register(Tool("show_change", "diff", {"type": "object"},
                        lambda a: ToolOutcome(DIFF, "show_change shop/views.py · 1 file, +1 −1")))
    startup = start_with(workspace, scripted, tools=tools)
    scripted.enqueue(tool_call("show_change", {"path": "shop/views.py"}, call_id="toolu_1"),
                     reply("The diff adds `select_related`.", usage=Usage(900, 20)))

    async def expanded(pilot) -> None:  # type: ignore[no-untyped-def]
        await ask(pilot, "What changed?")
        await pilot.click(".tool")

    assert snap_compare(build(startup, workspace), terminal_size=SIZE, run_before=expanded)


def test_an_error_with_retry(snap_compare, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    with FakeAnthropic(api_key="test-key") as api:
        api.enqueue({"type": "error", "status": 529, "times": 3})
        startup = start_session(workspace, open_store(), fake_provider(api))
        assert snap_compare(build(startup, workspace), terminal_size=SIZE, run_before=lambda pilot: ask(pilot, "hello"))


def approval_app(workspace: Workspace, scripted: ScriptedProvider):  # type: ignore[no-untyped-def]
    """The app about to ask whether to apply an edit (send "Fix it")."""
    tools = ToolRegistry()
    tools.register(Tool("propose_edit", "edit", {"type": "object"}, lambda a: ToolOutcome("applied", "edit applied"),
                        approval=lambda a: ApprovalRequest("propose_edit", "write", "edit shop/views.py", DIFF)))
    startup = start_with(workspace, scripted, tools=tools)
    scripted.enqueue(tool_call("propose_edit", {"path": "shop/views.py"}, call_id="toolu_2"))
    return build(startup, workspace)


async def asking(pilot) -> None:  # type: ignore[no-untyped-def]
    await ready(pilot)
    await submit(pilot, "Fix it")
    await wait_for(lambda: type(pilot.app.screen).__name__ == "ApprovalScreen", what="the approval")
    await pilot.pause()


def test_the_approval_modal(snap_compare, workspace: Workspace,  # type: ignore[no-untyped-def]
                            scripted: ScriptedProvider) -> None:
    assert snap_compare(approval_app(workspace, scripted), terminal_size=SIZE, run_before=asking)


def picker_app(workspace: Workspace, scripted: ScriptedProvider):  # type: ignore[no-untyped-def]
    """The app over a store of three sessions with fixed dates and costs."""
    store = open_store()
    startup = start_session(workspace, store, scripted)
    assistant = startup.assistant
    dates = {}
    for day, question, usage in ((3, "Design the refunds API", Usage(52_000, 4_100, 0, 40_000)),
                                 (9, "Why is the order list slow?", Usage(12_000, 900)),
                                 (21, "Review payments/views.py", Usage(0, 0))):
        if day != 3:
            assistant.new_session()
        scripted.enqueue(reply("ok", usage=usage))
        asyncio.run(drain(assistant.send(question)))
        dates[assistant.session.id] = dt.datetime(2026, 11, day, 14, 30, tzinfo=dt.timezone.utc).timestamp()
    with store.db as db:
        for session_id, when in dates.items():
            db.execute("UPDATE sessions SET created_at = ?, updated_at = ? WHERE id = ?", (when, when, session_id))
        db.execute("UPDATE sessions SET state = ? WHERE id = ?", ('{"workflow": {"current": "design"}}', next(iter(dates))))

    return build(startup, workspace, timezone=dt.timezone.utc)


async def picking(pilot) -> None:  # type: ignore[no-untyped-def]
    await ready(pilot)
    await pilot.press("ctrl+r")
    await wait_for(lambda: type(pilot.app.screen).__name__ == "SessionPickerScreen", what="the picker")


def test_the_session_picker(snap_compare, workspace: Workspace, scripted: ScriptedProvider) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(picker_app(workspace, scripted), terminal_size=SIZE, run_before=picking)
