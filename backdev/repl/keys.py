"""Single-keypress questions in plain mode: an approval is answered by its letter alone.

`y`, `a` or `n` answers (upper case too); an Enter typed right after the letter, as people do out
of habit, is taken with the answer instead of reaching the next prompt (where it would send the
message put back there). Without that Enter the answer stands after a short pause. Any other key is ignored, and Ctrl+C or
Ctrl+D gives the default — for approvals that is always the safe answer (deny). Nothing typed here
goes into the input history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")

# How long a letter waits for the habitual Enter before it answers on its own: longer than the gap
# between two keys typed in one motion, short enough not to feel like a wait.
ENTER_GRACE_SECONDS = 0.35


async def ask_key(question: str, choices: Mapping[str, T], *, default: str | None = None,
                  input: Any = None, output: Any = None) -> T:
    """Ask `question` and return the value of the key pressed.

    Args:
        question: shown before the cursor, e.g. `Allow? [y] once / [a] session / [n] no: `.
        choices: lower-case letter -> value.
        default: the letter that Ctrl+C / Ctrl+D stand for (None: they repeat the question).
        input: prompt-toolkit input (tests pass a pipe); output likewise.
    """
    from prompt_toolkit import PromptSession  # only in an interactive terminal
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys

    bindings = KeyBindings()
    chosen: list[str] = []

    def finish(app: Any) -> None:
        if chosen and app.future is not None and not app.future.done():
            app.exit(result=chosen[0])

    def answer_with(letter: str) -> Any:
        def handler(event: Any) -> None:
            if chosen:  # already answered: a second letter is not a new answer
                return
            chosen.append(letter)
            asyncio.get_running_loop().call_later(ENTER_GRACE_SECONDS, finish, event.app)

        return handler

    def answer_now(letter: str) -> Any:
        def handler(event: Any) -> None:
            chosen[:] = [letter]  # the safe answer wins, even over a letter just typed
            finish(event.app)

        return handler

    for letter in choices:
        bindings.add(letter)(answer_with(letter))
        if letter.upper() != letter:
            bindings.add(letter.upper())(answer_with(letter))
    if default is not None:
        bindings.add("c-c")(answer_now(default))
        bindings.add("c-d")(answer_now(default))

    @bindings.add(Keys.Any)
    def _other(event: Any) -> None:
        # Before a letter: ignored, no echo. After one: the person is typing on, so the answer
        # stands now and the key goes back in the queue, kept as typeahead for the next prompt.
        if chosen:
            for key_press in reversed(event.key_sequence):
                event.app.key_processor.feed(key_press, first=True)
            finish(event.app)

    @bindings.add("enter")
    def _enter(event: Any) -> None:  # Enter alone is not an answer; after a letter it confirms it
        finish(event.app)

    session: Any = PromptSession(key_bindings=bindings, input=input, output=output)
    letter = await session.prompt_async(question)
    return choices[letter]
