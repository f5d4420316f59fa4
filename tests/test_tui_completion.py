"""Completion in the prompt: `/` offers the commands with their help, `@` offers repository paths."""

from __future__ import annotations

from pathlib import Path

from backdev.commands.base import CommandSpec
from backdev.compose import open_store, open_workspace, start_session
from backdev.llm.scripted import ScriptedProvider
from backdev.repo.completion import PathIndex
from backdev.tui.completion import Completer
from backdev.tui.widgets.composer import AttachmentChip, remove_attachment
from backdev.tui.widgets.entries import UserEntry

from .conftest import git
from .tuikit import build, entries, notes, started, turn_done, wait_for

SPECS = [CommandSpec("retry", "", "ask again"), CommandSpec("review", "PATH", "review a file"), CommandSpec("new", "", "n")]


def commands(prefix: str) -> list[CommandSpec]:
    return [s for s in SPECS if s.name.startswith(prefix.lstrip("/"))]


def test_slash_offers_commands_only_in_the_first_word() -> None:
    completer = Completer(commands)
    found = completer.complete("/re", 3)
    assert found is not None and found.kind == "command"
    assert [(c.value, c.label, c.help) for c in found.candidates] == [("/retry ", "/retry", "ask again"),
                                                                       ("/review ", "/review PATH", "review a file")]
    assert completer.complete("/retry now", 10) is None
    assert completer.complete("//re", 4) is None  # `//` sends a literal slash
    assert completer.complete("hello /re", 9) is None


def test_at_offers_paths_fuzzily_and_after_a_partial_path() -> None:
    completer = Completer(commands, PathIndex(["shop/orders/views.py", "shop/orders/models.py", "README.md"]))
    found = completer.complete("look at @ordvie", 15)
    assert found is not None and found.kind == "path" and found.start == 8
    assert [c.value for c in found.candidates] == ["@shop/orders/views.py "]
    partial = completer.complete("@shop/orders/m", 14)
    assert partial is not None and partial.candidates[0].label == "shop/orders/models.py"
    text, cursor = partial.apply("@shop/orders/m and more", partial.candidates[0])
    assert (text, cursor) == ("@shop/orders/models.py  and more", 23)
    assert Completer(commands).complete("@x", 2) is None  # before the file list is loaded


def test_removing_an_attachment_removes_its_token() -> None:
    assert remove_attachment("see @a.py and @b.py please", "a.py") == "see and @b.py please"
    assert remove_attachment("@a.py first", "a.py") == "first"
    assert remove_attachment("no@a.py here", "a.py") == "no@a.py here"  # not an attachment token


