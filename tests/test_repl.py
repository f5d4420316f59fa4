"""The plain REPL, driven through prompt-toolkit pipe input (interactive) and as a script."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from backdev.compose import Startup, Workspace
from backdev.llm.events import MessageFinished, TextDelta, Usage
from backdev.llm.scripted import ScriptedProvider, broken, reply, tool_call
from backdev.repl.app import PlainRepl
from backdev.tools.base import ApprovalRequest, Tool, ToolOutcome, ToolRegistry

from .conftest import start_with


@pytest.fixture
def pipe() -> Iterator[object]:
    with create_pipe_input() as pipe_input:
        yield pipe_input


def make_repl(startup: Startup, workspace: Workspace, pipe: object | None = None) -> PlainRepl:
    return PlainRepl(startup, workspace, interactive=pipe is not None, prompt_input=pipe,
                     prompt_output=DummyOutput() if pipe else None, out=io.StringIO(), err=io.StringIO())


def output(repl: PlainRepl) -> tuple[str, str]:
    return repl.out.getvalue(), repl.err.getvalue()  # type: ignore[attr-defined]


async def test_interactive_message_streams_and_status_line_follows(startup, workspace, scripted: ScriptedProvider, pipe) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue(reply("Use select_related here.", usage=Usage(1200, 30, 0, 800)))
    pipe.send_text("why is it slow?\r/quit\r")
    repl = make_repl(startup, workspace, pipe)
    assert await repl.run() == 0
    out, err = output(repl)
    assert "Use select_related here." in out
    assert "in 1,200 · out 30 · cache w 0 r 800" in err and "$0.0029" in err  # (1200·2 + 30·10 + 800·0.2) / 1e6
    assert [r.text for r in startup.assistant.messages()] == ["why is it slow?", "Use select_related here."]


async def test_escape_enter_makes_a_multi_line_message(startup, workspace, scripted, pipe) -> None:  # type: ignore[no-untyped-def]
    pipe.send_text("line one\x1b\rline two\r/quit\r")
    await make_repl(startup, workspace, pipe).run()
    assert startup.assistant.messages()[0].text == "line one\nline two"


async def test_slash_commands_complete_with_their_help(startup, workspace) -> None:  # type: ignore[no-untyped-def]
    from prompt_toolkit.document import Document

    from backdev.repl.completion import SlashCompleter

    repl = make_repl(startup, workspace)
    found = list(SlashCompleter(repl.driver.completions).get_completions(Document("/re"), None))
    assert [c.text for c in found] == ["/retry", "/review"]  # /review comes with the workflow
    assert found[0].display_meta_text == "ask the last question again"
    assert list(SlashCompleter(repl.driver.completions).get_completions(Document("hello /re"), None)) == []


def writing_tool(written: list[str]) -> ToolRegistry:
    """One tool that writes (so it asks first); `written` records each run."""
    tools = ToolRegistry()
    tools.register(Tool("write", "w", {"type": "object"},
                        lambda a: (written.append("x"), ToolOutcome("done", "write notes.md"))[1],
                        approval=lambda a: ApprovalRequest("write", "write", "write notes.md", "+hello")))
    return tools


async def test_approval_is_asked_at_the_prompt(startup, workspace, scripted, pipe) -> None:  # type: ignore[no-untyped-def]
    written: list[str] = []
    startup = start_with(workspace, scripted, tools=writing_tool(written))
    scripted.enqueue(tool_call("write", {}), reply("Written."))
    pipe.send_text("write it\ry\r/quit\r")
    repl = make_repl(startup, workspace, pipe)
    await repl.run()
    assert written == ["x"]
    assert "write notes.md" in output(repl)[1] and "+hello" in output(repl)[1]


async def test_an_approval_is_answered_by_its_letter_alone(startup, workspace, scripted, pipe) -> None:  # type: ignore[no-untyped-def]
    written: list[str] = []
    startup = start_with(workspace, scripted, tools=writing_tool(written))
    scripted.enqueue(tool_call("write", {}), reply("Written."))
    pipe.send_text("write it\ra/quit\r")  # no Enter after the letter
    repl = make_repl(startup, workspace, pipe)
    await repl.run()
    assert written == ["x"] and "write" in startup.assistant.grants


async def test_ctrl_c_at_the_prompt_keeps_the_draft(startup, workspace, pipe) -> None:  # type: ignore[no-untyped-def]
    pipe.send_text("half a thought\x03/quit\r")
    repl = make_repl(startup, workspace, pipe)
    await repl.run()
    assert startup.assistant.store.get_session(startup.assistant.session.id).draft == "half a thought"
    assert "kept as a draft" in output(repl)[1]


async def test_script_mode_prints_replies_and_exits_nonzero_on_failure(startup, workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue(reply("first answer"), broken("x"), broken("half"))
    repl = make_repl(startup, workspace)
    assert await repl.run(["one", "two"]) == 1
    out, err = output(repl)
    assert "first answer" in out and "half" in out
    assert "cut off" in err and "/retry" in err


async def test_commands_in_script_mode(startup, workspace, scripted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "t.md"
    repl = make_repl(startup, workspace)
    code = await repl.run(["hello", "/model opus", "/cost", f"/export {target}", "/persona", "/help",
                           "/sessions", "/model gpt four", "/nope"])
    _, err = output(repl)
    assert "Model: claude-opus-5-5" in err
    assert f"Session {startup.assistant.session.id}: in " in err
    assert "# backdev session" in target.read_text() and "hello" in target.read_text()
    assert "* backend-developer (built-in)" in err
    assert "/export [PATH]" in err and "hello" in err
    assert "Unknown model 'gpt four'" in err and "Unknown command /nope" in err
    assert code == 1  # bad commands in a script are failures


async def test_retry_and_new_from_the_repl(startup, workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue(broken("a"), broken("b"), reply("fixed"))
    repl = make_repl(startup, workspace)
    await repl.run(["q", "/retry", "/new", "fresh"])
    first = startup.assistant.store.messages(startup.assistant.store.list_sessions()[-1].record.id)
    assert [r.status for r in first] == ["complete", "superseded", "superseded", "complete"]
    assert [r.text for r in startup.assistant.messages()][0] == "fresh"


async def test_resume_shows_where_it_stopped(workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    from backdev.compose import open_store, start_session

    store = open_store()
    first = start_session(workspace, store, scripted)
    scripted.enqueue(broken("x"), broken("cut here"))
    await make_repl(first, workspace).run(["question one"])
    again = start_session(workspace, store, scripted, resume=True)
    assert again.assistant.session.id == first.assistant.session.id and again.resumed
    repl = make_repl(again, workspace)
    repl.greet()
    err = output(repl)[1]
    assert "you: question one" in err and "[interrupted]: cut here" in err and "/retry asks again" in err


async def test_ctrl_c_while_streaming_cancels_and_keeps_the_partial(startup, workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import os
    import signal

    from backdev.llm.events import TextDelta

    scripted.enqueue([TextDelta("Partial answer"), 30.0, *reply("never arrives")])
    repl = make_repl(startup, workspace)
    asyncio.get_running_loop().call_later(0.2, os.kill, os.getpid(), signal.SIGINT)
    await repl.run_turn(repl.driver.send("long question"))
    last = startup.assistant.messages()[-1]
    assert (last.status, last.text) == ("cancelled", "Partial answer")
    assert "Cancelled — what arrived is kept" in output(repl)[1]


def test_complete_reply_is_rerendered_as_markdown_in_a_terminal() -> None:
    from backdev.llm.events import TextDelta, TurnFinished
    from backdev.repl.render import TurnPrinter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    printer = TurnPrinter(out, io.StringIO())
    printer.handle(TextDelta("Use **select_related**\n"))
    printer.handle(TextDelta("- one\n- two"))
    printer.handle(TurnFinished("", "end_turn", Usage()))
    written = out.getvalue()
    raw, rendered = written.split("\x1b[J", 1)
    assert raw.endswith("\r\x1b[2A")  # back to the start of the streamed text (three rows)
    assert "**" not in rendered and "select_related" in rendered and "•" in rendered
    plain = io.StringIO()
    piped = TurnPrinter(plain, io.StringIO())
    piped.handle(TextDelta("Use **select_related**"))
    piped.handle(TurnFinished("", "end_turn", Usage()))
    assert plain.getvalue() == "Use **select_related**\n\n"  # not a terminal: raw text stays


async def test_input_history_persists_between_sessions(startup, workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    from backdev import paths

    with create_pipe_input() as first:
        first.send_text("how do I index this?\r/quit\r")
        await make_repl(startup, workspace, first).run()
    assert "how do I index this?" in (paths.data_dir() / "repl_history").read_text()
    with create_pipe_input() as second:
        import asyncio

        # The history file loads in the background: once it has, Up twice (past "/quit") recalls
        # the question typed in the earlier run.
        asyncio.get_running_loop().call_later(0.3, second.send_text, "\x1b[A\x1b[A\r/quit\r")
        await make_repl(startup, workspace, second).run()
    sent = [r.text for r in startup.assistant.messages() if r.role == "user"]
    assert sent == ["how do I index this?", "how do I index this?"]


async def test_prompt_shows_the_assembled_system_prompt_and_tools(startup, workspace) -> None:  # type: ignore[no-untyped-def]
    repl = make_repl(startup, workspace)
    assert await repl.run(["/prompt"]) == 0
    err = output(repl)[1]
    assert "The prompt before the conversation" in err and "system 1 · persona backend-developer  ~" in err
    assert "system 2 · repository" in err and "system 3 · phase requirements" in err and "tools (13)" in err
    assert startup.assistant.persona.prompt.strip().splitlines()[-1] in err  # the block's full text, not a summary


async def test_history_and_drafts_keep_secrets_redacted_and_answers_are_not_history(workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    from backdev import paths

    tools = ToolRegistry()
    tools.register(Tool("write", "w", {"type": "object"}, lambda a: ToolOutcome("done", "write notes.md"),
                        approval=lambda a: ApprovalRequest("write", "write", "write notes.md", "+hello")))
    startup = start_with(workspace, scripted, tools=tools)
    scripted.enqueue(tool_call("write", {}), reply("Written."))
    with create_pipe_input() as pipe:
        pipe.send_text("DB_PASSWORD=hunter2-secret\rn\rtoken ghp_16C7e42F292c6912E7710c838347Ae178B4a\x03/quit\r")
        await make_repl(startup, workspace, pipe).run()
    history = (paths.data_dir() / "repl_history").read_text()
    assert "hunter2-secret" not in history and "DB_PASSWORD=[REDACTED:password]" in history
    assert "\n+n\n" not in history  # the approval answer is not a line of history
    draft = startup.assistant.store.get_session(startup.assistant.session.id).draft
    assert "ghp_16C7" not in draft and "[REDACTED:github-token]" in draft


def test_the_history_file_redacts_what_it_stores(tmp_path: Path) -> None:
    from backdev.repl.history import RedactingFileHistory

    history = RedactingFileHistory(str(tmp_path / "h"))
    history.store_string("export API_TOKEN=abcdef123456")
    assert "abcdef123456" not in (tmp_path / "h").read_text()
    assert list(history.load_history_strings()) == ["export API_TOKEN=[REDACTED:secret-value]"]


async def test_a_piped_run_without_a_key_says_so_once_not_for_every_line(workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from backdev.compose import open_store, start_session
    from backdev.llm.anthropic_provider import AnthropicProvider

    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    repl = make_repl(start_session(workspace, open_store(), AnthropicProvider(api_key=None)), workspace)
    assert await repl.run(["one", "two", "three"]) == 1  # every line still fails, and the run says so
    assert output(repl)[1].count("No API key is set") == 1


async def test_a_cut_off_reply_is_announced_once(startup, workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    # The failure's own sentence says it was cut off and that what arrived is kept: a second
    # "(the reply above is incomplete…)" line before it said the same thing again.
    scripted.enqueue(broken("half"), broken("half an answer"))  # the first break is retried by itself
    repl = make_repl(startup, workspace)
    assert await repl.run(["one"]) == 1
    out, err = output(repl)
    assert "half an answer" in out
    notices = [line for line in err.splitlines() if "⚠" in line]
    assert len(notices) == 1 and "cut off" in notices[0] and "what arrived is kept" in notices[0]


async def test_a_reply_stopped_by_the_output_limit_is_said_once(startup, workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue([TextDelta("First, add the"),
                      MessageFinished([{"type": "text", "text": "First, add the"}], "max_tokens", Usage(10, 5))])
    repl = make_repl(startup, workspace)
    await repl.run(["plan it"])
    out, err = output(repl)
    assert "First, add the" in out
    said = [line for line in (out + err).splitlines() if "output limit" in line]
    assert len(said) == 1 and "go on" in said[0], out + err
