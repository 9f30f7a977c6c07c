"""A race in the app (`lrtui race --app`): n, ← and r drive every runner; the table, the loss
plot and the map show them all."""

from __future__ import annotations

from rich.console import Console

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.race import RaceTrainer, default_specs, runners
from lrtui.tui.app import LrtuiApp


def race_app() -> LrtuiApp:
    p = preset("tutorial")
    base = Trainer(p.data, TrainConfig.from_preset(p, epochs=2000, tol=1e-8))
    specs = default_specs(base)
    return LrtuiApp(RaceTrainer(runners(base, specs), specs))


async def test_the_keys_drive_every_runner_and_the_views_show_them():
    app = race_app()
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("n", "n", "n")
        await pilot.pause()
        epochs = [r.state.epoch for r in app.frame.runners]
        assert epochs == [3, 3, 3, 3]
        # each runner is the run its own trainer makes
        p = preset("tutorial")
        alone = Trainer(p.data, TrainConfig.from_preset(p, epochs=2000, tol=1e-8,
                                                        optimizer="adam", lr=0.1))
        alone.run(3)
        assert app.frame.runners[3].state.w == alone.state.w
        await pilot.press("left")
        await pilot.pause()
        assert [r.state.epoch for r in app.frame.runners] == [2, 2, 2, 2]
        console = Console(width=110, record=True)
        console.print(app.race_table.content)
        table = console.export_text()
        assert "adam lr=0.1" in table and "nesterov" in table
        assert app.race_table.display and not app.gradients.display
        assert app.loss_view.border_subtitle.startswith("the race, log scale")
        await pilot.press("c")
        await pilot.pause()
        text = app.map_view.render().plain
        assert "4" in text and "S" in text  # Adam's path (runner 4) leaves the start
        await pilot.press("r")
        await pilot.pause()
        assert [r.state.epoch for r in app.frame.runners] == [0, 0, 0, 0]


async def test_space_plays_until_every_runner_is_done_each_stopping_at_its_own_tol():
    from .conftest import wait_until_paused

    app = race_app()
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press(*["right_square_bracket"] * 6, "space")
        await wait_until_paused(pilot)
        await pilot.pause()
        p = preset("tutorial")
        for runner, spec in zip(app.frame.runners, default_specs(app.trainer), strict=True):
            alone = Trainer(p.data, TrainConfig.from_preset(p, epochs=2000, tol=1e-8, **spec))
            alone.run()
            assert runner.state.status == "converged" == alone.state.status
            assert runner.state.epoch == alone.state.epoch  # each stopped at its own tol
        assert app.frame.runners[3].state.epoch > app.frame.runners[0].state.epoch
        assert app.trainer.done and not app.playing
