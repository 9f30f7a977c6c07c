"""The learning-rate sweep in the app (key v): in place of the three plots, computed on a
scratch trainer (the run is not disturbed), each rate's row as `lrtui sweep` gives it, remade
only when the start, budget, tol or scale change."""

from __future__ import annotations

import numpy as np

from lrtui import sweep
from lrtui.engine import TrainConfig, Trainer, preset

from .conftest import seed_app


async def test_v_shows_the_sweep_in_place_of_the_plots_and_leaves_the_run_alone():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "n")
        before = app.trainer.state
        await pilot.press("v")
        await pilot.pause()
        assert app.view.sweep and app.plots == (app.sweep_view,)
        assert app.sweep_view.display
        assert not any(v.display for v in (app.loss_view, app.tangent_view, app.fit_view))
        assert app.trainer.state == before  # the sweep ran on a scratch trainer
        scene = app.sweep_view.frame.sweep
        # the same rows as lrtui sweep over the same rates, from the run's start
        p = preset("seed")
        scratch = Trainer(p.data, TrainConfig.from_preset(p, tol=app.trainer.state.tol))
        expected = sweep.sweep(scratch, np.array([r.lr for r in scene.rows]))
        assert list(scene.rows) == expected
        assert scene.critical == 0.4 and abs(scene.best - 2 / 7) < 1e-15
        kinds = {k: len(scene.points(k)[0]) for k in ("converged", "budget", "diverged")}
        assert kinds["converged"] > 10 and kinds["diverged"] >= 1  # 1.1x critical diverges
        text = str(app.sweep_view.render())
        assert "lr" in text and "epochs" in text and "0.1" in text
        await pilot.press("v")
        await pilot.pause()
        assert not app.view.sweep and app.loss_view.display and app.tangent_view.display


async def test_the_sweep_is_remade_only_when_its_settings_change():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        first = app.sweep_view.frame.sweep
        await pilot.press("plus", "n")  # a new lr and a step: the same sweep, marked anew
        await pilot.pause()
        assert app.sweep_view.frame.sweep is first
        await pilot.press("colon", *"tol 1e-4", "enter")
        await pilot.pause()
        again = app.sweep_view.frame.sweep
        assert again is not first and again.tol == 1e-4
        assert all(r.epochs_run <= f.epochs_run for r, f in zip(again.rows, first.rows,
                                                                 strict=True)
                   if f.status == "converged")


async def test_the_sweep_the_map_and_the_graph_take_turns():
    app = seed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v", "c")
        assert app.view.map and not app.view.sweep
        await pilot.press("v")
        assert app.view.sweep and not app.view.map
        await pilot.press("g")
        assert app.view.graph and not app.view.sweep
