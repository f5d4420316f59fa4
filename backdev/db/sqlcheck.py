"""Only a statement that cannot change anything is ever sent to the person's database.

`check_read_only(sql)` accepts one SELECT (with CTEs, unions and subqueries) and refuses everything
else with one sentence saying what to do. A prefix check is not enough, so three layers agree:

1. A lexer with MySQL's own rules for strings and comments (`'…'` and `"…"` with backslash escapes,
   `` `…` ``, `/* … */`, `#` and `-- ` — dash dash *space*: `--1` is arithmetic). Comments are
   removed, so what the parser checks is exactly what the server receives; `/*! … */` executable
   comments (whose text MySQL runs) are refused, and so is a `;` followed by anything.
2. A scan of the tokens for what can hide inside a SELECT: `INTO` (OUTFILE, DUMPFILE, variables),
   locking clauses, `:=`, functions with side effects (GET_LOCK, NEXTVAL, LOAD_FILE, sys_exec…),
   and optimizer hints that would lift the timeout (SET_VAR, MAX_EXECUTION_TIME).
3. A real parser (sqlglot, MySQL dialect): exactly one statement, a query at the root, and no
   node anywhere that writes, locks or sets.

The session these statements run in is read-only as well (see `session.py`), and its `sql_mode`
drops NO_BACKSLASH_ESCAPES and ANSI_QUOTES so the server lexes strings the way this module does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

MAX_LENGTH = 100_000
QUERY_STARTS = ("SELECT", "WITH", "(")
# Words that start a statement but ask the server for something other than a plan of a SELECT.
_OTHER_READS = {"EXPLAIN", "DESCRIBE", "DESC", "ANALYZE", "SHOW", "TABLE"}
# Functions with side effects, or that read files on the server, or run commands (common UDFs).
DENIED_FUNCTIONS = {
    "LOAD_FILE": "reads files on the database server",
    "GET_LOCK": "takes a named lock", "RELEASE_LOCK": "releases a named lock",
    "RELEASE_ALL_LOCKS": "releases named locks",
    "NEXTVAL": "advances a sequence", "SETVAL": "changes a sequence", "LASTVAL": "reads a sequence's session state",
    "LAST_INSERT_ID": "changes the session's last insert id",
    "MASTER_POS_WAIT": "waits on replication", "SOURCE_POS_WAIT": "waits on replication",
    "SYS_EXEC": "runs a command on the server", "SYS_EVAL": "runs a command on the server",
    "SYS_SET": "changes the server's environment",
}
_DENIED_HINTS = ("SET_VAR", "MAX_EXECUTION_TIME")
_STRING_TOKENS = {"STRING", "NATIONAL_STRING", "RAW_STRING", "BIT_STRING", "HEX_STRING", "BYTE_STRING",
                  "HEREDOC_STRING", "UNICODE_STRING", "IDENTIFIER"}


class StatementRefused(ValueError):
    """The statement is not a single read-only SELECT; the message says what to change."""


@dataclass(frozen=True)
class CheckedStatement:
    """A statement that passed every check.

    Attributes:
        sql: the text to send: comments removed, no trailing `;`.
        original: what was given.
    """

    sql: str
    original: str


def check_read_only(sql: str) -> CheckedStatement:
    """Accept one read-only SELECT, or raise StatementRefused (see the module docstring)."""
    if len(sql) > MAX_LENGTH:
        raise StatementRefused(f"The statement is too long ({len(sql):,} characters; the limit is {MAX_LENGTH:,}): "
                               "shorten it.")
    text = _strip_comments(sql).strip()
    if text.endswith(";"):
        text = text[:-1].rstrip()
    if not text.strip(" \t\r\n;"):
        raise StatementRefused("The statement is empty: give one SELECT.")
    if _outside_strings(text, ";"):
        raise StatementRefused("Send one statement at a time: nothing after a `;` is ever sent, so the whole "
                               "statement is refused; split it and send the SELECT alone.")
    if _outside_strings(text, "%s"):
        raise StatementRefused("Replace the %s placeholders with example values: a plan needs a complete SELECT.")
    tokens = _tokens(text)
    _check_start(tokens[0].text.upper() if tokens else "")
    _check_tokens(tokens)
    _check_tree(text)
    return CheckedStatement(text, sql)


# --- layer 1: MySQL's lexical rules --------------------------------------------------------------


def _strip_comments(sql: str) -> str:
    """`sql` with every comment replaced by a space; optimizer hints (`/*+ … */`) are kept."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            end = _end_of_quoted(sql, i)
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                raise StatementRefused("The statement has an unterminated /* comment: close it with */.")
            body = sql[i + 2 : end]
            if body.startswith(("!", "M!")):
                raise StatementRefused("MySQL runs the text of /*! … */ executable comments as part of the statement: "
                                       "remove the comment.")
            out.append(sql[i : end + 2] if body.startswith("+") else " ")
            i = end + 2
        elif ch == "#" or (sql.startswith("--", i) and (i + 2 >= n or sql[i + 2] in " \t\r\n\f\v")):
            end = sql.find("\n", i)
            out.append(" ")
            i = n if end < 0 else end
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _end_of_quoted(sql: str, start: int) -> int:
    """The index just after the string or quoted identifier that starts at `start`."""
    quote = sql[start]
    i = start + 1
    while i < len(sql):
        ch = sql[i]
        if ch == "\\" and quote != "`":
            i += 2
            continue
        if ch == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:  # a doubled quote is an escaped quote
                i += 2
                continue
            return i + 1
        i += 1
    what = "quoted identifier" if quote == "`" else "string"
    raise StatementRefused(f"The statement has an unterminated {what} (an opening {quote} without its closing one): "
                           "close it.")


