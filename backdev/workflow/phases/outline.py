"""Artifacts held against their section outline, and what a phase leaves open when the person leaves it.

An artifact's outline is data (`sections:` of an `artifacts:` entry). A written artifact is
matched to its entry by its path template (`adr/{number}-{slug}.md` matches `adr/0001-use-redis.md`)
and its markdown headings are compared with the outline: a section counts as present when a
heading of any level reads as its name (case, numbering like `2.` and trailing punctuation
aside). `write_artifact` tells the model which sections are missing; `open_exit_work` tells the
person, on a phase switch, which checklist items and artifacts the phase leaves open.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backdev.workflow.phases.definition import ArtifactSpec, Phase, Workflow

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_NUMBERING = re.compile(r"^(\d+(\.\d+)*\.?|[A-Z]\.)\s+")


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regular expression for the paths a template stands for (each placeholder: one path segment part)."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(r"[^/]+")
    return re.compile("".join(parts) + r"\Z")


def spec_for(workflow: Workflow, name: str) -> ArtifactSpec | None:
    """The artifact entry (of any phase) that `name`, relative to the artifacts folder, was written for."""
    name = PurePosixPath(name).as_posix()
    for phase in workflow.phases:
        for spec in phase.artifacts:
            if _template_pattern(spec.path).match(name):
                return spec
    return None


def _normal(heading: str) -> str:
    heading = _NUMBERING.sub("", heading.strip().strip("*_`").strip())
    return " ".join(heading.rstrip(":.").lower().split())


def missing_sections(spec: ArtifactSpec, markdown: str) -> list[str]:
    """The sections of `spec`'s outline that no heading of `markdown` names, in outline order."""
    headings = {_normal(h) for h in _HEADING.findall(markdown)}
    return [s for s in spec.sections if _normal(s) not in headings]


@dataclass(frozen=True)
class ExitWork:
    """What a phase leaves open: checklist items not ticked, and artifacts not written or incomplete.

    Attributes:
        items: ids of the checklist items still open.
        artifacts: (artifact path template, what is wrong: `not written` or `missing sections: …`).
    """

    items: tuple[str, ...] = ()
    artifacts: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items or self.artifacts)

    def describe(self) -> str:
        """One line for the person, e.g. `open items: caching; design.md: missing sections: Caching`."""
        parts = [f"open items: {', '.join(self.items)}"] if self.items else []
        parts += [f"{path}: {problem}" for path, problem in self.artifacts]
        return "; ".join(parts)


def artifact_problems(phase: Phase, root: Path, artifacts_dir: str, written: list[str]) -> tuple[tuple[str, str], ...]:
    """Each of `phase`'s required artifacts that none of `written` (paths from the repository root)
    provides, or whose file lacks sections of its outline."""
    prefix = "" if artifacts_dir in ("", ".") else artifacts_dir.rstrip("/") + "/"
    names = [w[len(prefix):] for w in written if w.startswith(prefix)]
    problems: list[tuple[str, str]] = []
    for spec in phase.artifacts:
        pattern = _template_pattern(spec.path)
        matches = [n for n in names if pattern.match(n)]
        if not matches:
            if not spec.optional:
                problems.append((spec.path, "not written"))
            continue
        try:
            text = (root / prefix / matches[-1]).read_text(encoding="utf-8", errors="replace")
        except OSError:
            problems.append((spec.path, "not written"))
            continue
        missing = missing_sections(spec, text)
        if missing:
            problems.append((matches[-1], f"missing sections: {', '.join(missing)}"))
    return tuple(problems)
