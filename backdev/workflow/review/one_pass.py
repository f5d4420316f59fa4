"""The system prompt's phase text for `backdev review`: one non-interactive pass, with the repository.

In a chat the review phase is a step of a conversation (the person answers, moves on with /next).
`backdev review` runs in a shell or CI with nobody to answer, so its phase text says so, tells
the model to read what the code under review depends on before filing (the read tools and the
repository overview are there), and to file independent findings in parallel. The review phase's
checklist (the seed's review standards) and categories are kept as they are.
"""

from __future__ import annotations

from backdev.workflow.phases.definition import Phase

ONE_PASS = """\
This review runs non-interactively (a shell or CI): there is no one to answer questions, nothing
is written or run, and there is no next phase. Ignore any instruction about asking the person,
waiting for an answer or suggesting /next; do the whole review in this one pass.

1. Read before you judge. The code under review is in the message; the repository overview and
   project memory are in this prompt. Before filing, open what this code depends on with the read
   tools (read_file, search, list_files, git_diff, git_log, git_show): the models and their indexes,
   serializers and forms, permissions and authentication, settings, the URL configuration, the
   tests. Never guess at a file you could open. Read several files in one reply when you can.
2. Check every checklist point below and tick it with update_checklist (`na` when it does not
   apply).
3. File each problem with report_finding: the path relative to the repository root exactly as the
   file's tag shows it (no a/ or b/), and a line number shown beside the code. Only the files
   under review can carry findings; a problem seen in another file is filed at the line of the
   reviewed code that depends on it. File independent findings in parallel: several
   report_finding calls in one reply. If a call is refused, correct it and file it again.
4. End with a short summary: the verdict and the most important fixes."""


def one_pass_prompt(phase: Phase) -> str:
    """The phase text for a non-interactive review with `phase`'s standards and categories."""
    parts = ["# Review (one non-interactive pass)", f"## Goal\n{phase.goal}", f"## How\n{ONE_PASS}"]
    if phase.checklist:
        lines = ["## Review standards (the checklist)",
                 "Tick items with update_checklist(item=<id>, state=done|na|open, note=<short note>)."]
        lines += [f"- `{item.id}` — {item.text}" for item in phase.checklist]
        parts.append("\n".join(lines))
    if phase.categories:
        lines = ["## Finding categories", "Use these ids as report_finding's category:"]
        lines += [f"- `{c.id}` — {c.title}" for c in phase.categories]
        parts.append("\n".join(lines))
    parts.append("## Severities\ncritical: exploitable or data loss; high: a real bug or security weakness; medium: a "
                 "likely problem under load or an edge case; low: style, clarity, a small improvement.")
    return "\n\n".join(parts) + "\n"
