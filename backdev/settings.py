"""One frozen settings object, layered: defaults < user config < project config < env < flags.

Every setting is a field of `Settings` with its kind and a one-line description in the field's
metadata; the config files may only hold those keys, with values of that kind. `sources` says
where each value came from, which is what `backdev doctor` prints.

Config files are YAML, read with `yaml.safe_load`. API keys are never read from a config file:
a project's `.backdev.yaml` is usually committed, and a key there would leak.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from backdev import paths
from backdev.yamlio import YamlProblem, load_yaml

PROJECT_CONFIG_NAME = ".backdev.yaml"

# Environment variables that feed settings, and the setting each one sets.
ENV_VARS: dict[str, str] = {
    "ANTHROPIC_API_KEY": "api_key",
    "ANTHROPIC_BASE_URL": "base_url",
    "BACKDEV_MODEL": "model",
    "BACKDEV_PERSONA": "persona",
}


def _setting(default: Any, kind: str, doc: str, *, in_files: bool = True) -> Any:
    metadata = {"kind": kind, "doc": doc, "in_files": in_files}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Every setting backdev reads, already merged from all sources."""

    model: str = _setting("sonnet", "str", "model alias (sonnet, opus, haiku) or a full model id")
    persona: str = _setting("backend-developer", "str", "persona used when none is named")
    api_key: str | None = _setting(None, "secret", "Anthropic API key (ANTHROPIC_API_KEY only)", in_files=False)
    base_url: str | None = _setting(None, "optional_str", "Messages API base URL (ANTHROPIC_BASE_URL)")
    max_tokens: int = _setting(16000, "int", "largest reply, in tokens")
    max_tool_rounds: int = _setting(25, "int", "tool calls the model may chain in one turn")
    timeout: float = _setting(120.0, "float", "seconds to wait for the API between two chunks")
    max_retries: int = _setting(2, "int", "retries the SDK makes on 429/5xx/connection errors")
    theme: str = _setting("textual-dark", "str", "Textual theme of `backdev chat`")
    side_panel: bool = _setting(True, "bool", "show the workflow panel in `backdev chat`")
    prices: Mapping[str, Any] = _setting(
        {}, "prices", "per-model price overrides: {model-id: {input, output, cache_write, cache_read}}"
    )
    # Repository context (what the model may read, and how much of it).
    read_max_bytes: int = _setting(200_000, "int", "largest slice of a file a read returns, in bytes")
    read_max_lines: int = _setting(2000, "int", "most lines a read returns")
    search_max_results: int = _setting(200, "int", "most matches a search returns")
    list_max_files: int = _setting(1000, "int", "most paths a file listing returns")
    memory_max_bytes: int = _setting(20_000, "int", "cap on each project memory file (CLAUDE.md, AGENTS.md...)")
    overview_max_tokens: int = _setting(3000, "int", "token budget of the repository overview")
    django_bases: tuple[str, ...] = _setting((), "str_list", "more base classes for the Django summary, as "
                                             "kind:dotted.Name (kind: model, view, serializer, permission)")
    # Safety: on by default; only a config file can loosen them.
    redact_secrets: bool = _setting(True, "bool", "replace secret-looking values before they reach the model")
    refuse_secret_files: bool = _setting(True, "bool", "refuse secret files (.env, keys...) to the model")
    secret_files: tuple[str, ...] = _setting((), "str_list", "more glob patterns of files never sent to the model")
    # Workflow.
    artifacts_dir: str = _setting("docs/backdev", "str", "where phase artifacts are written, inside the repository")
    test_command: tuple[str, ...] = _setting((), "str_list", "the project's test command as an argument list")
    test_timeout: float = _setting(600.0, "float", "seconds a test run may take")
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


def _check_value(kind: str, value: Any) -> Any:
    """Return `value` converted to the setting's kind, or raise TypeError saying what is expected."""
    if kind in ("str",):
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise TypeError("expected a non-empty string")
    if kind == "optional_str":
        if value is None or isinstance(value, str):
            return value or None
        raise TypeError("expected a string")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        raise TypeError("expected a positive whole number")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        raise TypeError("expected a positive number")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise TypeError("expected true or false")
    if kind == "str_list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise TypeError("expected a list of strings")
    if kind == "prices":
        return _check_prices(value)
    raise TypeError(f"cannot be set here ({kind})")


def _check_prices(value: Any) -> dict[str, Any]:
    price_keys = {"input", "output", "cache_write", "cache_read"}
    if not isinstance(value, dict):
        raise TypeError("expected a mapping of model id to prices")
    for model_id, price in value.items():
        if not isinstance(price, dict) or set(price) != price_keys:
            raise TypeError(f"{model_id}: expected exactly {', '.join(sorted(price_keys))}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in price.values()):
            raise TypeError(f"{model_id}: prices must be numbers (dollars per million tokens)")
    return dict(value)


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and validate one YAML config file; a missing file is an empty config.

    Raises:
        SettingsError: on a YAML error, a top level that is not a mapping, an unknown key or a
            value of the wrong kind. The message names the file and the key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror}).") from exc
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
                f"{path}: {key!r} cannot be set in a config file; set the ANTHROPIC_API_KEY "
                "environment variable instead."
            )
        try:
            checked[key] = _check_value(spec.metadata["kind"], value)
        except TypeError as exc:
            raise SettingsError(f"{path}: {key!r} has the wrong type: {exc} (got {value!r}).") from exc
    return checked


def load_settings(
    project_root: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge every source into one frozen `Settings`.

    Args:
        project_root: the repository (or folder) whose `.backdev.yaml` applies, if any.
        env: the environment to read (defaults to `os.environ`).
        flags: values given on the command line (None values are ignored).

    Raises:
        SettingsError: when a config file or an environment value is unusable.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def apply(layer: Mapping[str, Any], source: str) -> None:
        for key, value in layer.items():
            values[key] = value
            sources[key] = source

    user_file = paths.user_config_file()
    apply(read_config_file(user_file), f"user config {user_file}")
    if project_root is not None:
        project_file = project_root / PROJECT_CONFIG_NAME
        apply(read_config_file(project_file), f"project {project_file}")

    kinds = {f.name: f.metadata["kind"] for f in setting_fields()}
    for var, key in ENV_VARS.items():
        raw = env.get(var)
        if raw:
            kind = "optional_str" if kinds[key] == "secret" else kinds[key]
            try:
                apply({key: _check_value(kind, raw)}, f"env {var}")
            except TypeError as exc:
                raise SettingsError(f"environment variable {var}: {exc}.") from exc

    apply({k: v for k, v in (flags or {}).items() if v is not None}, "command line")
    return Settings(**values, sources=sources)


def default_of(name: str) -> Any:
    """The built-in default of a setting."""
    for f in setting_fields():
        if f.name == name:
            return f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
    raise KeyError(name)
