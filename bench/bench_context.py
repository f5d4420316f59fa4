"""Benchmark: how much of each request is an unchanged, cacheable prefix over a five-phase session.

Run: `python bench/bench_context.py [turns_per_phase]` (a few seconds; default 6 turns per phase).

A scripted session goes through requirements → design → tdd → review → handoff against the fake
API (the real SDK over HTTP), each turn with one tool round (a tool result of a few KB, like a
file read) and a reply. The fake's request log is then read request by request:

- `bytes`: the request's size as the cache sees it: tools, then system, then messages (JSON,
  `cache_control` markers left out, since they move every turn and are not content);
- `prefix`: the share of the *previous* request's bytes that this request repeats unchanged at its
  start (what a prompt cache can read instead of writing);
- cost at list prices (Sonnet: $3/M input, $3.75/M cache write, $0.30/M cache read), with caching
  (the unchanged prefix read, the rest written) and without (all of it input), about four
  characters a token.

It prints one row per request, marks the first request of each phase, and ends with the minimum
prefix share within a phase, the share at each switch and the two totals. The goal (issue 15):
within a phase ≥ 95%, and a switch keeps the conversation cached.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PHASES = ("requirements", "design", "tdd", "review", "handoff")
INPUT, WRITE, READ = 3.00, 3.75, 0.30  # $ per million tokens (Sonnet list prices)


def _strip_cache_control(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_cache_control(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_strip_cache_control(v) for v in value]
    return value


def cache_order(body: dict[str, Any]) -> str:
    """The request as the cache reads it: tools, system, messages (without cache_control markers)."""
    parts = [body.get("tools") or [], body.get("system") or [], body.get("messages") or []]
    return json.dumps(_strip_cache_control(parts), ensure_ascii=False)


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of `a` and `b` (binary search over slices: fast on long strings)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def analyse(bodies: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Rows (phase, bytes, prefix share, cost cached, cost uncached) for (phase, request body) pairs."""
    rows = []
    previous = ""
    previous_phase = None
    for phase, body in bodies:
        text = cache_order(body)
        kept = common_prefix(previous, text) if previous else 0
        share = kept / len(previous) if previous else 0.0
        tokens, kept_tokens = len(text) / 4, kept / 4
        cached = (kept_tokens * READ + (tokens - kept_tokens) * WRITE) / 1e6
        uncached = tokens * INPUT / 1e6
        rows.append({"phase": phase, "switch": previous_phase is not None and phase != previous_phase,
                     "bytes": len(text.encode()), "prefix": share, "cached": cached, "uncached": uncached})
        previous, previous_phase = text, phase
    within = [r["prefix"] for r in rows[1:] if not r["switch"]]
    return {"rows": rows, "min_within": min(within) if within else 0.0,
            "switches": [r["prefix"] for r in rows if r["switch"]],
            "cached": sum(r["cached"] for r in rows), "uncached": sum(r["uncached"] for r in rows)}


async def scripted_session(turns_per_phase: int) -> list[tuple[str, dict[str, Any]]]:
    """Run the five-phase session against the fake; (phase, body) of every message request."""
    from backdev.assistant import drain
    from backdev.compose import open_store, open_workspace, start_session
    from backdev.fakeapi import FakeAnthropic
    from backdev.llm.anthropic_provider import AnthropicProvider

    project = Path(tempfile.mkdtemp(prefix="bench-context-"))
    (project / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    phases_of_requests: list[str] = []
    with FakeAnthropic() as api:
        startup = start_session(open_workspace(project), open_store(),
                                AnthropicProvider(api_key="test-key", base_url=api.url, timeout=10.0, max_retries=0))
        assistant = startup.assistant

        async def approve(_request: Any) -> Any:
            from backdev.tools.base import Decision  # the tools module is loaded by now anyway
            return Decision.APPROVE_ONCE

        for number, phase in enumerate(PHASES):
            if number:
                assistant.workflow.switch(phase)
            for turn in range(turns_per_phase):
                note = f"{phase} turn {turn}: " + "notes on the change, " * 40
                api.enqueue({"type": "tool_use", "calls": [
                    {"name": "update_checklist", "input": {"item": "nothing-such", "state": "done", "note": note}}]},
                    {"type": "text", "text": f"Reply {phase}/{turn}. " + "Reasoning about the design. " * 60})
                await drain(assistant.send(f"{phase} question {turn}: " + "context " * 200, approve=approve))
                phases_of_requests += [phase, phase]
        bodies = [r.body for r in api.message_requests]
    return list(zip(phases_of_requests, bodies))


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    os.environ.setdefault("BACKDEV_HOME", tempfile.mkdtemp(prefix="bench-context-home-"))
    result = analyse(asyncio.run(scripted_session(turns)))
    print(f"{'#':>3}  {'phase':<13} {'bytes':>8}  {'prefix':>7}  {'$ cached':>9}  {'$ uncached':>10}")
    for i, row in enumerate(result["rows"]):
        mark = "  ← switch" if row["switch"] else ""
        print(f"{i:>3}  {row['phase']:<13} {row['bytes']:>8,}  {row['prefix']:>6.1%}  {row['cached']:>9.4f}  "
              f"{row['uncached']:>10.4f}{mark}")
    print(f"\nwithin a phase: minimum unchanged prefix {result['min_within']:.1%}")
    print("at each switch: " + ", ".join(f"{s:.1%}" for s in result["switches"]))
    print(f"total at list prices: ${result['cached']:.4f} with caching, ${result['uncached']:.4f} without")


if __name__ == "__main__":
    main()
