"""Workflow definitions: a persona's phases, read from `<persona>.workflow.yaml` beside its file.

A workflow is data, never code: a changed checklist is a file edit. Every problem in the file is
reported as a `WorkflowError` naming the file and the key (e.g. `phases[2] (tdd).checklist[1]
(red_confirmed).requires_run: expected failed or passed`), so the person can fix it.

The TDD gates are data too: a checklist item with `requires_run: failed|passed` can only be ticked
when the latest test run has that outcome and comes after its `after:` item (see
`backdev.workflow.phases.state`, where the core enforces it). So are the tools a phase may use
(`tools:`, enforced by `phase_guard` in `backdev.workflow.phases.tools`): a phase without the key
allows every tool.

Ids are compared with `-` and `_` as one character (`error_handling` is `error-handling`), so a
checklist id or a category written either way is the same one.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar

from backdev.yamlio import (
    MAX_WORKFLOW_BYTES,
    FileTooLarge,
    YamlProblem,
    cache_file_for,
    load_yaml,
    load_yaml_cached,
    read_capped,
)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
# Placeholders an artifact path template may use: `{date}` (YYYY-MM-DD) and `{slug}` (what was
# reviewed) are filled by backdev; `{number}` is for the model (ADR numbers).
PLACEHOLDERS = frozenset({"date", "slug", "number"})
# In a phase's `tools:` list: every tool that only reads (it asks no approval and records nothing),
# i.e. the repository's read tools and the database's schema and plan tools.
READ_TOOLS = "read"
RunOutcome = Literal["failed", "passed"]
# `effort:` of a phase (the Messages API's `output_config.effort`); see backdev.llm.reasoning.
EFFORT_LEVELS = ("low", "medium", "high", "xhigh", "max")
MIN_THINKING_BUDGET = 1024
T = TypeVar("T")

_PHASE_KEYS = frozenset({"id", "title", "goal", "instructions", "checklist", "artifacts", "exit_criteria", "next",
                         "categories", "include_artifacts", "thinking", "effort", "tools"})
_ITEM_KEYS = frozenset({"id", "text", "requires_run", "after"})
_ARTIFACT_KEYS = frozenset({"path", "sections", "description", "optional"})
_CATEGORY_KEYS = frozenset({"id", "title"})
_TOP_KEYS = frozenset({"phases", "preamble"})


def same_id(a: str, b: str) -> bool:
    """Whether two ids are the same, `-` and `_` being one character (`error_handling` = `error-handling`)."""
    return a.replace("_", "-") == b.replace("_", "-")


class WorkflowError(ValueError):
    """A workflow file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class ChecklistItem:
    """One point of a phase's checklist.

    Attributes:
        requires_run: the outcome the latest test run must have before this item can be done.
        after: the item whose tick the justifying test run must come after.
    """

    id: str
    text: str
    requires_run: RunOutcome | None = None
    after: str | None = None


@dataclass(frozen=True)
class ArtifactSpec:
    """A document a phase produces: a path template under the artifacts folder and its outline.

    Attributes:
        optional: the phase may end without one (ADRs: one per decision that had alternatives).
    """

    path: str
    sections: tuple[str, ...] = ()
    description: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Category:
    """A category findings are filed under (a SARIF rule)."""

    id: str
    title: str


@dataclass(frozen=True)
class Phase:
    """One guided mode of the workflow.

    `thinking` (False, True or a budget in tokens) and `effort` say how hard the model should
    think in this phase; they are sent only to a model that takes them (backdev.llm.reasoning).
    """

    id: str
    title: str
    goal: str
    instructions: str
    checklist: tuple[ChecklistItem, ...] = ()
    artifacts: tuple[ArtifactSpec, ...] = ()
    exit_criteria: tuple[str, ...] = ()
    next: str | None = None
    categories: tuple[Category, ...] = ()
    include_artifacts: bool = False
    thinking: bool | int = False
    effort: str | None = None
    # The tools this phase may use (names, or READ_TOOLS for every read-only tool); None: all of them.
    tools: tuple[str, ...] | None = None

    def item(self, item_id: str) -> ChecklistItem | None:
        """The checklist item `item_id` (either spelling of `-`/`_`), or None."""
        return next((i for i in self.checklist if same_id(i.id, item_id)), None)

    def category(self, category_id: str) -> Category | None:
        """The finding category `category_id` (either spelling of `-`/`_`), or None."""
        return next((c for c in self.categories if same_id(c.id, category_id)), None)

    def allows(self, tool_name: str, *, read_only: bool) -> bool:
        """Whether this phase may use the tool (`read_only`: it asks no approval and records nothing)."""
        if self.tools is None:
            return True
        return tool_name in self.tools or (read_only and READ_TOOLS in self.tools)


