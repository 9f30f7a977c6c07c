"""The three plots: loss over epochs, the tangent to L(w), and the fitted line.

plotext applies log10 to its stored data every time it builds, so a plot that was drawn
once and is rendered again (after a resize, a theme change) would plot log(log(y)). Each
view therefore re-plots from its current inputs inside `render()`, and gives a log axis
only finite positive values. The arrays come ready-made from `lrtui.engine.scenes`.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from lrtui.engine.data import Dataset
from lrtui.engine.scenes import fit_sample, fit_scene, loss_series, tangent_scene, w_window
from lrtui.engine.theory import Theory
from lrtui.engine.trainer import History, TrainingState
from lrtui.tui.format import tick

MANY_POINTS = 50  # above this the fit view draws the data as fine dots
MIN_PLOT_SIZE = (12, 5)  # below this a plot shows a note instead of a squashed chart

# plotext draws its frame and ticks with box-drawing characters; --ascii maps them to ASCII.
ASCII_BOX = str.maketrans("┌┐└┘─│┬┴├┤┼", "++++-|+++++")


def linear_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / count
    exponent = math.floor(math.log10(raw))
    step = next(m * 10.0**exponent for m in (1, 2, 5, 10) if m * 10.0**exponent >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(count + 2) if first + i * step <= hi + 1e-12 * step]


def log_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Powers of ten between lo and hi (> 0), at most about `count` of them."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    stride = max(1, math.ceil((b - a) / count))
    return [10.0**e for e in range(a, b + 1, stride) if lo <= 10.0**e <= hi] or [lo, hi]


class StatePlot(PlotextPlot):
    """A plot of the current training state, re-plotted from scratch on every render."""

    can_focus = True
    state: reactive[TrainingState | None] = reactive(None)

    def __init__(self, *, ascii_only: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii_only
        self.line_marker = "." if ascii_only else "braille"
        self.point_marker = "o" if ascii_only else "●"

    def render(self):
        width, height = self.size
        if width < MIN_PLOT_SIZE[0] or height < MIN_PLOT_SIZE[1]:
            return Text("(too small)", style="dim")
        plt = self.plt
        plt.clear_figure()
        if self.state is not None:
            self.draw(self.state)
        if not self.ascii:
            return super().render()
        plt.plotsize(width, height)
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        return Text.from_ansi(plt.build().translate(ASCII_BOX))

    def draw(self, state: TrainingState) -> None:
        raise NotImplementedError


class LossHistoryView(StatePlot):
    """The loss at every epoch of the run so far (thinned evenly for long runs)."""

    log_scale: reactive[bool] = reactive(False)

    def __init__(self, history: History, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = history
        self.border_title = "loss over epochs"

    def watch_log_scale(self, log: bool) -> None:
        self.border_subtitle = "log scale" if log else "linear (l: log)"

    def draw(self, state: TrainingState) -> None:
        plt = self.plt
        epochs, losses = loss_series(
            self.history, max_points=2 * self.size.width, log=self.log_scale
        )
        if len(epochs) == 0:
            plt.title("no finite loss to show")
            return
        plt.plot(epochs.tolist(), losses.tolist(), marker=self.line_marker, color="cyan")
        # A little room on the right: plotext draws a point on the edge past the frame.
        right = max(1.02 * float(epochs[-1]), 10.0)
        plt.xlim(0, right)
        lo, hi = float(losses.min()), float(losses.max())
        if self.log_scale:
            plt.yscale("log")
            ticks = log_ticks(lo, hi) if hi > lo else [lo]
        else:
            plt.ylim(min(lo, 0.0), hi + 0.05 * (hi - min(lo, 0.0)) or 1.0)
            ticks = linear_ticks(min(lo, 0.0), hi)
        plt.yticks(ticks, [tick(t) for t in ticks])
        xt = linear_ticks(0.0, right, 3)
        plt.xticks(xt, [tick(t) for t in xt])


class TangentView(StatePlot):
    """L(w) at the current b, the current point, and the tangent whose slope is the
    central-difference slope; `t` adds the notes' tangents at several sample weights."""

    show_samples: reactive[bool] = reactive(False)

    def __init__(self, theory: Theory, start_w: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.theory = theory
        self.start_w = start_w
        self.border_title = "L(w) and tangent"

    def watch_show_samples(self, samples: bool) -> None:
        self.border_subtitle = "sample tangents" if samples else "t: sample tangents"

    def draw(self, state: TrainingState) -> None:
        plt = self.plt
        window = w_window(self.theory, self.start_w, state, self.show_samples)
        scene = tangent_scene(
            self.theory, state, window, self.show_samples, points=2 * self.size.width
        )
        for ws, ls in scene.samples:
            plt.plot(ws.tolist(), ls.tolist(), marker=self.line_marker, color="gray")
        plt.plot(scene.ws.tolist(), scene.losses.tolist(), marker=self.line_marker, color="cyan")
        if len(scene.sample_points[0]):
            plt.scatter(
                *(a.tolist() for a in scene.sample_points), marker=self.point_marker, color="gray"
            )
        if scene.segment is not None and scene.point is not None:
            ws, ls = scene.segment
            plt.plot(ws.tolist(), ls.tolist(), marker=self.line_marker, color="orange")
            plt.scatter([scene.point.w], [scene.point.loss], marker=self.point_marker, color="red")
        plt.xlim(*window)
        plt.ylim(*scene.ylim)
        yt = linear_ticks(*scene.ylim, 3)
        plt.yticks(yt, [tick(t) for t in yt])
        xt = linear_ticks(*window, 4)
        plt.xticks(xt, [tick(t) for t in xt])


class FitView(StatePlot):
    """The data, the current line y_hat = w*x + b and the least-squares line."""

    def __init__(self, data: Dataset, theory: Theory, **kwargs) -> None:
        super().__init__(**kwargs)
        self.theory = theory
        self.sample = fit_sample(data)
        self.border_title = "data and fit"
        shown = len(self.sample[0])
        points = f"{data.n:,} points" if shown == data.n else f"{shown:,} of {data.n:,} points"
        self.border_subtitle = f"{points} · orange: now · green: best"

    def draw(self, state: TrainingState) -> None:
        plt = self.plt
        scene = fit_scene(self.sample, self.theory, state)
        many = len(scene.x) > MANY_POINTS
        if many:  # a cloud of fine dots under the lines, or the lines disappear in it
            plt.scatter(scene.x.tolist(), scene.y.tolist(), marker=self.line_marker, color="cyan")
        if scene.best is not None:
            plt.plot(
                scene.best[0].tolist(),
                scene.best[1].tolist(),
                marker=self.line_marker,
                color="green",
            )
        if scene.line is not None:
            plt.plot(
                scene.line[0].tolist(),
                scene.line[1].tolist(),
                marker=self.line_marker,
                color="orange",
            )
        if not many:  # a few big points on top of the lines
            plt.scatter(scene.x.tolist(), scene.y.tolist(), marker=self.point_marker, color="cyan")
        plt.xlim(*scene.xlim)
        plt.ylim(*scene.ylim)
        yt = linear_ticks(*scene.ylim, 3)
        plt.yticks(yt, [tick(t) for t in yt])
        xt = linear_ticks(*scene.xlim, 4)
        plt.xticks(xt, [tick(t) for t in xt])
