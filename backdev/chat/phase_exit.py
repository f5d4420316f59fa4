"""Leaving a phase with work open: the person is asked once, through the driver's `confirm`.

`/next`, `/phase NAME` and `/review` (from outside the Review phase) move at once when the phase
they leave is done. When it still has unticked checklist items or artifacts missing or short of
sections (`WorkflowSession.open_exit_work`), the command returns a `LeavePhase` follow-up instead
and the driver streams `leave_phase`: it asks `LeavingPhase` (what is open, "move on anyway?");

- yes: the move is made and the command's own outcome shown — the new phase and what stays open
  in the old one — and the turn it starts (a review) streams;
- no (the safe answer, the default of both front ends): the phase stays and nothing changes;
- nobody to ask (a script, `decline`): yes, since the script's command said to move, and what
  stays open is said as it moves.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing

from backdev.chat.events import ChatEvent, CommandResult, Confirm, LeavingPhase, Note
from backdev.commands.base import CommandOutcome, LeavePhase


async def leave_phase(leave: LeavePhase, confirm: Confirm, carry_out: Callable[[CommandOutcome], CommandResult]
                      ) -> AsyncGenerator[ChatEvent, None]:
    """Ask before leaving `leave.left`; on yes, the events of `carry_out(leave.proceed())` and its turn."""
    if await confirm(LeavingPhase(leave.left.title, leave.entering.title, leave.open)) is not True:
        yield Note(f"Staying in the {leave.left.title} phase; nothing changed. /phase shows what is open.")
        return
    result = carry_out(leave.proceed())
    for event in result.events:
        yield event
    if result.turn is not None:
        async with aclosing(result.turn()) as events:
            async for event in events:
                yield event
