"""Shell completion: `backdev completion bash|zsh|fish` and the hidden `backdev _complete KIND`.

The script is generated from the argument parser by shtab at the moment it is asked for, so every
subcommand and flag (including ones added later) is in it, and nothing is imported at run time by
the shell: the script is plain shell code. Values that only exist on the person's machine
(persona names, session ids, model aliases) are not baked in: the script's small helper functions
call back into `backdev _complete KIND`, which prints one `value<TAB>description` line each and
reads only what it must (no API, no repository scan, nothing created).

An argument says what it completes with `completes(action, KIND)` where it is defined.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

SHELLS = ("bash", "zsh", "fish")
PERSONAS, SESSIONS, MODELS, FILES = "personas", "sessions", "models", "files"
DYNAMIC = (PERSONAS, SESSIONS, MODELS)
_MARK = "backdev_completes"


def completes(action: argparse.Action, kind: str) -> argparse.Action:
    """Mark an argument as completing with `kind` (one of PERSONAS, SESSIONS, MODELS, FILES)."""
    if kind not in (*DYNAMIC, FILES):
        raise ValueError(f"unknown completion kind {kind!r}")
    setattr(action, _MARK, kind)
    return action


def add_completion_parsers(commands: Any) -> None:
    """`completion SHELL` (listed in the help) and `_complete KIND` (hidden: the scripts call it)."""
    from backdev.cli_help import examples  # loaded by the command that needs it: `backdev --help` stays fast

    completion = commands.add_parser(
        "completion", help="print the shell completion script (bash, zsh, fish)",
        description="Print a completion script for your shell: subcommands, flags, persona names, session ids, "
                    "models and file paths complete with Tab. Install it once (see the examples); it asks backdev "
                    "for persona names and session ids as you type, so those stay current. Run it again after "
                    "upgrading backdev.",
        epilog=examples(
            "backdev completion bash > ~/.local/share/bash-completion/completions/backdev",
            "backdev completion zsh > ~/.zfunc/_backdev  # with fpath+=(~/.zfunc) before compinit in ~/.zshrc",
            "backdev completion fish > ~/.config/fish/completions/backdev.fish",
        ))
    completion.add_argument("shell", choices=SHELLS, help="bash, zsh or fish")
    # No help=: argparse leaves a subcommand without help out of the command list, and shtab out of
    # the scripts, so people never see it.
    values = commands.add_parser("_complete", description="Values for the completion scripts (internal).")
    values.add_argument("kind", choices=DYNAMIC)


def completion_command(args: argparse.Namespace, parser: argparse.ArgumentParser, out: TextIO | None = None) -> int:
    """Print the completion script for `args.shell`."""
    (out or sys.stdout).write(completion_script(parser, args.shell))
    return 0


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for `shell`, generated from `parser` (which this marks for shtab)."""
    import shtab  # loaded by the command that needs it: `backdev --help` stays fast

    for action in _all_actions(parser):
        kind = getattr(action, _MARK, None)
        if kind == FILES:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif kind is not None:
            action.complete = _dynamic(kind)  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            # A menu beside the word wants the one-line summary, not the paragraph `--help` shows
            # (shtab prefers a subcommand's description).
            for choice in action._get_subactions():
                action.choices[choice.dest].description = choice.help
    script = shtab.complete(parser, shell=shell)
    return script if script.endswith("\n") else script + "\n"


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every argument of `parser` and of all its subcommands, depth first."""
    found: list[argparse.Action] = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                found.extend(_all_actions(sub))
    return found


def _dynamic(kind: str) -> dict[str, Any]:
    """A shtab completion spec that asks `backdev _complete KIND` (one helper function per shell)."""
    function = f"_backdev_complete_{kind}"
    call = f"command backdev _complete {kind} 2>/dev/null"
    return {
        "bash": function,
        "zsh": function,
        "fish": f"({call})",  # fish reads value<TAB>description lines as they are
        "preamble": {
            # $1 is the word being completed; shtab adds each line printed to COMPREPLY.
            "bash": f"""
{function}() {{
  local value rest
  while IFS=$'\\t' read -r value rest; do
    [[ $value == "$1"* ]] && printf '%s\\n' "$value"
  done < <({call})
}}
""",
            "zsh": f"""
{function}() {{
  local -a entries
  local line
  for line in ${{(f)"$({call})"}}; do
    entries+=("${{${{line%%$'\\t'*}}//:/\\\\:}}:${{line#*$'\\t'}}")
  done
  _describe -t {kind} {kind[:-1]} entries
}}
""",
        },
    }


# --- the values ----------------------------------------------------------------------------------


def values_command(args: argparse.Namespace, cwd: Path, out: TextIO | None = None) -> int:
    """Print the completion values of `args.kind`, one `value<TAB>description` line each."""
    out = out or sys.stdout
    for value, description in _VALUES[args.kind](cwd):
        out.write(f"{_plain(value)}\t{_plain(description)[:70]}\n")
    return 0


def _plain(text: str) -> str:
    """One line of printable text: a persona's description comes from the repository, and the
    shell shows it as it is, so no control character or escape sequence may pass."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _personas(cwd: Path) -> list[tuple[str, str]]:
    from backdev.personas.loader import load_catalog  # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.project import find_project_root

    catalog = load_catalog(find_project_root(cwd))
    return [(persona.name, persona.description) for persona in catalog.personas.values()]


def _sessions(cwd: Path) -> list[tuple[str, str]]:
    """This folder's sessions, newest first; nothing (and no database created) before the first one."""
    import datetime as dt  # loaded by the command that needs it: `backdev --help` stays fast

    from backdev import paths
    from backdev.project import find_project_root

    if not paths.session_db_path().is_file():
        return []
    from backdev.compose import open_store  # loaded by the command that needs it: `backdev --help` stays fast

    rows = open_store().list_sessions(str(find_project_root(cwd)))
    return [(row.record.id, f"{dt.datetime.fromtimestamp(row.record.updated_at):%Y-%m-%d %H:%M}  "
                            f"{row.record.title or 'untitled'}") for row in rows]


def _models(_cwd: Path) -> list[tuple[str, str]]:
    """The aliases, then the model ids backdev knows that the API still serves."""
    from datetime import date  # loaded by the command that needs it: `backdev --help` stays fast

    from backdev.llm.models import ALIASES, END_OF_LIFE, KNOWN_MODELS

    today = date.today()
    ids = [(model_id, f"deprecated: end of life {END_OF_LIFE[model_id]}" if model_id in END_OF_LIFE else "")
           for model_id in KNOWN_MODELS if END_OF_LIFE.get(model_id, today) >= today]
    return [(alias, model_id) for alias, model_id in ALIASES.items()] + ids


_VALUES = {PERSONAS: _personas, SESSIONS: _sessions, MODELS: _models}
