"""The two number panels: parameters and gradients.

Each number is its own one-line `Value` widget, so when a step changes w but not lr, only
w's cells are repainted: Textual repaints a refreshed widget's whole region, and small
regions are what keep the app light over SSH.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Label

from lrtui.engine.gradients import FRAMEWORKS
from lrtui.engine.state import CONVERGED
from lrtui.present.frame import Frame
from lrtui.present.text import fit_num, num


class Value(Widget):
    """One line of text that repaints only when the text changes."""

    DEFAULT_CSS = """
    Value { height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    text: reactive[str] = reactive("", layout=False)
    number: reactive[float | None] = reactive(None, layout=False)
    """When set, the value shown as `text` followed by this number, with as many
    significant digits as fit the cell (so -13104985.45 reads -1.31e7 in a narrow cell)."""
    tone: reactive[str] = reactive("")
    """A CSS class (without the leading dash) that colours the text: error, success, ..."""

    def watch_tone(self, old: str, new: str) -> None:
        if old:
            self.remove_class(f"-{old}")
        if new:
            self.add_class(f"-{new}")

    def render(self) -> Text:
        if self.number is None:
            return Text(self.text)
        return Text(fit_num(self.number, self.size.width, prefix=self.text))


class NumberPanel(Grid):
    """A grid of labels and `Value`s, filled from the frame by `show()`."""

    # Not repainting: show() updates the Value cells, which repaint themselves.
    frame: reactive[Frame | None] = reactive(None, repaint=False)

    def value(self, name: str) -> Value:
        return self._values[name]

    def set(self, name: str, value: str | float | None, tone: str = "", prefix: str = "") -> None:
        """Show a text, or a number fitted to the cell (a float, or None for "-")."""
        widget = self._values[name]
        if isinstance(value, str):
            widget.text, widget.number = value, None
        else:
            widget.text, widget.number = prefix, (None if value is None else float(value))
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

    def watch_frame(self) -> None:
        if self.frame is not None and self.is_mounted:
            self.show(self.frame)

    def on_mount(self) -> None:
        self.watch_frame()

    def show(self, frame: Frame) -> None:
        raise NotImplementedError


class ParametersView(NumberPanel):
    """epoch, w, b, lr, loss and status, next to the optimum and the critical rate; for a
    run on scaled x (--scale center or standard) one more row, the line in x's units."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "parameters"
        self._scale = "none"

    def compose(self) -> ComposeResult:
        cells = list(super().compose())
        for widget in cells[-4:]:  # the row in x's units: shown only for a scaled run
            widget.add_class("in-x")
            widget.display = False
        yield from cells

    def _show_scale(self, frame: Frame) -> None:
        scaling, state = frame.run.scaling, frame.state
        if scaling.kind != self._scale:
            self._scale = scaling.kind
            for widget in self.query(".in-x"):
                widget.display = scaling.kind != "none"
            self.border_title = ("parameters" if scaling.kind == "none"
                                 else f"parameters · scale {scaling.kind}")
        if scaling.kind != "none":
            w_x, b_x = scaling.to_original(state.w, state.b)
            self.set("w_x", w_x)
            self.set("b_x", b_x)

    def cells(self) -> list[str]:
        return [
            "epoch",
            "=epoch",
            "",
            "=status",
            "w",
            "=w",
            "w*",
            "=w_opt",
            "b",
            "=b",
            "b*",
            "=b_opt",
            "loss",
            "=loss",
            "L*",
            "=loss_opt",
            "lr",
            "=lr",
            "critical",
            "=critical",
            "speed",
            "=speed",
            "distance",
            "=distance",
            "w in x",
            "=w_x",
            "b in x",
            "=b_x",
        ]

    def show(self, frame: Frame) -> None:
        state, theory = frame.state, frame.run.theory
        opt = theory.optimum
        word, tone = frame.status
        if state.batches > 1:  # mini-batches: epochs so far, in tenths (updates / batches)
            self.set("epoch", f"{state.epoch / state.batches:,.1f} / "
                     f"{state.epochs // state.batches:,}")
        else:
            self.set("epoch", f"{state.epoch:,} / {state.epochs:,}")
        self.set("status", word, tone)
        self.set("w", state.w)
        self.set("b", state.b)
        self.set("loss", state.loss)
        lr_tone = "error" if theory.above_critical(state.lr) else ""
        self.set("lr", state.lr, lr_tone)
        self.set("w_opt", "not unique" if opt.w is None else opt.w)
        self.set("b_opt", opt.b)
        self.set("loss_opt", opt.loss)
        critical = theory.critical_lr
        self.set("critical", "none" if critical is None else critical,
                 "muted" if critical is None else "")
        self.set("speed", f"{frame.view.speed:,}/frame")
        self.set("distance", theory.distance(state.w, state.b))
        self._show_scale(frame)
        subtitle = prediction_words(frame)
        if self.border_subtitle != subtitle:  # setting it repaints the whole panel
            self.border_subtitle = subtitle


def prediction_words(frame: Frame) -> str:
    """Theory's epochs to tol from the start at this lr, and the run's own count once it has
    converged: 34 characters at most below a million epochs (the subtitle's room at 80
    columns)."""
    state, k = frame.state, frame.predicted_epochs
    if frame.noise_floor is not None:  # mini-batches: the floor SGD settles on
        measured = frame.measured_floor
        return (f"floor: theory {num(frame.noise_floor, 2)} · now "
                f"{'-' if measured is None else num(measured, 2)}")
    if state.tol is None:
        return ""
    if k is None:
        theory = frame.run.theory
        if theory.critical_lr is None:
            return f"predicted: no closed form ({theory.hyper.optimizer})"
        if theory.above_critical(state.lr):
            return "predicted: diverges"
        return "predicted: never converges"
    if state.status == CONVERGED:
        return f"predicted {k:,} · actual {state.epoch:,}"
    return f"predicted: {k:,} epochs to tol"


# The buffers' names in the panel's narrow first column (torch's names in the JSON).
SHORT = {"momentum_buffer": "momentum", "exp_avg": "m (avg)", "exp_avg_sq": "v (avg sq)",
         "max_exp_avg_sq": "v max", "square_avg": "sq avg", "grad_avg": "grad avg",
         "sum": "sum sq"}


class GradientsView(NumberPanel):
    """The gradient from three sources side by side (analytic formula, central difference,
    and autograd, or the framework that drives the run: torch, jax or tensorflow), their
    largest disagreement, and the update the next step makes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "gradients"

    def cells(self) -> list[str]:
        return [
            "",
            "dL/dw",
            "dL/db",
            "=src_analytic",
            "=analytic_w",
            "=analytic_b",
            "=src_central",
            "=central_w",
            "=central_b",
            "=src_autograd",
            "=autograd_w",
            "=autograd_b",
            "max gap",
            "=gap_w",
            "=gap_b",
            "step",
            "=next_w",
            "=next_b",
            *(f"={name}{i}" for i in range(3) for name in ("buffer", "buffer_w", "buffer_b")),
        ]

    def compose(self) -> ComposeResult:
        cells = list(super().compose())
        for widget in cells[-9:]:  # the update rule's buffers: shown only for a rule with any
            widget.display = False
        yield from cells

    def _show_buffers(self, frame: Frame) -> None:
        shown = frame.buffers
        for i in range(3):
            if i < len(shown):
                name, w, b = shown[i]
                self.set(f"buffer{i}", SHORT.get(name, name), "muted")
                self.set(f"buffer_w{i}", w)
                self.set(f"buffer_b{i}", b)
            for cell in ("buffer", "buffer_w", "buffer_b"):
                self.value(f"{cell}{i}").display = i < len(shown)

    def show(self, frame: Frame) -> None:
        state, report = frame.state, frame.gradients
        values = {name: (w, b) for name, w, b in report.rows}
        # the third row: lrtui's autograd, or the framework whose gradient drives the run
        third = report.driving if report.driving in FRAMEWORKS else "autograd"
        for row, source in (("analytic", "analytic"), ("central", "central"),
                            ("autograd", third)):
            mark = "▸" if source == report.driving else " "
            label = "tf" if source == "tensorflow" else source  # as in `import ... as tf`
            self.set(f"src_{row}", f"{mark}{label}", "bold" if mark != " " else "")
            w, b = values.get(source, ("…", "…"))
            self.set(f"{row}_w", w)
            self.set(f"{row}_b", b)
        self.set("gap_w", report.gap_w, "muted")
        self.set("gap_b", report.gap_b, "muted")
        step_w, step_b = frame.next_step
        self.set("next_w", step_w, prefix="Δw ")  # --ascii's filter draws Δ as d: "dw"
        self.set("next_b", step_b, prefix="Δb ")
        self._show_buffers(frame)
        rule = frame.rule.h
        said = "" if rule.is_plain else f"{rule.optimizer} · "
        subtitle = f"{said}▸ drives the step · central h={state.h:g}"
        if self.border_subtitle != subtitle:  # setting it repaints the whole panel
            self.border_subtitle = subtitle
