"""Whatever a user presses, at whatever size, the app keeps running and stays consistent.

Random keys from the app's bindings (a few seeds, so a failure is reproducible) are sent in
small batches; after each batch the app is checked against what the keys must have done:

- the epoch stays within the budget and the status is one of the four;
- the learning rate is where the keys put it: +/- walk a 1-2-5 ladder computed here, and a
  rate typed at the prompt is kept exactly;
- the view settings (speed, log scale, tangents, formulas, graph) are what the keys toggled;
- the history agrees with the state: epochs 0 .. epoch (fewer than 10,000, so all kept), the
  last row being the state's epoch, w, b and loss; and the views were given that state;
- a playing app is one that can still step.

The `:` prompt is opened rarely and always closed again (Enter on a valid command, escape
after an invalid one or instead of Enter), and so is the help screen, so that nearly every
key reaches a binding. At the end, each file-writing key has written one new file into the
(temporary) current folder (x asks for a language first: a script, or nothing on escape),
and q quits with exit code 0.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from textual import events

from lrtui.tui.export_choice import ExportChoice
from lrtui.tui.help import HelpScreen

from .conftest import seed_app

STATUSES = ("ready", "running", "converged", "diverged")
SIZES = [(100, 30), (80, 24), (120, 40), (60, 18), (40, 10), (200, 50)]

# Keys sent in batches, with their weights: mostly the keys that change the run.
BATCH_KEYS = {
    "n": 6, "right": 3, "left": 2, "r": 0.5, "space": 4,
    "plus": 3, "equals_sign": 1, "minus": 3,
    "right_square_bracket": 3, "left_square_bracket": 1.5,
    "w": 0.7, "W": 0.7, "b": 0.7, "B": 0.7,
    "l": 1, "t": 1, "f": 1, "g": 1, "z": 0.7, "tab": 0.7, "escape": 0.5, "enter": 0.5,
    "e": 0.15, "s": 0.1, "ctrl+s": 0.15,
}
# Keys that open something, handled on their own: the prompt, the help screen and the export
# dialog.
SPECIAL_KEYS = {"colon": 1.0, "question_mark": 0.15, "f1": 0.1, "x": 0.3}
EXPORT_KEYS = ("n", "t", "j", "f")  # the export dialog's languages

# What gets typed at the prompt: valid and invalid entries.
PROMPT_ENTRIES = [
    "lr 0.037", "lr=0.3", "rate 0.45", "learning_rate 0.013", "lr 0.5", "lr 0.2",
    "w 3.5", "w0=-4", "b -2", "b0 1.5", "h 1e-3", "h=0.05",
    "epochs 800", "epoch=2000", "epochs 60", "tol 1e-4", "tol=1e-6",
    "lr 0", "lr x", "zz 1", "epochs 0", "epochs 2.5", "w inf", "", "tol -1", "lr 1 2",
]
LR_ENTRIES = PROMPT_ENTRIES[:6]  # valid learning rates, on the ladder and off it

FILE_KEYS = {"ctrl+s": "lrtui-session-*.json", "e": "lrtui-history-*.csv",
             "x": "lrtui-run-*.py", "s": "lrtui-screenshot-*.svg"}


def rungs_around(value: float) -> list[float]:
    """The 1-2-5 values from three decades below to three above `value`, written as
    decimal literals (so 5e-06, not 5 * 10.0**-6)."""
    e = math.floor(math.log10(value))
    return [float(f"{m}e{k}") for k in range(e - 3, e + 4) for m in (1, 2, 5)]


def ladder(value: float, direction: int) -> float:
    if direction > 0:
        return min(r for r in rungs_around(value) if r > value * (1 + 1e-9))
    return max(r for r in rungs_around(value) if r < value * (1 - 1e-9))


def on_ladder(value: float) -> bool:
    return any(math.isclose(value, r, rel_tol=1e-12) for r in rungs_around(value))


class Expected:
    """What the keys must have done to the settings that only they change."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.typed_lr: set[float] = set()
        self.speed = 1
        self.log = self.tangents = self.formulas = self.graph = False
        self.files = dict.fromkeys(FILE_KEYS, 0)

    def key(self, key: str) -> None:
        if key in ("plus", "equals_sign"):
            self.lr = ladder(self.lr, +1)
        elif key == "minus":
            self.lr = ladder(self.lr, -1)
        elif key == "right_square_bracket":
            self.speed = min(100_000, int(ladder(self.speed, +1)))
        elif key == "left_square_bracket":
            self.speed = max(1, int(ladder(self.speed, -1))) if self.speed > 1 else 1
        elif key == "l":
            self.log = not self.log
        elif key == "t":
            self.tangents = not self.tangents
        elif key == "f":
            self.formulas = not self.formulas
        elif key == "g":
            self.graph = not self.graph
        elif key in FILE_KEYS:
            self.files[key] += 1


