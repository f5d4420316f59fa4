"""What a value of each kind of setting may be: the checks behind `backdev.settings`.

`check_value(kind, value)` returns the value as the setting holds it, or raises TypeError with
what was expected (the caller names the file, the key and, unless it may be secret, the value).
"""

from __future__ import annotations

from typing import Any


def check_value(kind: str, value: Any) -> Any:
    """Return `value` converted to the setting's kind, or raise TypeError saying what is expected."""
    if kind in ("str",):
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise TypeError("expected a non-empty string")
    if kind == "optional_str":
        if value is None or isinstance(value, str):
            return value or None
        raise TypeError("expected a string")
    if kind == "database_url":  # checked when the database is attached (a note, not an error at start)
        if value is None or isinstance(value, str):
            return value.strip() or None if value else None
        raise TypeError("expected a URL such as mysql://user:password@127.0.0.1:3306/database")
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
    if kind == "share":  # a share of the context window
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1:
            return float(value)
        raise TypeError("expected a share of the context window between 0 and 1, e.g. 0.8")
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
    from urllib.parse import urlparse  # only when such a setting is given

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
    import re  # only when such a setting is given

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
