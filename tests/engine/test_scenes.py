"""Plot-ready arrays: the fit view's sample of large data is an even spread of the whole
data, never its first points."""

from __future__ import annotations

import numpy as np
import pytest

from lrtui.engine import Dataset
from lrtui.present.scenes import fit_sample

LIMIT = 2_000  # the README: "large data is drawn from an even sample of 2,000 points"


def ramp(n: int) -> Dataset:
    """x = 0, 1, ..., n-1 (so a value is its own index) and y = -x."""
    x = np.arange(n, dtype=float)
    return Dataset(x, -x, name=f"ramp {n}")


@pytest.mark.parametrize("n", [2_001, 10_001, 123_457])
def test_a_large_sample_is_spread_evenly_from_the_first_point_to_the_last(n):
    data = ramp(n)
    x, y = fit_sample(data)
    assert len(x) == len(y) == LIMIT
    # x is its own index: these are the indices picked
    picked = x.astype(int)
    assert picked[0] == 0 and picked[-1] == n - 1
    assert np.array_equal(y, -x)  # x and y stay paired
    # evenly spread: index k is the nearest whole number to k * (n-1) / 1999
    ideal = np.array([k * (n - 1) / (LIMIT - 1) for k in range(LIMIT)])
    assert np.max(np.abs(picked - ideal)) <= 0.5
    gaps = np.diff(picked)
    assert gaps.min() >= 1  # no point twice
    assert gaps.max() - gaps.min() <= 1  # no gap more than one longer than another


def test_the_sample_of_10001_points_covers_the_whole_range_of_x():
    x = np.linspace(-5.0, 5.0, 10_001)
    data = Dataset(x, 2 * x + 1, name="sorted")
    sx, sy = fit_sample(data)
    assert (sx.min(), sx.max()) == (-5.0, 5.0)
    # each tenth of the range holds about a tenth of the sample
    counts, _ = np.histogram(sx, bins=10, range=(-5, 5))
    assert counts.min() >= 195 and counts.max() <= 205


@pytest.mark.parametrize("n", [1, 4, 1_999, 2_000])
def test_small_data_is_drawn_whole(n):
    data = ramp(n)
    x, y = fit_sample(data)
    assert np.array_equal(x, data.x) and np.array_equal(y, data.y)


def test_a_tangent_scene_for_a_panel_not_laid_out_yet():
    """Before layout a view is 0 columns wide and asks for 0 points: a scene, not a crash."""
    from lrtui.engine import TrainConfig, Trainer, preset
    from lrtui.present.scenes import tangent_scene

    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    scene = tangent_scene(t.theory, t.state, (0.0, 10.0), False, 0)
    assert scene.window == (0.0, 10.0) and len(scene.ws) == 2 and scene.ylim[0] < scene.ylim[1]
