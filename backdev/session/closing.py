"""The process is closing (SIGTERM, SIGHUP): what both front ends do so that nothing is lost.

A closed terminal or a dropped SSH connection sends SIGHUP; `kill`, systemd and container
runtimes send SIGTERM. Either way the person did not ask to cancel anything, so the turn that is
running is stopped, and what it had received is saved as an *interrupted* reply (not a cancelled
one) that `/retry` asks again, and a tool call still waiting for the person's approval gets a result
saying it was not run because backdev was closed. The front end then exits with 128 + the signal
number, as a process ended by that signal would.

`mark_closing` records why, for the session recorder to read when the turn is stopped; it is
process-wide because a process closes once.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

#: The signals that mean "the terminal or the system is closing backdev".
CLOSE_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)

_reason: str | None = None


def mark_closing(signum: int) -> None:
    """Remember that the process is closing because of `signum`."""
    global _reason
    _reason = signal.Signals(signum).name


def closing_reason() -> str | None:
    """`SIGTERM` or `SIGHUP` while the process is closing because of it, else None."""
    return _reason


def reset() -> None:
    """Forget a closing (for tests that close more than one front end in one process)."""
    global _reason
    _reason = None


def exit_status(signum: int) -> int:
    """The exit status of a process that closed on `signum` (143 for SIGTERM, 129 for SIGHUP)."""
    return 128 + int(signum)


def install(loop: object, on_close: Callable[[int], None]) -> Callable[[], None]:
    """Call `on_close(signum)` on the asyncio `loop` for each close signal; returns the uninstaller.

    A signal that cannot be handled here (not the main thread, another platform) is left alone.
    """
    installed: list[int] = []
    for signum in CLOSE_SIGNALS:
        try:
            loop.add_signal_handler(signum, on_close, signum)  # type: ignore[attr-defined]
            installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    def uninstall() -> None:
        for number in installed:
            try:
                loop.remove_signal_handler(number)  # type: ignore[attr-defined]
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    return uninstall
