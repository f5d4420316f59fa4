"""The command line: argument parsing only. It builds the pieces and hands them to a front end.

Nothing heavy is imported at module level, so `backdev --help` and `backdev --version` are fast;
each command imports what it needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backdev import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("chat", "review", "personas", "sessions", "doctor")


class UsageError(Exception):
    """Bad input on the command line or in config: one sentence, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backdev",
        description="An expert backend-developer persona beside your repository, in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"backdev {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk with the persona (the default command)",
                               description="Open the conversation: the Textual app, or a plain REPL with --plain.")
    chat.add_argument("--plain", action="store_true", help="line-mode REPL (screen readers, SSH, pipes)")
    chat.add_argument("--persona", metavar="NAME", help="persona to use (default: backend-developer)")
    chat.add_argument("--model", metavar="NAME", help="sonnet, opus, haiku or a full model id")
    chat.add_argument("--resume", nargs="?", const=True, metavar="ID",
                      help="resume a session: the latest in this folder, or the one with this id")
    chat.add_argument("--continue", dest="continue_", action="store_true",
                      help="continue the latest session in this folder (same as --resume without an id)")

    from backdev.cli_review import add_review_parser

    add_review_parser(commands)

    personas = commands.add_parser("personas", help="list and show personas",
                                   description="Personas found in the project, your config folder and built in.")
    personas_cmd = personas.add_subparsers(dest="personas_command", metavar="ACTION", required=True)
    personas_cmd.add_parser("list", help="name, source and description of each persona",
                            description="List every persona found, and the files that failed to load.")
    show = personas_cmd.add_parser("show", help="everything about one persona",
                                   description="Show a persona's fields, ignored keys, file and prompt.")
    show.add_argument("name")

    sessions = commands.add_parser("sessions", help="list, show, export and delete saved sessions",
                                   description="Saved sessions (one database for the user, keyed by folder).")
    sessions_cmd = sessions.add_subparsers(dest="sessions_command", metavar="ACTION", required=True)
    listing = sessions_cmd.add_parser("list", help="this folder's sessions (--all: every folder)",
                                      description="List saved sessions, newest first.")
    listing.add_argument("--all", action="store_true", help="sessions of every folder")
    show_session = sessions_cmd.add_parser("show", help="print a session's transcript",
                                           description="Print a session's transcript as markdown.")
    show_session.add_argument("id")
    export = sessions_cmd.add_parser("export", help="export a session as markdown",
                                     description="Write a session's transcript to a file or stdout.")
    export.add_argument("id")
    export.add_argument("--format", choices=["md"], default="md", help="output format (markdown)")
    export.add_argument("--output", "-o", metavar="PATH", help="file to write (default: stdout)")
    delete = sessions_cmd.add_parser("delete", help="delete a session", description="Delete a saved session.")
    delete.add_argument("id")

    commands.add_parser("doctor", help="check settings, personas, paths and the API",
                        description="Print each setting and where it came from, personas, paths, and an API check.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run backdev; returns the exit status.

    Whatever the input, the result is an exit status and at most a sentence on stderr, never a
    traceback: 0 done, 1 something failed (a reply, a check), 2 a usage error. Output cut short by
    its reader (`backdev doctor | head`) ends quietly with status 1, as Python's own tools do.
    """
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        # The reader went away: stop writing, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


def _unknown_command(word: str) -> str:
    import difflib  # only for this hint

    near = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.5)
    also = f" (did you mean {near[0]}?)" if near else ""
    return f"unknown command {word!r}{also}; the commands are {', '.join(COMMANDS)} — see `backdev --help`."


def _check_output(output: str | None) -> None:
    """Refuse an `--output` that cannot be written, before any work (or paid request) is done."""
    if not output:
        return
    target = Path(output).expanduser()
    if target.is_dir():
        raise UsageError(f"Cannot write {output}: it is a folder; give a file name with --output.")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"Cannot write {output}: the folder {folder} does not exist; create it or give another --output.")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"Cannot write {output}: the folder {folder} is not writable; give another --output.")


def _run(words: list[str]) -> int:
    parser = build_parser()
    # `backdev` alone, or `backdev --plain`, means `backdev chat ...`.
    if words and words[0] not in COMMANDS and not words[0].startswith("-"):
        print(f"backdev: {_unknown_command(words[0])}", file=sys.stderr)
        return EXIT_USAGE
    if not words or (words[0] not in COMMANDS and words[0] not in ("-h", "--help", "--version")):
        words = ["chat", *words]
    args = parser.parse_args(words)
    command = args.command
    from backdev.llm.models import UnknownModelError
    from backdev.personas.loader import UnknownPersonaError
    from backdev.session.store import SessionNotFoundError
    from backdev.settings import SettingsError

    try:
        _check_output(getattr(args, "output", None))
        if command == "chat":
            return _chat(args)
        if command == "review":
            from backdev.cli_review import review_command

            return review_command(args, Path.cwd())
        if command == "personas":
            from backdev.cli_info import personas_command

            return personas_command(args, Path.cwd())
        if command == "sessions":
            from backdev.cli_info import sessions_command

            return sessions_command(args, Path.cwd())
        if command == "doctor":
            from backdev.cli_info import doctor_command

            return doctor_command(Path.cwd())
    except (UsageError, SettingsError, UnknownPersonaError, SessionNotFoundError, UnknownModelError) as exc:
        print(f"backdev: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    parser.print_help()
    return EXIT_USAGE


def _chat(args: argparse.Namespace) -> int:
    from backdev.compose import make_provider, open_store, open_workspace, start_session
    from backdev.llm.models import UnknownModelError, resolve_model
    from backdev.logs import setup_logging

    flags: dict[str, Any] = {"model": args.model, "persona": args.persona}
    if args.model is not None:  # `--model ''` too: an empty name is refused, not ignored
        try:
            resolve_model(args.model)
        except UnknownModelError as exc:
            raise UsageError(str(exc)) from exc
    workspace = open_workspace(Path.cwd(), flags)
    setup_logging()
    store = open_store()
    provider = make_provider(workspace.settings)
    resume = args.resume if args.resume is not None else (True if args.continue_ else None)
    startup = start_session(workspace, store, provider, persona_name=args.persona, resume=resume)
    if args.plain or not sys.stdout.isatty() or not sys.stdin.isatty():
        from backdev.repl.app import PlainRepl

        import asyncio

        return asyncio.run(PlainRepl(startup, workspace).run())
    from backdev.tui.launch import run_tui

    return run_tui(startup, workspace)
