"""The three plots: loss over epochs, the tangent to L(w), and the fitted line.

plotext applies log10 to its stored data every time it builds, so a plot that was drawn
once and is rendered again (after a resize, a theme change) would plot log(log(y)). Each
view therefore re-plots from its current inputs inside `render()`, and gives a log axis
only finite positive values. The arrays come ready-made from `lrtui.present.scenes`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.text import Text
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from lrtui.present.frame import Frame
from lrtui.present.scenes import sample_weights
from lrtui.present.text import tick

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


DASHES = {"─", "-"}  # the frame's horizontal lines, drawn or under --ascii


def _put(line: Text, start: int, text: str) -> Text:
    """`line` with `text` written over it from `start`, in the style found there."""
    piece = Text(text)
    for span in line.spans:
        if span.start <= start < span.end:
            piece.stylize(span.style)
    return line[:start] + piece + line[start + len(text):]


def label_axes(chart: Text, xlabel: str, ylabel: str) -> Text:
    """The chart with its axes named in its frame's lines, at no cost in rows (plotext's
    xlabel/ylabel take a row under the tick labels, one of the ~9 rows a plot has at 80x24):
    the y axis's name after the top left corner, "┌─ loss ───┐", the x axis's name in the
    rightmost gap between ticks on the bottom line that holds it, "└┬───┬─ epoch ─┘"; if
    none does, the last ticks (marks and labels) make room for it at the right end."""
    lines = chart.split("\n", allow_blank=True)
    frame = [i for i, line in enumerate(lines)
             if line.plain.lstrip()[:2] in ("┌─", "└┬", "└─", "+-", "++")]
    if len(frame) < 2:
        return chart
    top, bottom = frame[0], frame[-1]
    inside = len(lines[top].plain) - len(lines[top].plain.lstrip()) + 1  # after the corner

    def fits(i: int, start: int, label: str) -> bool:
        """" label " at `start` covers only dashes, with a dash left on each side."""
        run = lines[i].plain[start - 1:start + len(label) + 3]
        return len(run) == len(label) + 4 and set(run) <= DASHES

    if fits(top, inside + 1, ylabel):
        lines[top] = _put(lines[top], inside + 1, f" {ylabel} ")
    plain = lines[bottom].plain
    corner = len(plain.rstrip()) - 1
    starts = range(corner - len(xlabel) - 3, inside, -1)
    at = next((start for start in starts if fits(bottom, start, xlabel)), None)
    if at is None and corner - len(xlabel) - 4 > inside:  # clear the right end of ticks
        at = corner - len(xlabel) - 3
        dash = "─" if "─" in plain else "-"
        for column in range(at - 1, corner):
            if plain[column] not in DASHES:
                lines[bottom] = _put(lines[bottom], column, dash)
                if bottom + 1 < len(lines):  # and the tick's label under it
                    lines[bottom + 1] = _blank_word(lines[bottom + 1], column)
    if at is not None:
        lines[bottom] = _put(lines[bottom], at, f" {xlabel} ")
    return Text("\n").join(lines)


def _blank_word(line: Text, column: int) -> Text:
    """`line` with the word at or next to `column` (a tick's label) blanked."""
    plain = line.plain
    near = [c for c in (column, column - 1, column + 1) if 0 <= c < len(plain) and plain[c] != " "]
    if not near:
        return line
    lo = hi = near[0]
    while lo > 0 and plain[lo - 1] != " ":
        lo -= 1
    while hi + 1 < len(plain) and plain[hi + 1] != " ":
        hi += 1
    return _put(line, lo, " " * (hi - lo + 1))


class StatePlot(PlotextPlot):
    """A plot of one frame, re-plotted from scratch on every render, its axes named."""

    can_focus = True
    axes = ("x", "y")  # the names of its x and y axes
    frame: reactive[Frame | None] = reactive(None)

    def __init__(self, *, ascii_only: bool = False, **kwargs: Any) -> None:
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
        if self.frame is not None:
            self.draw(self.frame)
        if not self.ascii:
            chart = super().render()
        else:
            plt.plotsize(width, height)
            plt.theme(self._get_plotext_theme_name(self.app.theme))
            chart = Text.from_ansi(plt.build().translate(ASCII_BOX))
        return label_axes(chart, *self.axes) if isinstance(chart, Text) else chart

    def on_resize(self) -> None:
        self.watch_frame(self.frame)  # a title may have more room, or less

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None:
            return
        title, subtitle = self.title(frame), self.subtitle(frame)
        if title is not None and title != self.border_title:
            self.border_title = title
        if subtitle is not None and subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def title(self, frame: Frame) -> str | None:
        """The border's title for this frame (None: leave it)."""
        return None

    def subtitle(self, frame: Frame) -> str | None:
        """The border's subtitle for this frame (None: leave it)."""
        return None

    def longest_fitting(self, texts: list[str]) -> str:
        """The first of `texts` that fits in the border (80 columns hold ~21 characters),
        else the last; the first before the plot has a size."""
        room = self.size.width - 4  # a corner, a dash and a space on each side
        return next((text for text in texts if len(text) <= room or room < 0), texts[-1])

    def draw(self, frame: Frame) -> None:
        raise NotImplementedError


class LossHistoryView(StatePlot):
    """The loss at every epoch of the run so far (thinned evenly for long runs)."""

    axes = ("epoch", "loss")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "loss over epochs"
        self.border_subtitle = "linear (l: log)"

    def subtitle(self, frame: Frame) -> str:
        if frame.runners:
            return "the race, log scale: runners 1-4 as in the table"
        scale = "log scale" if frame.view.log else "linear (l: log)"
        return f"grey: batch · cyan: all data · {scale}" if frame.batch_losses is not None \
            else scale

    def draw(self, frame: Frame) -> None:
        plt = self.plt
        epochs, losses = frame.loss_series(max_points=2 * self.size.width)
        if len(epochs) == 0:
            plt.title("no finite loss to show")
            return
        if frame.runners:
            self._draw_race(frame)
            return
        batch = frame.batch_series(max_points=2 * self.size.width)
        if batch is not None and len(batch[0]):  # the noisy loss frameworks print, under
            plt.plot(batch[0].tolist(), batch[1].tolist(), marker=self.line_marker,
                     color="gray")
            losses = np.concatenate([losses, batch[1]])  # the y range holds both
        plt.plot(epochs.tolist(), frame.loss_series(2 * self.size.width)[1].tolist(),
                 marker=self.line_marker, color="cyan")
        # A little room on the right: plotext draws a point on the edge past the frame.
        right = max(1.02 * float(epochs[-1]), 10.0)
        plt.xlim(0, right)
        lo, hi = float(losses.min()), float(losses.max())
        if frame.view.log:
            plt.yscale("log")
            ticks = log_ticks(lo, hi) if hi > lo else [lo]
        else:
            plt.ylim(min(lo, 0.0), hi + 0.05 * (hi - min(lo, 0.0)) or 1.0)
            ticks = linear_ticks(min(lo, 0.0), hi)
        plt.yticks(ticks, [tick(t) for t in ticks])
        xt = linear_ticks(0.0, right, 3)
        plt.xticks(xt, [tick(t) for t in xt])


    def _draw_race(self, frame: Frame) -> None:
        """A race: every runner's loss on a log scale, in its colour (as on the map)."""
        plt, lows, highs, right = self.plt, [], [], 10.0
        for k, runner in enumerate(frame.runners):
            keep = np.isfinite(runner.losses) & (runner.losses > 0)
            xs, ys = runner.epochs[keep], runner.losses[keep]
            if len(xs):
                plt.plot(xs.tolist(), ys.tolist(), marker=self.line_marker,
                         color=RUNNER_COLORS[k], label=str(k + 1))
                lows.append(float(ys.min()))
                highs.append(float(ys.max()))
                right = max(right, 1.02 * float(xs[-1]))
        if not lows:
            return
        plt.yscale("log")
        ticks = log_ticks(min(lows), max(highs)) if max(highs) > min(lows) else [min(lows)]
        plt.yticks(ticks, [tick(t) for t in ticks])
        plt.xlim(0, right)
        xt = linear_ticks(0.0, right, 3)
        plt.xticks(xt, [tick(t) for t in xt])


# A race's runners, in the loss plot (and on the map: tui/views/landscape.py), 1 to 4.
RUNNER_COLORS = ("white", "magenta", "yellow", "green")


class TangentView(StatePlot):
    """L(w) at the current b, the current point, and the tangent whose slope is the
    central-difference slope; `t` adds the notes' tangents at several sample weights. Near
    the optimum the view follows w (a narrower window, see scenes.follow_window); `a` shows
    the whole path."""

    axes = ("w", "L")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "L(w) and tangent"
        self.border_subtitle = "t: sample tangents"

    def title(self, frame: Frame) -> str:
        """Which w range it shows, and what `a` does."""
        if frame.follow_window() is not None:
            texts = ["L(w) near w* · a: whole path", "L(w) near w* · a: all", "L(w) near w*"]
        elif frame.view.follow:  # far from w*: the whole path until the run is near
            texts = ["L(w) and tangent · follows w near w*", "L(w) and tangent"]
        else:
            texts = ["L(w) and tangent · whole path · a: follow w",
                     "L(w) whole path · a: follow w", "L(w) · a: follow w", "L(w)"]
        return self.longest_fitting(texts)

    def subtitle(self, frame: Frame) -> str:
        if not frame.view.tangents:
            return "t: sample tangents"
        lo, hi = frame.follow_window() or frame.w_window()
        if any(lo <= w <= hi for w in sample_weights(frame.run.theory)):
            return "sample tangents"
        return self.longest_fitting(["sample tangents out of view", "tangents out of view"])

    def draw(self, frame: Frame) -> None:
        plt = self.plt
        scene = frame.tangent_scene(points=2 * self.size.width)
        window = scene.window
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

    axes = ("x", "y")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "data and fit"

    def subtitle(self, frame: Frame) -> str:
        n, shown = frame.run.data.n, len(frame.run.fit_sample[0])
        points = f"{n:,} points" if shown == n else f"{shown:,} of {n:,} points"
        return f"{points} · orange: now · green: best"

    def draw(self, frame: Frame) -> None:
        plt = self.plt
        scene = frame.fit_scene()
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
