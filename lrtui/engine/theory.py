"""What theory says about this loss: its optimum, curvature and the learning rates that work.

The MSE of a line is a quadratic bowl in (w, b) with the constant Hessian

    H = 2 * [[mean(x^2), mean(x)], [mean(x), 1]].

Gradient descent with rate lr multiplies the distance to the optimum, along each eigenvector
of H, by (1 - lr*lambda) per step. So it diverges when lr > 2/lambda_max (the critical rate),
and the rate 2/(lambda_min + lambda_max) makes the slowest and fastest directions shrink
equally fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lrtui.engine.optim import RULE
from lrtui.engine.stats import SufficientStats


@dataclass(frozen=True)
class Optimum:
    w: float | None  # None when the best w is not unique (all x equal)
    b: float | None
    loss: float


@dataclass(frozen=True)
class Tangent:
    """The tangent to L(w) at fixed b: the point (w, loss) and the slope through it."""

    w: float
    loss: float
    slope: float  # analytic dL/dw
    slope_numeric: float  # central difference with step h

    def line(self, ws: np.ndarray, numeric: bool = True) -> np.ndarray:
        slope = self.slope_numeric if numeric else self.slope
        return self.loss + slope * (np.asarray(ws, dtype=np.float64) - self.w)


class Theory:
    """Closed-form facts about one dataset's loss surface."""

    def __init__(self, stats: SufficientStats) -> None:
        self.stats = stats
        s = stats
        mean_x2 = s.sxx_n + s.x_mean * s.x_mean
        self.hessian = 2.0 * np.array([[mean_x2, s.x_mean], [s.x_mean, 1.0]])
        # Eigenvalues of a symmetric 2x2 [[a, c], [c, d]], written without cancellation:
        # the product lam_min * lam_max = det = 4 * Sxx/n is exact, so lam_min = det / lam_max.
        a, c, d = self.hessian[0, 0], self.hessian[0, 1], self.hessian[1, 1]
        lam_max = 0.5 * (a + d) + math.hypot(0.5 * (a - d), c)
        lam_min = 4.0 * s.sxx_n / lam_max
        self.eigenvalues = (float(lam_min), float(lam_max))

    @property
    def optimum(self) -> Optimum:
        s = self.stats
        if not s.unique:
            return Optimum(None, None, s.sse_min_n)
        return Optimum(s.w_opt, s.b_opt, s.sse_min_n)

    @property
    def critical_lr(self) -> float:
        """The update rule's stability bound on this loss: 2/lambda_max for plain descent."""
        return RULE.critical_lr(self.eigenvalues[1])

    @property
    def best_lr(self) -> float:
        """The constant rate 2/(lambda_min + lambda_max) with the fastest guaranteed shrink."""
        return 2.0 / (self.eigenvalues[0] + self.eigenvalues[1])

    def contraction(self, lr: float) -> float:
        """max |1 - lr*lambda|: the factor by which the worst direction's error shrinks per step
        (above 1 it grows; exactly 1 along the flat direction of degenerate data)."""
        lam_min, lam_max = self.eigenvalues
        return max(abs(1.0 - lr * lam_min), abs(1.0 - lr * lam_max))

    def distance(self, w: float, b: float) -> float | None:
        """Euclidean distance from (w, b) to the optimum, or None if it is not unique."""
        opt = self.optimum
        if opt.w is None or opt.b is None:  # both None together
            return None
        return math.hypot(w - opt.w, b - opt.b)

    def loss_curve(self, ws: np.ndarray, b: float) -> np.ndarray:
        """L(w) at fixed b, for every w in ws."""
        return self.stats.loss(np.asarray(ws, dtype=np.float64), b)

    def tangent(self, w: float, b: float, h: float) -> Tangent:
        s = self.stats
        dw, _ = s.gradient(w, b)
        dw_numeric, _ = s.central_difference(w, b, h)
        return Tangent(w, s.loss(w, b), dw, dw_numeric)

    def loss_grid(self, ws: np.ndarray, bs: np.ndarray) -> np.ndarray:
        """L over a (b, w) grid: row i is b = bs[i], column j is w = ws[j]."""
        W, B = np.meshgrid(np.asarray(ws, float), np.asarray(bs, float))
        return self.stats.loss(W, B)

    def divergence_cause(self, lr: float, bound: float) -> str:
        """Why a run at rate `lr` diverged, in plain words with this data's numbers (`bound`:
        the loss past which the trainer called it diverged)."""
        critical = self.critical_lr
        if lr > critical:
            return (
                f"the learning rate {lr:g} is above the critical rate 2/lambda_max = "
                f"{critical:.6g} for this data, so each step multiplies the error by "
                f"{self.contraction(lr):.4g}"
            )
        return (
            f"the loss passed the divergence bound ({bound:.3g}) although the learning rate "
            f"{lr:g} is below the critical rate {critical:.6g}"
        )
