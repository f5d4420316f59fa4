"""Django migrations read statically, and the risk rules for MySQL versions we have no server for."""

from __future__ import annotations

import pytest

from backdev.db.migrations import (
    EXPR,
    FieldSpec,
    MigrationError,
    column_type,
    read_migration,
)
from backdev.db.risk import COPY, INPLACE, INSTANT, NO_DDL, REBUILD, RiskRules
from backdev.db.schema import Column, Index, TableDetail, TableInfo
from backdev.db.server import ServerVersion

from .db_helpers import MIGRATION

PATH = "shop/migrations/0002_order_changes.py"


def test_operations_are_read_in_order_with_their_fields() -> None:
    migration = read_migration(PATH, MIGRATION)
    assert (migration.app, migration.name, migration.atomic) == ("shop", "0002_order_changes", True)
    assert migration.dependencies == [("shop", "0001_initial")]
    kinds = [(op.kind, op.model, op.line) for op in migration.operations]
    assert kinds == [("AddField", "order", 13), ("AddField", "order", 14), ("AlterField", "order", 18),
                     ("AlterField", "order", 19), ("AddIndex", "order", 20), ("RemoveField", "orderitem", 21),
                     ("RunPython", "", 22)]
    note = migration.operations[0].field
    assert note == FieldSpec("CharField", {"max_length": 200, "null": True})
    referrer = migration.operations[1].field
    assert referrer.is_relation and referrer.target == "shop.customer" and referrer.get("on_delete") is EXPR
    assert migration.operations[6].arguments["code"] is EXPR and "reverse_code" not in migration.operations[6].arguments


def test_positional_arguments_and_separate_database_and_state() -> None:
    text = '''
from django.db import migrations, models
class Migration(migrations.Migration):
    atomic = False
    operations = [
        migrations.AddField("order", "code", models.SlugField(unique=True)),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RemoveField("order", "legacy")],
            state_operations=[migrations.DeleteModel("Legacy")],
        ),
    ]
'''
    migration = read_migration("apps/shop/migrations/0003_code.py", text)
    assert not migration.atomic and migration.app == "shop"
    assert [(op.kind, op.text("name")) for op in migration.operations] == [("AddField", "code"), ("RemoveField", "legacy")]
    assert column_type(migration.operations[0].field) == "varchar(50)"


@pytest.mark.parametrize(("path", "text", "words"), [
    ("shop/models.py", "x = 1", "migrations/ folder"),
    (PATH, "def broken(:\n", "does not parse as Python (line 1"),
    (PATH, "x = 1\n", "no `class Migration"),
])
def test_what_is_not_a_migration_is_said(path: str, text: str, words: str) -> None:
    with pytest.raises(MigrationError, match=words.replace("(", r"\(").replace("`", "`")):
        read_migration(path, text)


def live_order() -> TableDetail:
    info = TableInfo("shop_order", "InnoDB", 5_000_000, 3 * 1024 ** 3, 1024 ** 3)
    columns = [Column("id", "int(11)", False, None, "auto_increment"), Column("customer_id", "int(11)", False, None, ""),
               Column("status", "varchar(20)", False, None, ""), Column("total", "decimal(10,2)", False, None, "")]
    return TableDetail(info, columns, [Index("PRIMARY", True, "BTREE", ["id"], 5_000_000)], [], [], "CREATE TABLE …")


def rules(version: str) -> RiskRules:
    tables = {"shop_order": live_order()}
    return RiskRules(ServerVersion.parse(version), tables.get)


def test_mysql_versions_decide_instant_or_rebuild() -> None:
    migration = read_migration(PATH, MIGRATION)
    old = {op.label.split(" (")[0]: op for op in rules("8.0.11").assess(migration)}
    new = {op.label.split(" (")[0]: op for op in rules("8.0.30").assess(migration)}
    assert old["AddField shop_order.note"].algorithm == REBUILD and "about 7 min (~5,000,000 rows, 4.0 GB" in old["AddField shop_order.note"].duration
    assert new["AddField shop_order.note"].algorithm == INSTANT and new["AddField shop_order.note"].duration == ""
    assert old["RemoveField shop_orderitem.quantity"].algorithm == REBUILD
    assert new["RemoveField shop_orderitem.quantity"].algorithm == INSTANT
    # MySQL extends varchar(20) → varchar(50) in place: both fit one length byte (utf8mb4: 4 bytes a char).
    status = new["AlterField shop_order.status → CharField"]
    assert status.algorithm == INPLACE and not status.blocks_writes
    big = new["AddField shop_order.referrer_id"]
    assert big.algorithm == COPY and "about 7 min" in big.duration and "gh-ost" in big.advice[0]
    index = new["AddIndex shop_order"]
    assert index.algorithm == INPLACE and not index.blocks_writes and "quiet hour" in index.advice[-1]


def test_alter_field_compares_with_the_live_column() -> None:
    text = '''
from django.db import migrations, models
class Migration(migrations.Migration):
    operations = [
        migrations.AlterField("order", "status", models.CharField(max_length=20, choices=[("n", "new")])),
        migrations.AlterField("order", "status", models.CharField(max_length=40)),
        migrations.AlterField("order", "status", models.CharField(max_length=20, null=True)),
        migrations.AlterField("order", "customer_id", models.BigIntegerField()),
        migrations.AlterField("order", "status", models.CharField(max_length=10)),
        migrations.AlterField("order", "status", models.CharField(max_length=100)),
    ]
'''
    same, longer, nullable, wider, shorter, past_255 = rules("8.0.36").assess(read_migration(PATH, text))
    assert same.algorithm == NO_DDL and same.probe == []
    assert longer.algorithm == INPLACE and not longer.blocks_writes  # 80 → 160 bytes: one length byte still
    assert nullable.algorithm == REBUILD and not nullable.blocks_writes
    assert wider.algorithm == COPY and "int to bigint" in wider.advice[0]
    assert shorter.algorithm == COPY and any("truncates rows longer than 10" in a for a in shorter.advice)
    assert past_255.algorithm == COPY and past_255.blocks_writes and "second length byte" in past_255.advice[0]
    assert rules("10.11.2-MariaDB").assess(read_migration(PATH, text))[1].algorithm == INSTANT


def test_identifiers_from_the_migration_are_quoted_in_probes() -> None:
    text = '''
from django.db import migrations, models
class Migration(migrations.Migration):
    operations = [migrations.AddField("order", "x` INT, DROP COLUMN `id", models.IntegerField(null=True))]
'''
    (risk,) = rules("8.0.36").assess(read_migration(PATH, text))
    assert risk.probe == ["ADD COLUMN `x`` INT, DROP COLUMN ``id` int NULL"]
