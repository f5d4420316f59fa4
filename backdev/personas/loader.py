"""Reading persona files (Claude Code subagent format) and discovering them in their folders.

A persona file is markdown with YAML front matter between two `---` lines. Required keys are
`name` and `description`; `model` and `tools` are optional; any other key is kept as ignored.

Claude Code's own agent files often carry descriptions with `Examples: (1) User: ...` in a plain
YAML scalar, which strict YAML rejects ("mapping values are not allowed here"). Claude Code reads
them anyway, so for that one error we fall back to reading the front matter line by line, and say
so in the persona's notes. Every other YAML error is reported with its line.

A repository's persona that has the name of one of the person's own or a built-in persona would
replace it. Such a persona is *withheld* until the person trusts the repository's configuration
(`backdev.trust`): the person's or the built-in one is used, and the front end says why. A
repository persona with a new name loads at once: it is used only when the person picks it (or a
trusted `persona` setting names it), and it can only change the system prompt, which the
repository already influences through its memory files (CLAUDE.md); its `tools` can only narrow
what the model may do, and every write or run is still approved.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from backdev import paths
from backdev.personas.discovery import MAX_AGENT_FILES, agent_files
from backdev.personas.frontmatter import FrontMatterError, raw_value, read_front_matter
from backdev.personas.model import Persona, PersonaLoadFailure
from backdev.workflow.phases.definition import workflow_path_for
from backdev.yamlio import (
    MAX_PERSONA_BYTES,
    FileTooLarge,
    YamlProblem,
    cache_file_for,
    decode_text,
    load_yaml,
    read_capped_bytes,
)

# Claude Code's docs ask for lowercase letters and hyphens, but Claude Code loads what public
# collections use (`powershell-5.1-expert`, `k8s-2`, some capitals). We take those too, and refuse only
# names that cannot be typed as one word after `--persona` or `/persona` (spaces, slashes, quotes,
# control characters): such a name could not be picked, so saying so beats a persona nobody can use.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_KNOWN_KEYS = ("name", "description", "model", "tools")


class PersonaError(ValueError):
    """A persona file cannot be used; carries the line number the problem is on."""

    def __init__(self, reason: str, line: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def builtin_personas_dir() -> Path:
    """The folder of personas shipped with backdev.

    In a wheel they are packaged as `backdev/_personas`; in a source checkout (or an editable
    install) they are the repository's top-level `personas/` folder.
    """
    package_dir = Path(__file__).resolve().parent.parent
    packaged = package_dir / "_personas"
    return packaged if packaged.is_dir() else package_dir.parent / "personas"


def claude_user_agents_dir() -> Path:
    """Claude Code's user agents folder: `$CLAUDE_CONFIG_DIR/agents` when set (as Claude Code does), else `~/.claude/agents`."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return (Path(configured).expanduser() if configured else Path.home() / ".claude") / "agents"


def discovery_dirs(project_root: Path | None) -> list[tuple[str, Path]]:
    """The folders searched for personas, in order: the first one found wins a name clash."""
    dirs: list[tuple[str, Path]] = []
    if project_root is not None:
        dirs.append(("project .backdev/personas", project_root / ".backdev" / "personas"))
        dirs.append(("project .claude/agents", project_root / ".claude" / "agents"))
    dirs.append(("user", paths.config_dir() / "personas"))
    dirs.append(("user ~/.claude/agents", claude_user_agents_dir()))
    dirs.append(("built-in", builtin_personas_dir()))
    return dirs


