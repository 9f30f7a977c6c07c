"""The sweep view's scene (key v): the run's start, budget and tol tried at many learning
rates, as `lrtui sweep` does, with theory's predicted epochs over the same range.

Computed on a scratch trainer (the live run is not disturbed), with the analytic source (the
same trajectory as every source to 1e-9, and all rates stepped together), and cached on the
Run by what it depends on: the start, the budget, tol, the scale. A frame makes it only while
the view is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lrtui import sweep
from lrtui.engine.state import CONVERGED, DIVERGED
from lrtui.engine.trainer import Trainer

COUNT = 24  # rates tried
CURVE = 120  # rates on theory's curve


@dataclass(frozen=True)
class SweepScene:
    rows: tuple[sweep.Row, ...]
    curve: tuple[np.ndarray, np.ndarray]  # theory: rates, predicted epochs (finite ones)
    critical: float
    best: float
    budget: int
    tol: float | None

    def points(self, kind: str) -> tuple[list[float], list[float]]:
        """(rates, epochs run) of the rows that stopped this way: "converged", "diverged" or
        "budget" (still running when the epochs ran out)."""
        def stopped(row: sweep.Row) -> str:
            return row.status if row.status in (CONVERGED, DIVERGED) else "budget"

        rows = [r for r in self.rows if stopped(r) == kind]
        return [r.lr for r in rows], [float(r.epochs_run) for r in rows]


def sweep_scene(trainer: Trainer) -> SweepScene:
    """The sweep for the trainer's current settings (see the module docstring)."""
    config = replace(trainer.current_config(), grad="analytic")
    scratch = Trainer(trainer.data, config)
    theory = scratch.theory
    top = sweep.PAST_CRITICAL * theory.reference_lr
    lrs = sweep.rates(top / 10**sweep.DECADES, top, COUNT)
    rows = tuple(sweep.sweep(scratch, lrs))
    fine = np.geomspace(lrs[0], lrs[-1], CURVE)
    tol = scratch.state.tol
    predicted = [None if tol is None else theory.predicted_epochs(scratch.start, float(r), tol)
                 for r in fine]
    keep = [i for i, p in enumerate(predicted) if p is not None and p > 0]
    curve = (fine[keep], np.array([float(predicted[i]) for i in keep]))  # type: ignore[arg-type]
    return SweepScene(rows, curve, theory.reference_lr, theory.best_lr, int(config.epochs), tol)
