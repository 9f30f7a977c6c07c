"""The computation-graph view (key g): the loss as autograd records it, values and gradients.

Each row is a node of L = mean((y - (w*x + b))^2) in the order the forward pass made it:
its value, and after backward its gradient dL/d(node). The last lines spell out the chain
rule from L back to w and to b with the numbers of this state.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from lrtui.present.frame import Frame
from lrtui.present.text import array_text, in_words, num

# How each node is named in the view (the engine's labels are short already).
NAMES = {"+b": "ŷ = w*x+b", "y - y_hat": "y − ŷ", "square": "(y − ŷ)²", "mean": "L = mean"}


class GraphView(Widget):
    can_focus = True
    frame: reactive[Frame | None] = reactive(None)

    def __init__(self, *, ascii_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii_only  # --ascii: math symbols in words (y_hat, sum, <-)
        self.border_title = "computation graph (autograd)"

    def watch_frame(self, frame: Frame | None) -> None:
        subtitle = "" if frame is None else f"n = {frame.run.data.n:,} · g: back"
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def render(self) -> RenderableType:
        nodes = None if self.frame is None else self.frame.graph
        if nodes is None:
            return Text("the graph needs finite w and b (press r)")
        room = (self.size.width - 12) // 2  # for each number column, beside node (10) and gaps

        def fitted(value: object) -> str:
            """3 significant digits, or 2 where 3 would not fit (four values at 80x24)."""
            text = array_text(value, 3)  # type: ignore[arg-type]
            return text if len(text) <= room else array_text(value, 2)  # type: ignore[arg-type]

        table = Table(
            box=None,
            padding=(0, 1),
            show_edge=False,
            pad_edge=False,  # with collapse_padding: one space between columns, none outside
            collapse_padding=True,
            expand=False,
            show_header=self.size.height >= 13,
        )
        table.add_column("node", style="bold", no_wrap=True, min_width=10)
        table.add_column("value", no_wrap=True)
        table.add_column("dL/d(node)", no_wrap=True)
        by_label = {node.label: node for node in nodes}
        for node in nodes:
            grad = "" if node.grad is None else fitted(node.grad)
            name = NAMES.get(node.label, node.label)
            table.add_row(in_words(name) if self.ascii else name, fitted(node.value), grad)
        chain = Table.grid(padding=(0, 1))
        chain.add_column(style="bold", no_wrap=True)
        chain.add_column()
        dw, db = (by_label[name].grad for name in ("w", "b"))
        assert dw is not None and db is not None  # backward() has run
        rows = [f"dL/dw = Σ dL/d(w*x)_i · x_i = {num(float(dw))}",
                f"dL/db = Σ dL/dŷ_i = {num(float(db))}"]
        for head, row in zip(("chain rule", ""), rows, strict=True):
            chain.add_row(head, in_words(row) if self.ascii else row)
        return Group(table, chain)
