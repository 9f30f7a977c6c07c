"""The two number panels: parameters and gradients.

Each number is its own one-line `Value` widget, so when a step changes w but not lr, only
w's cells are repainted: Textual repaints a refreshed widget's whole region, and small
regions are what keep the app light over SSH.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Label

from lrtui.engine.theory import Theory
from lrtui.engine.trainer import CONVERGED, DIVERGED, TrainingState
from lrtui.tui.format import num


class Value(Widget):
    """One line of text that repaints only when the text changes."""

    DEFAULT_CSS = """
    Value { height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    text: reactive[str] = reactive("", layout=False)
    tone: reactive[str] = reactive("")
    """A CSS class (without the leading dash) that colours the text: error, success, ..."""

    def watch_tone(self, old: str, new: str) -> None:
        if old:
            self.remove_class(f"-{old}")
        if new:
            self.add_class(f"-{new}")

    def render(self) -> Text:
        return Text(self.text)


def status_word(state: TrainingState, playing: bool) -> tuple[str, str]:
    """What the run is doing, in a word, and the colour it is shown in."""
    if state.status == DIVERGED:
        return "diverged", "error"
    if state.status == CONVERGED:
        return "converged", "success"
    if state.epoch >= state.epochs:
        return "finished", "accent"
    if playing:
        return "playing", "warning"
    if state.epoch == 0:
        return "ready", "primary"
    return "paused", "secondary"


class NumberPanel(Grid):
    """A grid of labels and `Value`s, filled from the state by `show()`."""

    state: reactive[TrainingState | None] = reactive(None)

    def value(self, name: str) -> Value:
        return self._values[name]

    def set(self, name: str, text: str, tone: str = "") -> None:
        widget = self._values[name]
        widget.text = text
        widget.tone = tone

    def cells(self) -> list[str]:
        """The grid's cells in order: "=name" is a `Value` with that id, anything else a label."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        self._values: dict[str, Value] = {}
        for cell in self.cells():
            if cell.startswith("="):
                self._values[cell[1:]] = Value(id=f"{self.id}-{cell[1:]}")
                yield self._values[cell[1:]]
            else:
                yield Label(cell, classes="label")

    def watch_state(self) -> None:
        if self.state is not None and self.is_mounted:
            self.show(self.state)

    def on_mount(self) -> None:
        self.watch_state()

    def show(self, state: TrainingState) -> None:
        raise NotImplementedError


class ParametersView(NumberPanel):
    """epoch, w, b, lr, loss and status, next to the optimum and the critical rate."""

    playing: reactive[bool] = reactive(False)
    speed: reactive[int] = reactive(1)

    def __init__(self, theory: Theory, **kwargs) -> None:
        super().__init__(**kwargs)
        self.theory = theory
        self.border_title = "parameters"

    def cells(self) -> list[str]:
        return [
            "epoch", "=epoch", "", "=status",
            "w", "=w", "w*", "=w_opt",
            "b", "=b", "b*", "=b_opt",
            "loss", "=loss", "L*", "=loss_opt",
            "lr", "=lr", "critical", "=critical",
            "speed", "=speed", "distance", "=distance",
        ]

    def watch_playing(self) -> None:
        self.watch_state()

    def watch_speed(self) -> None:
        self.watch_state()

    def show(self, state: TrainingState) -> None:
        theory = self.theory
        opt = theory.optimum
        word, tone = status_word(state, self.playing)
        self.set("epoch", f"{state.epoch:,} / {state.epochs:,}")
        self.set("status", word, tone)
        self.set("w", num(state.w))
        self.set("b", num(state.b))
        self.set("loss", num(state.loss))
        lr_tone = "error" if state.lr > theory.critical_lr else ""
        self.set("lr", num(state.lr), lr_tone)
        self.set("w_opt", "not unique" if opt.w is None else num(opt.w))
        self.set("b_opt", "-" if opt.b is None else num(opt.b))
        self.set("loss_opt", num(opt.loss))
        self.set("critical", num(theory.critical_lr, 4))
        self.set("speed", f"{self.speed:,}/frame")
        self.set("distance", num(theory.distance(state.w, state.b), 4))


class GradientsView(NumberPanel):
    """The analytic gradient, the central-difference slope, their gap, and the next update."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "gradients"
        self.border_subtitle = "step = -lr × analytic"

    def cells(self) -> list[str]:
        return [
            "", "analytic", "central", "difference",
            "dL/dw", "=dw", "=dw_numeric", "=dw_gap",
            "dL/db", "=db", "=db_numeric", "=db_gap",
            "step", "=next_w", "=next_b", "=h",
        ]

    def show(self, state: TrainingState) -> None:
        self.set("dw", num(state.dw))
        self.set("db", num(state.db))
        self.set("dw_numeric", num(state.dw_numeric))
        self.set("db_numeric", num(state.db_numeric))
        self.set("dw_gap", num(state.dw_numeric - state.dw, 2), "muted")
        self.set("db_gap", num(state.db_numeric - state.db, 2), "muted")
        self.set("next_w", f"Δw {num(-state.lr * state.dw, 3)}")
        self.set("next_b", f"Δb {num(-state.lr * state.db, 3)}")
        self.set("h", f"h {state.h:g}", "muted")
