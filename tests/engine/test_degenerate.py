"""Data whose best line is not unique (one point, all x equal) reaches the engine through
`Dataset` directly (the command line refuses it): answers, no crash, no warnings."""

import math

import numpy as np
import pytest
from engine_reference import Exact, gd_loop, rel_close, strict

from lrtui.engine import Dataset, SufficientStats, Theory, TrainConfig, Trainer
from lrtui.present.scenes import w_window

EQUAL_X = Dataset(np.full(4, 3.0), np.array([1.0, 2.0, 4.0, 7.0]), name="equal x")
ONE_POINT = Dataset(np.array([2.0]), np.array([5.0]), name="one point")
# x differ, but by so little that Sxx = sum((x - mean)^2) underflows to 0 in float64: to
# float64 this is equal x (this used to raise ZeroDivisionError in SufficientStats)
TINY_SPREAD = Dataset(np.array([0.0, 1.6e-203, 3.2e-203]), np.array([0.0, 1.0, 2.0]),
                      name="tiny spread")


@pytest.mark.parametrize("data", [EQUAL_X, ONE_POINT, TINY_SPREAD], ids=lambda d: d.name)
def test_stats_and_theory_answer_without_a_unique_optimum(data):
    with strict():
        s = SufficientStats.from_data(data)
        theory = Theory(s)
    assert s.unique is False
    opt = theory.optimum
    assert opt.w is None and opt.b is None
    # L* = variance of y: with x all equal (to c) the loss is var(y) + (w*c + b - mean y)^2
    assert opt.loss == pytest.approx(float(np.var(data.y)), rel=1e-15, abs=0)
    assert theory.distance(1.0, 2.0) is None
    # Hessian 2*[[c^2, c], [c, 1]]: eigenvalues 0 and 2*(c^2 + 1)
    c = float(np.mean(data.x))
    lam_min, lam_max = theory.eigenvalues
    assert lam_min == 0.0
    assert lam_max == pytest.approx(2 * (c * c + 1), rel=1e-15)
    assert theory.critical_lr == pytest.approx(1 / (c * c + 1), rel=1e-15)
    assert theory.contraction(0.5 * theory.critical_lr) == 1.0  # the flat direction stays
    # the loss is still right everywhere
    exact = Exact(data.x, data.y)
    for w, b in ((0.0, 0.0), (1.5, -2.0), (-3.0, 10.0)):
        assert rel_close(s.loss(w, b), exact.loss(w, b), 1e-12)
        dw, db = s.gradient(w, b)
        ex_dw, ex_db = exact.gradient(w, b)
        assert rel_close(dw, ex_dw, 1e-12, 1e-15) and rel_close(db, ex_db, 1e-12, 1e-15)
    # the views' helpers cope
    assert np.isfinite(theory.loss_grid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 3))).all()
    state = Trainer(data, TrainConfig(w0=2.0, b0=0.0, lr=0.1, epochs=1)).state
    for samples in (False, True):
        lo, hi = w_window(theory, 2.0, state, samples)
        assert np.isfinite([lo, hi]).all() and lo < 2.0 < hi


@pytest.mark.parametrize("data", [EQUAL_X, ONE_POINT, TINY_SPREAD], ids=lambda d: d.name)
def test_trainer_runs_on_degenerate_data(data):
    lr = 0.5 * Theory(SufficientStats.from_data(data)).critical_lr
    config = TrainConfig(w0=4.0, b0=-1.0, lr=lr, epochs=3000)
    with strict():
        t = Trainer(data, config)
        state = t.run()
    assert state.status == "running" and state.epoch == 3000
    ws, bs = gd_loop(data.x, data.y, config.w0, config.b0, lr, config.epochs)
    np.testing.assert_allclose(t.history.column("w"), ws, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t.history.column("b"), bs, rtol=1e-12, atol=1e-14)
    # It converges to the point of the best-fit line c*w + b = mean(y) nearest the start:
    # the start's component along the flat direction (1, -c) never changes.
    c, ym = float(np.mean(data.x)), float(np.mean(data.y))
    v = np.array([1.0, -c]) / math.hypot(1.0, c)
    n = np.array([c, 1.0]) / math.hypot(1.0, c)
    start = np.array([config.w0, config.b0])
    target = (start @ v) * v + ym / math.hypot(1.0, c) * n
    np.testing.assert_allclose([state.w, state.b], target, rtol=1e-9, atol=1e-12)
    assert state.loss == pytest.approx(float(np.var(data.y)), rel=1e-9, abs=1e-15)


def test_divergence_on_degenerate_data():
    lr = 1.5 * Theory(SufficientStats.from_data(EQUAL_X)).critical_lr
    with strict():
        state = Trainer(EQUAL_X, TrainConfig(w0=4.0, b0=-1.0, lr=lr, epochs=1000)).run()
    assert state.status == "diverged"
