"""`backdev completion bash|zsh|fish`: generated from the parser, and working in the real shells.

The scripts are checked three ways: they name every subcommand and flag the parser has (so a
command added later cannot be forgotten), each shell accepts their syntax, and each shell really
completes with them — bash through its completion variables, fish through `complete -C`, zsh in
a terminal (tmux) — including the values that come back from `backdev _complete`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from backdev.cli import build_parser
from backdev.cli_completion import FILES, MODELS, PERSONAS, SESSIONS, SHELLS
from backdev.compose import open_store
from backdev.llm.models import ALIASES, END_OF_LIFE

from .conftest import git, run_backdev

BIN = str(Path(sys.executable).parent)  # where this environment's `backdev` script is


def public_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every subcommand listed in the help, as (words, parser), depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for listed in action._get_subactions():
                sub = action.choices[listed.dest]
                yield (*path, listed.dest), sub
                yield from public_commands(sub, (*path, listed.dest))


def flags(parser: argparse.ArgumentParser) -> list[str]:
    return [option for action in parser._actions if action.help != argparse.SUPPRESS for option in action.option_strings]


def script(shell: str, cwd: Path) -> str:
    result = run_backdev("completion", shell, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def repo(git_repo: Path) -> Path:
    """A repository with a file to review and a project persona (whose description holds escapes)."""
    (git_repo / "shop").mkdir()
    (git_repo / "shop" / "views.py").write_text("def index(request): ...\n")
    agents = git_repo / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "dba.md").write_text('---\nname: dba\ndescription: "MySQL \\e[31mtuning\\a"\n---\nYou are a DBA.\n')
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "shop")
    return git_repo


@pytest.fixture
def session_id(repo: Path) -> str:
    store = open_store()
    record = store.create_session(str(repo), "backend-developer", "sonnet")
    store.update_session(record.id, title="Why is the order list slow?")
    store.close()
    return record.id


def shell_env(home: Path) -> dict[str, str]:
    """The environment a shell under test gets: this environment's backdev first on PATH, a temporary HOME."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(home)}


# --- what the scripts contain ----------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_the_script_names_every_subcommand_and_flag(shell: str, repo: Path) -> None:
    text = script(shell, repo)
    commands = list(public_commands(build_parser()))
    assert {words[0] for words, _ in commands} >= {"chat", "review", "personas", "sessions", "doctor", "completion"}
    for words, sub in commands:
        assert re.search(rf"\b{re.escape(words[-1])}\b", text), f"{' '.join(words)} missing from the {shell} script"
        for flag in flags(sub):
            # fish spells `--persona` as `-l persona` and `-o` as `-s o`
            spelled = (f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}") if shell == "fish" else flag
            assert spelled in text, f"{' '.join(words)} {flag} missing from the {shell} script"
    # Dynamic values are asked for, never baked in.
    for kind in (PERSONAS, SESSIONS, MODELS):
        assert f"backdev _complete {kind}" in text
    assert not re.search(r"\bdba\b", text)  # the repository's persona is asked for as you type


def test_a_subcommand_added_later_is_in_the_script_without_a_list_to_update(project: Path) -> None:
    from backdev.cli_completion import completion_script

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    later = commands.add_parser("frobnicate", help="a command from the future")
    later.add_argument("--wobble-level")
    for shell in SHELLS:
        text = completion_script(parser, shell)
        assert "frobnicate" in text and "wobble-level" in text


