"""Reference computations for the engine tests, independent of the engine.

Nothing here imports lrtui. Every number is computed from the float64 data arrays alone:
exactly, in rational arithmetic (the value of a float64 is a dyadic rational m/2^k, so sums
of products of them can be carried out with no rounding at all), or in plain NumPy with the
textbook formulas.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from fractions import Fraction

import numpy as np

EPS = float(np.finfo(np.float64).eps)  # 2^-52
# Below this, products underflow (to subnormals or 0) and lose their relative accuracy: a
# loss of 2.7e-360 is 0.0 in float64. The absolute floors below never go under it.
UNDERFLOW = 1e-290


def _dyadic(v: float) -> tuple[int, int]:
    """v = m / 2^k exactly; returns (m, k)."""
    m, d = float(v).as_integer_ratio()
    return m, d.bit_length() - 1  # d is a power of two


class Exact:
    """L(w, b) = mean((w*x_i + b - y_i)^2) and its gradient, exactly, at float64 w and b.

    The data are scaled once to integers over a common power of two 2^K, so each residual is
    an integer over 2^(a+K+c) (a, c: the exponents of w's and b's denominators). The sums are
    Python integers (no rounding, no cancellation); only the final division makes a Fraction.
    `fraction_loss` is the same mean written naively with Fraction objects; the tests check
    that both give the identical rational.
    """

    def __init__(self, x, y) -> None:
        self.x = [float(v) for v in x]
        self.y = [float(v) for v in y]
        self.n = len(self.x)
        pairs = [_dyadic(v) for v in self.x + self.y]
        self.K = max(k for _, k in pairs)
        self.X = [m << (self.K - k) for m, k in pairs[: self.n]]
        self.Y = [m << (self.K - k) for m, k in pairs[self.n :]]

    def _residuals(self, w: float, b: float) -> tuple[list[int], int]:
        """Integers R_i and the exponent E with r_i = w*x_i + b - y_i = R_i / 2^E exactly."""
        nw, a = _dyadic(w)
        nb, c = _dyadic(b)
        # r_i = nw*X_i/2^(a+K) + nb/2^c - Y_i/2^K; multiply through by 2^(a+K+c).
        p, q, s = nw << c, nb << (a + self.K), a + c
        return [p * X + q - (Y << s) for X, Y in zip(self.X, self.Y, strict=True)], a + self.K + c

    def loss(self, w: float, b: float) -> Fraction:
        R, E = self._residuals(w, b)
        return Fraction(sum(r * r for r in R), self.n << (2 * E))

    def gradient(self, w: float, b: float) -> tuple[Fraction, Fraction]:
        """(2/n * sum(x_i*r_i), 2/n * sum(r_i)), exactly."""
        R, E = self._residuals(w, b)
        sxr = sum(X * r for X, r in zip(self.X, R, strict=True))
        return (
            Fraction(2 * sxr, self.n << (E + self.K)),
            Fraction(2 * sum(R), self.n << E),
        )

    def fraction_loss(self, w: float, b: float) -> Fraction:
        """The same mean, written the obvious way with Fraction objects (slow: spot checks)."""
        W, B = Fraction(w), Fraction(b)
        pairs = zip(self.x, self.y, strict=True)
        return sum(((W * Fraction(xi) + B - Fraction(yi)) ** 2 for xi, yi in pairs),
                   Fraction(0)) / self.n

    def optimum(self) -> tuple[Fraction, Fraction, Fraction]:
        """(w*, b*, L*) exactly, from the normal equations in rationals (needs distinct x)."""
        n = self.n
        X = [Fraction(v) for v in self.x]
        Y = [Fraction(v) for v in self.y]
        sx, sy = sum(X), sum(Y)
        sxx = sum(v * v for v in X)
        sxy = sum(u * v for u, v in zip(X, Y, strict=True))
        w = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        b = (sy - w * sx) / n
        L = sum((w * u + b - v) ** 2 for u, v in zip(X, Y, strict=True)) / n
        return w, b, L


def rel_close(a: float, exact: Fraction | float, rel: float, floor: float = 0.0) -> bool:
    """|a - exact| <= rel*|exact| + floor, decided exactly (no rounding in the comparison)."""
    e = Fraction(exact)
    return abs(Fraction(float(a)) - e) <= Fraction(rel) * abs(e) + Fraction(floor)


def direct_gradient(x: np.ndarray, y: np.ndarray, w: float, b: float) -> tuple[float, float]:
    """The textbook O(N) gradient of the MSE, written here (not taken from lrtui)."""
    e = w * x + b - y
    return 2.0 * float(np.dot(x, e)) / x.size, 2.0 * float(e.sum()) / x.size


def gd_loop(x, y, w0: float, b0: float, lr: float, epochs: int, grad=direct_gradient):
    """Plain gradient descent: w -= lr*dw; b -= lr*db, gradients recomputed from the data.

    Returns arrays w[k], b[k] for k = 0..epochs: the parameters after k updates.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ws = np.empty(epochs + 1)
    bs = np.empty(epochs + 1)
    w, b = float(w0), float(b0)
    ws[0], bs[0] = w, b
    for k in range(1, epochs + 1):
        dw, db = grad(x, y, w, b)
        w -= lr * dw
        b -= lr * db
        ws[k], bs[k] = w, b
    return ws, bs


