"""Benchmark: a 40-file `backdev review --base main`, parts one at a time vs side by side.

Run: `python bench/bench_review.py [--runs N] [--delay SECONDS] [--jobs N]` (about a minute).

A branch changes 40 files in 10 folders, so the review runs as 10 parts of 4 related files. The
fake Messages API (a separate process) waits `--delay` seconds before answering each request, as
a real model does before its first token; each part asks twice (its findings, then its summary).
The same review runs whole-process with `--jobs 1` (the baseline) and `--jobs N` side by side in
the same run; it prints the median wall times, their ratio, and the request count of each (the
same: splitting and concurrency change when requests are sent, not how many).
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backdev.fakeapi.process import FakeApiProcess  # noqa: E402
from backdev.workflow.review.parts import groups_of  # noqa: E402

FOLDERS = ("orders", "billing", "users", "catalog", "payments", "shipping", "search", "reports", "auth", "media")


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def make_branch(root: Path) -> list[str]:
    """A repository whose branch `feature` changes 40 files (4 in each of 10 folders) since `main`."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("# shop\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    git(root, "checkout", "-q", "-b", "feature")
    paths = []
    for folder in FOLDERS:
        (root / folder).mkdir()
        for name in ("views", "serializers", "models", "services"):
            path = f"{folder}/{name}.py"
            (root / path).write_text(f"def handle(request):\n    return request.GET['{folder}_{name}']\n")
            paths.append(path)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "forty files")
    return sorted(paths)


def script(api: FakeApiProcess, paths: list[str], delay: float) -> None:
    for group in groups_of(paths):
        match = f'<file path=\\"{group[0]}\\">'
        calls = [{"name": "report_finding", "input": {
            "path": p, "line": 2, "severity": "medium", "category": "validation", "title": "Unvalidated input",
            "detail": "The query parameter is used as is.", "suggestion": "Validate it with a serializer."}} for p in group]
        api.enqueue({"type": "tool_use", "match": match, "hang": delay, "calls": calls},
                    {"type": "text", "match": match, "hang": delay, "text": "Checked."})


def message_count(api: FakeApiProcess) -> int:
    return sum(1 for r in api.requests() if r["path"] == "/v1/messages")


def review_once(api: FakeApiProcess, repo: Path, env: dict[str, str], paths: list[str], delay: float,
                jobs: int) -> tuple[float, int, int]:
    before = message_count(api)
    script(api, paths, delay)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "backdev", "review", "--base", "main", "--format", "json",
                             "--jobs", str(jobs)], cwd=repo, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"review failed ({result.returncode}): {result.stderr[-2000:]}")
    findings = len(json.loads(result.stdout)["findings"])
    return elapsed, message_count(api) - before, findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds the fake API waits before each answer")
    parser.add_argument("--jobs", type=int, default=4)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "shop"
        paths = make_branch(repo)
        env = {**os.environ, "BACKDEV_HOME": str(Path(tmp) / "home")}
        with FakeApiProcess(api_key="bench-key") as api:
            env.update(ANTHROPIC_BASE_URL=api.url, ANTHROPIC_API_KEY="bench-key")
            results: dict[int, list[tuple[float, int, int]]] = {1: [], options.jobs: []}
            for _ in range(options.runs):  # interleaved, so both see the same machine load
                for jobs in results:
                    results[jobs].append(review_once(api, repo, env, paths, options.delay, jobs))
    sequential = statistics.median(r[0] for r in results[1])
    parallel = statistics.median(r[0] for r in results[options.jobs])
    print(f"40-file --base review, 10 parts, {options.delay:.2f} s per request, median of {options.runs}")
    for jobs, label in ((1, "--jobs 1 (one part at a time)"), (options.jobs, f"--jobs {options.jobs} (side by side)")):
        elapsed = statistics.median(r[0] for r in results[jobs])
        print(f"  {label:<32} {elapsed:6.2f} s   {results[jobs][0][1]} requests   {results[jobs][0][2]} findings")
    print(f"  speed-up {sequential / parallel:.2f}x (sequential / parallel)")


if __name__ == "__main__":
    main()
