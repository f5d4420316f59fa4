"""Running the project's tests: which command, with what selection, and what came of it.

The command is an argument list, never a shell line: `test_command` from the settings when set,
otherwise detected (`backdev.repo.detect.detect_test_command`). A selection from the model is split into arguments and
checked: test paths must lie inside the repository, and only a few harmless options are allowed
(an option such as pytest's `--basetemp` could delete folders).

The run has a time limit (its whole process group is stopped when it is reached), its output is
captured (stdout and stderr together) and trimmed for the model, and it is classified as
`passed`, `failed` (tests ran and some failed), `error` (nothing ran, or it broke before a test
could fail) or `timeout` — which is what the TDD gates look at.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from backdev.repo.safety import PathRefused, resolve_in_repo

OUTPUT_KEEP = 12_000  # characters of output the model sees (head and tail)
_CAPTURE_LIMIT = 2_000_000  # bytes held in memory while a run streams
_PYTEST_FLAGS = frozenset({"-x", "-q", "-v", "-vv", "-s", "-l", "--lf", "--ff", "--exitfirst", "--tb=short", "--tb=line",
                           "--tb=long", "--tb=no", "--no-header"})
_PYTEST_WITH_VALUE = frozenset({"-k", "-m"})
_CHILD_ENV_DROPPED = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
_PYTEST_SUMMARY = re.compile(r"^=*\s*((?:\d+ (?:failed|passed|errors?|skipped|deselected|xfailed|xpassed|warnings?)"
                             r"(?:, )?)+|no tests ran)\b.* in [\d.]+s", re.MULTILINE)
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in [\d.]+s", re.MULTILINE)
_UNITTEST_RESULT = re.compile(r"^(OK|FAILED)\b(.*)$", re.MULTILINE)


class TestCommandError(ValueError):
    """No usable test command, or a selection that is refused; one sentence saying what to do."""

    __test__ = False


# --- which command -------------------------------------------------------------------------


def _kind(command: list[str]) -> str:
    words = " ".join(command)
    if "pytest" in words:
        return "pytest"
    if "manage.py" in words:
        return "django"
    if command and Path(command[0]).name == "tox":
        return "tox"
    if command and Path(command[0]).name == "make":
        return "make"
    return "other"


def command_origin(test_command_source: str | None) -> str:
    """Where the test command came from, for the approval: a trusted project's config, the
    person's config, or detected from the repository's files (`None`: no `test_command` set)."""
    if test_command_source is None:
        return "detected from the repository's files (no test_command set)"
    if test_command_source.startswith("project "):
        return f"test_command in the project's {test_command_source.removeprefix('project ')}"
    if test_command_source.startswith("user config "):
        return f"test_command in your user config ({test_command_source.removeprefix('user config ')})"
    return f"test_command from {test_command_source}"


def _check_path_token(root: Path, token: str) -> None:
    path_part = token.split("::", 1)[0]
    try:
        resolved = resolve_in_repo(root, path_part)
    except PathRefused as exc:
        raise TestCommandError(f"Selection {token!r} refused: {exc}") from None
    if not resolved.exists():
        raise TestCommandError(f"Selection {token!r}: there is no {path_part} in the repository.")


def build_command(base: list[str], selection: str, root: Path) -> list[str]:
    """`base` plus the checked arguments of `selection`.

    Raises:
        TestCommandError: an option that is not allowed, a path outside the repository or
            missing, or a selection the command cannot take (`make test`).
    """
    tokens = shlex.split(selection) if selection.strip() else []
    if not tokens:
        return list(base)
    kind = _kind(base)
    if kind == "make":
        raise TestCommandError("`make test` takes no selection: run all the tests (call run_tests without one).")
    checked: list[str] = []
    expect_value = False
    for token in tokens:
        if expect_value:
            checked.append(token)
            expect_value = False
        elif token.startswith("-"):
            if kind == "pytest" and token in _PYTEST_WITH_VALUE:
                expect_value = True
            elif not (kind == "pytest" and token in _PYTEST_FLAGS):
                allowed = ", ".join(sorted(_PYTEST_FLAGS | _PYTEST_WITH_VALUE)) if kind == "pytest" else "none"
                raise TestCommandError(
                    f"Option {token!r} is not allowed in a selection (allowed: {allowed}); give test paths or names.")
            checked.append(token)
        elif "/" in token or token.endswith(".py") or "::" in token:
            _check_path_token(root, token)
            checked.append(token)
        elif re.fullmatch(r"[\w.]+", token):
            checked.append(token)  # a test name or dotted label (Django, unittest)
        else:
            raise TestCommandError(f"Selection {token!r} is neither a test path nor a test name.")
    if expect_value:
        raise TestCommandError(f"Option {tokens[-1]!r} needs a value after it.")
    return [*base, "--", *checked] if kind == "tox" else [*base, *checked]


def resolve_executable(command: list[str], root: Path) -> list[str]:
    """The command with its program found: the project's `.venv/` or `venv/` first, then PATH.

    Raises:
        TestCommandError: the program is not found.
    """
    program = command[0]
    if os.sep in program or "/" in program:
        path = Path(program) if Path(program).is_absolute() else root / program
        if path.is_file():
            return [str(path), *command[1:]]
    else:
        for venv in (".venv", "venv"):
            candidate = root / venv / "bin" / program
            if candidate.is_file():
                return [str(candidate), *command[1:]]
        # Many systems only have `python3` on PATH; the detected commands say `python`.
        for name in (program, "python3") if program == "python" else (program,):
            found = shutil.which(name)
            if found:
                return [found, *command[1:]]
    raise TestCommandError(
        f"`{program}` was not found (not in .venv/, venv/ or on PATH): activate the project's virtual "
        "environment before starting backdev, or set `test_command` in .backdev.yaml."
    )


# --- running ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """What a test run produced."""

    command: list[str]
    exit_status: int | None
    outcome: str
    summary: str
    output: str
    seconds: float


def summary_of(output: str) -> str:
    """The runner's own summary: pytest's `1 failed, 2 passed`, or unittest's `Ran 3 tests: FAILED (failures=1)`."""
    found = _PYTEST_SUMMARY.findall(output)
    if found:
        return found[-1].strip()
    ran = _UNITTEST_RAN.findall(output)
    if ran:
        results = _UNITTEST_RESULT.findall(output)
        verdict = (results[-1][0] + results[-1][1]).strip() if results else ""
        return f"Ran {ran[-1]} test{'s' if ran[-1] != '1' else ''}" + (f": {verdict}" if verdict else "")
    return ""


