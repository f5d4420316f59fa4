"""Benchmarks of `backdev chat` (a script, not a test): run `python bench/bench_tui.py`.

Each measurement is a ratio against a baseline run side by side in the same command:

1. start-up — process start to the first frame (`App.on_ready`) of the real app on a new session,
   built exactly as `backdev chat` builds it, vs a bare Textual app with a Markdown and a TextArea.
   Target: ratio <= 1.3.
2. streaming — a 2,000-delta, 12 KB markdown reply from the fake API (in its own process, so it
   does not share the GIL with the app) through the real SDK, provider and app, headless, from
   Enter to the reply fully rendered; vs the same fragments shown with `Markdown.update(whole text)`
   per chunk. Targets: <= 1.5 s and >= 10x faster. The update() baseline is quadratic; it stops
   after a time budget and the ratio is then a lower bound (the chunks it did not reach would only
   cost more).
3. resume — process start to interactive (first frame, history shown, prompt focused) on a
   500-exchange session, vs a new session; peak RSS of that process. Targets: <= 1 s, <= 250 MB.

Every timed run is a fresh process (or, for streaming, a fresh app), repeated; medians reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DELTAS = 2000
REPLY_BYTES = 12_000


# --- children (each runs in its own process) ---------------------------------------------------


def _exit_at_ready(app_class: type) -> None:
    """Print the wall clock and peak RSS when the app's first frame is up, then exit."""
    import resource

    original = getattr(app_class, "on_ready", None)

    def on_ready(self) -> None:  # type: ignore[no-untyped-def]
        stamp = time.time()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if original is not None:
            original(self)
        print(json.dumps({"ready": stamp, "rss": rss}), flush=True)
        self.exit()

    app_class.on_ready = on_ready  # type: ignore[attr-defined]


def child_bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Markdown, TextArea

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Markdown("# backdev")
            yield TextArea()

    _exit_at_ready(Bare)
    Bare().run(headless=True, size=(100, 30))


def child_app(resume: str | None) -> None:
    # Exactly what `backdev chat` does before handing over to the app (see backdev/cli.py _chat),
    # then what run_tui does (backdev/tui/launch.py), with a headless driver.
    import gc

    from backdev.compose import make_provider, open_store, open_workspace, start_session
    from backdev.logs import setup_logging

    workspace = open_workspace(Path.cwd(), {"model": None, "persona": None})
    setup_logging()
    store = open_store()
    provider = make_provider(workspace.settings)
    startup = start_session(workspace, store, provider, resume=resume)
    gc.disable()  # run_tui's first line (see run_app)
    from backdev.tui.app import BackdevApp
    from backdev.tui.factory import make_app
    from backdev.tui.launch import run_app

    _exit_at_ready(BackdevApp)
    run_app(make_app(startup, workspace), headless=True, size=(100, 30))  # what run_tui does
    os._exit(0)  # do not wait for the background import of anthropic to finish


SECTION = """## {n}. Where the time goes

The order list view renders {n}0 orders and, for each one, reads `order.customer` and
`order.items.count()`. Django evaluates those lazily, so every row costs two more queries: with
the default page size that is a few hundred round trips to MySQL for one request, and the p95 you
measured (about 900 ms) is almost all of it spent waiting on the database rather than in Python.

- `select_related("customer")` turns the customer lookups into one JOIN;
- `annotate(item_count=Count("items"))` replaces the per-row `count()`;
- an index on `orders(customer_id, created_at)` keeps the sort cheap as the table grows.

```python
def order_list(request):
    orders = (
        Order.objects.select_related("customer")
        .annotate(item_count=Count("items"))
        .order_by("-created_at")[:50]
    )
    return render(request, "orders/list.html", {{"orders": orders}})
```

A test pins the number of queries, so a later change cannot bring the N+1 back without failing
CI. Run it with `pytest -k order_list` and watch `assertNumQueries(3)` hold.

"""


