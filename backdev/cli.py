"""The command line: argument parsing only. It builds the pieces and hands them to a front end.

Nothing heavy is imported at module level, so `backdev --help` and `backdev --version` are fast;
each command imports what it needs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backdev.cli_completion import FILES, MODELS, PERSONAS, SESSIONS, add_completion_parsers, completes
from backdev.cli_errors import EXIT_FAILED, EXIT_USAGE, UsageError
from backdev.cli_help import Parser, examples
from backdev.cli_review import add_review_parser, review_command

COMMANDS = ("chat", "review", "personas", "sessions", "doctor", "trust", "completion", "_complete")


def build_parser() -> argparse.ArgumentParser:
    # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.version import build_commit, version_line

    parser = Parser(
        prog="backdev",
        description="An expert backend-developer persona beside your repository, in the terminal. Run it in "
                    "your project's folder; `backdev` alone is `backdev chat`. `backdev COMMAND --help` "
                    "tells more about each command.",
        epilog=examples(
            "backdev chat  # talk with the persona in this repository",
            "backdev review --base origin/main  # review your branch before a pull request",
            "backdev chat --continue  # carry on where you left off",
        ),
    )
    parser.add_argument("--version", action="version", version=version_line(commit=build_commit()))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    chat = commands.add_parser(
        "chat", help="talk with the persona (the default command)",
        description="Open the conversation: the full-screen app, or a line-mode REPL with --plain (also used "
                    "when stdin or stdout is not a terminal).",
        epilog=examples(
            "backdev chat",
            "backdev chat --plain  # the same conversation in a line-mode REPL",
            "backdev chat --resume 3f2a9c1b  # a saved session (see backdev sessions list)",
            "backdev chat --persona backend-developer --model opus",
            "printf 'Is this N+1?\\n' | backdev chat --plain  # one question from a script",
        ))
    chat.add_argument("--plain", action="store_true", help="line-mode REPL (screen readers, SSH, pipes)")
    completes(chat.add_argument("--persona", metavar="NAME", help="persona to use (default: backend-developer)"),
              PERSONAS)
    completes(chat.add_argument("--model", metavar="NAME", help="sonnet, opus, haiku or a full model id"), MODELS)
    completes(chat.add_argument("--resume", nargs="?", const=True, metavar="ID",
                                help="resume a session: the latest in this folder, or the one with this id"), SESSIONS)
    chat.add_argument("--continue", dest="continue_", action="store_true",
                      help="continue the latest session in this folder (same as --resume without an id)")
    # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.cli_trust import TRUST_PROJECT_HELP, add_trust_parser

    chat.add_argument("--trust-project", action="store_true", help=TRUST_PROJECT_HELP)

    add_review_parser(commands)

    personas = commands.add_parser(
        "personas", help="list and show personas",
        description="Personas found in the project (.backdev/personas/, .claude/agents/), your config folder "
                    "and built in; the first of a name wins.",
        epilog=examples("backdev personas list", "backdev personas show backend-developer"))
    personas_cmd = personas.add_subparsers(dest="personas_command", metavar="ACTION", required=True)
    personas_cmd.add_parser("list", help="name, source and description of each persona",
                            description="List every persona found, and the files that failed to load.",
                            epilog=examples("backdev personas list"))
    show = personas_cmd.add_parser("show", help="everything about one persona",
                                   description="Show a persona's fields, ignored keys, file, workflow and prompt.",
                                   epilog=examples("backdev personas show backend-developer"))
    completes(show.add_argument("name", help="the persona's name (see backdev personas list)"), PERSONAS)

    sessions = commands.add_parser(
        "sessions", help="list, show, export and delete saved sessions",
        description="Saved sessions: one database for you, each session keyed by its folder. An ID may be "
                    "shortened to any prefix that is unique.",
        epilog=examples("backdev sessions list --all", "backdev sessions export 3f2a -o session.md"))
    sessions_cmd = sessions.add_subparsers(dest="sessions_command", metavar="ACTION", required=True)
    listing = sessions_cmd.add_parser("list", help="this folder's sessions (--all: every folder)",
                                      description="List saved sessions, newest first.",
                                      epilog=examples("backdev sessions list", "backdev sessions list --all",
                                                      "backdev sessions list --reviews"))
    listing.add_argument("--all", action="store_true", help="sessions of every folder, chats and reviews")
    listing.add_argument("--reviews", action="store_true", help="the runs of `backdev review` instead of chats")
    show_session = sessions_cmd.add_parser("show", help="print a session's transcript",
                                           description="Print a session's transcript as markdown.",
                                           epilog=examples("backdev sessions show 3f2a | less"))
    completes(show_session.add_argument("id", help="the session's id or a unique prefix"), SESSIONS)
    export = sessions_cmd.add_parser("export", help="export a session as markdown",
                                     description="Write a session's transcript to a file or stdout.",
                                     epilog=examples("backdev sessions export 3f2a --format md -o session.md"))
    completes(export.add_argument("id", help="the session's id or a unique prefix"), SESSIONS)
    export.add_argument("--format", choices=["md"], default="md", help="output format (markdown)")
    completes(export.add_argument("--output", "-o", metavar="PATH", help="file to write (default: stdout)"), FILES)
    delete = sessions_cmd.add_parser("delete", help="delete a session", description="Delete a saved session.",
                                     epilog=examples("backdev sessions delete 3f2a"))
    completes(delete.add_argument("id", help="the session's id or a unique prefix"), SESSIONS)

    commands.add_parser("doctor", help="check settings, personas, paths and the API",
                        description="Print each setting and where it came from, personas, paths, and an API check "
                                    "(one cheap request). Exit status 1 when something needs fixing.",
                        epilog=examples("backdev doctor"))
    add_trust_parser(commands)
    add_completion_parsers(commands)
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

    public = [name for name in COMMANDS if not name.startswith("_")]
    near = difflib.get_close_matches(word, public, n=1, cutoff=0.5)
    also = f" (did you mean {near[0]}?)" if near else ""
    return f"unknown command {word!r}{also}; the commands are {', '.join(public)} — see `backdev --help`."


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
    from backdev.llm.models import UnknownModelError  # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.personas.loader import UnknownPersonaError
    from backdev.session.store import SessionNotFoundError
    from backdev.settings import SettingsError

    from backdev.safe_text import safe_stdio, visible

    try:
        _check_output(getattr(args, "output", None))
        if command == "chat":
            return _chat(args)
        with safe_stdio():  # what the subcommands print may come from the repository or a session
            if command == "review":
                return review_command(args, Path.cwd())
            if command == "personas":
                # loaded by the command that needs it: `backdev --help` stays fast
                from backdev.cli_info import personas_command

                return personas_command(args, Path.cwd())
            if command == "sessions":
                # loaded by the command that needs it: `backdev --help` stays fast
                from backdev.cli_info import sessions_command

                return sessions_command(args, Path.cwd())
            if command == "doctor":
                # loaded by the command that needs it: `backdev --help` stays fast
                from backdev.cli_info import doctor_command

                return doctor_command(Path.cwd())
            if command == "trust":
                # loaded by the command that needs it: `backdev --help` stays fast
                from backdev.cli_trust import trust_command

                return trust_command(args, Path.cwd())
            if command == "completion":
                # loaded by the command that needs it: `backdev --help` stays fast
                from backdev.cli_completion import completion_command

                return completion_command(args, parser)
            if command == "_complete":
                # loaded by the command that needs it: `backdev --help` stays fast
                from backdev.cli_completion import values_command

                return values_command(args, Path.cwd())
    except (UsageError, SettingsError, UnknownPersonaError, SessionNotFoundError, UnknownModelError) as exc:
        print(f"backdev: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    parser.print_help()
    return EXIT_USAGE


def _chat(args: argparse.Namespace) -> int:
    from backdev.llm.worker_process import ApiWorker  # loaded by the command that needs it: `backdev --help` stays fast

    # First of all: the worker loads the SDK (~1.4 s) on another core while this process starts the app.
    worker = ApiWorker.start()
    # The core's modules and the session are built next, all long-lived: the cyclic collector
    # walking them over and over was ~10 ms of the first frame. It resumes once the app's API
    # client is ready (run_app), or before plain mode's REPL starts.
    gc.disable()
    try:
        return _open_chat(args, worker)
    finally:
        gc.enable()  # as it was, whatever ended the chat (for callers in this process, e.g. tests)


def _open_chat(args: argparse.Namespace, worker: Any) -> int:
    from backdev.cli_trust import trust_choice  # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.compose import make_chat_provider, open_store, open_workspace, start_session
    from backdev.llm.models import UnknownModelError, resolve_model
    from backdev.logs import setup_logging

    flags: dict[str, Any] = {"model": args.model, "persona": args.persona}
    if args.model is not None:  # `--model ''` too: an empty name is refused, not ignored
        try:
            resolve_model(args.model)
        except UnknownModelError as exc:
            raise UsageError(str(exc)) from exc
    # Asked here, on the terminal, before either front end starts.
    workspace = open_workspace(Path.cwd(), flags, trust=trust_choice(args.trust_project))
    setup_logging()
    store = open_store()
    provider = make_chat_provider(workspace.settings, worker)
    resume = args.resume if args.resume is not None else (True if args.continue_ else None)
    startup = start_session(workspace, store, provider, persona_name=args.persona, resume=resume)
    if args.plain or not sys.stdout.isatty() or not sys.stdin.isatty():
        from backdev.repl.app import PlainRepl  # loaded by the command that needs it: `backdev --help` stays fast

        import asyncio

        gc.enable()  # a line-mode session has no first frame to hurry

        return asyncio.run(PlainRepl(startup, workspace).run())
    from backdev.tui.launch import run_tui  # loaded by the command that needs it: `backdev --help` stays fast

    return run_tui(startup, workspace)
