"""The numbers in every record: loss, gradients and central differences, against exact
rational values and against a direct O(N) recomputation from the data."""

import math

import numpy as np
import pytest
from engine_reference import (
    EPS,
    Exact,
    central_difference_floor,
    gradient_floor,
    loss_floor,
    rel_close,
)

from lrtui.engine import Dataset, SufficientStats, TrainConfig, Trainer, model, preset, synthetic
from lrtui.engine.state import COLUMNS

LOSS, DW, DB, DWN, DBN = (COLUMNS.index(c) for c in ("loss", "dw", "db", "dw_numeric",
                                                     "db_numeric"))


def run_records(data, config):
    """Every record of a run, from the sink (what `lrtui train --json` streams) and the
    history; both must be the same rows."""
    streamed = []
    t = Trainer(data, config)
    first = t.history.rows()
    t.run(sink=streamed.append)
    rows = t.history.rows()
    np.testing.assert_array_equal(rows, np.concatenate([first, *streamed]))
    assert t.state.record() == dict(zip(COLUMNS, rows[-1].tolist(), strict=True))
    return t, rows


def check_loss_exact(data, rows, rel=1e-6):
    """Each record's loss vs the exact mean of squared residuals at its float64 w and b."""
    exact = Exact(data.x, data.y)
    zero = 0
    for row in rows:
        L = exact.loss(row[1], row[2])
        if L == 0:
            # Only at an exact fit (seed: w == 1.0 and b == 0.0 exactly) is the exact loss 0;
            # the engine then adds up three exact zeros.
            zero += 1
            assert row[LOSS] == 0.0, row
        else:
            assert rel_close(row[LOSS], L, rel), (row, float(L))
    return exact, zero


def test_seed_loss_is_exact_to_1e6_at_every_epoch():
    p = preset("seed")
    t, rows = run_records(p.data, TrainConfig.from_preset(p, epochs=2000))
    assert len(rows) == 2001 and list(rows[:, 0]) == list(range(2001))
    exact, _ = check_loss_exact(p.data, rows)
    # the integer method agrees with the plain Fraction formula, exactly, at every epoch
    for row in rows:
        assert exact.loss(row[1], row[2]) == exact.fraction_loss(row[1], row[2])
    # ... and the run really went from 202.5 down to rounding level.
    assert rows[0, LOSS] == 202.5 and rows[-1, LOSS] < 1e-28


def test_noisy_synthetic_loss_is_exact_to_1e6_at_every_epoch():
    """1000 noisy points, 2000 epochs, every epoch: the exact loss is computed in integer
    arithmetic (about 1 s), cross-checked against the naive Fraction mean at a few epochs."""
    data = synthetic(1000, slope=-2.5, intercept=1.5, noise=0.5, seed=20240611)
    t, rows = run_records(data, TrainConfig(w0=10.0, b0=-10.0, lr=0.05, epochs=2000))
    assert len(rows) == 2001
    exact, zero = check_loss_exact(data, rows)
    assert zero == 0
    for k in (0, 1, 2, 1000, 2000):
        assert exact.loss(rows[k, 1], rows[k, 2]) == exact.fraction_loss(rows[k, 1], rows[k, 2])
    # it ended at the noise floor (about noise^2 = 0.25), i.e. near the optimum where the
    # naive expanded formula would lose the most digits
    assert rows[-1, LOSS] == pytest.approx(float(exact.optimum()[2]), rel=1e-12)
    assert 0.2 < rows[-1, LOSS] < 0.3


def test_exact_loss_check_can_fail():
    """Guard for the check above: a loss one part in 1e5 off is caught."""
    p = preset("seed")
    rows = np.array([[0, 10.0, 0.0, 202.5 * (1 + 1e-5), 0, 0, 0, 0]])
    with pytest.raises(AssertionError):
        check_loss_exact(p.data, rows)


def shifted(data: Dataset, dx: float) -> Dataset:
    return Dataset(data.x + dx, data.y, name=f"{data.name} shifted")


RUNS = {
    "seed": lambda: (preset("seed").data, TrainConfig.from_preset(preset("seed"), epochs=3000)),
    "tutorial": lambda: (preset("tutorial").data,
                         TrainConfig.from_preset(preset("tutorial"), epochs=3000)),
    "noisy": lambda: (synthetic(500, slope=3.0, intercept=-2.0, noise=0.5, seed=1),
                      TrainConfig(w0=-4.0, b0=6.0, lr=0.05, epochs=3000, h=0.001)),
    "shifted": lambda: (shifted(synthetic(300, slope=0.5, intercept=7.0, noise=2.0, seed=2), 3.0),
                        TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=3000, h=0.05)),
}


