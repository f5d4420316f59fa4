"""The read-only session against the real server: version, read-only by construction, timeouts, errors."""

from __future__ import annotations

import time

import pytest

from backdev.db.session import DatabaseError, ReadOnlySession
from backdev.db.sqlcheck import check_read_only
from backdev.db.url import parse_database_url

from .db_server import ShopDatabase, shop_db  # noqa: F401  (the fixture)


def session_for(url: str, timeout: float = 5.0) -> ReadOnlySession:
    return ReadOnlySession(parse_database_url(url), timeout)


def test_the_server_version_is_detected(shop_db: ShopDatabase) -> None:
    session = session_for(shop_db.url())
    server = session.server()
    assert server.supported, server.label
    assert server.label.startswith(("MariaDB ", "MySQL "))
    session.close()


def test_the_session_refuses_writes_even_when_asked_directly(shop_db: ShopDatabase) -> None:
    """Underneath the statement check, the connection itself is read-only (as root, who may write)."""
    session = session_for(shop_db.url())
    for statement in ("INSERT INTO side_effects VALUES ('written')", "CREATE TABLE written (a INT)",
                      "CREATE TEMPORARY TABLE written (a INT)"):
        with pytest.raises(DatabaseError, match="read-only"):
            session.catalog(statement)
    assert shop_db.execute("SELECT COUNT(*) FROM side_effects") == [(0,)]
    assert shop_db.execute("SHOW TABLES LIKE 'written'") == []
    session.close()


def test_a_slow_statement_is_stopped_by_the_server_limit(shop_db: ShopDatabase) -> None:
    session = session_for(shop_db.url(), timeout=1.0)
    started = time.monotonic()
    with pytest.raises(DatabaseError, match=r"stopped after 1 s \(the database_timeout setting\)"):
        session.explain(check_read_only("SELECT SLEEP(5)"), "ANALYZE FORMAT=JSON"
                        if session.server().flavor == "mariadb" else "EXPLAIN ANALYZE")
    assert time.monotonic() - started < 3.0
    assert session.catalog("SELECT 1") == [(1,)]  # the session carries on
    session.close()


def test_the_watchdog_stops_what_the_server_limit_did_not(shop_db: ShopDatabase) -> None:
    session = session_for(shop_db.url(), timeout=1.0)
    session.server_side_limit = False
    started = time.monotonic()
    with pytest.raises(DatabaseError, match="stopped after 1 s"):
        session.catalog("SELECT SLEEP(6)")
    assert time.monotonic() - started < 4.0
    session.close()


def test_a_wrong_password_is_one_sentence_without_the_password(shop_db: ShopDatabase) -> None:
    wrong = shop_db.url(as_user=True).replace(shop_db.password, "wrong-password-1234")
    with pytest.raises(DatabaseError) as caught:
        session_for(wrong).server()
    message = str(caught.value)
    assert message.startswith(f"The database refused the login of {shop_db.user} on ")
    assert "wrong-password-1234" not in message and shop_db.password not in message


def test_a_server_that_does_not_answer_is_said_plainly() -> None:
    with pytest.raises(DatabaseError, match=r"Could not connect to 127\.0\.0\.1:1 .*is the server running\?"):
        session_for("mysql://root:secret-pw@127.0.0.1:1/test").server()


def test_an_idle_connection_the_server_closed_is_reopened_once(shop_db: ShopDatabase) -> None:
    session = session_for(shop_db.url())
    thread = session.catalog("SELECT CONNECTION_ID()")[0][0]
    shop_db.execute(f"KILL CONNECTION {int(thread)}")  # as wait_timeout would
    assert session.catalog("SELECT 1") == [(1,)]
    assert session.catalog("SELECT CONNECTION_ID()")[0][0] != thread
    variable = "tx_read_only" if session.server().flavor == "mariadb" else "transaction_read_only"
    assert session.catalog(f"SELECT @@SESSION.{variable}")[0][0] in (1, "1")  # read-only again
    session.close()
