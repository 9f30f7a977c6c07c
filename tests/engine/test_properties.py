"""Property tests on random data, start points and learning rates (hypothesis).

Below the critical rate 2/lambda_max the loss never rises; above it the run is reported
diverged within the number of epochs theory predicts, with no warning and no output.
"""

import math
import os

import numpy as np
from engine_reference import EPS, Exact, gradient_floor, hessian, loss_floor, rel_close, strict
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lrtui.engine import Dataset, SufficientStats, TrainConfig, Trainer

# 60 examples keep the suite fast; LRTUI_HYPOTHESIS_EXAMPLES=5000 for a long hunt.
SETTINGS = settings(max_examples=int(os.environ.get("LRTUI_HYPOTHESIS_EXAMPLES", "60")),
                    deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

coord = st.floats(-100, 100, allow_nan=False, allow_infinity=False, allow_subnormal=False)
value = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def datasets(draw, distinct: bool = False):
    n = draw(st.integers(1 if not distinct else 2, 40))
    x = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
    x = x + draw(st.sampled_from([0.0, 0.0, 3.0, -250.0]))  # sometimes far from 0
    y = np.array(draw(st.lists(value, min_size=n, max_size=n)))
    if distinct:
        # a well-posed least-squares problem (the spread of x not lost in rounding)
        assume(np.ptp(x) > 1e-3 * (1 + np.max(np.abs(x))))
    return Dataset(x, y, name="hypothesis")


start = st.floats(-1000, 1000, allow_nan=False, allow_subnormal=False)


def lam_max_of(data: Dataset) -> float:
    return float(np.linalg.eigvalsh(hessian(data.x))[1])


@SETTINGS
@given(data=datasets(), w0=start, b0=start, f=st.floats(0.01, 0.99))
def test_loss_never_rises_below_the_critical_rate(data, w0, b0, f):
    lr = f * 2 / lam_max_of(data)
    with strict():
        t = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=400))
        state = t.run()
    assert state.status == "running" and state.epoch == 400
    rows = t.history.rows()
    L = rows[:, 3]
    # Exactly, every step multiplies each error component by |1 - lr*lambda_i| <= 1, so L
    # cannot rise. In float64 the iterate is rounded each step (by eps*|w|, eps*|b|) and the
    # loss is evaluated with rounding; near the optimum, where the step's decrease is itself
    # that small, this lets L wobble by: a few eps relative, plus 2*sqrt(L)*e + e^2 for a
    # parameter-scale error e = 8 eps*G.
    G = ((np.abs(rows[:, 1]) + np.abs(rows[:, 2])).max() * (1 + np.abs(data.x).max())
         + np.abs(data.y).max())
    e = 8 * EPS * G
    slack = 16 * EPS * L[:-1] + 2 * np.sqrt(L[:-1]) * e + e * e
    rises = L[1:] - L[:-1]
    assert np.all(rises <= slack), (rises.max(), slack[np.argmax(rises - slack)])
    assert L[-1] <= L[0] * (1 + 16 * EPS) + slack[0]


@SETTINGS
@given(data=datasets(distinct=True), w0=start, b0=start, f=st.floats(1.05, 3.0))
def test_above_the_critical_rate_the_run_diverges_in_bounded_epochs(data, w0, b0, f):
    lam, V = np.linalg.eigh(hessian(data.x))
    lr = f * 2 / lam[1]
    A = np.column_stack([data.x, np.ones(data.n)])
    opt = np.linalg.lstsq(A, data.y, rcond=None)[0]
    r = A @ opt - data.y
    L_opt = float(np.dot(r, r)) / data.n
    e0 = np.array([w0, b0]) - opt
    e_max = float(V[:, 1] @ e0)  # the start's error along the unstable direction
    assume(abs(e_max) > 1e-3 * (1 + np.hypot(*e0)) and abs(e_max) > 1e-6 * (1 + np.hypot(*opt)))
    r0 = A @ np.array([w0, b0]) - data.y
    L0 = float(np.dot(r0, r0)) / data.n
    # Along that direction the error is multiplied by rho = |1 - lr*lambda_max| = 2f - 1 per
    # step, so L_k >= L* + lambda_max/2 * e_max^2 * rho^(2k). The engine calls a run diverged
    # once L > 1e12 * max(L_0, L*); so it must have done so by epoch K:
    rho = abs(1 - lr * lam[1])
    target = 1.01e12 * max(L0, L_opt, 1e-300) / (0.5 * lam[1] * e_max * e_max)
    K = max(1, math.ceil(math.log(target) / (2 * math.log(rho)))) + 1
    with strict():
        t = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=K + 1000))
        state = t.run()
        assert state.status == "diverged", (state, K)
        assert state.epoch <= K
        assert t.run().epoch == state.epoch  # a diverged run stays put
    rows = t.history.rows()
    assert np.isfinite(rows[:-1]).all()  # every record before the diverged one is finite
    assert np.all(rows[:-1, 3] <= t.divergence_bound)
    assert not rows[-1, 3] <= 0.99e12 * max(L0, L_opt)  # it did really grow (or overflow)


@SETTINGS
@given(data=datasets(), w=start, b=start)
def test_sufficient_stats_match_exact_values(data, w, b):
    """O(1) loss and gradient at random points vs exact rationals, on arbitrary data."""
    s = SufficientStats.from_data(data)
    exact = Exact(data.x, data.y)
    L = exact.loss(w, b)
    assert rel_close(s.loss(w, b), L, 1e-9, loss_floor(data.x, data.y, w, b, float(L)))
    dw, db = s.gradient(w, b)
    ex_dw, ex_db = exact.gradient(w, b)
    gf = gradient_floor(data.x, data.y, w, b)
    assert rel_close(dw, ex_dw, 1e-9, gf) and rel_close(db, ex_db, 1e-9, gf)
