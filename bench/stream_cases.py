"""The streaming cases of bench/bench_tui.py: a 300-line markdown reply, on screen, against floors.

Each case runs in a fresh process (the fake API in another one) and asks for two replies: the
first is "cold" (nothing rendered yet in that process), the second "warm". Headless, a screen
update is one call of `App._display` (what Textual would write to the terminal), and a line is
"on screen" from the first update that draws it. Cases:

- `app`: backdev chat itself (SDK -> provider -> worker -> reply view), from Enter;
- `markdown-stream`: a minimal Textual app streaming the same deltas into `Markdown.get_stream()`;
- `markdown-once`: the same app with one `Markdown.update(whole reply)` when the stream ends;
- `sdk`: the SDK alone reading the stream (no screen at all): the stream's own floor.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

DELTAS = 629
# Any of the reply's own words: with the view following the tail, an instant stream may scroll its
# first line away before the first frame; "first line on screen" is the first text of the reply shown.
REPLY_TEXT = "Reply begins here {tag}|time goes {tag}"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def reply_300(tag: str) -> str:
    """A 300-line markdown reply shaped like a real one; its first and last lines carry `tag`."""
    lines = [f"Reply begins here {tag}", ""]
    n = 0
    while len(lines) < 300:
        n += 1
        lines += [f"## {n}. Where the time goes {tag}", "",
                  f"The order list view renders {n}0 orders and reads `order.customer` for each one,",
                  "so every row costs one more query: a few hundred round trips for one request.",
                  "The p95 you measured is almost all of it spent waiting on the database.", "",
                  "- `select_related(\"customer\")` turns the lookups into one JOIN;",
                  "- `annotate(item_count=Count(\"items\"))` replaces the per-row count;",
                  "- an index on `orders(customer_id, created_at)` keeps the sort cheap.", "",
                  "```python", "def order_list(request):", "    orders = (",
                  "        Order.objects.select_related(\"customer\")",
                  "        .annotate(item_count=Count(\"items\"))[:50]", "    )",
                  "    return render(request, \"orders/list.html\", {\"orders\": orders})", "```", ""]
        if n % 3 == 0:
            lines += ["| query | before | after |", "|-------|--------|-------|", f"| list  | {n}01    | 1     |", ""]
    lines = lines[:298]
    while lines[-1].startswith(("```", "    ", "|", "- ")) or lines[-1].startswith("def "):
        lines.pop()  # never end inside a fence, a table or a list: the last line must be prose
    lines += [""] * (298 - len(lines)) + ["", f"Reply ends here {tag}"]
    return "\n".join(lines)


def step(text: str, pace: float) -> dict[str, Any]:
    return {"type": "text", "text": text, "chunk": -(-len(text) // DELTAS), "delay": (1 / pace) if pace else 0.0}


class Screen:
    """Records the app's screen updates (time, whether a given text is in them)."""

    def __init__(self, app: Any) -> None:
        self.updates: list[tuple[float, str]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            from textual._compositor import CompositorUpdate

            if isinstance(renderable, CompositorUpdate):
                self.updates.append((time.perf_counter(), _ANSI.sub("", renderable.render_segments(app.console))))
            original(screen, renderable)

        app._display = display

    def first(self, text: str, since: float) -> float | None:
        return next((t for t, shown in self.updates if t >= since and re.search(text, shown)), None)

    async def wait(self, text: str, since: float, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while (found := self.first(text, since)) is None:
            if time.perf_counter() > deadline:
                Path("/tmp/updates.json").write_text(json.dumps(self.updates))
                raise SystemExit(f"{text!r} never reached the screen; {len(self.updates)} updates")
            await asyncio.sleep(0.002)
        return found

    def count(self, start: float, end: float) -> int:
        return sum(1 for t, _ in self.updates if start <= t <= end)

    def lags(self, deltas: list[float]) -> list[float]:
        times = [t for t, _ in self.updates]
        lags, k = [], 0
        for arrived in deltas:
            while k < len(times) and times[k] < arrived:
                k += 1
            if k < len(times):
                lags.append(times[k] - arrived)
        return lags


def settle_collector() -> None:
    """What `backdev.tui.launch.run_app` does once start-up is over, done for every case alike: the
    objects of start-up (modules, widgets) are frozen out of later collections. Without it a full
    collection walks them all, 150-400 ms here, several times during one reply."""
    import gc

    gc.collect()
    gc.freeze()


def measure(screen: Screen, started: float, first: float, last: float, deltas: list[float]) -> dict[str, Any]:
    lags = screen.lags(deltas)
    span = (deltas[-1] - deltas[0]) if len(deltas) > 1 else 0.0
    streamed = screen.count(deltas[0], deltas[-1]) if deltas else 0
    worst = max(range(len(lags)), key=lags.__getitem__) if lags else None
    return {"first": first - started, "last": last - started, "updates": screen.count(started, last),
            "per_second": (streamed / span) if span > 0.2 else None,
            "max_lag": max(lags) if lags else None, "deltas": len(deltas),
            "p95_lag": sorted(lags)[int(len(lags) * 0.95)] if lags else None, "worst_delta": worst,
            "first_delta": deltas[0] - started if deltas else None, "last_delta": deltas[-1] - started if deltas else None}


async def run_app(url: str, tags: list[str]) -> list[dict[str, Any]]:
    from backdev.compose import open_store, open_workspace, start_session
    from backdev.llm.anthropic_provider import AnthropicProvider
    from backdev.tui.factory import make_app
    from backdev.tui.widgets.reply import ReplyEntry

    deltas: list[float] = []
    original_write = ReplyEntry.write

    async def write(self: Any, fragment: str) -> None:
        deltas.append(time.perf_counter())
        await original_write(self, fragment)

    ReplyEntry.write = write  # type: ignore[method-assign]
    stages = send_path_stages()
    workspace = open_workspace(Path.cwd())
    provider = AnthropicProvider(api_key="bench", base_url=url, timeout=60, max_retries=0)
    app = make_app(start_session(workspace, open_store(), provider), workspace)
    results = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = Screen(app)
        while not app.ready_for_turns:
            await pilot.pause(0.05)
        settle_collector()
        for tag in tags:
            deltas.clear()
            stages.clear()
            app.chat.prompt.set_text(f"explain {tag}")
            started = time.perf_counter()
            app.chat.prompt.action_submit()
            first = await screen.wait(REPLY_TEXT.format(tag=tag), started)
            last = await screen.wait(f"Reply ends here {tag}", started)
            while app.chat.busy:
                await asyncio.sleep(0.01)
            result = measure(screen, started, first, last, list(deltas))
            result.update({f"{stage}_at": at - started for stage, at in stages.items()})
            results.append(result)
            await pilot.pause()  # the screen is done with this reply before the next Enter, as a person's would be
            if os.environ.get("BENCH_GARBAGE"):  # what the cyclic garbage of a reply is made of
                import gc
                from collections import Counter

                gc.set_debug(gc.DEBUG_SAVEALL)
                gc.collect()
                print(Counter(type(o).__name__ for o in gc.garbage).most_common(12), file=sys.stderr)
                gc.garbage.clear()
                gc.set_debug(0)
    return results


def send_path_stages() -> dict[str, float]:
    """Where the send path is, from Enter: `request` (the HTTP request leaves) and `received` (the
    provider has the first text delta). Hooks the HTTP client and the provider; the caller clears
    the dict before each Enter."""
    from contextlib import aclosing

    import httpx2

    from backdev.llm.anthropic_provider import AnthropicProvider
    from backdev.llm.events import TextDelta

    stages: dict[str, float] = {}
    original_send = httpx2.AsyncClient.send
    original_stream = AnthropicProvider.stream

    async def send(self: Any, *args: Any, **kwargs: Any) -> Any:
        stages.setdefault("request", time.perf_counter())
        return await original_send(self, *args, **kwargs)

    async def stream(self: Any, request: Any) -> Any:
        async with aclosing(original_stream(self, request)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    stages.setdefault("received", time.perf_counter())
                yield event

    httpx2.AsyncClient.send = send  # type: ignore[method-assign]
    AnthropicProvider.stream = stream  # type: ignore[method-assign]
    return stages


async def stream_into_markdown(client: Any, markdown: Any, tag: str, once: bool, deltas: list[float]) -> None:
    """The floor: the SDK's stream shown with `Markdown.get_stream()`, or one `update()` at its end."""
    text = ""
    stream = None if once else markdown.get_stream(markdown)
    async with client.messages.stream(model="claude-sonnet-5-5", max_tokens=4000,
                                      messages=[{"role": "user", "content": tag}]) as events:
        async for event in events:
            if event.type == "text":
                deltas.append(time.perf_counter())
                text += event.text
                if stream is not None:
                    await stream.write(event.text)
    if stream is not None:
        await stream.stop()
    else:
        await markdown.update(text)


async def run_markdown(url: str, tags: list[str], once: bool) -> list[dict[str, Any]]:
    import anthropic
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    class Floor(App[None]):
        def compose(self) -> ComposeResult:
            yield VerticalScroll()

    client = anthropic.AsyncAnthropic(api_key="bench", base_url=url, max_retries=0)
    app = Floor()
    results = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = Screen(app)
        scroll = app.query_one(VerticalScroll)
        scroll.anchor()
        await pilot.pause()
        settle_collector()
        for tag in tags:
            markdown = Markdown()
            await scroll.mount(markdown)
            deltas: list[float] = []
            started = time.perf_counter()
            await stream_into_markdown(client, markdown, tag, once, deltas)
            first = await screen.wait(REPLY_TEXT.format(tag=tag), started)
            last = await screen.wait(f"Reply ends here {tag}", started)
            results.append(measure(screen, started, first, last, deltas))
    return results


async def run_sdk(url: str, tags: list[str]) -> list[dict[str, Any]]:
    import anthropic

    client = anthropic.AsyncAnthropic(api_key="bench", base_url=url, max_retries=0)
    results = []
    for tag in tags:
        started = time.perf_counter()
        deltas = []
        async with client.messages.stream(model="claude-sonnet-5-5", max_tokens=4000,
                                          messages=[{"role": "user", "content": tag}]) as events:
            async for event in events:
                if event.type == "text":
                    deltas.append(time.perf_counter())
        results.append({"first": deltas[0] - started, "last": deltas[-1] - started, "updates": None,
                        "per_second": None, "max_lag": None, "deltas": len(deltas)})
    return results


def child(mode: str, url: str, tags: list[str]) -> None:
    runners = {"long": lambda: run_long_session(url, int(tags[0]), int(tags[1])),"app": lambda: run_app(url, tags), "sdk": lambda: run_sdk(url, tags),
               "markdown-stream": lambda: run_markdown(url, tags, once=False),
               "markdown-once": lambda: run_markdown(url, tags, once=True)}
    profile = os.environ.get("BENCH_PROFILE")  # a path: write cProfile stats of the case there
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        results = profiler.runcall(asyncio.run, runners[mode]())
        profiler.dump_stats(profile)
    else:
        results = asyncio.run(runners[mode]())
    slow = getattr(__import__("builtins"), "_gc_slow", None)  # set by a probe (BENCH_PROFILE's cousin)
    if slow is not None:
        print("slow gc", slow, file=sys.stderr)
    print(json.dumps({"results": results}), flush=True)
    os._exit(0)


def reply_lines(tag: str, lines: int) -> str:
    """The first `lines` lines of a 300-line reply (a shorter reply of the same shape)."""
    text = reply_300(tag).split("\n")[: lines - 1]
    return "\n".join([*text, "", f"Reply ends here {tag}"])


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


async def run_long_session(url: str, turns: int, every: int) -> list[dict[str, Any]]:
    """`turns` exchanges in one app; the process's resident memory (after a collection) every `every`."""
    import gc

    from backdev.compose import open_store, open_workspace, start_session
    from backdev.llm.anthropic_provider import AnthropicProvider
    from backdev.tui.factory import make_app

    workspace = open_workspace(Path.cwd())
    provider = AnthropicProvider(api_key="bench", base_url=url, timeout=60, max_retries=0)
    app = make_app(start_session(workspace, open_store(), provider), workspace)
    samples = []
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.ready_for_turns:
            await pilot.pause(0.05)
        started = time.perf_counter()
        for turn in range(1, turns + 1):
            before = app.chat.transcript.last_reply_text()
            app.chat.prompt.set_text(f"question {turn}")
            app.chat.prompt.action_submit()
            # Done once a new reply has ended. Near the context window the app compacts the earlier
            # turns first, and that request takes the next scripted reply: so not "the reply of turn N".
            while app.chat.busy or (last := app.chat.transcript.last_reply_text()) == before or \
                    not (last or "").rpartition("\n")[2].startswith("Reply ends here t"):
                await asyncio.sleep(0.005)
            if turn % every == 0:
                await pilot.pause()
                gc.collect()
                if os.environ.get("BENCH_TRACEMALLOC"):  # where memory grows, between two samples
                    import tracemalloc

                    from collections import Counter

                    from textual.dom import DOMNode

                    alive = Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, DOMNode))
                    print(turn, alive.most_common(8), file=sys.stderr)
                    snapshot = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
                    if snapshot is not None and samples:
                        for stat in snapshot.compare_to(previous, "filename")[:15]:
                            print(stat, file=sys.stderr)
                    tracemalloc.start() if not tracemalloc.is_tracing() else None
                    previous = tracemalloc.take_snapshot()
                # Resident size keeps what the allocator once took; the objects alive tell a leak from that.
                samples.append({"turn": turn, "rss": rss_mb(), "seconds": time.perf_counter() - started,
                                "entries": len(app.chat.transcript.children), "objects": len(gc.get_objects()),
                                "blocks": sys.getallocatedblocks()})
    return samples