@pytest.mark.parametrize("shell, check", [("bash", ["bash", "-n"]), ("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])])
def test_the_shell_accepts_the_script(shell: str, check: list[str], project: Path, tmp_path: Path) -> None:
    if shutil.which(check[0]) is None:
        pytest.skip(f"{shell} is not installed (.ci/run installs it)")
    path = tmp_path / f"backdev.{shell}"
    path.write_text(script(shell, project))
    result = subprocess.run([*check, str(path)], capture_output=True, text=True, env=shell_env(tmp_path))
    assert result.returncode == 0, result.stderr


def test_every_argument_that_names_a_persona_model_session_or_file_says_so() -> None:
    """A new `--persona` or session id argument anywhere must be marked, or it would complete nothing."""
    expected = {"--persona": PERSONAS, "--model": MODELS, "--resume": SESSIONS, "--output": FILES}
    seen = 0
    for words, sub in public_commands(build_parser()):
        for action in sub._actions:
            kind = next((expected[o] for o in action.option_strings if o in expected), None)
            if action.dest == "id" or (words == ("personas", "show") and action.dest == "name"):
                kind = SESSIONS if action.dest == "id" else PERSONAS
            if words == ("review",) and action.dest == "paths":
                kind = FILES
            if kind is not None:
                seen += 1
                assert getattr(action, "backdev_completes", None) == kind, f"{' '.join(words)} {action.dest}"
    assert seen >= 12


# --- the values backdev gives the scripts ------------------------------------------------------------


def values(kind: str, cwd: Path) -> list[tuple[str, str]]:
    result = run_backdev("_complete", kind, cwd=cwd)
    assert result.returncode == 0 and result.stderr == ""
    return [tuple(line.split("\t", 1)) for line in result.stdout.splitlines()]  # type: ignore[misc]


def test_persona_values_include_the_projects_own_and_no_control_characters(repo: Path) -> None:
    personas = dict(values(PERSONAS, repo / "shop"))
    assert {"backend-developer", "dba"} <= personas.keys()
    assert personas["dba"] == "MySQL [31mtuning"  # the escape and the bell from the repository's file are gone
    assert all(ch.isprintable() for text in personas.values() for ch in text)


def test_session_values_are_this_folders_sessions_with_their_titles(repo: Path, session_id: str, tmp_path: Path) -> None:
    sessions = dict(values(SESSIONS, repo))
    assert list(sessions) == [session_id]
    assert sessions[session_id].endswith("Why is the order list slow?")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert values(SESSIONS, elsewhere) == []


def test_session_values_before_any_session_create_nothing(project: Path, isolated_home: Path) -> None:
    before = sorted(isolated_home.rglob("*"))
    assert values(SESSIONS, project) == []
    assert sorted(isolated_home.rglob("*")) == before


def test_model_values_are_the_aliases_then_the_ids_still_served(project: Path) -> None:
    models = values(MODELS, project)
    names = [name for name, _ in models]
    assert names[:len(ALIASES)] == list(ALIASES)
    assert dict(models)["opus"] == ALIASES["opus"]
    retired = {model_id for model_id, end in END_OF_LIFE.items() if end < date.today()}
    assert not retired & set(names)
    assert set(ALIASES.values()) <= set(names)


def test_the_values_command_is_not_listed_anywhere(project: Path) -> None:
    assert "_complete" not in run_backdev("--help", cwd=project).stdout
    assert "_complete" not in {words[0] for words, _ in public_commands(build_parser())}


# --- the scripts at work, in each shell ------------------------------------------------------------------


BASH_DRIVER = r"""
source "$1"
shift
COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
_shtab_backdev
printf '%s\n' "${COMPREPLY[@]}"
"""


def bash_complete(script_path: Path, cwd: Path, home: Path, *words: str) -> list[str]:
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", BASH_DRIVER, "complete", str(script_path), *words],
                            cwd=cwd, env=shell_env(home), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_bash_completes_commands_flags_and_values(repo: Path, session_id: str, tmp_path: Path) -> None:
    path = tmp_path / "backdev.bash"
    path.write_text(script("bash", repo))

    def complete(*words: str) -> list[str]:
        return bash_complete(path, repo, tmp_path, "backdev", *words)

    top = complete("")
    assert {words[0] for words, _ in public_commands(build_parser())} == set(top)
    assert "--persona" in complete("chat", "--p") and "--plain" in complete("chat", "--p")
    assert set(complete("chat", "--persona", "")) == {"backend-developer", "dba"}
    assert complete("review", "--persona", "d") == ["dba"]
    assert complete("chat", "--model", "op") == ["opus"]
    assert complete("chat", "--resume", "") == [session_id]
    assert complete("sessions", "show", session_id[:2]) == [session_id]
    assert complete("review", "sh") == ["shop"]
    assert complete("review", "shop/v") == ["shop/views.py"]
    assert complete("review", "shop/views.py", "sh") == ["shop"]  # any number of paths
    assert "--fail-on" in complete("review", "shop/views.py", "--f")
    assert set(complete("review", "--fail-on", "")) == {"low", "medium", "high", "critical"}
    assert set(complete("completion", "")) == set(SHELLS)


def fish_complete(script_path: Path, cwd: Path, home: Path, line: str) -> dict[str, str]:
    command = f"source {script_path}; complete -C {line!r}"
    result = subprocess.run(["fish", "--no-config", "-c", command], cwd=cwd, env=shell_env(home),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return dict((line.split("\t", 1) + [""])[:2] for line in result.stdout.splitlines())  # type: ignore[misc]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (.ci/run installs it)")
def test_fish_completes_commands_with_their_help_and_values_with_descriptions(repo: Path, session_id: str,
                                                                              tmp_path: Path) -> None:
    path = tmp_path / "backdev.fish"
    path.write_text(script("fish", repo))
    top = fish_complete(path, repo, tmp_path, "backdev ")
    assert top["chat"] == "talk with the persona (the default command)"  # the one-line help, not the description
    assert {"review", "personas", "sessions", "doctor", "completion"} <= top.keys()
    personas = fish_complete(path, repo, tmp_path, "backdev chat --persona ")
    assert personas.keys() == {"backend-developer", "dba"} and personas["dba"] == "MySQL [31mtuning"
    sessions = fish_complete(path, repo, tmp_path, "backdev sessions export ")
    assert list(sessions) == [session_id] and sessions[session_id].endswith("Why is the order list slow?")
    assert "shop/" in fish_complete(path, repo, tmp_path, "backdev review sh")
    assert "opus" in fish_complete(path, repo, tmp_path, "backdev review --model o")


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("zsh") is None or shutil.which("tmux") is None,
                    reason="zsh and tmux are needed (.ci/run installs them)")
def test_zsh_completes_in_a_real_terminal_when_installed_as_the_readme_says(repo: Path, session_id: str,
                                                                            tmp_path: Path, isolated_home: Path) -> None:
    from .test_tui_e2e import Terminal

    zfunc = tmp_path / ".zfunc"
    zfunc.mkdir()
    (zfunc / "_backdev").write_text(script("zsh", repo))
    (tmp_path / ".zshrc").write_text("PS1='zsh$ '\nfpath=(~/.zfunc $fpath)\nautoload -Uz compinit && compinit -u -D\n")
    env = {"PATH": shell_env(tmp_path)["PATH"], "HOME": str(tmp_path), "BACKDEV_HOME": str(isolated_home),
           "TERM": "xterm-256color", "ZDOTDIR": str(tmp_path), "PS1": "bash$ "}
    terminal = Terminal(tmp_path / "tmux.sock", repo, env)
    try:
        terminal.wait_text("bash$")
        terminal.type("exec zsh")
        terminal.keys("Enter")
        terminal.wait_text("zsh$")
        terminal.type("backdev ")
        terminal.keys("Tab")
        terminal.wait_text("completion  -- print the shell completion script")
        terminal.keys("C-u", "C-l")
        terminal.type("backdev chat --persona ")
        terminal.keys("Tab")
        shown = terminal.wait_text("dba")
        assert "backend-developer" in shown and "MySQL [31mtuning" in shown
        terminal.keys("C-u", "C-l")
        terminal.type("backdev sessions show ")
        terminal.keys("Tab")
        terminal.wait_text(f"backdev sessions show {session_id}")  # the only one: completed in place
        terminal.keys("C-u", "C-l")
        terminal.type("backdev review shop/v")
        terminal.keys("Tab")
        terminal.wait_text("backdev review shop/views.py")
    finally:
        terminal.close()
