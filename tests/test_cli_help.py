"""Help that teaches: one line per command, and every help ends with an example to copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backdev.cli import build_parser
from backdev.cli_help import EXAMPLE_WIDTH, Parser, examples

from .conftest import run_backdev
from .test_shell_completion import public_commands

COMMAND_LINE = re.compile(r"^ {4}(\S+) {2,}\S")  # a command and its help on one line


def last_block(help_text: str) -> tuple[str, list[str]]:
    header, *lines = help_text.rstrip("\n").split("\n\n")[-1].splitlines()
    return header, lines


def test_top_level_help_lists_each_command_on_one_line_and_shows_the_two_main_jobs(project: Path) -> None:
    result = run_backdev("--help", cwd=project, env={"COLUMNS": "80"})
    assert result.returncode == 0
    listed = {match.group(1) for line in result.stdout.splitlines() if (match := COMMAND_LINE.match(line))}
    assert listed == {words[0] for words, _ in public_commands(build_parser()) if len(words) == 1}
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    header, lines = last_block(result.stdout)
    assert header == "examples:"
    commands = [line.split("  #")[0].strip() for line in lines]
    assert "backdev chat" in commands and "backdev review --base origin/main" in commands


@pytest.mark.parametrize("words", [words for words, _ in public_commands(build_parser())], ids=" ".join)
def test_every_subcommand_help_ends_with_an_example_of_itself(words: tuple[str, ...], project: Path) -> None:
    result = run_backdev(*words, "--help", cwd=project, env={"COLUMNS": "80"})
    assert result.returncode == 0 and result.stdout.startswith(f"usage: backdev {' '.join(words)}")
    header, lines = last_block(result.stdout)
    assert header in ("example:", "examples:"), result.stdout
    assert all(line.startswith("  ") for line in lines)
    assert any(f"backdev {' '.join(words)}" in line for line in lines if not line.lstrip().startswith("#"))


def test_subcommands_added_later_get_the_same_formatting() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    later = commands.add_parser("later", help="h", description="d " * 60, epilog=examples("backdev later --x"))
    assert isinstance(later, Parser)
    text = later.format_help()
    assert text.rstrip().endswith("example:\n  backdev later --x")


def test_prose_is_wrapped_and_indented_blocks_are_kept() -> None:
    parser = Parser(prog="p", description="word " * 40 + "\n\nsecond paragraph",
                    epilog="examples:\n  p --one          # aligned\n  p --two-longer   # as written")
    text = parser.format_help()
    assert "second paragraph" in text
    assert "  p --one          # aligned\n  p --two-longer   # as written" in text
    description = text.split("\n\n")[1]
    assert len(description.splitlines()) > 1 and all(len(line) <= 80 for line in description.splitlines())


def test_example_comments_line_up_or_move_above_when_too_wide() -> None:
    assert examples("backdev chat  # talk", "backdev chat --plain  # in a REPL") == (
        "examples:\n  backdev chat          # talk\n  backdev chat --plain  # in a REPL")
    assert examples("backdev doctor") == "example:\n  backdev doctor"
    wide = examples("backdev review --base origin/main --format sarif -o review.sarif  # in CI, as SARIF", "backdev review  # x")
    assert wide == ("examples:\n  # in CI, as SARIF\n  backdev review --base origin/main --format sarif -o review.sarif\n"
                    "  # x\n  backdev review")
    assert all(len(line) <= EXAMPLE_WIDTH for line in wide.splitlines())
