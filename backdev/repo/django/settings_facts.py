"""The settings values a summary shows, from the names `settings_reader` ends with.

INSTALLED_APPS as the union of its alternatives (an app only some branches add says when);
DATABASES per alias with every engine it may have and when ("MySQL when DB=mysql, otherwise
SQLite"), engines chosen by an environment variable with their default, and URLs read by
`env.db()` / `dj_database_url` with the engine their default URL's scheme gives.
"""

from __future__ import annotations

import re
from typing import Any

from backdev.repo.django.facts import Alternative, DatabaseInfo
from backdev.repo.django.values import Alt, DbUrl, EngineChoice, EnvVar, Names, Unknown

ENGINE_NAMES = (("postgis", "PostgreSQL/PostGIS"), ("mysql", "MySQL"), ("mariadb", "MySQL"), ("postgres", "PostgreSQL"),
                ("psql", "PostgreSQL"), ("pgsql", "PostgreSQL"), ("spatialite", "SQLite/SpatiaLite"), ("sqlite", "SQLite"),
                ("oracle", "Oracle"), ("mssql", "SQL Server"), ("sql_server", "SQL Server"), ("cockroach", "CockroachDB"),
                ("djongo", "MongoDB"), ("mongo", "MongoDB"))
URL_SCHEMES = {"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "pgsql": "PostgreSQL", "psql": "PostgreSQL",
               "postgis": "PostgreSQL/PostGIS", "mysql": "MySQL", "mysql2": "MySQL", "mysqlgis": "MySQL",
               "mariadb": "MySQL", "sqlite": "SQLite", "spatialite": "SQLite/SpatiaLite", "oracle": "Oracle",
               "mssql": "SQL Server", "cockroach": "CockroachDB"}


def engine_kind(engine: str) -> str | None:
    """`django.db.backends.mysql` → MySQL (custom backends by the word they contain)."""
    lowered = engine.lower()
    return next((name for key, name in ENGINE_NAMES if key in lowered), None)


def when_text(when: tuple[str, ...]) -> str | None:
    """The conditions of an alternative as words; None when it holds otherwise."""
    shown = [w for w in when if not w.startswith("¬")]
    return " and ".join(shown) if shown else None


