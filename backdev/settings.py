"""One frozen settings object, layered: defaults < user config < project config < env < flags.

Every setting is a field of `Settings` with its kind, a one-line description and its project rule
in the field's metadata; the config files may only hold those keys, with values of that kind.
`sources` says where each value came from, which is what `backdev doctor` prints.

The person is trusted, the repository is not. What the person configured (user config,
environment, flags) always applies; what the repository's `.backdev.yaml` sets applies according
to each setting's `ProjectRule`:

- `NEVER`: the API endpoint and credentials (`base_url`, `api_key`, and any later endpoint,
  header or database URL setting) and `max_session_cost`: a repository can never set them, trusted or not;
- `TRUSTED`: settings that loosen safety, run things or spend money (`redact_secrets`,
  `test_command`, `prices`, `model`...) apply only once the person trusts the repository's
  configuration (`backdev.trust`);
- `LOWER`: limits (`read_max_bytes`, `max_tokens`...) a repository may always lower; raising one
  needs trust;
- `ALWAYS`: harmless settings (`theme`, `side_panel`) and `secret_files`, whose patterns are
  added to the person's own, never replace them.

`load_project_settings` computes both outcomes at once, so the start-up prompt can show exactly
what trusting would change. Config files are YAML, read with `yaml.safe_load`. API keys are never
read from a config file: a project's `.backdev.yaml` is usually committed, and a key there would leak.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from backdev import paths
from backdev.setting_values import check_value
from backdev.yamlio import MAX_CONFIG_BYTES, FileTooLarge, YamlProblem, load_yaml, read_capped

PROJECT_CONFIG_NAME = ".backdev.yaml"

# Environment variables that feed settings, and the setting each one sets.
ENV_VARS: dict[str, str] = {
    "ANTHROPIC_API_KEY": "api_key",
    "ANTHROPIC_AUTH_TOKEN": "auth_token",
    "ANTHROPIC_BASE_URL": "base_url",
    "BACKDEV_MODEL": "model",
    "BACKDEV_PERSONA": "persona",
    # Later entries win: BACKDEV_DATABASE_URL over the DATABASE_URL many Django projects already set.
    "DATABASE_URL": "database_url",
    "BACKDEV_DATABASE_URL": "database_url",
    "BACKDEV_SCRATCH_DATABASE_URL": "scratch_database_url",
}


class ProjectRule(str, enum.Enum):
    """What a repository's `.backdev.yaml` may do with a setting (see the module docstring)."""

    NEVER = "never"
    TRUSTED = "after trust"
    LOWER = "lower always, raise after trust"
    ALWAYS = "always"


# Settings whose values add up across the config files instead of replacing each other: a
# repository can add secret-file patterns to the person's own, never take one away.
_ADDITIVE = frozenset({"secret_files"})


def _setting(default: Any, kind: str, doc: str, *, in_files: bool = True,
             project: ProjectRule = ProjectRule.TRUSTED) -> Any:
    # A setting nobody classified needs trust (the cautious choice); a secret never comes from a repository.
    metadata = {"kind": kind, "doc": doc, "in_files": in_files,
                "project": ProjectRule.NEVER if kind == "secret" else project}
    shown = kind != "secret"  # a Settings printed or logged never shows the key
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata, repr=shown)
    return field(default=default, metadata=metadata, repr=shown)