@dataclass(frozen=True)
class Workflow:
    """A persona's phases, in order; the first is where a session starts."""

    path: Path
    phases: tuple[Phase, ...]
    preamble: str = ""
    _by_id: dict[str, Phase] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({p.id: p for p in self.phases})

    def phase(self, phase_id: str) -> Phase:
        """The phase with this id (KeyError when there is none)."""
        return self._by_id[phase_id]

    def has_phase(self, phase_id: str) -> bool:
        return phase_id in self._by_id

    def find_phase(self, name: str) -> Phase | None:
        """A phase by id, title (any case) or 1-based number, as a person types it."""
        wanted = name.strip().lower()
        for index, phase in enumerate(self.phases, start=1):
            if wanted in (phase.id, phase.title.lower(), str(index)):
                return phase
        return None

    def gated_items(self) -> tuple[ChecklistItem, ...]:
        """Every checklist item that needs a test run, in every phase (for the tools' descriptions)."""
        return tuple(i for p in self.phases for i in p.checklist if i.requires_run)

    @property
    def review_phase(self) -> Phase | None:
        """The phase `/review` and `backdev review` use: the one that defines `categories`."""
        return next((p for p in self.phases if p.categories), None)


def workflow_path_for(persona_path: Path) -> Path | None:
    """The workflow file beside a persona file (`x.md` → `x.workflow.yaml`), if it exists."""
    candidate = persona_path.with_name(persona_path.stem + ".workflow.yaml")
    return candidate if candidate.is_file() else None


def load_workflow(path: Path) -> Workflow:
    """Read and validate a workflow file.

    Raises:
        WorkflowError: the file cannot be read, is not valid YAML, or breaks the schema.
    """
    try:
        text = read_capped(path, MAX_WORKFLOW_BYTES)
    except (FileTooLarge, UnicodeDecodeError) as exc:
        raise WorkflowError(f"{exc}" if isinstance(exc, FileTooLarge) else f"{path}: is not UTF-8 text.") from exc
    except OSError as exc:
        raise WorkflowError(f"{path}: cannot be read ({exc.strerror}).") from exc
    return parse_workflow(text, path, cache_file=cache_file_for("workflow", path))


def parse_workflow(text: str, path: Path, *, cache_file: Path | None = None) -> Workflow:
    """Build a Workflow from the text of `path` (see `load_workflow`); `cache_file` keeps the parse."""
    try:
        data = load_yaml(text) if cache_file is None else load_yaml_cached(text, cache_file)
    except YamlProblem as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise WorkflowError(f"{path}: {where}not valid YAML ({exc.problem}).") from exc
    return _Reader(path).workflow(data)


