"""Slash commands, defined once for both front ends, by concern.

- `syntax.py` — whether a typed line is a command or a message.
- `base.py` — what a command is (`CommandSpec`), what it produces (`CommandOutcome`, with a typed
  follow-up when a turn comes next), and the `CommandRunner` that dispatches a line.
- `session.py` — /help, /quit, /persona, /model, /cost, /export, /retry, /new, /sessions.
- `workflow.py` — /phase, /next, /review, /findings.
- `repository.py` — /memory, /overview (once the repository has been read).
- `prompt.py` — /prompt: the assembled system prompt and tools with their size.

The session driver (`backdev.chat.driver`) builds the runner and carries out the follow-ups.
"""
