"""Which server answers: MySQL or MariaDB, and its version, with what each version can do online.

`VERSION()` says `10.11.19-MariaDB-0+deb12u1` or `8.0.36`; older MariaDB builds prefix it with
`5.5.5-` for replication. Percona Server and other MySQL builds count as MySQL. The features are
the ones the migration advice depends on (MySQL 8.0 reference manual, "Online DDL Operations";
MariaDB knowledge base, "InnoDB Online DDL Operations with the INSTANT Alter Algorithm").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Flavor = Literal["mysql", "mariadb"]
MINIMUM: dict[str, tuple[int, int]] = {"mysql": (8, 0), "mariadb": (10, 6)}
_NUMBERS = re.compile(r"(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class ServerVersion:
    """A server's flavour and version number."""

    flavor: Flavor
    numbers: tuple[int, int, int]
    raw: str = ""

    @classmethod
    def parse(cls, version: str, comment: str = "") -> ServerVersion:
        """From `SELECT VERSION(), @@version_comment`."""
        text = version.strip()
        is_mariadb = "mariadb" in text.lower() or "mariadb" in comment.lower()
        if is_mariadb and text.startswith("5.5.5-"):
            text = text[len("5.5.5-"):]
        match = _NUMBERS.search(text)
        numbers = (int(match[1]), int(match[2]), int(match[3])) if match else (0, 0, 0)
        return cls("mariadb" if is_mariadb else "mysql", numbers, version)

    @property
    def name(self) -> str:
        return "MariaDB" if self.flavor == "mariadb" else "MySQL"

    @property
    def label(self) -> str:
        """`MariaDB 10.11.19`."""
        return f"{self.name} {'.'.join(map(str, self.numbers))}"

    @property
    def supported(self) -> bool:
        return self.numbers[:2] >= MINIMUM[self.flavor]

    @property
    def note(self) -> str:
        """Empty for a supported version; otherwise one sentence for the person."""
        if self.supported:
            return ""
        major, minor = MINIMUM[self.flavor]
        return (f"{self.label} is older than {self.name} {major}.{minor}: plans and migration advice assume "
                f"{self.name} {major}.{minor}+ and may not match this server.")

    def at_least(self, *numbers: int) -> bool:
        return self.numbers >= tuple(numbers)

    # --- what the server can do online (InnoDB) -----------------------------------------------

    @property
    def instant_add_column(self) -> bool:
        """ADD COLUMN (as the last column, which is what Django does) without touching the rows."""
        return self.flavor == "mariadb" or self.at_least(8, 0, 12)

    @property
    def instant_drop_column(self) -> bool:
        return self.flavor == "mariadb" or self.at_least(8, 0, 29)

    @property
    def instant_rename_column(self) -> bool:
        return self.flavor == "mariadb" or self.at_least(8, 0, 28)

    @property
    def instant_varchar_extension(self) -> bool:
        """MariaDB extends a VARCHAR instantly; MySQL in place without a rebuild (same length bytes)."""
        return self.flavor == "mariadb"

    # --- the statement timeout -----------------------------------------------------------------

    @property
    def timeout_variable(self) -> str:
        """MySQL's `max_execution_time` (milliseconds, SELECT only); MariaDB's `max_statement_time` (seconds)."""
        return "max_statement_time" if self.flavor == "mariadb" else "max_execution_time"

    def timeout_value(self, seconds: float) -> str:
        if self.flavor == "mariadb":
            return f"{seconds:g}"
        return str(max(1, round(seconds * 1000)))
