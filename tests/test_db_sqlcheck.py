"""Only statements that cannot change anything pass: a real parser plus MySQL's own comment rules."""

from __future__ import annotations

import pytest

from backdev.db.sqlcheck import StatementRefused, check_read_only

ALLOWED = [
    "SELECT * FROM shop_order WHERE customer_id = 42",
    "select o.id, c.email from shop_order o join shop_customer c on c.id = o.customer_id where c.email = 'a@b.c'",
    "SELECT status, COUNT(*) FROM shop_order GROUP BY status ORDER BY 2 DESC LIMIT 10",
    "WITH recent AS (SELECT * FROM shop_order WHERE created_at > NOW() - INTERVAL 7 DAY) SELECT COUNT(*) FROM recent",
    "SELECT id FROM a UNION ALL SELECT id FROM b",
    "SELECT * FROM shop_order WHERE id IN (SELECT order_id FROM shop_orderitem WHERE product = 'x')",
    "SELECT * FROM shop_order FORCE INDEX (PRIMARY) WHERE id > 10",
    "SELECT REPLACE(email, '@', ' at ') FROM shop_customer",
    "SELECT INSERT('abc', 1, 1, 'z')",
    "SELECT CAST(name AS CHAR CHARACTER SET utf8mb4) FROM shop_customer",
    "SELECT `update`, `into` FROM `weird table`",
    "SELECT 'INTO OUTFILE; DROP TABLE x' AS text",
    "SELECT * FROM shop_order -- the orders\nWHERE id = 1",
    "SELECT * FROM shop_order /* a note */ WHERE id = 1;",
    "SELECT SLEEP(1)",
    "(SELECT 1)",
]


@pytest.mark.parametrize("sql", ALLOWED)
def test_read_only_statements_pass(sql: str) -> None:
    checked = check_read_only(sql)
    assert checked.sql and ";" not in checked.sql.rstrip()[-1:]
    assert "/*" not in checked.sql and "--" not in checked.sql  # comments are never sent


REFUSED = [
    ("INSERT INTO t VALUES (1)", "INSERT"),
    ("UPDATE t SET a = 1", "UPDATE"),
    ("DELETE FROM t", "DELETE"),
    ("REPLACE INTO t VALUES (1)", "REPLACE"),
    ("DROP TABLE t", "DROP"),
    ("CREATE TABLE t (a int)", "CREATE"),
    ("ALTER TABLE t ADD COLUMN b int", "ALTER"),
    ("TRUNCATE TABLE t", "TRUNCATE"),
    ("RENAME TABLE a TO b", "RENAME"),
    ("GRANT ALL ON *.* TO x", "GRANT"),
    ("SET @a = 1", "SET"),
    ("SET SESSION max_statement_time = 0", "SET"),
    ("CALL cleanup()", "CALL"),
    ("LOAD DATA INFILE '/etc/passwd' INTO TABLE t", "LOAD"),
    ("HANDLER t OPEN", "HANDLER"),
    ("DO SLEEP(1)", "DO"),
    ("LOCK TABLES t WRITE", "LOCK"),
    ("START TRANSACTION", "START"),
    ("EXPLAIN SELECT 1", "EXPLAIN"),
    ("SHOW TABLES", "SHOW"),
    ("SELECT * FROM t INTO OUTFILE '/tmp/x'", "INTO"),
    ("SELECT * INTO OUTFILE '/tmp/x' FROM t", "INTO"),
    ("SELECT * FROM t INTO DUMPFILE '/tmp/x'", "INTO"),
    ("SELECT a INTO @v FROM t", "INTO"),
    ("SELECT * FROM t FOR UPDATE", "lock"),
    ("SELECT * FROM t FOR UPDATE NOWAIT", "lock"),
    ("SELECT * FROM t FOR SHARE", "lock"),
    ("SELECT * FROM t LOCK IN SHARE MODE", "lock"),
    ("SELECT 1; DROP TABLE t", "one statement"),
    ("SELECT 1; SELECT 2", "one statement"),
    ("SELECT 1 -- hide\n; DELETE FROM t", "one statement"),
    ("SELECT 1 # hide\n; DELETE FROM t", "one statement"),
    ("SELECT 1 /*! INTO OUTFILE '/tmp/x' */", "executable comment"),
    ("SELECT 1 /*!50000 FOR UPDATE */", "executable comment"),
    ("SELECT * FROM t /*M! FOR UPDATE */", "executable comment"),
    ("SELECT /*+ SET_VAR(max_execution_time=0) */ * FROM t", "hint"),
    ("SELECT /*+ MAX_EXECUTION_TIME(999999) */ * FROM t", "hint"),
    ("SELECT 'a\\' ; DROP TABLE t; -- '", None),  # one string literal: allowed (see below)
    ("SELECT @a := 1", ":="),
    ("SELECT LOAD_FILE('/etc/passwd')", "LOAD_FILE"),
    ("SELECT GET_LOCK('x', 10)", "GET_LOCK"),
    ("SELECT NEXTVAL(order_seq)", "NEXTVAL"),
    ("SELECT SETVAL(order_seq, 1)", "SETVAL"),
    ("SELECT sys_exec('rm -rf /')", "SYS_EXEC"),
    ("SELECT * FROM t WHERE id = %s", "%s"),
    ("SELECT * FROM t PROCEDURE ANALYSE()", "parse"),
    ("VALUES (1)", "SELECT"),
    ("", "empty"),
    ("   ;  ", "empty"),
    ("SELECT 'unterminated", "unterminated"),
    ("SELECT 1 /* unterminated", "unterminated"),
    ("SELECT " + "1 + " * 40_000 + "1", "too long"),
]


