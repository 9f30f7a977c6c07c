"""Whatever a user presses, at whatever size, the app keeps running and stays consistent."""

from __future__ import annotations

import random

from lrtui.tui.app import LrtuiApp

from .conftest import seed_app

SIZES = [(80, 24), (120, 40), (200, 50), (60, 18), (40, 10), (100, 30)]


def binding_keys(app: LrtuiApp) -> list[str]:
    keys: list[str] = []
    for binding in LrtuiApp.BINDINGS:
        keys.extend(k.strip() for k in binding.key.split(","))
    keys.remove("q")  # quitting ends the test; it has its own test
    return keys + ["escape", "tab", "enter"]


async def test_a_thousand_random_keys_at_random_sizes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # ctrl+s, e and s write files into the current folder
    app = seed_app()
    rng = random.Random(20261126)
    keys = binding_keys(app)
    async with app.run_test(size=(100, 30)) as pilot:
        for i in range(1000):
            if i % 50 == 0:
                await pilot.resize_terminal(*rng.choice(SIZES))
            key = rng.choice(keys)
            if app.screen.has_class("-prompting") and rng.random() < 0.5:
                # Type something, sensible or not, into the prompt.
                text = rng.choice(["lr 0.3", "w x", "epochs 0", "h 1e-3", "b -2", "zz", "lr 5"])
                await pilot.press(*text, "enter")
            else:
                await pilot.press(key)
            if i % 100 == 0:
                await pilot.pause(0.05)
            assert app.is_running
        await pilot.pause()
        trainer = app.trainer
        state = trainer.state
        # The app's snapshot is the trainer's, and the trainer's is its last history record.
        assert app.state == state
        last = trainer.history.last()
        assert int(last[0]) == state.epoch
        assert last[1] == state.w or state.status == "diverged"
        assert state.status in ("ready", "running", "converged", "diverged")
    assert app.return_code in (None, 0)
