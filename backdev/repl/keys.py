"""Single-keypress questions in plain mode: an approval is answered by its letter alone.

`y`, `a` or `n` answers at once (upper case too); Enter after the letter, as people type out of
habit, is harmless because the letter already answered. Any other key is ignored, and Ctrl+C or
Ctrl+D gives the default — for approvals that is always the safe answer (deny). Nothing typed here
goes into the input history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


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

    def answer_with(letter: str) -> Any:
        def handler(event: Any) -> None:
            event.app.exit(result=letter)

        return handler

    for letter in choices:
        bindings.add(letter)(answer_with(letter))
        if letter.upper() != letter:
            bindings.add(letter.upper())(answer_with(letter))
    if default is not None:
        bindings.add("c-c")(answer_with(default))
        bindings.add("c-d")(answer_with(default))

    @bindings.add(Keys.Any)
    def _ignore(event: Any) -> None:  # anything else: no echo, no effect
        pass

    @bindings.add("enter")
    def _enter(event: Any) -> None:  # Enter alone is not an answer
        pass

    session: Any = PromptSession(key_bindings=bindings, input=input, output=output)
    letter = await session.prompt_async(question)
    return choices[letter]
