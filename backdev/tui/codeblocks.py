"""The fenced code blocks of a reply's markdown, for "copy a code block" (the logical text)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeBlock:
    language: str
    code: str

    @property
    def line_count(self) -> int:
        """Lines of code (a final newline ends the last line; it does not start another)."""
        return self.code.count("\n") + (0 if self.code.endswith("\n") else 1)

    @property
    def preview(self) -> str:
        first = next((line.strip() for line in self.code.splitlines() if line.strip()), "(empty)")
        lines = self.line_count
        return f"{self.language or 'text'} · {lines} line{'s' if lines != 1 else ''} · {first[:60]}"


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Fenced and indented code blocks in order, parsed the way the Markdown widget parses them."""
    from markdown_it import MarkdownIt  # loaded with the first reply, not the first frame

    tokens = MarkdownIt("gfm-like").parse(markdown)
    return [
        CodeBlock(token.info.strip().split(" ")[0] if token.type == "fence" else "", token.content)
        for token in tokens
        if token.type in ("fence", "code_block")
    ]
