"""The gradient formulas with the current numbers put in, for the app's formula view.

For a few points every term is listed; for more, only the sums (from the sufficient
statistics, so large data costs nothing extra).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrtui.engine.data import Dataset
from lrtui.engine.gradients import FRAMEWORKS
from lrtui.engine.optim import RULE
from lrtui.engine.state import TrainingState
from lrtui.engine.stats import SufficientStats

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
        return RULE.step(self.w, self.b, self.dw, self.db, self.lr)[0]

    @property
    def b_next(self) -> float:
        return RULE.step(self.w, self.b, self.dw, self.db, self.lr)[1]


def gradient_formula(
    data: Dataset, state: TrainingState, max_terms: int = MAX_TERMS
) -> GradientFormula:
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
    return GradientFormula(
        n, x, errors, sum_w, sum_b, state.dw, state.db, state.lr, state.w, state.b
    )


# Above this many points the autograd column is filled in only while paused: its graph is
# rebuilt over all N points (O(N)), too slow for every frame of a large run.
AUTOGRAD_LIVE_MAX = 20_000


@dataclass(frozen=True)
class GradientComparison:
    """The same gradient from several sources, and how far apart they are."""

    rows: tuple[tuple[str, float, float], ...]  # (source, dL/dw, dL/db)
    gap_w: float  # the largest disagreement between the rows, for w and for b
    gap_b: float
    driving: str  # the source whose gradient the next update uses


def compare_gradients(
    data: Dataset, stats: SufficientStats, state: TrainingState, autograd: bool = True
) -> GradientComparison:
    """analytic (the formula, O(1)), central difference (from the state), autograd (a graph
    built and run backward over the data; skipped when autograd=False) and, when the run
    uses one, the framework's (torch, jax or tensorflow: the state's own gradient)."""
    from lrtui.engine.autograd import AutogradGradient

    with np.errstate(all="ignore"):
        dw, db = stats.gradient(state.w, state.b)
        rows = [("analytic", float(dw), float(db)), ("central", state.dw_numeric, state.db_numeric)]
        if autograd:
            rows.append(("autograd", *AutogradGradient(data.x, data.y)(state.w, state.b)))
        if state.grad in FRAMEWORKS:
            rows.append((state.grad, state.dw, state.db))
        ws = np.array([r[1] for r in rows])
        bs = np.array([r[2] for r in rows])
        gap_w = float(ws.max() - ws.min())
        gap_b = float(bs.max() - bs.min())
    driving = "central" if state.grad == "numeric" else state.grad
    return GradientComparison(tuple(rows), gap_w, gap_b, driving)
