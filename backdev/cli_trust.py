"""`backdev trust` and the start-up question: does the person trust this repository's configuration?

The question is asked on the terminal before a front end starts (the app and the plain REPL
alike), and only when stdin and stdout are both a terminal and trusting would change something
the store does not already trust. Anything but `y`/`yes` means no: backdev then runs with the
repository's gated settings and replacing personas left out, and says so. `review` and piped
chat never ask; they ignore what is not trusted, with one line on stderr, unless `--trust-project`
trusts it for that run (which is not remembered).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # imported where used: building the parser (`backdev --help`) stays light
    from backdev.trust import ProjectReview, TrustChoice, TrustState, TrustStore

TRUST_PROJECT_HELP = "trust this repository's .backdev.yaml and personas for this run (not remembered)"


def add_trust_parser(commands: Any) -> None:
    """The `trust` subcommand's arguments."""
    from backdev.cli_help import examples  # loaded by the command that needs it: `backdev --help` stays fast

    trust = commands.add_parser(
        "trust", help="show, grant or revoke your trust in this repository's configuration",
        description="Show whether this repository's .backdev.yaml and personas are trusted and exactly what trusting "
                    "them changes; on a terminal, ask. A changed file needs trusting again.",
        epilog=examples("backdev trust            # what trusting this repository would change, then ask",
                        "backdev trust --yes      # trust it without asking",
                        "backdev trust --revoke   # stop trusting it"))
    group = trust.add_mutually_exclusive_group()
    group.add_argument("--yes", action="store_true", help="trust it without asking")
    group.add_argument("--revoke", action="store_true", help="stop trusting it")


def _heading(review: ProjectReview, state: TrustState, store: TrustStore) -> str:
    import datetime as dt  # loaded by the command that needs it: `backdev --help` stays fast

    from backdev.trust import TrustState, visible

    where = visible(str(review.root))
    record = store.record(review.root)
    when = dt.datetime.fromtimestamp(record.trusted_at).strftime("%Y-%m-%d %H:%M") if record else "earlier"
    if state is TrustState.CHANGED:
        return f"The configuration of {where} has changed since you trusted it ({when})."
    if state is TrustState.TRUSTED:
        return f"The configuration of {where} is trusted (since {when})."
    return f"The configuration of {where} is not trusted."


def _show(review: ProjectReview, state: TrustState, store: TrustStore, out: TextIO) -> None:
    from backdev.trust import TrustState  # loaded by the command that needs it: `backdev --help` stays fast

    out.write(_heading(review, state, store) + "\n")
    out.write(("It changes" if state is TrustState.TRUSTED else "Trusting it would change") + " how backdev works here:\n")
    for line in review.change_lines():
        out.write(line + "\n")


def ask_on_terminal(review: ProjectReview, inp: TextIO, out: TextIO, store: TrustStore | None = None) -> bool:
    """Show what trusting changes and ask y/N; True only for `y` or `yes`."""
    from backdev.trust import TrustStore  # loaded by the command that needs it: `backdev --help` stays fast

    store = store or TrustStore()
    _show(review, store.state(review), store, out)
    out.write("Trust it? Only if you trust where this repository came from. [y/N] ")
    out.flush()
    answer = inp.readline().strip().lower()
    if answer in ("y", "yes"):
        out.write("Trusted. backdev asks again if these files change (`backdev trust --revoke` to undo).\n")
        return True
    out.write("Not trusted: running with the repository's settings ignored (`backdev trust` to review them later).\n")
    out.flush()
    return False


def trust_choice(trust_project: bool, *, interactive: bool | None = None) -> TrustChoice:
    """How a run decides: `--trust-project`, a question on the terminal, or the store alone."""
    if trust_project:
        return True
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        return lambda review: ask_on_terminal(review, sys.stdin, sys.stderr)
    return None


def trust_command(args: argparse.Namespace, cwd: Path, *, inp: TextIO | None = None, out: TextIO | None = None,
                  interactive: bool | None = None) -> int:
    """Run `backdev trust [--yes | --revoke]`; returns the exit status."""
    from backdev.project import find_project_root  # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.trust import TrustStore

    inp = inp or sys.stdin
    out = out or sys.stdout
    store = TrustStore()
    try:
        return _trust(args, find_project_root(cwd), store, inp, out, interactive)
    except OSError as exc:
        sys.stderr.write(f"backdev: cannot write {store.path} ({exc.strerror or exc}); check that folder's permissions.\n")
        return 1


def _trust(args: argparse.Namespace, root: Path, store: TrustStore, inp: TextIO, out: TextIO,
           interactive: bool | None) -> int:
    # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.trust import TrustState, review_project, visible

    if args.revoke:
        if store.revoke(root):
            out.write(f"No longer trusted: {visible(str(root))}. Its settings and personas are ignored from now on.\n")
        else:
            out.write(f"{visible(str(root))} was not trusted: nothing to revoke.\n")
        return 0
    review = review_project(root)
    state = store.state(review)
    if state is TrustState.NOT_NEEDED:
        out.write(f"Nothing in {visible(str(root))} needs your trust: it changes only what a repository may always change.\n")
        for line in review.change_lines():
            out.write(line + "\n")
        return 0
    if state is TrustState.TRUSTED:
        _show(review, state, store, out)
        out.write("`backdev trust --revoke` to stop trusting it.\n")
        return 0
    if args.yes:
        _show(review, state, store, out)
        store.remember(review)
        out.write("Trusted. backdev asks again if these files change (`backdev trust --revoke` to undo).\n")
        return 0
    if interactive is None:
        interactive = inp.isatty() and out.isatty()
    if interactive:
        if ask_on_terminal(review, inp, out, store):
            store.remember(review)
        return 0
    _show(review, state, store, out)
    out.write("Run `backdev trust --yes` to trust it.\n")
    return 0
