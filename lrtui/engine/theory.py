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

from lrtui.engine import momentum
from lrtui.engine.optim import RULE
from lrtui.engine.rules import Hyper
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

    def __init__(self, stats: SufficientStats, hyper: Hyper | None = None) -> None:
        self.stats = stats
        self.hyper = Hyper() if hyper is None else hyper  # the run's update rule
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
    def critical_lr(self) -> float | None:
        """The update rule's stability bound on this loss: 2/lambda_max for plain descent,
        (2 + 2mu)/lambda_max for heavy ball, (2 + 2mu)/((1 + 2mu) lambda_max) for Nesterov;
        None for the adaptive rules, whose steps have no closed-form bound."""
        if self.hyper.optimizer != "sgd":
            return None
        if self.hyper.is_plain:
            return RULE.critical_lr(self.eigenvalues[1])
        return momentum.stability_limit(self.hyper, self.eigenvalues[1])

    @property
    def reference_lr(self) -> float:
        """The critical rate, or plain descent's 2/lambda_max for a rule without one: the
        scale of rates a sweep spans."""
        critical = self.critical_lr
        return RULE.critical_lr(self.eigenvalues[1]) if critical is None else critical

    def above_critical(self, lr: float) -> bool:
        critical = self.critical_lr
        return critical is not None and lr > critical

    @property
    def critical_formula(self) -> str:
        """How the critical rate is computed, in ASCII."""
        h = self.hyper
        if h.optimizer != "sgd":
            return f"no closed form for {h.optimizer}"
        lam = "(lambda_max + weight_decay)" if h.wd else "lambda_max"
        if h.mu == 0.0:
            return f"2/{lam}"
        if h.nesterov:
            return f"(2 + 2mu)/((1 + 2mu) {lam})"
        return f"(2 + 2mu)/((1 - dampening) {lam})" if h.dampening else f"(2 + 2mu)/{lam}"

    @property
    def best_lr(self) -> float:
        """The constant rate 2/(lambda_min + lambda_max) with the fastest guaranteed shrink."""
        return 2.0 / (self.eigenvalues[0] + self.eigenvalues[1])

    @property
    def condition_number(self) -> float:
        """kappa = lambda_max / lambda_min: how much narrower the valley is along its flat
        direction than along its steep one (1 is a round bowl; inf when x is constant)."""
        lam_min, lam_max = self.eigenvalues
        return lam_max / lam_min if lam_min > 0 else math.inf

    def loss_gap(self, w: np.ndarray | float, b: np.ndarray | float) -> np.ndarray | float:
        """L(w, b) - L* from the statistics' quadratic form (no cancellation against L*)."""
        s = self.stats
        d = w - s.w_opt
        c = b - (s.y_mean - w * s.x_mean)
        return s.sxx_n * d * d + c * c

    def contraction(self, lr: float) -> float | None:
        """max |1 - lr*lambda|: the factor by which the worst direction's error shrinks per step
        (above 1 it grows; exactly 1 along the flat direction of degenerate data). With
        momentum, the spectral radius of its step matrix; None where theory has no rate."""
        lam_min, lam_max = self.eigenvalues
        if self.hyper.is_plain:
            return max(abs(1.0 - lr * lam_min), abs(1.0 - lr * lam_max))
        if not momentum.exact(self.hyper):
            return None
        return max(momentum.rate(lam, lr, self.hyper) for lam in self.eigenvalues)

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
        if critical is None:
            return (f"the loss passed the divergence bound ({bound:.3g}) with "
                    f"{self.hyper.optimizer}, whose steps have no closed-form bound")
        if lr > critical:
            factor = self.contraction(lr)
            said = (f"the learning rate {lr:g} is above the critical rate "
                    f"{self.critical_formula} = {critical:.6g} for this data")
            return said if factor is None else (
                f"{said}, so each step multiplies the error by {factor:.4g}")
        return (
            f"the loss passed the divergence bound ({bound:.3g}) although the learning rate "
            f"{lr:g} is below the critical rate {critical:.6g}"
        )

    # -- what plain descent will do from a start (closed form) ---------------------------

    def modes(self, w0: float, b0: float) -> tuple[tuple[float, float], tuple[float, float]]:
        """((lambda_min, c_min), (lambda_max, c_max)): the start's error (w0 - w*, b0 - b*)
        in the Hessian's unit eigenvectors. For data with all x equal, (w*, b*) is the
        statistics' reference point on the line of optima, and the flat direction
        (lambda_min = 0) carries no gradient, so any such point gives the same predictions."""
        s = self.stats
        a, c, d = (float(v) for v in (self.hessian[0, 0], self.hessian[0, 1],
                                      self.hessian[1, 1]))
        p = 0.5 * (a - d)
        h = math.hypot(p, c)
        # The eigenvector of lambda_max, written so that nothing cancels.
        vx, vy = (p + h, c) if p >= 0 else (c, h - p)
        norm = math.hypot(vx, vy)
        vx, vy = (vx / norm, vy / norm) if norm > 0 else (1.0, 0.0)
        ew, eb = w0 - s.w_opt, b0 - s.b_opt
        lam_min, lam_max = self.eigenvalues
        return (lam_min, -vy * ew + vx * eb), (lam_max, vx * ew + vy * eb)

    def grad_norm2_at(self, w0: float, b0: float, lr: float, k: int) -> float:
        """||g_k||^2 = sum_i lambda_i^2 c_i^2 (1 - lr*lambda_i)^(2k): the squared gradient
        norm after k plain-descent steps from (w0, b0), in exact arithmetic."""
        return sum((lam * c) ** 2 * (1.0 - lr * lam) ** (2 * k) for lam, c in self.modes(w0, b0))

    def loss_gap_at(self, w0: float, b0: float, lr: float, k: int) -> float:
        """L_k - L* = sum_i (lambda_i / 2) c_i^2 (1 - lr*lambda_i)^(2k) (L - L* is half the
        Hessian's quadratic form in the error, since L = mean((y - w x - b)^2))."""
        return sum(0.5 * lam * c * c * (1.0 - lr * lam) ** (2 * k)
                   for lam, c in self.modes(w0, b0))

    def predicted_epochs(self, start: tuple[float, float], lr: float, tol: float) -> int | None:
        """The first epoch k at which a plain-descent run from `start` has gradient norm
        below tol, as the trainer decides it: dw*dw + db*db < tol*tol with the analytic
        gradient of the record for epoch k (k = 0 when the start already qualifies). None
        when lr is at or above the critical rate (the run then never gets there, but for a
        start that already qualifies) or tol*tol underflows to 0 (no squared norm is below
        it). Found by bisection on the closed form, which is non-increasing in k below the
        critical rate: O(log k) evaluations, whatever k is."""
        w0, b0 = start
        dw, db = self.stats.gradient(w0, b0)
        limit = tol * tol
        if dw * dw + db * db < limit:
            return 0
        critical = self.critical_lr
        if limit == 0.0 or critical is None or not lr < critical:
            return None
        if not self.hyper.is_plain:
            if not momentum.exact(self.hyper):
                return None
            return momentum.first_epoch(list(self.modes(w0, b0)), lr, self.hyper, limit)
        # log(lambda^2 c^2) per direction, in logarithms so that no square overflows
        return _first_epoch_below([(2.0 * (_log(lam) + _log(c)), lam)
                                   for lam, c in self.modes(w0, b0)], lr, limit)

    def epochs_to_gap(self, start: tuple[float, float], lr: float, gap: float) -> int | None:
        """The first epoch k at which L_k - L* < gap for a plain-descent run from `start`
        (0 if the start already qualifies; None at or above the critical rate otherwise)."""
        w0, b0 = start
        if self.loss_gap(w0, b0) < gap:
            return 0
        critical = self.critical_lr
        if not gap > 0.0 or critical is None or not lr < critical:
            return None
        if not self.hyper.is_plain:
            if not momentum.exact(self.hyper):
                return None
            return momentum.first_epoch(list(self.modes(w0, b0)), lr, self.hyper, gap, "gap")
        return _first_epoch_below([(math.log(0.5) + _log(lam) + 2.0 * _log(c), lam)
                                   for lam, c in self.modes(w0, b0)], lr, gap)


