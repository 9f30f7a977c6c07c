"""The learning-rate sweep view (key v): epochs to tol against lr on log axes, with theory's
curve, as `Frame.sweep` (lrtui/present/sweep_scene.py) computed it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrtui.present.frame import Frame
from lrtui.present.text import tick
from lrtui.tui.views.plots import StatePlot, log_ticks


class SweepView(StatePlot):
    """Key v: epochs to tol against the learning rate, both on log scales, for the run's
    start and budget (as `lrtui sweep` runs them), with theory's predicted epochs as a line,
    the critical and the best rate and the current one marked. The run is not disturbed."""

    axes = ("lr", "epochs")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "learning-rate sweep"

    def subtitle(self, frame: Frame) -> str:
        return self.longest_fitting([
            f"{self.point_marker} converged  * out of epochs  x diverged · red critical, "
            "green best, orange now · v: back",
            "red critical · green best · orange now · v: back", "v: back"])

    def draw(self, frame: Frame) -> None:
        """Drawn in log10 units (plotext's own log scale trips over limits), with the ticks
        labelled in rates and epochs."""
        scene = frame.sweep
        if scene is None:
            return
        plt = self.plt
        rates, epochs = scene.curve
        if len(rates):
            plt.plot(np.log10(rates).tolist(), np.log10(epochs).tolist(),
                     marker=self.line_marker, color="white")
        top = float(max(scene.budget, 1))
        for kind, marker, color in (("converged", self.point_marker, "cyan"),
                                    ("budget", "*", "yellow"), ("diverged", "x", "red")):
            xs, ys = scene.points(kind)
            if xs:
                ys = [top] * len(ys) if kind == "diverged" else [max(y, 1.0) for y in ys]
                plt.scatter(np.log10(xs).tolist(), np.log10(ys).tolist(), marker=marker,
                            color=color)
        lo, hi = scene.rows[0].lr, scene.rows[-1].lr
        for lr, color in ((scene.critical, "red"), (scene.best, "green"),
                          (frame.state.lr, "orange")):
            if lo <= lr <= hi:
                plt.vline(math.log10(lr), color)
        plt.xlim(math.log10(lo) - 0.05, math.log10(hi) + 0.05)
        plt.ylim(-0.1, math.log10(top) + 0.1)
        xt = log_ticks(lo, hi)
        plt.xticks([math.log10(t) for t in xt], [tick(t) for t in xt])
        yt = log_ticks(1.0, top)
        plt.yticks([math.log10(t) for t in yt], [tick(t) for t in yt])
