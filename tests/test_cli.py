"""The real command line in a subprocess: help, chat as a script, sessions, personas, doctor, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev import __version__, paths
from backdev.fakeapi import FakeAnthropic

from .conftest import run_backdev


def api_env(api: FakeAnthropic, key: str = "test-key") -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": key}


def test_version(project: Path) -> None:
    result = run_backdev("--version", cwd=project)
    # The commit it was built from follows when known (tests/test_version.py).
    assert result.returncode == 0 and result.stdout.startswith(f"backdev {__version__}")


@pytest.mark.parametrize(
    "args",
    [[], ["chat"], ["personas"], ["personas", "list"], ["personas", "show"], ["sessions"], ["sessions", "list"],
     ["sessions", "show"], ["sessions", "export"], ["sessions", "delete"], ["doctor"]],
)
def test_help_on_every_command(project: Path, args: list[str]) -> None:
    result = run_backdev(*args, "--help", cwd=project)
    assert result.returncode == 0 and result.stdout.startswith("usage: backdev")


def test_piped_chat_holds_a_conversation_and_exits_zero(project: Path, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue({"type": "text", "text": "Index the foreign key."}, {"type": "text", "text": "Add a migration."})
    result = run_backdev("chat", "--plain", cwd=project, env=api_env(fake_api), input="slow query?\nthen what?\n")
    assert result.returncode == 0, result.stderr
    assert "Index the foreign key." in result.stdout and "Add a migration." in result.stdout
    assert "in " in result.stderr and "$" in result.stderr  # status lines go to stderr
    # Resume carries on: the earlier turns are sent with the new question.
    resumed = run_backdev("chat", "--plain", "--resume", cwd=project, env=api_env(fake_api), input="and now?\n")
    assert resumed.returncode == 0
    texts = [b["text"] for m in fake_api.message_requests[-1].body["messages"] for b in m["content"] if b["type"] == "text"]
    assert texts[0].startswith("# Workflow: phase 1 of 5") and texts[1] == "slow query?"  # announced, then asked
    assert texts[-1] == "and now?" and sum(t.startswith("# Workflow:") for t in texts) == 1
    assert "resumed: 4 messages" in resumed.stderr


def test_default_command_is_chat(project: Path, fake_api: FakeAnthropic) -> None:
    result = run_backdev("--plain", cwd=project, env=api_env(fake_api), input="hi\n")
    assert result.returncode == 0 and "you said: hi" in result.stdout


def test_a_failed_reply_exits_one_with_one_sentence(project: Path, fake_api: FakeAnthropic) -> None:
    result = run_backdev("chat", "--plain", cwd=project, env=api_env(fake_api, key="bad"), input="hi\n")
    assert result.returncode == 1
    assert "The API rejected the API key (401)" in result.stderr


def test_without_a_key_chat_starts_says_how_and_keeps_the_message(project: Path) -> None:
    result = run_backdev("chat", "--plain", cwd=project, input="remember this\n")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "ANTHROPIC_API_KEY" in line]
    assert lines and "ANTHROPIC_BASE_URL" in lines[0]
    listing = run_backdev("sessions", "list", cwd=project)
    assert "remember this" in listing.stdout


def test_sessions_list_show_export_delete(project: Path, fake_api: FakeAnthropic, tmp_path: Path) -> None:
    fake_api.enqueue({"type": "text", "text": "Use a partial index."})
    run_backdev("chat", "--plain", cwd=project, env=api_env(fake_api), input="index advice\n")
    listing = run_backdev("sessions", "list", cwd=project)
    session_id = listing.stdout.split()[0]
    assert "index advice" in listing.stdout and "$" in listing.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert "No sessions in this folder" in run_backdev("sessions", "list", cwd=elsewhere).stdout
    assert session_id in run_backdev("sessions", "list", "--all", cwd=elsewhere).stdout
    shown = run_backdev("sessions", "show", session_id[:4], cwd=project)
    assert "## You" in shown.stdout and "Use a partial index." in shown.stdout
    out = tmp_path / "t.md"
    assert run_backdev("sessions", "export", session_id, "--format", "md", "-o", str(out), cwd=project).returncode == 0
    assert "Use a partial index." in out.read_text()
    assert run_backdev("sessions", "delete", session_id, cwd=project).returncode == 0
    missing = run_backdev("sessions", "show", session_id, cwd=project)
    assert missing.returncode == 2 and "No session" in missing.stderr


def test_personas_list_and_show(project: Path) -> None:
    agents = project / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "dba.md").write_text("---\nname: dba\ndescription: MySQL tuning\ncolor: red\ntools: read_file\n---\nTune.\n")
    (agents / "bad.md").write_text("no front matter\n")
    listing = run_backdev("personas", "list", cwd=project)
    assert "dba" in listing.stdout and "project .claude/agents" in listing.stdout
    assert "backend-developer" in listing.stdout and "built-in" in listing.stdout
    assert "bad.md:1: no front matter" in listing.stderr
    shown = run_backdev("personas", "show", "dba", cwd=project)
    assert "ignored:     color = 'red'" in shown.stdout and "tools:       read_file" in shown.stdout


def test_unknown_persona_and_bad_model_are_usage_errors(project: Path) -> None:
    persona = run_backdev("chat", "--plain", "--persona", "nobody", cwd=project, input="")
    assert persona.returncode == 2 and "available: backend-developer" in persona.stderr
    model = run_backdev("chat", "--plain", "--model", "big model", cwd=project, input="")
    assert model.returncode == 2 and "Unknown model" in model.stderr


def test_bad_config_is_a_clear_usage_error(project: Path) -> None:
    (project / ".backdev.yaml").write_text("modl: opus\n")
    result = run_backdev("chat", "--plain", cwd=project, input="hi\n")
    assert result.returncode == 2
    assert ".backdev.yaml: 'modl' is not a setting (did you mean 'model'?)" in result.stderr


def test_doctor_reports_sources_masks_the_key_and_checks_the_api(project: Path, fake_api: FakeAnthropic) -> None:
    result = run_backdev("doctor", cwd=project, env=api_env(fake_api) | {"ANTHROPIC_API_KEY": "test-key-abcd"})
    assert "test-key-abcd" not in result.stdout and "…abcd" in result.stdout
    assert "env ANTHROPIC_API_KEY" in result.stdout
    assert "✗ API: The API rejected the API key (401)" in result.stdout and result.returncode == 1
    good = run_backdev("doctor", cwd=project, env=api_env(fake_api))
    assert good.returncode == 0, good.stdout
    for verdict in ("✓ settings", "✓ personas", "✓ paths", "✓ API: answered"):
        assert verdict in good.stdout


def test_sessions_are_priced_with_the_persons_own_prices(project: Path, fake_api: FakeAnthropic) -> None:
    paths.user_config_file().parent.mkdir(parents=True)
    paths.user_config_file().write_text(
        "model: my-gateway-model\nprices:\n  my-gateway-model: {input: 1000000, output: 0, cache_write: 0, cache_read: 0}\n")
    fake_api.enqueue({"type": "text", "text": "ok", "usage": {"input_tokens": 3, "cache_creation_input_tokens": 0}})
    run_backdev("chat", "--plain", cwd=project, env=api_env(fake_api), input="hi\n")
    listing = run_backdev("sessions", "list", cwd=project)
    assert "$3.00" in listing.stdout  # 3 input tokens at $1,000,000 per million, not "cost n/a"
    session_id = listing.stdout.split()[0]
    assert "$3.00" in run_backdev("sessions", "show", session_id, cwd=project).stdout
