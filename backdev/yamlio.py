"""Reading YAML the one safe way (`yaml.safe_load`), with errors that carry a useful line number."""

from __future__ import annotations

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
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct began (e.g. an unclosed `[`); the problem
        # mark is often the end of the text, which points the person nowhere useful.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(problem, mark.line + 1 if mark is not None else None) from exc
