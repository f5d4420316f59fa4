"""The database password never reaches the model, the log file, the session store, an export or doctor."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from backdev import paths
from backdev.fakeapi import FakeAnthropic
from backdev.logs import setup_logging
from backdev.session.export import export_markdown

from .conftest import run_backdev
from .db_helpers import all_text, open_chat
from .db_server import ShopDatabase, shop_db  # noqa: F401  (the fixture)


async def test_the_password_appears_nowhere(tmp_path: Path, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch,
                                            shop_db: ShopDatabase) -> None:
    log_file = setup_logging()
    try:
        chat = open_chat(tmp_path, fake_api, monkeypatch, shop_db.url(as_user=True))
        assert any(f"{shop_db.user}:***@" in note for note in chat.context.notes)  # masked in the start note
        results = await chat.call(
            ("db_schema", {}), ("db_schema", {"table": "shop_order"}),
            ("explain_query", {"sql": "SELECT * FROM shop_order WHERE customer_id = 42"}),
            ("explain_query", {"sql": "SELECT * FROM no_such_table"}),  # an error from the server
            ("explain_query", {"sql": "DELETE FROM shop_order"}),  # a refusal
            ("check_migration", {"path": "shop/migrations/0002_order_changes.py"}),
        )
        assert [bool(r.get("is_error")) for r in results] == [False, False, False, True, True, False]
        # A SELECT-only user sees foreign keys too (MariaDB hides REFERENTIAL_CONSTRAINTS from it).
        assert "Referenced by:\n  shop_orderitem (order_id) via shop_orderitem_order_id_fk" in results[1]["content"]
        # A failed login (which names the user) goes through the same masking.
        wrong = open_chat(tmp_path / "second", fake_api, monkeypatch,
                          shop_db.url(as_user=True).replace(shop_db.password, shop_db.password + "-wrong"))
        assert any("refused the login" in note for note in wrong.context.notes)
    finally:
        root = logging.getLogger("backdev")
        for handler in list(root.handlers):
            handler.close()
            root.removeHandler(handler)
    secret = shop_db.password
    assert secret not in all_text(fake_api)
    assert secret not in log_file.read_text() and "connected to mysql://" in log_file.read_text()
    stored = b"".join(p.read_bytes() for p in paths.session_db_path().parent.glob("sessions.db*"))
    assert secret.encode() not in stored and b"Full table scan" in stored
    assert secret not in export_markdown(chat.assistant.store, chat.assistant.session)
    assert all(secret not in note for note in chat.context.notes + wrong.context.notes)


def test_doctor_shows_the_url_masked_and_the_server(tmp_path: Path, shop_db: ShopDatabase) -> None:
    result = run_backdev("doctor", cwd=tmp_path, env={"BACKDEV_DATABASE_URL": shop_db.url(as_user=True)})
    section = result.stdout.split("\nDatabase\n", 1)[1].split("\nAPI\n", 1)[0]
    assert f"mysql://{shop_db.user}:***@" in section and "(env BACKDEV_DATABASE_URL)" in section
    assert "✓ database: MariaDB 10." in section or "✓ database: MySQL 8." in section
    assert "read-only" in section and "tables in backdev_test_" in section
    assert shop_db.password not in result.stdout + result.stderr
    settings_line = next(x for x in result.stdout.splitlines() if x.strip().startswith("database_url"))
    assert f"{shop_db.user}:***@" in settings_line
