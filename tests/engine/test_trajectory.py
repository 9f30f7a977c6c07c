"""The trainer's trajectory against a plain gradient-descent loop, and what its controls
(step, run, reset, set_lr, set_h, set_tol, back, set_start) do to it."""

import math

import numpy as np
import pytest
from engine_reference import gd_loop, strict

from lrtui.engine import DataError, Dataset, TrainConfig, Trainer, model, preset, synthetic
from lrtui.engine.state import COLUMNS


def trajectory(t: Trainer):
    return t.history.column("w"), t.history.column("b")


def model_gradient(x, y, w, b):
    return model.gradient(x, y, w, b)


CASES = {
    "seed": lambda: (preset("seed").data, TrainConfig.from_preset(preset("seed"), epochs=2000)),
    "tutorial": lambda: (preset("tutorial").data,
                         TrainConfig.from_preset(preset("tutorial"), epochs=2000)),
    # 9000 epochs: the trainer works in chunks of 4096, so this crosses two chunk boundaries
    "synthetic": lambda: (synthetic(400, slope=-1.2, intercept=0.7, noise=0.4, seed=77),
                          TrainConfig(w0=3.0, b0=-8.0, lr=0.1, epochs=9000)),
    "shifted": lambda: (Dataset(synthetic(50, slope=2.0, intercept=1.0, noise=1.0, seed=5).x + 2,
                                synthetic(50, slope=2.0, intercept=1.0, noise=1.0, seed=5).y,
                                name="shifted"),
                        TrainConfig(w0=-5.0, b0=5.0, lr=0.03, epochs=6000)),
}


@pytest.mark.parametrize("name", CASES)
def test_trajectory_equals_plain_gradient_descent_loop(name):
    """Record k holds the parameters after k updates; epoch 0 is the start."""
    data, config = CASES[name]()
    t = Trainer(data, config)
    state = t.run()
    assert state.epoch == config.epochs and state.status == "running"
    w, b = trajectory(t)
    assert list(t.history.column("epoch")) == list(range(config.epochs + 1))
    ws, bs = gd_loop(data.x, data.y, config.w0, config.b0, config.lr, config.epochs,
                     grad=model_gradient)
    assert (w[0], b[0]) == (config.w0, config.b0)
    # 1e-12 relative; a parameter whose value is 0 (the seed's b, exactly 0 in the trainer)
    # is compared on the scale of the run instead: the loop's direct O(N) gradient rounds to
    # about 1e-16 where the exact one is 0 (seed: db = -4e-16 at w = 9.55), and lr times that
    # leaves b at -2e-17, not 0.
    scale = max(abs(config.w0), abs(config.b0), abs(ws[-1]), abs(bs[-1]))
    np.testing.assert_allclose(w, ws, rtol=1e-12, atol=1e-13 * scale)
    np.testing.assert_allclose(b, bs, rtol=1e-12, atol=1e-13 * scale)
    if name == "seed":
        assert np.all(b == 0.0) and np.abs(bs).max() < 1e-16
    # The last state is the last record.
    assert (state.w, state.b) == (w[-1], b[-1])


@pytest.mark.parametrize("name", CASES)
def test_each_update_uses_the_gradients_of_its_own_record(name):
    """w[k+1] = w[k] - lr*dw[k] and b[k+1] = b[k] - lr*db[k], bit for bit."""
    data, config = CASES[name]()
    t = Trainer(data, config)
    t.run()
    rows = t.history.rows()
    lr = config.lr
    np.testing.assert_array_equal(rows[1:, 1], rows[:-1, 1] - lr * rows[:-1, 4])
    np.testing.assert_array_equal(rows[1:, 2], rows[:-1, 2] - lr * rows[:-1, 5])


