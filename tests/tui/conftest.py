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