@dataclass(frozen=True)
class Settings:
    """Every setting backdev reads, already merged from all sources."""

    model: str = _setting("sonnet", "str", "model alias (sonnet, opus, haiku) or a full model id")
    persona: str = _setting("backend-developer", "str", "persona used when none is named")
    api_key: str | None = _setting(None, "secret", "Anthropic API key (ANTHROPIC_API_KEY only)", in_files=False,
                                   project=ProjectRule.NEVER)
    auth_token: str | None = _setting(None, "secret", "bearer token for a gateway (ANTHROPIC_AUTH_TOKEN only)",
                                      in_files=False, project=ProjectRule.NEVER)
    base_url: str | None = _setting(None, "url", "Messages API base URL (ANTHROPIC_BASE_URL)",
                                    project=ProjectRule.NEVER)
    # What is sent to the API, and where, is the person's to decide: never from a repository.
    headers: Mapping[str, str] = _setting({}, "headers", "extra HTTP headers sent with every API request",
                                          project=ProjectRule.NEVER)
    max_tokens: int = _setting(16000, "int", "largest reply, in tokens", project=ProjectRule.LOWER)
    max_tool_rounds: int = _setting(25, "int", "tool calls the model may chain in one turn", project=ProjectRule.LOWER)
    timeout: float = _setting(120.0, "float", "seconds to wait for the API between two chunks")
    max_retries: int = _setting(2, "count", "retries the SDK makes on 429/5xx/connection errors (0: none)")
    theme: str = _setting("textual-dark", "str", "Textual theme of `backdev chat`", project=ProjectRule.ALWAYS)
    side_panel: bool = _setting(True, "bool", "show the workflow panel in `backdev chat`", project=ProjectRule.ALWAYS)
    large_request_share: float = _setting(0.5, "float", "share of the context window a message may fill before "
                                          "backdev asks", project=ProjectRule.LOWER)
    tool_result_share: float = _setting(0.25, "float", "share of the context window past which a tool result is "
                                        "cut", project=ProjectRule.LOWER)
    compact_at_share: float = _setting(0.8, "share", "window share that starts compaction", project=ProjectRule.LOWER)
    max_session_cost: float | None = _setting(None, "float", "dollars a session may spend: warns at 80%, asks "
                                              "before passing it", project=ProjectRule.NEVER)
    prices: Mapping[str, Any] = _setting({}, "prices", "per-model price overrides: {model-id: {input, output, "
                                         "cache_write, cache_read}}")
    # Repository context (what the model may read, and how much of it).
    read_max_bytes: int = _setting(200_000, "int", "largest slice of a file a read returns, in bytes",
                                   project=ProjectRule.LOWER)
    read_max_lines: int = _setting(2000, "int", "most lines a read returns", project=ProjectRule.LOWER)
    search_max_results: int = _setting(200, "int", "most matches a search returns", project=ProjectRule.LOWER)
    list_max_files: int = _setting(1000, "int", "most paths a file listing returns", project=ProjectRule.LOWER)
    memory_max_bytes: int = _setting(20_000, "int", "cap on each project memory file (CLAUDE.md, AGENTS.md...)",
                                     project=ProjectRule.LOWER)
    overview_max_tokens: int = _setting(3000, "int", "token budget of the repository overview",
                                        project=ProjectRule.LOWER)
    # Harmless from a repository: it only widens what the summary recognises as Django classes.
    django_bases: tuple[str, ...] = _setting((), "str_list", "more base classes for the Django summary, as "
                                             "kind:dotted.Name (kind: model, view, serializer, permission)",
                                             project=ProjectRule.ALWAYS)
    # Safety: on by default; only the person's config (or a trusted project's) can loosen them.
    redact_secrets: bool = _setting(True, "bool", "replace secret-looking values before they reach the model")
    refuse_secret_files: bool = _setting(True, "bool", "refuse secret files (.env, keys...) to the model")
    secret_files: tuple[str, ...] = _setting((), "str_list", "more glob patterns of files never sent to the model",
                                             project=ProjectRule.ALWAYS)
    # Workflow.
    artifacts_dir: str = _setting("docs/backdev", "str", "where phase artifacts are written, inside the repository")
    review_exclude: tuple[str, ...] = _setting(("{artifacts_dir}/**", "**/backdev-session-*.md"), "str_list",
                                               "globs `review --diff/--base` leave out ({artifacts_dir}: the artifacts folder)")
    test_command: tuple[str, ...] = _setting((), "str_list", "the project's test command as an argument list")
    test_timeout: float = _setting(600.0, "float", "seconds a test run may take", project=ProjectRule.LOWER)
    # The person's own database (backdev/db): read-only, and only from the user config or the
    # environment: a repository must not choose which database backdev connects to.
    database_url: str | None = _setting(
        None, "database_url", "your MySQL/MariaDB, read-only (BACKDEV_DATABASE_URL, then DATABASE_URL)",
        project=ProjectRule.NEVER)
    scratch_database_url: str | None = _setting(
        None, "database_url", "a throwaway database where migrations may be tried on empty copies",
        project=ProjectRule.NEVER)
    database_timeout: float = _setting(10.0, "float", "seconds one database statement may run",
                                       project=ProjectRule.NEVER)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def source_of(self, name: str) -> str:
        """Where the value of `name` came from (`default` when nothing set it)."""
        return self.sources.get(name, "default")

    def with_overrides(self, values: Mapping[str, Any], source: str) -> Settings:
        """A copy with `values` applied on top (as command-line flags are)."""
        if not values:
            return self
        sources = dict(self.sources)
        sources.update({k: source for k in values})
        return replace(self, **values, sources=sources)


