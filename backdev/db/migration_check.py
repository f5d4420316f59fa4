"""`check_migration`: a Django migration read statically, judged against the live tables.

Ties the pieces together: the migration's operations (`migrations.py`), the live tables and the
server version (`schema.py`, `session.py`), the rules (`risk.py`), and — when asked and a scratch
database is configured — the server's own answer (`scratch.py`). `render_risk` writes the report
the model and the person read.
"""

from __future__ import annotations

from backdev.db.migrations import Migration
from backdev.db.risk import COPY, MDL_NOTE, REBUILD, MigrationRisk, RiskRules
from backdev.db.schema import SchemaReader, TableDetail, UnknownTable
from backdev.db.scratch import ScratchDatabase
from backdev.db.session import DatabaseError, ReadOnlySession


class LiveTables:
    """Table details on demand, each read once (None for a table that does not exist)."""

    def __init__(self, session: ReadOnlySession) -> None:
        self.reader = SchemaReader(session)
        self._listing = self.reader.tables()
        self._cache: dict[str, TableDetail | None] = {}

    def __call__(self, name: str) -> TableDetail | None:
        if name not in self._cache:
            try:
                self.reader.resolve(name, self._listing)
                self._cache[name] = self.reader.table(name)
            except UnknownTable:
                self._cache[name] = None
        return self._cache[name]

    def names(self) -> set[str]:
        return {t.name for t in self._listing}


def applied(session: ReadOnlySession, tables: LiveTables, migration: Migration) -> bool | None:
    """Whether `django_migrations` lists this migration (None when there is no such table)."""
    if "django_migrations" not in tables.names():
        return None
    rows = session.catalog("SELECT COUNT(*) FROM django_migrations WHERE app = %s AND name = %s",
                           (migration.app, migration.name))
    return bool(rows and rows[0][0])


def assess_migration(migration: Migration, session: ReadOnlySession) -> tuple[MigrationRisk, LiveTables]:
    """Judge every operation against the live tables and the server version."""
    server = session.server()
    tables = LiveTables(session)
    risk = MigrationRisk(migration, server, RiskRules(server, tables).assess(migration))
    state = applied(session, tables, migration)
    if state:
        risk.notes.append(f"{migration.app}.{migration.name} is already applied on this database: the live tables show "
                          "its result, so comparisons with the old state are not meaningful.")
    elif state is None:
        risk.notes.append("There is no django_migrations table here: is this the project's database?")
    if server.note:
        risk.notes.append(server.note)
    if not migration.atomic:
        risk.notes.append("atomic = False: a failure part-way leaves the operations before it applied.")
    return risk, tables


def confirm_on_scratch(risk: MigrationRisk, tables: LiveTables, scratch: ScratchDatabase) -> None:
    """Replay each table's structure on the scratch database and record what the server accepts."""
    for op in risk.operations:
        table = tables(op.table)
        if not op.probe or table is None:
            continue
        references = {}
        for clause in op.probe:
            if "REFERENCES" in clause:
                for name in tables.names():
                    if f"`{name}`" in clause:
                        detail = tables(name)
                        if detail is not None:
                            references[name] = detail.create_sql
        try:
            results = scratch.confirm(table.create_sql, op.probe, references)
        except DatabaseError as exc:
            op.confirmed = f"not confirmed: {exc}"
            continue
        op.confirmed = "; ".join(f"{r.clause} → {r.sentence()}" for r in results)


def render_risk(risk: MigrationRisk) -> str:
    """The report: a header, one paragraph per operation, then the notes."""
    migration = risk.migration
    risky = [op for op in risk.operations if op.algorithm in (COPY, REBUILD) or op.blocks_writes]
    lines = [f"Migration {migration.app}.{migration.name} on {risk.server.label} · {len(risk.operations)} operation"
             f"{'s' if len(risk.operations) != 1 else ''} · "
             + (f"{len(risky)} touch the whole table" if risky else "none copies or rebuilds a table")]
    for number, op in enumerate(risk.operations, start=1):
        lines.append("")
        lines.append(f"{number}. {op.label} (line {op.line})")
        writes = "blocks writes while it runs" if op.blocks_writes else "writes go on"
        quiet = op.algorithm in ("no schema change", "new table", "unknown")
        lines.append(f"   algorithm: {op.algorithm}" + ("" if quiet else f" · {writes}"))
        if op.duration:
            lines.append(f"   time: {op.duration}")
        if op.confirmed:
            lines.append(f"   confirmed on the scratch database: {op.confirmed}")
        lines.extend(f"   - {advice}" for advice in op.advice)
    notes = [*risk.notes, MDL_NOTE]
    lines.append("")
    lines.extend(f"Note: {note}" for note in notes)
    return "\n".join(lines)
