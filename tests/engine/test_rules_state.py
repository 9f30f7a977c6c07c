"""An update rule's buffers are part of the training state: stepping back restores them
exactly, sessions save and resume them bit for bit, and the history, the JSON and the CSV
carry them by torch's names. Plain descent (sgd, momentum 0) keeps today's 8 columns."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from lrtui.engine import DataError, TrainConfig, Trainer, preset
from lrtui.engine.state import COLUMNS, ROW
from lrtui.session import export_history

from .test_session import assert_same_run, in_tmp, round_trip  # noqa: F401 (a fixture)

RULES = [dict(optimizer="sgd", momentum=0.9), dict(optimizer="sgd", momentum=0.8,
                                                   nesterov=True),
         dict(optimizer="adam", amsgrad=True), dict(optimizer="adamw"),
         dict(optimizer="rmsprop", centered=True, momentum=0.5), dict(optimizer="adagrad")]


def seed(**overrides) -> Trainer:
    p = preset("seed")
    return Trainer(p.data, TrainConfig.from_preset(p, **{"lr": 0.05, **overrides}))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: "-".join(map(str, r.values())))
def test_back_restores_the_buffers_exactly(rule):
    t = seed(**rule)
    t.run(30)
    before = t.history.last().copy()
    t.run(5)
    for _ in range(5):
        t.back()
    assert np.array_equal(t.history.last(), before)
    assert t.state.buffers == tuple(before[len(COLUMNS):])
    # and stepping on from there makes the same records as the first time
    again = seed(**rule)
    again.run(36)
    t.run(6)
    assert np.array_equal(t.history.rows(), again.history.rows())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: "-".join(map(str, r.values())))
def test_sessions_resume_the_buffers_bit_for_bit(rule, in_tmp):  # noqa: F811
    a = seed(**rule)
    a.run(40)
    assert any(a.state.buffers)
    b, _ = round_trip(a)
    assert b.rule.h == a.rule.h
    assert_same_run(a, b)
    a.run(30)
    b.run(30)
    assert_same_run(a, b)
    assert np.array_equal(a.history.rows(), b.history.rows())


def test_plain_descent_keeps_eight_columns_and_a_rule_adds_its_buffers():
    assert seed().history.rows().shape[1] == len(COLUMNS) == 8
    assert seed(optimizer="adam").history.rows().shape[1] == len(COLUMNS) + 6 == 14
    assert seed(batch_size=2).history.rows().shape[1] == len(ROW) == 15
    # sgd with momentum 0 is plain descent, bit for bit, even with weight decay 0 given
    a, b = seed(), seed(optimizer="sgd", momentum=0.0, weight_decay=0.0)
    a.run(100)
    b.run(100)
    assert np.array_equal(a.history.rows(), b.history.rows())


def test_the_csv_names_the_buffers(in_tmp):  # noqa: F811
    t = seed(optimizer="adam")
    t.run(3)
    with open(export_history(t, in_tmp)) as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*COLUMNS, "exp_avg_w", "exp_avg_b", "exp_avg_sq_w", "exp_avg_sq_b"]
    assert [float(v) for v in rows[-1][8:]] == list(t.state.buffers[:4])


def test_a_changed_rule_restarts_with_torchs_defaults_and_refuses_what_it_does_not_take():
    t = seed(optimizer="sgd", momentum=0.9)
    t.run(10)
    t.set_optimizer(optimizer="rmsprop")
    assert t.state.epoch == 0 and t.rule.h.mu == 0.0  # a new torch.optim.RMSprop
    t.set_optimizer(momentum=0.5)
    assert t.rule.h.mu == 0.5 and t.rule.h.optimizer == "rmsprop"
    with pytest.raises(DataError, match="beta1 does not apply to rmsprop"):
        t.set_optimizer(beta1=0.5)
    with pytest.raises(DataError, match="Nesterov momentum requires"):
        t.set_optimizer(optimizer="sgd", nesterov=True)
    assert t.rule.h.optimizer == "rmsprop" and t.rule.h.mu == 0.5  # unchanged


@pytest.mark.parametrize("rule", [dict(optimizer="adam", eps=0.0),
                                  dict(optimizer="rmsprop", eps=0.0),
                                  dict(optimizer="adagrad", eps=0.0)])
def test_eps_0_with_a_zero_gradient_is_nan_as_in_torch_not_an_error(rule):
    """On the seed data dL/db is exactly 0 all along: with eps 0, the rule divides 0 by 0,
    which torch.optim turns into nan (the run diverges) and Python would raise."""
    t = seed(**rule)
    s = t.run(50)
    assert s.status == "diverged" and np.isnan(s.b) and s.epoch == 1
    batched = seed(batch_size=2, **rule)  # and on mini-batches, through the generic update
    assert batched.run(50).status in ("diverged", "running", "converged")
