"""Control characters made visible, for any text on its way to a terminal.

Only newline and tab pass as they are. Every other C0 control, DEL, every C1 control (0x80–0x9F,
which some terminals read as CSI/OSC introducers) and the bidirectional overrides and isolates
(which reorder what is shown, so `‮gnp.exe` reads as an image name) are replaced by a visible
stand-in: the Unicode control picture for C0 and DEL (`␛` for ESC, `␍` for CR), and `⟨U+XXXX⟩`
for the others. An escape sequence therefore shows as `␛]0;title␇` instead of retitling the
terminal, and nothing it carries is ever emitted.
"""

from __future__ import annotations

import functools

_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


@functools.cache
def _table() -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)}
    table[0x7F] = "\u2421"  # ␡
    table.update({code: f"⟨U+{code:04X}⟩" for code in range(0x80, 0xA0)})
    table.update({code: f"⟨U+{code:04X}⟩" for code in _BIDI})
    return table


def visible(text: str) -> str:
    """`text` with every control character except newline and tab replaced by a visible stand-in."""
    return text.translate(_table())
