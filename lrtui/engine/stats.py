"""Sufficient statistics: after one O(N) pass, the loss and its gradient cost O(1).

The loss is written as a sum of non-negative terms by completing the square around the
least-squares optimum (w*, b*):

    L(w, b) = SSE_min/n + Sxx/n * (w - w*)^2 + (b - (y_mean - w*x_mean))^2

where Sxx = sum((x_i - x_mean)^2) and SSE_min = sum((y_i - w*x_i - b*)^2) is computed once,
directly from the residuals. The three pieces are orthogonal parts of the residual vector,
so the identity is exact. Nothing cancels near the optimum, which is where a log-scale loss
plot looks hardest: the expanded form mean(y^2) - 2w*mean(xy) + ... loses every digit there.

The gradient follows from the same decomposition, with c = b - (y_mean - w*x_mean):

    dL/dw = 2*(Sxx/n * (w - w*) + c*x_mean),    dL/db = 2*c
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from lrtui.engine.data import Dataset

_F = TypeVar("_F", float, np.ndarray)  # a Python float, or an array of float64 values
_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)  # 2.2e-308


@dataclass(frozen=True)
class SufficientStats:
    n: int
    x_mean: float
    y_mean: float
    sxx_n: float  # Sxx / n: the variance of x
    w_opt: float  # w* (0.0 as a reference point when the fit is not unique)
    b_opt: float
    sse_min_n: float  # SSE_min / n: the smallest reachable loss L*
    unique: bool  # False when all x are equal (or their spread underflows): then every
    # w has a matching best b

    @classmethod
    def from_data(cls, data: Dataset) -> "SufficientStats":
        """Three passes over the data: the means, the centred sums, the residuals.

        The data are walked in blocks of `block` points through two reused scratch buffers,
        so no temporary ever has the size of the data (full-size temporaries cost more in
        fresh pages than in arithmetic). The sums stay centred and SSE_min comes from the
        residuals themselves; the blocks' partial sums are added exactly (math.fsum).
        """
        # Points per block: two 64 KiB buffers stay in cache, and dots this short took ~1 us
        # whatever the load, while 65,536-point blocks (dotted on two OpenBLAS threads, which
        # stall when another process holds a core) ran 2.5x slower on a busy machine.
        block = 8_192

        def total(parts: list[float]) -> float:
            try:
                return math.fsum(parts)
            except OverflowError:  # the exact sum is beyond float64: overflow as np.dot does
                return sum(parts)

        x, y = data.x, data.y
        n = x.size
        y_mean = float(y.mean())
        buf_a = np.empty(min(block, n))
        buf_b = np.empty(min(block, n))
        x0 = x[0]
        # Whether every x equals x[0], block by block: typical data answer in the first block.
        if all((x[i : i + block] == x0).all() for i in range(0, n, block)):
            # One point, or all x equal: Sxx is exactly zero; any w has a best b.
            sse_parts = []
            for i in range(0, n, block):
                yb = y[i : i + block]
                r = np.subtract(yb, y_mean, out=buf_b[: yb.size])
                sse_parts.append(float(np.dot(r, r)))
            sse = total(sse_parts)
            return cls(n, float(x0), y_mean, 0.0, 0.0, y_mean, sse / n, False)
        x_mean = float(x.mean())
        sxx_parts, sxy_parts = [], []
        for i in range(0, n, block):
            xb, yb = x[i : i + block], y[i : i + block]
            xc = np.subtract(xb, x_mean, out=buf_a[: xb.size])
            yc = np.subtract(yb, y_mean, out=buf_b[: yb.size])
            sxx_parts.append(float(np.dot(xc, xc)))
            sxy_parts.append(float(np.dot(xc, yc)))
        sxx = total(sxx_parts)
        # When the spread of x is too small to square in float64 (Sxx below the smallest
        # normal number: x differing by less than ~1e-154) no slope can be resolved: answer as
        # for equal x, where every w has a best b (w* = 0 is then only a reference point).
        unique = sxx >= _SMALLEST_NORMAL
        w_opt = total(sxy_parts) / sxx if unique else 0.0
        # Residuals at the optimum, computed directly (not as Syy - Sxy^2/Sxx, which cancels).
        sse_parts = []
        for i in range(0, n, block):
            xb, yb = x[i : i + block], y[i : i + block]
            xc = np.subtract(xb, x_mean, out=buf_a[: xb.size])
            r = np.subtract(yb, y_mean, out=buf_b[: yb.size])
            r -= np.multiply(xc, w_opt, out=xc)
            sse_parts.append(float(np.dot(r, r)))
        sse = total(sse_parts)
        b_opt = y_mean - w_opt * x_mean
        return cls(n, x_mean, y_mean, sxx / n if unique else 0.0, w_opt, b_opt, sse / n, unique)

    # The methods below take Python floats or NumPy arrays alike (elementwise arithmetic only;
    # products instead of ** so that Python floats overflow to inf instead of raising): floats
    # give floats, and an array w (with a float b or an array b) gives arrays.

    def loss(self, w: _F, b: float | _F) -> _F:
        """L(w, b) as a sum of non-negative terms."""
        d = w - self.w_opt
        c = b - (self.y_mean - w * self.x_mean)
        return self.sse_min_n + self.sxx_n * d * d + c * c

    def gradient(self, w: _F, b: float | _F) -> tuple[_F, _F]:
        """Analytic (dL/dw, dL/db)."""
        c = b - (self.y_mean - w * self.x_mean)
        return 2.0 * (self.sxx_n * (w - self.w_opt) + c * self.x_mean), 2.0 * c

    def central_difference(self, w: _F, b: float | _F, h: float) -> tuple[_F, _F]:
        """(L(w+h) - L(w-h)) / (2h) and (L(b+h) - L(b-h)) / (2h), evaluated, not derived."""
        loss = self.loss
        return (
            (loss(w + h, b) - loss(w - h, b)) / (2.0 * h),
            (loss(w, b + h) - loss(w, b - h)) / (2.0 * h),
        )
