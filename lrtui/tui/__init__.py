"""The Textual app: views of one training run, under the keyboard."""

from __future__ import annotations

from lrtui.engine.data import Dataset
from lrtui.engine.trainer import TrainConfig


def run_app(data: Dataset, config: TrainConfig) -> int:
    """Run the app; the exit code is non-zero if it crashed."""
    from lrtui.tui.app import make_app

    app = make_app(data, config)
    app.run()
    return app.return_code or 0
