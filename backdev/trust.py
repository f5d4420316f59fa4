"""Whether the person trusts a repository's configuration, and exactly what that trust changes.

It works as workspace trust does in editors. What the person configured (user config,
environment, flags) is trusted; what a repository brings is not until the person says so:

- settings of its `.backdev.yaml` that loosen safety, run things or spend money (each setting's
  `ProjectRule` in `backdev.settings`), and
- its personas that would replace one of the person's own or a built-in persona
  (`backdev.personas.loader`).

The API endpoint and credentials never come from a repository, trusted or not.

Trust is remembered per repository root and per content: the store keeps the sha256 of every
file trusted (the config file, each replacing persona and its workflow file), and a change to any
of them means asking again. The store is `trust.json` in the data folder, written atomically and
private to the person (mode 0600 in a 0700 folder): a repository cannot write it.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import os
import shlex
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backdev import paths
from backdev.personas.loader import PersonaCatalog, load_catalog
from backdev.safe_text import visible
from backdev.settings import PROJECT_CONFIG_NAME, ProjectChange, ProjectSettings, Settings, load_project_settings

log = logging.getLogger(__name__)

TRUST_FILE_NAME = "trust.json"
_STORE_VERSION = 1
# C0 (but newline and tab), DEL, C1 and the bidi controls: shown as escapes, never sent to a terminal.

_SOURCE_WORDS = {"default": "the default", "command line": "from your command line"}


_UNSET = {"test_command": "detected from the repository", "prices": "the built-in prices"}


def show_value(name: str, value: Any) -> str:
    """A setting's value as the person would write it, control characters made visible."""
    if value in (None, (), {}, ""):
        return f"({_UNSET.get(name, 'not set')})"
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, tuple) and name == "test_command":
        shown = shlex.join(value)
    elif isinstance(value, (tuple, list)):
        shown = json.dumps(list(value), ensure_ascii=False)
    elif isinstance(value, Mapping):
        shown = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        shown = str(value)
    return visible(shown)


def _otherwise(change: ProjectChange) -> str:
    """`otherwise true, the default` / `otherwise 25, from your user config` / `otherwise detected from the repository`."""
    if change.otherwise in (None, (), {}, "") and change.otherwise_source == "default":
        return f"otherwise {_UNSET.get(change.name, 'not set')}"
    source = change.otherwise_source
    if source.startswith("user config"):
        where = "from your user config"
    elif source.startswith("env "):
        where = f"from your environment ({source.removeprefix('env ')})"
    else:
        where = _SOURCE_WORDS.get(source, f"from {source}")
    return f"otherwise {show_value(change.name, change.otherwise)}, {where}"


@dataclass(frozen=True)
class ProjectReview:
    """What a repository's configuration would change, read once and used for the decision.

    The settings and personas that apply after the decision are the ones read here, so what the
    person was shown is what runs.

    Attributes:
        root: the repository (or folder) root.
        project: the settings with and without trust.
        catalog: the personas as used without trust (replacing ones withheld).
        files: repository-relative path → sha256 of each file the trust covers.
    """

    root: Path
    project: ProjectSettings
    catalog: PersonaCatalog
    files: Mapping[str, str]

    @property
    def fingerprint(self) -> str:
        """One sha256 over the paths and contents of the files the trust covers."""
        return hashlib.sha256(json.dumps(sorted(self.files.items())).encode()).hexdigest()

    @property
    def changes(self) -> tuple[ProjectChange, ...]:
        return self.project.changes

    @property
    def needs_trust(self) -> bool:
        """True when trusting would change anything (a setting, or a persona replaced)."""
        return bool(self.project.changes or self.catalog.withheld)

    def settings(self, trusted: bool) -> Settings:
        return self.project.settings(trusted)

    def personas(self, trusted: bool) -> PersonaCatalog:
        return self.catalog.trusting() if trusted and self.catalog.withheld else self.catalog

    def relative(self, path: Path) -> str:
        try:
            return visible(path.relative_to(self.root).as_posix())
        except ValueError:
            return visible(str(path))

    def change_lines(self) -> list[str]:
        """Exactly what trusting changes: each setting (project value, and the value otherwise)
        and each persona replaced (with its file); then what is ignored either way."""
        lines: list[str] = []
        if self.project.changes:
            lines.append(f"  {PROJECT_CONFIG_NAME} sets:")
            width = max(len(c.name) for c in self.project.changes)
            for change in self.project.changes:
                lines.append(f"    {change.name:<{width}}  {show_value(change.name, change.value)}   ({_otherwise(change)})")
        for persona in self.catalog.withheld:
            replaced = self.catalog.personas.get(persona.name)
            whose = f"the {replaced.source} persona" if replaced else "the persona"
            lines.append(f"  {self.relative(persona.path)} would replace {whose} {persona.name}"
                         + (f" ({visible(str(replaced.path))})" if replaced else ""))
            if persona.workflow is not None:
                lines.append(f"    with its workflow {self.relative(persona.workflow)}")
        if self.project.refused:
            lines.append(f"  {PROJECT_CONFIG_NAME} also sets {', '.join(self.project.refused)}: never taken from a "
                         "repository, ignored either way.")
        return lines

    def notes(self, trusted: bool) -> list[str]:
        """One-line notes for the start of a session: what was refused, and what was ignored."""
        notes: list[str] = []
        if self.project.refused:
            notes.append(f"The repository's {PROJECT_CONFIG_NAME} sets {', '.join(self.project.refused)}, which only "
                         "your own config, environment or flags may set: ignored.")
        if self.needs_trust and not trusted:
            notes.append(self.ignored_line())
        return notes

    def ignored_line(self) -> str:
        """One line naming every setting and persona left out because the repository is not trusted."""
        parts: list[str] = []
        if self.project.changes:
            parts.append(f"its settings {', '.join(c.name for c in self.project.changes)} ({PROJECT_CONFIG_NAME}) are "
                         "ignored")
        for persona in self.catalog.withheld:
            replaced = self.catalog.personas.get(persona.name)
            whose = f"the {replaced.source} persona" if replaced else "a persona"
            parts.append(f"its {self.relative(persona.path)} would replace {whose} {persona.name} and is not used")
        return (f"This repository's configuration is not trusted: {'; '.join(parts)}. "
                "Run `backdev trust` to review and allow it, or pass --trust-project for this run.")


