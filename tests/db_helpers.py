"""A session with the database attached, over the fake API: for the database tool tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backdev.assistant import drain
from backdev.chat.driver import ChatDriver
from backdev.compose import Startup, open_store, open_workspace, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.repo.context import RepoContext

from .conftest import fake_provider, git

MIGRATION = '''\
import django.db.models.deletion
from django.db import migrations, models


def fill_notes(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="note", field=models.CharField(max_length=200, null=True)),
        migrations.AddField(
            model_name="order", name="referrer",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.customer"),
        ),
        migrations.AlterField(model_name="order", name="status", field=models.CharField(max_length=50)),
        migrations.AlterField(model_name="order", name="total", field=models.DecimalField(max_digits=12, decimal_places=2)),
        migrations.AddIndex(model_name="order", index=models.Index(fields=["customer"], name="shop_order_customer_idx")),
        migrations.RemoveField(model_name="orderitem", name="quantity"),
        migrations.RunPython(fill_notes),
    ]
'''


@dataclass
class DatabaseChat:
    startup: Startup
    driver: ChatDriver
    context: RepoContext
    api: FakeAnthropic
    repo: Path
    approvals: list[Any]

    @property
    def assistant(self):  # type: ignore[no-untyped-def]
        return self.startup.assistant

    async def call(self, *calls: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """One turn in which the model calls these tools; returns their tool_result blocks."""
        before = len(self.api.message_requests)
        self.api.enqueue({"type": "tool_use", "calls": [{"name": n, "input": i} for n, i in calls]},
                         {"type": "text", "text": "Here is what I found."})
        events = await drain(self.driver.send("why is this slow?"))
        assert type(events[-1]).__name__ == "TurnFinished", events[-1]
        second = self.api.message_requests[before + 1].body
        return [b for b in second["messages"][-1]["content"] if b.get("type") == "tool_result"]


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "shopsite"
    (repo / "shop" / "migrations").mkdir(parents=True)
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    (repo / "shop" / "__init__.py").write_text("")
    (repo / "shop" / "migrations" / "__init__.py").write_text("")
    (repo / "shop" / "migrations" / "0002_order_changes.py").write_text(MIGRATION)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "shop")
    return repo


def open_chat(tmp_path: Path, api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, url: str,
              user_config: str = "", approve: str = "approve_once") -> DatabaseChat:
    """A session in a repository with `url` as BACKDEV_DATABASE_URL and an approver that answers `approve`."""
    from backdev import paths
    from backdev.tools.base import Decision

    monkeypatch.setenv("BACKDEV_DATABASE_URL", url)
    if user_config:
        paths.ensure_dir(paths.user_config_file().parent)
        paths.user_config_file().write_text(user_config)
    repo = make_repo(tmp_path)
    workspace = open_workspace(repo)
    startup = start_session(workspace, open_store(), fake_provider(api))
    if startup.assistant.workflow is not None:  # the database tools belong to design, TDD and review
        startup.assistant.workflow.switch("design")
    approvals: list[Any] = []

    async def approver(action):  # type: ignore[no-untyped-def]
        approvals.append(action)
        return Decision(approve)

    driver = ChatDriver(startup, workspace, approve=approver)
    context = driver.read_repository()
    driver.attach_repository(context)
    return DatabaseChat(startup, driver, context, api, repo, approvals)


def all_text(api: FakeAnthropic) -> str:
    return json.dumps([r.body for r in api.requests])
