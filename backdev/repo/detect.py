"""What the repository is made of: languages, frameworks and tools, and the test command to use.

Detection reads only the file list and a few small config files (requirements, pyproject.toml,
setup.cfg, tox.ini, Makefile, Pipfile, package.json); it never imports or runs the project.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from backdev.repo.safety import inside_or_none

if TYPE_CHECKING:
    from backdev.repo.repository import Repository

CONFIG_MAX_BYTES = 200_000
LANGUAGES = {
    ".py": "Python", ".pyi": "Python", ".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript",
    ".jsx": "JavaScript", ".ts": "TypeScript", ".tsx": "TypeScript", ".html": "HTML", ".htm": "HTML",
    ".css": "CSS", ".scss": "SCSS", ".sql": "SQL", ".go": "Go", ".rs": "Rust", ".java": "Java", ".kt": "Kotlin",
    ".rb": "Ruby", ".php": "PHP", ".c": "C", ".h": "C", ".cpp": "C++", ".cc": "C++", ".hpp": "C++", ".cs": "C#",
    ".swift": "Swift", ".sh": "Shell", ".bash": "Shell", ".md": "Markdown", ".rst": "reStructuredText",
    ".yml": "YAML", ".yaml": "YAML", ".toml": "TOML", ".json": "JSON", ".vue": "Vue", ".svelte": "Svelte",
    ".tf": "Terraform", ".proto": "Protocol Buffers", ".graphql": "GraphQL",
}
PYTHON_TEST_COMMAND = ["python", "-m", "pytest"]


def languages(files: list[str]) -> list[tuple[str, int]]:
    """Languages by file count, most files first (files of unknown kinds are not counted)."""
    counts = Counter(LANGUAGES[suffix] for f in files if (suffix := PurePosixPath(f).suffix.lower()) in LANGUAGES)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


class _Config:
    """The few config files detection looks into, read once (small, capped)."""

    def __init__(self, root: Path, files: list[str]) -> None:
        self.root = root
        self.files = files
        self.names = set(files)
        self._cache: dict[str, str] = {}

    def text(self, name: str) -> str:
        if name not in self._cache:
            path = inside_or_none(self.root, name)
            try:
                if path is None:
                    raise FileNotFoundError(name)  # a link out of the repository is not read
                with open(path, "rb") as stream:
                    self._cache[name] = stream.read(CONFIG_MAX_BYTES).decode("utf-8", errors="replace")
            except OSError:
                self._cache[name] = ""
        return self._cache[name]

    def has(self, name: str) -> bool:
        return name in self.names

    def any_named(self, pattern: str, max_depth: int = 2) -> bool:
        regex = re.compile(pattern)
        return any(f.count("/") <= max_depth and regex.fullmatch(PurePosixPath(f).name) for f in self.files)

    def dependencies(self) -> set[str]:
        """Every word of the dependency files, lowercased, `_` as `-` (package names among them)."""
        names = [f for f in self.files if f.count("/") <= 1 and (
            re.fullmatch(r"requirements[\w.-]*\.(txt|in)", PurePosixPath(f).name)
            or f.startswith("requirements/") and f.endswith((".txt", ".in")))]
        names += ["pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "package.json"]
        words: set[str] = set()
        for name in names:
            words.update(w.lower().replace("_", "-") for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", self.text(name)))
        return words

    def pytest_configured(self) -> bool:
        return (self.has("pytest.ini") or self.has("conftest.py") or "[tool.pytest" in self.text("pyproject.toml")
                or "[tool:pytest]" in self.text("setup.cfg") or "[pytest]" in self.text("tox.ini"))


def detect_stack(root: Path, files: list[str]) -> list[str]:
    """Frameworks and tools in use, in a fixed order (Django, DRF, Celery, pytest, tox, Docker...)."""
    config = _Config(root, files)
    deps = config.dependencies()
    pyproject = config.text("pyproject.toml")
    pytest_name = "pytest (pytest-django)" if "pytest-django" in deps else "pytest"
    rules: list[tuple[str, Callable[[], bool]]] = [
        ("Django", lambda: "django" in deps or config.has("manage.py")),
        ("Django REST framework", lambda: "djangorestframework" in deps),
        ("Celery", lambda: "celery" in deps or config.any_named(r"celery\.py", 3)),
        (pytest_name, lambda: config.pytest_configured() or "pytest" in deps),
        ("tox", lambda: config.has("tox.ini")),
        ("nox", lambda: config.has("noxfile.py")),
        ("Docker", lambda: config.any_named(r"Dockerfile[\w.-]*|[\w.-]+\.Dockerfile")),
        ("Docker Compose", lambda: config.any_named(r"(docker-)?compose(\.[\w-]+)?\.ya?ml")),
        ("GitHub Actions", lambda: any(f.startswith(".github/workflows/") for f in files)),
        ("GitLab CI", lambda: config.has(".gitlab-ci.yml")),
        ("pre-commit", lambda: config.has(".pre-commit-config.yaml")),
        ("Ruff", lambda: config.has("ruff.toml") or config.has(".ruff.toml") or "[tool.ruff" in pyproject),
        ("mypy", lambda: config.has("mypy.ini") or "[tool.mypy" in pyproject or "[mypy" in config.text("setup.cfg")),
        ("Black", lambda: "[tool.black" in pyproject),
        ("Poetry", lambda: config.has("poetry.lock") or "[tool.poetry" in pyproject),
        ("uv", lambda: config.has("uv.lock")),
        ("Pipenv", lambda: config.has("Pipfile")),
        ("MySQL client", lambda: bool(deps & {"mysqlclient", "pymysql", "mysql-connector-python", "aiomysql"})),
        ("PostgreSQL client", lambda: bool(deps & {"psycopg", "psycopg2", "psycopg2-binary", "asyncpg", "psycopg-binary"})),
        ("Redis", lambda: "redis" in deps or "django-redis" in deps),
        ("FastAPI", lambda: "fastapi" in deps),
        ("Flask", lambda: "flask" in deps),
        ("SQLAlchemy", lambda: "sqlalchemy" in deps),
        ("Node.js", lambda: config.has("package.json")),
        ("TypeScript", lambda: config.has("tsconfig.json")),
        ("Go", lambda: config.has("go.mod")),
        ("Rust", lambda: config.has("Cargo.toml")),
    ]
    return [name for name, present in rules if present()]


def detect_test_command(repo: Repository, files: list[str] | None = None) -> list[str] | None:
    """The command that would run the project's tests, as an argument list, or None.

    In order: pytest when it is configured or a dependency (`python -m pytest`); Django's own runner
    when there is a `manage.py` (`python manage.py test`); `tox`; a Makefile `test` target
    (`make test`); pytest again when there is a tests folder of `test_*.py` files (pytest runs
    unittest tests too). The `test_command` setting, when set, wins over all of this (the caller
    checks it). Commands run from the repository root.
    """
    config = _Config(repo.root, repo.files() if files is None else files)
    if config.pytest_configured() or "pytest" in config.dependencies():
        return list(PYTHON_TEST_COMMAND)
    if config.has("manage.py"):
        return ["python", "manage.py", "test"]
    if config.has("tox.ini"):
        return ["tox"]
    if config.has("Makefile") and re.search(r"(?m)^test\s*:", config.text("Makefile")):
        return ["make", "test"]
    if any(PurePosixPath(f).name.startswith("test_") and f.endswith(".py") and "test" in f.split("/")[0]
           for f in config.files):
        return list(PYTHON_TEST_COMMAND)
    return None
