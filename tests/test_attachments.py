"""`@path` attachments: read safely, redacted, confirmed when secret, sent once with their message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backdev.assistant import drain
from backdev.compose import Startup
from backdev.llm.scripted import reply
from backdev.repo.attachments import attachment_paths, prepare_message
from backdev.repo.repository import Repository
from backdev.repo.safety import SafetyPolicy
from backdev.settings import Settings

from .repo_helpers import make_shop_with_secrets


@pytest.fixture
def repo(git_repo: Path) -> Repository:
    return Repository.open(make_shop_with_secrets(git_repo))


def test_a_file_is_attached_with_line_numbers(repo: Repository) -> None:
    prepared = prepare_message("why is @shop/views.py slow?", repo, Settings())
    assert prepared.ready and prepared.text == "why is @shop/views.py slow?"
    assert prepared.extra_blocks == [{"type": "text", "text": (
        '<attached file="shop/views.py" lines="1–2 of 2">\n1\tdef index(request):\n2\t    return \'hello\'\n</attached>')}]
    assert prepared.meta == {"attachments": ["shop/views.py"]}


def test_a_line_range_and_a_folder(repo: Repository) -> None:
    ranged = prepare_message("look at @shop/views.py:2-2", repo, Settings())
    assert '<attached file="shop/views.py" lines="2–2 of 2">\n2\t    return \'hello\'\n</attached>' == ranged.extra_blocks[0]["text"]
    folder = prepare_message("what is in @shop/ ?", repo, Settings())
    assert folder.extra_blocks[0]["text"] == (
        '<attached folder="shop/" files="3">\nshop/models.py\nshop/settings.py\nshop/views.py\n</attached>')
    assert folder.meta == {"attachments": ["shop/"]}


def test_a_missing_path_blocks_sending_until_fixed_or_confirmed(repo: Repository) -> None:
    prepared = prepare_message("see @shop/viewz.py", repo, Settings())
    assert not prepared.ready and prepared.missing == ["shop/viewz.py"]
    assert prepared.problem() == ("@shop/viewz.py: no such file or folder in the repository. Fix the path "
                                  "(Tab completes it) or send the message without it.")
    anyway = prepare_message("see @shop/viewz.py", repo, Settings(), skip_missing=True)
    assert anyway.ready and anyway.extra_blocks == [] and anyway.notes == ["Sent without @shop/viewz.py (not found)."]


@pytest.mark.parametrize(("token", "reason"), [("../../etc/passwd", "outside the repository"), ("/etc/passwd", "absolute"),
                                               ("~/.ssh/id_rsa", "home folder")])
def test_paths_outside_are_refused(repo: Repository, token: str, reason: str) -> None:
    prepared = prepare_message(f"read @{token}", repo, Settings())
    assert not prepared.ready and prepared.refused and reason in prepared.refused[0]
    assert reason in prepared.problem()


def test_secret_files_need_confirmation_and_say_what_will_be_sent(repo: Repository) -> None:
    prepared = prepare_message("check @.env", repo, Settings())
    assert not prepared.ready and prepared.secret_files == [".env"] and prepared.extra_blocks == []
    confirmation = prepared.confirmation()
    assert ".env is a secret file" in confirmation and "lines 1–2 of 2" in confirmation
    assert "SECRET_KEY=[REDACTED:secret-value]" in confirmation and "abc123def456" not in confirmation
    confirmed = prepare_message("check @.env", repo, Settings(), confirmed_secrets=[".env"])
    assert confirmed.ready and "SECRET_KEY=[REDACTED:secret-value]" in confirmed.extra_blocks[0]["text"]
    assert confirmed.redactions == ["secret-value"]
    loose_settings = Settings(refuse_secret_files=False)
    loose_repo = Repository.open(repo.root, policy=SafetyPolicy.from_settings(loose_settings))
    loose = prepare_message("check @.env", loose_repo, loose_settings)
    assert loose.ready  # loosened in config: no question asked (values still redacted)


def test_typed_text_and_attached_content_are_redacted(repo: Repository) -> None:
    prepared = prepare_message("my key AKIAIOSFODNN7EXAMPLE fails with @shop/settings.py", repo, Settings())
    assert prepared.text == "my key [REDACTED:aws-access-key] fails with @shop/settings.py"
    assert "DB_PASSWORD = '[REDACTED:password]'" in prepared.extra_blocks[0]["text"]
    assert "hunter2" not in json.dumps(prepared.extra_blocks)
    assert prepared.redactions == ["aws-access-key", "password"]
    assert prepared.meta["redactions"] == ["aws-access-key", "password"]
    open_settings = Settings(redact_secrets=False)
    open_repo = Repository.open(repo.root, policy=SafetyPolicy.from_settings(open_settings))
    assert prepare_message("AKIAIOSFODNN7EXAMPLE", open_repo, open_settings).redactions == []


def test_code_and_decorators_are_not_attachments() -> None:
    text = ("use @property or @pytest.fixture and @app.task, ask @alice; mail a@b.com\n"
            "`@shop/views.py` stays code\n```python\n@api_view(['GET'])\n@login_required\n```\n"
            "but @README.md, @docs/guide.md and (@shop/models.py) are files.")
    assert attachment_paths(text) == ["README.md", "docs/guide.md", "shop/models.py"]


def test_caps_and_binary(repo: Repository) -> None:
    (repo.root / "big.txt").write_text("".join(f"row {n}\n" for n in range(100)))
    (repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    prepared = prepare_message("@big.txt", repo, Settings(read_max_lines=10))
    assert "Lines 11–100 of big.txt were left out (at most 10 lines per read). Attach them with @big.txt:11-20." in \
        prepared.extra_blocks[0]["text"]
    assert prepared.notes == ["big.txt: lines 1–10 of 100 attached (lines 11–100 left out: at most 10 lines per read)."]
    binary = prepare_message("@logo.png", repo, Settings())
    assert not binary.ready and "binary file" in binary.refused[0]


def test_each_path_once(repo: Repository) -> None:
    prepared = prepare_message("@shop/views.py and again @shop/views.py", repo, Settings())
    assert len(prepared.extra_blocks) == 1


async def test_attached_content_is_sent_once_with_its_message(repo: Repository, startup: Startup, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted.enqueue(reply("It returns hello."), reply("Still hello."))
    prepared = prepare_message("explain @shop/views.py", repo, Settings())
    await drain(startup.assistant.send(prepared.text, extra_blocks=prepared.extra_blocks, meta=prepared.meta))
    await drain(startup.assistant.send("and now?"))
    second = scripted.history[-1].messages
    sent = json.dumps(second)
    assert sent.count("def index(request)") == 1  # in the first message only, never repeated
    assert second[-1]["content"] == [{"type": "text", "text": "and now?"}]
    first_row = startup.assistant.messages()[0]
    assert first_row.meta == {"attachments": ["shop/views.py"]} and len(first_row.content) == 2
