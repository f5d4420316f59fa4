"""Benchmark: command-line start-up, and how fast failures and replies reach the person.

Run: `python bench/bench_core.py` (a few seconds). Prints medians and ratios:

- `backdev --help` and `backdev --version` against a bare `python -c pass` (same interpreter), to
  show nothing heavy is imported before a command needs it.
- `backdev _complete personas|sessions|models`, what the shell completion scripts run on Tab (with
  200 saved sessions in this folder), against the same baseline.
- `printf 'hi\\n' | backdev chat --plain` against the fake API (a separate process), end to end.
- A bad API key: time from sending to the one-sentence error, through the real SDK (the SDK does
  not retry 401; Claude Code's retries make it take minutes).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backdev.fakeapi.process import FakeApiProcess  # noqa: E402


def median_seconds(command: list[str], runs: int, **kwargs: object) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def bad_key_seconds(url: str, runs: int) -> float:
    from backdev.llm.anthropic_provider import AnthropicProvider
    from backdev.llm.provider import Request

    request = Request("claude-sonnet-5-5", ("s",), messages=({"role": "user", "content": [{"type": "text", "text": "hi"}]},))
    provider = AnthropicProvider(api_key="wrong-key", base_url=url)
    provider.client()  # import the SDK outside the timing: it is warmed in the background by the UIs
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        events = [e async for e in provider.stream(request)]
        times.append(time.perf_counter() - started)
        assert events[-1].failure.kind == "auth"  # type: ignore[attr-defined]
    return statistics.median(times)


def _saved_sessions(home: str, count: int) -> None:
    """`count` sessions of the folder `home`, in the session database under BACKDEV_HOME=home."""
    os.environ["BACKDEV_HOME"] = home
    from backdev.compose import open_store
    from backdev.project import find_project_root

    store = open_store()
    root = str(find_project_root(Path(home)))
    for number in range(count):
        store.update_session(store.create_session(root, "backend-developer", "sonnet").id, title=f"question {number}")
    store.close()


def main() -> None:
    runs = 7
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BACKDEV_HOME": home}
        env.pop("ANTHROPIC_API_KEY", None)
        # Measure what an installed backdev does: run from bytecode (pip compiles it at install), even
        # on machines that set PYTHONDONTWRITEBYTECODE.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        package = Path(__file__).resolve().parent.parent / "backdev"
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=True)
        python = median_seconds([sys.executable, "-c", "pass"], runs, env=env)
        helptime = median_seconds([sys.executable, "-m", "backdev", "--help"], runs, env=env)
        version = median_seconds([sys.executable, "-m", "backdev", "--version"], runs, env=env)
        print(f"python -c pass             {python * 1000:7.0f} ms")
        print(f"backdev --help             {helptime * 1000:7.0f} ms   ({helptime / python:.2f}x bare python)")
        print(f"backdev --version          {version * 1000:7.0f} ms   ({version / python:.2f}x bare python)")
        _saved_sessions(home, count=200)
        for kind in ("personas", "sessions", "models"):
            seconds = median_seconds([sys.executable, "-m", "backdev", "_complete", kind], runs, env=env, cwd=home)
            print(f"backdev _complete {kind:<9}{seconds * 1000:7.0f} ms   ({seconds / python:.2f}x bare python)")
        with FakeApiProcess(api_key="good-key") as api:
            chat_env = {**env, "ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": "good-key"}
            chat = median_seconds([sys.executable, "-m", "backdev", "chat", "--plain"], runs, env=chat_env,
                                  input=b"hi\n", cwd=home)
            print(f"piped chat, one reply      {chat * 1000:7.0f} ms   (whole process, SDK import included)")
            bad = asyncio.run(bad_key_seconds(api.url, runs))
            print(f"bad key reported after     {bad * 1000:7.1f} ms   (target < 1000 ms)")


if __name__ == "__main__":
    main()