def check(app, expected: Expected, log: list[str]) -> None:
    where = f"after keys ... {' '.join(log[-12:])}"
    assert app.is_running, where
    s = app.trainer.state
    assert s.status in STATUSES, where
    assert 0 <= s.epoch <= s.epochs, where
    assert s.lr == expected.lr, f"lr {s.lr!r}, expected {expected.lr!r} {where}"
    assert on_ladder(s.lr) or s.lr in expected.typed_lr, where
    assert app.view.speed == expected.speed, where
    assert app.view.log == expected.log, where
    assert app.view.tangents == expected.tangents, where
    main = app.screen_stack[0]
    assert main.has_class("-formula") == expected.formulas, where
    assert main.has_class("-graph") == expected.graph, where
    rows = app.trainer.history.rows()
    assert np.array_equal(rows[:, 0], np.arange(s.epoch + 1)), where
    np.testing.assert_array_equal(rows[-1, :4], [s.epoch, s.w, s.b, s.loss], err_msg=where)
    assert app.state == s, where  # the views were given the trainer's state
    if app.playing:
        assert s.epoch < s.epochs and s.status not in ("converged", "diverged"), where


KEY_NAMES = {" ": "space", ".": "full_stop", "=": "equals_sign", "-": "minus"}


async def type_text(pilot, text: str, then: str) -> None:
    """Type `text` and then the key `then`, as a terminal would send them, waiting once at
    the end (pilot.press waits for the app to be idle after every character)."""
    for ch in text:
        pilot.app.post_message(events.Key(KEY_NAMES.get(ch, ch), ch))
    pilot.app.simulate_key(then)
    await pilot.pause()


async def use_prompt(pilot, rng: random.Random, expected: Expected, log: list[str],
                     entries: list[str] = PROMPT_ENTRIES) -> None:
    app = pilot.app
    entry = rng.choice(entries)
    cancel = rng.random() < 0.15
    log.append(f":{entry}" + ("<esc>" if cancel else "<enter>"))
    where = f"after keys ... {' '.join(log[-12:])}"
    app.simulate_key("colon")
    await pilot.pause()
    assert app.screen.has_class("-prompting"), where
    assert app.focused is app.prompt_bar.input, where  # what is typed goes into the prompt
    await type_text(pilot, entry, "escape" if cancel else "enter")
    applied = not cancel and not app.screen.has_class("-prompting")
    if not cancel and not applied:  # an entry it refused: it says why
        assert str(app.prompt_bar.error.render()).strip(), where
    # escape closes the prompt; with a panel zoomed (z) the first escape un-zooms it.
    for _ in range(2):
        if not app.screen.has_class("-prompting"):
            break
        app.simulate_key("escape")
        await pilot.pause()
    assert not app.screen.has_class("-prompting"), where
    name = entry.replace("=", " ").split()[0] if entry.strip() else ""
    if applied and name in ("lr", "rate", "learning_rate"):
        expected.lr = float(entry.replace("=", " ").split()[1])
        expected.typed_lr.add(expected.lr)


