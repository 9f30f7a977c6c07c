"""The race's standings (`lrtui race --app`): each runner's settings, status, epochs and loss,
in the gradients panel's place."""

from __future__ import annotations

from rich import box
from rich.table import Table
from textual.reactive import reactive
from textual.widgets import Static

from lrtui.present.frame import Frame
from lrtui.present.text import num

MARKS = {"converged": ("tol", "green"), "diverged": ("diverged", "red"),
         "running": ("running", ""), "ready": ("ready", "")}


class RaceTable(Static):
    frame: reactive[Frame | None] = reactive(None, repaint=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "the race"
        self.border_subtitle = "same start, budget and tol for every runner"

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None or not frame.runners:
            return
        table = Table("#", "runner", "status", "epoch", "loss", box=box.SIMPLE_HEAD,
                      pad_edge=False, expand=True)
        for k, runner in enumerate(frame.runners):
            s = runner.state
            word, style = MARKS.get(s.status, (s.status, ""))
            table.add_row(str(k + 1), runner.label, f"[{style}]{word}[/]" if style else word,
                          f"{s.passes:,}", num(s.loss, 4))
        self.update(table)
