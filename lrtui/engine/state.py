"""A run's settings (`TrainConfig`) and its immutable snapshot at one epoch (`TrainingState`).

Record meaning (fixed, and shared by the app, `lrtui train --json` and the tests): the record
for epoch k holds the parameters after k updates and the loss and gradients at those
parameters. Epoch 0 is the starting point.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from lrtui import settings
from lrtui.engine.data import Preset

READY, RUNNING, CONVERGED, DIVERGED = "ready", "running", "converged", "diverged"
STATUSES = (READY, RUNNING, CONVERGED, DIVERGED)

# Column order of a history row (and of the JSON history items).
COLUMNS = ("epoch", "w", "b", "loss", "dw", "db", "dw_numeric", "db_numeric")


@dataclass(frozen=True)
class TrainConfig:
    """Where a run starts and how it steps. Each value is checked by its entry in the one
    settings table (`lrtui.settings`), so a bad value reads the same from every door."""

    w0: float
    b0: float
    lr: float
    epochs: int
    h: float = 0.01
    tol: float | None = None  # stop (converged) when the gradient norm falls below tol
    grad: str = "analytic"  # the gradient source: one of gradients.GRAD_SOURCES
    # What the run trains on (settings.SCALES): x, x - mean(x) or (x - mean(x)) / std(x).
    # w0, b0 and the history's w, b are in those coordinates (see engine/scaling.py).
    scale: str = "none"

    def __post_init__(self) -> None:
        for name in ("w0", "b0", "lr", "epochs", "h", "tol", "grad", "scale"):
            value = getattr(self, name)
            if name == "tol" and value is None:
                continue
            settings.check(name, value)

    @classmethod
    def from_preset(cls, p: Preset, **overrides: float | int | str | None) -> TrainConfig:
        values: dict[str, Any] = dict(w0=p.w0, b0=p.b0, lr=p.lr, epochs=p.epochs, h=p.h,
                                      tol=None)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TrainingState:
    """Everything about the run at one epoch. The app shows nothing else."""

    epoch: int
    w: float
    b: float
    loss: float
    dw: float  # dL/dw from the run's gradient source (`grad`): the one the update uses
    db: float  # dL/db from the same source
    dw_numeric: float  # central difference (L(w+h) - L(w-h)) / (2h)
    db_numeric: float
    lr: float
    h: float
    status: str  # ready, running, converged, diverged
    epochs: int  # the run's epoch budget
    tol: float | None = None
    grad: str = "analytic"  # the gradient source of dw and db: one of GRAD_SOURCES

    @property
    def grad_norm(self) -> float:
        return math.hypot(self.dw, self.db)

    @property
    def finished(self) -> bool:
        """True when the run cannot go on: diverged or its epoch budget spent."""
        return self.status == DIVERGED or self.epoch >= self.epochs

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.w, self.b, self.loss, self.dw, self.db))

    def record(self) -> dict[str, float]:
        """The history item of this epoch (keys as in `COLUMNS`)."""
        return {name: getattr(self, name) for name in COLUMNS}
