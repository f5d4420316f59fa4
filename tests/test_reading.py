"""Reading files: ranges, caps with explicit notes, binary refused, non-UTF-8 decoded with a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.repo.reading import NotReadable, read_bytes, read_path

CAPS = {"max_bytes": 200_000, "max_lines": 2000}


def lines_file(tmp_path: Path, count: int, name: str = "f.py") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"line {n}\n" for n in range(1, count + 1)))
    return path


def test_whole_file_with_line_numbers(tmp_path: Path) -> None:
    path = lines_file(tmp_path, 12)
    got = read_path(path, "f.py", **CAPS)
    assert (got.start, got.end, got.total_lines) == (1, 12, 12)
    assert got.label == "lines 1–12 of 12" and got.notes == ()
    assert got.text() == "".join(f"line {n}\n" for n in range(1, 13))
    numbered = got.numbered().splitlines()
    assert numbered[0] == " 1\tline 1" and numbered[11] == "12\tline 12"


def test_a_range(tmp_path: Path) -> None:
    got = read_path(lines_file(tmp_path, 100), "f.py", start=10, end=12, **CAPS)
    assert got.lines == ["line 10", "line 11", "line 12"] and got.label == "lines 10–12 of 100"
    assert got.notes == ()  # what was asked for, nothing left out silently
    assert read_path(lines_file(tmp_path, 5), "f.py", start=3, end=99, **CAPS).label == "lines 3–5 of 5"


def test_line_cap_says_which_lines_were_left_out_and_how_to_ask(tmp_path: Path) -> None:
    got = read_path(lines_file(tmp_path, 5000), "f.py", **CAPS)
    assert (got.start, got.end, got.total_lines) == (1, 2000, 5000)
    assert got.notes == ("Lines 2001–5000 of f.py were left out (at most 2,000 lines per read). "
                         "Ask for them with start_line=2001 (and end_line).",)
    custom = read_path(lines_file(tmp_path, 5000), "f.py", hint=lambda a, b: f"Attach @f.py:{a}-{b}.", **CAPS)
    assert custom.notes[0].endswith("Attach @f.py:2001-4000.")


def test_byte_cap_stops_at_a_whole_line(tmp_path: Path) -> None:
    got = read_path(lines_file(tmp_path, 1000), "f.py", max_bytes=100, max_lines=2000)
    assert got.end == 13  # "line 1\n".."line 9\n" = 63 bytes, then 8 bytes each: 13 lines fit in 100
    assert sum(len(x) + 1 for x in got.lines) <= 100
    assert "Lines 14–1000 of f.py were left out (at most 100 bytes per read)" in got.notes[0]


def test_a_single_line_longer_than_the_cap_is_cut_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "min.js"
    path.write_bytes(b"x" * 5000 + b"\nsecond\n")
    got = read_path(path, "min.js", max_bytes=1000, max_lines=100)
    assert got.lines == ["x" * 1000] and got.end == 1 and got.total_lines == 2
    assert any("line 1 is 5,000 bytes long: only its first 1,000 bytes are shown" in n for n in got.notes)


def test_ten_megabyte_file_is_read_within_the_caps(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    row = b"2026-11-26 12:00:00 INFO request handled in 12 ms\n"
    path.write_bytes(row * (10_000_000 // len(row) + 1))
    total = 10_000_000 // len(row) + 1
    got = read_path(path, "big.log", **CAPS)
    assert got.total_lines == total and got.end == 2000
    assert got.notes[0].startswith(f"Lines 2001–{total} of big.log were left out")
    tail = read_path(path, "big.log", start=total - 1, **CAPS)
    assert tail.label == f"lines {total - 1}–{total} of {total}" and tail.notes == ()


def test_binary_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(NotReadable, match="logo.png is a binary file"):
        read_path(path, "logo.png", **CAPS)


def test_non_utf8_is_decoded_with_replacement_and_a_note(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("café au lait\nnaïve\n".encode("latin-1"))
    got = read_path(path, "latin.txt", **CAPS)
    assert got.lines == ["caf\ufffd au lait", "na\ufffdve"]
    assert any("not valid UTF-8" in n and "replacement" in n for n in got.notes)


def test_a_file_deleted_between_listing_and_reading(tmp_path: Path) -> None:
    path = lines_file(tmp_path, 3)
    path.unlink()
    with pytest.raises(NotReadable, match="f.py no longer exists"):
        read_path(path, "f.py", **CAPS)


def test_a_folder_and_a_start_past_the_end(tmp_path: Path) -> None:
    with pytest.raises(NotReadable, match="is a folder"):
        read_path(tmp_path, "sub", **CAPS)
    with pytest.raises(NotReadable, match="has 3 lines: start_line 9 is past the end"):
        read_path(lines_file(tmp_path, 3), "f.py", start=9, **CAPS)


def test_empty_file_and_no_final_newline() -> None:
    assert read_bytes(b"", "e.txt", **CAPS).label == "empty file"
    got = read_bytes(b"a\r\nb", "crlf.txt", **CAPS)
    assert got.lines == ["a", "b"] and got.total_lines == 2


def test_reading_from_a_stream_is_the_same() -> None:
    got = read_bytes(b"one\ntwo\nthree\n", "s.txt", start=2, **CAPS)
    assert got.lines == ["two", "three"] and got.label == "lines 2–3 of 3"
