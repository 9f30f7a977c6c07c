"""Update rules: how a gradient becomes a step. Today plain gradient descent.

A rule owns three things, so that a new one (momentum, Adam, ...) is one class here:
- `step(w, b, dw, db, lr)`: the update, written once (the app's "next step", the formulas
  and the tour's captions all ask the rule for it);
- its fused loops, `advance_analytic` (the analytic gradient inline on the sufficient
  statistics, O(1) a step, ~4 million steps/s on Python floats) and `advance` (any other
  gradient source, called once a step);
- `critical_lr(lambda_max)`: its stability bound on this quadratic loss, which `Theory`
  reports as the critical rate.

A rule with buffers (a momentum velocity) will keep them as extra history columns, so that
stepping back restores them with w and b; plain descent has none.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from lrtui.engine.stats import SufficientStats

Advance = tuple[list[float], list[float], list[float], list[float], bool]


class GradientDescent:
    """w <- w - lr*dw, b <- b - lr*db, with both gradients from the same record."""

    name = "gd"

    @staticmethod
    def delta(dw: float, db: float, lr: float) -> tuple[float, float]:
        """The change the next update makes to (w, b)."""
        return -lr * dw, -lr * db

    @staticmethod
    def step(w: float, b: float, dw: float, db: float, lr: float) -> tuple[float, float]:
        """(w, b) after the update (exactly w + delta: negation is exact in IEEE 754)."""
        return w - lr * dw, b - lr * db

    @staticmethod
    def critical_lr(lambda_max: float) -> float:
        """Along an eigenvector of the Hessian each step multiplies the error by
        (1 - lr*lambda); above 2/lambda_max that factor exceeds 1 in size: divergence."""
        return 2.0 / lambda_max if lambda_max > 0 else math.inf

    @staticmethod
    def advance_analytic(stats: SufficientStats, w: float, b: float, dw: float, db: float,
                         lr: float, m: int, bound: float,
                         tol2: float) -> tuple[list[float], list[float], bool]:
        """Up to m updates with the analytic gradient, on Python floats: the new (w, b) of
        each, and whether the run stopped (loss past `bound`, not finite, or the squared
        gradient norm below tol2)."""
        w_opt, x_mean, y_mean, sxx_n, sse_n = (stats.w_opt, stats.x_mean, stats.y_mean,
                                               stats.sxx_n, stats.sse_min_n)
        ws: list[float] = []
        bs: list[float] = []
        for _ in range(m):
            w -= lr * dw
            b -= lr * db
            ws.append(w)
            bs.append(b)
            d = w - w_opt
            c = b - (y_mean - w * x_mean)
            dw = 2.0 * (sxx_n * d + c * x_mean)
            db = 2.0 * c
            if not sse_n + sxx_n * d * d + c * c <= bound or dw * dw + db * db < tol2:
                return ws, bs, True  # diverged (or not finite) or converged
        return ws, bs, False

    @staticmethod
    def advance(gradient: Callable[[float, float], tuple[float, float]],
                loss: Callable[[float, float], float], w: float, b: float, dw: float,
                db: float, lr: float, m: int, bound: float, tol2: float) -> Advance:
        """The same updates and stopping rules as `advance_analytic`, with each record's
        gradient from `gradient`; returns (ws, bs, dws, dbs, stopped)."""
        ws: list[float] = []
        bs: list[float] = []
        dws: list[float] = []
        dbs: list[float] = []
        for _ in range(m):
            w -= lr * dw
            b -= lr * db
            dw, db = gradient(w, b)
            ws.append(w)
            bs.append(b)
            dws.append(dw)
            dbs.append(db)
            if (not loss(w, b) <= bound or not math.isfinite(dw) or not math.isfinite(db)
                    or dw * dw + db * db < tol2):
                return ws, bs, dws, dbs, True
        return ws, bs, dws, dbs, False


RULE = GradientDescent()
