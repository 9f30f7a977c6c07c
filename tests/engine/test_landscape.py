"""The loss map's scene (lrtui/present/landscape.py): the levels against the loss computed
another way, the window, the axes, the arrow and the markers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtui.engine import TrainConfig, Trainer, preset, synthetic
from lrtui.present import landscape
from lrtui.present.landscape import CELL_ASPECT, LEVEL_CHARS, map_scene


def trained(data, config, k):
    t = Trainer(data, config)
    t.run(k)
    h = t.history
    return t, (h.column("w"), h.column("b"))


def scene_of(t, path, cols=50, rows=14, **kw):
    return map_scene(t.theory, t.state, t.start, path, cols, rows, **kw)


@pytest.mark.parametrize("name", ["seed", "tutorial"])
def test_each_contour_cell_sits_between_its_levels(name):
    """A cell drawn with level k's character is where L - L* (computed from the data, not the
    quadratic form) crosses levels[k]: the cell or its right/lower neighbour is on each side."""
    p = preset(name)
    t, path = trained(p.data, TrainConfig.from_preset(p), 20)
    sc = scene_of(t, path)
    win, levels = sc.win, np.array(sc.levels)
    x, y = p.data.x, p.data.y

    def gap(col, row):
        w, b = win.center(col, row)
        return float(np.mean((y - (w * x + b)) ** 2)) - t.theory.optimum.loss

    seen = 0
    for row in range(win.rows):
        for col in range(win.cols):
            kind = sc.kinds[row][col]
            if not kind.startswith("level"):
                continue
            k = int(kind[5:])
            assert sc.chars[row][col] == LEVEL_CHARS[k]
            here = gap(col, row)
            pairs = [(here, gap(c, r)) for c, r in ((col + 1, row), (col, row + 1))
                     if c < win.cols and r < win.rows]
            eps = 1e-9 * levels[k]
            assert any(min(a, b) <= levels[k] + eps and max(a, b) > levels[k] - eps
                       for a, b in pairs), (row, col, k, here, pairs)
            seen += 1
    assert seen > 20


def test_levels_are_log_spaced_and_distinct():
    p = preset("tutorial")
    t, path = trained(p.data, TrainConfig.from_preset(p), 10)
    levels = scene_of(t, path).levels
    ratios = np.array(levels[1:]) / np.array(levels[:-1])
    assert len(levels) >= 4 and np.allclose(ratios, ratios[0]) and ratios[0] > 1
    assert math.log10(ratios[0]) in (0.5, 1.0, 2.0, 3.0)
    assert len(set(LEVEL_CHARS)) == len(LEVEL_CHARS)  # each level its own character


@pytest.mark.parametrize("k", [0, 3, 40, 500])
def test_start_now_and_optimum_stay_inside_with_one_scale(k):
    p = preset("tutorial")
    t, path = trained(p.data, TrainConfig.from_preset(p), k)
    sc = scene_of(t, path)
    win = sc.win
    opt = t.theory.optimum
    for w, b in (t.start, (t.state.w, t.state.b), (opt.w, opt.b)):
        assert win.cell_of(w, b) is not None
    assert win.b_hi - win.b_lo == pytest.approx(win.cell * CELL_ASPECT * win.rows)
    flat = "".join("".join(r) for r in sc.chars)
    assert flat.count("*") == 1 and flat.count("●") == 1
    assert flat.count("S") == (0 if k == 0 else 1)  # at epoch 0 the start is the current point


def test_the_window_does_not_move_while_the_run_converges():
    """Its scale is a round number and its edges snap to it: from epoch 30 of the tutorial
    run to the end, the window stays put."""
    p = preset("tutorial")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    windows = set()
    for _ in range(30):
        t.run(15)
        h = t.history
        windows.add(scene_of(t, (h.column("w"), h.column("b"))).win)
    assert len(windows) <= 2


def test_the_eigen_axes_pass_through_the_optimum_and_are_labelled():
    p = preset("seed")  # H = [[5, 0], [0, 2]]: the steep axis is w, the flat one b
    t, path = trained(p.data, TrainConfig.from_preset(p), 5)
    sc = scene_of(t, path)
    assert sc.eigen == pytest.approx((2.0, 5.0))
    col, row = sc.win.cell_of(1.0, 0.0)
    assert sc.chars[row][col] == "*"
    text = ["".join(r) for r in sc.chars]
    assert "λ=5" in text[row] and set(text[row].replace("λ=5", "")) <= set("─*S●•←·")
    assert any("λ=2" in line for line in text)
    assert all(text[r][col] in "│*λ=2" for r in range(sc.win.rows))


def test_the_arrow_points_against_the_gradient():
    p = preset("seed")  # at w > 1, b = 0: dL/dw > 0, so downhill is to the left
    t, path = trained(p.data, TrainConfig.from_preset(p), 5)
    sc = scene_of(t, path)
    col, row = sc.win.cell_of(t.state.w, t.state.b)
    assert sc.chars[row][col] == "●"
    assert sc.chars[row][col - 4] == "←" and sc.kinds[row][col - 1] == "arrow"
    ascii_scene = scene_of(t, path, ascii_only=True)
    assert ascii_scene.chars[row][col - 4] == "<" and ascii_scene.chars[row][col] == "@"
    flat = "".join("".join(r) for r in ascii_scene.chars)
    assert flat.isascii()


def test_no_map_without_a_unique_optimum():
    from lrtui.engine.data import Dataset

    data = Dataset(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]), "flat", {})
    t = Trainer(data, TrainConfig(w0=0, b0=0, lr=0.01, epochs=5))
    assert scene_of(t, None) is None


def test_the_map_costs_the_same_at_any_size():
    """The scene reads only the sufficient statistics: a million points and their four-point
    summary with the same moments draw the same map."""
    big = synthetic(10**6, slope=2.0, intercept=-1.0, noise=0.5, seed=3)
    t, _ = trained(big, TrainConfig(w0=5.0, b0=4.0, lr=0.1, epochs=100), 3)
    called = []
    real = np.mean
    try:
        landscape.np.mean = lambda *a, **k: called.append(a) or real(*a, **k)  # type: ignore
        sc = scene_of(t, None)
    finally:
        landscape.np.mean = real
    assert sc is not None and called == []


@pytest.mark.parametrize("lr", [1.0, 1e300])
def test_a_diverged_run_has_a_map_without_warnings(lr):
    """Far past the critical rate the window spans ~1e301: L - L* overflows there, which
    draws no contour and raises no floating-point warning."""
    import warnings

    p = preset("seed")
    t, path = trained(p.data, TrainConfig.from_preset(p, lr=lr), 500)
    assert t.state.status == "diverged"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc = scene_of(t, path)
    assert sc is not None and all(np.isfinite(sc.levels))
    assert sum(row.count("S") for row in map(''.join, sc.chars)) == 1
