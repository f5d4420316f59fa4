"""A reply's markdown cut into top-level blocks, and each block painted once into lines.

Why: Textual's `Markdown` widget builds a widget per block and lays the growing document out
again on every update, hundreds of milliseconds per update for a long reply. Here a streaming
reply is split at top-level block boundaries: every block but the last can no longer change
(CommonMark closes a block for good once the next one starts), so it is painted once into a
list of `Strip`s and kept; only the last, still-growing block is painted again per frame.

Painting uses Rich's markdown renderer with Textual's theme colours (headings, emphasis, inline
code) and Textual's own code highlighter for fences, so replies look like the `Markdown`
widget's. Links are shown with their address and are never clickable: a reply is untrusted.
Control characters are replaced by visible symbols (`backdev.safe_text.visible`) before anything
is parsed, so escape sequences in a reply never reach the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.console import Console, ConsoleOptions, RenderResult
    from textual.strip import Strip
    from textual.widget import Widget

def display_text(text: str) -> str:
    """The text as it may be shown: CRLF line ends made `\\n`, other control characters (and bidi
    overrides) made visible by the core's one sanitiser (see backdev/safe_text.py)."""
    from backdev.safe_text import visible  # the first reply, not the first frame, needs it

    return visible(text.replace("\r\n", "\n"))


@dataclass
class Block:
    """One top-level markdown block (its source, trailing blank lines removed)."""

    text: str
    kind: str  # the markdown-it token type that opens it: paragraph_open, fence, hr, ...
    painted: dict[int, list[Strip]] = field(default_factory=dict)  # width -> lines, the last two widths
    heights: dict[int, int] = field(default_factory=dict)  # width -> lines, kept when `painted` is let go


_parser: MarkdownIt | None = None


def parser() -> MarkdownIt:
    """The block parser: the same CommonMark + tables + strikethrough that Rich's renderer uses."""
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt  # the first reply, not the first frame, needs it

        _parser = MarkdownIt("commonmark").enable(["strikethrough", "table"])
    return _parser


def split_blocks(text: str, *, final: bool = False) -> tuple[list[Block], str]:
    """Cut `text` (display text) into the blocks that are finished and the rest still being written.

    Every top-level block but the last is finished; with `final` (the stream is over) so is the
    last. The rest starts at the last block's first line, so that parsing it again later gives
    the same block boundaries.
    """
    starts = [
        (token.map[0], token.map[1], token.type)
        for token in parser().parse(text)
        if token.level == 0 and token.nesting >= 0 and token.map
    ]
    if not starts:
        return [], ("" if final else text)
    line_offsets = [0] + [match.end() for match in re.finditer("\n", text)]

    def offset(line: int) -> int:
        return line_offsets[line] if line < len(line_offsets) else len(text)

    done = starts if final else starts[:-1]
    blocks = [Block(text[offset(start):offset(end)].rstrip("\n"), kind) for start, end, kind in done]
    rest = "" if final else text[offset(starts[-1][0]):]
    return blocks, rest


# --- painting ----------------------------------------------------------------------------------


# Styles parsed against a theme's variables, by theme: parsing one tokenises every variable (~4 ms a
# style on this machine), and each reply has a painter of its own, so without this every reply's first
# layout paid for a few dozen of them again (50-70 ms before its first line showed).
_PARSED_STYLES: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}


def _style_parser(variables: dict[str, str]) -> Callable[[str], Any]:
    """`parse_style(style, variables)`, remembered for these variables (a theme)."""
    from textual import markup  # the first reply, not the first frame, needs it

    parsed = _PARSED_STYLES.setdefault(tuple(sorted(variables.items())), {})

    def parse(style: str) -> Any:
        known = parsed.get(style)
        if known is None:
            known = parsed[style] = markup.parse_style(style, variables)
        return known

    return parse


