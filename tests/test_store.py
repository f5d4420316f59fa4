"""The SQLite session store: migrations, sessions by folder, messages, usage, state."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backdev.llm.events import Usage
from backdev.session.migrations import MIGRATIONS, migrate
from backdev.session.store import SessionNotFoundError, SessionStore


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "data" / "sessions.db")


def test_nothing_is_created_until_first_use(tmp_path: Path) -> None:
    SessionStore(tmp_path / "data" / "sessions.db")
    assert not (tmp_path / "data").exists()


def test_migrations_are_numbered_and_run_once(store: SessionStore) -> None:
    assert sorted(MIGRATIONS) == list(range(1, len(MIGRATIONS) + 1))
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == max(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert migrate(store.db) == max(MIGRATIONS)  # idempotent


def test_a_newer_database_is_refused_clearly(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("PRAGMA user_version = 999")
    with pytest.raises(RuntimeError, match="newer backdev"):
        migrate(db)


def test_sessions_are_keyed_by_folder_and_found_by_prefix(store: SessionStore) -> None:
    a = store.create_session("/repo/a", "backend-developer", "claude-sonnet-5-5")
    b = store.create_session("/repo/b", "backend-developer", "claude-sonnet-5-5")
    store.append_message(a.id, turn=1, role="user", content=[{"type": "text", "text": "hi"}], text="hi")
    assert store.latest_session("/repo/a").id == a.id
    assert store.latest_session("/nowhere") is None
    assert [s.record.id for s in store.list_sessions("/repo/b")] == [b.id]
    assert {s.record.id for s in store.list_sessions()} == {a.id, b.id}
    assert store.get_session(a.id[:5]).id == a.id
    assert store.get_session(a.id).title == "hi"
    with pytest.raises(SessionNotFoundError, match="sessions list"):
        store.get_session("zzzz")


def test_messages_round_trip_with_status_meta_and_usage(store: SessionStore) -> None:
    s = store.create_session("/r", "p", "claude-sonnet-5-5")
    row = store.append_message(s.id, turn=1, role="assistant", content=[{"type": "text", "text": "x"}], text="x",
                               status="interrupted", meta={"error": "cut"}, usage=Usage(1, 2, 3, 4),
                               model="claude-sonnet-5-5")
    assert store.messages(s.id) == [row]
    assert row.usage == Usage(1, 2, 3, 4) and row.meta == {"error": "cut"}
    store.set_status(row.id, "superseded")
    assert store.messages(s.id)[0].status == "superseded"
    assert store.usage_by_model(s.id) == {"claude-sonnet-5-5": Usage(1, 2, 3, 4)}


def test_draft_state_and_delete(store: SessionStore) -> None:
    s = store.create_session("/r", "p", "m")
    store.update_session(s.id, draft="half typed")
    store.set_state(s.id, "phase", {"current": "design"})
    got = store.get_session(s.id)
    assert got.draft == "half typed" and got.state == {"phase": {"current": "design"}}
    store.append_message(s.id, turn=1, role="user", content=[], text="sent")
    assert store.get_session(s.id).draft == ""  # sending clears the draft
    store.delete_session(s.id)
    assert store.messages(s.id) == []
    with pytest.raises(SessionNotFoundError):
        store.get_session(s.id)


def test_listing_sessions_takes_a_fixed_number_of_queries(store: SessionStore) -> None:
    """No query per session (an N+1): listing 30 sessions costs what listing 3 does."""

    def statements_to_list(count: int) -> tuple[int, list[object]]:
        for i in range(count):
            record = store.create_session(f"/repo/n{count}", "p", "m")
            for model in ("claude-sonnet-5-5", "claude-haiku-5-5"):
                store.append_message(record.id, turn=1, role="assistant", content=[], text=f"{i}",
                                     usage=Usage(10, i, 0, 1), model=model)
        seen: list[str] = []
        store.db.set_trace_callback(seen.append)
        try:
            listed = store.list_sessions(f"/repo/n{count}")
        finally:
            store.db.set_trace_callback(None)
        return len(seen), listed

    few, _ = statements_to_list(3)
    many, listed = statements_to_list(30)
    assert many == few <= 2
    assert len(listed) == 30 and listed[0].messages == 2
    assert listed[0].usage_by_model == {"claude-sonnet-5-5": Usage(10, 29, 0, 1), "claude-haiku-5-5": Usage(10, 29, 0, 1)}
    assert {s.record.id: s.usage_by_model for s in listed} == {
        s.record.id: store.usage_by_model(s.record.id) for s in listed}


def test_a_draft_or_title_with_a_lone_surrogate_is_kept_not_refused(store: SessionStore) -> None:
    # A draft is what the person typed; undecodable input must not make keeping it fail.
    s = store.create_session("/r", "p", "m")
    store.update_session(s.id, draft="half \udcff typed", title="t \ud800")
    got = store.get_session(s.id)
    assert (got.draft, got.title) == ("half \ufffd typed", "t \ufffd")


def test_messages_read_again_see_every_change_of_this_and_another_connection(store: SessionStore) -> None:
    """The store reuses what it decoded (a long session's history is read several times a turn);
    whatever changed since, here or in another process, is read afresh."""
    session = store.create_session("/repo", "backend-developer", "claude-sonnet-5-5")
    first = store.append_message(session.id, turn=1, role="user", content=[{"type": "text", "text": "one"}], text="one")
    assert [m.text for m in store.messages(session.id)] == ["one"]
    other = SessionStore(store.path)  # another backdev on the same data folder
    assert [m.text for m in other.messages(session.id)] == ["one"]
    other.append_message(session.id, turn=2, role="user", content=[{"type": "text", "text": "two"}], text="two")
    other.set_status(first.id, "superseded")
    assert [(m.text, m.status) for m in store.messages(session.id)] == [("one", "superseded"), ("two", "complete")]
    store.update_meta(store.messages(session.id)[1].id, noted=True)
    assert store.messages(session.id)[1].meta == {"noted": True}
    assert [m.meta for m in other.messages(session.id)] == [{}, {"noted": True}]
    returned = store.messages(session.id)
    returned.clear()  # a caller's list is its own
    assert len(store.messages(session.id)) == 2


def test_the_messages_read_stay_good_across_session_only_writes(store: SessionStore) -> None:
    session = store.create_session("/repo", "backend-developer", "claude-sonnet-5-5")
    store.append_message(session.id, turn=1, role="user", content=[{"type": "text", "text": "one"}], text="one")
    first = store.messages(session.id)
    store.set_state(session.id, "calibration", {"ratio": 1.1, "samples": 1})
    store.update_session(session.id, draft="typing")
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    assert store.messages(session.id) == first
    assert not [s for s in statements if "FROM messages" in s], statements  # only the session's row changed
    store.db.set_trace_callback(None)
    store.set_status(first[0].id, "superseded")
    assert store.messages(session.id)[0].status == "superseded"


def test_a_store_closed_and_opened_again_does_not_trust_a_list_read_before(store: SessionStore) -> None:
    # `PRAGMA data_version` counts per connection: a new connection may start at the very number the
    # old one had, though another process wrote in between.
    session = store.create_session("/repo", "backend-developer", "claude-sonnet-5-5")
    store.append_message(session.id, turn=1, role="user", content=[{"type": "text", "text": "one"}], text="one")
    assert [m.text for m in store.messages(session.id)] == ["one"]
    store.close()
    other = SessionStore(store.path)
    other.append_message(session.id, turn=2, role="user", content=[{"type": "text", "text": "two"}], text="two")
    other.close()
    assert [m.text for m in store.messages(session.id)] == ["one", "two"]


def test_every_folder_the_store_makes_is_private(tmp_path: Path) -> None:
    import stat

    store = SessionStore(tmp_path / "home" / "data" / "sessions.db")
    store.create_session(str(tmp_path), "backend-developer", "claude-sonnet-5-5")
    store.close()
    for folder in (tmp_path / "home", tmp_path / "home" / "data"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
