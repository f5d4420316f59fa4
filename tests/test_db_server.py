"""Server version detection: MySQL 8.0+ and MariaDB 10.6+, from VERSION() and @@version_comment."""

from __future__ import annotations

import pytest

from backdev.db.server import ServerVersion


@pytest.mark.parametrize(("version", "comment", "flavor", "numbers", "label"), [
    ("10.11.19-MariaDB-0+deb12u1", "Debian 12", "mariadb", (10, 11, 19), "MariaDB 10.11.19"),
    ("11.4.2-MariaDB", "mariadb.org binary distribution", "mariadb", (11, 4, 2), "MariaDB 11.4.2"),
    ("8.0.36", "MySQL Community Server - GPL", "mysql", (8, 0, 36), "MySQL 8.0.36"),
    ("8.4.0-commercial", "MySQL Enterprise Server - Commercial", "mysql", (8, 4, 0), "MySQL 8.4.0"),
    ("8.0.35-27", "Percona Server (GPL), Release 27", "mysql", (8, 0, 35), "MySQL 8.0.35"),
    # MariaDB's replication-compatible prefix, seen on old 10.x builds.
    ("5.5.5-10.6.12-MariaDB-log", "", "mariadb", (10, 6, 12), "MariaDB 10.6.12"),
])
def test_versions_are_recognised(version: str, comment: str, flavor: str, numbers: tuple[int, int, int],
                                 label: str) -> None:
    server = ServerVersion.parse(version, comment)
    assert (server.flavor, server.numbers, server.label) == (flavor, numbers, label)
    assert server.supported and server.note == ""


@pytest.mark.parametrize(("version", "words"), [
    ("5.7.44", "MySQL 5.7.44 is older than MySQL 8.0"),
    ("10.5.22-MariaDB", "MariaDB 10.5.22 is older than MariaDB 10.6"),
])
def test_older_servers_get_a_note(version: str, words: str) -> None:
    server = ServerVersion.parse(version, "")
    assert not server.supported and words in server.note


def test_features_follow_the_version() -> None:
    mysql_8_0_20 = ServerVersion.parse("8.0.20", "")
    mysql_8_0_30 = ServerVersion.parse("8.0.30", "")
    mariadb = ServerVersion.parse("10.6.1-MariaDB", "")
    assert mysql_8_0_20.instant_drop_column is False and mysql_8_0_30.instant_drop_column is True
    assert mysql_8_0_20.instant_rename_column is False and mysql_8_0_30.instant_rename_column is True
    assert mariadb.instant_drop_column and mariadb.instant_rename_column
    assert mysql_8_0_20.timeout_variable == "max_execution_time" and mariadb.timeout_variable == "max_statement_time"
    assert mysql_8_0_20.timeout_value(2.5) == "2500" and mariadb.timeout_value(2.5) == "2.5"
