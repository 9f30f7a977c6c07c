"""The L(w) view follows w near the optimum (on at start) and `a` shows the whole path again;
every plot names its axes (epoch and loss, w and L, x and y) without losing a row."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from lrtui.display import AppOptions
from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.tui.app import LrtuiApp

from .conftest import seed_app, wait_until_paused

NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"


def shown(widget) -> list[str]:
    """A widget as drawn on screen, line by line (its border included)."""
    return [line.text for line in widget.render_lines(widget.region.reset_offset)]


def chart_frame(widget) -> tuple[int, int, list[str]]:
    """The indices of the chart's top and bottom frame lines in `shown(widget)`, and the
    lines (plotext's frame: ┌...┐ and └...┘, or + and - under --ascii)."""
    lines = shown(widget)
    inner = [line[1:-1].lstrip() for line in lines]  # without the widget's border
    frame = [i for i, text in enumerate(inner) if text[:1] in ("┌", "└", "+")
             and text[1:2] in ("─", "┬", "-", "+")]
    return frame[0], frame[-1], lines


def x_tick_labels(widget) -> list[float]:
    _, bottom, lines = chart_frame(widget)
    return [float(t) for t in re.findall(NUMBER, lines[bottom + 1])]


async def play_to_epoch(pilot, epoch: int, limit: float = 20.0) -> None:
    """Play at 5 steps per frame to `epoch` or a little past it, pause, then step back (or
    on) to exactly `epoch`: a frame's steps are not the test's to choose, the epoch is."""
    app = pilot.app
    await pilot.press("right_square_bracket", "right_square_bracket", "space")  # 5/frame
    for _ in range(int(limit / 0.01)):
        if app.trainer.state.epoch >= epoch:
            break
        await pilot.pause(0.01)
    await pilot.press("space", "left_square_bracket", "left_square_bracket")  # 1/frame
    over = app.trainer.state.epoch - epoch
    await pilot.press(*(["left"] * over if over > 0 else ["n"] * -over))
    await pilot.pause()
    assert app.trainer.state.epoch == epoch and not app.playing and app.view.speed == 1


def tangent_window(app) -> tuple[float, float]:
    """The w range the tangent view draws, from the frame's tangent scene."""
    return app.frame.tangent_scene(points=2 * app.tangent_view.size.width).window


# -- follow mode (a) ------------------------------------------------------------------------


async def test_near_the_optimum_the_view_follows_w_and_a_shows_the_whole_path(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.view.follow  # on at start
        lo, hi = tangent_window(app)  # far: the whole path, w* = 1 to the start w = 10
        assert lo < 1.0 and hi > 10.0
        assert app.tangent_view.border_title == "L(w) and tangent"
        whole_width = hi - lo

        await play_to_epoch(pilot, 70)  # paused: every plot is drawn from this frame
        s = app.trainer.state
        assert s.w == pytest.approx(1 + 9 * 0.95**70)  # 1.249: near w* = 1, not at it
        scene = app.frame.tangent_scene(points=2 * app.tangent_view.size.width)
        lo, hi = scene.window
        half = (hi - lo) / 2
        assert (lo, hi) == pytest.approx((0.5, 1.5))  # 1.5 * 0.249 up to 0.5, about w* = 1
        assert hi - lo < whole_width / 10
        assert lo < 1.0 < s.w < hi
        # legible: the point a quarter to two thirds of the way out, the tangent sloped
        assert 0.25 <= (s.w - 1.0) / half <= 2 / 3
        assert scene.point is not None and scene.point.w == s.w
        ylo, yhi = scene.ylim
        assert (scene.point.loss - ylo) / (yhi - ylo) >= 0.05  # off the bottom axis
        rise = abs(scene.segment[1][1] - scene.segment[1][0]) / (yhi - ylo)
        assert rise >= 0.1  # the tangent piece climbs a tenth of the plot's height
        # what is drawn: the title says so, the w axis is labelled within the window
        assert app.tangent_view.border_title == "L(w) near w* · a: all"
        assert "L(w) near w* · a: all" in shown(app.tangent_view)[0]
        ticks = x_tick_labels(app.tangent_view)
        assert ticks and all(lo <= t <= hi for t in ticks) and 1.0 in ticks, ticks
        # the w/W keys still step by a share of the whole path (what they did before)
        assert app.frame.w_window() == pytest.approx((0.1, 10.9))

        await pilot.press("a")  # the whole path again
        await pilot.pause()
        assert not app.view.follow and app.trainer.state == s
        lo2, hi2 = tangent_window(app)
        assert lo2 < 1.0 and hi2 > 10.0 and lo2 < s.w < hi2
        assert app.tangent_view.border_title == "L(w) · a: follow w"
        assert 10.0 in x_tick_labels(app.tangent_view)

        await pilot.press("a")  # and back
        await pilot.pause()
        assert app.view.follow
        assert tangent_window(app) == (lo, hi)
        assert x_tick_labels(app.tangent_view) == ticks


async def test_at_convergence_the_window_stops_narrowing_at_readable_ticks(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["right_square_bracket"] * 5, "space")  # 50 steps per frame
        await wait_until_paused(pilot)
        assert app.trainer.state.status == "converged"
        assert tangent_window(app) == pytest.approx((0.95, 1.05))  # 5% of w* each side
        ticks = x_tick_labels(app.tangent_view)
        assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks  # no label twice
        assert app.tangent_view.border_title == "L(w) near w* · a: all"  # 80 columns


async def test_playing_near_the_optimum_moves_the_window_a_few_times_not_every_frame(app):
    async with app.run_test(size=(100, 30)) as pilot:
        # from epoch 32 (w = 2.75: the whole path) to 52 (w = 1.63), one step per frame
        await play_to_epoch(pilot, 32)
        seen: list[tuple[int, float, tuple[float, float]]] = []

        def record(frame) -> None:
            if frame.playing and (not seen or frame.state.epoch > seen[-1][0]):
                seen.append((frame.state.epoch, frame.state.w,
                             frame.tangent_scene(points=2 * app.tangent_view.size.width).window))

        app.watch(app, "frame", record, init=False)
        await pilot.press("space")
        for _ in range(500):
            await pilot.pause(0.01)
            if len(seen) >= 21:
                break
        first = seen[:21]
        assert len(first) == 21
        epochs = [e for e, _, _ in first]
        assert epochs == list(range(epochs[0], epochs[0] + 21))  # one step a frame
        assert len({w for _, w, _ in first}) == 21  # w moved every frame
        windows = [window for _, _, window in first]
        changes = sum(a != b for a, b in pairwise(windows))
        assert changes <= 3, windows
        # and it did follow: from the whole path to w* -+ 2 (epoch 38) and w* -+ 1 (epoch 51)
        assert windows[0] == pytest.approx((0.1, 10.9))
        assert windows[-1] == pytest.approx((0.0, 2.0))


# -- axis labels (b) ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (200, 50)])
async def test_every_plot_names_its_axes_in_its_frame(size):
    app = seed_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("n", "n")
        await pilot.pause()
        for view, (x, y) in [(app.loss_view, ("epoch", "loss")), (app.tangent_view, ("w", "L")),
                             (app.fit_view, ("x", "y"))]:
            top, bottom, lines = chart_frame(view)
            assert f"┌─ {y} ─" in lines[top], lines
            assert f"─ {x} ─" in lines[bottom], lines
            # no row spent: tick labels, then the widget's border, under the frame
            assert bottom == len(lines) - 3
            assert re.search(NUMBER, lines[bottom + 1]), lines


async def test_the_axis_names_make_room_by_dropping_a_last_tick_and_its_label():
    # At 80x24 from the start the loss plot's ticks 0, 5, 10 are 8 columns apart: " epoch "
    # (7 and a dash each side) fits in no gap, so the 10 gives way.
    app = seed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        top, bottom, lines = chart_frame(app.loss_view)
        assert lines[bottom].rstrip("│ ").endswith("─ epoch ─┘"), lines[bottom]
        assert lines[bottom].count("┬") == 2
        assert x_tick_labels(app.loss_view) == [0.0, 5.0]


async def test_the_axis_names_under_ascii():
    p = preset("seed")
    app = LrtuiApp(Trainer(p.data, TrainConfig.from_preset(p)), AppOptions(ascii=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        for view, (x, y) in [(app.loss_view, ("epoch", "loss")), (app.tangent_view, ("w", "L")),
                             (app.fit_view, ("x", "y"))]:
            top, bottom, lines = chart_frame(view)
            assert f"+- {y} -" in lines[top], lines
            assert f"- {x} -" in lines[bottom], lines
            assert all(ord(ch) < 128 for ch in lines[top] + lines[bottom])
