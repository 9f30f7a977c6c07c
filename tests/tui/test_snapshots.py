"""Pictures of the app at 80x24 and 120x40: the start, a paused run, a diverged run, help;
and at 100x30: the formulas (f), the graph (g), the sample tangents (t), the log scale (l),
plain ASCII (--ascii) and the demo.

Regenerate after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

import pytest

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.tour import load_tour
from lrtui.tui.app import LrtuiApp
from lrtui.tui.demo import RUNNING, DemoApp
from lrtui.display import AppOptions

from .conftest import seed_app, wait_until_paused

SIZES = [(80, 24), (120, 40)]


async def _paused_mid_run(pilot) -> None:
    await pilot.press(*["n"] * 25)


async def _diverged(pilot) -> None:
    await pilot.press("colon", *"lr 0.5", "enter", *["right_square_bracket"] * 3, "space")
    await wait_until_paused(pilot)
    await pilot.pause()


async def _help(pilot) -> None:
    await pilot.press("question_mark")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "scene", [None, _paused_mid_run, _diverged, _help], ids=["start", "paused", "diverged", "help"]
)
def test_snapshot(snap_compare, size, scene):
    assert snap_compare(seed_app(), terminal_size=size, run_before=scene)


# -- the other views, at 100x30 -------------------------------------------------------------
# (the formulas, the graph, the sample tangents, the log scale, plain ASCII, and the demo)


async def _formulas(pilot) -> None:
    await pilot.press("n", "n", "n", "f")  # the formula panel in place of the gradients
    await pilot.pause()


async def _graph(pilot) -> None:
    await pilot.press("n", "n", "n", "g")  # the computation graph in place of two plots
    await pilot.pause()


async def _tangents(pilot) -> None:
    await pilot.press(*["n"] * 5, "t")  # the notes' sample tangents on L(w)
    await pilot.pause()


async def _log_scale(pilot) -> None:
    await pilot.press(*["right_square_bracket"] * 4, "space")  # 20 steps a frame
    await wait_until_paused(pilot)  # converged, always at the same epoch
    await pilot.press("l")
    await pilot.pause()


async def _ascii_steps(pilot) -> None:
    await pilot.press(*["n"] * 10, "t")
    await pilot.pause()


def ascii_app():
    p = preset("seed")
    return LrtuiApp(Trainer(p.data, TrainConfig.from_preset(p)), AppOptions(ascii=True))


@pytest.mark.parametrize(
    ("make", "scene"),
    [(seed_app, _formulas), (seed_app, _graph), (seed_app, _tangents), (seed_app, _log_scale),
     (ascii_app, _ascii_steps)],
    ids=["formulas", "graph", "tangents", "log", "ascii"],
)
def test_view_snapshot(snap_compare, make, scene):
    assert snap_compare(make(), terminal_size=(100, 30), run_before=scene)


def demo_app():
    """The demo with --pace 0: a stage never moves on by itself, and the caption's border
    says "n: next stage" instead of a countdown (no clock in the picture)."""
    p = preset("seed")
    return DemoApp(Trainer(p.data, TrainConfig.from_preset(p)), load_tour(), AppOptions(),
                   pace=0)


async def _demo_stage_6(pilot) -> None:
    app = pilot.app
    for _ in range(5):  # to stage 6 (the analytic gradient, formulas and tangents shown)
        app.simulate_key("n")
        app.simulate_key("end")  # its run finished at once
        await pilot.pause()
    for _ in range(500):
        if app.phase != RUNNING:
            break
        await pilot.pause(0.02)
    else:
        raise AssertionError("the stage's run did not end")
    assert app.index == 5 and app.caption_panel.border_subtitle == "n: next stage"
    await pilot.pause()


def test_demo_snapshot(snap_compare):
    assert snap_compare(demo_app(), terminal_size=(100, 30), run_before=_demo_stage_6)


# -- the formula panel for a rule with buffers (Adam), at 80x24 ------------------------------


async def _adam_formulas(pilot) -> None:
    await pilot.press("colon", *"optimizer adam", "enter", "n", "n", "f")
    await pilot.pause()


def test_adam_formula_snapshot(snap_compare):
    assert snap_compare(seed_app(b0=2.0), terminal_size=(80, 24), run_before=_adam_formulas)
