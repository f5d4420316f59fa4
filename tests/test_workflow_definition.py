"""Workflow definitions: the built-in file, how a persona finds its workflow, and validation errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backdev.personas import builtin_personas_dir, load_catalog
from backdev.workflow.phases.definition import WorkflowError, load_workflow, parse_workflow

BUILTIN = builtin_personas_dir() / "backend-developer.workflow.yaml"

MINIMAL = """
phases:
  - id: one
    title: One
    goal: g
    instructions: do one
    checklist:
      - {id: a, text: first}
    next: two
  - id: two
    title: Two
    goal: g2
    instructions: do two
"""


def test_the_builtin_persona_finds_its_workflow_beside_it(project: Path) -> None:
    persona = load_catalog(project).get("backend-developer")
    assert persona.workflow == BUILTIN
    workflow = load_workflow(BUILTIN)
    assert [p.id for p in workflow.phases] == ["requirements", "design", "tdd", "review", "handoff"]
    assert [p.next for p in workflow.phases] == ["design", "tdd", "review", "handoff", None]
    assert workflow.review_phase is not None and workflow.review_phase.id == "review"


def test_a_persona_without_a_workflow_file_has_none(project: Path) -> None:
    folder = project / ".backdev" / "personas"
    folder.mkdir(parents=True)
    (folder / "dba.md").write_text("---\nname: dba\ndescription: MySQL\n---\nYou tune MySQL.\n")
    assert load_catalog(project).get("dba").workflow is None
    (folder / "dba.workflow.yaml").write_text(MINIMAL)
    assert load_catalog(project).get("dba").workflow == folder / "dba.workflow.yaml"


# Every list item 1 of the issue names, as a pattern the phase's checklist must cover.
CHECKLIST_COVERAGE = {
    "requirements": [r"users.*requests per second", r"data volume", r"latency", r"security constraints",
                     r"compliance", r"retention.*privacy", r"existing infrastructure"],
    "design": [r"architecture pattern.*service boundaries", r"django models.*mysql schema.*indexes.*migrations",
               r"endpoints.*status codes.*openapi.*websockets", r"error-handling strategy", r"failure scenarios",
               r"caching", r"trade-offs"],
    "tdd": [r"failing test", r"red confirmed", r"implementation", r"green confirmed", r"refactor", r"green again"],
    "review": [r"injection.*owasp top 10", r"authentication and authorization", r"input validation",
               r"error handling and edge cases", r"n\+1", r"transactions and consistency", r"rest design.*consistent",
               r"sensitive data in logs"],
    "handoff": [r"setup instructions", r"environment variables", r"api documentation", r"architectural decisions",
                r"migrations", r"monitoring and alerting", r"docker"],
}


@pytest.mark.parametrize("phase_id", list(CHECKLIST_COVERAGE))
def test_builtin_checklists_cover_the_spec_lists(phase_id: str) -> None:
    phase = load_workflow(BUILTIN).phase(phase_id)
    texts = [item.text.lower() for item in phase.checklist]
    for pattern in CHECKLIST_COVERAGE[phase_id]:
        assert any(re.search(pattern, t) for t in texts), f"{phase_id}: nothing covers {pattern!r}"
    assert phase.artifacts and phase.exit_criteria and phase.instructions and phase.goal


def test_builtin_phases_produce_the_issue_artifacts() -> None:
    workflow = load_workflow(BUILTIN)
    paths = {p.id: [a.path for a in p.artifacts] for p in workflow.phases}
    assert paths["requirements"] == ["requirements.md"]
    assert paths["design"][0] == "design.md" and paths["design"][1].startswith("adr/")
    assert paths["handoff"] == ["handoff.md"]
    assert workflow.phase("handoff").include_artifacts
    # The TDD gates are data, enforced by the core.
    tdd = {item.id: item for item in workflow.phase("tdd").checklist}
    assert (tdd["red_confirmed"].requires_run, tdd["red_confirmed"].after) == ("failed", "failing_test")
    assert (tdd["green_confirmed"].requires_run, tdd["green_confirmed"].after) == ("passed", "red_confirmed")
    assert (tdd["green_again"].requires_run, tdd["green_again"].after) == ("passed", "green_confirmed")
    review = workflow.review_phase
    assert review is not None and "security" in [c.id for c in review.categories]


def test_review_standards_are_those_of_the_spec() -> None:
    # The spec's "Code Review Standards" and "Security First" points all reach the review prompt.
    review = load_workflow(BUILTIN).phase("review")
    text = (review.instructions + " ".join(i.text for i in review.checklist)).lower()
    for point in ("injection", "owasp", "error handling", "edge cases", "n+1", "rest",
                  "authentication", "authorization", "input validation", "transactions", "sensitive data in logs"):
        assert point in text, point


@pytest.mark.parametrize(
    "text, message",
    [
        ("phases: [\n", "line 2: not valid YAML"),
        ("- just a list\n", "top level"),
        ("preamble: hi\n", "`phases` is missing"),
        ("other: 1\n", "unknown key 'other'"),
        ("phases: []\n", "`phases` must list at least one phase"),
        ("phases:\n  - title: T\n    goal: g\n    instructions: i\n", "phases[0]: `id` is missing"),
        ("phases:\n  - {id: Bad Id, title: T, goal: g, instructions: i}\n", "phases[0].id"),
        ("phases:\n  - {id: a, goal: g, instructions: i}\n", "phases[0] (a): `title` is missing"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, next: nowhere}\n",
         "phases[0] (a).next: no phase has the id 'nowhere'"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i}\n  - {id: a, title: U, goal: g, instructions: i}\n",
         "phases[1] (a).id: 'a' is used twice"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, checklist: [{text: x}]}\n",
         "phases[0] (a).checklist[0]: `id` is missing"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, checklist: [{id: x, text: y, requires_run: maybe}]}\n",
         "phases[0] (a).checklist[0] (x).requires_run: expected failed or passed"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, checklist: [{id: x, text: y, after: z}]}\n",
         "phases[0] (a).checklist[0] (x).after: no checklist item 'z'"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, artifacts: [{path: /etc/x.md}]}\n",
         "phases[0] (a).artifacts[0].path"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, artifacts: [{path: 'x-{when}.md'}]}\n",
         "unknown placeholder {when}"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, artifacts: [{path: notes.txt}]}\n", "end in .md"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, colour: red}\n",
         "phases[0] (a): unknown key 'colour'"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, exit_criteria: 3}\n",
         "phases[0] (a).exit_criteria: expected a list of strings"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, categories: [{id: sec}]}\n",
         "phases[0] (a).categories[0] (sec): `title` is missing"),
        ("phases:\n  - {id: a, title: T, goal: g, instructions: i, categories: [{id: s, title: S}]}\n"
         "  - {id: b, title: T, goal: g, instructions: i, categories: [{id: s, title: S}]}\n",
         "only one phase may have `categories`"),
    ],
)
def test_validation_errors_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mine.workflow.yaml"
    path.write_text(text)
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    assert str(info.value).startswith(f"{path}: "), str(info.value)
    assert message in str(info.value)


def test_a_missing_file_is_a_workflow_error(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match="cannot be read"):
        load_workflow(tmp_path / "absent.workflow.yaml")


def test_minimal_workflow_defaults(tmp_path: Path) -> None:
    workflow = parse_workflow(MINIMAL, tmp_path / "x.workflow.yaml")
    one = workflow.phase("one")
    assert one.checklist[0].requires_run is None and one.artifacts == () and one.categories == ()
    assert workflow.review_phase is None and workflow.preamble == ""
    assert workflow.find_phase("TWO") is workflow.phase("two")  # by id or title, any case
    assert workflow.find_phase("2") is workflow.phase("two")  # or by number
    assert workflow.find_phase("three") is None


def test_the_parse_is_cached_for_exactly_the_same_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from backdev import paths
    from backdev.personas.loader import builtin_personas_dir
    from backdev.workflow.phases.definition import load_workflow

    source = tmp_path / "p.workflow.yaml"
    source.write_text((builtin_personas_dir() / "backend-developer.workflow.yaml").read_text())
    fresh = load_workflow(source)
    [cache] = list((paths.data_dir() / "cache").glob("workflow-*.json"))
    assert load_workflow(source) == fresh
    # Proof the second load came from the cache: what the cache says wins while the text is the same.
    cache.write_text(cache.read_text().replace('"title": "Design"', '"title": "From the cache"'))
    assert load_workflow(source).phase("design").title == "From the cache"
    source.write_text(source.read_text().replace("title: Design", "title: Architecture"))
    assert load_workflow(source).phase("design").title == "Architecture"  # an edit is parsed afresh


def test_data_json_cannot_carry_is_not_cached(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from backdev.yamlio import load_yaml_cached

    cache = tmp_path / "c.json"
    assert load_yaml_cached("when: 2026-11-26\n", cache) == {"when": dt.date(2026, 11, 26)}
    assert not cache.exists()
    assert load_yaml_cached("a: 1\n", cache) == {"a": 1} and cache.exists()
