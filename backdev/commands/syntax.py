"""How a typed line is read: a command or a message (plain functions: front ends use them at start-up)."""

from __future__ import annotations


def is_command(line: str) -> bool:
    """A line is a command when it starts with one `/` followed by a letter (`//` sends a literal `/`)."""
    return len(line) > 1 and line[0] == "/" and line[1].isalpha()


def unescape_message(line: str) -> str:
    """`//path` sends the message `/path`."""
    return line[1:] if line.startswith("//") else line


def command_name(line: str) -> str:
    """`/findings all` → `findings`."""
    return line.strip().lstrip("/").split(" ", 1)[0].lower()
