"""Theory's prediction of a run, checked against the run.

Below the critical rate, plain descent shrinks the error along each Hessian eigenvector by
(1 - lr*lambda_i) a step, so ||g_k||^2 = sum lambda_i^2 c_i^2 (1 - lr*lambda_i)^(2k) and
L_k - L* = sum lambda_i/2 c_i^2 (1 - lr*lambda_i)^(2k). `Theory.predicted_epochs` finds the
first k with ||g_k|| < tol on that closed form; the Trainer finds it by stepping. They must
agree (to one epoch; in practice exactly) on any data, start and rate below the critical one.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from engine_reference import EPS, UNDERFLOW, hessian
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lrtui.engine import Dataset, SufficientStats, TrainConfig, Trainer, preset
from lrtui.engine.theory import Theory

SETTINGS = settings(max_examples=int(os.environ.get("LRTUI_HYPOTHESIS_EXAMPLES", "60")),
                    deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.filter_too_much])
MAX_EPOCHS = 20_000  # runs longer than this are skipped (the test is about agreement)

coord = st.floats(-50, 50, allow_nan=False, allow_infinity=False, allow_subnormal=False)
value = st.floats(-500, 500, allow_nan=False, allow_infinity=False, allow_subnormal=False)
start = st.floats(-500, 500, allow_nan=False, allow_subnormal=False)


@st.composite
def datasets(draw):
    n = draw(st.integers(2, 25))
    x = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
    x = x + draw(st.sampled_from([0.0, 0.0, 2.0, -20.0]))  # sometimes off-centre
    assume(np.ptp(x) > 1e-2 * (1 + np.max(np.abs(x))))  # a resolvable slope
    y = np.array(draw(st.lists(value, min_size=n, max_size=n)))
    return Dataset(x, y, name="hypothesis")


def theory_of(data: Dataset) -> Theory:
    return Theory(SufficientStats.from_data(data))


def run(data, w0, b0, lr, tol, epochs):
    return Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=epochs, tol=tol)).run()


def rounding_floor(data: Dataset, theory: Theory, w0: float, b0: float) -> float:
    """How large a gradient the run's own rounding can make near the optimum: each step
    rounds w and b by an ulp of their size, which the Hessian turns into a gradient."""
    opt = theory.optimum
    scale = abs(w0) + abs(b0) + abs(opt.w or 0.0) + abs(opt.b or 0.0)
    return 64 * EPS * float(np.linalg.eigvalsh(hessian(data.x))[1]) * scale


# -- the closed form against independent computations ----------------------------------------


def test_the_seed_example_by_hand():
    """x = y = [-2, -1, 1, 2], w0 = 10, b0 = 0: mean x = 0, so H = diag(5, 2), b stays at
    b* = 0, and w - 1 = 9 (1 - 5 lr)^k: ||g_k|| = 5 * 9 * |1 - 5 lr|^k exactly."""
    p = preset("seed")
    theory = theory_of(p.data)
    assert theory.eigenvalues == (2.0, 5.0)
    (lam_min, c_min), (lam_max, c_max) = theory.modes(10.0, 0.0)
    assert (lam_min, abs(c_min), lam_max, abs(c_max)) == (2.0, 0.0, 5.0, 9.0)
    for lr in (0.01, 0.05, 0.13, 0.3, 0.39):
        for k in (0, 1, 7, 100):
            by_hand = 45.0 * abs(1 - 5 * lr) ** k
            assert math.sqrt(theory.grad_norm2_at(10.0, 0.0, lr, k)) == pytest.approx(
                by_hand, rel=1e-12)
            # L - L* = mean(x^2) (w - 1)^2 = 2.5 * 81 (1 - 5 lr)^(2k)
            assert theory.loss_gap_at(10.0, 0.0, lr, k) == pytest.approx(
                202.5 * (1 - 5 * lr) ** (2 * k), rel=1e-12)
        for tol in (1e-8, 1e-3, 30.0):
            # the first k with 45 |1 - 5 lr|^k < tol, by counting (not by bisection)
            k = 0
            while 45.0 * abs(1 - 5 * lr) ** k >= tol:
                k += 1
            assert theory.predicted_epochs((10.0, 0.0), lr, tol) == k
            state = run(p.data, 10.0, 0.0, lr, tol, k + 10)
            assert (state.status, state.epoch) == ("converged", k)
    # the notes' own run: lr 0.01, 45 * 0.95^k < 1e-8 first at k = 434 (433.34 by logs)
    assert math.log(1e-8 / 45) / math.log(0.95) == pytest.approx(433.338, abs=1e-3)
    assert theory.predicted_epochs((10.0, 0.0), 0.01, 1e-8) == 434


def test_one_step_along_the_only_moving_direction():
    """lr = 1/lambda_max = 0.2 on the seed data solves w in one step (1 - 5*0.2 = 0)."""
    p = preset("seed")
    assert theory_of(p.data).predicted_epochs((10.0, 0.0), 0.2, 1e-8) == 1
    state = run(p.data, 10.0, 0.0, 0.2, 1e-8, 50)
    assert (state.status, state.epoch, state.w) == ("converged", 1, 1.0)


def test_the_closed_form_follows_every_record_of_a_run():
    """||g_k||^2 and L_k - L* of the closed form against the trainer's records, epoch by
    epoch, on off-centre noisy data (both eigen-directions move)."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 3.0, 30)
    data = Dataset(x, 1.5 * x - 4 + rng.normal(0, 0.3, 30), name="noisy")
    theory = theory_of(data)
    lr = 0.7 * theory.critical_lr
    t = Trainer(data, TrainConfig(w0=-3.0, b0=6.0, lr=lr, epochs=300))
    t.run()
    rows = t.history.rows()
    assert len(rows) == 301  # a short run keeps every record
    st_ = t.stats
    for k in range(0, 301, 3):
        epoch, w, b, _, dw, db = rows[k, :6]
        assert epoch == k
        g2 = theory.grad_norm2_at(-3.0, 6.0, lr, k)
        assert g2 == pytest.approx(dw * dw + db * db, rel=1e-9, abs=1e-24)
        d, c = w - st_.w_opt, b - (st_.y_mean - w * st_.x_mean)
        assert theory.loss_gap_at(-3.0, 6.0, lr, k) == pytest.approx(
            st_.sxx_n * d * d + c * c, rel=1e-9, abs=1e-26)
    # the eigen-decomposition against NumPy's, from the data alone
    lam, vecs = np.linalg.eigh(hessian(data.x))
    e = np.array([-3.0, 6.0]) - np.linalg.lstsq(np.c_[x, np.ones_like(x)], data.y,
                                                 rcond=None)[0]
    for (lam_i, c_i), lam_ref, v in zip(theory.modes(-3.0, 6.0), lam, vecs.T, strict=True):
        assert lam_i == pytest.approx(lam_ref, rel=1e-12)
        assert abs(c_i) == pytest.approx(abs(v @ e), rel=1e-9)


