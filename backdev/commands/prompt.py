"""`/prompt`: the system prompt and tools the next request starts with, each with its estimated size."""

from __future__ import annotations

from backdev.assistant import Assistant
from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec
from backdev.commands.context import register_context_command


def register_prompt_command(runner: CommandRunner, assistant: Assistant) -> None:
    """Add `/prompt` to `runner` (see `backdev.prompt.AssembledPrompt.describe`), and `/context` beside it."""

    def prompt(_: str) -> CommandOutcome:
        return CommandOutcome(assistant.prompt().describe())

    runner.register(CommandSpec("prompt", "", "show the system prompt and tools sent, with their size in tokens",
                                during_turn=True), prompt)
    register_context_command(runner, assistant)
