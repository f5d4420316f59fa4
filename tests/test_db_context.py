"""Whether the database tools are offered: the URL only from the person, the driver, the notes; /schema and
/explain; and that nothing heavy is imported until the database is used."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev import paths
from backdev.chat.driver import ChatDriver
from backdev.compose import open_store, open_workspace, start_session
from backdev.db.context import open_database
from backdev.llm.scripted import ScriptedProvider
from backdev.settings import SettingsError, load_settings

from .db_server import ShopDatabase, shop_db  # noqa: F401  (the fixture)
from .test_architecture import heavy_modules_after

DB_TOOLS = {"db_schema", "explain_query", "analyze_query", "check_migration"}


def attach(project: Path, scripted: ScriptedProvider):  # type: ignore[no-untyped-def]
    """The session's driver with the repository (and so the database) read and attached."""
    workspace = open_workspace(project)
    startup = start_session(workspace, open_store(), scripted)
    driver = ChatDriver(startup, workspace)
    context = driver.read_repository()
    driver.attach_repository(context)
    return startup.assistant, context, driver


def test_without_a_url_the_tools_are_not_offered_and_nothing_is_said(project: Path, scripted: ScriptedProvider) -> None:
    assistant, context, _ = attach(project, scripted)
    assert not DB_TOOLS & {t["name"] for t in assistant.tools.specs()}
    assert context.database.state == "off" and context.notes == [
        "Not a git repository: files come from a walk of the folder (skipping .venv, node_modules, build output…); "
        "diff and log need git."]


def test_without_the_driver_the_tools_are_not_offered_and_the_note_says_what_to_install(
        project: Path, scripted: ScriptedProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pymysql" else real(name, *a))
    monkeypatch.setenv("BACKDEV_DATABASE_URL", "mysql://root:secret-pass@127.0.0.1/shop")
    assistant, context, _ = attach(project, scripted)
    assert not DB_TOOLS & {t["name"] for t in assistant.tools.specs()}
    assert context.database.state == "unusable"
    assert "database_url is set, but the MySQL driver is not installed (pymysql missing): pip install 'backdev[mysql]'" \
        in context.notes[-1] and "secret-pass" not in context.notes[-1]


def test_a_repository_may_not_choose_the_database(project: Path) -> None:
    from backdev.settings import load_project_settings

    # Never from a repository, trusted or not (the trust rule NEVER): ignored, and said.
    (project / ".backdev.yaml").write_text("database_url: mysql://evil:pw@attacker.example/prod\n"
                                           "database_timeout: 3600\n")
    for trusted in (False, True):
        settings = load_settings(project, trusted=trusted)
        assert settings.database_url is None and settings.database_timeout == 10.0
    assert set(load_project_settings(project).refused) == {"database_url", "database_timeout"}


def test_the_user_config_and_the_environment_may(project: Path) -> None:
    paths.ensure_dir(paths.user_config_file().parent)
    paths.user_config_file().write_text("database_url: mysql://me:pw@127.0.0.1/mine\ndatabase_timeout: 3\n")
    settings = load_settings(project, env={})
    assert settings.database_url == "mysql://me:pw@127.0.0.1/mine" and settings.database_timeout == 3.0
    assert settings.source_of("database_url").startswith("user config ")
    both = load_settings(project, env={"DATABASE_URL": "mysql://django@h/app", "BACKDEV_DATABASE_URL": "mysql://b@h/x"})
    assert both.database_url == "mysql://b@h/x" and both.source_of("database_url") == "env BACKDEV_DATABASE_URL"
    django = load_settings(project, env={"DATABASE_URL": "mysql://django@h/app"})
    assert django.database_url == "mysql://django@h/app" and django.source_of("database_url") == "env DATABASE_URL"


def test_a_postgres_database_url_is_left_alone_with_a_note(project: Path, scripted: ScriptedProvider,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db/app")
    assistant, context, _ = attach(project, scripted)
    assert not DB_TOOLS & {t["name"] for t in assistant.tools.specs()}
    assert context.notes[-1].startswith("DATABASE_URL is not a MySQL or MariaDB URL, so the database tools are off")


def test_a_server_that_is_down_still_gets_the_tools_and_a_note(project: Path, scripted: ScriptedProvider,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKDEV_DATABASE_URL", "mysql://root:pw-down@127.0.0.1:1/shop")
    assistant, context, _ = attach(project, scripted)
    assert DB_TOOLS <= {t["name"] for t in assistant.tools.specs()}
    assert context.database.state == "unreachable"
    assert "Could not connect to 127.0.0.1:1" in context.notes[-1] and "try again when used" in context.notes[-1]


def test_a_scratch_database_must_not_be_the_real_one(project: Path, scripted: ScriptedProvider,
                                                     monkeypatch: pytest.MonkeyPatch, shop_db: ShopDatabase) -> None:
    monkeypatch.setenv("BACKDEV_DATABASE_URL", shop_db.url())
    monkeypatch.setenv("BACKDEV_SCRATCH_DATABASE_URL", shop_db.url().replace("127.0.0.1", "localhost"))
    workspace = open_workspace(project)
    context = open_database(workspace.settings, workspace.policy, lambda: None)
    assert context.tools is not None and context.tools.scratch is None
    assert any(n.startswith("scratch_database_url names the same database as database_url") for n in context.notes)


def test_schema_and_explain_commands(project: Path, scripted: ScriptedProvider, monkeypatch: pytest.MonkeyPatch,
                                     shop_db: ShopDatabase) -> None:
    monkeypatch.setenv("BACKDEV_DATABASE_URL", shop_db.url())
    _, _, driver = attach(project, scripted)
    runner = driver.commands
    listing = runner.run("/schema")
    assert not listing.error and "shop_order" in listing.text and "rows (estimate)" in listing.text
    table = runner.run("/schema shop_customer")
    assert "shop_customer_email_uniq (email) · unique" in table.text
    plan = runner.run("/explain SELECT * FROM shop_order WHERE customer_id = 7")
    assert not plan.error and "Full table scan of shop_order" in plan.text
    refused = runner.run("/explain DELETE FROM shop_order")
    assert refused.error and refused.text.startswith("Only a SELECT is ever sent")
    assert runner.run("/explain").text.startswith("Usage: /explain SELECT")
    assert [s.name for s in runner.completions("/ex")] == ["explain", "export"]


def test_commands_without_a_database_say_how_to_get_one(project: Path, scripted: ScriptedProvider) -> None:
    _, _, driver = attach(project, scripted)
    outcome = driver.commands.run("/schema")
    assert outcome.error and "no database is configured: set database_url in your user config" in outcome.text


def test_the_database_modules_import_neither_driver_nor_parser(tmp_path: Path) -> None:
    code = "import backdev.db.context, backdev.db.tools, backdev.commands.database, backdev.db.migration_check"
    assert heavy_modules_after(code, ("pymysql", "sqlglot", "textual", "prompt_toolkit"), tmp_path / "home") == []