async def test_typing_a_slash_shows_the_commands_and_tab_accepts(startup, workspace) -> None:  # type: ignore[no-untyped-def]
    app = build(startup, workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await pilot.press("/", "r", "e", "t")
        menu = chat.composer.menu
        assert menu.display and chat.composer.menu_open
        shown = [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]
        assert shown == ["/retry  ask the last question again"]
        await pilot.press("tab")
        assert chat.prompt.text == "/retry " and not menu.display
        await pilot.press("ctrl+u", "/", "n")
        assert chat.composer.menu_open
        await pilot.press("escape")  # Esc closes the menu (and cancels nothing)
        assert not chat.composer.menu_open and chat.prompt.text == "/n"


async def test_at_completes_repository_paths_and_shows_the_attachment(git_repo: Path) -> None:
    (git_repo / "shop").mkdir()
    (git_repo / "shop" / "views.py").write_text("def order_list(request): ...\n")
    (git_repo / "shop" / "models.py").write_text("class Order: ...\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "shop")
    workspace = open_workspace(git_repo)
    provider = ScriptedProvider()
    app = build(start_session(workspace, open_store(), provider), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await pilot.press(*"why is @vie")
        menu = chat.composer.menu
        assert [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)] == ["shop/views.py"]
        assert not chat.query(AttachmentChip)  # `@vie` is still being typed: not an attachment yet
        await pilot.press("enter")  # Enter accepts the highlighted path
        assert chat.prompt.text == "why is @shop/views.py "
        await pilot.pause()
        assert [chip.path for chip in chat.query(AttachmentChip)] == ["shop/views.py"]
        await pilot.press(*"slow?", "enter")
        await turn_done(pilot)
        assert [u.text for u in entries(chat, UserEntry)] == ["why is @shop/views.py slow?"]
        sent = provider.history[-1].messages[-1]["content"]
        assert any("def order_list" in block["text"] for block in sent[1:])
        assert not chat.query(AttachmentChip)  # sent: the prompt and its attachments are cleared

        await pilot.press(*"compare @shop/models.py and @shop/views.py ")
        await pilot.pause()
        assert [chip.path for chip in chat.query(AttachmentChip)] == ["shop/models.py", "shop/views.py"]
        await pilot.click(AttachmentChip)  # the first chip: removes its token from the message
        await pilot.pause()
        assert chat.prompt.text == "compare and @shop/views.py "


async def test_a_missing_attachment_is_not_sent_and_the_text_is_kept(git_repo: Path) -> None:
    workspace = open_workspace(git_repo)
    provider = ScriptedProvider()
    app = build(start_session(workspace, open_store(), provider), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        chat.prompt.set_text("look at @nope.py please")
        chat.composer.close_menu()
        await pilot.press("enter")
        await wait_for(lambda: any("Not sent" in n for n in notes(chat)), what="the refusal")
        assert "@nope.py does not exist" in notes(chat)[-1]
        assert chat.prompt.text == "look at @nope.py please" and provider.history == []
        assert startup_rows(app) == []


def startup_rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.text for r in app.options.startup.assistant.messages()]


async def test_a_secret_file_is_sent_only_after_confirming(git_repo: Path) -> None:
    (git_repo / ".env").write_text("SITE_NAME=shop-staging\nSECRET_KEY=abc123def456\n")
    workspace = open_workspace(git_repo)
    provider = ScriptedProvider()
    app = build(start_session(workspace, open_store(), provider), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        chat.prompt.set_text("check @.env")
        chat.composer.close_menu()
        await pilot.press("enter")
        await wait_for(lambda: type(app.screen).__name__ == "ConfirmScreen", what="the confirmation")
        shown = str(app.screen.query_one("#question").render())
        # exactly what would be sent, as plain mode shows it: the redacted lines
        assert ".env is a secret file" in shown and "SITE_NAME=shop-staging" in shown
        assert "SECRET_KEY=[REDACTED:secret-value]" in shown and "abc123def456" not in shown
        await pilot.press("n")
        await pilot.pause()
        assert provider.history == [] and chat.prompt.text == "check @.env"
        await pilot.press("enter")
        await wait_for(lambda: type(app.screen).__name__ == "ConfirmScreen", what="the confirmation again")
        await pilot.press("y")
        await wait_for(lambda: provider.history, what="the message to go")
        await turn_done(pilot)
        assert any("SITE_NAME=shop-staging" in block.get("text", "") for block in provider.history[-1].messages[-1]["content"])
        assert chat.prompt.text == ""


async def test_review_completes_its_path_argument(git_repo: Path) -> None:
    (git_repo / "shop").mkdir()
    (git_repo / "shop" / "views.py").write_text("def order_list(request): ...\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "shop")
    workspace = open_workspace(git_repo)
    app = build(start_session(workspace, open_store(), ScriptedProvider()), workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await started(pilot)
        await pilot.press(*"/review vie")
        menu = chat.composer.menu
        assert [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)] == ["shop/views.py"]
        await pilot.press("tab")
        assert chat.prompt.text == "/review shop/views.py "
        assert not chat.query(AttachmentChip)  # the argument is a path, not an attachment
