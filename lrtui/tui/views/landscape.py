"""The loss map view (key c): L(w, b) as contour levels, with the run on it.

The scene comes from `Frame.map_scene` (lrtui/present/landscape.py); this widget only paints
it, two lines of scale and legend under it, and turns a click or the cursor keys and enter
into a new start: the app's `apply_settings({"w": ..., "b": ...})`, as the prompt's `w` and
`b` do, so the run restarts there.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from lrtui.present.frame import Frame
from lrtui.present.landscape import LEVEL_CHARS, Window
from lrtui.present.text import num

# One colour per contour level, innermost (low loss) to outermost, in the 16 ANSI colours;
# the levels' characters differ too, for mono and for colour-blind eyes.
LEVEL_STYLES = ("bright_blue", "blue", "cyan", "green", "yellow", "bright_yellow", "red",
                "magenta")
STYLES = {"axis": "dim", "label": "bold", "path": "bright_white", "start": "bold green",
          "now": "bold bright_red", "opt": "bold bright_green", "arrow": "bold red",
          "cursor": "reverse bold", "runner2": "bold magenta", "runner3": "bold yellow",
          "runner4": "bold green"}
FOOTER = 2  # lines under the grid: the scale and the legend


class MapView(Widget):
    can_focus = True
    frame: reactive[Frame | None] = reactive(None)
    cursor: reactive[tuple[int, int] | None] = reactive(None)

    BINDINGS = [
        Binding("up", "move_cursor(0, -1)", "cursor up", show=False),
        Binding("down", "move_cursor(0, 1)", "cursor down", show=False),
        Binding("left", "move_cursor(-1, 0)", "cursor left", show=False),
        Binding("right", "move_cursor(1, 0)", "cursor right", show=False),
        Binding("enter", "pick", "restart here", show=False),
    ]

    def __init__(self, *, ascii_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii_only
        self.border_title = "loss map L(w, b)"

    def watch_frame(self, frame: Frame | None) -> None:
        subtitle = "click, or arrows and enter: a new start · c: back"
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        title = "loss map L(w, b)"
        if frame is not None:
            kappa = frame.run.theory.condition_number
            said = "inf" if math.isinf(kappa) else num(kappa, 3)
            title += f" · {'kappa' if self.ascii else 'κ'} = {said}"
            if frame.run.scaling.kind != "none":
                title += f" · scale {frame.run.scaling.kind}"
        if title != self.border_title:
            self.border_title = title

    @property
    def grid_size(self) -> tuple[int, int]:
        return max(0, self.content_size.width), max(0, self.content_size.height - FOOTER)

    def render(self) -> RenderableType:
        frame = self.frame
        if frame is None:
            return Text("")
        cols, rows = self.grid_size
        scene = frame.map_scene(cols, rows, self.ascii, self.cursor)
        if scene is None:
            return Text("no map: every x is equal, so the valley's floor is a line "
                        "(the optimum is not unique)")
        text = Text(no_wrap=True, overflow="crop")
        for chars, kinds in zip(scene.chars, scene.kinds, strict=True):
            run_kind, run = kinds[0], list[str]()
            for char, kind in zip(chars, kinds, strict=True):
                if kind != run_kind:
                    text.append("".join(run), _style(run_kind))
                    run_kind, run = kind, []
                run.append(char)
            text.append("".join(run), _style(run_kind))
            text.append("\n")
        win = scene.win
        to, lam = ("..", "lambda") if self.ascii else ("…", "λ")
        text.append(f"w {num(win.w_lo)} {to} {num(win.w_hi)}  b {num(win.b_lo)} {to} "
                    f"{num(win.b_hi)}  {lam} {num(scene.eigen[0])}, {num(scene.eigen[1])}\n",
                    "dim")
        legend = Text("L-L*: " if self.ascii else "L−L*: ", style="dim")
        last = len(scene.levels) - 1
        for k, level in enumerate(scene.levels):
            if k in (0, 1, last):
                legend.append(LEVEL_CHARS[k], LEVEL_STYLES[k])
                legend.append(f"={level:.2g} ", "dim")
            elif k == 2:
                legend.append(f"{to} ", "dim")
        text.append_text(legend)
        return text

    # -- choosing a start --------------------------------------------------------------------

    def _window(self) -> Window | None:
        frame = self.frame
        if frame is None:
            return None
        scene = frame.map_scene(*self.grid_size, self.ascii, self.cursor)
        return None if scene is None else scene.win

    def on_click(self, event: events.Click) -> None:
        win, offset = self._window(), event.get_content_offset(self)
        if win is not None and offset is not None and 0 <= offset.x < win.cols \
                and 0 <= offset.y < win.rows:
            self.restart_at(win, offset.x, offset.y)

    def action_move_cursor(self, dx: int, dy: int) -> None:
        win = self._window()
        if win is None:
            return
        if self.cursor is None:  # it appears on the current point (or the middle)
            frame = self.frame
            here = None if frame is None else win.cell_of(frame.state.w, frame.state.b)
            self.cursor = here or (win.cols // 2, win.rows // 2)
        col, row = self.cursor
        self.cursor = (min(max(col + dx, 0), win.cols - 1), min(max(row + dy, 0), win.rows - 1))

    def action_pick(self) -> None:
        win = self._window()
        if win is not None and self.cursor is not None:
            self.restart_at(win, *self.cursor)

    def restart_at(self, win: Window, col: int, row: int) -> None:
        """Restart the run from the centre of a cell, rounded to the cell's precision."""
        w, b = win.center(col, row)
        digits = max(0, 1 - math.floor(math.log10(win.cell)))
        self.cursor = None
        self.app.apply_settings({"w": round(w, digits), "b": round(b, digits)})  # type: ignore[attr-defined]

    def on_blur(self) -> None:
        self.cursor = None


def _style(kind: str) -> str:
    if kind.startswith("level"):
        return LEVEL_STYLES[int(kind[5:])]
    return STYLES.get(kind, "")
