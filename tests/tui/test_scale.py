"""`: scale standard` in the app: the run restarts in the new coordinates, the numbers
follow (critical rate 1), and the parameters panel adds the line in x's units."""

from __future__ import annotations

import numpy as np
import pytest

from lrtui.engine import Dataset, TrainConfig
from lrtui.tui.app import make_app

from .conftest import seed_app, value_text


async def test_the_prompt_sets_the_scale_and_the_panel_shows_x_units():
    app = seed_app(tol=1e-8)
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.query(".in-x")
        assert rows and not any(w.display for w in rows)  # unscaled: no extra row
        await pilot.press("n", "n")
        assert app.trainer.state.epoch == 2
        await pilot.press("colon", *"scale standard", "enter")
        await pilot.pause()
        t = app.trainer
        assert not app.screen.has_class("-prompting")
        assert t.scaling.kind == "standard" and t.state.epoch == 0
        assert (t.state.w, t.state.b) == (10.0, 0.0)  # the same start, now in z
        await pilot.pause()
        assert all(w.display for w in app.query(".in-x"))
        assert "scale standard" in str(app.parameters.border_title)
        assert value_text(app, "parameters", "critical").strip() == "1"
        # seed x = -2, -1, 1, 2: std = sqrt(2.5), so w = 10 in z is 10/sqrt(2.5) in x
        w_x = float(value_text(app, "parameters", "w_x").strip())
        assert w_x == pytest.approx(10 / np.sqrt(2.5), rel=1e-4)
        await pilot.press("colon", *"scale none", "enter")
        await pilot.pause()
        await pilot.pause()
        assert not any(w.display for w in app.query(".in-x"))
        assert app.trainer.theory.critical_lr == pytest.approx(0.4)


async def test_a_bad_scale_is_answered_in_the_prompt():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"scale minmax", "enter")
        await pilot.pause()
        assert app.screen.has_class("-prompting")
        assert "one of none, center, standard" in str(app.prompt_bar.error.render())
        assert app.trainer.scaling.kind == "none"


async def test_a_scaled_fit_view_draws_the_line_in_x():
    rng = np.random.default_rng(1)
    x = 100 + rng.uniform(-1, 1, 50)
    data = Dataset(x, 2 * x + 1, name="far")
    app = make_app(data, TrainConfig(w0=0.0, b0=200.0, lr=0.5, epochs=100, scale="standard"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "n")
        await pilot.pause()
        scene = app.frame.fit_scene()
        s, sc = app.trainer.state, app.trainer.scaling
        w_x, b_x = s.w / sc.factor, s.b - s.w * sc.shift / sc.factor
        assert scene.line is not None
        lx, ly = scene.line
        np.testing.assert_allclose(ly, w_x * lx + b_x, rtol=1e-9)
        assert scene.xlim[0] > 98  # the points are drawn in x
