"""When the turn's worker pauses a buffered reply for a paint (backdev.tui.paint_pace)."""

from __future__ import annotations

from backdev.tui.paint_pace import KEEP_PAINTING, PaintPacer
from backdev.tui.widgets.reply import FRAME_RATE


def paints(pacer: PaintPacer, deltas: list[tuple[float, str]]) -> list[str]:
    """The deltas after which the screen paints, each paint taking no time."""
    painted = []
    for at, text in deltas:
        if pacer.wants_paint(text, at):
            pacer.painted(text, at)
            painted.append(text)
    return painted


def test_the_end_of_the_first_line_then_every_interval() -> None:
    step = 0.001
    deltas = [(0.0, "### Ans"), (step, "wer to"), (2 * step, " it\n\nThe"), (3 * step, " view")]
    deltas += [(3 * step + k * KEEP_PAINTING / 4, f" word{k}") for k in range(1, 9)]
    assert paints(PaintPacer(), deltas) == [" it\n\nThe", " word4", " word8"]


def test_an_open_first_line_is_painted_a_frame_after_its_first_words_then_once_a_frame() -> None:
    frame = 1 / FRAME_RATE
    deltas = [(0.0, "a"), (frame / 2, "b"), (frame * 1.01, "c"), (frame * 1.5, "d"), (frame * 2.02, "e")]
    assert paints(PaintPacer(), deltas) == ["c", "e"]


def test_a_new_message_gets_its_own_first_paints() -> None:
    pacer = PaintPacer()
    assert paints(pacer, [(0.0, "one\n"), (0.001, "two")]) == ["one\n"]
    pacer.message_started()
    assert paints(pacer, [(0.002, "after"), (0.003, " the tool\n")]) == [" the tool\n"]
