"""Case 6 of bench/bench_tui.py: scrolling back through a session of 50 long replies.

The session (50 questions, each answered by the 300-line markdown reply of the streaming cases) is
resumed in the real app, headless at 120x40: the transcript shows the newest entries and builds
older ones when scrolled to the top, and replies far from the newest have let go of their painted
lines (they paint again when looked at). From the end, it goes up a page at a time until the first
question is on screen, then down again to the end. Each page is one `scroll_page_up` /
`scroll_page_down` of the transcript (what PageUp / PageDown do) without the scroll animation, so
each step's own cost shows: the time from the step to the screen update that shows it. A step over
100 ms is a stall (at 10 frames a second scrolling stops looking smooth).

BENCH_STALLS=1 in the environment prints, to stderr, each stall, each full collection over 30 ms,
progress every 100 pages and, at the end, what the process holds.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

STALL = 0.1


async def _shown_after(screen: Any, since: float, timeout: float = 10.0) -> float:
    """The time of the first screen update after `since`."""
    deadline = time.perf_counter() + timeout
    while (found := next((t for t, _ in screen.updates if t >= since), None)) is None:
        if time.perf_counter() > deadline:
            raise SystemExit("a scroll step never reached the screen")
        await asyncio.sleep(0.001)
    return found


async def run_scroll(session_id: str) -> dict[str, Any]:
    from stream_cases import Screen, settle_collector

    from backdev.compose import open_store, open_workspace, start_session
    from backdev.llm.anthropic_provider import AnthropicProvider
    from backdev.tui.factory import make_app

    workspace = open_workspace(Path.cwd())
    provider = AnthropicProvider(api_key="bench", base_url="http://127.0.0.1:9", timeout=5, max_retries=0)
    app = make_app(start_session(workspace, open_store(), provider, resume=session_id), workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.ready_for_turns:
            await pilot.pause(0.05)
        await pilot.pause()
        settle_collector()
        if os.environ.get("BENCH_STALLS"):
            import gc

            began: list[float] = []

            def timed(phase: str, info: dict[str, Any]) -> None:
                if phase == "start":
                    began[:] = [time.perf_counter()]
                elif began and time.perf_counter() - began[0] > 0.03:
                    print("gc", info["generation"], round((time.perf_counter() - began[0]) * 1000), file=sys.stderr)

            gc.callbacks.append(timed)
        transcript = app.chat.transcript
        screen = Screen(app)
        steps: dict[str, list[float]] = {"up": [], "down": []}
        started = time.perf_counter()
        while not (transcript.scroll_y == 0 and not transcript.hidden_count and not transcript._loading):
            before = transcript.scroll_y
            since = time.perf_counter()
            transcript.scroll_page_up(animate=False)
            await pilot.pause()
            if transcript.scroll_y == before and before == 0:  # at the top: older entries are being built
                while transcript._loading:
                    await asyncio.sleep(0.001)
                await pilot.pause()
            steps["up"].append(await _shown_after(screen, since) - since)
            if steps["up"][-1] > STALL and os.environ.get("BENCH_STALLS"):
                print("up", len(steps["up"]), round(steps["up"][-1] * 1000), "at top" if before == 0 else before,
                      file=sys.stderr)
            if os.environ.get("BENCH_STALLS") and len(steps["up"]) % 100 == 0:
                print("step", len(steps["up"]), transcript.scroll_y, transcript.max_scroll_y, transcript.hidden_count,
                      transcript._loading, file=sys.stderr)
            if len(steps["up"]) > 5000:
                raise SystemExit("never reached the first question")
        first_shown = any("Question 1:" in shown for t, shown in screen.updates if t >= since)
        while not transcript.is_vertical_scroll_end:
            since = time.perf_counter()
            transcript.scroll_page_down(animate=False)
            await pilot.pause()
            steps["down"].append(await _shown_after(screen, since) - since)
            if steps["down"][-1] > STALL and os.environ.get("BENCH_STALLS"):
                print("down", len(steps["down"]), round(steps["down"][-1] * 1000), file=sys.stderr)
        total = time.perf_counter() - started
        if os.environ.get("BENCH_STALLS"):
            import gc
            from collections import Counter

            alive = gc.get_objects()
            print("tracked", len(alive), Counter(type(o).__name__ for o in alive).most_common(12), file=sys.stderr)
            ours = [(n, sum(len(v) for b in r.body._blocks for v in b.painted.values()))
                    for n, r in enumerate(transcript.replies())]
            print("painted replies", [(n, c) for n, c in ours if c], file=sys.stderr)
            by_type: Counter[str] = Counter()
            for w in app.screen.walk_children():
                by_type[type(w).__name__] += len(w._styles_cache._cache)
            print("styles caches", by_type.most_common(6), file=sys.stderr)
        replies = len(transcript.replies())
    every = steps["up"] + steps["down"]
    ordered = sorted(every)
    return {"up": len(steps["up"]), "down": len(steps["down"]), "median": ordered[len(ordered) // 2],
            "p95": ordered[int(len(ordered) * 0.95)], "worst": ordered[-1],
            "stalls": sum(1 for s in every if s > STALL), "seconds": total, "first_shown": first_shown,
            "replies_built": replies}
