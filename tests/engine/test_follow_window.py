"""The L(w) view's follow mode (`scenes.follow_window`): the whole path far from the optimum,
a window centred on w* near it whose half-width is a 1-2-5 number at least 1.5 times the
farthest w can be from w* at the current excess loss; it never widens while a stable run
converges, and it stops narrowing where the tick labels would repeat."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from lrtui.engine import Dataset, TrainConfig, Trainer, preset, synthetic
from lrtui.engine.state import TrainingState
from lrtui.present.frame import Frame, Run
from lrtui.present.scenes import follow_window, tangent_scene, w_window
from lrtui.present.view import ViewSettings

SEED = preset("seed")  # x = y = (-2, -1, 1, 2): w* = 1, b* = 0, L* = 0, from w = 10


def seed_trainer(**overrides) -> Trainer:
    return Trainer(SEED.data, TrainConfig.from_preset(SEED, **overrides))


def at(trainer: Trainer, w: float, b: float = 0.0) -> TrainingState:
    return replace(trainer.state, w=w, b=b)


# The seed from w = 10: the whole path is (0.1, 10.9) (w* = 1 to the start 10, a tenth of
# 9 beyond each), a quarter of its width 2.7. With b = b* the excess loss is 2.5 (w - 1)^2 =
# Sxx/n (w - 1)^2, so the reach is 1.5 |w - 1|; the floor is 0.05 |w*| = 0.05 (tick labels).
@pytest.mark.parametrize(("w", "window"), [
    (10.0, None),  # the start
    (3.0, None),  # reach 3 > 2.7: far
    (2.5, None),  # reach 2.25, but the 1-2-5 number at or above it, 5, is wider than 2.7
    (2.0, (-1.0, 3.0)),  # reach 1.5 -> half 2
    (1.3, (0.5, 1.5)),  # reach 0.45 -> 0.5
    (0.7, (0.5, 1.5)),  # the other side of w*: the same window (centred on w*)
    (1.1, (0.8, 1.2)),  # reach 0.15 -> 0.2
    (1.05, (0.9, 1.1)),  # reach 0.075 -> 0.1
    (1.01, (0.95, 1.05)),  # reach 0.015, the floor 0.05
    (1.0, (0.95, 1.05)),  # at w*: the floor
])
def test_the_seed_window_by_hand(w, window):
    trainer = seed_trainer()
    got = follow_window(trainer.theory, at(trainer, w), 10.0, False)
    assert got == (None if window is None else pytest.approx(window, abs=1e-12))


def test_with_the_sample_tangents_the_reference_is_their_window():
    # the samples -0.5 ... 2.5 and w* = 1: (-0.8, 2.8), a quarter of its width 0.9
    trainer = seed_trainer()
    theory = trainer.theory
    assert follow_window(theory, at(trainer, 1.6), 10.0, True) is None  # reach 0.9 -> 1 > 0.9
    assert follow_window(theory, at(trainer, 1.3), 10.0, True) == pytest.approx((0.5, 1.5))
    # the window drawn leaves out the sample tangents outside it, with their points
    window = follow_window(theory, at(trainer, 1.1), 10.0, True)
    scene = tangent_scene(theory, at(trainer, 1.1), window, samples=True, points=50)
    assert scene.window == window == pytest.approx((0.8, 1.2))
    assert scene.samples == [] and len(scene.sample_points[0]) == 0
    scene = tangent_scene(theory, at(trainer, 1.3), (0.5, 1.5), samples=True, points=50)
    assert list(scene.sample_points[0]) == [0.5, 1.5]  # the two at its edges
    assert scene.point is not None and scene.segment is not None


def coupled_data(shift: float = 3.0) -> Dataset:
    """x around `shift` (so w and b are coupled), a little noise: L* > 0."""
    d = synthetic(40, slope=-1.5, intercept=2.0, noise=0.3, seed=7)
    return Dataset(d.x + shift, d.y, name="coupled")


@pytest.mark.parametrize("seed", range(5))
def test_the_window_holds_w_and_the_bottom_of_the_curve_drawn(seed):
    data = coupled_data()
    trainer = Trainer(data, TrainConfig(w0=8.0, b0=-5.0, lr=0.01, epochs=10))
    theory, s = trainer.theory, trainer.stats
    rng = np.random.default_rng(seed)
    followed = 0
    for _ in range(200):
        scale = 10.0 ** rng.uniform(-4, 0)
        w, b = s.w_opt + scale * rng.normal(), s.b_opt + scale * rng.normal()
        window = follow_window(theory, at(trainer, w, b), 8.0, False)
        if window is None:
            continue
        followed += 1
        lo, hi = window
        half = (hi - lo) / 2
        assert lo + half == pytest.approx(s.w_opt)  # centred on w*
        assert lo <= w <= hi and abs(w - s.w_opt) <= half / 1.5 * (1 + 1e-12)
        # the bottom of L(w) at this b, found here by brute force on a fine grid
        ws = np.linspace(lo - 3 * half, hi + 3 * half, 60_001)
        bottom = ws[np.argmin(theory.loss_curve(ws, b))]
        assert lo <= bottom <= hi
        mantissa = half / 10.0 ** math.floor(math.log10(half))
        assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-9  # a 1-2-5 number
    assert followed > 50


# Near the critical rate the fast direction flips sign each step, and |w - w*| grows again
# and again on the way down: a window sized by |w - w*| widens 14 times in the first run; one
# that waits for a quarter of the whole path's width measured with the current w (which
# swings past w*) flips between following and not 11 times in the second.
@pytest.mark.parametrize(("shift", "w0", "b0", "share"), [(3.0, -4.0, 6.0, 0.95),
                                                          (0.0, -3.0, -8.0, 0.98)])
def test_a_converging_run_only_ever_narrows_the_window_even_when_w_swings_back(
        shift, w0, b0, share):
    # The excess loss, which sizes the window, only falls: the window never widens, and it
    # changes a few times in 20 steps.
    data = coupled_data(shift)
    critical = Trainer(data, TrainConfig(w0=0.0, b0=0.0, lr=0.01, epochs=1)).theory.critical_lr
    trainer = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=share * critical, epochs=5000,
                                        tol=1e-10))
    w_opt = trainer.stats.w_opt
    halves, distances = [], []
    while trainer.state.status != "converged" and trainer.state.epoch < 5000:
        trainer.run(1)
        window = follow_window(trainer.theory, trainer.state, w0, False)
        halves.append(math.inf if window is None else (window[1] - window[0]) / 2)
        distances.append(abs(trainer.state.w - w_opt))
    assert trainer.state.status == "converged"
    grew = sum(b > a for a, b in pairwise(distances))
    assert grew >= 3, "this run should swing back and forth"
    assert all(b <= a for a, b in pairwise(halves)), "the window widened"
    assert halves[-1] < math.inf  # it followed
    changes = [int(b != a) for a, b in pairwise(halves)]
    assert max(sum(changes[i:i + 20]) for i in range(len(changes) - 19)) <= 4


def test_the_floor_keeps_tick_labels_of_w_and_of_l_apart():
    # y = 100x from w = 200: the floor is 0.05 * 100 = 5 (labels 95, 100, 105)
    x = np.array([-2.0, -1.0, 1.0, 2.0])
    steep = Trainer(Dataset(x, 100 * x, name="steep"), TrainConfig(w0=200.0, b0=0.0, lr=0.01,
                                                                   epochs=1))
    assert follow_window(steep.theory, at(steep, 100.001), 200.0, False) == pytest.approx(
        (95.0, 105.0))
    # from w = 110 the path is too short to zoom into at all: a quarter of 12 is below 5
    assert follow_window(steep.theory, at(steep, 100.001), 110.0, False) is None
    # noisy data: L at the window's edges (at b*) is at least 5% above L*
    noisy = Trainer(synthetic(200, slope=3.0, intercept=1.0, noise=2.0, seed=1),
                    TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=1))
    s, curve = noisy.stats, noisy.theory.loss_curve
    lo, hi = follow_window(noisy.theory, at(noisy, s.w_opt, s.b_opt), 0.0, False)
    assert min(curve(np.array([lo, hi]), s.b_opt)) >= 1.05 * s.sse_min_n
    # and it is the narrowest 1-2-5 half-width that is: the rung below is not
    half = (hi - lo) / 2
    below = half / (2.5 if round(half / 10.0 ** math.floor(math.log10(half))) == 5 else 2)
    assert curve(np.array([s.w_opt + below]), s.b_opt)[0] < 1.05 * s.sse_min_n


def test_no_window_without_a_unique_optimum_or_a_finite_state():
    equal_x = Trainer(Dataset(np.full(4, 3.0), np.arange(4.0), name="equal x"),
                      TrainConfig(w0=2.0, b0=0.0, lr=0.01, epochs=1))
    assert follow_window(equal_x.theory, equal_x.state, 2.0, False) is None
    trainer = seed_trainer()
    for w in (math.inf, math.nan, 1e300):
        state = replace(at(trainer, w), loss=w * w, dw=5 * w)
        assert follow_window(trainer.theory, state, 10.0, False) is None


def test_the_frame_keeps_the_whole_path_for_the_w_keys_step():
    # w/W move by a step sized to the whole path (Frame.w_window), following or not
    trainer = seed_trainer(tol=1e-8)
    trainer.run(120)
    run = Run.of(trainer)
    following = Frame.of(run, trainer, ViewSettings(), playing=False)
    whole = Frame.of(run, trainer, ViewSettings(follow=False), playing=False)
    assert following.w_window() == whole.w_window() == pytest.approx((0.1, 10.9))
    assert following.follow_window() == pytest.approx((0.95, 1.05))
    assert whole.follow_window() is None
    assert following.tangent_scene(40).window == following.follow_window()
    assert whole.tangent_scene(40).window == whole.w_window()
    assert w_window(trainer.theory, 10.0, trainer.state, False) == whole.w_window()
