"""The gradient sources of a run (TrainConfig.grad): analytic, numeric (central difference),
autograd (lrtui's own graph), torch (PyTorch), jax (JAX) and tensorflow (TensorFlow). They walk
the same trajectory; each record holds the gradients its source produced, and the update uses
them."""

import math
import sys

import numpy as np
import pytest
from engine_reference import Exact, central_difference_floor, gradient_floor, rel_close, strict

from lrtui.engine import DataError, TrainConfig, Trainer, model, preset, synthetic
from lrtui.settings import GRAD_SOURCES

from ..framework_support import requires_torch, torch, torch_marked

SOURCES = ("analytic", "numeric", "autograd", "torch", "jax", "tensorflow")
OTHERS = SOURCES[1:]  # all but the analytic one
W, B, LOSS, DW, DB, DWN, DBN = 1, 2, 3, 4, 5, 6, 7

CASES = {
    "seed": lambda: (preset("seed").data, TrainConfig.from_preset(preset("seed"))),
    "tutorial": lambda: (preset("tutorial").data, TrainConfig.from_preset(preset("tutorial"))),
    "noisy": lambda: (synthetic(1000, slope=-1.2, intercept=0.7, noise=0.4, seed=77),
                      TrainConfig(w0=3.0, b0=-8.0, lr=0.1, epochs=500)),
}


def run(name: str, grad: str, **overrides) -> tuple[Trainer, np.ndarray]:
    data, config = CASES[name]()
    values = {**config.as_dict(), "grad": grad, **overrides}
    t = Trainer(data, TrainConfig(**values))
    t.run()
    return t, t.history.rows()


def test_the_sources():
    assert GRAD_SOURCES == SOURCES
    assert TrainConfig(w0=0, b0=0, lr=0.1, epochs=1).grad == "analytic"
    with pytest.raises(DataError,
                       match="grad must be one of analytic, numeric, autograd, torch, jax, "
                             "tensorflow, got 'exact'"):
        TrainConfig(w0=0, b0=0, lr=0.1, epochs=1, grad="exact")
    p = preset("seed")
    assert TrainConfig.from_preset(p, grad="autograd").grad == "autograd"
    assert TrainConfig.from_preset(p, grad=None).grad == "analytic"


@pytest.mark.parametrize("grad", torch_marked(SOURCES))
def test_state_and_config_name_the_source(grad):
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p, grad=grad))
    assert t.state.grad == grad == t.grad
    assert t.run(5).grad == grad
    assert t.config.as_dict()["grad"] == grad
    assert t.current_config().grad == grad


# -- the same trajectory ---------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("grad", torch_marked(OTHERS))
def test_same_trajectory_as_the_analytic_gradient(name, grad):
    """Every record of the whole run (500 epochs): w, b and loss equal to 1e-9 relative.

    One absolute allowance, for values that are exactly 0 in the analytic run: the seed's b
    (and so db). There the analytic gradient, from the centred sufficient statistics, is
    exactly 0; autograd and torch sum the four residuals of the data directly, and that sum
    rounds to about eps times the residuals' size instead of 0 (db = -4e-16 at w = 9.55). So
    b drifts to lr * (sum of those roundings): below epochs * lr * gradient_floor.
    """
    ta, ref = run(name, "analytic")
    tg, rows = run(name, grad)
    assert tg.state.epoch == ta.state.epoch == 500 and len(rows) == len(ref) == 501
    np.testing.assert_array_equal(rows[:, 0], ref[:, 0])
    data = ta.data
    zero_floor = 500 * ta.state.lr * gradient_floor(data.x, data.y, *ta.start)
    for col in (W, B, LOSS):
        exact_zero = ref[:, col] == 0.0
        np.testing.assert_allclose(rows[~exact_zero, col], ref[~exact_zero, col], rtol=1e-9,
                                   atol=0)
        assert np.all(np.abs(rows[exact_zero, col]) <= zero_floor), (col, rows[exact_zero, col])
    if name == "seed":
        assert np.all(ref[:, B] == 0.0)  # where the allowance is used, and only there
        # (and needed; TensorFlow's reduce_mean sums the four residuals pairwise, and that
        # order cancels exactly, as the centred statistics do)
        assert grad in ("numeric", "tensorflow") or np.any(rows[:, B] != 0.0)
    else:
        assert not np.any(ref[:, (W, B, LOSS)] == 0.0)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("grad", torch_marked(SOURCES))
