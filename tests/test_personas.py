"""Personas: the built-in one, the Claude Code file format, discovery order and failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backdev.personas import PersonaError, UnknownPersonaError, builtin_personas_dir, load_catalog, parse_persona

# A copy of the spec we wrote the persona from (a clean clone has no ../shared).
SPEC = Path(__file__).resolve().parent / "data" / "persona-spec.md"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_builtin_persona_loads_with_the_required_fields(project: Path) -> None:
    catalog = load_catalog(project)
    persona = catalog.get("backend-developer")
    assert persona.source == "built-in"
    assert persona.path.parent == builtin_personas_dir()
    assert persona.model == "sonnet"
    assert persona.notes == ()  # our own file is strict YAML
    assert catalog.failures == []


# Every point of the spec, as a concept the built-in prompt must cover (our words, not the spec's).
SPEC_POINTS = {
    "tdd red-green-refactor": r"failing test.*pass.*refactor",
    "testable from the start": r"testable",
    "django/drf": r"Django REST Framework",
    "mysql": r"MySQL",
    "indexes and migrations": r"indexes.*migrations",
    "rest": r"RESTful",
    "websockets": r"WebSockets",
    "api docs": r"OpenAPI",
    "oauth/jwt/sessions": r"OAuth 2\.0.*JWT.*sessions",
    "encryption": r"in transit.*at rest",
    "sql injection": r"SQL\s+injection",
    "xss": r"XSS",
    "csrf": r"CSRF",
    "microservices boundaries": r"Microservices.*boundary",
    "docker": r"Docker",
    "explain plans": r"EXPLAIN",
    "multi-level caching": r"Cache in layers",
    "algorithms": r"algorithms",
    "profiling": r"Profile",
    "load balancing": r"load balancing",
    "logging levels": r"debug.*info.*warning.*error",
    "solid": r"SOLID",
    "rate limiting": r"rate limiting",
    "owasp": r"OWASP Top 10",
    "transactions": r"[Tt]ransaction",
    "logs without secrets": r"logs never carry",
    "n+1": r"N\+1",
    "unit/integration/e2e/load tests": r"Unit tests.*integration\s+tests.*end-to-end.*load tests",
    "coverage": r"coverage",
    "mocking": r"Mock or\s+stub",
    "graceful degradation": r"graceful degradation",
    "monitoring and alerting": r"[Mm]onitoring and alerting",
    "backward compatibility": r"[Bb]ackward compatibility",
    "env vars for secrets": r"environment variables",
    "scale questions": r"requests per second",
    "compliance": r"compliance",
    "retention": r"kept and what privacy",
    "existing infrastructure": r"infrastructure already exists",
    "failure scenarios": r"failure scenarios",
    "trade-offs": r"trade-offs.*consistency against availability.*normalised",
    "technical debt": r"technical debt",
    "setup instructions": r"setup instructions",
    "architectural decisions": r"architectural decisions",
    "reads the repo with tools": r"read tools",
    "works in phases": r"requirements → design → TDD → review →\s+handoff",
    "asks before it writes": r"[Yy]ou ask before you write",
}


@pytest.mark.parametrize("point", sorted(SPEC_POINTS))
def test_builtin_prompt_covers_every_point_of_the_spec(project: Path, point: str) -> None:
    prompt = load_catalog(project).get("backend-developer").prompt
    assert re.search(SPEC_POINTS[point], prompt, re.S), point


def test_builtin_prompt_is_our_own_words_not_the_spec_copied() -> None:
    ours = (builtin_personas_dir() / "backend-developer.md").read_text()
    spec_lines = [line.strip() for line in SPEC.read_text().splitlines() if len(line.strip()) > 40]
    copied = [line for line in spec_lines if line in ours]
    assert copied == []


def test_the_spec_file_itself_loads_as_claude_code_would(tmp_path: Path) -> None:
    # Its description holds "Examples: (1) User: ..." which strict YAML rejects.
    persona = parse_persona(SPEC.read_text(), SPEC, "test")
    assert persona.name == "backend-developer"
    assert persona.description.startswith("Use this agent when working on server-side")
    assert persona.model == "sonnet"
    assert any("not strict YAML" in note for note in persona.notes)


def test_tools_as_comma_string_or_list_and_ignored_keys_kept(tmp_path: Path) -> None:
    a = parse_persona("---\nname: a\ndescription: d\ntools: read_file, search\ncolor: blue\n---\nbody\n", tmp_path, "t")
    b = parse_persona("---\nname: b\ndescription: d\ntools: [read_file, search]\n---\nbody\n", tmp_path, "t")
    assert a.tools == b.tools == ("read_file", "search")
    assert a.ignored == {"color": "blue"}
    assert b.tools is not None and a.inherits_model


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("no front matter here\n", 1, "no front matter"),
        ("---\nname: x\ndescription: d\ntools: [unclosed\n---\n", 4, "not valid YAML"),
        ("---\ndescription: d\n---\nbody", 2, "missing `name`"),
        ("---\ndescription: d\nname: Bad Name\n---\nbody", 3, "bad name"),
        ("---\nname: ok\n---\nbody", 1, "missing `description`"),
        ("---\nname: ok\ndescription: d\ntools: 3\n---\nbody", 4, "`tools` must be"),
        ("---\nname: ok\ndescription: d\n", 1, "not closed"),
    ],
)
def test_bad_files_are_named_with_reason_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    with pytest.raises(PersonaError) as caught:
        parse_persona(text, tmp_path / "p.md", "t")
    assert caught.value.line == line
    assert reason in caught.value.reason


def test_discovery_order_first_wins_and_failures_do_not_stop_others(project: Path, isolated_home: Path) -> None:
    write(project / ".backdev" / "personas", "bd.md", "---\nname: backend-developer\ndescription: project one\n---\nP\n")
    write(project / ".claude" / "agents", "rev.md", "---\nname: reviewer\ndescription: claude agent\n---\nR\n")
    write(project / ".claude" / "agents", "dup.md", "---\nname: reviewer\ndescription: hidden\n---\nR\n")
    write(isolated_home / "config" / "personas", "broken.md", "---\nname: BROKEN ONE\ndescription: d\n---\n")
    write(isolated_home / "config" / "personas", "mine.md", "---\nname: mine\ndescription: user one\n---\nM\n")
    catalog = load_catalog(project, allow_shadowing=True)  # the repository is trusted (see test_trust.py)
    assert catalog.get("backend-developer").description == "project one"
    assert catalog.get("backend-developer").source == "project .backdev/personas"
    assert catalog.get("reviewer").source == "project .claude/agents"
    assert catalog.get("mine").source == "user"
    assert [p.source for p in catalog.shadowed].count("built-in") == 1
    assert len(catalog.failures) == 1 and catalog.failures[0].path.name == "broken.md"
    assert "bad name" in str(catalog.failures[0])


def test_unknown_persona_lists_what_exists(project: Path) -> None:
    with pytest.raises(UnknownPersonaError, match="available: backend-developer"):
        load_catalog(project).get("nobody")


def test_the_kept_parse_of_persona_files_is_private_to_the_user(project: Path) -> None:
    import stat

    from backdev import paths
    from backdev.compose import open_workspace

    open_workspace(project)  # a fresh home: the persona's parse is the first thing written
    cache = paths.data_dir() / "cache"
    assert any(cache.glob("persona-*.json"))
    for folder in (paths.data_dir(), cache):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
