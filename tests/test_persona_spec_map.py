"""Every bullet of the seed persona spec has a home in backdev — the persona's text, a checklist item,
a gate or a tool — and that home still says it (the table: tests/data/persona-spec-map.yaml).

A bullet added to the spec without an entry, an entry whose bullet is gone, or a home that no
longer contains what the entry says (a reworded checklist item, a dropped persona line, a tool
description that lost a gate) fails here, naming the bullet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from backdev.compose import open_store, open_workspace, start_session
from backdev.llm.scripted import ScriptedProvider
from backdev.repo.context import open_repo_context

from .conftest import isolate_home

DATA = Path(__file__).resolve().parent / "data"
SPEC = DATA / "persona-spec.md"
MAP = yaml.safe_load((DATA / "persona-spec-map.yaml").read_text(encoding="utf-8"))["bullets"]
HOMES = ("persona", "checklist", "gate", "tool")


def spec_bullets() -> list[str]:
    """The spec's bullets (body only, front matter skipped), in order."""
    body = SPEC.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return [m.group(1).strip() for m in re.finditer(r"^\s*- (.+)$", body, re.MULTILINE)]


def test_every_bullet_of_the_spec_has_exactly_one_entry_in_order() -> None:
    mapped = [entry["bullet"] for entry in MAP]
    missing = [b for b in spec_bullets() if b not in mapped]
    stale = [b for b in mapped if b not in spec_bullets()]
    assert missing == [] and stale == [], f"without a home: {missing}; no longer in the spec: {stale}"
    assert mapped == spec_bullets()


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The persona text, the workflow and the tools' descriptions of a session of the built-in persona."""
    root = tmp_path_factory.mktemp("shop")
    (root / "app.py").write_text("x = 1\n")
    with pytest.MonkeyPatch.context() as monkeypatch:  # module scope runs outside the per-test home isolation
        isolate_home(tmp_path_factory, monkeypatch)
        workspace = open_workspace(root)
        assistant = start_session(workspace, open_store(), ScriptedProvider()).assistant
        assistant.attach_repository(open_repo_context(workspace.cwd, workspace.settings, workspace.policy))
    assert assistant.workflow is not None
    return {"persona": assistant.persona.prompt, "workflow": assistant.workflow.workflow,
            "tools": {spec["name"]: str(spec["description"]) for spec in assistant.prompt().tool_specs()}}


def home_text(entry: dict[str, Any], homes: dict[str, Any]) -> str:
    kind = entry["home"]
    assert kind in HOMES, f"{entry['bullet']!r}: home must be one of {HOMES}"
    if kind == "persona":
        return str(homes["persona"])
    if kind == "tool":
        assert entry["where"] in homes["tools"], f"{entry['bullet']!r}: no tool {entry['where']!r}"
        return str(homes["tools"][entry["where"]])
    phase_id, item_id = entry["where"].split(".", 1)
    item = homes["workflow"].phase(phase_id).item(item_id)
    assert item is not None and item.id == item_id, f"{entry['bullet']!r}: no checklist item {entry['where']!r}"
    if kind == "gate":
        assert item.requires_run, f"{entry['bullet']!r}: {entry['where']} is not checked against a test run"
    return str(item.text)


@pytest.mark.parametrize("entry", MAP, ids=[f"{i:02d}" for i in range(1, len(MAP) + 1)])
def test_the_home_of_each_bullet_still_says_it(entry: dict[str, Any], homes: dict[str, Any]) -> None:
    text = home_text(entry, homes)
    assert re.search(entry["has"], text, re.IGNORECASE | re.DOTALL), (
        f"{entry['bullet']!r}: its home ({entry['home']} {entry.get('where', '')}) no longer says /{entry['has']}/")
