"""Golden files of the whole prompt, one per phase of the built-in workflow: every word the model is
sent before the conversation (system blocks and tool definitions), reviewed when it changes.

A change to the persona, a phase, a tool or the repository block makes these fail with a diff.
Read the diff; if the change is meant, rewrite the files and commit them with the change:

    .venv/bin/pytest tests/test_prompt_golden.py --update-golden
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from backdev.compose import open_store, open_workspace, start_session
from backdev.llm.scripted import ScriptedProvider
from backdev.repo.context import open_repo_context

from .conftest import git

GOLDEN = Path(__file__).parent / "golden"
PHASES = ("requirements", "design", "tdd", "review", "handoff")
ROOT_MARK = "<repository root>"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A small repository whose overview does not depend on where the test runs."""
    root = tmp_path / "shop"
    (root / "orders").mkdir(parents=True)
    (root / "orders" / "__init__.py").write_text("")
    (root / "orders" / "views.py").write_text("def index(request):\n    return 'orders'\n")
    (root / "README.md").write_text("# shop\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "shop")
    return root


def assembled(root: Path, phase: str) -> str:
    """What `/prompt` shows in `phase`, and the tool definitions exactly as sent."""
    workspace = open_workspace(root)
    assistant = start_session(workspace, open_store(), ScriptedProvider()).assistant
    assistant.attach_repository(open_repo_context(workspace.cwd, workspace.settings, workspace.policy))
    assert assistant.workflow is not None
    assistant.workflow.switch(phase)
    prompt = assistant.prompt()
    text = prompt.describe() + "\n\n── tool definitions as sent ──\n"
    text += json.dumps(prompt.tool_specs(), indent=2, ensure_ascii=False) + "\n"
    return text.replace(str(root), ROOT_MARK)


@pytest.mark.parametrize("phase", PHASES)
def test_the_prompt_of_each_phase_is_the_reviewed_one(shop: Path, phase: str, request: pytest.FixtureRequest) -> None:
    path = GOLDEN / f"prompt-{phase}.txt"
    actual = assembled(shop, phase)
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing: run pytest {__file__} --update-golden and review it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(path), "now"))
        pytest.fail(f"The {phase} prompt changed; review the diff and rerun with --update-golden if it is meant:\n{diff}")
