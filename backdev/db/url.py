"""The person's database URL: parsed once, shown only masked.

`mysql://user:password@host:3306/database?option=value` (also `mariadb://`, `mysql+pymysql://`,
and the other spellings Django and SQLAlchemy projects use). The password is kept out of every
string this module makes: `masked()`, `repr()`, and the errors, which name the part that is wrong
without repeating the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

SCHEMES = ("mysql", "mariadb", "mysql+pymysql", "mysql+mysqldb", "mysql+mysqlconnector", "mysql2", "mysqlx")
DEFAULT_PORT = 3306
# Query options passed to the driver; anything else is refused, so that a typo is not silently ignored.
OPTIONS = ("charset", "unix_socket", "ssl_ca", "ssl_cert", "ssl_key", "ssl_verify_cert", "ssl_verify_identity",
           "ssl_disabled")
_BOOLEAN_OPTIONS = ("ssl_verify_cert", "ssl_verify_identity", "ssl_disabled")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class DatabaseURLError(ValueError):
    """The URL cannot be used; the message says which part and never contains the password."""


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed MySQL/MariaDB URL. `repr()` and `str()` are masked."""

    scheme: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    options: dict[str, str] = field(default_factory=dict)

    def masked(self) -> str:
        """`mysql://user:***@host:3306/db`: safe for the screen, logs and the model."""
        auth = self.user + (":***" if self.password else "")
        return f"{self.scheme}://{auth + '@' if auth else ''}{self.host}:{self.port}/{self.database}"

    def __str__(self) -> str:
        return self.masked()

    @property
    def where(self) -> str:
        """`db.local:3306/shop`, for one-line summaries."""
        return f"{self.host}:{self.port}/{self.database}"

    def same_database(self, other: DatabaseURL) -> bool:
        """True when both URLs name one database on one server (loopback spellings are one host)."""
        def host(url: DatabaseURL) -> str:
            return "loopback" if url.host.lower() in _LOOPBACK else url.host.lower()

        return (host(self), self.port, self.database) == (host(other), other.port, other.database)

    def connect_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `pymysql.connect` (without timeouts, which the session sets)."""
        arguments: dict[str, Any] = {"host": self.host, "port": self.port, "user": self.user,
                                     "password": self.password, "database": self.database,
                                     "charset": self.options.get("charset", "utf8mb4")}
        for key, value in self.options.items():
            if key == "charset":
                continue
            arguments[key] = value.lower() in ("1", "true", "yes") if key in _BOOLEAN_OPTIONS else value
        return arguments


def parse_database_url(raw: str) -> DatabaseURL:
    """Parse a MySQL/MariaDB URL.

    Raises:
        DatabaseURLError: not a MySQL URL, no host, no database, a bad port or an unknown option.
    """
    text = raw.strip()
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        shown = f"{scheme}://" if sep else "it"
        raise DatabaseURLError(
            f"The database URL is not a MySQL or MariaDB URL ({shown} …): backdev reads MySQL 8.0+ and MariaDB "
            "10.6+, e.g. mysql://user:password@127.0.0.1:3306/database."
        )
    parts = urlsplit(text)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise DatabaseURLError("The database URL has a port that is not a number: write host:3306.") from None
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise DatabaseURLError(f"The database URL has an unknown option {unknown[0]!r}: the options are "
                               f"{', '.join(OPTIONS)}.")
    host = parts.hostname or ""
    if not host and "unix_socket" not in options:
        raise DatabaseURLError("The database URL has no host: write mysql://user:password@HOST:3306/database.")
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise DatabaseURLError("The database URL names no database: end it with /DATABASE (the schema to read).")
    return DatabaseURL(
        scheme=scheme.lower(), host=host or "localhost", port=port, user=unquote(parts.username or ""),
        password=unquote(parts.password or ""), database=database, options=options,
    )


def mask_url(raw: str) -> str:
    """A configured URL as it may be shown: masked, or a placeholder when it does not parse."""
    try:
        return parse_database_url(raw).masked()
    except DatabaseURLError:
        return "(set, but not a MySQL or MariaDB URL)"
