"""The race's standings (`lrtui race --app`): each runner's settings, status, epochs and loss,
in the gradients panel's place."""

from __future__ import annotations

from rich.table import Table
from textual.reactive import reactive
from textual.widgets import Static

from lrtui.present.frame import Frame
from lrtui.present.text import num

# The status by a mark after the runner's number: ✓ reached tol, ✗ diverged (by colour too).
MARKS = {"converged": ("✓", "green"), "diverged": ("✗", "red")}


class RaceTable(Static):
    frame: reactive[Frame | None] = reactive(None, repaint=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "the race"
        self.border_subtitle = "✓ at tol · ✗ diverged · same start and budget"

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None or not frame.runners:
            return
        # One line a runner, so that the table is no taller than the parameters panel: the
        # status as a mark in the first column, the settings cut with an ellipsis if narrow.
        table = Table(box=None, pad_edge=False, expand=True, padding=(0, 1))
        table.add_column("#", no_wrap=True)
        table.add_column("runner", no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column("epoch", no_wrap=True, justify="right")
        table.add_column("loss", no_wrap=True, justify="right")
        for k, runner in enumerate(frame.runners):
            s = runner.state
            mark, style = MARKS.get(s.status, ("", ""))
            table.add_row(f"[{style}]{k + 1}{mark}[/]" if style else f"{k + 1}{mark}",
                          runner.label, f"{s.passes:,}", num(s.loss, 4))
        self.update(table)