def _log(v: float) -> float:
    """log|v|, -inf for 0."""
    return math.log(abs(v)) if v != 0.0 else -math.inf


def _first_epoch_below(terms: list[tuple[float, float]], lr: float, limit: float) -> int | None:
    """The smallest k >= 1 with sum_i a_i (1 - lr*lambda_i)^(2k) < limit, for
    (log a_i, lambda_i) in `terms` (0 <= lr*lambda_i < 2), by bisection in logarithms (no
    power underflows or overflows, however large k is); None if no k in float range gets
    there (lr*lambda so small that log|1 - lr*lambda| is 0)."""
    log_limit = math.log(limit)
    logs: list[tuple[float, float]] = []  # (log a_i, log |1 - lr*lambda_i|), a_i > 0 only
    for log_a, lam in terms:
        if log_a == -math.inf or lam == 0.0:
            continue  # no error along it, or a flat direction: no gradient, no loss gap
        x = lr * lam
        if x == 1.0:
            continue  # this direction is solved in one step: its term is 0 from k = 1
        # log|1 - x|, accurate near x = 0 and x = 2 (x - 2 is exact for 1 < x < 2)
        logs.append((log_a, math.log1p(-x) if x < 1.0 else math.log1p(x - 2.0)))

    def below(k: int) -> bool:
        exps = [la + 2.0 * k * lr_ for la, lr_ in logs]
        if not exps:
            return True
        top = max(exps)
        return top + math.log(sum(math.exp(e - top) for e in exps)) < log_limit

    # An upper bound: by this epoch each term is below limit / 2, so their sum is below limit.
    bound = 1.0
    for la, lr_ in logs:
        if not lr_ < 0.0:
            return None
        bound = max(bound, (la - log_limit + math.log(2.0)) / (-2.0 * lr_))
    if not math.isfinite(bound):
        return None
    hi = math.ceil(bound)
    for _ in range(64):  # doubling only if rounding in the bound's logarithms fell short
        if below(hi):
            break
        hi *= 2
    else:
        return None
    lo = 0  # below(0) is false: the caller checked the start
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if below(mid):
            hi = mid
        else:
            lo = mid
    return hi
