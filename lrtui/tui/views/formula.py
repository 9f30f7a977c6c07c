"""The formula view (key f): the gradient and the update with the current numbers."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from lrtui.present.frame import Frame
from lrtui.present.text import in_words, num


def _term(x: float, e: float) -> str:
    return f"({num(x, 3)})({num(e, 3)})"


def wrap_terms(head: str, terms: list[str], tail: str, width: int, indent: int = 8) -> list[str]:
    """head + terms joined by ' + ' + tail, broken into lines of at most `width` characters,
    continuation lines indented (the wrapping Textual would do loses the alignment)."""
    lines, line = [], head
    for i, term in enumerate(terms):
        piece = term if i == 0 else f" + {term}"
        if len(line) + len(piece) > width and line.strip():
            lines.append(line)
            line = " " * indent + piece.lstrip(" ")
        else:
            line += piece
    if len(line) + len(tail) > width:
        lines.append(line)
        line = " " * indent + tail.lstrip()
    else:
        line += tail
    lines.append(line)
    return lines


class FormulaView(Widget):
    """dL/dw = 2/n * sum(x_i*(y_hat_i - y_i)) = ... and w <- w - lr*dL/dw = ..."""

    can_focus = True
    frame: reactive[Frame | None] = reactive(None)

    def __init__(self, *, ascii_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii_only  # --ascii: math symbols in words (y_hat, sum, <-)
        self.border_title = "gradient formulas"
        self.border_subtitle = "f: back to the numbers"

    def render(self) -> Text:
        if self.frame is None:
            return Text("")
        f = self.frame.formula
        n = f.n
        width = max(20, self.size.width)
        lines = ["dL/dw = 2/n · Σ x_i·(ŷ_i − y_i)"]
        if f.x is not None and f.errors is not None:
            terms = [_term(x, e) for x, e in zip(f.x, f.errors, strict=True)]
            lines += wrap_terms(f"      = 2/{n}·[", terms, "]", width)
            lines.append(f"      = 2/{n} · {num(f.sum_w)} = {num(f.dw)}")
            lines.append("dL/db = 2/n · Σ (ŷ_i − y_i)")
            lines += wrap_terms(
                f"      = 2/{n}·[", [num(e, 3) for e in f.errors], f"] = {num(f.db)}", width
            )
        else:
            lines.append(f"      = 2/{n:,} · {num(f.sum_w)} = {num(f.dw)}   (sum over all points)")
            lines.append(f"dL/db = 2/n · Σ (ŷ_i − y_i) = 2/{n:,} · {num(f.sum_b)} = {num(f.db)}")
        lines.append(f"w ← w − lr·dL/dw = {num(f.w)} − {num(f.lr)}·{num(f.dw)} = {num(f.w_next)}")
        lines.append(f"b ← b − lr·dL/db = {num(f.b)} − {num(f.lr)}·{num(f.db)} = {num(f.b_next)}")
        text = "\n".join(lines)
        return Text(in_words(text) if self.ascii else text, no_wrap=True, overflow="ellipsis")
