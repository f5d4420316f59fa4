"""Reading the YAML front matter of an agent file the way Claude Code does.

Strict YAML is tried first. Claude Code agent files often hold values strict YAML rejects: a
description starting with a YAML indicator (`**bold**`, `*`, `&`, `!`, `[`, `{`, `@`, a backtick,
`%`) or holding `Examples: (1) User: ...` in a plain scalar. Claude Code quotes such values and
reads them again; so do we, entry by entry: an entry (a top-level `key:` line and the indented lines
after it) that does not parse alone becomes one double-quoted string of its text. `tools` is never
repaired that way (a broken list cannot be guessed), so a broken `tools` is reported with its line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from backdev.yamlio import YamlProblem, YamlRefused, load_yaml, load_yaml_cached

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_BLOCK_INDICATOR = re.compile(r"^[|>][-+0-9]*$")
_NOT_REPAIRED = ("tools",)


class FrontMatterError(ValueError):
    """Front matter that cannot be read even as Claude Code would; `line` is 1-based in the file."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def _entries(front: str) -> list[tuple[str | None, list[str]]]:
    """The front matter as (key, lines) groups: a top-level `key:` line and the lines under it."""
    groups: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in front.splitlines():
        match = _TOP_KEY.match(line)
        if match:
            groups.append((match.group(1), [line]))
        else:
            groups[-1][1].append(line)
    return groups


def _parses(text: str) -> bool:
    try:
        return isinstance(load_yaml(text), (dict, type(None)))
    except YamlProblem:
        return False


def _repaired(front: str) -> str:
    """The front matter with every entry that fails alone turned into a quoted string."""
    out: list[str] = []
    for key, lines in _entries(front):
        text = "\n".join(lines)
        if key is None or key in _NOT_REPAIRED or _parses(text):
            out.append(text)
            continue
        match = _TOP_KEY.match(lines[0])
        value = (match.group(2) or "") if match else ""
        if _BLOCK_INDICATOR.match(value):
            out.append(text)  # a block scalar broken some other way: the strict error stands
            continue
        words = " ".join(part.strip() for part in [value, *lines[1:]] if part.strip())
        out.append(f"{key}: {json.dumps(words, ensure_ascii=False)}")
    return "\n".join(out) + "\n"


def raw_value(front: str, key: str) -> str | None:
    """The text after `key:` on its line, as written (for a name YAML reads as a number)."""
    for line in front.splitlines():
        match = _TOP_KEY.match(line)
        if match and match.group(1) == key:
            return (match.group(2) or "").strip().strip("'\"")
    return None


def read_front_matter(front: str, cache_file: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """The front matter's keys and values, and notes on how it was read (`cache_file` keeps the parse).

    Raises:
        FrontMatterError: not `key: value` lines, or YAML Claude Code would not read either.
    """
    notes: list[str] = []
    try:
        data = load_yaml(front) if cache_file is None else load_yaml_cached(front, cache_file)
    except YamlRefused as exc:
        # A bound, not a typo, when an anchor is really referred to (`&a` then `*a`: the alias
        # bomb); `&` or `*` alone at the start of a description is text, as Claude Code reads it.
        if exc.problem == "nested too deeply" or _refers_to_an_anchor(front):
            raise FrontMatterError(f"front matter is not valid YAML: {exc.problem}", (exc.line or 0) + 1) from exc
        data = _lenient(front, exc, notes)
    except YamlProblem as exc:
        data = _lenient(front, exc, notes)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be `key: value` lines", 2)
    return data, notes


def _refers_to_an_anchor(front: str) -> bool:
    anchors = set(re.findall(r"&([\w-]+)", front))
    return bool(anchors & set(re.findall(r"\*([\w-]+)", front)))


def _lenient(front: str, exc: YamlProblem, notes: list[str]) -> Any:
    """The front matter read with each entry that fails alone taken as text (noted), or the strict error."""
    line = (exc.line or 0) + 1  # the front matter starts after the `---` line
    try:
        data = load_yaml(_repaired(front))
    except YamlProblem:
        raise FrontMatterError(f"front matter is not valid YAML: {exc.problem}", line) from exc
    notes.append(f"front matter is not strict YAML (line {line}: {exc.problem}); values read as plain text, "
                 "as Claude Code does")
    return data
