"""The app's exit code, and resizing while it plays on a log scale."""

from __future__ import annotations

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.tui import run_app
from lrtui.tui.app import LrtuiApp

from .conftest import seed_app


def _seed_trainer() -> Trainer:
    p = preset("seed")
    return Trainer(p.data, TrainConfig.from_preset(p))


def test_a_crash_makes_the_exit_code_non_zero(monkeypatch):
    # App.run() returns normally after an unhandled exception; run_app must not hide it.
    def boom(self):
        raise RuntimeError("a view failed")

    original_run = LrtuiApp.run
    monkeypatch.setattr(LrtuiApp, "on_mount", boom)
    monkeypatch.setattr(LrtuiApp, "run", lambda self, **kw: original_run(self, headless=True))
    assert run_app(_seed_trainer()) != 0


def test_a_clean_quit_exits_zero(monkeypatch):
    original_run = LrtuiApp.run

    def run_and_quit(self, **kw):
        async def quit_soon(pilot):
            await pilot.press("n", "q")

        return original_run(self, headless=True, auto_pilot=quit_soon)

    monkeypatch.setattr(LrtuiApp, "run", run_and_quit)
    assert run_app(_seed_trainer()) == 0


async def test_resizing_while_playing_on_a_log_scale():
    app = seed_app(epochs=100_000)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("l", *["right_square_bracket"] * 3, "space")
        for size in [(80, 24), (200, 50), (61, 19), (50, 12), (120, 40), (100, 30)] * 2:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            assert app.is_running
        assert app.playing or app.trainer.state.status == "converged"
        await pilot.press("space")
        await pilot.pause()
        assert app.view.log
        rendered = str(app.loss_view.render())
        assert "e-" in rendered or "0.0" in rendered  # a log axis still labelled
        assert app.state.epoch > 0
