"""Mini-batches: which points each update sees, and the O(1) update on a batch's sums.

Epoch e (counted from 0) visits the points in the order `numpy.random.default_rng([S,
e]).permutation(n)`, S the shuffle seed (`shuffle = "epoch"`); epoch 0's order every epoch
(`"once"`); or the file's order (`"none"`). Batch j is `order[j*B:(j+1)*B]`; the last batch is
smaller unless `drop_last` (then it is left out). So update k (counted from 1) uses batch
j = (k-1) mod nb of epoch e = (k-1) // nb, nb the batches per epoch: a pure function of k,
which is what lets a run step back, resume from a session and be replayed by torch.

An epoch's per-batch sums come from one vectorised O(N) pass (`np.add.reduceat` over the
permuted points, centred on each batch's means, so that near a batch's own optimum nothing
cancels); each update is then O(1), like a full-batch step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lrtui.engine.data import Dataset
from lrtui.engine.rules import SLOTS, Rule, State, as_numpy
from lrtui.engine.stats import SufficientStats
from lrtui.errors import DataError

SHUFFLES = ("epoch", "once", "none")


@dataclass(frozen=True)
class Batches:
    """Per batch of one epoch: count, mean x, mean y, and the centred means of x*x, x*y, y*y."""

    count: np.ndarray
    mx: np.ndarray
    my: np.ndarray
    sxx: np.ndarray
    sxy: np.ndarray
    syy: np.ndarray


class BatchPlan:
    def __init__(self, data: Dataset, size: int, shuffle: str = "epoch", seed: int = 0,
                 drop_last: bool = False) -> None:
        n = data.n
        if not 1 <= size <= n:
            raise DataError(f"the batch size must be between 1 and the {n:,} points, got "
                            f"{size:,}")
        if shuffle not in SHUFFLES:
            raise DataError(f"shuffle must be one of {', '.join(SHUFFLES)}, got {shuffle!r}")
        self.x, self.y, self.n = data.x, data.y, n
        self.size, self.shuffle, self.seed, self.drop_last = size, shuffle, seed, drop_last
        self.per_epoch = n // size if drop_last else math.ceil(n / size)
        self._cached: tuple[int, Batches] | None = None

    def order(self, epoch: int) -> np.ndarray:
        """The points' order in this epoch."""
        if self.shuffle == "none":
            return np.arange(self.n)
        e = 0 if self.shuffle == "once" else epoch
        return np.random.default_rng([self.seed, e]).permutation(self.n)

    def batches(self, epoch: int) -> Batches:
        if self._cached is not None and self._cached[0] == epoch:
            return self._cached[1]
        order = self.order(epoch)[: self.per_epoch * self.size if self.drop_last else None]
        x, y = self.x[order], self.y[order]
        starts = np.arange(0, len(order), self.size)
        count = np.diff(np.append(starts, len(order)))
        mx = np.add.reduceat(x, starts) / count
        my = np.add.reduceat(y, starts) / count
        xc, yc = x - np.repeat(mx, count), y - np.repeat(my, count)
        got = Batches(count, mx, my, np.add.reduceat(xc * xc, starts) / count,
                      np.add.reduceat(xc * yc, starts) / count,
                      np.add.reduceat(yc * yc, starts) / count)
        self._cached = (epoch, got)
        return got

    def gradient(self, step: int, w: float, b: float) -> tuple[float, float]:
        """The gradient at (w, b) on the batch of update step + 1 (what it will step on)."""
        epoch, j = divmod(step, self.per_epoch)
        got = self.batches(epoch)
        c = b - (got.my[j] - w * got.mx[j])
        return 2.0 * (w * got.sxx[j] - got.sxy[j] + c * got.mx[j]), 2.0 * c

    def advance(self, rule: Rule, stats: SufficientStats, w: float, b: float, st: State,
                step: int, lr: float, m: int, bound: float,
                tol2: float) -> tuple[list[float], list[float], list[float], list[float], bool]:
        """Up to m updates from (w, b) with buffers st after `step` updates: each on its
        batch's gradient at (w, b). Returns the new w's, b's, buffers (SLOTS per update,
        flat), each update's batch loss (at the parameters it started from), and whether the
        run stopped (full-data loss past `bound` or not finite, or full-data gradient norm
        below tol: the same rules as a full-batch run)."""
        st = tuple(st) if len(st) == SLOTS else rule.initial()
        ws: list[float] = []
        bs: list[float] = []
        sts: list[float] = []
        losses: list[float] = []
        update, nb = rule.update, self.per_epoch
        epoch, j = divmod(step, nb)
        got = self.batches(epoch)
        for _ in range(m):
            if j == nb:
                epoch, j = epoch + 1, 0
                got = self.batches(epoch)
            mx, my, sxx, sxy = got.mx[j], got.my[j], got.sxx[j], got.sxy[j]
            c = b - (my - w * mx)  # the batch's mean residual
            gw = 2.0 * (w * sxx - sxy + c * mx)
            gb = 2.0 * c
            losses.append(w * w * sxx - 2.0 * w * sxy + got.syy[j] + c * c)
            step += 1
            j += 1
            try:
                w, b, st = update(w, b, gw, gb, st, step, lr)
            except ZeroDivisionError:  # eps 0 and a zero gradient: nan, as in torch
                w, b, st = update(*as_numpy(w, b, gw, gb), st, step, lr)
            ws.append(w)
            bs.append(b)
            sts.extend(st)
            dw, db = stats.gradient(w, b)
            if not stats.loss(w, b) <= bound or dw * dw + db * db < tol2:
                return ws, bs, sts, losses, True
        return ws, bs, sts, losses, False

    def noise_floor(self, stats: SufficientStats, lr: float) -> float:
        """Theory's E[L - L*] for constant-rate SGD at its noise floor:
        lr * sigma^2 * (m2 + 1) / B, times (N - B)/(N - 1) for batches drawn without
        replacement; sigma^2 = L* (the residual variance at the optimum), m2 = mean(x^2)."""
        m2 = stats.sxx_n + stats.x_mean * stats.x_mean
        n, size = self.n, self.size
        without = (n - size) / (n - 1) if n > 1 else 0.0
        return lr * stats.sse_min_n * (m2 + 1.0) / size * without