def test_the_gradient_norm_never_rises_below_the_critical_rate():
    rng = np.random.default_rng(5)
    for _ in range(20):
        x = rng.normal(rng.uniform(-3, 3), rng.uniform(0.1, 3), 10)
        theory = theory_of(Dataset(x, rng.normal(0, 5, 10), name="r"))
        lr = rng.uniform(0.01, 0.999) * theory.critical_lr
        w0, b0 = rng.uniform(-50, 50, 2)
        norms = [theory.grad_norm2_at(w0, b0, lr, k) for k in range(0, 400, 7)]
        assert all(a >= b for a, b in zip(norms, norms[1:]))


# -- the prediction against runs -------------------------------------------------------------


@SETTINGS
@given(data=datasets(), w0=start, b0=start, f=st.floats(0.05, 0.95),
       decades=st.floats(0.3, 9.0))
def test_predicted_epochs_match_the_run(data, w0, b0, f, decades):
    theory = theory_of(data)
    lr = f * theory.critical_lr
    g0 = math.hypot(*theory.stats.gradient(w0, b0))
    tol = g0 * 10.0**-decades
    assume(tol > 1e6 * rounding_floor(data, theory, w0, b0))  # above what rounding can do
    assume(tol * tol > UNDERFLOW)  # (a tol whose square underflows: the test further down)
    k = theory.predicted_epochs((w0, b0), lr, tol)
    assert k is not None and k >= 1
    assume(k <= MAX_EPOCHS)
    state = run(data, w0, b0, lr, tol, k + 20)
    assert state.status == "converged"
    assert abs(state.epoch - k) <= 1, (state.epoch, k)


@SETTINGS
@given(data=datasets(), w0=start, b0=start, f=st.floats(0.05, 0.95),
       decades=st.floats(0.3, 12.0))
