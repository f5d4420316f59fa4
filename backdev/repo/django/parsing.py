"""Python source to an `ast.Module`, whichever Python the file was written for.

`ast` of the running interpreter (3.11 at the least) parses nearly every file, fast. A file it
rejects is given to libcst, whose native parser knows the grammar of Python 3.0 to 3.15: the
newer syntax is rewritten to 3.11 syntax that means the same for a static reader (an f-string
of PEP 701 becomes a plain string of its text with `{expr}` kept, PEP 695/696 type parameters
are dropped, `type X = ...` becomes `X = ...`, PEP 758 `except A, B:` gets its parentheses, a
t-string becomes a plain string), line numbers kept, and `ast` parses the result. A file neither
can parse is reported with the reason. libcst is imported only when such a file turns up.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Parsed:
    """The module, or why there is none; `newer_syntax` when libcst had to rewrite it first."""

    module: ast.Module | None
    problem: str | None = None
    newer_syntax: bool = False


def parse_python(data: bytes, path: str) -> Parsed:
    """Parse `data` (the bytes of `path`); never raises."""
    try:
        return Parsed(ast.parse(data, path))
    except SyntaxError as exc:
        first: SyntaxError = exc
        if exc.lineno is None:  # null bytes and the like: no line to point at
            return Parsed(None, f"cannot be parsed ({exc.msg})")
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return Parsed(None, f"cannot be parsed ({exc})")
    rewritten = downgrade(data)
    if rewritten is not None:
        try:
            return Parsed(ast.parse(rewritten, path), newer_syntax=True)
        except (SyntaxError, ValueError, RecursionError):
            pass
    return Parsed(None, f"syntax error on line {first.lineno}: {first.msg}")


def downgrade(data: bytes) -> str | None:
    """`data` rewritten to Python 3.11 syntax by libcst, or None when libcst cannot parse it either."""
    try:
        import libcst  # ~0.3 s: only for files in newer syntax than this Python parses
    except ImportError:  # an install without it still summarises every 3.11-compatible file
        return None
    try:
        module = libcst.parse_module(data)
        return str(module.visit(_transformer(libcst)).code)
    except Exception:  # libcst raises ParserSyntaxError and a few others on broken input
        return None


def _transformer(cst: Any) -> Any:
    """The rewriting visitor (built here so that libcst is imported only when needed)."""
    empty = cst.Module([])

    def placeholder(node: Any) -> Any:
        parts = []
        for part in node.parts:
            if isinstance(part, (cst.FormattedStringText, getattr(cst, "TemplatedStringText", ()))):
                parts.append(part.value)
            else:
                parts.append("{" + empty.code_for_node(part.expression) + "}")
        lines = empty.code_for_node(node).count("\n")
        # Parentheses keep the line count, so every later line number stays right.
        return cst.parse_expression("(" + repr("".join(parts)) + "\n" * lines + ")")

    class Downgrade(cst.CSTTransformer):  # type: ignore[misc, name-defined]
        def leave_FormattedString(self, original: Any, updated: Any) -> Any:
            return placeholder(original)

        def leave_TemplatedString(self, original: Any, updated: Any) -> Any:
            return placeholder(original)

        def leave_FunctionDef(self, original: Any, updated: Any) -> Any:
            return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

        def leave_ClassDef(self, original: Any, updated: Any) -> Any:
            return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

        def leave_TypeAlias(self, original: Any, updated: Any) -> Any:
            return cst.Assign(targets=[cst.AssignTarget(updated.name)], value=updated.value)

        def leave_ExceptHandler(self, original: Any, updated: Any) -> Any:
            kind = updated.type
            if isinstance(kind, cst.Tuple) and not kind.lpar:
                return updated.with_changes(type=kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
            return updated

    return Downgrade()
