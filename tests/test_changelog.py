"""CHANGELOG.md in Keep a Changelog form, with an entry for the version backdev says it is."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

from backdev import __version__

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")  # the only section names it allows
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$")


def changelog() -> str:
    return (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_changelog_has_the_keep_a_changelog_shape() -> None:
    text = changelog()
    lines = text.splitlines()
    assert lines[0] == "# Changelog"
    assert "https://keepachangelog.com/en/1.1.0/" in text
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]"
    releases = [RELEASE.match(line) for line in headings[1:]]
    assert all(releases), f"a release heading is not `## [X.Y.Z] - YYYY-MM-DD`: {headings[1:]}"
    versions = [tuple(int(n) for n in m.group(1).split(".")) for m in releases if m]
    dates = [date.fromisoformat(m.group(2)) for m in releases if m]
    assert versions == sorted(versions, reverse=True) and dates == sorted(dates, reverse=True)  # newest first
    for line in lines:
        if line.startswith("### "):
            assert line[4:] in KINDS, f"not a Keep a Changelog section: {line}"
    # Every heading links to its changes.
    for name in ["Unreleased", *(m.group(1) for m in releases if m)]:
        assert re.search(rf"^\[{re.escape(name)}\]: https://\S+$", text, re.MULTILINE), f"no link for [{name}]"


def test_the_current_version_has_an_entry_and_the_wheel_links_to_the_file() -> None:
    assert f"## [{__version__}] - " in changelog()
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Changelog"].endswith("/CHANGELOG.md")