class _Reader:
    """Validates the parsed YAML, keeping the file for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> WorkflowError:
        return WorkflowError(f"{self.path}: {key}{': ' if key else ''}{problem}")

    def mapping(self, value: Any, key: str, allowed: frozenset[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected `key: value` lines" if key else "expected `key: value` lines at the top level")
        for name in value if allowed is not None else ():
            if name not in allowed:
                raise self.fail(key, f"unknown key {name!r} (allowed: {', '.join(sorted(allowed))})")
        return value

    def text(self, data: dict[str, Any], name: str, key: str, *, required: bool = True) -> str:
        value = data.get(name)
        if value is None or value == "":
            if required:
                raise self.fail(key, f"`{name}` is missing")
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{key}.{name}", "expected text")
        return value.strip()

    def ident(self, data: dict[str, Any], key: str) -> str:
        value = self.text(data, "id", key)
        if not ID_PATTERN.match(value):
            raise self.fail(f"{key}.id", f"{value!r} must be lowercase letters, digits, `-` or `_`, starting with a letter")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(v.strip() for v in value)
        raise self.fail(key, "expected a list of strings")

    def items(self, value: Any, key: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def each(self, data: dict[str, Any], name: str, key: str, read: Callable[[Any, str], T]) -> tuple[T, ...]:
        """`read` applied to each entry of the list `data[name]`, with `key.name[i]` for errors."""
        return tuple(read(raw, f"{key}.{name}[{i}]") for i, raw in enumerate(self.items(data.get(name), f"{key}.{name}")))

    # --- the parts -----------------------------------------------------------------------------

    def workflow(self, data: Any) -> Workflow:
        data = self.mapping(data, "", _TOP_KEYS)
        if "phases" not in data:
            raise self.fail("", "`phases` is missing: list the phases of the workflow")
        raw_phases = self.items(data["phases"], "phases")
        if not raw_phases:
            raise self.fail("phases", "`phases` must list at least one phase")
        phases: list[Phase] = []
        for index, raw in enumerate(raw_phases):
            phase = self.phase(raw, f"phases[{index}]")
            if any(p.id == phase.id for p in phases):
                raise self.fail(f"phases[{index}] ({phase.id}).id", f"{phase.id!r} is used twice")
            phases.append(phase)
        ids = {p.id for p in phases}
        for index, phase in enumerate(phases):
            if phase.next is not None and phase.next not in ids:
                raise self.fail(f"phases[{index}] ({phase.id}).next", f"no phase has the id {phase.next!r}")
        if sum(1 for p in phases if p.categories) > 1:
            raise self.fail("phases", "only one phase may have `categories` (it is the review phase)")
        return Workflow(self.path, tuple(phases), self.text(data, "preamble", "", required=False))

    def phase(self, raw: Any, key: str) -> Phase:
        phase_id = self.ident(self.mapping(raw, key), key)
        key = f"{key} ({phase_id})"
        data = self.mapping(raw, key, _PHASE_KEYS)
        checklist = self.each(data, "checklist", key, self.item)
        seen: set[str] = set()
        for index, item in enumerate(checklist):
            if item.id.replace("_", "-") in seen:  # `a_b` and `a-b` are one id
                raise self.fail(f"{key}.checklist[{index}] ({item.id}).id", f"{item.id!r} is used twice")
            seen.add(item.id.replace("_", "-"))
        ids = {item.id for item in checklist}
        for index, item in enumerate(checklist):
            if item.after is not None and item.after not in ids:
                raise self.fail(f"{key}.checklist[{index}] ({item.id}).after",
                                f"no checklist item {item.after!r} in this phase")
        artifacts = self.each(data, "artifacts", key, self.artifact)
        categories = self.each(data, "categories", key, self.category)
        include = data.get("include_artifacts", False)
        if not isinstance(include, bool):
            raise self.fail(f"{key}.include_artifacts", "expected true or false")
        thinking = data.get("thinking", False)
        if not isinstance(thinking, (bool, int)) or (not isinstance(thinking, bool) and thinking < MIN_THINKING_BUDGET):
            raise self.fail(f"{key}.thinking", f"expected true, false or a budget of at least {MIN_THINKING_BUDGET} "
                                               f"tokens (got {thinking!r})")
        effort = data.get("effort")
        if effort is not None and effort not in EFFORT_LEVELS:
            raise self.fail(f"{key}.effort", f"expected one of {', '.join(EFFORT_LEVELS)} (got {effort!r})")
        next_id = data.get("next")
        if next_id is not None and not isinstance(next_id, str):
            raise self.fail(f"{key}.next", "expected a phase id")
        tools = None if data.get("tools") is None else self.strings(data.get("tools"), f"{key}.tools")
        return Phase(
            id=phase_id,
            title=self.text(data, "title", key),
            goal=self.text(data, "goal", key),
            instructions=self.text(data, "instructions", key),
            checklist=checklist,
            artifacts=artifacts,
            exit_criteria=self.strings(data.get("exit_criteria"), f"{key}.exit_criteria"),
            next=next_id or None,
            categories=categories,
            include_artifacts=include,
            thinking=thinking,
            effort=effort,
            tools=tools,
        )

    def item(self, raw: Any, key: str) -> ChecklistItem:
        item_id = self.ident(self.mapping(raw, key), key)
        key = f"{key} ({item_id})"
        data = self.mapping(raw, key, _ITEM_KEYS)
        requires = data.get("requires_run")
        if requires is not None and requires not in ("failed", "passed"):
            raise self.fail(f"{key}.requires_run", f"expected failed or passed (got {requires!r})")
        after = data.get("after")
        if after is not None and not isinstance(after, str):
            raise self.fail(f"{key}.after", "expected a checklist item id")
        return ChecklistItem(item_id, self.text(data, "text", key), requires, after)

    def artifact(self, raw: Any, key: str) -> ArtifactSpec:
        data = self.mapping(raw, key, _ARTIFACT_KEYS)
        path = self.text(data, "path", key)
        problem = artifact_template_problem(path)
        if problem:
            raise self.fail(f"{key}.path", problem)
        optional = data.get("optional", False)
        if not isinstance(optional, bool):
            raise self.fail(f"{key}.optional", "expected true or false")
        return ArtifactSpec(path, self.strings(data.get("sections"), f"{key}.sections"),
                            self.text(data, "description", key, required=False), optional)

    def category(self, raw: Any, key: str) -> Category:
        category_id = self.ident(self.mapping(raw, key), key)
        key = f"{key} ({category_id})"
        data = self.mapping(raw, key, _CATEGORY_KEYS)
        return Category(category_id, self.text(data, "title", key))


def artifact_template_problem(template: str) -> str | None:
    """Why an artifact path template is unusable, or None when it is fine."""
    pure = PurePosixPath(template)
    if pure.is_absolute() or template.startswith("~") or ".." in pure.parts:
        return f"{template!r} must be a relative path inside the artifacts folder"
    if not template.endswith(".md"):
        return f"{template!r} must end in .md (artifacts are markdown)"
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in PLACEHOLDERS:
            return f"unknown placeholder {{{name}}} (allowed: {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))})"
    return None
