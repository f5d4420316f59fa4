"""The plain REPL with repository context: @ completion, the attachment flow, tool lines, notes at start."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from backdev.compose import Startup, Workspace, open_store, open_workspace, start_session
from backdev.llm.scripted import ScriptedProvider, reply, tool_call
from backdev.repl.app import PlainRepl
from backdev.repl.completion import AtPathCompleter, repl_completer
from backdev.repo.completion import PathIndex

from .repo_helpers import make_shop_with_secrets


@pytest.fixture
def pipe() -> Iterator[object]:
    with create_pipe_input() as pipe_input:
        yield pipe_input


@pytest.fixture
def shop_workspace(git_repo: Path) -> Workspace:
    return open_workspace(make_shop_with_secrets(git_repo))


@pytest.fixture
def shop_startup(shop_workspace: Workspace, scripted: ScriptedProvider) -> Startup:
    return start_session(shop_workspace, open_store(), scripted)


def make_repl(startup: Startup, workspace: Workspace, pipe: object | None = None) -> PlainRepl:
    return PlainRepl(startup, workspace, interactive=pipe is not None, prompt_input=pipe,
                     prompt_output=DummyOutput() if pipe else None, out=io.StringIO(), err=io.StringIO())


def err_of(repl: PlainRepl) -> str:
    return repl.err.getvalue()  # type: ignore[attr-defined]


async def typed(startup: Startup, workspace: Workspace, pipe: object, keys: str) -> str:
    """Run the interactive REPL on `keys` (prompt-toolkit pipe input); return what it said on stderr."""
    pipe.send_text(keys)  # type: ignore[attr-defined]
    repl = make_repl(startup, workspace, pipe)
    await repl.run()
    return err_of(repl)


def user_rows(startup: Startup) -> list:
    return [r for r in startup.assistant.messages() if r.role == "user" and r.kind == "message"]


def test_at_completion_is_fuzzy_and_follows_a_partial_path() -> None:
    index = PathIndex(["shop/models.py", "shop/views.py", "shop/serializers.py", "orders/views.py"])
    completer = AtPathCompleter(lambda: index)

    def offered(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), None)]

    assert offered("look at @sh/v") == ["shop/views.py"]
    assert offered("why @shsrl") == ["shop/serializers.py"]
    assert offered("@orders/")[:2] == ["orders/", "orders/views.py"]
    assert offered("no at sign here") == [] and offered("mail a@sh") == []
    found = list(completer.get_completions(Document("see @shop/vi"), None))
    assert found[0].start_position == -len("shop/vi")  # only the query after @ is replaced
    assert [c.text for c in AtPathCompleter(lambda: None).get_completions(Document("@sh"), None)] == []


async def test_slash_and_at_completion_together(shop_startup: Startup, shop_workspace: Workspace) -> None:
    repl = make_repl(shop_startup, shop_workspace)
    await repl.attach()
    completer = repl_completer(repl.driver.completions, lambda: repl.driver.path_index)
    assert [c.text for c in completer.get_completions(Document("/ove"), None)] == ["/overview"]
    assert "shop/views.py" in [c.text for c in completer.get_completions(Document("@views"), None)]


async def test_not_a_git_repository_is_said_once(startup: Startup, workspace: Workspace) -> None:
    repl = make_repl(startup, workspace)
    await repl.run(["/overview", "/memory"])
    err = err_of(repl)
    assert err.count("Not a git repository") == 1
    assert "# Repository overview" in err and "Project memory" in err


async def test_a_missing_path_is_not_sent_until_fixed_or_confirmed(shop_startup, shop_workspace, scripted, pipe) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue(reply("Sent without it."))
    # Enter the message, refuse to send without the file; it comes back at the prompt: Enter again, then yes.
    err = await typed(shop_startup, shop_workspace, pipe, "see @shop/viewz.py\rn\r\ry\r/quit\r")
    assert err.count("@shop/viewz.py: no such file or folder in the repository.") == 2
    assert "Not sent: your message is back at the prompt." in err
    rows = user_rows(shop_startup)
    assert [r.text for r in rows] == ["see @shop/viewz.py"] and rows[0].meta == {}
    assert "Sent without @shop/viewz.py (not found)." in err


async def test_a_secret_file_says_what_will_be_sent_and_asks(shop_startup, shop_workspace, scripted, pipe) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue(reply("Looks fine."))
    err = await typed(shop_startup, shop_workspace, pipe, "check @.env\ry\r/quit\r")
    assert ".env is a secret file. If you confirm, the model receives its lines 1–2 of 2" in err
    assert "SECRET_KEY=[REDACTED:secret-value]" in err and "abc123def456" not in err
    assert "Redacted before sending: secret-value" in err
    (row,) = user_rows(shop_startup)
    assert row.meta == {"attachments": [".env"], "redactions": ["secret-value"]}
    sent = json.dumps(scripted.history[0].messages)
    assert "SECRET_KEY=[REDACTED:secret-value]" in sent and "abc123def456" not in sent


async def test_declining_a_secret_file_sends_nothing(shop_startup, shop_workspace, pipe) -> None:  # type: ignore[no-untyped-def]
    err = await typed(shop_startup, shop_workspace, pipe, "check @.env\rn\r\x15/quit\r")
    assert user_rows(shop_startup) == [] and "Not sent: your message is back at the prompt." in err


async def test_script_mode_refuses_and_keeps_the_draft(shop_startup, shop_workspace) -> None:  # type: ignore[no-untyped-def]
    repl = make_repl(shop_startup, shop_workspace)
    assert await repl.run(["explain @nope/missing.py", "check @.env"]) == 1
    err = err_of(repl)
    assert "@nope/missing.py: no such file" in err and "needs your confirmation in an interactive terminal" in err
    assert user_rows(shop_startup) == []
    assert shop_startup.assistant.store.get_session(shop_startup.assistant.session.id).draft == "check @.env"


async def test_attachment_redaction_and_tool_lines_are_shown(shop_startup, shop_workspace, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue(tool_call("read_file", {"path": "shop/views.py"}), reply("It says hello."))
    scripted.enqueue(reply("Noted."))
    repl = make_repl(shop_startup, shop_workspace)
    await repl.run(["what does index return?", "and @shop/settings.py with key AKIAIOSFODNN7EXAMPLE"])
    err = err_of(repl)
    assert "⚙ read_file shop/views.py · lines 1–2 of 2" in err
    assert "Redacted before sending: aws-access-key, password" in err
    assert "📎 shop/settings.py" in err
    rows = user_rows(shop_startup)
    assert rows[1].text == "and @shop/settings.py with key [REDACTED:aws-access-key]"
