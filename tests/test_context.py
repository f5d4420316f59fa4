"""Rebuilding the model's conversation from stored rows: always valid, never poisoned by a failure."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from backdev.fakeapi.validate import request_problem
from backdev.session.context import MARKERS, NOT_RUN_CLOSED, api_messages, left_out_questions, unanswered_turns
from backdev.session.store import SessionStore, StoredMessage


class Rows:
    """A session's rows, written through the real store."""

    def __init__(self, tmp_path: Path) -> None:
        self.store = SessionStore(tmp_path / "s.db")
        self.session = self.store.create_session("/r", "p", "m")
        self.turn = 0

    def ask(self, text: str) -> None:
        self.turn += 1
        self.add("user", text)

    def add(self, role: str, text: str, status: str = "complete", *, kind: str = "message",
            content: list[dict[str, Any]] | None = None, meta: dict[str, Any] | None = None) -> None:
        blocks = content if content is not None else ([{"type": "text", "text": text}] if text else [])
        self.store.append_message(self.session.id, turn=self.turn, role=role, kind=kind, content=blocks, text=text,
                                  status=status, meta=meta)  # type: ignore[arg-type]

    def call(self, call_id: str, text: str = "") -> None:
        blocks = ([{"type": "text", "text": text}] if text else []) + [
            {"type": "tool_use", "id": call_id, "name": "look", "input": {}}]
        self.add("assistant", text, content=blocks)

    def result(self, call_id: str, content: str = "ok") -> None:
        self.add("user", "look", kind="tool_results",
                 content=[{"type": "tool_result", "tool_use_id": call_id, "content": content}])

    @property
    def rows(self) -> list[StoredMessage]:
        return self.store.messages(self.session.id)

    def sent(self) -> list[dict[str, Any]]:
        messages = api_messages(self.rows)
        problem = request_problem({"model": "m", "max_tokens": 10, "messages": messages})
        assert problem is None, problem
        return messages


def texts(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in message["content"] if b["type"] == "text"]


def test_partial_replies_are_sent_marked_and_superseded_ones_are_not(tmp_path: Path) -> None:
    rows = Rows(tmp_path)
    rows.add("assistant", "orphan before any question")
    rows.ask("q1")
    rows.add("assistant", "half", "superseded")
    rows.add("assistant", "half again", "cancelled")
    rows.ask("q2")
    rows.add("assistant", "cut", "interrupted")
    rows.ask("q3")
    messages = rows.sent()
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert texts(messages[1]) == [f"half again\n\n{MARKERS['cancelled']}"]
    assert texts(messages[3])[0].endswith(MARKERS["interrupted"])


def test_a_failed_turn_is_left_out_and_the_next_message_is_sent_on_its_own(tmp_path: Path) -> None:
    rows = Rows(tmp_path)
    rows.ask("q1")
    rows.add("assistant", "a1")
    rows.ask("bad")
    rows.add("assistant", "", "failed", meta={"error": "400"})
    assert [texts(m) for m in rows.sent()] == [["q1"], ["a1"], ["bad"]]  # the last turn: /retry sends it
    rows.ask("second")
    assert [texts(m) for m in rows.sent()] == [["q1"], ["a1"], ["second"]]
    assert [r.text for r in left_out_questions(rows.rows)] == ["bad"]
    assert unanswered_turns(rows.rows) == {2, 3}  # "second" has no reply yet


def test_a_message_whose_process_died_before_any_reply_is_left_out(tmp_path: Path) -> None:
    rows = Rows(tmp_path)
    rows.ask("killed while waiting")
    rows.ask("cancelled at once")
    rows.add("assistant", "", "cancelled")
    rows.ask("now")
    assert [texts(m) for m in rows.sent()] == [["now"]]


def test_a_failed_turn_after_tool_rounds_is_left_out_whole(tmp_path: Path) -> None:
    rows = Rows(tmp_path)
    rows.ask("read it")
    rows.call("toolu_1", "Reading.")
    rows.result("toolu_1", "x" * 1000)
    rows.add("assistant", "", "failed", meta={"error": "too large"})
    rows.ask("smaller please")
    assert [texts(m) for m in rows.sent()] == [["smaller please"]]


def test_a_call_left_open_when_backdev_was_closed_gets_a_not_run_result(tmp_path: Path) -> None:
    rows = Rows(tmp_path)
    rows.ask("edit it")
    rows.call("toolu_1", "I will edit.")  # the approval was pending when the process died
    messages = rows.sent()
    assert messages[-1]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": NOT_RUN_CLOSED, "is_error": True}]
    rows.ask("what happened?")  # a later message, e.g. sent by an older backdev after the kill
    messages = rows.sent()
    assert [b["type"] for b in messages[-1]["content"]] == ["tool_result", "text"]


def test_a_result_that_answers_no_call_is_dropped(tmp_path: Path) -> None:
    rows = Rows(tmp_path)
    rows.ask("q")
    rows.add("assistant", "plain answer")
    rows.result("toolu_gone")
    rows.ask("next")
    messages = rows.sent()
    assert [texts(m) for m in messages] == [["q"], ["plain answer"], ["next"]]


def test_empty_replies_and_blank_text_blocks_are_not_sent(tmp_path: Path) -> None:
    rows = Rows(tmp_path)
    rows.ask("q")
    rows.add("assistant", "", content=[{"type": "text", "text": ""}])
    rows.add("assistant", "   ", "complete")
    rows.ask("again")
    rows.add("assistant", "answer")
    rows.ask("third")
    assert [texts(m) for m in rows.sent()] == [["again"], ["answer"], ["third"]]


@pytest.mark.parametrize("seed", range(40))
def test_any_mix_of_stored_rows_gives_a_valid_conversation(tmp_path: Path, seed: int) -> None:
    """Whatever was saved (cut, cancelled, killed, failed, retried), what is sent is valid."""
    chance = random.Random(seed)
    rows = Rows(tmp_path)
    calls = 0
    for _ in range(chance.randint(1, 8)):
        rows.ask(f"question {rows.turn + 1}")
        for _ in range(chance.randint(0, 3)):
            kind = chance.choice(["text", "empty", "call", "call", "failed", "cancelled", "interrupted",
                                  "superseded", "stray", "nothing"])
            if kind == "text":
                rows.add("assistant", "an answer")
            elif kind == "empty":
                rows.add("assistant", "", content=[])
            elif kind == "call":
                calls += 1
                rows.call(f"toolu_{calls}", chance.choice(["", "Looking."]))
                if chance.random() < 0.7:
                    rows.result(f"toolu_{calls}")
            elif kind == "stray":
                rows.result(f"toolu_stray{calls}")
            elif kind != "nothing":
                rows.add("assistant", chance.choice(["", "part of it"]), kind)
    assert rows.sent()
