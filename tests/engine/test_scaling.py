"""--scale none|center|standard: the run trains on z = x - mean(x) or (x - mean(x))/std(x),
and its answer is also given back in x's units (w_x = w/std, b_x = b - w*mean/std).

Every number is checked against a computation that does not use lrtui's: NumPy's least
squares on x, z made with np.mean/np.std, the Hessian written out from z, gradient descent
written out in NumPy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lrtui import settings
from lrtui.engine import Dataset, TrainConfig, Trainer, preset
from lrtui.engine.scaling import Scaling
from lrtui.errors import DataError
from lrtui.present import scenes
from lrtui.present.frame import Frame, Run
from lrtui.present.view import ViewSettings
from lrtui.session import load_session, save_session
from lrtui.tour import apply_settings, parse_tour


def lstsq(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The least-squares line of (x, y) by NumPy (QR/SVD), not by lrtui's statistics."""
    A = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(w), float(b)


def z_of(x: np.ndarray, scale: str) -> np.ndarray:
    if scale == "none":
        return x
    if scale == "center":
        return x - np.mean(x)
    return (x - np.mean(x)) / np.std(x)  # the population std (ddof = 0)


def large_mean(n: int = 200, seed: int = 3) -> Dataset:
    """x ~ 100 + U(-1, 1): unscaled descent is slow here (kappa ~ 3e4)."""
    rng = np.random.default_rng(seed)
    x = 100.0 + rng.uniform(-1.0, 1.0, n)
    y = 3.0 * x - 5.0 + rng.normal(0.0, 0.1, n)
    return Dataset(x, y, name="large mean")


DATASETS = {
    "seed": preset("seed").data,
    "tutorial": preset("tutorial").data,
    "large mean": large_mean(),
    "skewed": Dataset(np.array([0.5, 1.0, 4.0, 9.0, 30.0]),
                      np.array([2.0, 1.0, 7.5, 12.0, 40.0]), name="skewed"),
}


def trainer(data: Dataset, scale: str, **kw) -> Trainer:
    values = dict(w0=0.0, b0=0.0, lr=0.1, epochs=100_000, tol=None, scale=scale)
    values.update(kw)
    return Trainer(data, TrainConfig(**values))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("scale", ["center", "standard"])
def test_the_answer_in_x_units_is_the_least_squares_line(name, scale):
    data = DATASETS[name]
    t = trainer(data, scale, tol=1e-11)
    # center keeps x's spread: its critical rate is 1/max(var(x), 1), not 1
    assert t.theory.critical_lr == pytest.approx(
        1.0 if scale == "standard" else 1.0 / max(float(np.var(data.x)), 1.0), rel=1e-12)
    t.set_lr(0.4 * t.theory.critical_lr)
    t.run()
    assert t.state.status == "converged"
    w_star, b_star = lstsq(data.x, data.y)
    w_x, b_x = t.scaling.to_original(t.state.w, t.state.b)
    assert w_x == pytest.approx(w_star, rel=1e-9, abs=1e-9)
    assert b_x == pytest.approx(b_star, rel=1e-9, abs=1e-9)
    # and the trained parameters are the least-squares line of z itself
    wz, bz = lstsq(z_of(data.x, scale), data.y)
    assert t.state.w == pytest.approx(wz, rel=1e-9, abs=1e-9)
    assert t.state.b == pytest.approx(bz, rel=1e-9, abs=1e-9)


def test_standardising_turns_a_slow_run_into_a_fast_one():
    """The large-mean set: at each scale's best constant rate (x 0.999), epochs to a gradient
    norm of 1e-8, as theory predicts and (scaled) the run confirms. Unscaled, kappa is
    ~3.5e8 and theory predicts ~1.75e9 epochs: too many to run here."""
    data = large_mean()
    epochs = {}
    for scale in settings.SCALES:
        t = trainer(data, scale, lr=1.0, epochs=10_000_000_000, tol=1e-8)
        lr = t.theory.best_lr * 0.999
        t.set_lr(lr)
        epochs[scale] = t.theory.predicted_epochs(t.start, lr, 1e-8)
        lam_min, lam_max = t.theory.eigenvalues
        if scale == "none":
            assert lam_max / lam_min > 1e8
            continue
        t.run()
        assert t.state.status == "converged"
        assert t.state.epoch == epochs[scale]
    assert epochs["standard"] <= 5 and epochs["center"] < 50
    assert epochs["none"] > 1e9


