"""Pictures of the app at 80x24 and 120x40: the start, a paused run, a diverged run, help.

Regenerate after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

import pytest

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
