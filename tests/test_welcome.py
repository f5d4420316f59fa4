"""The first screen's welcome (backdev.welcome)."""

from __future__ import annotations

from backdev.welcome import Welcome


def test_the_welcome_names_persona_phase_what_was_read_and_what_to_try() -> None:
    welcome = Welcome("backend-developer", "Requirements", ["Django", "DRF", "12 models", "MySQL"], ["pytest", "-q"])
    app = welcome.lines(app=True)
    assert app[0].startswith("backend-developer · Requirements phase")
    assert app[1] == "Read: Django · DRF · 12 models · MySQL · tests: pytest -q"
    assert "/help" in app[2] and "@path" in app[2] and "Ctrl+P" in app[2]
    plain = welcome.lines(app=False)
    assert len(plain) == 2 and "/help" in plain[1] and "Ctrl+P" not in " ".join(plain)


def test_a_persona_without_workflow_and_a_folder_without_tests() -> None:
    welcome = Welcome("dba")
    assert welcome.headline() == "dba: ask anything about this repository."
    assert welcome.found_line() == "Read: tests: none found"
