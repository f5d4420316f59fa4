"""The `phase` slot of the system prompt: what the model is told about the current phase.

It is built from the phase's definition only (never from checklist states, which change within a
phase), so the system prefix stays byte-identical until the phase changes and prompt caching keeps
hitting. A phase with `include_artifacts` also carries the session's artifacts, read once when the
phase is entered.
"""

from __future__ import annotations

from backdev.workflow.phases.definition import READ_TOOLS, Phase, Workflow

_GATE = "backdev checks it: the latest run_tests run must have {outcome}{after}"


def phase_prompt(workflow: Workflow, phase: Phase, artifacts_dir: str,
                 artifact_texts: list[tuple[str, str]] | None = None) -> str:
    """The system-prompt text for `phase`.

    Args:
        artifacts_dir: where write_artifact writes, relative to the repository root.
        artifact_texts: (path, text) of the session's artifacts, for phases with `include_artifacts`.
    """
    number = workflow.phases.index(phase) + 1
    route = " → ".join(f"**{p.id}**" if p is phase else p.id for p in workflow.phases)
    parts = [f"# Workflow: phase {number} of {len(workflow.phases)} — {phase.title}", f"Phases: {route}."]
    if workflow.preamble:
        parts.append(workflow.preamble)
    parts.append(f"## Goal\n{phase.goal}")
    parts.append(f"## Instructions\n{phase.instructions}")
    if phase.checklist:
        lines = ["## Checklist", "Tick items with update_checklist(item=<id>, state=done|na|open, note=<short note>)."]
        for item in phase.checklist:
            gate = ""
            if item.requires_run:
                before = phase.item(item.after) if item.after else None
                after = ("" if before is None else f", newer than the run that confirmed `{before.id}`"
                         if before.requires_run else f"; the run just before `{before.id}` was ticked counts")
                gate = f" ({_GATE.format(outcome=item.requires_run, after=after)})"
            lines.append(f"- `{item.id}` — {item.text}{gate}")
        parts.append("\n".join(lines))
    if phase.artifacts and phase.categories:
        # The review phase: backdev writes the report itself from the findings and the closing summary.
        parts.append(f"## Artifact\nbackdev saves the review (your findings and closing summary) as "
                     f"`{artifacts_dir}/{phase.artifacts[0].path}` when you finish; do not write it yourself.")
    elif phase.artifacts:
        lines = ["## Artifacts",
                 f"Write them with write_artifact(name=<path>, markdown=<text>); paths are relative to `{artifacts_dir}/`."]
        for spec in phase.artifacts:
            what = f" ({spec.description})" if spec.description else ""
            sections = f" — sections: {', '.join(spec.sections)}" if spec.sections else ""
            lines.append(f"- `{spec.path}`{what}{sections}")
        parts.append("\n".join(lines))
    if phase.categories:
        lines = ["## Finding categories", "Use these ids as report_finding's category:"]
        lines += [f"- `{c.id}` — {c.title}" for c in phase.categories]
        parts.append("\n".join(lines))
    if phase.tools is not None:
        names = ["the read tools" if name == READ_TOOLS else name for name in phase.tools]
        parts.append(f"## Tools\nThis phase uses {', '.join(names)}; backdev refuses the other tools here.")
    if phase.exit_criteria:
        parts.append("## Exit criteria\n" + "\n".join(f"- {c}" for c in phase.exit_criteria))
    if phase.next:
        parts.append(f"Next phase: {workflow.phase(phase.next).title} (the person moves on with /next).")
    else:
        parts.append("This is the last phase.")
    if phase.include_artifacts:
        if artifact_texts:
            body = "\n\n".join(f'<artifact path="{path}">\n{text.rstrip()}\n</artifact>' for path, text in artifact_texts)
            parts.append(f"## The session's artifacts\n{body}")
        else:
            parts.append("## The session's artifacts\nNone were written in this session: work from the repository.")
    return "\n\n".join(parts) + "\n"
