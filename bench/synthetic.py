"""Synthetic repositories and typing for the benchmarks: realistic shapes, reproducible (seeded)."""

from __future__ import annotations

import random

WORDS = (
    "api core shop orders billing users accounts payments search utils inventory catalog shipping "
    "reports notifications auth sessions gateway analytics pricing checkout invoices customers "
    "webhooks tasks storage media events audit cache metrics").split()
MODULE_NAMES = (
    "models views serializers urls admin apps forms tasks signals services selectors permissions "
    "filters managers querysets validators exceptions handlers clients schemas constants helpers "
    "middleware pagination throttles routers mixins factories").split()
EXTENSIONS = (".py",) * 8 + (".html", ".js", ".md", ".json", ".yaml", ".txt", ".css", ".sql")


def file_paths(count: int = 100_000, seed: int = 1) -> list[str]:
    """`count` distinct paths shaped like a large monorepo: packages, subpackages, modules, tests."""
    rnd = random.Random(seed)
    paths: set[str] = set()
    while len(paths) < count:
        # About 10 files per folder, as in real trees: 4 kinds x 31 packages x 3 x 6 sub-packages x 6.
        top = f"{rnd.choice(('services', 'libs', 'apps', 'tools'))}/{rnd.choice(WORDS)}{rnd.randint(1, 3)}"
        sub = rnd.choice(WORDS[:6])
        folder = rnd.choice(("", "tests/", "api/", "migrations/", "templates/", "management/commands/"))
        stem = rnd.choice(MODULE_NAMES)
        if folder == "tests/":
            stem = f"test_{stem}"
        elif folder == "migrations/":
            stem = f"{rnd.randint(1, 300):04d}_{rnd.choice(WORDS)}"
        ext = ".py" if folder in ("tests/", "migrations/", "management/commands/") else rnd.choice(EXTENSIONS)
        suffix = f"_{rnd.choice(WORDS)}" if rnd.random() < 0.5 else ""
        paths.add(f"{top}/{sub}/{folder}{stem}{suffix}{ext}")
    return sorted(paths)


def keystrokes(files: list[str], count: int = 1000, seed: int = 7) -> list[str]:
    """What a person types after `@`, one query per keystroke: file-name starts, partial paths
    (`orders/ser`), and fuzzy abbreviations (`ordapvw`), each typed character by character."""
    rnd = random.Random(seed)
    typed: list[str] = []
    while len(typed) < count:
        target = rnd.choice(files)
        parts = target.split("/")
        name = parts[-1]
        style = rnd.random()
        if style < 0.45:
            query = name[: rnd.randint(4, len(name))]
        elif style < 0.8:
            query = "/".join(p[: rnd.randint(2, len(p))] for p in parts[-2:])
        else:
            query = "".join(c for c in target if c.isalnum() and rnd.random() < 0.35)[:10] or name[:3]
        typed.extend(query[:n] for n in range(1, len(query) + 1))
    return typed[:count]
