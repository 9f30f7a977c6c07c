"""`--ascii`: every character on the screen is ASCII, in every view and modal.

One line filter, applied by Textual to every widget's rendered lines (borders, Markdown
bullets, the panels' arrows and Greek letters, the help, the prompt, the demo's captions),
turns each non-ASCII character into a one-cell ASCII stand-in. One cell for one cell, so the
layout is untouched; for the words a stand-in cannot say, the texts themselves use ASCII.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

_STAND_INS = {
    "-": "─━┄┅┈┉╌╍═╴╶╸╺‐‑‒–—―−",
    "|": "│┃┆┇┊┋╎╏║╵╷╹╻▏▕▎▍▌▐",
    "+": "╭╮╰╯┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬┏┓┗┛┣┫┳┻╋╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫✓",
    ">": "▸▶►›→⟶",
    "<": "◂◀◄‹←⟵",
    "^": "↑▲▴",
    "v": "↓▼▾",
    "*": "•●◦∙○◉",
    ".": "·…⋯",
    "#": "▁▂▃▄▅▆▇█▀▔",
    "d": "Δ∂",
    "l": "λ",
    "y": "ŷ",
    "2": "²",
    "E": "Σ",
    "~": "∞≈",
    "x": "×✗",
    "/": "╱",
    "\\": "╲",
    "X": "╳",
    "'": "‘’′",
    '"': "“”″",
    " ": "\u00a0\u2002\u2003\u2009",
}
TABLE = {ord(ch): ascii_ for ascii_, chars in _STAND_INS.items() for ch in chars}
TABLE.update({code: "." for code in range(0x2800, 0x2900)})  # braille dots (plots)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def to_ascii(text: str) -> str:
    """`text` with every character ASCII and the same number of cells."""
    if text.isascii():
        return text
    return _NON_ASCII.sub("?", text.translate(TABLE))


class AsciiFilter(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(to_ascii(text), style, control) for text, style, control in segments]
