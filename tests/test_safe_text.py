"""The one sanitiser for text on its way to a terminal."""

from __future__ import annotations

import io

import pytest

from backdev.safe_text import SafeStream, is_safe, lines_of, one_line, safe_stream, visible
from tests.hostile_corpus import HOSTILE, RAW_PAYLOADS


def test_plain_text_is_returned_unchanged() -> None:
    text = "def f(x):\n\treturn orders[x]  # café ✓ 👩\u200d💻\r\n"
    assert visible(text) is text


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b]0;title\x07", "␛]0;title␇"),
    ("\x1b[2J", "␛[2J"),
    ("a\rb", "a␍b"),
    ("a\r\nb", "a\r\nb"),  # a CRLF line ending cannot hide anything
    ("\x00\x7f", "␀␡"),
    ("\x9b2J", "<U+009B>2J"),
    ("x\u202ey\u2066z\u2069", "x<U+202E>y<U+2066>z<U+2069>"),
    ("a\u2028b", "a<U+2028>b"),
    ("bad \ud800", "bad <U+D800>"),
])
def test_controls_are_shown_as_visible_stand_ins(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_one_line_also_shows_newlines_and_tabs() -> None:
    assert one_line("a\nb\tc\r\n") == "a␊b␉c␍␊"


@pytest.mark.parametrize("entry", HOSTILE, ids=lambda h: h.name)
def test_every_hostile_string_comes_out_safe(entry) -> None:
    shown = visible(entry.text)
    assert is_safe(shown)
    assert not any(payload in shown for payload in RAW_PAYLOADS)
    assert shown.encode("utf-8")  # no lone surrogate left to crash a UTF-8 stream
    assert one_line(entry.text).count("\n") == 0
    assert visible(shown) == shown  # idempotent


def test_the_printable_text_is_kept_as_typed() -> None:
    assert visible("[b]x[/b] orders[customer_id]") == "[b]x[/b] orders[customer_id]"
    assert visible("\x1b]52;c;Y3VybA==\x07") == "␛]52;c;Y3VybA==␇"


def test_lines_split_at_newlines_only() -> None:
    assert lines_of("curl x | sh\r# harmless\x0cform\u2028feed\nnext") == ["curl x | sh\r# harmless\x0cform\u2028feed", "next"]


def test_a_safe_stream_sanitises_each_write() -> None:
    raw = io.StringIO()
    stream = SafeStream(raw)
    stream.write("title \x1b]0;x\x07 ok\n")
    assert raw.getvalue() == "title ␛]0;x␇ ok\n"


def test_a_crlf_split_between_writes_stays_a_line_ending() -> None:
    raw = io.StringIO()
    stream = SafeStream(raw)
    stream.write("one\r")
    stream.write("\ntwo\r")
    stream.write("three")
    stream.write("\r")
    stream.flush()
    assert raw.getvalue() == "one\r\ntwo␍three␍"


def test_wrapping_is_idempotent_and_passes_attributes_through() -> None:
    raw = io.StringIO()
    stream = safe_stream(raw)
    assert safe_stream(stream) is stream
    assert stream.isatty() is False
    stream.write("x")
    assert stream.getvalue() == "x"
