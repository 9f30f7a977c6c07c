"""How far the keys move things, pressed in the running app: w/W and b/B move the start by a
1-2-5 step of about a twentieth of the view, and +/- walk the learning-rate ladder, also
from a rate typed between its rungs.

The views' windows, worked by hand for the seed data (x = -2, -1, 1, 2, y = x, optimum w* = 1):

- the w window holds w*, the current w and the start (or, with the sample tangents on, the
  notes' sample weights -0.5, 0, 0.5, 1.5, 2, 2.5 instead of the start), widened by a tenth
  of its span on each side: width = 1.2 * (max - min);
- the b window is the fit plot's y range: the data's y from -2 to 2, widened by a quarter of
  that range on each side: (-3, 3), width 6;
- the step is the smallest 1, 2 or 5 times a power of ten that is at least width / 20.
"""

from __future__ import annotations

import pytest

from lrtui.engine import TrainConfig, preset
from lrtui.tui.app import make_app

from .conftest import seed_app


async def _type(pilot, text: str) -> None:
    await pilot.press("colon", *text, "enter")
    await pilot.pause()


@pytest.mark.parametrize(
    ("start", "samples", "step"),
    [
        (10.0, False, 1.0),  # points 1, 10, 10: width 1.2*9 = 10.8, /20 = 0.54 -> 1
        (2.0, False, 0.1),  # points 1, 2, 2: width 1.2, /20 = 0.06 -> 0.1
        (20.0, False, 2.0),  # width 1.2*19 = 22.8, /20 = 1.14 -> 2
        (40.0, False, 5.0),  # width 1.2*39 = 46.8, /20 = 2.34 -> 5
        (2.0, True, 0.2),  # points -0.5 ... 2.5 and 2: width 1.2*3 = 3.6, /20 = 0.18 -> 0.2
        (10.0, True, 1.0),  # points -0.5 ... 10: width 1.2*10.5 = 12.6, /20 = 0.63 -> 1
    ],
)
@pytest.mark.parametrize("key", ["w", "W"])
async def test_w_keys_move_the_start_by_a_step_sized_to_the_view(key, start, samples, step):
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _type(pilot, f"w {start:g}")
        if samples:
            await pilot.press("t")
        before = app.trainer.state
        assert (before.w, before.b, before.epoch) == (start, 0.0, 0)
        await pilot.press(key)
        await pilot.pause()
        s = app.trainer.state
        sign = 1 if key == "W" else -1
        assert s.w == pytest.approx(start + sign * step, rel=1e-12)
        assert (s.b, s.epoch) == (0.0, 0)
        assert app.trainer.start == (s.w, s.b)


async def test_w_moves_from_the_current_w_mid_run():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _type(pilot, "w 40")
        await pilot.press("t", *["n"] * 30)
        await pilot.pause()
        # b stays 0 (mean x = 0) and dL/dw = 5(w - 1), so at lr 0.01 w - 1 shrinks by 0.95 a
        # step: w_30 = 1 + 39 * 0.95^30 = 9.37...
        w30 = 1 + 39 * 0.95**30
        assert app.trainer.state.w == pytest.approx(w30, rel=1e-12)
        # With the sample tangents on the window holds -0.5 ... 2.5 and w_30:
        # width 1.2 * (w_30 + 0.5) = 11.8..., /20 = 0.59... -> a step of 1.
        assert 0.5 < 1.2 * (w30 + 0.5) / 20 <= 1
        await pilot.press("W")
        await pilot.pause()
        s = app.trainer.state
        assert s.epoch == 0
        assert s.w == pytest.approx(w30 + 1.0, rel=1e-12)


@pytest.mark.parametrize(("key", "sign"), [("b", -1), ("B", 1)])
async def test_b_keys_move_the_start_by_a_step_sized_to_the_fit_view(key, sign):
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n")
        w2 = app.trainer.state.w
        await pilot.press(key)
        await pilot.pause()
        s = app.trainer.state
        # the fit view's y range (-3, 3): width 6, /20 = 0.3 -> a step of 0.5
        assert s.b == pytest.approx(sign * 0.5, rel=1e-12)
        assert s.w == w2 and s.epoch == 0  # the run restarts from the current w
        await pilot.press(key)
        await pilot.pause()
        assert app.trainer.state.b == pytest.approx(sign * 1.0, rel=1e-12)


async def test_b_step_on_the_tutorial_data():
    p = preset("tutorial")  # y = -2x + 2 at x = -2, -1, 1, 2: y = 6, 4, 0, -2; start b = 10
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("B")
        await pilot.pause()
        # y from -2 to 6, widened by 2 each side: (-4, 8), width 12, /20 = 0.6 -> a step of 1
        assert app.trainer.state.b == pytest.approx(11.0, rel=1e-12)


@pytest.mark.parametrize(
    ("typed", "key", "expected"),
    [("0.037", "plus", 0.05), ("0.037", "minus", 0.02), ("0.037", "equals_sign", 0.05),
     ("0.3", "minus", 0.2), ("0.3", "plus", 0.5), ("0.011", "minus", 0.01)],
)
async def test_lr_keys_from_a_typed_rate_go_to_the_nearest_rung_that_way(typed, key, expected):
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await _type(pilot, f"lr {typed}")
        assert app.trainer.state.lr == float(typed)
        await pilot.press(key)
        await pilot.pause()
        assert app.trainer.state.lr == expected
        assert app.trainer.state.epoch == 1  # changed in place, no reset


async def test_lr_keys_walk_exact_rungs_up_and_down():
    app = seed_app()  # lr 0.01
    async with app.run_test(size=(100, 30)) as pilot:
        seen = [app.trainer.state.lr]
        for key in ["plus"] * 3 + ["minus"] * 4:
            await pilot.press(key)
            seen.append(app.trainer.state.lr)
        assert seen == [0.01, 0.02, 0.05, 0.1, 0.05, 0.02, 0.01, 0.005]