def test_each_record_holds_its_source_gradient_and_the_update_uses_it(name, grad):
    t, rows = run(name, grad)
    data, lr, h = t.data, t.state.lr, t.state.h
    # the record contract, bit for bit: w[k+1] = w[k] - lr*dw[k]
    np.testing.assert_array_equal(rows[1:, W], rows[:-1, W] - lr * rows[:-1, DW])
    np.testing.assert_array_equal(rows[1:, B], rows[:-1, B] - lr * rows[:-1, DB])
    # the central difference columns are the O(1) ones, whatever the source
    dwn, dbn = t.stats.central_difference(rows[:, W], rows[:, B], h)
    np.testing.assert_array_equal(rows[:, DWN], dwn)
    np.testing.assert_array_equal(rows[:, DBN], dbn)
    if grad == "numeric":  # the update's gradient IS the central difference
        np.testing.assert_array_equal(rows[:, DW], rows[:, DWN])
        np.testing.assert_array_equal(rows[:, DB], rows[:, DBN])
    # and dw, db are the exact gradient at the record's (w, b), to rounding (every 25th
    # record: the exact arithmetic is slow)
    exact = Exact(data.x, data.y)
    for row in rows[::25]:
        w, b = row[W], row[B]
        floor = gradient_floor(data.x, data.y, w, b)
        if grad == "numeric":
            floor += max(central_difference_floor(data.x, data.y, w, b, h))
        ew, eb = exact.gradient(w, b)
        assert rel_close(row[DW], ew, 1e-9, floor), (grad, row)
        assert rel_close(row[DB], eb, 1e-9, floor), (grad, row)


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_torch_source_equals_the_notes_pytorch_loop(name):
    """The notes' loop, written here in torch (float64; torch does the updates itself)."""
    data, config = CASES[name]()
    X, Y = torch.from_numpy(data.x), torch.from_numpy(data.y)
    w = torch.tensor(config.w0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(config.b0, dtype=torch.float64, requires_grad=True)
    ws, bs = [w.item()], [b.item()]
    for _ in range(config.epochs):
        loss = ((Y - (w * X + b)) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= config.lr * w.grad
            b -= config.lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        ws.append(w.item())
        bs.append(b.item())
    _, rows = run(name, "torch")
    np.testing.assert_allclose(rows[:, W], ws, rtol=1e-9)
    np.testing.assert_allclose(rows[:, B], bs, rtol=1e-9)
    _, ref = run(name, "analytic")  # and the loop itself walks the analytic trajectory
    nonzero = ref[:, B] != 0.0
    np.testing.assert_allclose(ref[:, W], ws, rtol=1e-9)
    np.testing.assert_allclose(ref[nonzero, B], np.array(bs)[nonzero], rtol=1e-9)


# -- stopping, switching, settings -------------------------------------------------------------

@pytest.mark.parametrize("grad", torch_marked(SOURCES))
def test_divergence_at_the_same_epoch_without_warnings(grad):
    p = preset("seed")
    with strict():
        t = Trainer(p.data, TrainConfig.from_preset(p, lr=1.0, grad=grad))
        state = t.run()
    assert state.status == "diverged" and state.epoch == 10  # as with the analytic gradient
    assert np.isfinite(t.history.rows()).all()


@pytest.mark.parametrize("grad", torch_marked(OTHERS))
def test_overflow_is_a_diverged_status_without_warnings(grad):
    p = preset("seed")
    with strict():
        t = Trainer(p.data, TrainConfig.from_preset(p, lr=1e300, grad=grad))
        state = t.run()
    assert state.status == "diverged" and state.epoch == 1 and not state.finite


@pytest.mark.parametrize("grad", torch_marked(SOURCES))
def test_tol_stops_at_the_same_epoch(grad):
    ta, _ = run("tutorial", "analytic", tol=1e-3)
    tg, _ = run("tutorial", grad, tol=1e-3)
    assert ta.state.status == tg.state.status == "converged"
    assert tg.state.epoch == ta.state.epoch == 480
    assert tg.state.grad_norm < 1e-3


def test_set_grad_switches_the_source_mid_run():
    p = preset("tutorial")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    t.run(100)
    before = t.history.rows()
    state = t.set_grad("autograd")
    assert state.grad == "autograd" and state.epoch == 100 and len(t.history) == 101
    np.testing.assert_array_equal(t.history.rows()[:-1], before[:-1])  # the past is kept
    assert (state.w, state.b, state.loss) == (before[-1, W], before[-1, B], before[-1, LOSS])
    assert (state.dw, state.db) == AutogradGradient_of(p.data)(state.w, state.b)
    t.run()
    _, ref = run("tutorial", "analytic")
    np.testing.assert_allclose(t.history.column("w"), ref[:, W], rtol=1e-9)
    np.testing.assert_allclose(t.history.column("b"), ref[:, B], rtol=1e-9)
    assert t.set_grad("analytic").dw == t.stats.gradient(t.state.w, t.state.b)[0]
    with pytest.raises(DataError):
        t.set_grad("magic")
    assert t.state.grad == "analytic"


def AutogradGradient_of(data):  # noqa: N802 - reads like the class it builds
    from lrtui.engine.autograd import AutogradGradient

    return AutogradGradient(data.x, data.y)


def test_set_h_changes_the_numeric_source_gradient():
    p = preset("tutorial")
    t = Trainer(p.data, TrainConfig.from_preset(p, grad="numeric"))
    t.run(50)
    state = t.set_h(0.5)
    assert (state.dw, state.db) == (state.dw_numeric, state.db_numeric)
    assert (state.dw, state.db) == t.stats.central_difference(state.w, state.b, 0.5)
    row = t.history.last()
    assert (row[DW], row[DB]) == (state.dw, state.db)


def test_reset_and_back_keep_the_source():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p, grad="autograd"))
    t.run(20)
    assert t.back().grad == "autograd"
    state = t.reset()
    assert state.grad == "autograd" and state.epoch == 0
    assert (state.dw, state.db) == AutogradGradient_of(p.data)(10.0, 0.0)


