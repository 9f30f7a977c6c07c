"""The model y_hat = w*x + b and its MSE loss, computed directly from the data in O(N).

These are the textbook formulas, written the way the notes write them. The trainer uses the
O(1) forms in `stats.py`; these direct forms are the reference the tests compare them with.
"""

from __future__ import annotations

import numpy as np


def predict(x: np.ndarray, w: float, b: float) -> np.ndarray:
    """y_hat = w*x + b."""
    return w * x + b


def mse(x: np.ndarray, y: np.ndarray, w: float, b: float) -> float:
    """L = mean((y - y_hat)^2)."""
    r = y - predict(x, w, b)
    return float(np.dot(r, r) / r.size)


def gradient(x: np.ndarray, y: np.ndarray, w: float, b: float) -> tuple[float, float]:
    """Analytic (dL/dw, dL/db) = (2/n * sum(x_i*(y_hat_i - y_i)), 2/n * sum(y_hat_i - y_i)).

    The notes' NumPy line `np.dot(2 * X, y_predicted - Y).mean()` takes the mean of a
    scalar and so leaves out the 1/n; this is the correct MSE gradient.
    """
    e = predict(x, w, b) - y
    n = x.size
    return float(2.0 / n * np.dot(x, e)), float(2.0 / n * e.sum())


def central_difference(
    x: np.ndarray, y: np.ndarray, w: float, b: float, h: float
) -> tuple[float, float]:
    """(L(w+h) - L(w-h)) / (2h) and the same in b: the slope of the loss, measured."""
    dw = (mse(x, y, w + h, b) - mse(x, y, w - h, b)) / (2 * h)
    db = (mse(x, y, w, b + h) - mse(x, y, w, b - h)) / (2 * h)
    return dw, db
