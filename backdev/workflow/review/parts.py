"""Large reviews in parts: split by group of related files, run with bounded concurrency, merged.

A review of more than `GROUP_SIZE` files is split into parts of up to `GROUP_SIZE` files of the
same folder (files that sit together usually work together: a view beside its serializer).
Each part is its own one-pass review — its own stored review session, with the whole
repository in view through the read tools — so the model's attention is on a few files at a
time and parts run side by side, at most `jobs` at once (`--jobs`, default `DEFAULT_JOBS`, which
suits a rate-limited key: the SDK still backs off on 429). A change review's part carries the diff
sections of its files. The findings are merged into one report; the summary lists each part's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from backdev.workflow.review.findings import DEFAULT_JOBS
from backdev.workflow.review.request import ReviewRequest, slug_of

__all__ = ["DEFAULT_JOBS", "GROUP_SIZE", "groups_of", "split_request"]
GROUP_SIZE = 4
_FILE_TAG = re.compile(r'^<file path="([^"]+)">')


def groups_of(files: list[str], size: int = GROUP_SIZE) -> list[list[str]]:
    """The files in groups of up to `size`, each group from one folder, in the files' order."""
    by_folder: dict[str, list[str]] = defaultdict(list)
    for path in files:
        by_folder[str(PurePosixPath(path).parent)].append(path)
    groups: list[list[str]] = []
    for members in by_folder.values():
        groups += [members[i:i + size] for i in range(0, len(members), size)]
    return groups


def _diff_sections(diff_block: str) -> tuple[str, str, dict[str, str]]:
    """(the `<diff …>` opening tag, its closing tag, each file's section keyed by its new path)."""
    head, _, rest = diff_block.partition("\n")
    body = rest.rsplit("\n</diff>", 1)[0]
    sections: dict[str, str] = {}
    for section in re.split(r"(?m)^(?=diff --git )", body):
        header = section.split("\n", 1)[0]
        match = re.match(r"diff --git a/(.+) b/(.+)$", header)
        if match:
            sections[match.group(2)] = section.rstrip("\n")
    return head, "</diff>", sections


def split_request(request: ReviewRequest, size: int = GROUP_SIZE) -> list[ReviewRequest]:
    """The parts of a review (the request itself when it is small enough)."""
    if len(request.in_scope) <= size:
        return [request]
    file_blocks: dict[str, dict[str, Any]] = {}
    diff_block = None
    for block in request.blocks:
        match = _FILE_TAG.match(block.get("text", ""))
        if match:
            file_blocks[match.group(1)] = block
        elif block.get("text", "").startswith("<diff"):
            diff_block = block["text"]
    sections: dict[str, str] = {}
    if diff_block is not None:
        head, tail, sections = _diff_sections(diff_block)
    groups = groups_of(request.in_scope, size)
    parts = []
    for number, group in enumerate(groups, start=1):
        blocks: list[dict[str, Any]] = []
        if diff_block is not None:
            # Sections of files that no longer exist (deleted) ride along with the first part.
            extra = [p for p in sections if p not in request.in_scope] if number == 1 else []
            chosen = [sections[p] for p in (*group, *extra) if p in sections]
            blocks.append({"type": "text", "text": "\n".join([head, *chosen, tail])})
        blocks += [file_blocks[p] for p in group if p in file_blocks]
        names = " and ".join(f"`{p}`" for p in group)
        text = (f"Review {names} (part {number} of {len(groups)} of a review of {request.scope}; other parts "
                "cover the other files). " + ("The diff of these files comes first, then each file as it is now, "
                                              "with line numbers." if diff_block is not None else
                                              "Line numbers are shown beside the code."))
        scope = ", ".join(group)
        parts.append(replace(request, scope=scope, slug=slug_of(group[0]), text=text, blocks=blocks,
                             files=[p for p in group if p in file_blocks], notes=[], in_scope=list(group)))
    return parts