def test_current_config_follows_the_controls():
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    t.set_lr(0.02)
    t.set_start(w0=-3.0)
    t.set_h(0.1)
    t.set_tol(1e-4)
    t.set_epochs(900)
    t.set_grad("numeric")
    assert t.current_config() == TrainConfig(w0=-3.0, b0=0.0, lr=0.02, epochs=900, h=0.1,
                                             tol=1e-4, grad="numeric")


def test_without_torch_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    p = preset("seed")
    with pytest.raises(DataError) as info:
        Trainer(p.data, TrainConfig.from_preset(p, grad="torch"))
    message = str(info.value)
    assert "\n" not in message
    for words in ("--grad torch", "not installed", "pip install 'lrtui[torch]'",
                  "pip install torch==2.13.0"):
        assert words in message, message
    t = Trainer(p.data, TrainConfig.from_preset(p))
    with pytest.raises(DataError, match="not installed"):
        t.set_grad("torch")
    assert t.state.grad == "analytic"


def test_big_data_autograd_agrees_with_the_analytic_run():
    """10^5 points: the O(N) graph and the O(1) statistics, 30 epochs."""
    data = synthetic(100_000, slope=0.8, intercept=-0.3, noise=0.5, seed=5)
    config = TrainConfig(w0=4.0, b0=4.0, lr=0.2, epochs=30)
    a, g = Trainer(data, config), Trainer(data, TrainConfig(**{**config.as_dict(),
                                                              "grad": "autograd"}))
    a.run()
    g.run()
    np.testing.assert_allclose(g.history.rows()[:, 1:4], a.history.rows()[:, 1:4], rtol=1e-9)
    assert math.isclose(g.state.dw, model.gradient(data.x, data.y, g.state.w, g.state.b)[0],
                        rel_tol=1e-9)
