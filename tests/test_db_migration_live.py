"""check_migration against the live shop tables, and confirmed by the server on a scratch database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from backdev.fakeapi import FakeAnthropic

from .db_helpers import open_chat
from .db_server import ShopDatabase, admin_connect, shop_db  # noqa: F401  (the fixture)

PATH = "shop/migrations/0002_order_changes.py"


def paragraphs(text: str) -> dict[int, str]:
    """The report's numbered paragraphs by number."""
    found: dict[int, str] = {}
    for block in text.split("\n\n"):
        head = block.split(".", 1)[0]
        if head.isdigit():
            found[int(head)] = block
    return found


@pytest.fixture
def scratch(shop_db: ShopDatabase) -> Iterator[str]:
    """A throwaway database for the confirmations (dropped afterwards)."""
    name = f"backdev_scratch_{secrets.token_hex(4)}"
    admin = admin_connect()
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
    try:
        yield shop_db.url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE `{name}`")
        admin.close()


async def test_each_operation_gets_its_algorithm_locking_and_advice(tmp_path: Path, fake_api: FakeAnthropic,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     shop_db: ShopDatabase) -> None:
    chat = open_chat(tmp_path, fake_api, monkeypatch, shop_db.url(as_user=True))
    (result,) = await chat.call(("check_migration", {"path": PATH}))
    text = result["content"]
    assert not result.get("is_error"), text
    assert text.startswith("Migration shop.0002_order_changes on MariaDB 10.") or text.startswith(
        "Migration shop.0002_order_changes on MySQL 8.")
    ops = paragraphs(text)
    assert ops[1].startswith("1. AddField shop_order.note (CharField, nullable) (line 13)")
    assert "algorithm: instant · writes go on" in ops[1]
    assert "AddField shop_order.referrer_id (ForeignKey, nullable)" in ops[2]
    assert "algorithm: full table copy · blocks writes while it runs" in ops[2] and "time: " in ops[2]
    assert "~3" in ops[2] or "~2" in ops[2]  # the live row count drives the estimate
    assert "db_constraint=False" in ops[2]
    assert "AlterField shop_order.status → CharField" in ops[3]
    assert "algorithm: instant" in ops[3] or "algorithm: in place" in ops[3]  # a VARCHAR that grows
    assert "algorithm: full table copy" in ops[4] and "decimal(10,2) to decimal(12,2)" in ops[4]
    assert "AddIndex shop_order (customer_id)" in ops[5] and "algorithm: in place · writes go on" in ops[5]
    assert "RemoveField shop_orderitem.quantity" in ops[6] and "gone for good" in ops[6]
    assert "RunPython" in ops[7] and "no reverse_code" in ops[7]
    assert "Note: Every ALTER, even an instant one, needs a short exclusive metadata lock" in text
    assert "already applied" not in text
    assert chat.approvals == []  # reading and judging needs no approval


async def test_the_scratch_database_confirms_the_verdicts(tmp_path: Path, fake_api: FakeAnthropic,
                                                          monkeypatch: pytest.MonkeyPatch, shop_db: ShopDatabase,
                                                          scratch: str) -> None:
    monkeypatch.setenv("BACKDEV_SCRATCH_DATABASE_URL", scratch)
    chat = open_chat(tmp_path, fake_api, monkeypatch, shop_db.url(as_user=True))
    (result,) = await chat.call(("check_migration", {"path": PATH, "confirm": True}))
    (request,) = chat.approvals
    assert request.kind == "run" and "scratch database" in request.title and "AddField order" in request.detail
    ops = paragraphs(result["content"])
    assert "confirmed on the scratch database: ADD COLUMN `note` varchar(200) NULL → the server accepted ALGORITHM=INSTANT" in ops[1]
    assert "the server refused INSTANT and INPLACE, LOCK=NONE, so it would copy the table" in ops[2]
    assert "the server refused INSTANT and INPLACE" in ops[4]
    assert "the server accepted ALGORITHM=INPLACE, LOCK=NONE" in ops[5]
    assert "DROP COLUMN `quantity` → the server accepted ALGORITHM=INSTANT" in ops[6]
    admin = admin_connect(scratch.rsplit("/", 1)[1])
    with admin.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        assert cursor.fetchall() == ()  # every probe table is gone
    admin.close()
    # The live tables were never touched.
    assert not shop_db.execute("SHOW COLUMNS FROM shop_order LIKE 'note'")


async def test_an_applied_migration_and_a_missing_file_are_said(tmp_path: Path, fake_api: FakeAnthropic,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                shop_db: ShopDatabase) -> None:
    chat = open_chat(tmp_path, fake_api, monkeypatch, shop_db.url())
    (initial,) = await chat.call(("check_migration", {"path": PATH.replace("0002_order_changes", "0001_initial")}))
    assert initial["is_error"] and "exists" in initial["content"]
    shop_db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0002_order_changes', NOW())")
    try:
        (applied,) = await chat.call(("check_migration", {"path": PATH}))
    finally:
        shop_db.execute("DELETE FROM django_migrations WHERE name = '0002_order_changes'")
    assert "shop.0002_order_changes is already applied on this database" in applied["content"]
    (outside,) = await chat.call(("check_migration", {"path": "../../etc/passwd"}))
    assert outside["is_error"] and "outside the repository" in outside["content"]
