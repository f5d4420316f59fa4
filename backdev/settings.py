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
    "ANTHROPIC_AUTH_TOKEN": "auth_token",
    "ANTHROPIC_BASE_URL": "base_url",
    "BACKDEV_MODEL": "model",
    "BACKDEV_PERSONA": "persona",
}


def _setting(default: Any, kind: str, doc: str, *, in_files: bool = True, user_only: bool = False) -> Any:
    metadata = {"kind": kind, "doc": doc, "in_files": in_files, "user_only": user_only}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Every setting backdev reads, already merged from all sources."""

    model: str = _setting("sonnet", "str", "model alias (sonnet, opus, haiku) or a full model id")
    persona: str = _setting("backend-developer", "str", "persona used when none is named")
    api_key: str | None = _setting(None, "secret", "Anthropic API key (ANTHROPIC_API_KEY only)", in_files=False)
    auth_token: str | None = _setting(None, "secret", "bearer token for a gateway (ANTHROPIC_AUTH_TOKEN only)",
                                      in_files=False)
    base_url: str | None = _setting(None, "url", "Messages API base URL (ANTHROPIC_BASE_URL)")
    headers: Mapping[str, str] = _setting({}, "headers", "extra HTTP headers sent with every API request (user config "
                                          "only)", user_only=True)
    max_tokens: int = _setting(16000, "int", "largest reply, in tokens")
    max_tool_rounds: int = _setting(25, "int", "tool calls the model may chain in one turn")
    timeout: float = _setting(120.0, "float", "seconds to wait for the API between two chunks")
    max_retries: int = _setting(2, "count", "retries the SDK makes on 429/5xx/connection errors (0: none)")
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
    if kind == "count":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise TypeError("expected a whole number, 0 or more")
    if kind == "url":
        if value is None or value == "":
            return None
        if isinstance(value, str) and not url_problem(value):
            return value.strip()
        raise TypeError(url_problem(value) if isinstance(value, str) else "expected a URL")
    if kind == "headers":
        return _check_headers(value)
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


def url_problem(value: str) -> str:
    """Why `value` is not a usable API base URL (`http(s)://host[:port][/path]`), or ''."""
    from urllib.parse import urlparse

    text = value.strip()
    try:
        parsed = urlparse(text)
        parsed.port  # noqa: B018 — raises ValueError for a port that is not a number
    except ValueError:
        return f"{value!r} is not a URL: expected http(s)://host[:port]"
    if parsed.scheme not in ("http", "https") or not parsed.hostname or " " in text:
        return f"{value!r} is not a URL: expected http(s)://host[:port]"
    return ""


def _check_headers(value: Any) -> dict[str, str]:
    import re

    if not isinstance(value, dict):
        raise TypeError("expected a mapping of header name to value")
    for name, header in value.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name):
            raise TypeError(f"{name!r} is not an HTTP header name")
        if not isinstance(header, str) or any(c in header for c in "\r\n\0"):
            raise TypeError(f"{name}: the value must be one line of text")
    return dict(value)


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


def _env_var_of(name: str) -> str:
    return next((var for var, key in ENV_VARS.items() if key == name), name.upper())


def read_config_file(path: Path, *, project: bool = False) -> dict[str, Any]:
    """Read and validate one YAML config file; a missing file is an empty config.

    Args:
        path: the file.
        project: True for a project's `.backdev.yaml`, which may not hold user-only settings
            (`headers`: what is sent to the API is the person's to decide, never a repository's).

    Raises:
        SettingsError: on a file that is not UTF-8 or not valid YAML, a top level that is not a
            mapping, an unknown key or a value of the wrong kind. The message names the file and the key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                            "save it as UTF-8.") from exc
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
                f"{path}: {key!r} cannot be set in a config file; set the {_env_var_of(spec.name)} "
                "environment variable instead."
            )
        if project and spec.metadata["user_only"]:
            raise SettingsError(f"{path}: {key!r} can only be set in your user config ({paths.user_config_file()}), "
                                "never in a project's file; remove it from this one.")
        try:
            checked[key] = _check_value(spec.metadata["kind"], value)
        except TypeError as exc:
            got = "" if spec.metadata["kind"] == "headers" else f" (got {value!r})"  # header values are often secrets
            raise SettingsError(f"{path}: {key!r} has the wrong type: {exc}{got}.") from exc
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
        apply(read_config_file(project_file, project=True), f"project {project_file}")

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
