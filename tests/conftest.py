"""Shared fixtures: isolation from the person's own files, the fake API, real git repos, workspaces."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from backdev.chat.driver import ChatDriver
from backdev.compose import Startup, Workspace, open_store, open_workspace, start_session
from backdev.fakeapi import FakeAnthropic
from backdev.llm.anthropic_provider import AnthropicProvider
from backdev.llm.scripted import ScriptedProvider

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files under tests/golden/ from what the code produces now")


def pytest_configure(config: pytest.Config) -> None:
    """Watch the person's real home and XDG folders for the whole run (see tests/home_guard.py)."""
    from tests.home_guard import HomeGuard

    if not config.pluginmanager.has_plugin("backdev-home-guard"):
        config.pluginmanager.register(HomeGuard(), "backdev-home-guard")


@pytest.fixture(autouse=True)
def not_closing() -> Iterator[None]:
    """A test that closes a front end (SIGTERM, SIGHUP) does not leave the process marked as closing."""
    from backdev.session import closing

    closing.reset()
    yield
    closing.reset()


@pytest.fixture(autouse=True)
def no_known_models() -> Iterator[None]:
    """What one test's Models API said (by endpoint, and ports are reused) is not known to the next."""
    from backdev.context import limits

    limits.forget()
    yield
    limits.forget()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read or write the person's config, data or logs; never see their API key or database."""
    return isolate_home(tmp_path_factory, monkeypatch)


def isolate_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The isolation of `isolated_home`, for fixtures of a wider scope (they run outside it)."""
    home = tmp_path_factory.mktemp("backdev-home")
    monkeypatch.setenv("BACKDEV_HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / "claude"))  # never the person's ~/.claude/agents
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "BACKDEV_MODEL", "BACKDEV_PERSONA",
                "DATABASE_URL", "BACKDEV_DATABASE_URL", "BACKDEV_SCRATCH_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return home


def assert_all_valid(invalid: list, where: str) -> None:  # type: ignore[type-arg]
    """Fail a test whose requests the real API would have refused (the fakes refuse them too)."""
    assert not invalid, f"{where} refused {len(invalid)} invalid request(s): " + "; ".join(
        getattr(r, "problem", str(r)) for r in invalid)


@contextmanager
def windowed_fake(window: int) -> Iterator[FakeAnthropic]:
    """The fake API with a `window`-token context window (its Models API serves it too, and it refuses
    a prompt over it with the API's 400); afterwards every request it took must have been valid."""
    with FakeAnthropic(api_key="test-key", context_window=window) as fake:
        yield fake
        assert_all_valid(fake.invalid_requests, "the fake API")


@pytest.fixture
def fake_api() -> Iterator[FakeAnthropic]:
    """The scripted fake Messages API on 127.0.0.1, expecting the key `test-key`.

    After the test, every request it received must have been a valid conversation.
    """
    with FakeAnthropic(api_key="test-key") as api:
        yield api
        assert_all_valid(api.invalid_requests, "the fake API")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty folder to run backdev in (not a git repository)."""
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` with a fixed identity; return stdout."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A real git repository with one commit."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("# demo\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


@pytest.fixture
def workspace(project: Path) -> Workspace:
    return open_workspace(project)


def fake_provider(api: FakeAnthropic, key: str = "test-key") -> AnthropicProvider:
    """The real Anthropic provider pointed at the fake, with fast SDK retries."""
    return AnthropicProvider(api_key=key, base_url=api.url, timeout=5.0, max_retries=2)


@pytest.fixture
def scripted() -> Iterator[ScriptedProvider]:
    """The scripted provider; like the fake API, it refuses (and the test fails on) an invalid request."""
    provider = ScriptedProvider()
    yield provider
    assert_all_valid(provider.invalid, "the scripted provider")


@pytest.fixture
def startup(workspace: Workspace, scripted: ScriptedProvider) -> Startup:
    """An assistant on a new session, over the scripted provider."""
    return start_session(workspace, open_store(), scripted)


def start_with(workspace: Workspace, provider: Any, **options: Any) -> Startup:
    """A new session over `provider`; `options` as `start_session`'s (tools, persona_name, resume, access)."""
    return start_session(workspace, open_store(), provider, **options)


def driver_for(startup: Startup, workspace: Workspace, **options: Any) -> ChatDriver:
    """The session driver over a started session; `options` as `ChatDriver`'s (approve, confirm...).

    Without a repository unless one is attached: `driver.attach_repository(driver.read_repository())`.
    """
    return ChatDriver(startup, workspace, **options)


def run_backdev(*args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess (same interpreter, same isolated home)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "backdev", *args], cwd=cwd, env=full_env, input=input,
                          capture_output=True, text=True, timeout=timeout)


async def cancel_after_deltas(events, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Consume a turn's events as a front end does, cancel it once `count` text deltas arrived,
    and return the text received."""
    import asyncio
    from contextlib import aclosing

    import pytest

    from backdev.llm.events import TextDelta

    received: list[str] = []

    async def consume() -> None:
        async with aclosing(events) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    received.append(event.text)

    task = asyncio.create_task(consume())
    while len(received) < count and not task.done():
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return received