def test_stepping_one_at_a_time_equals_one_run():
    data, config = CASES["synthetic"]()
    config = TrainConfig(config.w0, config.b0, config.lr, epochs=300)
    a, b = Trainer(data, config), Trainer(data, config)
    a.run()
    states = [b.state] + [b.step() for _ in range(300)]
    assert b.step().epoch == 300  # budget spent: stepping does nothing more
    np.testing.assert_array_equal(a.history.rows(), b.history.rows())
    np.testing.assert_array_equal(
        a.history.rows(), np.array([[s.record()[c] for c in COLUMNS] for s in states]))
    assert [s.status for s in states[:2]] == ["ready", "running"]
    assert states[-1].finished and not b.can_step


def test_run_in_pieces_equals_one_run():
    data, config = CASES["synthetic"]()
    a, b = Trainer(data, config), Trainer(data, config)
    a.run()
    for k in (1, 4095, 1, 4096, 7, 10_000):
        b.run(k)
    assert b.state.epoch == config.epochs
    np.testing.assert_array_equal(a.history.rows(), b.history.rows())


# -- divergence -----------------------------------------------------------------------------

def seed_divergence_epoch(lr: float) -> int:
    """Seed from w = 10, b = 0: b stays 0 and w - 1 is multiplied by (1 - 5*lr) per step, so
    L_k = 2.5*81*(1 - 5*lr)^(2k). The run is diverged at the first k with L_k > 1e12*L_0
    (the engine's bound: 1e12 times the starting loss), i.e. |1 - 5 lr|^(2k) > 1e12."""
    return math.floor(6 / math.log10(abs(1 - 5 * lr))) + 1


@pytest.mark.parametrize("lr", [0.5, 1.0, 100.0, 1e300])
def test_divergence_is_a_status_not_an_error(lr):
    p = preset("seed")
    with strict():
        t = Trainer(p.data, TrainConfig.from_preset(p, lr=lr, epochs=1000))
        state = t.run()
        assert state.status == "diverged" and state.finished and not t.can_step
        assert t.run().epoch == state.epoch and t.step().epoch == state.epoch  # stays put
        rows = t.history.rows()
    if lr < 1e300:
        assert state.epoch == seed_divergence_epoch(lr)
        assert np.isfinite(rows).all()  # stopped long before float64 overflows
        assert rows[-1, 3] > 1e12 * 202.5 >= rows[-2, 3]
    else:
        # lr = 1e300: one step reaches w = -4.5e301 whose loss overflows to inf
        assert state.epoch == 1 and not state.finite
        assert np.isfinite(rows[0]).all()
    assert state.w == rows[-1, 1]
    assert [int(e) for e in rows[:, 0]] == list(range(state.epoch + 1))


def test_divergence_epoch_formula_can_fail():
    # guard: the predicted epochs are distinct, so the check above pins the engine's bound
    assert [seed_divergence_epoch(lr) for lr in (0.5, 1.0, 100.0)] == [35, 10, 3]


def test_huge_but_finite_start_is_refused_without_warning():
    """A start so far out that its loss overflows float64 is bad input: one DataError, no
    warning, and a trainer asked to move there keeps its run."""
    p = preset("seed")
    with strict(), pytest.raises(DataError, match="overflows"):
        Trainer(p.data, TrainConfig(w0=1e300, b0=-1e300, lr=0.5, epochs=100))
    t = Trainer(p.data, TrainConfig.from_preset(p))
    t.run(3)
    with strict(), pytest.raises(DataError, match="overflows"):
        t.set_start(1e300, 0.0)
    assert (t.state.epoch, t.start) == (3, (10.0, 0.0))


