"""Frame: one immutable object per publish, everything the views draw.

The app makes a Frame from the trainer after each key or tick (`Frame.of`) and hands it down;
views read it and hold no engine object. The cheap parts (the state, the view settings, the
status words, the next step) are plain fields and properties; the costly ones (the gradient
comparison, which builds an autograd graph over all N points; the computation graph; the plot
scenes) are computed on first use and cached, so a frame whose plots are not redrawn
computes no scene.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, TypeVar

import numpy as np

from lrtui.engine.autograd import Node, loss_graph
from lrtui.engine.data import Dataset
from lrtui.engine.ladder import nice_step
from lrtui.engine.optim import RULE
from lrtui.engine.rules import SLOTS, Rule, make_rule, next_point
from lrtui.engine.scaling import Scaling
from lrtui.engine.state import ROW, TrainingState
from lrtui.engine.stats import SufficientStats
from lrtui.engine.theory import Theory
from lrtui.engine.trainer import Trainer
from lrtui.present import scenes
from lrtui.present.formulas import (
    AUTOGRAD_LIVE_MAX,
    GradientComparison,
    GradientFormula,
    compare_gradients,
    gradient_formula,
)
from lrtui.present.landscape import MapScene, map_scene
from lrtui.present.status import status_message, status_word
from lrtui.present.sweep_scene import SweepScene, sweep_scene
from lrtui.present.view import ViewSettings

_T = TypeVar("_T")


@dataclass(frozen=True, eq=False)
class Run:
    """What stays the same for a whole run: the data it trains on (z: x itself, or x
    centred or standardised, see engine/scaling.py), z's statistics and theory, the scaling,
    and the bounded sample of the points (in x) the fit view draws. Made once per app, and
    again when the run's scale changes (`following`)."""

    data: Dataset
    stats: SufficientStats
    theory: Theory
    fit_sample: tuple[np.ndarray, np.ndarray]
    scaling: Scaling = Scaling("none", 0.0, 1.0)
    sweeps: dict[Any, SweepScene] = field(default_factory=dict, repr=False)  # by settings

    @classmethod
    def of(cls, trainer: Trainer) -> Run:
        return cls(trainer.train_data, trainer.stats, trainer.theory,
                   scenes.fit_sample(trainer.data), trainer.scaling)

    def following(self, trainer: Trainer) -> Run:
        """This run, or (once its scale changed) one made for the trainer as it is now,
        kept here so that each later frame finds it."""
        if self.theory is trainer.theory:
            return self
        latest: Run | None = self.__dict__.get("_latest")
        if latest is None or latest.theory is not trainer.theory:
            latest = Run.of(trainer)
            object.__setattr__(self, "_latest", latest)
        return latest


@dataclass(frozen=True, eq=False)
class Runner:
    """One runner of a race (`lrtui race --app`), as it was at a publish."""

    label: str  # its settings, "optimizer=adam lr=0.1"
    state: TrainingState
    epochs: np.ndarray
    losses: np.ndarray
    path: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, label: str, trainer: Trainer) -> Runner:
        h = trainer.history
        return cls(label, trainer.state, h.column("epoch"), h.column("loss"),
                   (h.column("w"), h.column("b")))