def _outside_strings(text: str, needle: str) -> bool:
    """True when `needle` occurs in `text` outside strings and quoted identifiers (comments are gone)."""
    i = 0
    while i < len(text):
        if text[i] in "'\"`":
            i = _end_of_quoted(text, i)
        elif text.startswith(needle, i):
            return True
        else:
            i += 1
    return False


# --- layer 2: the tokens ----------------------------------------------------------------------


def _quiet_sqlglot() -> None:
    # sqlglot logs a warning when it falls back to a raw command; the refusal already says it.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def _tokens(text: str) -> list:  # type: ignore[type-arg]
    import sqlglot  # the SQL parser (~0.2 s): only when a statement is checked
    from sqlglot.errors import TokenError

    _quiet_sqlglot()
    try:
        return [t for t in sqlglot.tokenize(text, read="mysql")]
    except TokenError as exc:
        raise StatementRefused(f"The statement could not be read as MySQL ({_first_line(exc)}): rewrite it in plain "
                               "MySQL syntax.") from None


def _check_start(first: str) -> None:
    if first in QUERY_STARTS:
        return
    if first in _OTHER_READS:
        raise StatementRefused(f"Pass the SELECT itself, not {first}: explain_query adds EXPLAIN FORMAT=JSON, and "
                               "db_schema answers what SHOW and DESCRIBE would.")
    raise StatementRefused(f"Only a SELECT is ever sent: {first or 'this'} statements can change the database or the "
                           "session, so write the question as a SELECT.")


def _check_tokens(tokens: list) -> None:  # type: ignore[type-arg]
    words = [("" if t.token_type.name in _STRING_TOKENS else t.text.upper()) for t in tokens]
    for index, word in enumerate(words):
        after = words[index + 1] if index + 1 < len(words) else ""
        if word in ("INTO", "OUTFILE", "DUMPFILE"):
            raise StatementRefused("SELECT … INTO writes to a file or to variables: remove the INTO clause.")
        if (word == "FOR" and after in ("UPDATE", "SHARE")) or (word == "LOCK" and after == "IN"):
            raise StatementRefused("FOR UPDATE, FOR SHARE and LOCK IN SHARE MODE take row locks: remove the locking "
                                   "clause (the plan is the same without it).")
        if word == ":=" or (word == ":" and after == "="):
            raise StatementRefused("Assigning user variables with := changes the session: remove the assignment.")
        if word in DENIED_FUNCTIONS and after == "(":
            raise StatementRefused(f"{word}() {DENIED_FUNCTIONS[word]}: it is never sent; leave it out of the query.")
        if tokens[index].token_type.name == "HINT":
            hint = tokens[index].text.upper()
            for denied in _DENIED_HINTS:
                if denied in hint:
                    raise StatementRefused(f"The optimizer hint {denied} would change the limits this session runs "
                                           "under: remove the hint.")


# --- layer 3: the parser ----------------------------------------------------------------------


def _check_tree(text: str) -> None:
    import sqlglot  # the SQL parser (~0.2 s): only when a statement is checked
    from sqlglot import exp
    from sqlglot.errors import ParseError

    _quiet_sqlglot()
    try:
        trees = [t for t in sqlglot.parse(text, read="mysql") if t is not None]
    except ParseError as exc:
        raise StatementRefused(f"The statement could not be parsed as one MySQL SELECT ({_first_line(exc)}): rewrite "
                               "it in plain MySQL syntax.") from None
    if len(trees) != 1:
        raise StatementRefused("Send one statement at a time: split it and send the SELECT alone.")
    root = trees[0]
    queries = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)
    if not isinstance(root, queries):
        raise StatementRefused(f"Only a SELECT is ever sent, and this parses as {type(root).__name__.upper()}: "
                               "write the question as a SELECT.")
    writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command,
              exp.Set, exp.Use, exp.Transaction, exp.Commit, exp.Rollback, exp.TruncateTable)
    for node in root.walk():
        if isinstance(node, exp.Into):
            raise StatementRefused("SELECT … INTO writes to a file or to variables: remove the INTO clause.")
        if isinstance(node, exp.Lock):
            raise StatementRefused("FOR UPDATE, FOR SHARE and LOCK IN SHARE MODE take row locks: remove the locking "
                                   "clause.")
        if isinstance(node, exp.PropertyEQ):
            raise StatementRefused("Assigning user variables with := changes the session: remove the assignment.")
        if isinstance(node, writes):
            raise StatementRefused(f"The statement contains {type(node).__name__.upper()}, which can change the "
                                   "database: only a plain SELECT is sent.")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).upper()
            if name in DENIED_FUNCTIONS:
                raise StatementRefused(f"{name}() {DENIED_FUNCTIONS[name]}: it is never sent; leave it out.")


def _first_line(exc: Exception) -> str:
    line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return line[:160].rstrip(".")
