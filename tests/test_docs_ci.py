"""docs/ci.md: its workflow and job are valid YAML, and every `backdev review` it shows parses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from backdev.cli import build_parser

DOC = Path(__file__).resolve().parent.parent / "docs" / "ci.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.+?)\n```", DOC.read_text(), flags=re.S)


def review_commands() -> list[str]:
    text = "\n".join(blocks("yaml") + blocks("sh"))
    # Folded YAML scalars (`>`) and plain lines: join continuation lines, then pick the commands.
    joined = re.sub(r"\n\s+(--)", r" \1", text)
    return [m.strip() for m in re.findall(r"(?m)^\s*(?:run: |- )?(backdev review [^\n#]+)", joined)]


def test_the_github_workflow_and_gitlab_job_are_yaml_with_what_they_need() -> None:
    workflow, *_ = [yaml.safe_load(b) for b in blocks("yaml") if "jobs:" in b]
    steps = workflow["jobs"]["review"]["steps"]
    assert workflow["permissions"]["security-events"] == "write"
    assert steps[0]["with"]["fetch-depth"] == 0
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    gitlab = next(yaml.safe_load(b) for b in blocks("yaml") if "backdev-review:" in b)["backdev-review"]
    assert gitlab["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert gitlab["variables"]["GIT_DEPTH"] == "0"


def test_every_review_command_shown_parses() -> None:
    commands = review_commands()
    assert len(commands) >= 4
    parser = build_parser()
    for command in commands:
        words = [w.replace('"', "") for w in shlex.split(command.replace("${{ github.base_ref }}", "main"))]
        args = parser.parse_args(words[1:])
        assert args.command == "review", command
