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


async def test_the_enter_typed_after_the_letter_does_not_reach_the_next_prompt() -> None:
    # People type "n" then Enter out of habit: that Enter belongs to the answer. Reaching the next
    # prompt it would send whatever sits there (after a declined attachment: the restored message).
    from prompt_toolkit import PromptSession

    with create_pipe_input() as pipe:
        pipe.send_text("n\rnext line\r")
        answer = await asyncio.wait_for(ask_key("Allow? ", CHOICES, input=pipe, output=DummyOutput()), 5)
        following = await asyncio.wait_for(PromptSession(input=pipe, output=DummyOutput()).prompt_async("> "), 5)
    assert (answer, following) == ("deny", "next line")


async def test_a_letter_alone_still_answers_after_a_short_pause() -> None:
    with create_pipe_input() as pipe:
        pipe.send_text("y")
        started = asyncio.get_running_loop().time()
        answer = await asyncio.wait_for(ask_key("Allow? ", CHOICES, input=pipe, output=DummyOutput()), 5)
    assert answer == "once" and asyncio.get_running_loop().time() - started < 2


async def test_keys_typed_on_after_the_letter_reach_the_next_prompt() -> None:
    from prompt_toolkit import PromptSession

    with create_pipe_input() as pipe:
        pipe.send_text("a/quit\r")
        answer = await asyncio.wait_for(ask_key("Allow? ", CHOICES, input=pipe, output=DummyOutput()), 5)
        following = await asyncio.wait_for(PromptSession(input=pipe, output=DummyOutput()).prompt_async("> "), 5)
    assert (answer, following) == ("session", "/quit")
