from __future__ import annotations

import pytest

from lrtui.engine import TrainConfig, preset
from lrtui.tui.app import LrtuiApp, make_app


def seed_app(**overrides) -> LrtuiApp:
    p = preset("seed")
    return make_app(p.data, TrainConfig.from_preset(p, **overrides))


@pytest.fixture
def app() -> LrtuiApp:
    return seed_app()


def value_text(app: LrtuiApp, panel: str, name: str) -> str:
    """What a number panel's value cell renders, as plain text."""
    return str(app.query_one(f"#{panel}-{name}").render())


async def wait_until_paused(pilot, limit: float = 20.0, step: float = 0.02) -> None:
    """Let a playing app run until it stops by itself (convergence, divergence, the epoch
    budget), waiting at most `limit` seconds: a run that never stops fails the test
    instead of hanging it."""
    app = pilot.app
    for _ in range(int(limit / step)):
        if not app.playing:
            return
        await pilot.pause(step)
    # An AssertionError, not pytest.fail: Textual ends an app whose auto-pilot (the
    # snapshots' run_before) raises an Exception, but pytest.fail's BaseException would
    # leave the app running and the test hanging.
    raise AssertionError(f"still playing after {limit:g} s, at epoch {app.trainer.state.epoch:,}")
