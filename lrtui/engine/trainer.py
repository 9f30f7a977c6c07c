"""The Trainer: gradient descent on the MSE of y_hat = w*x + b, one immutable snapshot
(`TrainingState`) per update. The update is the rule's (`optim.py` for plain descent;
`rules.py`/`fused.py` for torch.optim's; `batches.py` for mini-batches); its gradient comes
from the run's source (`gradients.py`), the records' loss and slopes from the statistics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from lrtui import settings
from lrtui.engine.checks import check_numbers, check_start
from lrtui.engine.data import Dataset
from lrtui.engine.fused import advance, fused
from lrtui.engine.gradients import SOURCES, GradientFn, make_gradient
from lrtui.engine.optim import RULE
from lrtui.engine.rules import SLOTS, Rule
from lrtui.engine.scaling import scaled
from lrtui.engine.state import (
    COLUMNS,
    DIVERGED,
    ROW,
    TrainConfig,
    TrainingState,
    records,
)
from lrtui.engine.stats import SufficientStats
from lrtui.engine.theory import Theory
from lrtui.engine.trainer_rules import RuleSettings
from lrtui.errors import DataError

# A run has diverged when a value stops being finite or the loss exceeds DIVERGENCE_FACTOR
# times the larger of its starting loss and the optimum's loss. Below the critical learning
# rate the loss never rises, so this bound is only ever reached above it.
DIVERGENCE_FACTOR = 1e12
_TINY_LOSS = 1e-300
_CHUNK = 4096  # epochs computed per inner loop before the records are built as arrays

Sink = Callable[[np.ndarray], None]


class Trainer(RuleSettings):
    """Runs gradient descent on one dataset and keeps the current `TrainingState`.

    Each step costs O(1): the loss and gradients come from `SufficientStats`, so a run of
    10^6 points steps as fast as one of 4. `data` and `x_stats` are the data as given; the
    run trains on `train_data` (z, see scaling.py; `data` itself when the scale is none),
    and `stats`, `theory`, the state and the history are z's.
    """

    def __init__(self, data: Dataset, config: TrainConfig) -> None:
        self.data = data
        self.config = config
        self.x_stats = SufficientStats.from_data(data)
        check_numbers(data.name, self.x_stats)
        self.scaling, self.train_data, self.stats = scaled(config.scale, data, self.x_stats)
        self._lr, self._h, self._tol = config.lr, config.h, config.tol
        self._epochs, self._grad = int(config.epochs), config.grad
        self._start = (float(config.w0), float(config.b0))
        self._plan = self._make_plan(config, config.grad)
        self._set_rule(config.hyper)
        self._gradient = self._make_gradient(config.grad, config.h)  # None: analytic, inline
        check_start(self.stats, *self._start, self._h)
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

    @property
    def rule(self) -> Rule:  # the update rule; its hyper-parameters are `rule.h`
        return self._rule

    def current_config(self) -> TrainConfig:
        """The run's settings as they are now (the start, lr, h, tol, epoch budget, gradient
        source and scale can change after the run began): what an export should reproduce."""
        return TrainConfig(w0=self._start[0], b0=self._start[1], lr=self._lr,
                           epochs=self._epochs, h=self._h, tol=self._tol, grad=self._grad,
                           scale=self.scaling.kind, **vars(self._hyper), **self._batching)

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
        if row.shape[1] > len(COLUMNS):  # the rule's buffers at the start
            row[0, len(COLUMNS):len(COLUMNS) + SLOTS] = self._rule.initial()
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
        gradient = self._rescale(config.scale, config.grad, config.h,
                                 (float(config.w0), float(config.b0)))
        plan = self._make_plan(config, config.grad)
        budget = config.epochs * (1 if plan is None else plan.per_epoch)
        if recent is not None and not np.all(np.asarray(recent)[-1:, 0] <= budget):
            raise DataError("the saved records go beyond the epoch budget")
        self._plan = plan
        self._lr, self._h, self._tol = config.lr, config.h, config.tol
        self._epochs = int(config.epochs)
        self._start = (float(config.w0), float(config.b0))
        self._grad, self._gradient = config.grad, gradient
        self._set_rule(config.hyper)
        self.reset()
        if recent is not None:
            try:
                self.history.restore(recent, np.empty((0, self.history.width)) if past is None
                                     else past,
                                     stride)
            except ValueError as exc:
                self.reset()
                raise DataError(f"the saved history does not fit: {exc}") from None
            self._state = self._state_from(self.history.last())
        return self._state

    def set_start(self, w0: float | None = None, b0: float | None = None) -> TrainingState:
        """Restart from a new starting point (the learning rate and h are kept)."""
        w = self._start[0] if w0 is None else settings.check("w", w0)
        b = self._start[1] if b0 is None else settings.check("b", b0)
        check_start(self.stats, w, b, self._h)
        self._start = (w, b)
        return self.reset()

    def set_scale(self, scale: str) -> TrainingState:
        """Train on another scale (settings.SCALES); the run restarts from (w0, b0) in z's."""
        self._gradient = self._rescale(scale, self._grad, self._h, self._start)
        return self.reset()

    def set_lr(self, lr: float) -> TrainingState:
        """Change the learning rate in place; the next step uses it.

        A diverged run cannot continue from its non-finite values, so it restarts from its
        start point with the new rate.
        """
        self._lr = settings.check("lr", lr)
        if self._state.status == DIVERGED:
            return self.reset()
        self._state = replace(self._state, lr=self._lr)
        return self._state

    def set_h(self, h: float) -> TrainingState:
        """Change the central-difference step; the current record's slopes are recomputed."""
        h = settings.check("h", h)
        check_start(self.stats, *self._start, h)
        self._h = h
        s = self._state
        with np.errstate(all="ignore"):
            dwn, dbn = self.stats.central_difference(s.w, s.b, self._h)
        row = self.history.last()
        row[6], row[7] = dwn, dbn
        if self._grad == "numeric":  # the update's gradient is this slope, so it changes too
            self._gradient = self._make_gradient("numeric", h)
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
        gradient = self._make_gradient(grad, self._h)  # checks the name
        self._make_plan(self.current_config(), grad)  # mini-batches take the analytic one
        self._grad, self._gradient = grad, gradient
        row = self.history.last()
        self._regrade(row[None, :])
        self.history.set_last(row)
        self._state = self._state_from(row)
        return self._state

    def set_tol(self, tol: float | None) -> TrainingState:
        self._tol = None if tol is None else settings.check("tol", tol)
        self._state = self._state_from(self.history.last())
        return self._state

    def set_epochs(self, epochs: int) -> TrainingState:
        """Change the epoch budget (it may not fall below the epochs already run)."""
        epochs = settings.check("epochs", epochs)
        if epochs < self._state.passes:
            raise DataError(
                f"epochs {epochs} is below the {self._state.passes} epochs already run; "
                "reset first"
            )
        self._epochs = int(epochs)
        self._state = replace(self._state, epochs=self._budget)
        return self._state

    def back(self) -> TrainingState:
        """Undo the last step (through the exactly kept recent history)."""
        if self.can_go_back:
            self.history.pop()
            self._state = self._state_from(self.history.last())
        return self._state

    def step(self) -> TrainingState:  # one epoch
        return self.run(1)

    def run(self, k: int | None = None, sink: Sink | None = None,
            deadline: float | None = None) -> TrainingState:
        """Run up to k more epochs (default: the rest of the budget).

        Stops early at convergence (gradient norm below tol) or divergence. With a
        `deadline` (a `time.perf_counter()` value), a gradient source that costs O(N) a step
        stops at the first step that ends after it (at least one step runs), so a large run
        cannot freeze the app; O(1) sources always run all k. Each batch of new records is
        appended to the history and, if given, passed to `sink` as an (m, history.width)
        array (the columns of `ROW`).
        """
        remaining = self._budget - self._state.epoch
        todo = remaining if k is None else min(int(k), remaining)
        until = deadline if SOURCES[self._grad].per_point else None  # only O(N) are timed
        chunk = 1 if until is not None else _CHUNK
        while todo > 0 and self._state.status != DIVERGED:
            rows, stopped = self._advance(min(todo, chunk))
            self.history.append(rows)
            if sink is not None:
                sink(rows)
            self._state = self._state_from(rows[-1])
            todo -= len(rows)
            if stopped or (until is not None and time.perf_counter() >= until):
                break
        return self._state

    # -- internals -----------------------------------------------------------------------

    def _advance(self, m: int) -> tuple[np.ndarray, bool]:
        """m updates by the rule's fused loop on Python floats, then the records as arrays
        (the loss and slopes in one vectorised pass, with the loop's own formulas)."""
        s = self._state
        tol2 = -1.0 if self._tol is None else self._tol * self._tol
        first = s.epoch + 1
        if self._plan is not None:  # mini-batches: the rule on each batch's gradient
            with np.errstate(all="ignore"):
                ws, bs, bufs, losses, stopped = self._plan.advance(
                    self._rule, self.stats, s.w, s.b, s.buffers, s.epoch, self._lr, m,
                    self._bound, tol2)
            rows = self._rows(first, np.array(ws), np.array(bs))
            rows[:, len(COLUMNS):len(ROW) - 1] = np.array(bufs).reshape(-1, SLOTS)
            rows[:, len(ROW) - 1] = losses
            return rows, stopped
        if self._hyper.is_plain and self._gradient is None:
            ws, bs, stopped = RULE.advance_analytic(self.stats, s.w, s.b, s.dw, s.db, self._lr,
                                                    m, self._bound, tol2)
            return self._rows(first, np.array(ws), np.array(bs)), stopped
        if self._gradient is None:  # a torch.optim rule's fused loop, from its buffers
            with np.errstate(all="ignore"):
                ws, bs, cols, stopped = fused(self._rule, self.stats, s.w, s.b, s.dw, s.db,
                                              s.buffers or self._rule.initial(), s.epoch,
                                              self._lr, m, self._bound, tol2)
            rows = self._rows(first, np.array(ws), np.array(bs))
            for i, col in cols.items():
                rows[:, len(COLUMNS) + i] = col
            return rows, stopped
        sts: list[float] = []  # from here on, an O(N) or numeric gradient source
        with np.errstate(all="ignore"):
            if self._hyper.is_plain:
                ws, bs, dws, dbs, stopped = RULE.advance(self._gradient, self.stats.loss, s.w,
                                                         s.b, s.dw, s.db, self._lr, m,
                                                         self._bound, tol2)
            else:  # a torch.optim rule, from its buffers
                ws, bs, dws, dbs, sts, stopped = advance(
                    self._rule, self._gradient, self.stats.loss, s.w, s.b, s.dw, s.db,
                    s.buffers, s.epoch, self._lr, m, self._bound, tol2)
        rows = self._rows(first, np.array(ws), np.array(bs))
        rows[:, 4], rows[:, 5] = dws, dbs
        if rows.shape[1] > len(COLUMNS):
            rows[:, len(COLUMNS):] = np.array(sts).reshape(-1, SLOTS)
        return rows, stopped

    def _make_gradient(self, grad: str, h: float) -> GradientFn | None:
        return make_gradient(grad, self.train_data, self.stats, h)

    def _rescale(self, scale: str, grad: str, h: float,
                 start: tuple[float, float]) -> GradientFn | None:
        """Train on `scale`'s data (the same objects if it is the current one); returns the
        gradient source `grad` on it, once the start is checked. On DataError, no change."""
        old = self.scaling, self.train_data, self.stats, self.theory
        try:
            if scale != self.scaling.kind:
                self.scaling, self.train_data, self.stats = scaled(scale, self.data,
                                                                   self.x_stats)
                self.theory = Theory(self.stats, self._hyper)
            gradient = self._make_gradient(grad, h)
            check_start(self.stats, *start, h)
        except DataError:
            self.scaling, self.train_data, self.stats, self.theory = old
            raise
        return gradient

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
        return records(self.stats, first_epoch, w, b, self._h, self.history.width)

    def _state_from(self, row: np.ndarray) -> TrainingState:
        return TrainingState.of_record(row, lr=self._lr, h=self._h, epochs=self._budget,
                                       tol=self._tol, grad=self._grad,
                                       optimizer=self._hyper.optimizer, bound=self._bound,
                                       batches=self._per_epoch)
