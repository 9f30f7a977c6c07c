"""The Trainer's update rule and mini-batch settings (a mixin of `Trainer`): the rule and its
hyper-parameters, the batch plan, and how wide the history's records are for them."""

from __future__ import annotations

from typing import Any

from lrtui import settings
from lrtui.engine.batches import BatchPlan
from lrtui.engine.data import Dataset
from lrtui.engine.history import History
from lrtui.engine.rules import SLOTS, Hyper, Rule, check_applies, make_rule
from lrtui.engine.state import COLUMNS, CONVERGED, ROW, TrainConfig, TrainingState
from lrtui.engine.stats import SufficientStats
from lrtui.engine.theory import Theory
from lrtui.errors import DataError


class RuleSettings:
    # set by Trainer
    data: Dataset
    stats: SufficientStats
    history: History
    theory: Theory
    _hyper: Hyper
    _rule: Rule
    _plan: BatchPlan | None
    _epochs: int

    @property
    def state(self) -> TrainingState:
        raise NotImplementedError

    @property
    def done(self) -> bool:
        """Whether playing stops here: the run converged, diverged or spent its budget (a
        race is done when all its runners are)."""
        return self.state.finished or self.state.status == CONVERGED

    def reset(self) -> TrainingState:
        raise NotImplementedError

    def current_config(self) -> TrainConfig:
        raise NotImplementedError

    def set_optimizer(self, **values: object) -> TrainingState:
        """Another rule (with torch's defaults but for the values given with it) or new
        hyper-parameters; the run restarts. DataError (nothing changes) on a value the rule
        does not take or a combination torch refuses."""
        rule = str(values.get("optimizer", self._hyper.optimizer))
        check_applies(rule, values)
        base = vars(self._hyper) if rule == self._hyper.optimizer else {}
        self._set_rule(Hyper(**{**base, **{k: settings.check(k, v) for k, v in values.items()}}))
        return self.reset()

    def set_batches(self, **values: object) -> TrainingState:
        """Mini-batch settings (batch_size, shuffle, shuffle_seed, drop_last; batch_size None:
        full batch); the run restarts. DataError (nothing changes) if they do not fit."""
        checked = {k: (None if k == "batch_size" and v is None else settings.check(k, v))
                   for k, v in values.items()}
        config = TrainConfig(**{**vars(self.current_config()), **checked})
        self._plan = self._make_plan(config, config.grad)
        self._set_rule(self._hyper)
        return self.reset()

    @property
    def plan(self) -> BatchPlan | None:
        """The mini-batch plan (None: full batch)."""
        return self._plan

    @property
    def _per_epoch(self) -> int:
        return 1 if self._plan is None else self._plan.per_epoch

    @property
    def _budget(self) -> int:
        """The epoch budget in updates."""
        return self._epochs * self._per_epoch

    @property
    def _batching(self) -> dict[str, Any]:
        p = self._plan
        if p is None:
            return {}
        return dict(batch_size=p.size, shuffle=p.shuffle, shuffle_seed=p.seed,
                    drop_last=p.drop_last)

    def _make_plan(self, config: TrainConfig, grad: str) -> BatchPlan | None:
        if config.batch_size is None:
            return None
        if grad != "analytic":
            raise DataError(f"mini-batches take each batch's analytic gradient; --grad {grad} "
                            "works on full batches only")
        return BatchPlan(self.data, config.batch_size, config.shuffle, config.shuffle_seed,
                         config.drop_last)

    def _set_rule(self, hyper: Hyper) -> None:
        """The rule, its theory, and a history as wide as the records: COLUMNS, then the
        rule's buffers if it keeps any, then the batch loss for mini-batches (plain
        descent's records are what they always were)."""
        self._hyper, self._rule = hyper, make_rule(hyper)
        self.theory = Theory(self.stats, hyper)
        width = (len(ROW) if self._plan is not None
                 else len(COLUMNS) + SLOTS if any(self._rule.names) else len(COLUMNS))
        if getattr(self, "history", None) is None or self.history.width != width:
            self.history = History(width=width)
