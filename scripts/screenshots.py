"""Regenerate screenshots/*.svg from the real app: `python scripts/screenshots.py`.

Each picture is the app driven by real key presses through Textual's Pilot; nothing is
edited by hand. The README shows screenshots/main.svg.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lrtui.engine import TrainConfig, preset
from lrtui.tui.app import make_app

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def wait_until_paused(pilot, limit: float = 30.0) -> None:
    for _ in range(int(limit / 0.05)):
        if not pilot.app.playing:
            break
        await pilot.pause(0.05)
    else:
        raise RuntimeError(f"still playing after {limit:g} s")
    await pilot.pause()


# name -> (terminal size, keys to press; "wait" waits until playing stops)
SCENES = {
    "main": ((120, 36), ["t", *["n"] * 40]),
    "converged-log": ((120, 36), ["right_square_bracket"] * 4 + ["space", "wait", "l"]),
    "diverged": ((100, 30), ["colon", *"lr 0.5", "enter", *["right_square_bracket"] * 3, "space", "wait"]),
    "small-80x24": ((80, 24), ["n"] * 25),
    "help": ((100, 30), ["question_mark"]),
    "loss-map": ((120, 36), ["colon", *"b 3", "enter", "colon", *"lr 0.3", "enter", "c",
                             *["n"] * 6]),
    "wide-200x50": ((200, 50), ["t", *["n"] * 40]),
    # torch.optim's rules: Adam on mini-batches of 2 (the batch loss in grey), on the map
    "adam-minibatch": ((120, 36), ["colon", *"optimizer adam", "enter", "colon",
                                   *"lr 0.3", "enter", "colon", *"batch_size 2", "enter", "c",
                                   *["n"] * 30]),
    # lrtui race --app on the tutorial data: the default field, on the loss map
    "race-map": ((120, 36), ["c", *["n"] * 12]),
}


def race_app():
    """The app of `lrtui race --app --preset tutorial`."""
    from lrtui.engine import Trainer
    from lrtui.race import RaceTrainer, default_specs, runners
    from lrtui.tui.app import LrtuiApp

    p = preset("tutorial")
    base = Trainer(p.data, TrainConfig.from_preset(p, tol=1e-8))
    specs = default_specs(base)
    return LrtuiApp(RaceTrainer(runners(base, specs), specs))


async def shoot(name: str, size: tuple[int, int], keys: list[str]) -> Path:
    p = preset("seed")
    app = race_app() if name.startswith("race") else make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=size) as pilot:
        for key in keys:
            if key == "wait":
                await wait_until_paused(pilot)
            else:
                await pilot.press(key)
        await pilot.pause()
        path = OUT / f"{name}.svg"
        app.save_screenshot(str(path))
    return path


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (size, keys) in SCENES.items():
        print(await shoot(name, size, keys))


if __name__ == "__main__":
    asyncio.run(main())
