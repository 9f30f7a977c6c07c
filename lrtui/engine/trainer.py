"""Full-batch gradient descent on the MSE of y_hat = w*x + b, one immutable snapshot per epoch.

Record meaning (fixed, and shared by the app, `lrtui train --json` and the tests): the record
for epoch k holds the parameters after k updates and the loss and gradients at those
parameters. Epoch 0 is the starting point. An update is `w -= lr*dw; b -= lr*db`, both with the
gradients of the same record.

Where the update's gradient comes from is the run's gradient source (`TrainConfig.grad`):
`analytic` (the default: the closed-form derivative from the sufficient statistics, O(1)),
`numeric` (the central difference with the run's h, also O(1)), `autograd` (lrtui's own
reverse-mode autodiff, `autograd.py`, which rebuilds the graph over all N points each step)
or `torch` (PyTorch's autograd in float64, when torch is installed). The record's dw and db
are the gradients that source produced; its loss and central-difference slopes are always
the O(1) ones.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Callable

import numpy as np

from lrtui.engine.data import DataError, Dataset, Preset
from lrtui.engine.stats import SufficientStats
from lrtui.engine.theory import Theory

READY, RUNNING, CONVERGED, DIVERGED = "ready", "running", "converged", "diverged"
STATUSES = (READY, RUNNING, CONVERGED, DIVERGED)

# A run has diverged when a value stops being finite or the loss exceeds DIVERGENCE_FACTOR
# times the larger of its starting loss and the optimum's loss. Below the critical learning
# rate the loss never rises, so this bound is only ever reached above it.
DIVERGENCE_FACTOR = 1e12
_TINY_LOSS = 1e-300

# Column order of a history row (and of the JSON history items).
COLUMNS = ("epoch", "w", "b", "loss", "dw", "db", "dw_numeric", "db_numeric")
_CHUNK = 4096  # epochs computed per inner loop before the records are built as arrays

# Where the gradient of an update comes from (see the module docstring).
GRAD_SOURCES = ("analytic", "numeric", "autograd", "torch")
GradientFn = Callable[[float, float], tuple[float, float]]


def _check_grad(grad: str) -> str:
    if grad not in GRAD_SOURCES:
        raise DataError(
            f"unknown gradient source {grad!r}; choose one of: {', '.join(GRAD_SOURCES)}"
        )
    return grad


def _check(name: str, value: float, *, positive: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        need = "a positive number" if positive else "a finite number"
        raise DataError(f"{name} must be {need}, got {value:g}")
    return value


@dataclass(frozen=True)
class TrainConfig:
    """Where a run starts and how it steps."""

    w0: float
    b0: float
    lr: float
    epochs: int
    h: float = 0.01
    tol: float | None = None  # stop (converged) when the gradient norm falls below tol
    grad: str = "analytic"  # the gradient source: one of GRAD_SOURCES

    def __post_init__(self) -> None:
        _check("w0", self.w0)
        _check("b0", self.b0)
        _check("the learning rate (lr)", self.lr, positive=True)
        _check("the step h", self.h, positive=True)
        if self.tol is not None:
            _check("the tolerance (tol)", self.tol, positive=True)
        if int(self.epochs) != self.epochs or self.epochs < 1:
            raise DataError(f"epochs must be a whole number >= 1, got {self.epochs}")
        _check_grad(self.grad)

    @classmethod
    def from_preset(cls, p: Preset, **overrides: float | int | str | None) -> "TrainConfig":
        values = dict(w0=p.w0, b0=p.b0, lr=p.lr, epochs=p.epochs, h=p.h, tol=None)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def as_dict(self) -> dict:
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

    def record(self) -> dict:
        """The history item of this epoch (keys as in `COLUMNS`)."""
        return {name: getattr(self, name) for name in COLUMNS}


class History:
    """The run's records in bounded memory.

    The most recent `recent` records (at least) are kept exactly, so the app can step back
    through them. Older records are thinned: a record that leaves the recent window is kept
    only if its epoch is a multiple of the current stride; when more than `past` of them have
    piled up, every other one is dropped and the stride doubles. So epoch 0 is always kept,
    the whole run stays visible at an even spacing, and memory never exceeds
    (2*recent + past) rows of 8 float64 values, however long the run.
    """

    def __init__(self, recent: int = 10_000, past: int = 4_096) -> None:
        self.recent_size = recent
        self.past_size = past
        self._recent = np.empty((2 * recent, len(COLUMNS)))
        self._past = np.empty((past, len(COLUMNS)))
        self.clear()

    def clear(self) -> None:
        self._n_recent = 0
        self._n_past = 0
        self.stride = 1

    def __len__(self) -> int:
        return self._n_recent + self._n_past

    @property
    def recent_count(self) -> int:
        return self._n_recent

    def append(self, rows: np.ndarray) -> None:
        for start in range(0, len(rows), self.recent_size):
            self._append(rows[start : start + self.recent_size])

    def _append(self, rows: np.ndarray) -> None:
        k = len(rows)
        if self._n_recent + k > len(self._recent):
            evict = self._n_recent + k - self.recent_size
            self._thin_into_past(self._recent[:evict])
            keep = self._n_recent - evict
            self._recent[:keep] = self._recent[evict : self._n_recent]
            self._n_recent = keep
        self._recent[self._n_recent : self._n_recent + k] = rows
        self._n_recent += k

    def _thin_into_past(self, rows: np.ndarray) -> None:
        rows = rows[rows[:, 0] % self.stride == 0]
        while self._n_past + len(rows) > self.past_size:
            self.stride *= 2
            kept = self._past[: self._n_past]
            kept = kept[kept[:, 0] % self.stride == 0]
            self._n_past = len(kept)
            self._past[: self._n_past] = kept
            rows = rows[rows[:, 0] % self.stride == 0]
        self._past[self._n_past : self._n_past + len(rows)] = rows
        self._n_past += len(rows)

    def pop(self) -> None:
        """Forget the newest record (there must be another recent one to go back to)."""
        if self._n_recent < 2:
            raise IndexError("no earlier record is kept exactly")
        self._n_recent -= 1

    def last(self) -> np.ndarray:
        return self._recent[self._n_recent - 1].copy()

    def set_last(self, row: np.ndarray) -> None:
        self._recent[self._n_recent - 1] = row

    def rows(self) -> np.ndarray:
        """All kept records, oldest first, as a (len, 8) array (a copy)."""
        return np.concatenate([self._past[: self._n_past], self._recent[: self._n_recent]])

    def column(self, name: str) -> np.ndarray:
        i = COLUMNS.index(name)
        return np.concatenate([self._past[: self._n_past, i], self._recent[: self._n_recent, i]])

    def restore(self, recent: np.ndarray, past: np.ndarray, stride: int) -> None:
        """Replace the records with saved ones: `recent` (kept exactly, consecutive epochs,
        the newest last) and `past` (the thinned older ones, at epochs that are multiples of
        `stride`), as `rows()` and `stride` gave them. Raises ValueError if they do not fit."""
        width = len(COLUMNS)
        recent = np.array(recent, dtype=np.float64).reshape(-1, width)
        past = np.array(past, dtype=np.float64).reshape(-1, width)
        if not 1 <= len(recent) <= len(self._recent):
            raise ValueError(f"{len(recent)} recent records; expected 1 to {len(self._recent)}")
        if len(past) > self.past_size:
            raise ValueError(f"{len(past)} past records; expected at most {self.past_size}")
        if int(stride) != stride or stride < 1 or int(stride) & (int(stride) - 1):
            raise ValueError(f"the stride must be a power of two, got {stride}")
        epochs = np.concatenate([past[:, 0], recent[:, 0]])
        if not (np.isfinite(epochs).all() and (epochs >= 0).all() and (epochs % 1 == 0).all()):
            raise ValueError("an epoch is not a whole number >= 0")
        if (np.diff(recent[:, 0]) != 1).any() or (np.diff(epochs) <= 0).any():
            raise ValueError("the epochs are not in order (recent ones must be consecutive)")
        if (past[:, 0] % stride != 0).any():
            raise ValueError(f"a past epoch is not a multiple of the stride {stride}")
        self.clear()
        self._recent[: len(recent)] = recent
        self._past[: len(past)] = past
        self._n_recent, self._n_past, self.stride = len(recent), len(past), int(stride)


Sink = Callable[[np.ndarray], None]


class Trainer:
    """Runs gradient descent on one dataset and keeps the current `TrainingState`.

    Each step costs O(1): the loss and gradients come from `SufficientStats`, so a run of
    10^6 points steps as fast as one of 4.
    """

    def __init__(self, data: Dataset, config: TrainConfig) -> None:
        self.data = data
        self.config = config
        self.stats = SufficientStats.from_data(data)
        self.theory = Theory(self.stats)
        self.history = History()
        self._lr = config.lr
        self._h = config.h
        self._tol = config.tol
        self._epochs = int(config.epochs)
        self._start = (float(config.w0), float(config.b0))
        self._grad = config.grad
        self._gradient = self._make_gradient(config.grad)  # None: the analytic fast path
        self._check_numbers()
        self._check_start(*self._start, self._h)
        self.reset()

    # -- reading -------------------------------------------------------------------------

    @property
    def state(self) -> TrainingState:
        return self._state

    @property
    def start(self) -> tuple[float, float]:
        return self._start

    @property
    def grad(self) -> str:
        return self._grad

    def current_config(self) -> TrainConfig:
        """The run's settings as they are now (the start, lr, h, tol, epoch budget and
        gradient source can change after the run began): what an export should reproduce."""
        return TrainConfig(w0=self._start[0], b0=self._start[1], lr=self._lr,
                           epochs=self._epochs, h=self._h, tol=self._tol, grad=self._grad)

    @property
    def divergence_bound(self) -> float:
        return self._bound

    @property
    def can_step(self) -> bool:
        return not self._state.finished

    @property
    def can_go_back(self) -> bool:
        return self.history.recent_count >= 2

    # -- changing ------------------------------------------------------------------------

    def reset(self) -> TrainingState:
        """Back to epoch 0 at the start point, keeping lr, h, tol and the epoch budget."""
        w0, b0 = self._start
        self.history.clear()
        start_loss = self.stats.loss(w0, b0)
        self._bound = DIVERGENCE_FACTOR * max(start_loss, self.stats.sse_min_n, _TINY_LOSS)
        row = self._rows(0, np.array([w0]), np.array([b0]))
        self._regrade(row)
        self.history.append(row)
        self._state = self._state_from(row[0])
        return self._state

    def restore(self, config: TrainConfig, recent: np.ndarray | None = None,
                past: np.ndarray | None = None, stride: int = 1) -> TrainingState:
        """Put the run back at a saved point: the settings of `config` (its w0, b0 are the
        start) and, if given, the history's records as `History.restore` takes them (the last
        recent record is the current state). Without records the run restarts at epoch 0.
        Stepping on from here gives the same numbers as a run that never stopped. Raises
        DataError if the start is unusable or the records do not fit."""
        gradient = self._make_gradient(_check_grad(config.grad))
        self._check_start(float(config.w0), float(config.b0), config.h)
        if recent is not None and not np.all(np.asarray(recent)[-1:, 0] <= config.epochs):
            raise DataError("the saved records go beyond the epoch budget")
        self._lr, self._h, self._tol = config.lr, config.h, config.tol
        self._epochs = int(config.epochs)
        self._start = (float(config.w0), float(config.b0))
        self._grad, self._gradient = config.grad, gradient
        self.reset()
        if recent is not None:
            try:
                self.history.restore(recent, np.empty((0, len(COLUMNS))) if past is None else past,
                                     stride)
            except ValueError as exc:
                self.reset()
                raise DataError(f"the saved history does not fit: {exc}") from None
            self._state = self._state_from(self.history.last())
        return self._state

    def _check_numbers(self) -> None:
        """Raise DataError unless the data's statistics are finite (sums over many large
        values, or a slope w* beyond float64 when x barely varies, can overflow)."""
        st = self.stats
        fields = dict(x_mean=st.x_mean, y_mean=st.y_mean, sxx_n=st.sxx_n, w_opt=st.w_opt,
                      b_opt=st.b_opt, sse_min_n=st.sse_min_n)
        bad = [name for name, value in fields.items() if not math.isfinite(value)]
        if bad:
            raise DataError(
                f"{self.data.name}: the data's statistics ({', '.join(bad)}) overflow float64; "
                "rescale the data (for example to other units)"
            )

    def _check_start(self, w: float, b: float, h: float) -> None:
        """Raise DataError if a run from (w, b) would start from inf: it would teach nothing."""
        st = self.stats
        with np.errstate(all="ignore"):
            loss = st.loss(w, b)
            start = (loss, *st.gradient(w, b))
            slopes = st.central_difference(w, b, h)
        if not all(math.isfinite(v) for v in start):
            raise DataError(
                f"the loss at the start w0 = {w:g}, b0 = {b:g} overflows float64 (it is "
                f"{loss:g}); start closer to the optimum w* = {st.w_opt:.6g}, "
                f"b* = {st.b_opt:.6g}, or rescale the data"
            )
        if not all(math.isfinite(v) for v in slopes):
            raise DataError(
                f"the step h = {h:g} is so large that L(w + h) overflows float64 at the start; "
                "choose a smaller h"
            )

    def set_start(self, w0: float | None = None, b0: float | None = None) -> TrainingState:
        """Restart from a new starting point (the learning rate and h are kept)."""
        w = self._start[0] if w0 is None else _check("w", w0)
        b = self._start[1] if b0 is None else _check("b", b0)
        self._check_start(w, b, self._h)
        self._start = (w, b)
        return self.reset()

    def set_lr(self, lr: float) -> TrainingState:
        """Change the learning rate in place; the next step uses it.

        A diverged run cannot continue from its non-finite values, so it restarts from its
        start point with the new rate.
        """
        self._lr = _check("the learning rate (lr)", lr, positive=True)
        if self._state.status == DIVERGED:
            return self.reset()
        self._state = replace(self._state, lr=self._lr)
        return self._state

    def set_h(self, h: float) -> TrainingState:
        """Change the central-difference step; the current record's slopes are recomputed."""
        h = _check("the step h", h, positive=True)
        self._check_start(*self._start, h)
        self._h = h
        s = self._state
        with np.errstate(all="ignore"):
            dwn, dbn = self.stats.central_difference(s.w, s.b, self._h)
        row = self.history.last()
        row[6], row[7] = dwn, dbn
        if self._grad == "numeric":  # the update's gradient is this slope, so it changes too
            self._regrade(row[None, :])
            self.history.set_last(row)
            self._state = self._state_from(row)
            return self._state
        self.history.set_last(row)
        self._state = replace(s, h=self._h, dw_numeric=float(dwn), db_numeric=float(dbn))
        return self._state

    def set_grad(self, grad: str) -> TrainingState:
        """Take the next updates' gradients from another source (one of GRAD_SOURCES).

        The current record's dw and db are recomputed with the new source, so the next
        update uses them; earlier records keep the gradients they were made with.
        """
        gradient = self._make_gradient(_check_grad(grad))
        self._grad, self._gradient = grad, gradient
        row = self.history.last()
        self._regrade(row[None, :])
        self.history.set_last(row)
        self._state = self._state_from(row)
        return self._state

    def set_tol(self, tol: float | None) -> TrainingState:
        self._tol = None if tol is None else _check("the tolerance (tol)", tol, positive=True)
        self._state = self._state_from(self.history.last())
        return self._state

    def set_epochs(self, epochs: int) -> TrainingState:
        """Change the epoch budget (it may not fall below the epochs already run)."""
        if int(epochs) != epochs or epochs < 1:
            raise DataError(f"epochs must be a whole number >= 1, got {epochs}")
        if epochs < self._state.epoch:
            raise DataError(
                f"epochs {epochs} is below the {self._state.epoch} epochs already run; "
                "reset first"
            )
        self._epochs = int(epochs)
        self._state = replace(self._state, epochs=self._epochs)
        return self._state

    def back(self) -> TrainingState:
        """Undo the last step (through the exactly kept recent history)."""
        if self.can_go_back:
            self.history.pop()
            self._state = self._state_from(self.history.last())
        return self._state

    def step(self) -> TrainingState:
        return self.run(1)

    def run(self, k: int | None = None, sink: Sink | None = None) -> TrainingState:
        """Run up to k more epochs (default: the rest of the budget).

        Stops early at convergence (gradient norm below tol) or divergence. Each batch of
        new records is appended to the history and, if given, passed to `sink` as an
        (m, 8) array with the columns of `COLUMNS`.
        """
        remaining = self._epochs - self._state.epoch
        todo = remaining if k is None else min(int(k), remaining)
        advance = self._advance if self._gradient is None else self._advance_with_source
        while todo > 0 and self._state.status != DIVERGED:
            rows, stopped = advance(min(todo, _CHUNK))
            self.history.append(rows)
            if sink is not None:
                sink(rows)
            self._state = self._state_from(rows[-1])
            todo -= len(rows)
            if stopped:
                break
        return self._state

    # -- internals -----------------------------------------------------------------------

    def _advance(self, m: int) -> tuple[np.ndarray, bool]:
        """The inner loop: m updates on Python floats, then the records as arrays.

        Only w and b are carried through the loop; loss, gradients and slopes of the new
        records are then computed in one vectorised pass with the same formulas, so the
        numbers in the records are exactly the ones the loop used.
        """
        s = self.stats
        w_opt, x_mean, y_mean, sxx_n, sse_n = s.w_opt, s.x_mean, s.y_mean, s.sxx_n, s.sse_min_n
        lr, bound = self._lr, self._bound
        tol2 = -1.0 if self._tol is None else self._tol * self._tol
        w, b, dw, db = self._state.w, self._state.b, self._state.dw, self._state.db
        ws: list[float] = []
        bs: list[float] = []
        stopped = False
        for _ in range(m):
            w -= lr * dw
            b -= lr * db
            ws.append(w)
            bs.append(b)
            d = w - w_opt
            c = b - (y_mean - w * x_mean)
            dw = 2.0 * (sxx_n * d + c * x_mean)
            db = 2.0 * c
            if not sse_n + sxx_n * d * d + c * c <= bound or dw * dw + db * db < tol2:
                stopped = True  # diverged (or not finite) or converged
                break
        return self._rows(self._state.epoch + 1, np.array(ws), np.array(bs)), stopped

    def _advance_with_source(self, m: int) -> tuple[np.ndarray, bool]:
        """The inner loop for the other gradient sources: the same updates and the same
        stopping rules as `_advance`, with each record's dw, db from `self._gradient`."""
        gradient, loss = self._gradient, self.stats.loss
        lr, bound = self._lr, self._bound
        tol2 = -1.0 if self._tol is None else self._tol * self._tol
        w, b, dw, db = self._state.w, self._state.b, self._state.dw, self._state.db
        ws: list[float] = []
        bs: list[float] = []
        dws: list[float] = []
        dbs: list[float] = []
        stopped = False
        with np.errstate(all="ignore"):
            for _ in range(m):
                w -= lr * dw
                b -= lr * db
                dw, db = gradient(w, b)
                ws.append(w)
                bs.append(b)
                dws.append(dw)
                dbs.append(db)
                if (not loss(w, b) <= bound or not math.isfinite(dw) or not math.isfinite(db)
                        or dw * dw + db * db < tol2):
                    stopped = True  # diverged (or not finite) or converged
                    break
        rows = self._rows(self._state.epoch + 1, np.array(ws), np.array(bs))
        rows[:, 4], rows[:, 5] = dws, dbs
        return rows, stopped

    def _make_gradient(self, grad: str) -> GradientFn | None:
        """The function (w, b) -> (dw, db) of a gradient source; None for the analytic one,
        which `_advance` computes inline."""
        if grad == "analytic":
            return None
        if grad == "numeric":
            stats = self.stats
            return lambda w, b: stats.central_difference(w, b, self._h)
        from lrtui.engine import autograd

        if grad == "autograd":
            return autograd.AutogradGradient(self.data.x, self.data.y)
        return autograd.TorchGradient(self.data.x, self.data.y)

    def _regrade(self, rows: np.ndarray) -> None:
        """Put the gradient source's dw, db into these records (in place); analytic ones
        are already there."""
        if self._gradient is None:
            rows[:, 4], rows[:, 5] = self.stats.gradient(rows[:, 1], rows[:, 2])
            return
        with np.errstate(all="ignore"):
            for row in rows:
                row[4], row[5] = self._gradient(float(row[1]), float(row[2]))

    def _rows(self, first_epoch: int, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        s = self.stats
        rows = np.empty((len(w), len(COLUMNS)))
        rows[:, 0] = np.arange(first_epoch, first_epoch + len(w))
        rows[:, 1] = w
        rows[:, 2] = b
        with np.errstate(all="ignore"):
            rows[:, 3] = s.loss(w, b)
            rows[:, 4], rows[:, 5] = s.gradient(w, b)
            rows[:, 6], rows[:, 7] = s.central_difference(w, b, self._h)
        return rows

    def _state_from(self, row: np.ndarray) -> TrainingState:
        epoch = int(row[0])
        loss, dw, db = float(row[3]), float(row[4]), float(row[5])
        finite = math.isfinite(loss) and math.isfinite(dw) and math.isfinite(db)
        if not (finite and loss <= self._bound):
            status = DIVERGED
        elif self._tol is not None and dw * dw + db * db < self._tol * self._tol:
            status = CONVERGED
        elif epoch == 0:
            status = READY
        else:
            status = RUNNING
        return TrainingState(
            epoch=epoch,
            w=float(row[1]),
            b=float(row[2]),
            loss=loss,
            dw=dw,
            db=db,
            dw_numeric=float(row[6]),
            db_numeric=float(row[7]),
            lr=self._lr,
            h=self._h,
            status=status,
            epochs=self._epochs,
            tol=self._tol,
            grad=self._grad,
        )
