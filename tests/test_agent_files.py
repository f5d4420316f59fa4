"""Agent files as Claude Code reads them: a generated corpus of every shape, loaded from tmp folders.

Only what Claude Code itself would not load fails (no front matter, no name, no description, a
`tools` value that is neither a list nor a string); every failure names its file, line and fix.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backdev.personas import load_catalog, parse_persona
from backdev.personas.loader import MAX_AGENT_FILES, discovery_dirs

SPEC = Path("/work/shared/spec/persona-spec.md")
LONG_EXAMPLES = ("Use this agent for APIs. Examples: (1) User: 'make a login' → Assistant: 'I will use "
                 "the Task tool: here is how' (2) User: 'slow query' → Assistant: 'Let me look.'")

# name -> (file text or bytes, expected description start or None when it must fail, reason part)
LOADS: dict[str, tuple[str | bytes, str]] = {
    "dots": ("---\nname: powershell-5.1-expert\ndescription: PowerShell 5.1\n---\nbody\n", "PowerShell 5.1"),
    "digits": ("---\nname: k8s-2\ndescription: kube\n---\nbody\n", "kube"),
    "bold": ("---\nname: bold\ndescription: **Expert** in APIs\n---\nbody\n", "**Expert** in APIs"),
    "star": ("---\nname: star\ndescription: * starred\n---\nbody\n", "* starred"),
    "amp": ("---\nname: amp\ndescription: &anchor-like text\n---\nbody\n", "&anchor-like text"),
    "bang": ("---\nname: bang\ndescription: !important agent\n---\nbody\n", "!important agent"),
    "bracket": ("---\nname: bracket\ndescription: [DEPRECATED] old agent\n---\nbody\n", "[DEPRECATED] old agent"),
    "brace": ("---\nname: brace\ndescription: {fast} agent\n---\nbody\n", "{fast} agent"),
    "at": ("---\nname: at\ndescription: @mention me\n---\nbody\n", "@mention me"),
    "backtick": ("---\nname: tick\ndescription: `code` reviewer\n---\nbody\n", "`code` reviewer"),
    "percent": ("---\nname: pct\ndescription: %100 sure\n---\nbody\n", "%100 sure"),
    "examples": (f"---\nname: ex\ndescription: {LONG_EXAMPLES}\nmodel: sonnet\n---\nbody\n", "Use this agent for APIs."),
    "folded": ("---\nname: folded\ndescription: >\n  Two lines\n  folded: yes\n---\nbody\n", "Two lines folded: yes"),
    "plain-multiline": ("---\nname: pm\ndescription: first line\n  second: with colon\n  <example>x</example>\n---\nb\n",
                        "first line second: with colon"),
    "tools-string": ("---\nname: ts\ndescription: d\ntools: Read, Grep, Glob\n---\nbody\n", "d"),
    "tools-list": ("---\nname: tl\ndescription: d\ntools:\n  - Read\n  - Bash\n---\nbody\n", "d"),
    "tools-empty": ("---\nname: te\ndescription: d\ntools: []\n---\nbody\n", "d"),
    "extra-keys": ("---\nname: xk\ndescription: d\ncolor: cyan\npermissionMode: plan\nmaxTurns: 5\n---\nb\n", "d"),
    "crlf": ("---\r\nname: crlf\r\ndescription: windows: yes\r\n---\r\nbody\r\n", "windows: yes"),
    "bom": ("\ufeff---\nname: bom\ndescription: has a BOM\n---\nbody\n", "has a BOM"),
    "latin1": (b"---\nname: latin\ndescription: caf\xe9 agent\n---\nbody\n", "caf\ufffd agent"),
    "no-body": ("---\nname: nobody\ndescription: empty body\n---\n", "empty body"),
    "quoted": ('---\nname: "quoted-name"\ndescription: "a: quoted"\n---\nbody\n', "a: quoted"),
}
FAILS: dict[str, tuple[str | bytes, str]] = {
    "no-front-matter": ("# Just a README\n", "no front matter"),
    "no-name": ("---\ndescription: d\n---\nbody\n", "missing `name`"),
    "no-description": ("---\nname: nodesc\n---\nbody\n", "missing `description`"),
    "not-closed": ("---\nname: x\ndescription: d\n", "not closed"),
    "bad-tools": ("---\nname: bt\ndescription: d\ntools: [Read, Write\n---\nbody\n", "not valid YAML"),
    "name-with-space": ("---\nname: my agent\ndescription: d\n---\nbody\n", "bad name"),
    "name-with-slash": ("---\nname: a/b\ndescription: d\n---\nbody\n", "bad name"),
    "huge": ("---\nname: huge\ndescription: d\n---\n" + "x" * 300_000, "byte limit"),
}


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_a_generated_corpus_loads_except_what_claude_code_rejects(project: Path) -> None:
    agents = project / ".claude" / "agents"
    for index, (stem, (content, _)) in enumerate({**LOADS, **FAILS}.items()):
        _write(agents / f"group{index % 3}" / ("deeper" if index % 2 else ""), stem, content)
    catalog = load_catalog(project)
    by_file = {p.path.stem: p for p in catalog.personas.values() if p.source != "built-in"}
    failed = {f.path.stem: f for f in catalog.failures}
    assert set(by_file) == set(LOADS), f"not loaded: {set(LOADS) - set(by_file)}; failures: {list(failed.values())}"
    assert set(failed) == set(FAILS)
    for stem, (_, start) in LOADS.items():
        assert by_file[stem].description.startswith(start), stem
    for stem, (_, reason) in FAILS.items():
        assert reason in failed[stem].reason, (stem, failed[stem].reason)
    assert by_file["tools-string"].tools == ("Read", "Grep", "Glob")
    assert by_file["tools-list"].tools == ("Read", "Bash") and by_file["tools-empty"].tools == ()
    assert catalog.get("powershell-5.1-expert").name == "powershell-5.1-expert"
    assert any("UTF-8" in note for note in by_file["latin1"].notes)


def test_the_spec_file_loads_from_a_subfolder(project: Path) -> None:
    _write(project / ".backdev" / "personas" / "team", "spec", SPEC.read_text())
    persona = load_catalog(project, allow_shadowing=True).get("backend-developer")
    assert persona.source == "project .backdev/personas" and persona.path.parent.name == "team"
    assert persona.description.startswith("Use this agent when working on server-side")


def test_symlinks_leaving_the_folder_are_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside, "evil", "---\nname: evil\ndescription: d\n---\nbody\n")
    agents = project / ".claude" / "agents"
    agents.mkdir(parents=True)
    os.symlink(outside / "evil.md", agents / "evil.md")
    os.symlink(outside, agents / "linked-dir")
    _write(agents, "fine", "---\nname: fine\ndescription: d\n---\nbody\n")
    os.symlink(agents / "fine.md", agents / "alias.md")  # inside the folder: read (and hidden as a duplicate)
    catalog = load_catalog(project)
    assert "evil" not in catalog.personas and "fine" in catalog.personas
    assert any("outside" in f.reason and f.path.name == "evil.md" for f in catalog.failures)


def test_deep_and_many_files_are_capped_with_a_note(project: Path) -> None:
    agents = project / ".claude" / "agents"
    deep = agents / "a" / "b" / "c" / "d" / "e" / "f"
    _write(deep, "too-deep", "---\nname: too-deep\ndescription: d\n---\nbody\n")
    for i in range(MAX_AGENT_FILES + 5):
        (agents / "many").mkdir(parents=True, exist_ok=True)
        (agents / "many" / f"m{i:05}.md").write_text(f"---\nname: m{i}\ndescription: d\n---\nb\n")
    catalog = load_catalog(project)
    assert "too-deep" not in catalog.personas
    assert sum(1 for p in catalog.personas.values() if p.name.startswith("m")) == MAX_AGENT_FILES
    assert any("more than" in f.reason for f in catalog.failures)


def test_claude_user_agents_come_after_the_own_folder_before_built_ins(project: Path, isolated_home: Path) -> None:
    claude = Path(os.environ["CLAUDE_CONFIG_DIR"]) / "agents"
    _write(isolated_home / "config" / "personas", "mine", "---\nname: shared\ndescription: mine\n---\nM\n")
    _write(claude / "voltagent", "shared", "---\nname: shared\ndescription: claude one\n---\nC\n")
    _write(claude, "bd", "---\nname: backend-developer\ndescription: from claude\n---\nC\n")
    labels = [label for label, _ in discovery_dirs(project)]
    assert labels.index("user") < labels.index("user ~/.claude/agents") < labels.index("built-in")
    catalog = load_catalog(project)
    assert catalog.get("shared").description == "mine"
    assert catalog.get("backend-developer").source == "user ~/.claude/agents"
    notes = catalog.shadow_notes()
    assert any("backend-developer" in n and "built-in" in n and "workflow" in n for n in notes), notes


def test_a_trusted_project_persona_shadowing_a_built_in_says_so(project: Path) -> None:
    _write(project / ".claude" / "agents", "bd", "---\nname: backend-developer\ndescription: mine\n---\nP\n")
    untrusted = load_catalog(project)
    assert untrusted.get("backend-developer").source == "built-in" and untrusted.shadow_notes() == []
    notes = untrusted.trusting().shadow_notes()
    assert len(notes) == 1
    assert "bd.md" in notes[0] and "the built-in persona backend-developer" in notes[0]
    assert "workflow" in notes[0] and "hidden" in notes[0]


def test_a_trusted_shadow_is_said_at_session_start(project: Path, fake_api) -> None:  # type: ignore[no-untyped-def]
    from backdev.compose import open_store, open_workspace, start_session
    from backdev.llm.anthropic_provider import AnthropicProvider

    _write(project / ".claude" / "agents", "bd", "---\nname: backend-developer\ndescription: mine\n---\nP\n")
    workspace = open_workspace(project, trust=True)
    startup = start_session(workspace, open_store(), AnthropicProvider(api_key="test-key", base_url=fake_api.url))
    assert any("replaces the built-in persona backend-developer" in n for n in startup.notes), startup.notes


def test_name_as_a_number_is_read_as_its_text(tmp_path: Path) -> None:
    persona = parse_persona("---\nname: 2.0\ndescription: d\n---\nb\n", tmp_path / "p.md", "t")
    assert persona.name == "2.0"


def test_listing_and_doctor_name_each_folder_and_source(project: Path) -> None:
    from tests.conftest import run_backdev

    claude = Path(os.environ["CLAUDE_CONFIG_DIR"]) / "agents"
    _write(claude / "lang", "ps", "---\nname: powershell-5.1-expert\ndescription: **PowerShell** 5.1\n---\nb\n")
    listing = run_backdev("personas", "list", cwd=project)
    assert listing.returncode == 0, listing.stderr
    [line] = [row for row in listing.stdout.splitlines() if row.startswith("powershell-5.1-expert")]
    assert "user ~/.claude/agents" in line and "**PowerShell** 5.1" in line
    doctor = run_backdev("doctor", cwd=project, env={"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "ANTHROPIC_API_KEY": "k"})
    assert "searched user ~/.claude/agents" in doctor.stdout and str(claude) in doctor.stdout
    assert "powershell-5.1-expert" in doctor.stdout


def test_a_project_persona_replacing_a_claude_user_one_waits_for_trust(project: Path) -> None:
    _write(Path(os.environ["CLAUDE_CONFIG_DIR"]) / "agents", "dba", "---\nname: dba\ndescription: mine\n---\nM\n")
    _write(project / ".claude" / "agents" / "team", "dba", "---\nname: dba\ndescription: theirs\n---\nT\n")
    catalog = load_catalog(project)
    assert catalog.get("dba").description == "mine" and [p.description for p in catalog.withheld] == ["theirs"]
    assert catalog.trusting().get("dba").description == "theirs"
    [note] = catalog.trusting().shadow_notes()
    assert "project .claude/agents persona dba" in note and "user ~/.claude/agents persona dba" in note
