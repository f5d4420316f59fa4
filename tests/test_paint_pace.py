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


def test_a_long_first_line_read_within_a_frame_is_painted_before_it_can_fill_a_screen() -> None:
    # A reply whose first paragraph is one long line, read faster than a frame (a fast machine reads
    # thousands of characters of a buffered reply in 16 ms): painted only a frame after its first
    # words, its start had already scrolled off the top at the first paint.
    from backdev.tui.paint_pace import FIRST_PAINT_CHARS

    pacer = PaintPacer()
    taken, painted_at = 0, []
    for k in range(2000):  # 10,000 characters in 2 ms
        text = "Reply" if k == 0 else " more"
        taken += len(text)
        if pacer.wants_paint(text, k * 1e-6):
            pacer.painted(text, k * 1e-6)
            painted_at.append(taken)
    assert len(painted_at) == 1 and FIRST_PAINT_CHARS <= painted_at[0] < FIRST_PAINT_CHARS + 5, painted_at
    assert FIRST_PAINT_CHARS <= 58 * 15 // 2  # at most half a 60x20 terminal's transcript
