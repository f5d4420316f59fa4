"""Project memory: CLAUDE.md, AGENTS.md, .backdev/instructions.md and the user's instructions.md."""

from __future__ import annotations

import os
from pathlib import Path

from backdev import paths
from backdev.repo.memory import MemoryReport, load_memory
from backdev.repo.safety import SafetyPolicy
from backdev.settings import Settings


def memory_of(root: Path, settings: Settings) -> MemoryReport:
    return load_memory(root, settings, SafetyPolicy.from_settings(settings))


def test_nothing_to_load(tmp_path: Path) -> None:
    report = memory_of(tmp_path, Settings())
    assert report.loaded() == [] and report.prompt_text() == ""
    assert [f.status for f in report.files] == ["missing"] * 4
    assert "AGENTS.md · not found" in report.describe()


def test_every_file_is_loaded_user_file_first(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text("Use pytest, never unittest.\n")
    (tmp_path / "AGENTS.md").write_text("Run make lint before committing.\n")
    (tmp_path / ".backdev").mkdir()
    (tmp_path / ".backdev" / "instructions.md").write_text("MySQL 8 in production.\n")
    paths.ensure_dir(paths.config_dir())
    (paths.config_dir() / "instructions.md").write_text("Answer briefly.\n")
    report = memory_of(tmp_path, Settings())
    assert [f.label for f in report.loaded()] == ["instructions.md (your config folder)", "CLAUDE.md", "AGENTS.md",
                                                 ".backdev/instructions.md"]
    prompt = report.prompt_text()
    assert prompt.startswith("# Project instructions")
    order = [prompt.index(text) for text in ("Answer briefly.", "Use pytest", "Run make lint", "MySQL 8")]
    assert order == sorted(order)
    assert "## From CLAUDE.md\nUse pytest, never unittest." in prompt


def test_each_file_is_capped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text("".join(f"rule {n}\n" for n in range(5000)))
    size = (tmp_path / "CLAUDE.md").stat().st_size
    report = memory_of(tmp_path, Settings(memory_max_bytes=1000))
    (claude,) = report.loaded()
    assert claude.capped and len(claude.text.encode()) <= 1000 and claude.text.endswith("\n")
    note = f"[CLAUDE.md is {size:,} bytes: only its first {len(claude.text.encode()):,} bytes were loaded (memory_max_bytes).]"
    assert note in report.prompt_text()
    assert f"CLAUDE.md · {size:,} bytes · capped: first {len(claude.text.encode()):,} bytes loaded" in report.describe()


def test_secrets_are_redacted_and_links_out_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "CLAUDE.md").write_text("Staging DB: postgres://app:pa55word-x@db/staging\n")
    outside = tmp_path / "elsewhere.md"
    outside.write_text("outside the repository\n")
    os.symlink(outside, root / "AGENTS.md")
    report = memory_of(root, Settings())
    assert "pa55word" not in report.prompt_text() and "[REDACTED:url-password]" in report.prompt_text()
    assert "outside the repository" not in report.prompt_text()
    statuses = {f.label: f.status for f in report.files}
    assert statuses["AGENTS.md"] == "refused"
    assert "CLAUDE.md · 49 bytes · redacted: url-password" in report.describe()
    assert "AGENTS.md · refused:" in report.describe()
