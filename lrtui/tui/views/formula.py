"""The formula view (key f): the gradient and the update with the current numbers.

Plain gradient descent shows w ← w − lr·dL/dw; any other rule (momentum, weight decay, Adam,
AdamW, RMSprop, Adagrad) shows its own equations as torch.optim's docs write them, each with
the current numbers put in and the value it gives, down to the next w and b (the engine's
own next record). When the terminal is short the panel drops detail to leave the plots their
room (DETAIL): b's equations first (b's gradient, new buffers and value in a line or two
instead), then the gradient's terms (its sums, then only g = dL/dw), then the numbers of w's
intermediate equations (their values stay, and w's update keeps its numbers).
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from lrtui.present.formulas import Equation, GradientFormula, UpdateFormula, update_formula
from lrtui.present.frame import Frame
from lrtui.present.text import in_words, num

# Symbols of the update rules that in_words does not know, in ASCII words for --ascii.
GREEK = {"β₁": "beta1", "β₂": "beta2", "μ": "mu", "τ": "tau", "α": "alpha", "ε": "eps"}
PLOT_ROOM = 11  # rows the rest of the screen keeps below the panel (plots, bars, border)
DIGITS = (6, 5, 4, 3)  # significant digits tried for an equation's inputs, most first
# The levels of detail tried, most first, until the panel fits its room: the gradient's terms
# (True), its sums (False) or neither (None); b's equations ("full"), b's gradient, buffers and
# value on a line or two ("line") or only b's new value ("value"); w's intermediate numbers.
DETAIL = ((True, "full", True), (True, "line", True), (False, "line", True),
          (None, "line", True), (None, "value", True), (None, "line", False),
          (None, "value", False))


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


def _words(text: str) -> list[str]:
    """The words of `text`, an operator kept with the word after it ("+ eps")."""
    words: list[str] = []
    for word in text.split(" "):
        if words and words[-1] in ("+", "-", "−", "=", "<-", "←"):
            words[-1] += " " + word
        else:
            words.append(word)
    return words


def fold(pieces: list[str], width: int, indent: str = "  ") -> list[str]:
    """The pieces joined by spaces into lines of at most `width` characters, broken only
    between pieces (continuation lines indented); a piece too long for a line of its own is
    broken at its spaces, never inside a number."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
            continue
        head = indent if lines else ""
        line = head
        for word in _words(piece):
            if line.strip() and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = indent * 2 + word
            else:
                line += (" " if line.strip() else "") + word
        lines.append(line)
    return lines


def gradient_lines(f: GradientFormula, width: int) -> list[str]:
    """dL/dw and dL/db with the numbers in: every term (few points) or the sums."""
    n = f.n
    lines = ["dL/dw = 2/n · Σ x_i·(ŷ_i − y_i)"]
    if f.x is not None and f.errors is not None:
        listed = [_term(x, e) for x, e in zip(f.x, f.errors, strict=True)]
        lines += wrap_terms(f"      = 2/{n}·[", listed, "]", width)
        lines.append(f"      = 2/{n} · {num(f.sum_w)} = {num(f.dw)}")
        lines.append("dL/db = 2/n · Σ (ŷ_i − y_i)")
        lines += wrap_terms(
            f"      = 2/{n}·[", [num(e, 3) for e in f.errors], f"] = {num(f.db)}", width
        )
    else:
        lines.append(f"      = 2/{n:,} · {num(f.sum_w)} = {num(f.dw)}   (sum over all points)")
        lines.append(f"dL/db = 2/n · Σ (ŷ_i − y_i) = 2/{n:,} · {num(f.sum_b)} = {num(f.db)}")
    return lines


