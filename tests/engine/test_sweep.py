"""`lrtui.sweep`: all rates stepped together must give, rate by rate, exactly the run the
Trainer gives with that lr (status, epochs run, final loss, bit for bit)."""

from __future__ import annotations

import math
import os
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lrtui import sweep
from lrtui.engine import Dataset, TrainConfig, Trainer, preset
from lrtui.errors import DataError

SETTINGS = settings(max_examples=int(os.environ.get("LRTUI_HYPOTHESIS_EXAMPLES", "60")),
                    deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_rows_are_trainer_runs(data: Dataset, config: TrainConfig, lrs) -> list[sweep.Row]:
    rows = sweep.sweep(Trainer(data, config), np.asarray(lrs, dtype=float))
    assert [r.lr for r in rows] == [float(v) for v in lrs]
    for row in rows:
        t = Trainer(data, replace(config, lr=row.lr))
        s = t.run()
        assert (row.status, row.epochs_run) == (s.status, s.epoch), row
        assert same_float(row.final_loss, s.loss), (row, s.loss)
        expected = (None if config.tol is None
                    else t.theory.predicted_epochs(t.start, row.lr, config.tol))
        assert row.predicted_epochs == expected
    return rows


def test_the_seed_sweep_row_by_row():
    p = preset("seed")
    config = TrainConfig.from_preset(p, tol=1e-8)
    critical = 0.4
    lrs = sweep.rates(0.011 * critical, 1.1 * critical, 20)
    rows = assert_rows_are_trainer_runs(p.data, config, lrs)
    reasons = {r.stop_reason for r in rows}
    assert reasons == {"epochs", "converged", "diverged"}  # all three kinds of stop
    for r in rows:  # and theory agrees with every converged run
        if r.status == "converged":
            assert r.predicted_epochs == r.epochs_run


def test_off_centre_noisy_data_both_directions_move():
    rng = np.random.default_rng(11)
    x = rng.uniform(1.0, 4.0, 50)
    data = Dataset(x, -0.7 * x + 3 + rng.normal(0, 0.2, 50), name="off-centre")
    config = TrainConfig(w0=4.0, b0=-2.0, lr=0.01, epochs=3000, tol=1e-7)
    critical = Trainer(data, config).theory.critical_lr
    assert_rows_are_trainer_runs(data, config, sweep.rates(0.02 * critical, 1.3 * critical, 25))


def test_past_the_trainers_chunk_of_4096_epochs():
    """The trainer restarts its fused loop every 4,096 epochs from the record's dw, db; the
    sweep never does, and still matches at 9,000 epochs."""
    p = preset("tutorial")
    config = TrainConfig.from_preset(p, epochs=9000, tol=1e-12)
    rows = assert_rows_are_trainer_runs(p.data, config, sweep.rates(1e-4, 1e-2, 9))
    assert any(r.epochs_run == 9000 for r in rows) and any(4096 < r.epochs_run < 9000
                                                           for r in rows)


def test_a_start_that_already_meets_tol_steps_once_like_the_trainer():
    """The trainer steps on from a start that already meets tol and stops after one epoch
    (theory's count is 0); the sweep does the same."""
    p = preset("seed")
    config = TrainConfig.from_preset(p, tol=46.0)  # ||g_0|| = 45
    rows = assert_rows_are_trainer_runs(p.data, config, [0.01, 0.1, 0.3, 0.5])
    # at 0.5 (above the critical 0.4) one step takes 45 to 45 * 1.5 = 67.5: diverges
    assert [(r.epochs_run, r.predicted_epochs) for r in rows[:3]] == [(1, 0)] * 3
    assert rows[3].status == "diverged" and rows[3].predicted_epochs == 0


def test_without_tol_every_run_goes_its_budget_or_diverges():
    p = preset("seed")
    config = TrainConfig.from_preset(p, epochs=300)
    rows = assert_rows_are_trainer_runs(p.data, config, [0.001, 0.3, 0.41, 1e300])
    assert [r.status for r in rows] == ["running", "running", "diverged", "diverged"]
    assert math.isinf(rows[-1].final_loss) and rows[-1].as_dict()["final_loss"] is None


def test_another_gradient_source_runs_the_trainer_per_rate():
    p = preset("seed")
    config = TrainConfig.from_preset(p, tol=1e-6, grad="numeric")
    assert_rows_are_trainer_runs(p.data, config, [0.01, 0.2, 0.45])


@st.composite
def datasets(draw):
    n = draw(st.integers(1, 20))
    coord = st.floats(-30, 30, allow_nan=False, allow_subnormal=False)
    x = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
    y = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
    return Dataset(x + draw(st.sampled_from([0.0, 5.0, -40.0])), y, name="hypothesis")


@SETTINGS
@given(data=datasets(), w0=st.floats(-100, 100), b0=st.floats(-100, 100),
       low=st.floats(0.001, 0.9), high=st.floats(1.0, 2.5), count=st.integers(2, 6),
       tol=st.sampled_from([None, 1e-9, 1e-4, 1.0]), epochs=st.integers(1, 1500))
def test_any_data_and_range(data, w0, b0, low, high, count, tol, epochs):
    config = TrainConfig(w0=w0, b0=b0, lr=0.01, epochs=epochs, tol=tol)
    critical = Trainer(data, config).theory.critical_lr
    assume(math.isfinite(critical) and low * critical > 0)
    assert_rows_are_trainer_runs(data, config, sweep.rates(low * critical,
                                                           high * critical, count))


def test_rates_are_log_spaced_with_exact_ends():
    lrs = sweep.rates(0.003, 0.7, 9)
    assert lrs[0] == 0.003 and lrs[-1] == 0.7 and len(lrs) == 9
    ratios = lrs[1:] / lrs[:-1]
    assert np.allclose(ratios, (0.7 / 0.003) ** (1 / 8), rtol=1e-12, atol=0)


@pytest.mark.parametrize(("low", "high", "count", "words"), [
    (0.1, 0.1, 5, "below"), (0.2, 0.1, 5, "below"), (0.1, 0.2, 1, "count"),
    (0.0, 0.2, 5, "greater than 0"), (-1.0, 0.2, 5, "greater than 0"),
    (0.1, math.inf, 5, "finite"),
])
def test_bad_ranges(low, high, count, words):
    with pytest.raises(DataError, match=words):
        sweep.rates(low, high, count)
