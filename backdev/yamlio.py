"""Reading YAML the one safe way (`yaml.safe_load`), with errors that carry a useful line number."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class YamlProblem(ValueError):
    """Text that is not valid YAML: `line` is 1-based in the text given, `problem` says what broke."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def load_yaml(text: str) -> Any:
    """`yaml.safe_load(text)`, raising YamlProblem instead of PyYAML's own errors."""
    import yaml

    try:
        return yaml.safe_load(text)
    except RecursionError:  # `[[[[…` thousands deep: PyYAML's parser recurses once per level
        raise YamlProblem("nested too deeply", None) from None
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct began (e.g. an unclosed `[`); the problem
        # mark is often the end of the text, which points the person nowhere useful.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(problem, mark.line + 1 if mark is not None else None) from exc


def load_yaml_cached(text: str, cache_file: Path) -> Any:
    """`load_yaml(text)`, remembered as JSON in `cache_file` for exactly this text.

    PyYAML's pure-Python safe loader takes about 10 ms for the built-in workflow file, at every
    start; reading the JSON back takes a fraction of that. The cache holds the text it was made
    from, so any edit is parsed afresh; data JSON cannot carry exactly (dates, non-string keys) is
    never cached.
    """
    import json

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
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            partial = cache_file.with_suffix(".tmp")
            partial.write_text(encoded, encoding="utf-8")
            partial.replace(cache_file)
    except (OSError, TypeError, ValueError):
        pass  # no cache: the next start parses again
    return data