@dataclass(frozen=True, eq=False)
class Frame:
    run: Run
    state: TrainingState
    view: ViewSettings
    playing: bool
    start: tuple[float, float]  # the run's starting (w, b)
    bound: float  # the loss past which the run counts as diverged
    epochs: np.ndarray  # the kept history's epochs and losses, as they were at this publish
    losses: np.ndarray
    path: tuple[np.ndarray, np.ndarray] | None = None  # the kept (w, b) history, for the map
    sweep: SweepScene | None = None  # the learning-rate sweep, while the view shows it
    batch_losses: np.ndarray | None = None  # mini-batches: each update's batch loss
    runners: tuple[Runner, ...] = ()  # a race: every runner, the first one this run
    noise_floor: float | None = None  # mini-batches: theory's E[L - L*] at this lr
    next_gradient: tuple[float, float] | None = None  # mini-batches: the next batch's
    _scenes: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, run: Run, trainer: Trainer, view: ViewSettings, playing: bool) -> Frame:
        run = run.following(trainer)
        history = trainer.history
        path = (history.column("w"), history.column("b")) if view.map else None
        swept = None
        if view.sweep:  # remade only when the start, budget, tol or scale change
            key = replace(trainer.current_config(), lr=1.0, grad="analytic")
            if key not in run.sweeps:
                run.sweeps.clear()
                run.sweeps[key] = sweep_scene(trainer)
            swept = run.sweeps[key]
        batch = history.column("batch_loss") if history.width == len(ROW) else None
        followers = getattr(trainer, "followers", ())
        runners = tuple(Runner.of(label, t) for label, t in zip(
            getattr(trainer, "labels", ()), (trainer, *followers), strict=False))
        return cls(run, trainer.state, view, playing, trainer.start, trainer.divergence_bound,
                   history.column("epoch"), history.column("loss"), path, swept, batch,
                   runners, *((None, None) if trainer.plan is None else (
                       trainer.plan.noise_floor(trainer.stats, trainer.state.lr),
                       trainer.plan.gradient(trainer.state.epoch, trainer.state.w,
                                             trainer.state.b))))

    # -- numbers -------------------------------------------------------------------------

    @property
    def status(self) -> tuple[str, str]:
        """What the run is doing, in a word, and its tone (a colour class)."""
        return status_word(self.state, self.playing)

    @property
    def message(self) -> tuple[str, str]:
        """The message bar's (text, tone); an empty text means "show the key hint"."""
        return status_message(self.state, self.run.theory, self.bound, self.playing,
                              self.view.speed)

    @property
    def next_step(self) -> tuple[float, float]:
        """(dw, db) of the next update: the update rule's step from here (with its buffers)."""
        s = self.stepping_state
        if self.run.theory.hyper.is_plain:
            return RULE.delta(s.dw, s.db, s.lr)
        w, b = next_point(self.rule, s.w, s.b, s.dw, s.db, s.buffers, s.epoch, s.lr)
        return w - s.w, b - s.b

    @property
    def stepping_state(self) -> TrainingState:
        """The state with the gradient the next update uses: its dw, db, or on mini-batches
        the next batch's."""
        if self.next_gradient is None:
            return self.state
        return replace(self.state, dw=self.next_gradient[0], db=self.next_gradient[1])

    @cached_property
    def rule(self) -> Rule:
        """The run's update rule (its hyper-parameters are `rule.h`)."""
        return make_rule(self.run.theory.hyper)

    @property
    def buffers(self) -> list[tuple[str, float, float]]:
        """The rule's buffers now, as (torch's name, w's, b's), e.g. ("exp_avg", m_w, m_b)."""
        names, values = self.rule.names, self.state.buffers
        return [(names[i][:-2], values[i], values[i + 1]) for i in range(0, len(names), 2)
                if names[i] and len(values) == SLOTS]

    @cached_property
    def predicted_epochs(self) -> int | None:
        """Theory's first epoch with gradient norm below tol, for plain descent from the
        run's start at the current lr (None: no tol, or the run never gets there)."""
        s = self.state
        if s.tol is None or s.batches > 1:  # mini-batch noise: no closed form
            return None
        return self.run.theory.predicted_epochs(self.start, s.lr, s.tol)

    @cached_property
    def gradients(self) -> GradientComparison:
        """The gradient from every source; autograd's O(N) column only while paused for
        large data."""
        live = not self.playing or self.run.data.n <= AUTOGRAD_LIVE_MAX
        return compare_gradients(self.run.data, self.run.stats, self.state, autograd=live)

    @cached_property
    def formula(self) -> GradientFormula:
        return gradient_formula(self.run.data, self.state)

    @cached_property
    def graph(self) -> list[Node] | None:
        """The autograd graph of L at (w, b), or None when w or b is not finite."""
        s = self.state
        if not s.finite:
            return None
        return loss_graph(self.run.data.x, self.run.data.y, s.w, s.b)

    # -- plot scenes (cached per size) ---------------------------------------------------

    def _cached(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        if key not in self._scenes:
            self._scenes[key] = make()
        value: _T = self._scenes[key]  # what make() returned for this key
        return value

    @property
    def measured_floor(self) -> float | None:
        """Mini-batches: the mean L - L* over the last 10 epochs' updates (or half the run)."""
        s = self.state
        if self.noise_floor is None or s.epoch < 2:
            return None
        last = self.losses[-min(10 * s.batches, s.epoch // 2):]
        return float(np.mean(last)) - self.run.theory.optimum.loss

    def batch_series(self, max_points: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The batch losses (from step 1) as `loss_series` thins them; None: full batch."""
        if self.batch_losses is None or len(self.epochs) < 2:
            return None
        log = self.view.log
        return self._cached(("batch", max_points, log), lambda: scenes.loss_series(
            self.epochs[1:], self.batch_losses[1:], max_points, log))  # type: ignore[index]

    def loss_series(self, max_points: int) -> tuple[np.ndarray, np.ndarray]:
        log = self.view.log
        return self._cached(("loss", max_points, log), lambda: scenes.loss_series(
            self.epochs, self.losses, max_points, log))

    def w_window(self) -> tuple[float, float]:
        """The whole path's w range (start, w, w*): what w/W size their step by."""
        return self._cached(("window",), lambda: scenes.w_window(
            self.run.theory, self.start[0], self.state, self.view.tangents))

    def follow_window(self) -> tuple[float, float] | None:
        """The L(w) view's narrower range near the optimum in follow mode (None: whole path)."""
        if not self.view.follow:
            return None
        return self._cached(("follow",), lambda: scenes.follow_window(
            self.run.theory, self.state, self.start[0], self.view.tangents))

    def tangent_scene(self, points: int) -> scenes.TangentScene:
        return self._cached(("tangent", points), lambda: scenes.tangent_scene(
            self.run.theory, self.state, self.follow_window() or self.w_window(),
            self.view.tangents, points))

    def map_scene(self, cols: int, rows: int, ascii_only: bool,
                  cursor: tuple[int, int] | None = None) -> MapScene | None:
        others = tuple(r.path for r in self.runners[1:])
        return self._cached(("map", cols, rows, ascii_only, cursor), lambda: map_scene(
            self.run.theory, self.state, self.start, self.path, cols, rows, ascii_only, cursor,
            others))

    def moved_start(self, which: str, direction: int) -> tuple[float, float]:
        """w/W/b/B: the start moved by a step sized to the view (a round fraction of the L(w)
        window for w, of the fit plot's y range for b), from here (or the start if here is not
        finite)."""
        s = self.state
        w, b = (s.w, s.b) if s.finite else self.start
        if which == "w":
            lo, hi = self.w_window()
            return w + direction * nice_step(hi - lo), b
        ylo, yhi = self.fit_scene().ylim
        return w, b + direction * nice_step(yhi - ylo)

    def fit_scene(self) -> scenes.FitScene:
        return self._cached(("fit",), lambda: scenes.fit_scene(
            self.run.fit_sample, self.run.theory, self.state, self.run.scaling))
