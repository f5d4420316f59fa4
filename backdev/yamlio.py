"""Reading YAML the one safe way (PyYAML's safe loader), bounded, with errors that carry a line number.

Config, persona and workflow files may come from a repository, so they are bounded twice:

- Anchors and aliases (`&name`, `*name`) are refused. An "alias bomb" of a few hundred bytes
  expands to billions of values when anything walks it (a cache write, a `str()`), which hung
  start-up; backdev's files have no use for them.
- Each kind of file has a size cap (`read_capped`): config 1 MB, persona and workflow 256 KB.
  A larger file is refused before it is read whole.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

MAX_CONFIG_BYTES = 1_000_000
MAX_PERSONA_BYTES = 256 * 1024
MAX_WORKFLOW_BYTES = 256 * 1024


class YamlProblem(ValueError):
    """Text that is not valid YAML: `line` is 1-based in the text given, `problem` says what broke."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


class YamlRefused(YamlProblem):
    """YAML refused by backdev's bounds (anchors and aliases, nesting too deep), not broken syntax:
    no lenient re-reading may turn it into something that loads."""


_ANCHORS_REFUSED = "anchors and aliases (&name, *name) are not allowed: write the values out"


class FileTooLarge(ValueError):
    """A file over its size cap; the message names the file, its size and the cap."""


def read_capped_bytes(path: Path, limit: int) -> bytes:
    """The bytes of `path`, refused when it is over `limit` bytes (only `limit + 1` are read).

    Raises:
        FileTooLarge: the file is larger than `limit`.
        OSError: it cannot be read (FileNotFoundError included).
    """
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"{path} is over the {limit:,}-byte limit for this kind of file; make it smaller.")
    return data


def decode_text(data: bytes, *, errors: str = "strict") -> str:
    """UTF-8 text with newlines as `Path.read_text` gives them (universal newlines), so CRLF files read the same."""
    return data.decode("utf-8", errors=errors).replace("\r\n", "\n").replace("\r", "\n")


def read_capped(path: Path, limit: int, *, errors: str = "strict") -> str:
    """The UTF-8 text of `path` (newlines translated), refused when it is over `limit` bytes.

    Raises:
        FileTooLarge: the file is larger than `limit`.
        OSError: it cannot be read (FileNotFoundError included).
    """
    return decode_text(read_capped_bytes(path, limit), errors=errors)


@functools.cache
def _loader() -> Any:
    """PyYAML's SafeLoader, refusing anchors and aliases (made on first use: yaml is imported lazily)."""
    import yaml  # ~0.05 s: only when a file is parsed

    class BoundedSafeLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise yaml.composer.ComposerError(
                    None, None, _ANCHORS_REFUSED, event.start_mark)
            return super().compose_node(parent, index)

    return BoundedSafeLoader


def load_yaml(text: str) -> Any:
    """`yaml.safe_load(text)` without anchors or aliases, raising YamlProblem instead of PyYAML's own errors."""
    import yaml  # ~0.05 s: only when a file is parsed

    loader = _loader()(text)  # what yaml.safe_load does, with the bounded SafeLoader
    try:
        return loader.get_single_data()
    except RecursionError:  # `[[[[…` thousands deep: PyYAML's parser recurses once per level
        raise YamlRefused("nested too deeply", None) from None
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct began (e.g. an unclosed `[`); the problem
        # mark is often the end of the text, which points the person nowhere useful.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        kind = YamlRefused if problem == _ANCHORS_REFUSED else YamlProblem
        raise kind(problem, mark.line + 1 if mark is not None else None) from exc
    finally:
        loader.dispose()


def cache_file_for(kind: str, source: Path) -> Path:
    """Where the parse of the `kind` file at `source` is kept between starts (see `load_yaml_cached`)."""
    import zlib  # only when the cache is used

    from backdev import paths  # only when the cache is used

    return paths.data_dir() / "cache" / f"{kind}-{zlib.crc32(str(source.resolve()).encode()):08x}.json"


def load_yaml_cached(text: str, cache_file: Path) -> Any:
    """`load_yaml(text)`, remembered as JSON in `cache_file` for exactly this text.

    PyYAML's pure-Python safe loader takes about 10 ms for the built-in workflow file, at every
    start, and importing it ~15 ms more; reading the JSON back takes a fraction of that, so a
    start whose files have not changed never imports yaml. The cache holds the text it was made
    from, so any edit is parsed afresh; data JSON cannot carry exactly (dates, non-string keys) is
    never cached.
    """
    import json  # only when the cache is used

    from backdev import paths  # only when the cache is used

    try:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if isinstance(cached, dict) and cached.get("text") == text:
            return cached["data"]
    except (OSError, ValueError):
        pass
    data = load_yaml(text)
    try:
        encoded = json.dumps({"text": text, "data": data})
        if json.loads(encoded)["data"] == data:
            paths.ensure_dir(cache_file.parent)
            partial = cache_file.with_suffix(".tmp")
            partial.write_text(encoded, encoding="utf-8")
            partial.replace(cache_file)
    except (OSError, TypeError, ValueError):
        pass  # no cache: the next start parses again
    return data