def classify(command: list[str], exit_status: int | None, summary: str, output: str) -> str:
    """passed / failed / error (see the module docstring)."""
    if exit_status == 0:
        return "error" if summary.startswith(("no tests ran", "Ran 0 tests")) else "passed"
    if _kind(command) == "pytest":
        # pytest: 1 = some tests failed; 2 interrupted (e.g. collection errors), 3 internal, 4 usage, 5 no tests.
        return "failed" if exit_status == 1 else "error"
    if "Failed to import test module" in output or summary.startswith("Ran 0 tests"):
        return "error"
    if "failed" in summary or "FAILED" in summary or summary == "":
        return "failed"
    return "error"


def trim_output(text: str, keep: int = OUTPUT_KEEP) -> str:
    """The head and the tail of a long output (the summary and the failures are at the end)."""
    if len(text) <= keep:
        return text
    head, tail = text[: keep // 6], text[-(keep - keep // 6) :]
    omitted = text[len(head) : len(text) - len(tail)].count("\n")
    return f"{head}\n[… {omitted} lines omitted …]\n{tail}"


def _child_env() -> dict[str, str]:
    """The environment of the test process, without backdev's API credentials."""
    return {k: v for k, v in os.environ.items() if k not in _CHILD_ENV_DROPPED}


def _stop(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)  # the whole group: pytest-xdist workers, tox envs
        else:  # pragma: no cover - Windows
            process.kill()


async def _read_all(stream: asyncio.StreamReader) -> bytes:
    """Everything the process writes, holding at most _CAPTURE_LIMIT bytes (head and tail)."""
    head = bytearray()
    tail = bytearray()
    cut = False
    while chunk := await stream.read(65536):
        if len(head) < _CAPTURE_LIMIT // 4:
            head.extend(chunk)
        else:
            tail.extend(chunk)
            if len(tail) > _CAPTURE_LIMIT:
                del tail[: len(tail) - _CAPTURE_LIMIT // 2]
                cut = True
    return bytes(head + (b"\n[... output cut while running ...]\n" if cut else b"") + tail)


async def run_test_command(command: list[str], root: Path, timeout: float) -> RunResult:
    """Run `command` (already resolved) in `root`, no shell, stdin closed, within `timeout` seconds.

    A cancelled run (the person cancelled the turn) stops the process group and re-raises.
    """
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=root, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=_child_env(), start_new_session=True,
        )
    except OSError as exc:
        return RunResult(command, None, "error", "", f"Could not start {command[0]}: {exc.strerror or exc}.", 0.0)
    assert process.stdout is not None
    reader = asyncio.ensure_future(_read_all(process.stdout))
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), timeout)
    except asyncio.TimeoutError:
        timed_out = True
        _stop(process)
        await process.wait()
    except asyncio.CancelledError:
        _stop(process)
        reader.cancel()
        raise
    # Whatever the tests left running in the background would hold the output open: stop it too.
    _stop(process)
    output = (await reader).decode("utf-8", errors="replace")
    seconds = time.monotonic() - started
    if timed_out:
        note = f"\n[backdev stopped the run after {timeout:g} s (test_timeout).]"
        return RunResult(command, None, "timeout", f"stopped after {timeout:g} s", output + note, seconds)
    summary = summary_of(output)
    return RunResult(command, process.returncode, classify(command, process.returncode, summary, output), summary,
                     output, seconds)
