"""The loss map in the app (key c): in place of the tangent and fit plots, exclusive with the
graph, a click or the cursor and enter restart the run there, w/W/b/B move the start it
shows, and its flag goes into sessions."""

from __future__ import annotations

import pytest

from lrtui.present.landscape import LEVEL_CHARS

from .conftest import seed_app


def map_text(app) -> str:
    return app.map_view.render().plain


async def test_c_swaps_the_map_in_and_g_swaps_it_out(tmp_path):
    app = seed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert app.view.map and app.map_view.display
        assert not app.tangent_view.display and not app.fit_view.display
        assert app.plots == (app.loss_view, app.map_view)
        await pilot.press("n", "n")
        await pilot.pause()
        text = map_text(app)
        assert "S" in text and "●" in text and "*" in text and "λ=5" in text
        assert "L−L*:" in text and sum(c in text for c in LEVEL_CHARS) >= 4
        assert app.map_view.frame.state.epoch == 2  # it was given the latest frame
        await pilot.press("g")
        await pilot.pause()
        assert app.view.graph and not app.view.map and not app.map_view.display
        await pilot.press("c")
        assert app.view.map and not app.view.graph
        await pilot.press("c")
        await pilot.pause()
        assert not app.view.map and app.tangent_view.display


async def test_a_click_on_the_map_restarts_the_run_there():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "n", "n", "n")
        await pilot.pause()
        scene = app.map_view.frame.map_scene(*app.map_view.grid_size, False, None)
        col, row = 5, 2
        w, b = scene.win.center(col, row)
        await pilot.click("#map", offset=(col + 1, row + 1))  # +1: the border
        await pilot.pause()
        state = app.trainer.state
        assert state.epoch == 0 and app.trainer.start == (state.w, state.b)
        assert state.w == pytest.approx(w, abs=scene.win.cell / 2)
        assert state.b == pytest.approx(b, abs=scene.win.cell)
        await pilot.pause()
        text = map_text(app)
        assert "●" in text  # the new start is the current point


async def test_the_cursor_and_enter_restart_from_it():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "n")
        await pilot.pause()
        app.map_view.focus()
        await pilot.pause()
        before = app.trainer.state
        await pilot.press("up", "up", "left")  # keys of the map while it has the focus
        await pilot.pause()
        assert app.trainer.state == before  # ← is the cursor's here, not "back"
        scene = app.map_view.frame.map_scene(*app.map_view.grid_size, False, None)
        here = scene.win.cell_of(before.w, before.b)
        assert app.map_view.cursor == (here[0] - 1, here[1] - 2)
        assert "X" in map_text(app)
        await pilot.press("enter")
        await pilot.pause()
        w, b = scene.win.center(here[0] - 1, here[1] - 2)
        state = app.trainer.state
        assert state.epoch == 0 and app.map_view.cursor is None
        assert (state.w, state.b) == pytest.approx((w, b), abs=scene.win.cell)


async def test_w_and_b_keys_move_the_start_the_map_shows():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "b", "b")
        await pilot.pause()
        state = app.trainer.state
        assert state.b < 0 and app.trainer.start == (state.w, state.b)
        scene = app.map_view.frame.map_scene(*app.map_view.grid_size, False, None)
        col, row = scene.win.cell_of(state.w, state.b)
        assert scene.chars[row][col] == "●"
        await pilot.press("n")
        await pilot.pause()
        scene = app.map_view.frame.map_scene(*app.map_view.grid_size, False, None)
        col, row = scene.win.cell_of(*app.trainer.start)
        assert scene.chars[row][col] == "S"


async def test_the_map_is_saved_with_the_session(tmp_path, monkeypatch):
    from lrtui.session import load_session

    monkeypatch.chdir(tmp_path)
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "ctrl+s")
        await pilot.pause()
    (path,) = tmp_path.glob("lrtui-session-*.json")
    _, view = load_session(path)
    assert view.map and not view.graph


async def test_the_map_zooms_and_fits_at_80x24():
    app = seed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "n")
        app.map_view.focus()
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is app.map_view
        assert app.map_view.size.width >= 70
        await pilot.press("z")
        assert app.screen.maximized is None


async def test_under_ascii_the_map_is_ascii():
    from lrtui.display import AppOptions
    from lrtui.engine import TrainConfig, Trainer, preset
    from lrtui.tui.app import LrtuiApp

    p = preset("seed")
    app = LrtuiApp(Trainer(p.data, TrainConfig.from_preset(p)), AppOptions(ascii=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "n", "n")
        await pilot.pause()
        text = map_text(app)
        assert text.isascii() and "lambda=5" in text and "@" in text and "S" in text


async def test_the_title_names_kappa_and_it_turns_to_1_under_standard_scaling():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        lam_min, lam_max = app.trainer.theory.eigenvalues
        assert lam_max / lam_min == 2.5  # the seed data: eigenvalues 2 and 5
        assert app.map_view.border_title == f"loss map L(w, b) · κ = {lam_max / lam_min:.3g}"
        await pilot.press("colon", *"scale standard", "enter")
        await pilot.pause()
        assert app.map_view.border_title == "loss map L(w, b) · κ = 1 · scale standard"