@pytest.mark.parametrize("name", RUNS)
def test_records_match_direct_recomputation(name):
    """Loss, gradient and central differences of the records (O(1) sufficient-statistics
    forms) against model.py's O(N) formulas evaluated on the data, at ~400 points of a run,
    and the gradient against its exact rational value.

    Tolerances: 1e-9 relative, plus an absolute floor that comes from float64 itself: each
    residual w*x_i + b - y_i carries a rounding error e ~ eps*(|w*x_i| + |b| + |y_i|), so any
    float64 loss is uncertain by 2*sqrt(L)*e + e^2 and a gradient by ~2*max|x|*e, however
    it is computed. Near the optimum the gradient itself is of that size."""
    data, config = RUNS[name]()
    t, rows = run_records(data, config)
    x, y, h = data.x, data.y, config.h
    exact = Exact(x, y)
    # the first 300 records (large gradients), then every 8th, and the last few
    picks = sorted(set(range(300)) | set(range(0, len(rows), 8)) | set(range(len(rows) - 5,
                                                                               len(rows))))
    relative_checks = 0
    for k in picks:
        r = rows[k]
        w, b = r[1], r[2]
        lf = loss_floor(x, y, w, b, r[LOSS]) + 1e-12 * r[LOSS]
        gf = gradient_floor(x, y, w, b)
        assert r[LOSS] == pytest.approx(model.mse(x, y, w, b), rel=1e-9, abs=lf)
        dw, db = model.gradient(x, y, w, b)
        assert r[DW] == pytest.approx(dw, rel=1e-9, abs=gf)
        assert r[DB] == pytest.approx(db, rel=1e-9, abs=gf)
        ex_dw, ex_db = exact.gradient(w, b)
        assert rel_close(r[DW], ex_dw, 1e-9, gf) and rel_close(r[DB], ex_db, 1e-9, gf)
        # central differences: both sides subtract two losses at w+-h (b+-h) and divide by 2h
        cfw, cfb = central_difference_floor(x, y, w, b, h)
        dwn, dbn = model.central_difference(x, y, w, b, h)
        assert r[DWN] == pytest.approx(dwn, rel=1e-9, abs=2 * cfw)
        assert r[DBN] == pytest.approx(dbn, rel=1e-9, abs=2 * cfb)
        relative_checks += abs(dw) * 1e-9 > 2 * cfw
    assert relative_checks >= 30  # the relative part of the tolerance did real work


@pytest.mark.parametrize("name", RUNS)
def test_central_difference_agrees_with_analytic_slope(name):
    """Central difference vs analytic gradient in every record, to 1e-6 relative.

    The loss is quadratic, so (L(w+h) - L(w-h))/(2h) has no truncation error at all: the
    two differ only by rounding, about eps*L/h (the two losses cancel). Near the optimum
    the gradient falls to that size, where a relative comparison is meaningless; there the
    absolute floor applies: the rounding error of the two losses (at w+-h, or b+-h) over 2h.
    (The seed run's b stays exactly 0, where that floor is about eps*h^2/h.)"""
    data, config = RUNS[name]()
    t, rows = run_records(data, config)
    h = config.h
    relative_only = 0
    for r in rows:
        floors = central_difference_floor(data.x, data.y, r[1], r[2], h)
        for a, n, floor in ((r[DW], r[DWN], floors[0]), (r[DB], r[DBN], floors[1])):
            assert abs(n - a) <= 1e-6 * abs(a) + floor, (r, a, n, floor)
            if abs(a) * 1e-7 > floor:
                relative_only += 1
                assert abs(n - a) <= 1e-6 * abs(a)
    assert relative_only >= 60  # the relative check did real work


@pytest.mark.parametrize("h", [1.0, 0.25, 1e-3, 1e-5])
def test_central_difference_of_a_quadratic_has_no_truncation_error(h):
    """Even at h = 1 the central difference equals the analytic slope (up to rounding)."""
    data = synthetic(200, slope=1.5, intercept=-0.5, noise=1.0, seed=4)
    s = SufficientStats.from_data(data)
    rng = np.random.default_rng(0)
    for w, b in rng.uniform(-20, 20, size=(50, 2)):
        dw, db = model.gradient(data.x, data.y, w, b)
        L = model.mse(data.x, data.y, w, b)
        tol = 1e-6 * math.hypot(dw, db) + 64 * EPS * L / h
        for f in (s.central_difference, lambda w, b, h: model.central_difference(
                data.x, data.y, w, b, h)):
            dwn, dbn = f(w, b, h)
            assert abs(dwn - dw) <= tol and abs(dbn - db) <= tol


def test_direct_model_functions_are_exact_to_rounding():
    """model.py (the reference the trainer is compared with) against exact rationals."""
    data = synthetic(300, slope=-0.7, intercept=2.0, noise=0.8, seed=9)
    exact = Exact(data.x, data.y)
    rng = np.random.default_rng(1)
    for w, b in rng.uniform(-10, 10, size=(40, 2)):
        assert rel_close(model.mse(data.x, data.y, w, b), exact.loss(w, b), 1e-13)
        dw, db = model.gradient(data.x, data.y, w, b)
        ex_dw, ex_db = exact.gradient(w, b)
        gf = gradient_floor(data.x, data.y, w, b)
        assert rel_close(dw, ex_dw, 1e-12, gf) and rel_close(db, ex_db, 1e-12, gf)
        np.testing.assert_allclose(model.predict(data.x, w, b), w * data.x + b, rtol=0)


def test_sufficient_stats_loss_has_no_cancellation_near_the_optimum():
    """At (w*, b*) + tiny offsets the loss is L* + a few eps: the completed-square form gets
    the excess right where mean(y^2) - 2w*mean(xy) + ... would lose every digit."""
    data = synthetic(1000, slope=2.0, intercept=100.0, noise=0.01, seed=3)
    data = shifted(data, 50.0)
    s = SufficientStats.from_data(data)
    exact = Exact(data.x, data.y)
    w_ex, b_ex, L_ex = exact.optimum()
    for dw, db in ((0, 0), (1e-9, 0), (0, 1e-7), (-3e-8, 2e-6)):
        w, b = float(w_ex) + dw, float(b_ex) + db
        L = exact.loss(w, b)
        assert rel_close(s.loss(w, b), L, 1e-9), (s.loss(w, b), float(L))
    assert rel_close(s.sse_min_n, L_ex, 1e-9)
    assert rel_close(s.w_opt, w_ex, 1e-12)
    # b* = y_mean - w*·x_mean = 99.96 - 99.94 = 0.0117 cancels: its float64 error is set by
    # eps*|y_mean|, not by |b*|
    assert rel_close(s.b_opt, b_ex, 1e-12, 16 * EPS * abs(s.y_mean))
