"""Theory for SGD with momentum, checked against runs: the stability limits of heavy ball and
Nesterov, Polyak's tuned pair and its rate, and the predicted epochs from the 2x2
recurrence per eigenvalue; and the adaptive rules, for which theory says it has no closed
form instead of pretending."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_prediction import MAX_EPOCHS, SETTINGS, datasets, rounding_floor, start

from lrtui.engine import SufficientStats, TrainConfig, Trainer, preset
from lrtui.engine.momentum import tuned_heavy_ball, tuned_nesterov
from lrtui.engine.rules import Hyper
from lrtui.engine.theory import Theory

SEED = preset("seed")  # Hessian eigenvalues 2 and 5


def trainer(lr, epochs=3000, tol=None, **hyper):
    return Trainer(SEED.data, TrainConfig.from_preset(SEED, lr=lr, epochs=epochs, tol=tol,
                                                      **hyper))


@pytest.mark.parametrize(("hyper", "limit"), [
    (dict(momentum=0.5), 3.0 / 5.0),  # (2 + 2mu)/lambda_max
    (dict(momentum=0.9), 3.8 / 5.0),
    (dict(momentum=0.5, dampening=0.5), 3.0 / 2.5),  # /(1 - d)
    (dict(momentum=0.5, nesterov=True), 3.0 / (2.0 * 5.0)),  # /((1 + 2mu) lambda_max)
    (dict(momentum=0.9, nesterov=True), 3.8 / (2.8 * 5.0)),
])
def test_the_stability_limit_is_where_runs_start_to_diverge(hyper, limit):
    t = trainer(0.1, **hyper)
    assert t.theory.critical_lr == pytest.approx(limit, rel=1e-15)
    below = trainer(limit * 0.98, **hyper).run()
    above = trainer(limit * 1.02, **hyper).run()
    assert below.status != "diverged" and below.loss < 1e-6
    assert above.status == "diverged"


def test_polyaks_tuned_pair_and_its_rate():
    lam_min, lam_max = 2.0, 5.0
    lr, mu, rate = tuned_heavy_ball(lam_min, lam_max)
    kappa = lam_max / lam_min
    assert lr == pytest.approx(4.0 / (math.sqrt(2) + math.sqrt(5)) ** 2, rel=1e-15)
    assert mu == pytest.approx(((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2)
    t = trainer(lr, momentum=mu)
    # the spectral radius of the step matrix is the promised rate, for both eigenvalues
    assert t.theory.contraction(lr) == pytest.approx(rate, rel=1e-6)
    # tuned, both directions contract at exactly that rate (critically damped)
    from lrtui.engine.momentum import rate as radius

    hyper = Hyper(momentum=mu)
    assert radius(lam_min, lr, hyper) == pytest.approx(rate, rel=1e-6)
    assert radius(lam_max, lr, hyper) == pytest.approx(rate, rel=1e-6)
    # and it is the best pair: nudging either makes the slower direction slower
    for lr2, mu2 in ((lr * 1.05, mu), (lr * 0.95, mu), (lr, mu * 1.05), (lr, mu * 0.95)):
        worst = max(radius(lam, lr2, Hyper(momentum=mu2)) for lam in (lam_min, lam_max))
        assert worst > rate
    # plain descent at its best rate is slower: (kappa - 1)/(kappa + 1) per step
    assert rate < (kappa - 1) / (kappa + 1)


def test_tuned_nesterov_is_stable_and_faster_than_plain_descent():
    lr, mu = tuned_nesterov(2.0, 5.0)
    t = trainer(lr, momentum=mu, nesterov=True)
    assert lr < t.theory.critical_lr
    assert t.theory.contraction(lr) < (2.5 - 1) / (2.5 + 1)


@SETTINGS
@given(data=datasets(), w0=start, b0=start, f=st.floats(0.05, 0.9),
       mu=st.floats(0.0, 0.95), nesterov=st.booleans(), decades=st.floats(0.3, 8.0))
def test_predicted_epochs_match_the_run(data, w0, b0, f, mu, nesterov, decades):
    assume(mu > 0 or not nesterov)
    hyper = Hyper(momentum=mu, nesterov=nesterov)
    theory = Theory(SufficientStats.from_data(data), hyper)
    lr = f * theory.critical_lr
    g0 = math.hypot(*theory.stats.gradient(w0, b0))
    tol = g0 * 10.0**-decades
    plain = Theory(theory.stats)
    assume(tol > 1e7 * rounding_floor(data, plain, w0, b0))
    k = theory.predicted_epochs((w0, b0), lr, tol)
    assume(k is not None and 1 <= k <= MAX_EPOCHS)
    config = TrainConfig(w0=w0, b0=b0, lr=lr, epochs=k + 20, tol=tol, momentum=mu,
                         nesterov=nesterov)
    state = Trainer(data, config).run()
    assert state.status == "converged"
    assert abs(state.epoch - k) <= 1, (state.epoch, k)


def test_epochs_to_gap_with_momentum_match_the_run():
    t = trainer(0.2, momentum=0.7)
    gap = 1e-9
    k = t.theory.epochs_to_gap(t.start, 0.2, gap)
    rows = []
    t.run(sink=rows.append)
    r = np.concatenate([t.history.rows()[:1], *rows])
    below = np.asarray(t.theory.loss_gap(r[:, 1], r[:, 2])) < gap
    assert k is not None and int(r[np.argmax(below), 0]) == k


@pytest.mark.parametrize("name", ["adam", "adamw", "rmsprop", "adagrad"])
def test_the_adaptive_rules_get_no_pretend_theory(name):
    t = trainer(0.1, tol=1e-8, optimizer=name)
    assert t.theory.critical_lr is None
    assert t.theory.contraction(0.1) is None
    assert t.theory.predicted_epochs(t.start, 0.1, 1e-8) is None
    assert "no closed form" in t.theory.critical_formula


def test_weight_decay_shifts_the_limit_and_drops_the_prediction():
    t = trainer(0.1, tol=1e-8, weight_decay=1.0)
    assert t.theory.critical_lr == pytest.approx(2.0 / 6.0, rel=1e-15)
    assert t.theory.predicted_epochs(t.start, 0.1, 1e-8) is None
