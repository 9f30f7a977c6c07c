"""Starts far from the optimum: the app keeps running and its plots stay drawable.

Found by the random keys of test_robustness.py, and fixed: with |b| above about 1e9 the loss
curve L(w) at that b is b^2 plus variations too small for float64, so the tangent view's y
range collapsed to one value (its padding of +-1 was lost at that size) and plotext divided
by zero: the app crashed. It got there from `: b 1e10`, from `lrtui --b0 1e10`, or by moving
the start (w/W/b/B) from a diverged run again and again.
"""

from __future__ import annotations

import pytest

from .conftest import seed_app


@pytest.mark.parametrize("b0", [1e3, 1e6, 1e9, -1e9])
async def test_a_start_with_a_large_b_is_drawn(b0):
    app = seed_app(b0=b0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "t", "n")
        await pilot.pause()
        assert app.is_running
        assert app.trainer.state.epoch == 2
    assert app.return_code is None  # still running when the test ended: no crash


@pytest.mark.parametrize("w0", [1e6, 1e20, -1e20])
async def test_a_start_with_a_huge_w_is_drawn(w0):
    app = seed_app(w0=w0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "g", "g", "f")
        await pilot.pause()
        assert app.is_running


@pytest.mark.parametrize("how", ["start", "prompt", "far start"])
async def test_a_start_with_a_huge_b_is_drawn(how):
    b0 = {"start": 1e10, "far start": -1e15}.get(how, 0.0)
    app = seed_app(b0=b0)
    async with app.run_test(size=(100, 30)) as pilot:
        if how == "prompt":
            await pilot.press("colon", *"b 1e10", "enter")
        await pilot.press("n", "t", "n")
        await pilot.pause()
        assert app.is_running
        assert app.trainer.state.epoch == 2
