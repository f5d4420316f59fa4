"""`/context`: what fills the model's context window, block by block (backdev.context.breakdown)."""

from __future__ import annotations

import time

from backdev.assistant import Assistant
from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec, Compact
from backdev.context.breakdown import context_report
from backdev.context.compaction import load_record


def register_context_command(runner: CommandRunner, assistant: Assistant) -> None:
    """Add `/context` and `/compact` to `runner`."""

    def context(_: str) -> CommandOutcome:
        prompt = assistant.prompt()
        request = assistant.build_request(prompt)
        report = context_report(blocks=[(b.name, b.label, b.text) for b in prompt.system], tools=request.tools,
                                messages=request.messages, window=assistant.limits().max_input_tokens,
                                calibration=assistant.calibration, counted=assistant.last_prompt_tokens)
        record = load_record(assistant.store, assistant.session.id)
        how = " by the API (server-side)" if record and record.block else ""
        compacted = (f"\nCompacted {time.strftime('%Y-%m-%d %H:%M', time.localtime(record.at))}: the turns up to message "
                     f"{record.last_message_id} are summarised{how} ({record.tokens_before:,} → {record.tokens_after:,} "
                     "tokens); the transcript keeps them all." if record else "")
        return CommandOutcome(report.describe() + compacted)

    runner.register(CommandSpec("context", "", "show what fills the context window, block by block, in tokens",
                                during_turn=True), context)
    runner.register(CommandSpec("compact", "[instructions]", "summarise the older turns now (requirements, design, "
                                "checklists and findings are kept word for word)"),
                    lambda args: CommandOutcome(then=Compact(args.strip())))
