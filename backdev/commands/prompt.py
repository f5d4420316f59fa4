"""`/prompt`: the system prompt and tools the next request starts with, each with its estimated size."""

from __future__ import annotations

from backdev.assistant import Assistant
from backdev.commands.base import CommandOutcome, CommandRunner, CommandSpec


def register_prompt_command(runner: CommandRunner, assistant: Assistant) -> None:
    """Add `/prompt` to `runner` (see `backdev.prompt.AssembledPrompt.describe`)."""

    def prompt(_: str) -> CommandOutcome:
        return CommandOutcome(assistant.prompt().describe())

    runner.register(CommandSpec("prompt", "", "show the system prompt and tools sent, with their size in tokens",
                                during_turn=True), prompt)
