"""The gradient formulas with the current numbers put in, for the app's formula view.

For a few points every term is listed; for more, only the sums (from the sufficient
statistics, so large data costs nothing extra).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrtui.engine.data import Dataset
from lrtui.engine.trainer import TrainingState

MAX_TERMS = 6  # list every term for at most this many points


@dataclass(frozen=True)
class GradientFormula:
    n: int
    x: np.ndarray | None  # the points, when few enough to list
    errors: np.ndarray | None  # y_hat_i - y_i at those points
    sum_w: float  # sum(x_i * (y_hat_i - y_i))
    sum_b: float  # sum(y_hat_i - y_i)
    dw: float
    db: float
    lr: float
    w: float
    b: float

    @property
    def w_next(self) -> float:
        return self.w - self.lr * self.dw

    @property
    def b_next(self) -> float:
        return self.b - self.lr * self.db


def gradient_formula(data: Dataset, state: TrainingState, max_terms: int = MAX_TERMS) -> GradientFormula:
    """dL/dw = 2/n * sum(x_i*(y_hat_i - y_i)) and dL/db = 2/n * sum(y_hat_i - y_i) at the
    state's w and b, with the terms (few points) or the sums (many)."""
    n = data.n
    x = errors = None
    if n <= max_terms:
        x = data.x
        with np.errstate(all="ignore"):
            errors = state.w * data.x + state.b - data.y
        sum_w, sum_b = float(np.dot(x, errors)), float(errors.sum())
    else:
        # The sums follow from the gradient itself: sum = n/2 * gradient.
        sum_w, sum_b = n / 2 * state.dw, n / 2 * state.db
    return GradientFormula(n, x, errors, sum_w, sum_b, state.dw, state.db, state.lr, state.w, state.b)