def make_reply() -> list[str]:
    """A 12 KB reply shaped like a real one (headings, prose, lists, code) in 2,000 fragments.

    About 70% prose, with a bulleted list and a 9-line code block per section: the mix the
    persona writes, not a worst case of one tiny block per line (nor a best case of one paragraph).
    """
    parts, n = [], 0
    while sum(map(len, parts)) < REPLY_BYTES:
        n += 1
        parts.append(SECTION.format(n=n))
    text = "".join(parts)[:REPLY_BYTES]
    size = -(-len(text) // DELTAS)
    return [text[k : k + size] for k in range(0, len(text), size)]


async def _stream_app(url: str) -> float:
    from backdev.compose import open_store, open_workspace, start_session
    from backdev.llm.anthropic_provider import AnthropicProvider
    from backdev.tui.factory import make_app

    workspace = open_workspace(Path.cwd())
    provider = AnthropicProvider(api_key="bench", base_url=url, timeout=60, max_retries=0)
    startup = start_session(workspace, open_store(), provider)
    app = make_app(startup, workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.ready_for_turns:
            await pilot.pause(0.05)
        chat = app.chat
        chat.prompt.set_text("explain the slow order list")
        started = time.perf_counter()
        chat.prompt.action_submit()
        while chat.busy or not chat.transcript.replies() or chat.transcript.replies()[-1].streaming:
            await pilot.pause(0.005)
        await pilot.pause()  # everything posted is handled and laid out
        elapsed = time.perf_counter() - started
        assert chat.transcript.replies()[-1].source == "".join(make_reply())
    return elapsed


async def _stream_update(budget: float) -> tuple[float, int]:
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    class Baseline(App):
        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Markdown()

    chunks = make_reply()
    app = Baseline()
    async with app.run_test(size=(120, 40)) as pilot:
        markdown = app.query_one(Markdown)
        app.query_one(VerticalScroll).anchor()
        text, done = "", 0
        started = time.perf_counter()
        for chunk in chunks:
            text += chunk
            await markdown.update(text)
            done += 1
            if time.perf_counter() - started > budget:
                break
        await pilot.pause()
        return time.perf_counter() - started, done


def child_stream(mode: str, argument: str) -> None:
    import asyncio

    if mode == "app":
        print(json.dumps({"seconds": asyncio.run(_stream_app(argument))}), flush=True)
    else:
        seconds, done = asyncio.run(_stream_update(float(argument)))
        print(json.dumps({"seconds": seconds, "chunks": done}), flush=True)
    os._exit(0)


# --- the parent --------------------------------------------------------------------------------


def run_child(*args: str, cwd: Path, env: dict[str, str]) -> dict:  # type: ignore[type-arg]
    started = time.time()
    result = subprocess.run([sys.executable, str(HERE), "--child", *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{result.stderr[-3000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if "ready" in data:
        data["seconds"] = data["ready"] - started
    return data


def make_project(root: Path) -> Path:
    project = root / "project"
    project.mkdir()
    for name in ("manage.py", "shop/models.py", "shop/views.py", "shop/urls.py", "README.md"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(f"# {name}\n")
    git_env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
               "GIT_COMMITTER_EMAIL": "b@x"}
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", *command], cwd=project, env=git_env, check=True)
    return project


def make_long_session(project: Path, exchanges: int = 500) -> str:
    """A session of `exchanges` questions and markdown replies (with code), written to the store."""
    from backdev.llm.events import Usage
    from backdev.session.store import SessionStore
    from backdev import paths

    store = SessionStore(paths.session_db_path())
    record = store.create_session(str(project), "backend-developer", "claude-sonnet-5-5")
    for turn in range(1, exchanges + 1):
        question = f"Question {turn}: why does the order list run {turn} queries?"
        answer = (f"### Answer {turn}\n\nThe view loops over orders and touches `order.customer` each time, so "
                  f"Django runs one query per row. Use `select_related`:\n\n```python\n"
                  f"orders = Order.objects.select_related('customer')[:{turn}]\n```\n\n"
                  "- measure with `django-debug-toolbar`\n- add a test asserting the query count\n")
        store.append_message(record.id, turn=turn, role="user", content=[{"type": "text", "text": question}], text=question)
        store.append_message(record.id, turn=turn, role="assistant", content=[{"type": "text", "text": answer}],
                             text=answer, usage=Usage(2000, 150, 0, 1800), model="claude-sonnet-5-5")
    store.close()
    return record.id


def median_of(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})"


def bench_startup(project: Path, env: dict[str, str], runs: int) -> dict[str, float]:
    bare, real = [], []
    for _ in range(runs):  # interleaved, so drift in the machine's load hits both alike
        bare.append(run_child("bare", cwd=project, env=env)["seconds"])
        real.append(run_child("app", cwd=project, env=env)["seconds"])
    ratio = statistics.median(real) / statistics.median(bare)
    print("1. start-up to first frame (App.on_ready), new session")
    print(f"   bare Textual app (Markdown + TextArea): {median_of(bare)}")
    print(f"   backdev chat:                           {median_of(real)}")
    print(f"   ratio {ratio:.2f}x   (target <= 1.3x)  {'OK' if ratio <= 1.3 else 'MISSED'}")
    return {"startup_ratio": ratio, "startup_real": statistics.median(real)}


def bench_stream(project: Path, env: dict[str, str], runs: int, budget: float) -> None:
    from backdev.fakeapi.process import FakeApiProcess

    chunks = make_reply()
    text = "".join(chunks)
    step = {"type": "text", "text": text, "chunk": len(chunks[0])}
    times = []
    with FakeApiProcess(env=env) as fake:
        for _ in range(runs):
            fake.enqueue(step)
            times.append(run_child("stream", "app", fake.url, cwd=project, env=env)["seconds"])
    baseline = run_child("stream", "update", str(budget), cwd=project, env=env)
    app_median = statistics.median(times)
    ratio = baseline["seconds"] / app_median
    complete = baseline["chunks"] == len(chunks)
    print(f"2. streaming a {len(text):,}-byte markdown reply in {len(chunks):,} deltas (fake API in its own process)")
    print(f"   backdev chat (SDK -> provider -> worker -> MarkdownStream): {median_of(times)}"
          f"   (target <= 1.5 s)  {'OK' if app_median <= 1.5 else 'MISSED'}")
    shown = "all" if complete else f"only {baseline['chunks']:,} of {len(chunks):,}"
    print(f"   Markdown.update(whole text) per chunk: {baseline['seconds']:.1f} s for {shown} chunks")
    bound = "" if complete else " (lower bound: stopped at the time budget)"
    print(f"   ratio {ratio:.1f}x faster{bound}   (target >= 10x)  {'OK' if ratio >= 10 else 'MISSED'}")


def bench_resume(project: Path, env: dict[str, str], runs: int, session_id: str) -> None:
    fresh, resumed, rss = [], [], []
    for _ in range(runs):
        fresh.append(run_child("app", cwd=project, env=env)["seconds"])
        data = run_child("app", session_id, cwd=project, env=env)
        resumed.append(data["seconds"])
        rss.append(data["rss"] / 1e6)
    median = statistics.median(resumed)
    peak = max(rss)
    print("3. resume of a 500-exchange session to interactive (history shown, prompt focused)")
    print(f"   new session:     {median_of(fresh)}")
    print(f"   resumed session: {median_of(resumed)}   (target <= 1 s)  {'OK' if median <= 1 else 'MISSED'}")
    print(f"   ratio {median / statistics.median(fresh):.2f}x a new session;"
          f" peak RSS {peak:.0f} MB (target <= 250 MB)  {'OK' if peak <= 250 else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="repetitions of each timed run (medians are reported)")
    parser.add_argument("--only", choices=["startup", "stream", "resume"], help="run one benchmark")
    parser.add_argument("--update-budget", type=float, default=120.0,
                        help="seconds the quadratic update() baseline may run before it stops (default 120)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "bare":
            child_bare()
        elif kind == "app":
            child_app(rest[0] if rest else None)
        else:
            child_stream(rest[0], rest[1])
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as scratch:
        root = Path(scratch)
        home = root / "home"
        env = {**os.environ, "BACKDEV_HOME": str(home), "PYTHONPATH": str(HERE.parent.parent)}
        env.pop("ANTHROPIC_API_KEY", None)
        # Like for like: Textual runs from the bytecode pip compiled when it was installed, and
        # `pip install .` compiles backdev the same way. Some machines set PYTHONDONTWRITEBYTECODE,
        # which would make every child compile backdev from source; compile it once here instead.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent.parent / "backdev")], env=env, check=True)
        os.environ["BACKDEV_HOME"] = str(home)
        project = make_project(root)
        print(f"backdev TUI benchmarks · Python {sys.version.split()[0]} · {os.cpu_count()} CPUs · runs={args.runs}\n")
        if args.only in (None, "startup"):
            bench_startup(project, env, args.runs)
        if args.only in (None, "stream"):
            bench_stream(project, env, max(3, args.runs // 2), args.update_budget)
        if args.only in (None, "resume"):
            bench_resume(project, env, args.runs, make_long_session(project))
    return 0


if __name__ == "__main__":
    sys.exit(main())
