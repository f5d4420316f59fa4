"""YAML from a repository is bounded: no anchors or aliases (alias bombs), and size caps per kind of file."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev.personas.loader import load_catalog
from backdev.settings import SettingsError, load_settings
from backdev.workflow.phases.definition import WorkflowError, load_workflow
from backdev.yamlio import YamlProblem, load_yaml

# The "billion laughs": nine levels of nine aliases expand to 9^9 strings.
BOMB = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


def test_anchors_and_aliases_are_refused_with_their_line() -> None:
    with pytest.raises(YamlProblem) as caught:
        load_yaml(BOMB)
    assert "anchors and aliases" in caught.value.problem and caught.value.line == 1
    with pytest.raises(YamlProblem, match="anchors and aliases"):
        load_yaml("base: {x: 1}\nother: *base\n")
    assert load_yaml("model: sonnet\nlist: [1, 2]\n") == {"model": "sonnet", "list": [1, 2]}


def test_a_project_config_with_an_alias_bomb_is_a_clear_error(project: Path) -> None:
    (project / ".backdev.yaml").write_text("model: sonnet\n" + BOMB)
    with pytest.raises(SettingsError, match=r"\.backdev\.yaml.*anchors and aliases"):
        load_settings(project)


def test_a_persona_with_an_alias_bomb_fails_to_load_and_the_others_load(project: Path) -> None:
    agents = project / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "bomb.md").write_text("---\nname: bomb\ndescription: x\n" + BOMB + "---\nHi.\n")
    catalog = load_catalog(project)
    assert "bomb" not in catalog.personas and "backend-developer" in catalog.personas
    assert "anchors and aliases" in str(catalog.failures[0])


def test_a_workflow_with_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.workflow.yaml"
    path.write_text(BOMB)
    with pytest.raises(WorkflowError, match="anchors and aliases"):
        load_workflow(path)


def test_files_over_their_size_cap_are_refused_without_being_parsed(project: Path, tmp_path: Path) -> None:
    (project / ".backdev.yaml").write_text("# padding\n" * 110_000)  # 1.1 MB
    with pytest.raises(SettingsError, match=r"over the 1,000,000-byte limit"):
        load_settings(project)
    (project / ".backdev.yaml").unlink()
    agents = project / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "huge.md").write_text("---\nname: huge\ndescription: x\n---\n" + "word " * 60_000)  # 300 KB
    catalog = load_catalog(project)
    assert "huge" not in catalog.personas and "over the 262,144-byte limit" in str(catalog.failures[0])
    workflow = tmp_path / "w.workflow.yaml"
    workflow.write_text("# padding\n" * 30_000)
    with pytest.raises(WorkflowError, match="over the 262,144-byte limit"):
        load_workflow(workflow)
