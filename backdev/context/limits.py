"""The model's context window and limits: from the Models API, cached, with a fallback table.

`GET /v1/models/{id}` answers with `max_input_tokens` (the context window), `max_tokens` (the
largest reply) and `capabilities`. backdev asks once per endpoint and model (`fetch_limits`, on
the first request of a session) and keeps the answer in the user's cache folder
(`models.json`, keyed by the endpoint's base URL, since a gateway may serve the same id with
another window) for `CACHE_DAYS`. A gateway or local server that does not serve the Models API
gets backdev's `FALLBACK` table, by model family, and then `DEFAULT`.

`context_window(model)` is synchronous and never reaches the network: what was fetched (in this
process or cached on disk) or else the table.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from backdev import paths

log = logging.getLogger(__name__)

CACHE_DAYS = 7
CACHE_FILE = "models.json"


@dataclass(frozen=True)
class ModelLimits:
    """What a model accepts.

    Attributes:
        model: the model id.
        max_input_tokens: the context window, in tokens.
        max_tokens: the largest `max_tokens` a request may ask for.
        capabilities: capability name → supported (`thinking`, `context_management.compact_20260112`...).
        source: `api` (the Models API), `cache` (its answer kept on disk) or `table` (the fallback).
    """

    model: str
    max_input_tokens: int
    max_tokens: int
    capabilities: Mapping[str, bool] = field(default_factory=dict)
    source: Literal["api", "cache", "table"] = "table"

    def supports(self, capability: str) -> bool:
        """Whether the Models API said the model supports `capability` (False when not known)."""
        return bool(self.capabilities.get(capability, False))


#: Published windows and reply limits by model family (ids starting with the key), for endpoints
#: that do not serve the Models API. Longest prefix wins.
FALLBACK: dict[str, tuple[int, int]] = {
    "claude-opus-4-5": (200_000, 64_000),
    "claude-sonnet-4-5": (200_000, 64_000),
    "claude-haiku-4-5": (200_000, 64_000),
    "claude-opus-4": (200_000, 32_000),
    "claude-sonnet-4": (200_000, 64_000),
    "claude-": (200_000, 64_000),
}
DEFAULT = (200_000, 32_000)

# Answers fetched in this process, by (base URL, model id).
_known: dict[tuple[str, str], ModelLimits] = {}


def fallback_limits(model: str) -> ModelLimits:
    """The table's limits for `model` (the longest matching family prefix, else `DEFAULT`)."""
    prefix = max((p for p in FALLBACK if model.startswith(p)), key=len, default=None)
    window, reply = FALLBACK[prefix] if prefix is not None else DEFAULT
    return ModelLimits(model, window, reply, {}, "table")


def limits_from_api(info: Mapping[str, Any]) -> ModelLimits | None:
    """ModelLimits from a Models API answer (None when it lacks the limits, as some gateways' do)."""
    window, reply = info.get("max_input_tokens"), info.get("max_tokens")
    if not isinstance(window, int) or window <= 0:
        return None
    fallback = fallback_limits(str(info.get("id", "")))
    return ModelLimits(str(info.get("id", "")), window, reply if isinstance(reply, int) and reply > 0
                       else fallback.max_tokens, _flatten(info.get("capabilities") or {}), "api")


def _flatten(capabilities: Mapping[str, Any], prefix: str = "") -> dict[str, bool]:
    """`{"thinking": {"supported": true, "types": {"adaptive": {"supported": true}}}}` → flat names."""
    flat: dict[str, bool] = {}
    for name, value in capabilities.items():
        if not isinstance(value, Mapping):
            continue
        key = f"{prefix}{name}"
        if isinstance(value.get("supported"), bool):
            flat[key] = value["supported"]
        nested = {k: v for k, v in value.items() if isinstance(v, Mapping)}
        flat.update(_flatten(nested, f"{key}.") if name != "types" else _flatten(nested, prefix))
    return flat


def _cache_path() -> Path:
    return paths.cache_dir() / CACHE_FILE


def _read_cache() -> dict[str, Any]:
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _key(base_url: str | None, model: str) -> str:
    return f"{base_url or 'https://api.anthropic.com'} {model}"


def cached_limits(model: str, base_url: str | None = None) -> ModelLimits | None:
    """What the Models API said about `model` at `base_url`, in this process or on disk (None: not asked yet)."""
    known = _known.get((base_url or "", model))
    if known is not None:
        return known
    entry = _read_cache().get(_key(base_url, model))
    if not isinstance(entry, dict) or time.time() - float(entry.get("at", 0)) > CACHE_DAYS * 86400:
        return None
    try:
        limits = ModelLimits(model, int(entry["max_input_tokens"]), int(entry["max_tokens"]),
                             {str(k): bool(v) for k, v in dict(entry.get("capabilities") or {}).items()}, "cache")
    except (KeyError, TypeError, ValueError):
        return None
    _known[(base_url or "", model)] = limits
    return limits


def remember(limits: ModelLimits, base_url: str | None = None) -> None:
    """Keep what the Models API said, in this process and on disk (a cache that cannot be written is no error)."""
    _known[(base_url or "", limits.model)] = limits
    data = _read_cache()
    entry = {k: v for k, v in asdict(limits).items() if k not in ("model", "source")}
    data[_key(base_url, limits.model)] = {**entry, "at": time.time()}
    try:
        paths.ensure_dir(_cache_path().parent)
        _cache_path().write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    except OSError as exc:
        log.info("could not write the model cache: %s", exc)


def model_limits(model: str, base_url: str | None = None) -> ModelLimits:
    """The limits of `model`: what the Models API said (fetched or cached), else the fallback table."""
    return cached_limits(model, base_url) or fallback_limits(model)


def context_window(model: str, base_url: str | None = None) -> int:
    """The context window of `model`, in tokens (see the module docstring; never reaches the network)."""
    return model_limits(model, base_url).max_input_tokens


async def fetch_limits(provider: Any, model: str) -> ModelLimits:
    """The limits of `model`, asking the provider's Models API once per endpoint and model.

    A provider without `model_info`, or an endpoint that does not answer, gives the table's
    limits (and is asked again in the next process, not on every request of this one).
    """
    base_url = getattr(provider, "base_url", None)
    known = cached_limits(model, base_url)
    if known is not None:
        return known
    ask = getattr(provider, "model_info", None)
    info = await ask(model) if ask is not None else None
    limits = limits_from_api(info) if info else None
    if limits is None:
        limits = fallback_limits(model)
        _known[(base_url or "", model)] = limits  # not on disk: a gateway may serve the Models API later
        return limits
    remember(limits, base_url)
    return limits


def forget() -> None:
    """Drop what this process knows (tests; a changed endpoint)."""
    _known.clear()
