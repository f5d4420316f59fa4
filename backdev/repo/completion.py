"""Fuzzy completion over repository paths for `@` attachments (shared by both front ends)."""

from __future__ import annotations

from collections.abc import Sequence


def _score(path: str, query: str) -> int | None:
    """A subsequence match score (higher is better), or None when `query` is not a subsequence."""
    lowered = path.lower()
    position = -1
    score = 0
    for char in query:
        found = lowered.find(char, position + 1)
        if found < 0:
            return None
        if found == position + 1:
            score += 5  # consecutive characters
        if found == 0 or lowered[found - 1] in "/_-.":
            score += 3  # start of a segment
        position = found
    basename_start = lowered.rfind("/") + 1
    if query in lowered[basename_start:]:
        score += 20
    return score - len(path) // 20


class PathIndex:
    """The file list, ready to be matched as the person types."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = list(files)

    def complete(self, query: str, limit: int = 50) -> list[str]:
        """Paths matching `query` fuzzily, best first (prefix matches on an empty query)."""
        query = query.lower()
        if not query:
            return self.files[:limit]
        scored = [(s, p) for p in self.files if (s := _score(p, query)) is not None]
        scored.sort(key=lambda item: (-item[0], len(item[1]), item[1]))
        return [p for _, p in scored[:limit]]
