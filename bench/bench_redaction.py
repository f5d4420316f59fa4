"""How often the redactor fires on real code, by kind: its false positives, measured.

Run it on folders (a working tree) or git directories (a bare clone: the blobs at HEAD are read
with `git cat-file`):

    python bench/bench_redaction.py . /path/to/project.git ...

For each one it reads every text file under 2 MB (tracked files when it is a git repository),
redacts it as a file read would, and prints files, lines, redactions by kind and redactions per
10,000 lines. Every redaction is written, with its file, line and the redacted line, to
bench/results/redaction-<name>.txt, so each can be judged a real secret (a test's fake key is
a true positive: it is shaped like a key) or a false positive. Nothing is sent anywhere.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backdev.repo.redaction import PLACEHOLDER_PREFIX, redact  # noqa: E402

MAX_BYTES = 2_000_000
RESULTS = Path(__file__).resolve().parent / "results"


def _tree_files(root: Path) -> Iterator[tuple[str, bytes]]:
    """(relative path, bytes) of a working tree's files (tracked ones when it is a git repository)."""
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True)
    if listed.returncode == 0:
        names = [name for name in listed.stdout.decode("utf-8", "replace").split("\0") if name]
    else:
        names = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    for name in sorted(names):
        path = root / name
        try:
            if path.is_file() and path.stat().st_size <= MAX_BYTES:
                yield name, path.read_bytes()
        except OSError:
            continue


def _git_files(git_dir: Path) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of the blobs at HEAD of a git directory (snapshots may lack large blobs: skipped)."""
    listing = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", "-l", "HEAD"],
                             capture_output=True, check=True).stdout.decode("utf-8", "replace")
    wanted = []
    for entry in filter(None, listing.split("\0")):
        meta, _, name = entry.partition("\t")
        _, kind, sha, size = meta.split()
        if kind == "blob" and size.isdigit() and int(size) <= MAX_BYTES:  # "BAD": not in the snapshot
            wanted.append((name, sha))
    batch = subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert batch.stdin is not None and batch.stdout is not None
    for name, sha in wanted:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            continue  # missing from the snapshot
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        yield name, data
    batch.stdin.close()
    batch.wait()


def scan(files: Iterator[tuple[str, bytes]], name: str) -> tuple[int, int, Counter[str], list[str]]:
    count = lines = 0
    kinds: Counter[str] = Counter()
    found: list[str] = []
    for relative, data in files:
        if b"\0" in data[:8000]:
            continue
        text = data.decode("utf-8", errors="replace")
        count += 1
        lines += text.count("\n") + 1
        result = redact(text)
        kinds.update(result.kinds)
        if result.kinds:
            for number, line in enumerate(result.text.split("\n"), start=1):
                if PLACEHOLDER_PREFIX in line:
                    found.append(f"{relative}:{number}: {line.strip()[:160]}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"redaction-{name}.txt").write_text("\n".join(found) + "\n", encoding="utf-8")
    return count, lines, kinds, found


def main(targets: list[str]) -> None:
    for target in targets:
        path = Path(target).resolve()
        name = path.name if path.name not in ("repo", ".git") else path.parent.name
        started = time.perf_counter()
        is_git_dir = (path / "HEAD").is_file() and (path / "objects").is_dir()
        files, lines, kinds, _ = scan(_git_files(path) if is_git_dir else _tree_files(path), name)
        total = sum(kinds.values())
        rate = total / lines * 10_000 if lines else 0.0
        print(f"{name}: {files:,} files, {lines:,} lines, {total} redactions ({rate:.2f} per 10,000 lines) "
              f"in {time.perf_counter() - started:.1f} s")
        for kind, count in kinds.most_common():
            print(f"    {kind:<22} {count}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