def test_epochs_to_gap_match_the_run(data, w0, b0, f, decades):
    theory = theory_of(data)
    lr = f * theory.critical_lr
    s = theory.stats
    d, c = w0 - s.w_opt, b0 - (s.y_mean - w0 * s.x_mean)
    gap0 = s.sxx_n * d * d + c * c
    assume(gap0 > 0)
    gap = gap0 * 10.0**-decades
    assume(gap > UNDERFLOW)
    assume(gap > 1e6 * rounding_floor(data, theory, w0, b0) ** 2 / theory.eigenvalues[1])
    k = theory.epochs_to_gap((w0, b0), lr, gap)
    assert k is not None and k >= 1
    assume(k <= MAX_EPOCHS)
    t = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=k + 20))
    batches = [t.history.rows()]
    t.run(sink=batches.append)  # every record (the history thins long runs)
    rows = np.concatenate(batches)
    epoch, w, b = rows[:, 0], rows[:, 1], rows[:, 2]
    dd, cc = w - s.w_opt, b - (s.y_mean - w * s.x_mean)
    below = s.sxx_n * dd * dd + cc * cc < gap
    assert below.any()
    actual = int(epoch[np.argmax(below)])  # the first record below gap
    assert abs(actual - k) <= 1, (actual, k)


# -- edges -----------------------------------------------------------------------------------


def test_a_start_that_already_meets_tol_is_epoch_0():
    p = preset("seed")
    theory = theory_of(p.data)
    assert theory.predicted_epochs((10.0, 0.0), 0.01, 46.0) == 0  # ||g_0|| = 45
    assert theory.predicted_epochs((10.0, 0.0), 0.01, 45.0) == 1  # not below: 45 < 45 fails
    assert theory.predicted_epochs((10.0, 0.0), 5.0, 46.0) == 0  # whatever the rate
    t = Trainer(p.data, TrainConfig.from_preset(p, tol=46.0))
    assert t.state.status == "converged" and t.state.epoch == 0  # the trainer agrees
    assert theory.epochs_to_gap((10.0, 0.0), 0.01, 203.0) == 0  # L_0 - L* = 202.5


@pytest.mark.parametrize("factor", [1.0, 1.0000001, 1.5, 3.0])
def test_at_or_above_the_critical_rate_there_is_no_prediction(factor):
    p = preset("seed")
    theory = theory_of(p.data)
    lr = factor * theory.critical_lr
    assert theory.predicted_epochs((10.0, 0.0), lr, 1e-8) is None
    assert theory.epochs_to_gap((10.0, 0.0), lr, 1e-8) is None
    state = run(p.data, 10.0, 0.0, lr, 1e-8, 2000)
    assert state.status != "converged"  # and the run does not get there either


def test_a_tol_whose_square_underflows_is_never_met():
    """The trainer compares dw*dw + db*db < tol*tol; with tol*tol == 0.0 nothing is below it,
    not even the exact zero gradient that lr 0.2 reaches on the seed data in one step."""
    p = preset("seed")
    assert 1e-170 * 1e-170 == 0.0
    assert theory_of(p.data).predicted_epochs((10.0, 0.0), 0.2, 1e-170) is None
    state = run(p.data, 10.0, 0.0, 0.2, 1e-170, 100)
    assert state.dw == 0.0 and state.status == "running"


def test_a_flat_direction_carries_no_gradient():
    """All x equal: lambda_min = 0 and the optima form a line; the run converges along the
    other direction, as predicted."""
    data = Dataset(np.full(5, 2.0), np.array([1.0, 2.0, 3.0, 4.0, 6.0]), name="flat")
    theory = theory_of(data)
    assert theory.eigenvalues[0] == 0.0
    for f in (0.1, 0.5, 0.9):
        lr = f * theory.critical_lr
        k = theory.predicted_epochs((3.0, -1.0), lr, 1e-9)
        state = run(data, 3.0, -1.0, lr, 1e-9, 10_000)
        assert k is not None and state.status == "converged"
        assert abs(state.epoch - k) <= 1


def test_a_tiny_rate_gives_a_large_but_exact_count():
    """No stepping: 10^-9 of the critical rate predicts ~10^10 epochs at once, and the
    count is the first k with 45 (1 - 5 lr)^k < tol, checked at k - 1 and k."""
    p = preset("seed")
    theory = theory_of(p.data)
    lr = 4e-10
    k = theory.predicted_epochs((10.0, 0.0), lr, 1e-3)
    assert k is not None and k > 10**9
    log_g = lambda n: math.log(45.0) + n * math.log1p(-5 * lr)  # noqa: E731
    assert log_g(k) < math.log(1e-3) <= log_g(k - 1)
