"""The real MariaDB/MySQL the database tests run against, and a shop schema made in it.

The server is the one on 127.0.0.1:3306 (root, empty password), or `BACKDEV_TEST_DATABASE_URL`.
Each test run makes its own database (`backdev_test_<random>`) and drops it at the end. Without a
server (or without the `mysql` extra) the tests skip — except in CI (`CI=true`), where they fail.

The shop: `shop_customer` (20,000 rows, unique email), `shop_order` (300,000 rows; `customer_id`
deliberately has no index, `status` has one), `shop_orderitem` (60,000 rows, indexed foreign key
to the orders), written with multi-row INSERT … SELECT from a digits table, then ANALYZEd so the
row estimates are real.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ADMIN_URL = os.environ.get("BACKDEV_TEST_DATABASE_URL", "mysql://root@127.0.0.1:3306/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ORDERS = 300_000
CUSTOMERS = 20_000
ITEMS = 60_000


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"The database tests need a server in CI: {reason}", pytrace=False)
    pytest.skip(f"no database server: {reason}")


def admin_connect(database: str | None = None) -> Any:
    """A root connection for setting up and checking (never the one the tools use)."""
    try:
        import pymysql
    except ImportError:
        _unavailable("PyMySQL is not installed (pip install -e '.[test]')")
    from backdev.db.url import parse_database_url

    url = parse_database_url(ADMIN_URL)
    arguments = url.connect_arguments()
    arguments["database"] = database
    try:
        return pymysql.connect(**arguments, autocommit=True, connect_timeout=3)
    except pymysql.err.OperationalError as exc:
        _unavailable(f"{url.masked()} does not answer ({exc.args[-1]})")


@dataclass
class ShopDatabase:
    """The test database: its name, and URLs for root and for a SELECT-only user with a password."""

    name: str
    user: str
    password: str

    def url(self, *, as_user: bool = False) -> str:
        from backdev.db.url import parse_database_url

        admin = parse_database_url(ADMIN_URL)
        if as_user:
            return f"mysql://{self.user}:{self.password}@{admin.host}:{admin.port}/{self.name}"
        auth = admin.user + (f":{admin.password}" if admin.password else "")
        return f"mysql://{auth}@{admin.host}:{admin.port}/{self.name}"

    def execute(self, *statements: str) -> list[tuple[Any, ...]]:
        """Run statements as root in the test database; returns the last one's rows."""
        connection = admin_connect(self.name)
        try:
            rows: list[tuple[Any, ...]] = []
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                    rows = list(cursor.fetchall())
            return rows
        finally:
            connection.close()


SCHEMA = [
    "CREATE TABLE digits (d INT NOT NULL PRIMARY KEY)",
    "INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)",
    """CREATE TABLE shop_customer (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        email VARCHAR(254) NOT NULL,
        name VARCHAR(100) NOT NULL,
        created_at DATETIME(6) NOT NULL,
        UNIQUE KEY shop_customer_email_uniq (email)
    ) ENGINE=InnoDB""",
    """CREATE TABLE shop_order (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        customer_id INT NOT NULL,
        status VARCHAR(20) NOT NULL,
        total DECIMAL(10, 2) NOT NULL,
        created_at DATETIME(6) NOT NULL,
        KEY shop_order_status_idx (status)
    ) ENGINE=InnoDB""",
    """CREATE TABLE shop_orderitem (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        order_id INT NOT NULL,
        product VARCHAR(100) NOT NULL,
        quantity INT NOT NULL,
        KEY shop_orderitem_order_id_idx (order_id),
        CONSTRAINT shop_orderitem_order_id_fk FOREIGN KEY (order_id) REFERENCES shop_order (id)
    ) ENGINE=InnoDB""",
    "CREATE TABLE side_effects (note VARCHAR(100) NOT NULL)",
    "CREATE TABLE django_migrations (id INT AUTO_INCREMENT PRIMARY KEY, app VARCHAR(255) NOT NULL, "
    "name VARCHAR(255) NOT NULL, applied DATETIME(6) NOT NULL)",
    "INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0001_initial', NOW())",
]

_SEQUENCE = ("(SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n "
             "FROM digits a, digits b, digits c, digits e, digits f, digits g) seq")
DATA = [
    f"INSERT INTO shop_customer (id, email, name, created_at) SELECT n + 1, CONCAT('c', n, '@example.com'), "
    f"CONCAT('Customer ', n), '2024-01-01' + INTERVAL (n % 700) DAY FROM {_SEQUENCE} WHERE n < {CUSTOMERS}",
    f"INSERT INTO shop_order (id, customer_id, status, total, created_at) SELECT n + 1, (n * 7919) % {CUSTOMERS} + 1, "
    f"ELT(1 + n % 4, 'new', 'paid', 'shipped', 'cancelled'), (n % 1000) / 10, '2024-01-01' + INTERVAL (n % 700) DAY "
    f"FROM {_SEQUENCE} WHERE n < {ORDERS}",
    f"INSERT INTO shop_orderitem (order_id, product, quantity) SELECT (n * 13) % {ORDERS} + 1, CONCAT('product ', n % 500), "
    f"1 + n % 5 FROM {_SEQUENCE} WHERE n < {ITEMS}",
    "ANALYZE TABLE shop_customer, shop_order, shop_orderitem",
]


STALE_AFTER_HOURS = 6


def drop_stale(cursor: Any) -> None:
    """Drop what a killed test run left behind (its database and user), once it is clearly not in use."""
    cursor.execute(
        "SELECT s.SCHEMA_NAME FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t "
        "ON t.TABLE_SCHEMA = s.SCHEMA_NAME WHERE s.SCHEMA_NAME LIKE 'backdev\\_test\\_%%' GROUP BY s.SCHEMA_NAME "
        "HAVING COALESCE(MAX(t.CREATE_TIME), '2000-01-01') < NOW() - INTERVAL %s HOUR", (STALE_AFTER_HOURS,))
    for (name,) in cursor.fetchall():
        token = name.removeprefix("backdev_test_")
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"DROP USER IF EXISTS 'bd_{token}'@'%'")


@pytest.fixture(scope="session")
def shop_db() -> Iterator[ShopDatabase]:
    """The shop schema with data, in its own database for this test run (dropped afterwards)."""
    token = secrets.token_hex(4)
    name = f"backdev_test_{token}"
    shop = ShopDatabase(name, f"bd_{token}", f"pw-{secrets.token_hex(8)}-not-for-the-model")
    admin = admin_connect()
    try:
        with admin.cursor() as cursor:
            drop_stale(cursor)
            cursor.execute(f"CREATE DATABASE `{name}`")
            cursor.execute(f"CREATE USER '{shop.user}'@'%' IDENTIFIED BY '{shop.password}'")
            cursor.execute(f"GRANT SELECT ON `{name}`.* TO '{shop.user}'@'%'")
        shop.execute(*SCHEMA, *DATA)
        yield shop
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"DROP USER IF EXISTS '{shop.user}'@'%'")
        admin.close()
