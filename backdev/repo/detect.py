"""What the repository is made of: languages, frameworks and tools, and the test command to use.

Detection reads only the file list and a few small config files (requirements, pyproject.toml,
setup.cfg, tox.ini, Makefile, Pipfile, package.json) — at the root and, for a monorepo, in
subfolders a few levels down (`apps/api/requirements/base.txt`); it never imports or runs the project.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from backdev.repo.safety import inside_or_none

if TYPE_CHECKING:
    from backdev.repo.repository import Repository

CONFIG_MAX_BYTES = 200_000
DEPENDENCY_DEPTH = 3  # folders below the root whose dependency files count (apps/api/requirements/base.txt)
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


def _name(path: str) -> str:
    return path.rpartition("/")[2]


def _parent_name(path: str) -> str:
    return path.rsplit("/", 2)[-2] if "/" in path else ""


def _suffix(path: str) -> str:
    name = _name(path)
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def languages(files: list[str]) -> list[tuple[str, int]]:
    """Languages by file count, most files first (files of unknown kinds are not counted)."""
    counts = Counter(LANGUAGES[suffix] for f in files if (suffix := _suffix(f)) in LANGUAGES)
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
        return any(f.count("/") <= max_depth and regex.fullmatch(_name(f)) for f in self.files)

    def dependencies(self, depth: int = 1) -> set[str]:
        """Every word of the dependency files, lowercased, `_` as `-` (package names among them).

        `depth` is how many folders down they are looked for (1: the root and requirements/).
        """
        names = [f for f in self.files if f.count("/") <= depth and "node_modules/" not in f and (
            _name(f).startswith("requirements") and re.fullmatch(r"requirements[\w.-]*\.(txt|in)", _name(f))
            or f.endswith((".txt", ".in")) and _parent_name(f) == "requirements"
            or depth > 1 and _name(f) in ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile"))]
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
    deps = config.dependencies(DEPENDENCY_DEPTH)
    pyproject = config.text("pyproject.toml")
    manage = any(f.endswith("manage.py") and _name(f) == "manage.py" and f.count("/") <= DEPENDENCY_DEPTH + 1 for f in files)
    pytest_name = "pytest (pytest-django)" if "pytest-django" in deps else "pytest"
    rules: list[tuple[str, Callable[[], bool]]] = [
        ("Django", lambda: "django" in deps or manage),
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


@dataclass(frozen=True)
class TestCommand:
    """A test command and the folder (relative to the repository root, "" for the root) it runs from."""

    __test__ = False  # not a pytest class

    args: list[str]
    folder: str = ""

    def line(self) -> str:
        """`cd apps/api && python -m pytest`, as a person would type it."""
        return (f"cd {shlex.quote(self.folder)} && " if self.folder else "") + shlex.join(self.args)


def _command_in(config: _Config) -> list[str] | None:
    """The test command of the folder `config` reads (see `detect_test_command` for the order)."""
    if config.pytest_configured() or "pytest" in config.dependencies():
        return list(PYTHON_TEST_COMMAND)
    if config.has("manage.py"):
        return ["python", "manage.py", "test"]
    if config.has("tox.ini"):
        return ["tox"]
    if config.has("Makefile") and re.search(r"(?m)^test\s*:", config.text("Makefile")):
        return ["make", "test"]
    if any(f.endswith(".py") and _name(f).startswith("test_") and "test" in f.split("/")[0] for f in config.files):
        return list(PYTHON_TEST_COMMAND)
    return None


def _folder_config(root: Path, files: list[str], folder: str) -> _Config:
    if not folder:
        return _Config(root, files)
    prefix = folder.rstrip("/") + "/"
    return _Config(root / folder, [f[len(prefix):] for f in files if f.startswith(prefix)])


def find_test_command(root: Path, files: list[str], start: str = "") -> TestCommand | None:
    """The test command for work started in the folder `start` (relative to `root`), and where it runs.

    The nearest folder from `start` up to the root that has a test command wins (so inside
    `apps/api/` of a monorepo, that project's pytest runs from `apps/api/`). When none has one,
    the Django projects below are tried (a `manage.py` or a pytest configuration at most four
    folders down, shallowest first): a monorepo started at its root still finds its API's tests.
    """
    folder = PurePosixPath(start) if start not in ("", ".") else None
    while folder is not None:
        command = _command_in(_folder_config(root, files, str(folder)))
        if command:
            return TestCommand(command, str(folder))
        folder = folder.parent if str(folder.parent) != "." else None
    command = _command_in(_Config(root, files))
    if command:
        return TestCommand(command)
    below = sorted({f.rpartition("/")[0] for f in files if f.endswith(("manage.py", "pytest.ini"))
                    and _name(f) in ("manage.py", "pytest.ini") and 0 < f.count("/") <= DEPENDENCY_DEPTH + 1
                    and "node_modules/" not in f},
                   key=lambda f: (f.count("/"), f))
    for candidate in below:
        command = _command_in(_folder_config(root, files, candidate))
        if command:
            return TestCommand(command, candidate)
    return None


def detect_test_command(repo: Repository, files: list[str] | None = None) -> list[str] | None:
    """The command that would run the project's tests, as an argument list, or None.

    In order: pytest when it is configured or a dependency (`python -m pytest`); Django's own runner
    when there is a `manage.py` (`python manage.py test`); `tox`; a Makefile `test` target
    (`make test`); pytest again when there is a tests folder of `test_*.py` files (pytest runs
    unittest tests too). The `test_command` setting, when set, wins over all of this (the caller
    checks it). See `find_test_command` for the folder it runs from.
    """
    found = find_test_command(repo.root, repo.files() if files is None else files)
    return found.args if found else None
