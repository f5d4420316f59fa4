"""Money is counted once: the session's totals are the sum of what the API reported, whatever happened."""

from __future__ import annotations

from pathlib import Path

from backdev.assistant import drain
from backdev.chat.events import SessionStatus
from backdev.compose import open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.cost import format_cost
from backdev.llm.events import TurnFailed, TurnFinished, Usage
from backdev.tools.base import Tool, ToolOutcome, ToolRegistry

from .conftest import cancel_after_deltas, driver_for, fake_provider, run_backdev

WIRE_NAMES = {"input": "input_tokens", "output": "output_tokens", "cache_write": "cache_creation_input_tokens",
              "cache_read": "cache_read_input_tokens"}


def reported(api: FakeAnthropic) -> Usage:
    total = api.reported_usage()
    return Usage(**{ours: total.get(wire, 0) for ours, wire in WIRE_NAMES.items()})


async def test_totals_agree_with_what_the_api_reported(fake_api: FakeAnthropic, workspace, project: Path) -> None:  # type: ignore[no-untyped-def]
    tools = ToolRegistry()
    tools.register(Tool("look", "d", {"type": "object"}, lambda a: ToolOutcome("contents", "look")))
    startup = start_session(workspace, open_store(), fake_provider(fake_api), tools=tools)
    assistant = startup.assistant
    look = {"type": "tool_use", "calls": [{"name": "look", "input": {}}]}
    # A turn with a tool round that completes.
    fake_api.enqueue(look, {"type": "text", "text": "It is fine."})
    assert isinstance((await drain(assistant.send("one")))[-1], TurnFinished)
    # A turn that fails after a tool round: the failure must not store the round's usage again.
    fake_api.enqueue(look, {"type": "error", "status": 500, "times": 3})
    failed = await drain(assistant.send("two"))
    assert isinstance(failed[-1], TurnFailed)
    assert failed[-1].message_usage == Usage() and failed[-1].usage.input > 0  # the turn's, for display
    # A stream cut mid-reply, asked again automatically: the cut one was billed too.
    fake_api.enqueue({"type": "cut", "text": "half"}, {"type": "text", "text": "whole"})
    await drain(assistant.send("three"))
    # A reply cancelled mid-stream: its input was sent and billed.
    fake_api.enqueue({"type": "text", "text": "word " * 400, "chunk": 5, "delay": 0.01})
    await cancel_after_deltas(assistant.send("four"), 5)
    cancelled = assistant.messages()[-1]
    assert cancelled.status == "cancelled" and cancelled.usage.input > 0

    api_total = reported(fake_api)
    assert assistant.totals().usage == api_total
    cost = format_cost(assistant.totals().cost)
    [shown_cost] = driver_for(startup, workspace).command("/cost").events
    assert cost in shown_cost.text  # type: ignore[attr-defined]
    from backdev.tui.widgets.status import StatusInfo, status_text

    bar = status_text(StatusInfo(SessionStatus("p", "m", "r", usage=assistant.totals().usage,
                                               cost=assistant.totals().cost))).plain
    assert cost in bar and f"in {api_total.input:,} out {api_total.output:,}" in bar
    listing = run_backdev("sessions", "list", cwd=project)
    assert cost in listing.stdout
    shown = run_backdev("sessions", "show", assistant.session.id, cwd=project)
    assert cost in shown.stdout and f"in {api_total.input:,} · out {api_total.output:,}" in shown.stdout