class SettingsError(ValueError):
    """A config file holds a key or value backdev cannot use; the message names file and key."""


def setting_fields() -> list[Any]:
    """The dataclass fields that are settings (everything but `sources`)."""
    return [f for f in fields(Settings) if f.name != "sources"]


def mask_secret(value: str | None) -> str:
    """Show only the last 4 characters of a secret, e.g. `…f00d`."""
    if not value:
        return "(not set)"
    return "…" + value[-4:] if len(value) > 4 else "…"


def _env_var_of(name: str) -> str:
    return next((var for var, key in ENV_VARS.items() if key == name), name.upper())


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and validate one YAML config file; a missing file is an empty config.

    Raises:
        SettingsError: on a file that is not UTF-8 or not valid YAML, a top level that is not a
            mapping, an unknown key or a value of the wrong kind. The message names the file and the key.
    """
    return _read_config(path)[1]


def _read_config(path: Path) -> tuple[str | None, dict[str, Any]]:
    """(the file's text, or None when it is absent; its checked values)."""
    try:
        text = read_capped(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return None, {}
    except FileTooLarge as exc:
        raise SettingsError(f"{exc}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                            "save it as UTF-8.") from exc
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror}).") from exc
    return text, _check_config(path, text)


def _check_config(path: Path, text: str) -> dict[str, Any]:
    try:
        raw = load_yaml(text)
    except YamlProblem as exc:
        where = f" line {exc.line}" if exc.line else ""
        raise SettingsError(f"{path}:{where} is not valid YAML ({exc.problem}); fix it or remove the file.") from exc

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: expected `key: value` lines at the top level.")
    known = {f.name: f for f in setting_fields()}
    checked: dict[str, Any] = {}
    for key, value in raw.items():
        spec = known.get(str(key))
        if spec is None:
            import difflib  # only for the hint in this error

            hint = difflib.get_close_matches(str(key), known, n=1)
            also = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise SettingsError(f"{path}: {key!r} is not a setting{also}; see `backdev doctor` for the list.")
        if not spec.metadata["in_files"]:
            raise SettingsError(
                f"{path}: {key!r} cannot be set in a config file; set the {_env_var_of(spec.name)} "
                "environment variable instead."
            )
        try:
            checked[key] = check_value(spec.metadata["kind"], value)
        except TypeError as exc:
            got = "" if spec.metadata["kind"] == "headers" else f" (got {value!r})"  # header values are often secrets
            raise SettingsError(f"{path}: {key!r} has the wrong type: {exc}{got}.") from exc
    return checked


Layer = tuple[Mapping[str, Any], str]  # values and the source they came from


def project_rule(name: str) -> ProjectRule:
    """What a repository's config file may do with the setting `name`."""
    for spec in setting_fields():
        if spec.name == name:
            return spec.metadata["project"]  # type: ignore[no-any-return]
    raise KeyError(name)


def _merge(layers: list[Layer]) -> Settings:
    """The layers applied in order (later wins; additive settings add up) as one Settings."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer, source in layers:
        for key, value in layer.items():
            if key in _ADDITIVE and key in values:
                values[key] = tuple(dict.fromkeys((*values[key], *value)))
                sources[key] = f"{sources[key]} + {source}"
            else:
                values[key] = value
                sources[key] = source
    return Settings(**values, sources=sources)


def _env_layers(env: Mapping[str, str]) -> list[Layer]:
    kinds = {f.name: f.metadata["kind"] for f in setting_fields()}
    layers: list[Layer] = []
    for var, key in ENV_VARS.items():
        raw = env.get(var)
        if raw:
            kind = "optional_str" if kinds[key] == "secret" else kinds[key]
            try:
                layers.append(({key: check_value(kind, raw)}, f"env {var}"))
            except TypeError as exc:
                raise SettingsError(f"environment variable {var}: {exc}.") from exc
    return layers


@dataclass(frozen=True)
class ProjectChange:
    """A setting the repository's config file would change, were it trusted.

    Attributes:
        name: the setting.
        value: what the project file sets.
        otherwise: the value that applies without the project file.
        otherwise_source: where that value comes from (`default`, `user config ...`, `env ...`).
    """

    name: str
    value: Any
    otherwise: Any
    otherwise_source: str


@dataclass(frozen=True)
class ProjectSettings:
    """The settings with and without the trust of the repository's `.backdev.yaml`.

    Attributes:
        file: the project config file (None when there is no project folder).
        text: its text as read (None when absent), which is what trust is given to.
        untrusted: the settings when the repository is not trusted: the person's own, plus the
            project values that are always allowed (`ALWAYS`, and `LOWER` values that lower).
        trusted: the settings once the repository's configuration is trusted.
        changes: what trusting changes, setting by setting (empty: nothing needs trust).
        refused: the `NEVER` keys the project file holds: ignored whether trusted or not.
    """

    file: Path | None
    text: str | None
    untrusted: Settings
    trusted: Settings
    changes: tuple[ProjectChange, ...]
    refused: tuple[str, ...]

    def settings(self, trusted: bool) -> Settings:
        """The settings that apply, given whether the repository's configuration is trusted."""
        return self.trusted if trusted else self.untrusted


def _lowers(value: Any, otherwise: Any) -> bool:
    return isinstance(value, (int, float)) and isinstance(otherwise, (int, float)) and value <= otherwise


def load_project_settings(
    project_root: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> ProjectSettings:
    """Merge every source, once without the project's gated values and once with them.

    Args:
        project_root: the repository (or folder) whose `.backdev.yaml` applies, if any.
        env: the environment to read (defaults to `os.environ`).
        flags: values given on the command line (None values are ignored).

    Raises:
        SettingsError: when a config file or an environment value is unusable.
    """
    env = os.environ if env is None else env
    user_file = paths.user_config_file()
    user: Layer = (read_config_file(user_file), f"user config {user_file}")
    above: list[Layer] = [*_env_layers(env), ({k: v for k, v in (flags or {}).items() if v is not None}, "command line")]
    project_file = project_root / PROJECT_CONFIG_NAME if project_root is not None else None
    text, project = _read_config(project_file) if project_file is not None else (None, {})
    # What applies below the environment and the flags without the project: the bar a LOWER value is measured by.
    person_below = _merge([user])
    allowed: dict[str, Any] = {}
    gated: dict[str, Any] = {}
    refused: list[str] = []
    for key, value in project.items():
        rule = project_rule(key)
        if rule is ProjectRule.NEVER:
            refused.append(key)
        elif rule is ProjectRule.ALWAYS or (rule is ProjectRule.LOWER and _lowers(value, getattr(person_below, key))):
            allowed[key] = value
        else:
            gated[key] = value
    where = f"project {project_file}"
    untrusted = _merge([user, (allowed, where), *above])
    trusted = _merge([user, (allowed, where), (gated, f"{where} (trusted)"), *above])
    changes = tuple(
        ProjectChange(key, value, getattr(untrusted, key), untrusted.source_of(key))
        for key, value in gated.items()
        if getattr(trusted, key) != getattr(untrusted, key)
    )
    return ProjectSettings(project_file, text, untrusted, trusted, changes, tuple(refused))


def load_settings(
    project_root: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    trusted: bool = False,
) -> Settings:
    """Merge every source into one frozen `Settings`.

    Args:
        project_root: the repository (or folder) whose `.backdev.yaml` applies, if any.
        env: the environment to read (defaults to `os.environ`).
        flags: values given on the command line (None values are ignored).
        trusted: whether the repository's configuration is trusted (see `backdev.trust`); when
            False its gated values are left out.

    Raises:
        SettingsError: when a config file or an environment value is unusable.
    """
    return load_project_settings(project_root, env=env, flags=flags).settings(trusted)


def default_of(name: str) -> Any:
    """The built-in default of a setting."""
    for f in setting_fields():
        if f.name == name:
            return f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
    raise KeyError(name)