# -- tol --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tutorial", "synthetic", "shifted"])
def test_tol_stops_at_the_first_epoch_with_gradient_norm_below_tol(name):
    data, config = CASES[name]()
    ws, bs = gd_loop(data.x, data.y, config.w0, config.b0, config.lr, config.epochs,
                     grad=model_gradient)
    norms = np.array([math.hypot(*model.gradient(data.x, data.y, w, b)) for w, b in
                      zip(ws[:1500], bs[:1500], strict=True)])
    # a tol halfway (geometrically) between two successive norms, well away from both
    k = int(np.argmax(norms < norms[0] * 1e-6))
    assert k > 10
    tol = math.sqrt(norms[k - 1] * norms[k])
    assert norms[k] < tol * (1 - 1e-6) and np.all(norms[:k] > tol * (1 + 1e-6))
    t = Trainer(data, TrainConfig(config.w0, config.b0, config.lr, config.epochs, tol=tol))
    state = t.run()
    assert state.status == "converged" and state.epoch == k
    assert state.grad_norm < tol and len(t.history) == k + 1
    # without tol the same run goes the full budget
    t = Trainer(data, config)
    assert t.run().epoch == config.epochs and t.state.status == "running"


def test_tol_already_met_at_the_start():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig(w0=1.0, b0=0.0, lr=0.01, epochs=100, tol=1e-9))
    assert t.state.status == "converged" and t.state.epoch == 0


def test_set_tol_reclassifies_the_current_record():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p, epochs=100))
    t.run()
    g = t.state.grad_norm
    assert t.set_tol(g * 2).status == "converged"
    assert t.set_tol(g / 2).status == "running"
    assert t.set_tol(None).status == "running"


# -- controls --------------------------------------------------------------------------------

def test_set_lr_continues_the_run_with_the_new_rate():
    data, config = CASES["synthetic"]()
    t = Trainer(data, TrainConfig(config.w0, config.b0, 0.05, epochs=400))
    t.run(150)
    state = t.set_lr(0.2)
    assert (state.epoch, state.lr) == (150, 0.2) and len(t.history) == 151
    t.run()
    ws1, bs1 = gd_loop(data.x, data.y, config.w0, config.b0, 0.05, 150, grad=model_gradient)
    ws2, bs2 = gd_loop(data.x, data.y, ws1[-1], bs1[-1], 0.2, 250, grad=model_gradient)
    w, b = trajectory(t)
    np.testing.assert_allclose(w, np.concatenate([ws1, ws2[1:]]), rtol=1e-12)
    np.testing.assert_allclose(b, np.concatenate([bs1, bs2[1:]]), rtol=1e-12)
    assert t.state.lr == 0.2


def test_set_lr_on_a_diverged_run_restarts_from_the_start():
    p = preset("seed")
    with strict():
        t = Trainer(p.data, TrainConfig.from_preset(p, lr=1.0))
        assert t.run().status == "diverged"
        state = t.set_lr(0.01)
    assert (state.epoch, state.w, state.b, state.lr, state.status) == (0, 10.0, 0.0, 0.01, "ready")
    assert len(t.history) == 1
    fresh = Trainer(p.data, TrainConfig.from_preset(p))
    t.run(), fresh.run()
    np.testing.assert_array_equal(t.history.rows(), fresh.history.rows())


def test_reset_returns_to_epoch_0_and_keeps_the_settings():
    p = preset("tutorial")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    t.run(100)
    t.set_lr(0.02)
    t.set_h(0.5)
    state = t.reset()
    assert (state.epoch, state.w, state.b, state.lr, state.h) == (0, 10.0, 10.0, 0.02, 0.5)
    assert len(t.history) == 1 and state.status == "ready"


