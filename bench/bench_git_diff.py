"""A diff of a huge rewrite: read whole then capped (the old way) against capped as git produces it.

    python bench/bench_git_diff.py [--mb 50]

Builds a repository in a temporary folder with one file of about `--mb` megabytes, rewrites every
line, and asks for its diff with the git_diff tool's cap (read_max_bytes, 200,000 bytes), both
ways, side by side in the same run: time and peak Python memory (tracemalloc) of each, and the
ratios. Both ways apply the same secret filtering and redaction.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backdev.repo import history  # noqa: E402
from backdev.repo.repository import Repository  # noqa: E402

CAP = 200_000


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _whole_then_capped(repo: Repository) -> history.DiffText:
    """What git_diff did before: the whole output read into memory, filtered, then cut."""
    _, out, _ = history._run(repo.git_repo, "diff", *history._DIFF_FLAGS)
    return history.filter_diff(repo, out, CAP)


def _measure(name: str, run) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    started = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {name:<24} {elapsed:7.2f} s  peak {peak / 1e6:8.1f} MB  ({len(result.text):,} chars shown, "
          f"truncated={result.truncated})")
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the rewritten file in MB")
    args = parser.parse_args()
    lines = int(args.mb * 1e6 / 40)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _git(root, "init", "-q")
        _git(root, "config", "user.email", "bench@example.com")
        _git(root, "config", "user.name", "bench")
        data = root / "data.txt"
        data.write_text("".join(f"original line number {n:>12} of the file\n" for n in range(lines)))
        _git(root, "add", "data.txt")
        _git(root, "commit", "-qm", "data")
        data.write_text("".join(f"rewritten line number {n:>11} of the file\n" for n in range(lines)))
        repo = Repository.open(root)
        print(f"diff of a {data.stat().st_size / 1e6:.0f} MB rewrite ({lines:,} lines), cap {CAP:,} bytes")
        old_time, old_peak = _measure("whole, then capped", lambda: _whole_then_capped(repo))
        new_time, new_peak = _measure("capped as produced", lambda: history.diff(repo, "unstaged", max_bytes=CAP))
        print(f"  ratio: {old_time / new_time:.0f}× faster, {old_peak / max(new_peak, 1):.0f}× less memory")


if __name__ == "__main__":
    main()
