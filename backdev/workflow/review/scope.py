"""What a review may point at: the files in its scope, and the checks a filed finding must pass.

The model's `report_finding` arguments are untrusted. A finding is recorded only when its path
names a file of the review's scope (relative to the repository root; `a/` and `b/` diff prefixes,
`./` and an absolute path inside the repository are normalised) and its line exists in that file
as it is in the working tree, which is also the new side of a `--base` diff. Otherwise the tool
answers with a sentence the model can act on (a tool error, never a crash).

Each recorded finding carries the source line it points at (redacted like everything sent to the
model), so reports show it and fingerprints use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backdev.repo.reading import NotReadable
from backdev.repo.repository import Repository
from backdev.repo.safety import PathRefused, SafetyPolicy, normalize_repo_path, relative_posix, resolve_in_repo

#: Prefixes a unified diff puts before paths (`git diff` uses a/ and b/; its mnemonic prefixes i/ w/ c/ o/).
DIFF_PREFIXES = ("a/", "b/", "i/", "w/", "c/", "o/")
#: How much of a source line a finding keeps.
MAX_SOURCE_CHARS = 300


class FindingRefused(ValueError):
    """A finding that points at nothing real; the message tells the model what to correct."""


@dataclass(frozen=True)
class ReviewScope:
    """The files a review covers (None: any file of the repository, for findings outside a review)."""

    root: Path
    files: frozenset[str] | None = None

    def normalise(self, raw_path: str) -> str:
        """The model's path as a path relative to the repository root, in the scope.

        Raises:
            FindingRefused: empty, outside the repository, or not a file of the scope.
        """
        text = raw_path.strip().replace("\\", "/")
        if not text:
            raise FindingRefused("`path` is empty: give the file's path relative to the repository root.")
        candidates = [text]
        if PurePosixPath(text).is_absolute():
            try:
                candidates = [relative_posix(self.root, Path(text))]
            except ValueError:
                raise FindingRefused(f"{text} is outside the repository: give a path relative to its root.") from None
        head = candidates[0]
        if head.startswith(DIFF_PREFIXES):
            candidates.append(head[2:])
        refusal = ""
        for candidate in candidates:
            try:
                relative = normalize_repo_path(candidate)
                resolved = resolve_in_repo(self.root, relative)
            except PathRefused as exc:
                refusal = refusal or str(exc)
                continue
            if self.files is not None:
                if relative in self.files:
                    return relative
                continue
            if resolved.is_file():
                return relative_posix(self.root, resolved)
        if refusal and len(candidates) == 1:
            raise FindingRefused(refusal)
        if self.files is not None:
            listed = ", ".join(sorted(self.files)[:10]) + (" …" if len(self.files) > 10 else "")
            raise FindingRefused(f"{text} is not in this review's scope; file findings on its files ({listed}), "
                                 "with paths relative to the repository root.")
        raise FindingRefused(f"There is no file {text} in the repository: give the path relative to its root.")

    def source_line(self, relative: str, line: int, policy: SafetyPolicy) -> str:
        """The text of `line` in the working-tree file, redacted and trimmed.

        Raises:
            FindingRefused: the file cannot be read as text, or the line is past its end.
        """
        repo = Repository(self.root, None, policy)
        try:
            total = repo.read(relative, start=1, end=1, max_bytes=64_000, max_lines=1).total_lines
            if line > total:
                raise FindingRefused(f"{relative} has {total} lines, so line {line} does not exist: "
                                     "give the line number shown beside the code.")
            piece = repo.read(relative, start=line, end=line, max_bytes=64_000, max_lines=1)
        except (PathRefused, NotReadable) as exc:
            raise FindingRefused(f"{relative} cannot be read ({exc}); findings must point at text files.") from None
        shown, _ = policy.clean_slice(piece)
        return shown.lines[0].strip()[:MAX_SOURCE_CHARS]

    def check(self, raw_path: str, line: int, policy: SafetyPolicy) -> tuple[str, str]:
        """(the path relative to the root, the source line) for a finding at `raw_path`:`line`.

        Raises:
            FindingRefused: saying what to correct.
        """
        relative = self.normalise(raw_path)
        if policy.refuses(relative):
            raise FindingRefused(f"{relative} is a secret file; findings cannot point at it.")
        return relative, self.source_line(relative, line, policy)