def test_set_h_recomputes_the_numeric_slope_without_losing_epochs():
    data, config = CASES["synthetic"]()
    t = Trainer(data, TrainConfig(config.w0, config.b0, config.lr, epochs=500))
    before = t.run(40)
    rows_before = t.history.rows()
    after = t.set_h(0.5)
    assert after.epoch == 40 and len(t.history) == 41 and after.h == 0.5
    assert (after.w, after.b, after.loss, after.dw, after.db) == (
        before.w, before.b, before.loss, before.dw, before.db)
    dwn, dbn = model.central_difference(data.x, data.y, after.w, after.b, 0.5)
    assert after.dw_numeric == pytest.approx(dwn, rel=1e-9)
    assert after.db_numeric == pytest.approx(dbn, rel=1e-9)
    rows = t.history.rows()
    np.testing.assert_array_equal(rows[:-1], rows_before[:-1])  # earlier records unchanged
    assert rows[-1].tolist() == [after.record()[c] for c in COLUMNS]
    # the next steps use the new h
    s = t.step()
    assert s.h == 0.5
    assert s.dw_numeric == pytest.approx(
        model.central_difference(data.x, data.y, s.w, s.b, 0.5)[0], rel=1e-9)


def test_back_steps_back_exactly_and_forward_again_identically():
    data, config = CASES["synthetic"]()
    t = Trainer(data, TrainConfig(config.w0, config.b0, config.lr, epochs=500))
    t.run(60)
    reference = t.history.rows()
    for k in range(1, 26):
        state = t.back()
        assert state.epoch == 60 - k and len(t.history) == 61 - k
        assert [state.record()[c] for c in COLUMNS] == reference[60 - k].tolist()
    for _ in range(25):
        t.step()
    np.testing.assert_array_equal(t.history.rows(), reference)
    t.run(40)  # and on past the old end, as if never stepped back
    u = Trainer(data, TrainConfig(config.w0, config.b0, config.lr, epochs=500))
    u.run(100)
    np.testing.assert_array_equal(t.history.rows(), u.history.rows())


def test_back_stops_at_epoch_0():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    t.step()
    assert t.back().epoch == 0
    assert not t.can_go_back
    assert t.back().epoch == 0 and t.state.status == "ready" and len(t.history) == 1


def test_back_from_divergence_and_step_again():
    p = preset("seed")
    with strict():
        t = Trainer(p.data, TrainConfig.from_preset(p, lr=1.0))
        diverged = t.run()
        back = t.back()
        assert back.status == "running" and back.epoch == diverged.epoch - 1
        again = t.step()
    assert again.status == "diverged" and again.record() == diverged.record()


def test_set_start_restarts_from_the_new_point():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    t.run(50)
    state = t.set_start(w0=-3.0)
    assert (state.epoch, state.w, state.b) == (0, -3.0, 0.0) and t.start == (-3.0, 0.0)
    state = t.set_start(b0=2.0)
    assert (state.w, state.b) == (-3.0, 2.0)
    t.run(100)
    ws, bs = gd_loop(p.data.x, p.data.y, -3.0, 2.0, p.lr, 100, grad=model_gradient)
    np.testing.assert_allclose(t.history.column("w"), ws, rtol=1e-13)
    np.testing.assert_allclose(t.history.column("b"), bs, rtol=1e-13)


def test_set_epochs_extends_the_budget():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p, epochs=10))
    t.run()
    assert not t.can_step
    t.set_epochs(20)
    assert t.run().epoch == 20
    with pytest.raises(DataError):
        t.set_epochs(5)


@pytest.mark.parametrize("bad", [dict(lr=0.0), dict(lr=-1.0), dict(lr=math.inf),
                                 dict(h=0.0), dict(w0=math.nan), dict(epochs=0),
                                 dict(epochs=2.5), dict(tol=-1.0)])
def test_bad_settings_are_data_errors(bad):
    with pytest.raises(DataError):
        TrainConfig(**{**dict(w0=0.0, b0=0.0, lr=0.1, epochs=10), **bad})


def test_bad_control_values_are_data_errors_and_change_nothing():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    t.run(5)
    for call in (lambda: t.set_lr(-1), lambda: t.set_h(math.nan), lambda: t.set_start(math.inf)):
        with pytest.raises(DataError):
            call()
    assert (t.state.epoch, t.state.lr, t.state.h, t.start) == (5, 0.01, 0.01, (10.0, 0.0))