@pytest.mark.parametrize("name", DATASETS)
def test_the_hessian_of_standardised_data_is_2i(name):
    data = DATASETS[name]
    t = trainer(data, "standard")
    z = z_of(data.x, "standard")
    H = 2.0 * np.array([[np.mean(z * z), np.mean(z)], [np.mean(z), 1.0]])
    np.testing.assert_allclose(H, [[2.0, 0.0], [0.0, 2.0]], atol=1e-12)
    np.testing.assert_allclose(t.theory.hessian, [[2.0, 0.0], [0.0, 2.0]], atol=1e-12)
    lam_min, lam_max = t.theory.eigenvalues
    assert lam_min == pytest.approx(2.0, rel=1e-12) and lam_max == pytest.approx(2.0, rel=1e-12)
    assert t.theory.critical_lr == pytest.approx(1.0, rel=1e-12)
    assert t.theory.best_lr == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize("name", DATASETS)
def test_centring_makes_the_hessian_diagonal(name):
    data = DATASETS[name]
    t = trainer(data, "center")
    var = float(np.var(data.x))
    H = t.theory.hessian
    assert abs(H[0, 1]) <= 1e-12 * (1.0 + var) and abs(H[1, 0]) <= 1e-12 * (1.0 + var)
    assert H[0, 0] == pytest.approx(2.0 * var, rel=1e-12)
    assert H[1, 1] == 2.0
    assert sorted(t.theory.eigenvalues) == pytest.approx(sorted([2.0 * var, 2.0]), rel=1e-12)
    # unscaled large-mean data is far from diagonal: the test can fail
    if name == "large mean":
        assert abs(trainer(data, "none").theory.hessian[0, 1]) > 100


@pytest.mark.parametrize("scale", settings.SCALES)
def test_the_history_holds_the_trained_parameters(scale):
    """Five epochs of gradient descent written out in NumPy on z give the history's w, b."""
    data = DATASETS["skewed"]
    lr = 0.3 if scale == "standard" else 0.002
    t = trainer(data, scale, w0=1.5, b0=-2.0, lr=lr, epochs=5)
    t.run()
    z, y, w, b = z_of(data.x, scale), data.y, 1.5, -2.0
    expected = [(w, b)]
    for _ in range(5):
        e = w * z + b - y
        w, b = w - lr * 2.0 * np.mean(e * z), b - lr * 2.0 * np.mean(e)
        expected.append((w, b))
    rows = t.history.rows()
    np.testing.assert_allclose(rows[:, 1:3], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("scale", settings.SCALES)
@pytest.mark.parametrize("share", [0.2, 0.9])
def test_predicted_epochs_equal_the_run_for_every_scale(name, scale, share):
    data = DATASETS[name]
    t = trainer(data, scale, w0=2.0, b0=-1.0, lr=1.0, epochs=3_000_000, tol=1e-7)
    lr = share * t.theory.critical_lr
    t.set_lr(lr)
    predicted = t.theory.predicted_epochs(t.start, lr, 1e-7)
    assert predicted is not None
    if predicted > 2_000_000:  # unscaled, kappa ~ 1e8: billions of epochs; check a stretch
        assert scale == "none"
        t.run(20_000)
        norm2 = t.state.dw ** 2 + t.state.db ** 2
        assert norm2 == pytest.approx(t.theory.grad_norm2_at(*t.start, lr, 20_000), rel=1e-6)
        assert norm2 >= 1e-14  # (far from converged, as predicted)
        return
    t.run()
    assert t.state.status == "converged"
    assert t.state.epoch == predicted


def test_a_scale_change_restarts_from_the_same_start_in_the_new_coordinates():
    data = DATASETS["large mean"]
    t = trainer(data, "none", w0=1.0, b0=2.0, lr=1e-5)
    t.run(10)
    before = t.theory
    settings.apply_run(t, {"scale": "standard"})
    assert t.state.epoch == 0 and (t.state.w, t.state.b) == (1.0, 2.0)
    assert t.current_config().scale == "standard" and t.theory is not before
    z = z_of(data.x, "standard")
    assert t.state.loss == pytest.approx(float(np.mean((1.0 * z + 2.0 - data.y) ** 2)),
                                         rel=1e-12)
    # the table's order: the scale first, then a new start
    settings.apply_run(t, {"w": 5.0, "scale": "center"})
    assert t.scaling.kind == "center" and t.start == (5.0, 2.0) and t.state.epoch == 0
    same = t.theory
    t.set_scale("center")  # the same scale: a restart, with the same objects
    assert t.theory is same


def test_standard_needs_x_that_differ_and_a_refusal_changes_nothing():
    data = Dataset(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 4.0]), name="flat")
    with pytest.raises(DataError, match="all x are equal"):
        trainer(data, "standard")
    t = trainer(data, "center")  # centring is fine: z = 0, any w has a best b
    t.run(3)
    with pytest.raises(DataError, match="all x are equal"):
        t.set_scale("standard")
    assert t.scaling.kind == "center" and t.state.epoch == 3