async def use_export(pilot, rng: random.Random, expected: Expected, log: list[str]) -> None:
    """x: the export dialog; keys that are not its own do nothing to the run; then a language
    (a script is written) or escape (nothing is)."""
    app = pilot.app
    if app.playing:
        log.append("space")
        app.simulate_key("space")
    await pilot.pause()
    before = app.trainer.state
    await pilot.press("x")
    assert isinstance(app.screen, ExportChoice)
    own = (*EXPORT_KEYS, "escape", "enter", "x", "q")
    behind = [k for k in rng.choices(list(BATCH_KEYS), k=3) if k not in own]
    choice = rng.choice([*EXPORT_KEYS, "escape"])
    log.append(f"x[{' '.join(behind)}]{choice}")
    for k in behind:
        app.simulate_key(k)
    await pilot.pause()
    assert app.trainer.state == before  # the dialog is in front: the keys did nothing
    await pilot.press(choice)
    assert not isinstance(app.screen, ExportChoice)
    if choice != "escape":
        expected.files["x"] += 1


async def use_help(pilot, rng: random.Random, key: str, log: list[str]) -> None:
    """Open the help; keys pressed behind it do nothing to the run; close it."""
    app = pilot.app
    if app.playing:  # pause first, so that the run holds still behind the help
        log.append("space")
        app.simulate_key("space")
    await pilot.pause()
    before = app.trainer.state
    await pilot.press(key)
    assert isinstance(app.screen, HelpScreen)
    behind = [k for k in rng.choices(list(BATCH_KEYS), k=3) if k != "escape"]
    log.append(f"{key}[{' '.join(behind)}]")
    for k in behind:
        app.simulate_key(k)
    await pilot.pause()
    assert app.trainer.state == before  # the help is in front: the keys did nothing
    await pilot.press("escape")
    assert not isinstance(app.screen, HelpScreen)


# (seed, epoch budget): small budgets are reached by playing, the default one rarely
@pytest.mark.parametrize(("seed", "epochs"), [(1, 500), (2, 150), (3, 60)])
async def test_random_keys_at_random_sizes_keep_the_app_consistent(
    seed, epochs, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # ctrl+s, e, s and x write files into the current folder
    rng = random.Random(seed)
    app = seed_app(epochs=epochs)
    expected = Expected(app.trainer.state.lr)
    log: list[str] = []
    batch_keys, batch_weights = list(BATCH_KEYS), list(BATCH_KEYS.values())
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            check(app, expected, log)
            sent = 0
            for batch in range(26):
                if batch % 10 == 9:
                    size = rng.choice(SIZES)
                    log.append(f"<{size[0]}x{size[1]}>")
                    await pilot.resize_terminal(*size)
                special = rng.choices([None, *SPECIAL_KEYS], [8, *SPECIAL_KEYS.values()])[0]
                if batch == 5:  # the help at least once in every run
                    special = ("question_mark", "f1")[seed % 2]
                if batch == 2:  # a learning rate typed at least once in every run
                    await use_prompt(pilot, rng, expected, log, LR_ENTRIES)
                elif special == "colon":
                    await use_prompt(pilot, rng, expected, log)
                elif special == "x":
                    await use_export(pilot, rng, expected, log)
                elif special is not None:
                    await use_help(pilot, rng, special, log)
                # Then one to six keys at once (the app takes them one after the other).
                keys = rng.choices(batch_keys, batch_weights, k=rng.randint(1, 6))
                for key in keys:
                    log.append(key)
                    expected.key(key)
                    app.simulate_key(key)
                    sent += 1
                await pilot.pause()
                check(app, expected, log)
                if app.playing and rng.random() < 0.7:  # let it play on for a while
                    log.append("(playing)")
                    await pilot.pause(0.3)
                    check(app, expected, log)
            await pilot.resize_terminal(100, 30)
            await pilot.pause()
            check(app, expected, log)
            for key, pattern in FILE_KEYS.items():
                assert len(list(tmp_path.glob(pattern))) == expected.files[key], key
            assert sent >= 70
            await pilot.press("q")
            await pilot.pause()
    except Exception as exc:
        if isinstance(exc, AssertionError):
            raise
        # the app crashed: say after which keys, so that it can be reproduced
        raise AssertionError(f"{exc!r} after the keys: {' '.join(log)}") from exc
    assert app.return_code == 0
