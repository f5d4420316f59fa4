"""The database URL: parsing, masking, and errors that never repeat the password."""

from __future__ import annotations

import pytest

from backdev.db.url import DatabaseURL, DatabaseURLError, parse_database_url


def test_a_full_url_is_parsed() -> None:
    url = parse_database_url("mysql://shop:s3cr%40t@db.local:3307/shop_dev?charset=utf8mb4")
    assert (url.user, url.password, url.host, url.port, url.database) == ("shop", "s3cr@t", "db.local", 3307, "shop_dev")
    assert url.options == {"charset": "utf8mb4"}


@pytest.mark.parametrize("scheme", ["mysql", "mariadb", "mysql+pymysql", "mysql2", "mysqlx"])
def test_mysql_schemes_are_accepted(scheme: str) -> None:
    assert parse_database_url(f"{scheme}://root@127.0.0.1/test").port == 3306


def test_the_masked_form_hides_the_password_and_keeps_the_rest() -> None:
    url = parse_database_url("mysql://shop:hunter2-very-secret@db.local:3307/shop_dev")
    assert url.masked() == "mysql://shop:***@db.local:3307/shop_dev"
    assert "hunter2" not in repr(url) and "hunter2" not in str(url)
    assert parse_database_url("mysql://root@127.0.0.1/test").masked() == "mysql://root@127.0.0.1:3306/test"


def test_a_unix_socket_is_an_option() -> None:
    url = parse_database_url("mysql://root@localhost/test?unix_socket=/run/mysqld/mysqld.sock")
    assert url.connect_arguments()["unix_socket"] == "/run/mysqld/mysqld.sock"


@pytest.mark.parametrize(("raw", "words"), [
    ("postgres://u:pw-secret-1@h/db", "not a MySQL or MariaDB URL"),
    ("mysql://u:pw-secret-1@h", "names no database"),
    ("mysql://u:pw-secret-1@h:notaport/db", "port"),
    ("mysql://u:pw-secret-1@/db", "no host"),
    ("mysql://u:pw-secret-1@h/db?sslmode=require&evil=1", "unknown option"),
    ("just words", "not a MySQL or MariaDB URL"),
])
def test_bad_urls_are_refused_without_repeating_the_password(raw: str, words: str) -> None:
    with pytest.raises(DatabaseURLError) as caught:
        parse_database_url(raw)
    assert words in str(caught.value) and "pw-secret-1" not in str(caught.value)


def test_two_urls_name_the_same_database() -> None:
    a = parse_database_url("mysql://a:x@127.0.0.1:3306/shop")
    b = parse_database_url("mariadb://b:y@127.0.0.1/shop")
    c = parse_database_url("mysql://a:x@127.0.0.1/scratch")
    assert a.same_database(b) and not a.same_database(c)
    assert isinstance(a, DatabaseURL)
