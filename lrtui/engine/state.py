"""A run's settings (`TrainConfig`) and its immutable snapshot at one epoch (`TrainingState`).

Record meaning (fixed, and shared by the app, `lrtui train --json` and the tests): the record
for epoch k holds the parameters after k updates and the loss and gradients at those
parameters. Epoch 0 is the starting point.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from lrtui import settings
from lrtui.engine.data import Preset
from lrtui.engine.rules import SLOTS, Hyper, check_hyper
from lrtui.engine.stats import SufficientStats

READY, RUNNING, CONVERGED, DIVERGED = "ready", "running", "converged", "diverged"
STATUSES = (READY, RUNNING, CONVERGED, DIVERGED)

# Column order of a history row (and of the JSON history items).
COLUMNS = ("epoch", "w", "b", "loss", "dw", "db", "dw_numeric", "db_numeric")
# A history row is COLUMNS and then the update rule's buffers (rules.SLOTS of them; 0 where the
# rule keeps none), so that stepping back restores them with w and b.
BUFFERS = tuple(f"buffer{i}" for i in range(SLOTS))
# A mini-batch run's rows add the loss of the batch that made each update.
ROW = COLUMNS + BUFFERS + ("batch_loss",)


def records(stats: SufficientStats, first_epoch: int, w: np.ndarray, b: np.ndarray, h: float,
            width: int) -> np.ndarray:
    """History records (`width` columns: COLUMNS, then zeroed buffers) for the parameters
    (w, b) of consecutive epochs from `first_epoch`: the loss, analytic gradients and central
    differences from the statistics, vectorised."""
    rows = np.zeros((len(w), width))
    rows[:, 0] = np.arange(first_epoch, first_epoch + len(w))
    rows[:, 1] = w
    rows[:, 2] = b
    with np.errstate(all="ignore"):
        rows[:, 3] = stats.loss(w, b)
        rows[:, 4], rows[:, 5] = stats.gradient(w, b)
        rows[:, 6], rows[:, 7] = stats.central_difference(w, b, h)
    return rows


OPTIONAL = ("tol", "momentum", "weight_decay", "eps", "batch_size")  # None is allowed: see below


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
    # The update rule and its hyper-parameters, as torch.optim names them (lrtui.engine.rules;
    # None: the rule's own default, as torch has it).
    optimizer: str = "sgd"
    momentum: float | None = None
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float | None = None
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None
    amsgrad: bool = False
    alpha: float = 0.99
    centered: bool = False
    lr_decay: float = 0.0
    initial_accumulator: float = 0.0
    # Mini-batches (lrtui.engine.batches): None is all the data, one update per epoch.
    batch_size: int | None = None
    shuffle: str = "epoch"
    shuffle_seed: int = 0
    drop_last: bool = False

    def __post_init__(self) -> None:
        for name in ("w0", "b0", "lr", "epochs", "h", "tol", "grad", "scale",
                     *settings.OPTIMIZER_SETTINGS, *settings.BATCH_SETTINGS):
            value = getattr(self, name)
            if value is None and name in OPTIONAL:
                continue
            settings.check(name, value)
        check_hyper(self.hyper)

    @property
    def hyper(self) -> Hyper:
        return Hyper(**{name: getattr(self, name) for name in settings.OPTIMIZER_SETTINGS})

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
    optimizer: str = "sgd"  # the update rule (TrainConfig.optimizer)
    buffers: tuple[float, ...] = ()  # its buffers after this record's update (rules.SLOTS)
    # Mini-batches: `epoch` and `epochs` count updates (steps), `batches` of them an epoch;
    # batch_loss is the loss of the batch that made this record's update (None: full batch).
    batches: int = 1
    batch_loss: float | None = None

    @classmethod
    def of_record(cls, row: Any, *, lr: float, h: float, epochs: int, tol: float | None,
                  grad: str, optimizer: str, bound: float, batches: int = 1) -> TrainingState:
        """The state of a history record (ROW's columns), with the run's settings; its status
        from the divergence `bound` and tol."""
        epoch = int(row[0])
        loss, dw, db = float(row[3]), float(row[4]), float(row[5])
        finite = math.isfinite(loss) and math.isfinite(dw) and math.isfinite(db)
        if not (finite and loss <= bound):
            status = DIVERGED
        elif tol is not None and dw * dw + db * db < tol * tol:
            status = CONVERGED
        else:
            status = READY if epoch == 0 else RUNNING
        return cls(epoch=epoch, w=float(row[1]), b=float(row[2]), loss=loss, dw=dw, db=db,
                   dw_numeric=float(row[6]), db_numeric=float(row[7]), lr=lr, h=h,
                   status=status, epochs=epochs, tol=tol, grad=grad, optimizer=optimizer,
                   buffers=tuple(float(v) for v in row[len(COLUMNS):len(COLUMNS) + SLOTS]),
                   batches=batches,
                   batch_loss=float(row[len(ROW) - 1]) if len(row) == len(ROW) else None)

    @property
    def passes(self) -> int:
        """Completed passes over the data (epochs); `epoch` itself in a full-batch run."""
        return self.epoch // self.batches

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