def review_project(root: Path, *, env: Mapping[str, str] | None = None,
                   flags: Mapping[str, Any] | None = None) -> ProjectReview:
    """Read the repository's configuration and what trusting it would change.

    Raises:
        SettingsError: when a config file or an environment value is unusable.
    """
    project = load_project_settings(root, env=env, flags=flags)
    catalog = load_catalog(root)
    files: dict[str, str] = {}
    if project.text is not None:
        files[PROJECT_CONFIG_NAME] = hashlib.sha256(project.text.encode()).hexdigest()
    for persona in catalog.withheld:
        files[_key(root, persona.path)] = catalog.digests.get(persona.path, "")
        if persona.workflow is not None:
            files[_key(root, persona.workflow)] = _digest(persona.workflow)
    return ProjectReview(root, project, catalog, files)


def _key(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


# --- the store -----------------------------------------------------------------------------------


class TrustState(str, enum.Enum):
    """Where a repository's configuration stands."""

    NOT_NEEDED = "nothing to trust"
    TRUSTED = "trusted"
    CHANGED = "changed since you trusted it"
    UNTRUSTED = "not trusted"


@dataclass(frozen=True)
class TrustRecord:
    """One repository the person trusted: when, and the files (path → sha256) as they were."""

    root: str
    fingerprint: str
    trusted_at: float
    files: Mapping[str, str]


class TrustStore:
    """The repositories the person trusted, in `trust.json` in the data folder."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / TRUST_FILE_NAME

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("trust store %s unreadable (%s): nothing is trusted", self.path, exc)
            return {}
        repositories = data.get("repositories") if isinstance(data, dict) else None
        return repositories if isinstance(repositories, dict) else {}

    def _write(self, repositories: dict[str, Any]) -> None:
        paths.ensure_dir(self.path.parent)
        handle, temporary = tempfile.mkstemp(prefix=".trust-", suffix=".json", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"version": _STORE_VERSION, "repositories": repositories}, stream, indent=1, sort_keys=True)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def record(self, root: Path) -> TrustRecord | None:
        """What was trusted for this repository, if anything."""
        entry = self._read().get(str(root.resolve()))
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            return None
        files = entry.get("files") if isinstance(entry.get("files"), dict) else {}
        return TrustRecord(str(root.resolve()), entry["fingerprint"], float(entry.get("trusted_at") or 0), files)

    def state(self, review: ProjectReview) -> TrustState:
        """Trusted only when the files are exactly as they were when the person trusted them."""
        if not review.needs_trust:
            return TrustState.NOT_NEEDED
        record = self.record(review.root)
        if record is None:
            return TrustState.UNTRUSTED
        return TrustState.TRUSTED if record.fingerprint == review.fingerprint else TrustState.CHANGED

    def remember(self, review: ProjectReview) -> None:
        """Trust this repository's configuration as it is now (any later change asks again)."""
        repositories = self._read()
        repositories[str(review.root.resolve())] = {
            "fingerprint": review.fingerprint, "trusted_at": time.time(), "files": dict(review.files)}
        self._write(repositories)

    def revoke(self, root: Path) -> bool:
        """Forget the trust given to this repository; False when there was none."""
        repositories = self._read()
        if repositories.pop(str(root.resolve()), None) is None:
            return False
        self._write(repositories)
        return True


# --- deciding ------------------------------------------------------------------------------------

# How a run decides: None = only what the store remembers; True = trusted for this run only
# (`--trust-project`); a callable = ask the person (a yes is remembered).
TrustChoice = bool | Callable[[ProjectReview], bool] | None


def decide_trust(review: ProjectReview, choice: TrustChoice = None, store: TrustStore | None = None) -> bool:
    """Whether the repository's configuration applies in this run.

    The person is asked (`choice` called) only when trusting would change something and the
    store does not already trust these exact files.
    """
    if not review.needs_trust:
        return True
    store = store or TrustStore()
    if store.state(review) is TrustState.TRUSTED:
        return True
    if choice is True:
        return True
    if callable(choice) and choice(review):
        try:
            store.remember(review)
        except OSError as exc:  # the answer still holds for this run; the next one asks again
            log.warning("could not remember the trust in %s: %s", store.path, exc)
        return True
    return False
