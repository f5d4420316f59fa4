"""The README holds exactly two set-up commands, and CI runs the test one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]


def setup_commands() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", setup_section(), re.DOTALL)


def test_readme_has_exactly_two_setup_commands() -> None:
    run, test = setup_commands()
    assert "\n" not in run and "\n" not in test  # one line each, to paste
    assert test.endswith("pytest") and "[test]" in test


def test_the_first_command_installs_backdev_as_a_tool_from_the_repository_and_starts_it() -> None:
    # From the clone a fresh machine has: a made-up or future URL would fail there.
    run = setup_commands()[0]
    assert run == "python3 -m pip install --user pipx && python3 -m pipx install . && ~/.local/bin/backdev chat"
    section = setup_section()
    after = section.split(run, 1)[1].split("```", 2)[1]
    assert after.strip().startswith("Then run `backdev chat` in any project")
    for line in ("`uv tool install .`", "`python3 -m pip install --user .`", "`python3 -m pipx uninstall backdev`",
                 "`uv tool uninstall backdev`", "python3 -m pipx install --force .", "uv tool install --force ."):
        assert line in section, line


def test_the_readme_installs_completion_with_one_line_per_shell() -> None:
    from backdev.cli_completion import SHELLS

    section = setup_section().split("### Shell completion", 1)[1]
    for shell in SHELLS:
        rows = [row for row in section.splitlines() if row.startswith(f"| {shell} |")]
        assert len(rows) == 1 and f"backdev completion {shell} > " in rows[0]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert setup_commands()[1] in ci


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_test_command_installs_from_the_committed_lock_which_pins_every_dependency() -> None:
    import tomllib

    assert "-c requirements-test.txt" in setup_commands()[1]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]}
    pins = {}
    for line in (ROOT / "requirements-test.txt").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[name.lower().replace("_", "-")] = version
    assert wanted <= pins.keys(), f"not in the lock: {sorted(wanted - pins.keys())}"


def test_ci_installs_the_wheel_with_pipx_and_uv_in_a_temporary_home() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "bash .ci/install-check" in ci
    assert ci.index("bash .ci/install-check") < ci.index(setup_commands()[1])  # pytest's summary stays last
    check = (ROOT / ".ci" / "install-check").read_text()
    for needed in ('export HOME="$work/home"', "PIPX_HOME=", "UV_TOOL_DIR=", "pipx\" install", "uv\" tool install",
                   "backdev\" --version", "backdev\" personas list", "optional-dependencies", "trap 'rm -rf \"$work\"' EXIT"):
        assert needed in check, needed
