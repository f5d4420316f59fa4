"""Plain mode's single-keypress answers (approvals, y/n questions): the letter alone answers."""

from __future__ import annotations

import asyncio

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from backdev.repl.keys import ask_key

CHOICES = {"y": "once", "a": "session", "n": "deny"}


@pytest.mark.parametrize(("typed", "expected"), [("y", "once"), ("a", "session"), ("n", "deny"), ("N", "deny")])
async def test_one_letter_answers_without_enter(typed: str, expected: str) -> None:
    with create_pipe_input() as pipe:
        pipe.send_text(typed)  # no Enter
        answer = await asyncio.wait_for(ask_key("Allow? ", CHOICES, input=pipe, output=DummyOutput()), 5)
    assert answer == expected


async def test_enter_after_the_letter_is_still_accepted_and_other_keys_are_ignored() -> None:
    with create_pipe_input() as pipe:
        pipe.send_text("x?\ra")
        answer = await asyncio.wait_for(ask_key("Allow? ", CHOICES, input=pipe, output=DummyOutput()), 5)
    assert answer == "session"


async def test_ctrl_c_and_ctrl_d_give_the_default() -> None:
    for key in ("\x03", "\x04"):
        with create_pipe_input() as pipe:
            pipe.send_text(key)
            answer = await asyncio.wait_for(
                ask_key("Allow? ", CHOICES, default="n", input=pipe, output=DummyOutput()), 5)
        assert answer == "deny"