def _common(whens: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The conditions every one of `whens` has: an engine chosen in several branches holds in all."""
    first = whens[0]
    return tuple(w for w in first if all(w in other for other in whens[1:]))


def _engine_of(value: Any) -> str:
    if isinstance(value, str):
        kind = engine_kind(value)
        return f"{kind} ({value})" if kind else value
    if isinstance(value, EnvVar):
        default = f", default {_engine_of(value.default)}" if isinstance(value.default, str) else ""
        return f"set by the environment variable {value.name}{default}"
    if isinstance(value, DbUrl):
        return _url(value)
    if isinstance(value, EngineChoice):
        kinds = list(dict.fromkeys(engine_kind(e) or e for e in value.engines))
        by = f" from {', '.join(value.variables)}" if value.variables else ""
        return f"one of {', '.join(kinds)} (chosen by {value.function}(){by})"
    if isinstance(value, Unknown):
        return f"from {value.text}"
    return "not set"


def _url(value: DbUrl) -> str:
    where = f"from the URL in {value.variable}" if value.variable else "from a database URL"
    default = value.default
    if isinstance(default, EnvVar):
        where, default = f"from the URL in {default.name}", default.default
    if isinstance(default, str) and "://" in default:
        kind = URL_SCHEMES.get(default.split("://", 1)[0].split("+", 1)[0].lower())
        return f"{where} (default {kind or default.split('://', 1)[0]} URL)"
    if isinstance(default, str) and default:
        return f"{where} (default {default})"
    return f"{where} (the engine is the URL's scheme)"


def databases(alternatives: list[Alt]) -> list[DatabaseInfo]:
    """Each alias of DATABASES with its possible engines (and when), in the order they appear."""
    seen: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    for alt in alternatives:
        value = alt.value
        if not isinstance(value, dict):
            value = {"default": value}
        for alias, config in value.items():
            engine = (_engine_of(config.get("ENGINE")) if "ENGINE" in config else "ENGINE not set") \
                if isinstance(config, dict) else _engine_of(config)
            seen.setdefault(str(alias), {}).setdefault(engine, []).append(alt.when)
    result = []
    for alias, engines in seen.items():
        info = DatabaseInfo(alias)
        for engine, whens in engines.items():
            info.engines.append(Alternative(engine, when_text(_common(whens)) if len(engines) > 1 else None))
        info.engines.sort(key=lambda e: e.when is None)  # "otherwise" last
        result.append(info)
    return result


def installed_apps(alternatives: list[Alt]) -> list[tuple[str, str | None]]:
    """(entry, the condition it is installed under or None), in order, from every alternative."""
    seen: dict[str, list[str | None]] = {}
    lists = [(alt, [v for v in alt.value if isinstance(v, str)]) for alt in alternatives if isinstance(alt.value, (list, tuple))]
    for alt, entries in lists:
        for entry in entries:
            seen.setdefault(entry, []).append(when_text(alt.when))
    result = []
    for entry, conditions in seen.items():
        always = len(conditions) == len(lists) or None in conditions and len(lists) == 1
        result.append((entry, None if always else next((c for c in conditions if c), None)))
    return result


def first_text(names: Names, key: str) -> str | None:
    for alt in names.get(key, []):
        if isinstance(alt.value, str):
            return alt.value
    return None


_DOTTED = re.compile(r"[A-Za-z_][\w.]*")


def rest_framework(names: Names) -> dict[str, str]:
    """REST_FRAMEWORK defaults, classes shortened to their names."""
    shown: dict[str, str] = {}
    value = next((a.value for a in names.get("REST_FRAMEWORK", []) if isinstance(a.value, dict)), {})
    for key, item in value.items():
        items = item if isinstance(item, (list, tuple)) else [item]
        texts = [i.rsplit(".", 1)[-1] if isinstance(i, str) and _DOTTED.fullmatch(i) else
                 i.text if isinstance(i, Unknown) else str(i) for i in items]
        shown[str(key)] = ", ".join(texts)
    return shown


_CLIENTS = (("MySQL", re.compile(r"(?im)^\s*['\"]?(mysqlclient|pymysql|mysql-connector-python|django-mysql)\b")),
            ("PostgreSQL", re.compile(r"(?im)^\s*['\"]?(psycopg2?(-binary)?|psycopg\[?|asyncpg)\b")),
            ("Oracle", re.compile(r"(?im)^\s*['\"]?(cx[-_]oracle|oracledb)\b")),
            ("SQL Server", re.compile(r"(?im)^\s*['\"]?(mssql-django|django-mssql-backend)\b")))
_IMAGES = (("MySQL", re.compile(r"(?im)^\s*image:\s*['\"]?[\w./-]*(mysql|mariadb)[:'\"\s]")),
           ("PostgreSQL", re.compile(r"(?im)^\s*image:\s*['\"]?[\w./-]*(postgres|postgis)[\w-]*[:'\"\s]")))


def engine_hints(dependency_texts: list[tuple[str, str]], compose_texts: list[tuple[str, str]]) -> list[str]:
    """Evidence of the engine when the settings leave it to the environment: DB clients, compose images."""
    hints: dict[str, list[str]] = {}
    for kind, pattern in _CLIENTS:
        for name, text in dependency_texts:
            match = pattern.search(text)
            if match:
                hints.setdefault(kind, []).append(f"{match.group(1).strip('[')} in {name}")
                break
    for kind, pattern in _IMAGES:
        for name, text in compose_texts:
            if pattern.search(text):
                hints.setdefault(kind, []).append(f"a {kind} image in {name}")
                break
    return [f"{kind} ({'; '.join(evidence)})" for kind, evidence in hints.items()]


def undetermined(databases_found: list[DatabaseInfo]) -> bool:
    """Whether some engine is left to a URL or variable without a default, or unknown."""
    return not databases_found or any(
        "the engine is the URL's scheme" in e.value or (e.value.startswith(("set by", "from "))
                                                         and "(default " not in e.value and ", default " not in e.value)
        for d in databases_found for e in d.engines)