class Painter:
    """Paints blocks for one widget at one width, with the widget's theme."""

    def __init__(self, widget: Widget) -> None:
        from rich.theme import Theme  # the first reply, not the first frame, needs it

        self.widget = widget
        app = widget.app
        self.console: Console = app.console
        variables = app.theme_variables
        parse_style = _style_parser(variables)
        self.base = widget.visual_style  # the widget's own colours, opaque: alpha colours blend onto it
        dark = app.current_theme.dark
        self.code_base = self.base + parse_style("on black 10%" if dark else "on white 30%")

        def rich(style: str, base: Any = None) -> Any:
            try:
                return ((base or self.base) + parse_style(style)).rich_style
            except Exception:  # a theme without the variable: plain text is fine
                return None

        def parse(style: Any) -> Any:  # the highlighter names a few dozen styles, over and over
            return parse_style(style) if isinstance(style, str) else style

        self.parse = parse
        self._code_styles: dict[Any, Any] = {}
        styles = {f"markdown.h{n}": rich(f"$markdown-h{n}-color $markdown-h{n}-text-style") for n in range(1, 7)}
        styles["markdown.code"] = rich("$text-warning 95% on $warning 10%" if dark else "$text-error 95% on $error 5%")
        styles["markdown.link"] = rich("$text-accent underline")
        styles["markdown.link_url"] = rich("$text-muted")
        styles["markdown.block_quote"] = rich("$text-muted")
        styles["markdown.hr"] = rich("$foreground 30%")
        styles["markdown.item.bullet"] = rich("$text-primary bold")
        styles["markdown.item.number"] = rich("$text-primary bold")
        self.theme = Theme({name: style for name, style in styles.items() if style is not None}, inherit=True)

    def paint(self, text: str, width: int) -> list[Strip]:
        """The lines of one markdown block at `width` cells."""
        from textual.strip import Strip  # the first reply, not the first frame, needs it

        if width <= 0 or not text.strip():
            return []
        options = self.console.options.update(width=width, min_width=width, max_width=width, height=None,
                                               highlight=False, markup=False, no_wrap=False)
        base_bg = self.base.rich_style.bgcolor
        with self.console.use_theme(self.theme):
            lines = self.console.render_lines(_markdown(text, self), options, style=self.base.rich_style, pad=False)
        # Rich pads some elements (rules, tables, lists) with blank lines; the gap between blocks is ours.
        blank = [all(not segment.text.strip() and not (segment.style and segment.style.bgcolor != base_bg)
                     for segment in line) for line in lines]
        first = blank.index(False) if False in blank else len(lines)
        last = len(lines) - blank[::-1].index(False) if False in blank else first
        lines = lines[first:last]
        return [Strip(line).simplify() for line in lines]

    def code(self, code: str, language: str) -> Any:
        """A fence, highlighted as Textual's `Markdown` does it, on a slightly shaded background."""
        from rich.padding import Padding  # the first reply, not the first frame, needs it
        from rich.text import Text
        from textual.highlight import highlight

        content = highlight(code.rstrip("\n"), language=language or "text")
        text = Text(no_wrap=False, overflow="fold")
        styles = self._code_styles
        for piece, style in content.render(self.code_base, end="", parse_style=self.parse):
            if style not in styles:
                styles[style] = (self.code_base + style).rich_style
            text.append(piece, styles[style])
        return Padding(text, (1, 0, 1, 2), style=self.code_base.rich_style, expand=True)


def _markdown(text: str, painter: Painter) -> Any:
    """Rich's markdown renderable for `text`, with our code blocks and no hyperlinks."""
    markdown = _reply_markdown_class()(text, hyperlinks=False)
    markdown.painter = painter
    return markdown


_markdown_class: Any = None


def _reply_markdown_class() -> Any:
    global _markdown_class
    if _markdown_class is not None:
        return _markdown_class
    from rich.markdown import CodeBlock, Markdown  # the first reply, not the first frame, needs it

    class ReplyCodeBlock(CodeBlock):
        painter: Painter

        @classmethod
        def create(cls, markdown: Any, token: Any) -> ReplyCodeBlock:
            block = cls((token.info or "").partition(" ")[0] or "text", markdown.code_theme)
            block.painter = markdown.painter
            return block

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            yield self.painter.code(str(self.text), self.lexer_name)

    class ReplyMarkdown(Markdown):
        elements = {**Markdown.elements, "fence": ReplyCodeBlock, "code_block": ReplyCodeBlock}
        painter: Painter

        def __init__(self, markup: str, hyperlinks: bool = False) -> None:
            # Rich builds a new parser per document (about a millisecond); one serves every block.
            self.markup = markup
            self.parsed = parser().parse(markup)
            self.code_theme = self.inline_code_theme = "monokai"
            self.justify = None
            self.style = "none"
            self.hyperlinks = hyperlinks
            self.inline_code_lexer = None

    _markdown_class = ReplyMarkdown
    return _markdown_class