@pytest.mark.parametrize(("sql", "words"), [case for case in REFUSED if case[1] is not None])
def test_anything_that_can_change_state_is_refused(sql: str, words: str) -> None:
    with pytest.raises(StatementRefused) as caught:
        check_read_only(sql)
    assert words.lower() in str(caught.value).lower()


def test_a_backslash_escaped_quote_keeps_the_rest_inside_the_string() -> None:
    # The server's sql_mode is set without NO_BACKSLASH_ESCAPES, so this is one string literal.
    assert check_read_only("SELECT 'a\\' ; DROP TABLE t; -- '").sql == "SELECT 'a\\' ; DROP TABLE t; -- '"


def test_dash_dash_without_a_space_is_arithmetic_not_a_comment() -> None:
    # MySQL reads `--1` as minus minus one, so the INTO after it is part of the statement.
    with pytest.raises(StatementRefused, match="INTO"):
        check_read_only("SELECT 1 --1 INTO OUTFILE '/tmp/x'")
    assert check_read_only("SELECT 1 --1").sql == "SELECT 1 --1"


def test_every_refusal_is_one_sentence_that_says_what_to_do() -> None:
    with pytest.raises(StatementRefused) as caught:
        check_read_only("DELETE FROM t")
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message and "SELECT" in message


@pytest.mark.parametrize("sql", [
    "SELECT a INTO @v FROM t", "SELECT * FROM t FOR UPDATE", "SELECT * FROM t LOCK IN SHARE MODE",
    "SELECT @a := 1", "SELECT GET_LOCK('x', 1)", "SELECT NEXTVAL(s)",
])
def test_the_token_scan_and_the_parser_each_refuse_on_their_own(sql: str) -> None:
    """Defence in depth: either layer alone would have stopped these."""
    from backdev.db import sqlcheck

    with pytest.raises(StatementRefused):
        sqlcheck._check_tokens(sqlcheck._tokens(sql))
    with pytest.raises(StatementRefused):
        sqlcheck._check_tree(sql)


@pytest.mark.parametrize("sql", ["INSERT INTO t SELECT 1", "SET @a = 1", "CALL p()", "DELETE FROM t", "EXPLAIN SELECT 1"])
def test_the_parser_refuses_statements_that_are_not_queries(sql: str) -> None:
    from backdev.db import sqlcheck

    with pytest.raises(StatementRefused, match="Only a SELECT"):
        sqlcheck._check_tree(sql)