class FormulaView(Widget):
    """dL/dw = 2/n * sum(x_i*(y_hat_i - y_i)) = ... and the rule's update with the numbers."""

    can_focus = True
    frame: reactive[Frame | None] = reactive(None)

    def __init__(self, *, ascii_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii_only  # --ascii: math symbols in words (y_hat, sum, <-)
        self.border_title = "gradient formulas"
        self.border_subtitle = "f: back to the numbers"

    def say(self, text: str) -> str:
        """`text` as shown: under --ascii every math symbol in words."""
        if not self.ascii:
            return text
        for symbol, word in GREEK.items():
            text = text.replace(symbol, word)
        text = re.sub(r"√(\w+)", r"sqrt(\1)", text).replace("√", "sqrt")
        return in_words(text)

    def equation(self, eq: Equation, width: int, numbers: bool = True) -> list[str]:
        """One equation, `symbols = numbers = value` (without the numbers: `symbols = value`),
        folded to the width: its inputs with the digits (of DIGITS) that take the fewest lines
        and break no part at its spaces, the most such; failing that, the fewest digits."""
        best: list[str] | None = None
        for digits in DIGITS:
            pieces = [self.say(eq.symbols)]
            if eq.template and numbers:
                pieces.append("= " + self.say(eq.numbers(digits)))
            pieces.append(f"= {self.say(num(eq.value))}")
            lines = fold(pieces, width)
            whole = all(len(piece) <= width - 2 for piece in pieces)  # none broken inside
            if whole and (best is None or len(lines) < len(best)):
                best = lines
        return best or lines

    def update_lines(self, u: UpdateFormula, width: int, b_shown: str,
                     numbers: bool = True) -> list[str]:
        """w's equations (without `numbers`, only the last, the update itself, with its
        numbers), then b's as `b_shown` says (DETAIL)."""
        last = len(u.w) - 1
        lines = [line for i, eq in enumerate(u.w)
                 for line in self.equation(eq, width, numbers or i == last)]
        if b_shown == "full":
            return lines + [line for eq in u.b for line in self.equation(eq, width)]
        if b_shown == "value":
            return lines + fold([self.say(f"b ← {num(u.b_next)}"), "(the same on dL/db)"], width)
        said = [f"{name} = {num(value)}," for name, value in u.buffers_b]
        pieces = ["b: the same with g =", f"{num(u.b[0].value)}:", *said,
                  f"b ← {num(u.b_next)}"]
        return lines + fold([self.say(p) for p in pieces], width)

    def gradient(self, f: GradientFormula, width: int, terms: bool | None) -> list[str]:
        """The gradient's lines: as plain descent shows them (`terms`), only the sums
        (False), or none (None)."""
        if terms:
            return [self.say(line) for line in gradient_lines(f, width)]
        if terms is None:
            return []
        n = f"{f.n:,}"
        return [*fold([self.say("dL/dw = 2/n · Σ x_i·(ŷ_i − y_i)"),
                       f"= 2/{n} · {num(f.sum_w)}", f"= {num(f.dw)}"], width),
                *fold([self.say("dL/db = 2/n · Σ (ŷ_i − y_i)"),
                       f"= 2/{n} · {num(f.sum_b)}", f"= {num(f.db)}"], width)]

    def _room(self) -> int:
        """The most lines the panel may take and leave the plots their room."""
        screen = self.screen
        return max(6, screen.size.height - PLOT_ROOM - 2 - (3 if screen.has_class("-wide") else 0))

    def render(self) -> Text:
        if self.frame is None:
            return Text("")
        frame, f = self.frame, self.frame.formula
        width = max(20, self.size.width)
        if frame.run.theory.hyper.is_plain:  # w ← w − lr·dL/dw
            self.border_title = "gradient formulas"
            lines = gradient_lines(f, width)  # (exactly as before the other rules came)
            lines.append(f"w ← w − lr·dL/dw = {num(f.w)} − {num(f.lr)}·{num(f.dw)} = "
                         f"{num(f.w_next)}")
            lines.append(f"b ← b − lr·dL/db = {num(f.b)} − {num(f.lr)}·{num(f.db)} = "
                         f"{num(f.b_next)}")
            text = "\n".join(lines)
            return Text(in_words(text) if self.ascii else text, no_wrap=True,
                        overflow="ellipsis")
        u = update_formula(frame.rule, frame.stepping_state)
        self.border_title = f"{u.optimizer} formulas (t = {u.t:,})"  # the t-th update next
        room = self._room()
        # (the gradient's terms, or its sums, or none; b's equations; w's intermediate numbers)
        for terms, b_shown, numbers in DETAIL:
            head = self.gradient(f, width, terms)
            lines = head + self.update_lines(u, width, b_shown, numbers)
            if len(lines) <= room:
                break
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")
