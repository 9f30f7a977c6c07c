"""The fused loops (the analytic gradient inline) make exactly the records of the generic
loop (the rule's `update` and the statistics' gradient, one call each a step): bit for bit,
for every rule and option, on data with an off-centre x, through divergence and tol."""

from __future__ import annotations

import numpy as np
import pytest

from lrtui.engine import TrainConfig, Trainer, synthetic
from lrtui.engine.fused import advance, fused
from lrtui.engine.rules import Hyper, make_rule
from lrtui.engine.stats import SufficientStats

from .test_rules_torch import CASES, ids

DATA = synthetic(200, 1.5, 3.0, 0.4, 2)  # x in [-2, 2) shifted below: an off-centre valley
STATS = SufficientStats.from_data(DATA)


@pytest.mark.parametrize("h", CASES + [Hyper("adam", amsgrad=True, beta1=0.3),
                                       Hyper("rmsprop", alpha=0.3, centered=True)], ids=ids)
@pytest.mark.parametrize(("lr", "tol2"), [(0.01, -1.0), (0.05, 1e-12), (3.0, -1.0)])
def test_fused_equals_the_generic_loop_bit_for_bit(h, lr, tol2):
    rule = make_rule(h)
    w, b = -3.0, 7.0
    dw, db = STATS.gradient(w, b)
    bound = 1e12 * STATS.loss(w, b)
    with np.errstate(all="ignore"):
        ws, bs, dws, dbs, sts, stop_a = advance(rule, STATS.gradient, STATS.loss, w, b, dw, db,
                                                rule.initial(), 0, lr, 3000, bound, tol2)
        fw, fb, cols, stop_b = fused(rule, STATS, w, b, dw, db, rule.initial(), 0, lr, 3000,
                                     bound, tol2)
    assert stop_a == stop_b and len(ws) == len(fw)
    assert np.array_equal(ws, fw, equal_nan=True) and np.array_equal(bs, fb, equal_nan=True)
    flat = np.array(sts).reshape(-1, 6)
    for slot, name in enumerate(rule.names):
        if name:
            assert np.array_equal(flat[:, slot], cols[slot], equal_nan=True), name
        else:
            assert slot not in cols


def test_a_trainer_with_a_rule_uses_the_fused_loop_and_a_source_the_generic_one():
    a = Trainer(DATA, TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=300, optimizer="adam"))
    b = Trainer(DATA, TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=300, optimizer="adam",
                                  grad="numeric", h=1e-3))
    a.run()
    b.run()
    # the numeric slope of a quadratic differs from the analytic one only by rounding
    assert np.allclose(a.history.rows()[:, 1:3], b.history.rows()[:, 1:3], rtol=1e-6)