def test_to_original_and_back():
    s = Scaling("standard", 100.0, 0.5)
    w_x, b_x = s.to_original(3.0, 7.0)
    assert (w_x, b_x) == (6.0, 7.0 - 6.0 * 100.0)
    assert s.from_original(w_x, b_x) == pytest.approx((3.0, 7.0))
    c = Scaling("center", 4.0, 1.0)
    assert c.to_original(2.0, 1.0) == (2.0, 1.0 - 8.0)


@pytest.mark.parametrize("scale", ["center", "standard"])
def test_the_fit_view_draws_x_and_the_line_in_x_units(scale):
    data = DATASETS["large mean"]
    t = trainer(data, scale, w0=0.5, b0=295.0, lr=0.01)
    t.run(3)
    frame = Frame.of(Run.of(t), t, ViewSettings(), playing=False)
    scene = frame.fit_scene()
    np.testing.assert_array_equal(scene.x, data.x)  # the points in x, not z
    z = z_of(data.x, scale)
    w, b = t.state.w, t.state.b
    # w_x, b_x by hand: two points of the trained line, read in x
    x0, x1 = float(data.x[0]), float(data.x[1])
    y0, y1 = w * float(z[0]) + b, w * float(z[1]) + b
    w_x = (y1 - y0) / (x1 - x0)
    b_x = y0 - w_x * x0
    assert scene.line is not None
    lx, ly = scene.line
    np.testing.assert_allclose(ly, w_x * lx + b_x, rtol=1e-9, atol=1e-9 * np.max(np.abs(ly)))
    # the least-squares line in x
    w_star, b_star = lstsq(data.x, data.y)
    assert scene.best is not None
    bx, by = scene.best
    np.testing.assert_allclose(by, w_star * bx + b_star, rtol=1e-9)
    # the frame follows a scale change (the app keeps its first Run)
    first = Run.of(t)
    t.set_scale("none")
    later = Frame.of(first, t, ViewSettings(), playing=False)
    assert later.run.scaling.kind == "none" and later.run.theory is t.theory
    assert Frame.of(first, t, ViewSettings(), playing=False).run is later.run


def test_a_session_keeps_the_scale(tmp_path):
    t = trainer(DATASETS["tutorial"], "standard", w0=10.0, b0=10.0, lr=0.1, epochs=50)
    t.run(7)
    path = save_session(t, folder=tmp_path)
    doc = json.loads(path.read_text())
    assert doc["config"]["scale"] == "standard"
    back, _ = load_session(path)
    assert back.scaling.kind == "standard"
    assert back.state == t.state
    back.run(5)
    t.run(5)
    assert back.state == t.state
    # an unscaled run's file leaves scale out (as earlier versions wrote it) and reads back
    u = trainer(DATASETS["seed"], "none", epochs=50)
    (tmp_path / "u").mkdir()
    upath = save_session(u, folder=tmp_path / "u")
    assert "scale" not in json.loads(upath.read_text())["config"]
    assert load_session(upath)[0].scaling.kind == "none"


def test_a_tour_sets_the_scale():
    tour = parse_tour({"stage": [{"caption": "scaled", "set": {"scale": "standard"}}]}, "t")
    t = trainer(DATASETS["seed"], "none", w0=10.0, lr=0.01)
    apply_settings(t, ViewSettings(), tour.stages[0].settings)
    assert t.scaling.kind == "standard"
    assert t.theory.critical_lr == pytest.approx(1.0)
    with pytest.raises(DataError, match="scale must be one of none, center, standard"):
        parse_tour({"stage": [{"caption": "x", "set": {"scale": "minmax"}}]}, "t")


def test_scenes_without_a_scaling_are_unchanged():
    t = trainer(DATASETS["seed"], "none", w0=3.0)
    a = scenes.fit_scene(scenes.fit_sample(t.data), t.theory, t.state)
    b = scenes.fit_scene(scenes.fit_sample(t.data), t.theory, t.state, t.scaling)
    assert a.line is not None and b.line is not None
    np.testing.assert_array_equal(a.line[1], b.line[1])
    assert math.isclose(float(a.line[1][0]), 3.0 * float(a.line[0][0]))
