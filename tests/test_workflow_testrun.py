"""Test runs: command detection, selection rules, and real runs of a small pytest project."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from backdev.workflow.actions.testrun import (
    TestCommandError,
    build_command,
    classify,
    resolve_executable,
    run_test_command,
    summary_of,
    trim_output,
)

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def test_selection_is_checked_argument_by_argument(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_orders.py").write_text("")
    assert build_command(["pytest"], "tests/test_orders.py::test_refund -k 'refund and not slow' -x", tmp_path) == [
        "pytest", "tests/test_orders.py::test_refund", "-k", "refund and not slow", "-x"]
    assert build_command(["python", "manage.py", "test"], "orders.tests.RefundTests", tmp_path)[-1] == "orders.tests.RefundTests"
    assert build_command(["tox"], "tests/test_orders.py", tmp_path) == ["tox", "--", "tests/test_orders.py"]
    assert build_command(["pytest"], "  ", tmp_path) == ["pytest"]
    for selection, message in [
        ("--basetemp=/home", "not allowed"),
        ("-p evil_plugin", "not allowed"),
        ("../other/test_x.py", "outside the repository"),
        ("/etc/passwd", "absolute path"),
        ("tests/test_missing.py", "there is no tests/test_missing.py"),
        ("-k", "needs a value"),
        ("'a;b'", "neither a test path nor a test name"),
    ]:
        with pytest.raises(TestCommandError, match=message):
            build_command(["pytest"], selection, tmp_path)
    with pytest.raises(TestCommandError, match="takes no selection"):
        build_command(["make", "test"], "tests/test_orders.py", tmp_path)
    with pytest.raises(TestCommandError, match="not allowed"):
        build_command(["python", "manage.py", "test"], "--settings=evil", tmp_path)


def test_the_program_is_found_in_the_project_venv_first(tmp_path: Path) -> None:
    venv_pytest = tmp_path / ".venv" / "bin" / "pytest"
    venv_pytest.parent.mkdir(parents=True)
    venv_pytest.write_text("#!/bin/sh\n")
    assert resolve_executable(["pytest", "-q"], tmp_path) == [str(venv_pytest), "-q"]
    with pytest.raises(TestCommandError, match="`no-such-runner-xyz` was not found .*`test_command`"):
        resolve_executable(["no-such-runner-xyz"], tmp_path)


def test_summaries_and_classification() -> None:
    assert summary_of("....F\n=== 1 failed, 4 passed in 0.12s ===\n") == "1 failed, 4 passed"
    assert summary_of("1 failed, 4 passed, 2 warnings in 0.12s\n") == "1 failed, 4 passed, 2 warnings"
    assert summary_of("Ran 3 tests in 0.010s\n\nFAILED (failures=1)\n") == "Ran 3 tests: FAILED (failures=1)"
    assert classify(["pytest"], 1, "1 failed", "") == "failed"
    assert classify(["pytest"], 2, "1 error", "") == "error"  # a collection error proves nothing
    assert classify(["pytest"], 5, "no tests ran", "") == "error"
    assert classify(["python", "manage.py", "test"], 1, "Ran 3 tests: FAILED (failures=1)", "") == "failed"
    assert classify(["python", "manage.py", "test"], 1, "Ran 1 test: FAILED (errors=1)",
                    "ImportError: Failed to import test module: x") == "error"
    assert classify(["python", "manage.py", "test"], 0, "Ran 0 tests: OK", "") == "error"
    assert classify(["make", "test"], 2, "", "make: *** [test] Error 1") == "failed"


def test_long_output_keeps_head_and_tail() -> None:
    text = "".join(f"line {i}\n" for i in range(10_000))
    trimmed = trim_output(text, keep=1200)
    assert trimmed.startswith("line 0\n") and trimmed.endswith("line 9999\n") and "lines omitted" in trimmed
    assert len(trimmed) < 1300


@pytest.fixture
def small_project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "shop.py").write_text("def refund(amount):\n    return 0\n")
    (root / "test_shop.py").write_text("from shop import refund\n\ndef test_refund():\n    assert refund(5) == 5\n")
    return root


async def test_a_real_red_run_then_a_green_run(small_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-key")
    (small_project / "test_env.py").write_text(
        "import os\n\ndef test_no_key():\n    assert 'ANTHROPIC_API_KEY' not in os.environ\n")
    red = await run_test_command(PYTEST, small_project, 60)
    assert (red.exit_status, red.outcome, red.summary) == (1, "failed", "1 failed, 1 passed")
    assert "assert 0 == 5" in red.output
    (small_project / "shop.py").write_text("def refund(amount):\n    return amount\n")
    green = await run_test_command(PYTEST, small_project, 60)
    assert (green.exit_status, green.outcome, green.summary) == (0, "passed", "2 passed")


async def test_a_collection_error_is_not_a_red_run(small_project: Path) -> None:
    (small_project / "test_shop.py").write_text("from shop import not_written_yet\n")
    result = await run_test_command(PYTEST, small_project, 60)
    assert (result.exit_status, result.outcome) == (2, "error")


async def test_the_time_limit_stops_the_run(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_test_command([sys.executable, "-c", "import time; print('started', flush=True); time.sleep(30)"],
                                    tmp_path, 0.5)
    assert result.outcome == "timeout" and result.exit_status is None
    assert "started" in result.output and "stopped the run after 0.5 s" in result.output
    assert time.monotonic() - started < 10


async def test_a_program_that_cannot_start_is_an_error_run(tmp_path: Path) -> None:
    result = await run_test_command([str(tmp_path / "missing-binary")], tmp_path, 5)
    assert result.outcome == "error" and "Could not start" in result.output


def test_python_falls_back_to_python3_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/python3" if name == "python3" else None)
    assert resolve_executable(["python", "-m", "pytest"], tmp_path) == ["/usr/bin/python3", "-m", "pytest"]
    venv_python = tmp_path / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text("")
    assert resolve_executable(["python", "-m", "pytest"], tmp_path)[0] == str(venv_python)  # the project's own first
