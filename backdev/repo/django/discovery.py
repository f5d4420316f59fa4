"""Where the Django projects of a repository are, and which settings module each one runs with.

A project is found by what starts it: each `manage.py`, `wsgi.py` and `asgi.py` that sets
`DJANGO_SETTINGS_MODULE`, and the pytest-django configuration (`pytest.ini`, `pyproject.toml`,
`setup.cfg`, `tox.ini`). The settings module is resolved from the folder of the file that names it
(Django puts the folder of `manage.py` on `sys.path`). A settings module nothing names still makes
a project when it holds INSTALLED_APPS (a `settings.py` or a settings package). A folder whose own
dependency files name Django but holds no project is a reusable app. The project's root is the folder
of its `manage.py`, or the folder its settings module is imported from.

Settings named only by the test configuration, under a tests folder, belong to the project or app
around them, not to a project of their own (a library's `tests/settings.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from backdev.repo.django.sourcetree import SourceTree, is_python_source, is_test_file

ENTRY_FILES = ("manage.py", "wsgi.py", "asgi.py")
PYTEST_CONFIGS = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")
DEPENDENCY_FILES = re.compile(r"(requirements[\w.-]*\.(txt|in)|pyproject\.toml|setup\.py|setup\.cfg|Pipfile)")
_SETDEFAULT = re.compile(rb"""DJANGO_SETTINGS_MODULE['"]\s*(?:,|\]\s*=)\s*(?:f?['"]([\w.]+)['"])?""")
_CONFIGURATION = re.compile(rb"""DJANGO_CONFIGURATION['"]\s*(?:,|\]\s*=)\s*['"](\w+)['"]""")
_INI_SETTING = re.compile(r"""(?m)^\s*DJANGO_SETTINGS_MODULE\s*[=:]\s*['"]?([\w.]+)|--ds[= ]([\w.]+)""")
_DJANGO_DEP = re.compile(r"(?im)^\s*['\"]?django\s*(?:[<>=~!\[;,'\"]|$)|['\"]django[<>=~!\s\[;,'\"]")


@dataclass
class ProjectSpec:
    """A project (or app) to summarise: its root folder and its settings modules, primary first."""

    root: str
    kind: str = "project"
    settings: list[tuple[str, str, str]] = field(default_factory=list)  # (module, file, named in)
    configuration: str | None = None  # django-configurations' DJANGO_CONFIGURATION, when an entry point sets it


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _inside(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


def _text(tree: SourceTree, path: str) -> str:
    data = tree.read(path)
    return data.decode("utf-8", "replace") if data else ""


def _named_settings(tree: SourceTree, files: list[str]) -> list[tuple[str, str]]:
    """(settings module, the file that names it), entry points first."""
    found: list[tuple[str, str]] = []
    for path in files:
        name = path.rpartition("/")[2]
        if name in ENTRY_FILES and is_python_source(path):
            data = tree.read(path) or b""
            for match in _SETDEFAULT.finditer(data):
                if match.group(1):
                    found.append((match.group(1).decode(), path))
    for path in files:
        if path.rpartition("/")[2] in PYTEST_CONFIGS and "node_modules/" not in path:
            text = _text(tree, path)
            if "DJANGO_SETTINGS_MODULE" in text or "--ds" in text:
                found += [(named or option, path) for named, option in _INI_SETTING.findall(text)]
    order = {n: i for i, n in enumerate(ENTRY_FILES)}
    found.sort(key=lambda item: (order.get(PurePosixPath(item[1]).name, 9), item[1].count("/"), item[1]))
    return found


def _settings_root(module: str, path: str) -> str:
    """The folder `module` is imported from, given the file it resolved to."""
    depth = module.count(".") + (1 if path.endswith("/__init__.py") else 0)
    folder = PurePosixPath(path).parent
    for _ in range(depth):
        folder = folder.parent
    return "" if str(folder) == "." else str(folder)


def _has_installed_apps(tree: SourceTree, path: str) -> bool:
    data = tree.read(path)
    return bool(data) and re.search(rb"(?m)^INSTALLED_APPS\s*(=|\+=)", data) is not None


def find_projects(tree: SourceTree, files: list[str]) -> list[ProjectSpec]:
    """Every Django project and reusable app of the repository, outermost first."""
    projects: dict[str, ProjectSpec] = {}
    test_only: list[tuple[str, str, str]] = []
    for path in files:
        if path.rpartition("/")[2] == "manage.py" and is_python_source(path):
            projects.setdefault(_folder(path), ProjectSpec(_folder(path)))
    for module, named_in in _named_settings(tree, files):
        folder = _folder(named_in)  # the entry point's folder is on sys.path when it runs
        file = tree.module_file(f"/{folder}/{module.replace('.', '/')}" if folder else "/" + module.replace(".", "/")) \
            or tree.module_file(module, named_in)
        if file is None:
            continue
        entry = (module, file, named_in)
        owner = _owner(projects, named_in)
        if owner is not None:
            if all(s[0] != module for s in owner.settings):
                owner.settings.append(entry)
            configured = _CONFIGURATION.search(tree.read(named_in) or b"") if named_in.endswith(".py") else None
            if configured and owner.configuration is None:
                owner.configuration = configured.group(1).decode()
        elif PurePosixPath(named_in).name in PYTEST_CONFIGS and is_test_file(file):
            test_only.append(entry)
        else:
            root = _settings_root(module, file)
            projects.setdefault(root, ProjectSpec(root)).settings.append(entry)
    named = {s[1] for p in projects.values() for s in p.settings} | {s[1] for s in test_only}
    unnamed = [p for p in tree.python if _is_settings_file(p) and p not in named and not is_test_file(p)]
    unnamed.sort(key=lambda p: (p.count("/"), _SETTINGS_ORDER.get(PurePosixPath(p).name, 9), p))
    for path in unnamed:  # settings nothing names: settings.py, or settings/base.py & co
        if not _has_installed_apps(tree, path):
            continue
        module = tree.canonical_module(path)
        root = _settings_root(module, path)
        spec = projects.setdefault(root, ProjectSpec(root))
        if not spec.settings:  # a project already named its settings: this is one of the modules they import
            spec.settings.append((module, path, ""))
    for folder in _django_dependency_folders(tree, files):
        if _owner(projects, folder + "/x") is None:
            projects[folder] = ProjectSpec(folder, "app")
    for entry in test_only:  # a library's test settings go with the app around them
        owner = _owner(projects, entry[1])
        if owner is None:
            root = _settings_root(entry[0], entry[1])
            owner = projects.setdefault(root, ProjectSpec(root, "app"))
        owner.settings.append(entry)
    for spec in projects.values():
        if spec.kind == "project" and not spec.settings and not _has_manage(files, spec.root):
            spec.kind = "app"
    return sorted(projects.values(), key=lambda p: (p.root.count("/") if p.root else -1, p.root))


_SETTINGS_ORDER = {"settings.py": 0, "__init__.py": 1, "base.py": 2, "common.py": 3, "defaults.py": 4}


def _is_settings_file(path: str) -> bool:
    parts = path.split("/")
    return parts[-1] == "settings.py" or (len(parts) > 1 and parts[-2] == "settings")


def _has_manage(files: list[str], root: str) -> bool:
    return (f"{root}/manage.py" if root else "manage.py") in files


def _owner(projects: dict[str, ProjectSpec], path: str) -> ProjectSpec | None:
    """The innermost project whose root holds `path`."""
    holders = [p for root, p in projects.items() if _inside(path, root)]
    return max(holders, key=lambda p: len(p.root), default=None)


def _django_dependency_folders(tree: SourceTree, files: list[str]) -> list[str]:
    folders = []
    for path in files:
        if path.count("/") <= 3 and DEPENDENCY_FILES.fullmatch(path.rpartition("/")[2]) and "node_modules/" not in path:
            if _DJANGO_DEP.search(_text(tree, path)):
                folder = _folder(path)
                folders.append(_folder(folder) if PurePosixPath(folder).name == "requirements" else folder)
    return sorted(set(folders), key=lambda f: (f.count("/"), f))