def hessian(x: np.ndarray) -> np.ndarray:
    """2 * [[mean x^2, mean x], [mean x, 1]], from the data."""
    x = np.asarray(x, dtype=np.float64)
    return 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


def residual_error_bound(x, y, w: float, b: float) -> float:
    """A bound on the rounding error of any single float64 residual w*x_i + b - y_i.

    Evaluating a residual costs a few roundings of quantities of size |w*x_i| + |b| + |y_i|;
    its exact value can be far smaller (near the optimum it is), so this absolute error is
    what limits any float64 evaluation of the loss or gradient near the optimum.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return 8 * EPS * float(np.max(np.abs(w * x) + abs(b) + np.abs(y)))


def loss_floor(x, y, w: float, b: float, loss: float) -> float:
    """Absolute error allowance for a float64 loss: residual errors e give 2*sqrt(L)*e + e^2."""
    e = residual_error_bound(x, y, w, b)
    return 2.0 * math.sqrt(max(loss, 0.0)) * e + e * e + UNDERFLOW


def gradient_floor(x, y, w: float, b: float) -> float:
    """Absolute error allowance for float64 gradients: 2*mean(|x_i|*e) + 2*e, rounded up."""
    e = residual_error_bound(x, y, w, b)
    return 2.0 * (float(np.max(np.abs(x))) + 1.0) * e + UNDERFLOW


def central_difference_floor(x, y, w: float, b: float, h: float) -> tuple[float, float]:
    """Absolute error allowance for float64 central differences in w and in b.

    (L(w+h) - L(w-h)) / (2h) subtracts two losses that each carry their own rounding error
    (the residual floor above plus a few eps relative for the sums); the difference cancels,
    the errors do not. The losses are those at the shifted points, not at (w, b): in the
    b direction near the optimum they are about h^2, however small L(w, b) is.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)

    def err(wp: float, bp: float) -> float:
        r = wp * x + bp - y
        L = float(np.dot(r, r)) / x.size
        return loss_floor(x, y, wp, bp, L) + 16 * EPS * L

    return (
        (err(w + h, b) + err(w - h, b)) / (2 * h),
        (err(w, b + h) + err(w, b - h)) / (2 * h),
    )


@contextlib.contextmanager
def strict():
    """Inside: any warning is an error. On leaving: nothing may have been printed."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("error")
        yield
    assert out.getvalue() == "" and err.getvalue() == "", (out.getvalue(), err.getvalue())