def is_project_source(source: str) -> bool:
    """True for personas found in the repository (which is not trusted until the person says so)."""
    return source.startswith("project ")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split a persona file into (front matter, body, line number where the body starts).

    Raises:
        PersonaError: when the file does not start with a `---` line or it is never closed.
    """
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)  # a BOM: Claude Code reads the file anyway
    if not lines or lines[0].strip() != "---":
        raise PersonaError("no front matter: the file must start with a line `---`", 1)
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            front = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            return front, body, index + 2
    raise PersonaError("front matter is not closed: add a line `---` after it", 1)


def _line_of_key(front: str, key: str) -> int:
    for number, line in enumerate(front.splitlines(), start=2):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _parse_tools(value: Any, line: int) -> tuple[str, ...] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return tuple(t.strip() for t in value if t.strip())
    raise PersonaError("`tools` must be a comma-separated string or a list of names", line)


def parse_persona(text: str, path: Path, source: str) -> Persona:
    """Build a Persona from the text of a persona file.

    Raises:
        PersonaError: naming the problem and its line (no front matter, YAML error, missing or
            bad name, missing description, bad tools or model).
    """
    front, body, _ = split_front_matter(text)
    try:
        data, notes = read_front_matter(front, cache_file_for("persona", path))
    except FrontMatterError as exc:
        raise PersonaError(exc.reason, exc.line) from exc
    name = data.get("name")
    if name is None or name == "":
        raise PersonaError("missing `name` in the front matter", 2)
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = raw_value(front, "name")  # `name: 2.0` is a number to YAML, a name to Claude Code
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise PersonaError(
            f"bad name {name!r}: use one word of letters, digits, dots, hyphens or underscores",
            _line_of_key(front, "name"),
        )
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise PersonaError("missing `description` in the front matter", _line_of_key(front, "description"))
    model = data.get("model")
    if model is not None and (not isinstance(model, str) or not model.strip()):
        raise PersonaError(
            "`model` must be sonnet, opus, haiku, inherit or a model id", _line_of_key(front, "model")
        )
    tools = _parse_tools(data.get("tools"), _line_of_key(front, "tools"))
    ignored = {k: v for k, v in data.items() if k not in _KNOWN_KEYS}
    if not body.strip():
        notes.append("the body is empty: the persona has no instructions")
    return Persona(
        name=name,
        description=" ".join(description.split()),
        prompt=body.strip() + "\n",
        model=model.strip() if isinstance(model, str) else None,
        tools=tools,
        ignored=ignored,
        path=path,
        source=source,
        notes=tuple(notes),
    )


class UnknownPersonaError(LookupError):
    """No persona has the name asked for; the message lists those that exist."""


@dataclass
class PersonaCatalog:
    """Every persona found, the files that failed, and the ones hidden by an earlier folder.

    `withheld` holds the repository's personas that would replace one of the person's own or a
    built-in persona: not used until the repository's configuration is trusted (`trusting()`).
    `digests` has the sha256 of every persona file as it was read, for the trust fingerprint.
    """

    personas: dict[str, Persona] = field(default_factory=dict)
    failures: list[PersonaLoadFailure] = field(default_factory=list)
    shadowed: list[Persona] = field(default_factory=list)
    withheld: list[Persona] = field(default_factory=list)
    digests: dict[Path, str] = field(default_factory=dict)
    found: list[Persona] = field(default_factory=list, repr=False)  # in discovery order

    def get(self, name: str) -> Persona:
        """The persona called `name`.

        Raises:
            UnknownPersonaError: listing the personas that exist.
        """
        try:
            return self.personas[name]
        except KeyError:
            known = ", ".join(sorted(self.personas)) or "none"
            raise UnknownPersonaError(
                f"No persona named {name!r}; available: {known} (see `backdev personas list`)."
            ) from None

    def shadow_notes(self) -> list[str]:
        """One line per persona that hides one of another folder and was not put there by the person
        in backdev's own folder: a repository's (once trusted) or one of `~/.claude/agents/`."""
        notes: list[str] = []
        for hidden in self.shadowed:
            winner = self.personas.get(hidden.name)
            if winner is None or winner.source == "user" or winner.source == hidden.source:
                continue
            line = (f"The {winner.source} persona {winner.name} ({winner.path}) replaces the {hidden.source} persona "
                    f"{hidden.name} ({hidden.path})")
            if hidden.workflow is not None and winner.workflow is None:
                line += "; its workflow is hidden too: this one has none, so it is a plain chat"
            notes.append(line + ".")
        return notes

    def trusting(self) -> PersonaCatalog:
        """The catalog once the repository is trusted: its personas win every name clash."""
        return _arrange(self.found, self.failures, self.digests, allow_shadowing=True)


def _arrange(found: list[Persona], failures: list[PersonaLoadFailure], digests: dict[Path, str], *,
             allow_shadowing: bool) -> PersonaCatalog:
    """Decide which persona each name means: the first found, unless that would let the
    repository replace the person's own or a built-in persona before it is trusted."""
    catalog = PersonaCatalog(failures=list(failures), digests=dict(digests), found=list(found))
    outside = {p.name for p in found if not is_project_source(p.source)}
    withheld_names: set[str] = set()
    for persona in found:
        if not allow_shadowing and is_project_source(persona.source) and persona.name in outside:
            if persona.name in withheld_names:
                catalog.shadowed.append(persona)  # a second repository file of that name: hidden either way
            else:
                withheld_names.add(persona.name)
                catalog.withheld.append(persona)
        elif persona.name in catalog.personas:
            catalog.shadowed.append(persona)
        else:
            catalog.personas[persona.name] = persona
    return catalog


_NOT_UTF8 = "not valid UTF-8: the bytes that are not were read as \ufffd (save the file as UTF-8)"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def load_catalog(project_root: Path | None, *, allow_shadowing: bool = False) -> PersonaCatalog:
    """Discover and load every persona; a broken file is recorded and the others still load.

    Args:
        project_root: the repository whose `.backdev/personas/` and `.claude/agents/` are searched.
        allow_shadowing: True when the repository's configuration is trusted: its personas may
            then replace the person's own and the built-in ones of the same name.
    """
    found: list[Persona] = []
    failures: list[PersonaLoadFailure] = []
    digests: dict[Path, str] = {}
    for source, folder in discovery_dirs(project_root):
        walked = agent_files(folder)
        failures.extend(PersonaLoadFailure(path, 1, reason, source) for path, reason in walked.refused)
        for path in walked.files:
            try:
                data = read_capped_bytes(path, MAX_PERSONA_BYTES)
                digests[path] = hashlib.sha256(data).hexdigest()
                # Bytes that are not UTF-8 become U+FFFD, as Claude Code reads them; the note says so.
                persona = parse_persona(decode_text(data, errors="replace"), path, source)
                if not _is_utf8(data):
                    persona = replace(persona, notes=(*persona.notes, _NOT_UTF8))
            except FileTooLarge as exc:
                failures.append(PersonaLoadFailure(path, 1, str(exc).removeprefix(f"{path} "), source))
                continue
            except PersonaError as exc:
                failures.append(PersonaLoadFailure(path, exc.line, exc.reason, source))
                continue
            except OSError as exc:
                failures.append(PersonaLoadFailure(path, 1, f"cannot be read: {exc.strerror}", source))
                continue
            # A workflow is found, not read, here: it is validated when a session starts with it.
            workflow = workflow_path_for(path)
            if workflow is not None:
                persona = replace(persona, workflow=workflow)
            found.append(persona)
    return _arrange(found, failures, digests, allow_shadowing=allow_shadowing)
