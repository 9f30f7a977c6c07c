"""The Textual app: views of one training run, under the keyboard."""

from __future__ import annotations

from lrtui.engine.trainer import Trainer
from lrtui.tui.options import AppOptions


def run_app(trainer: Trainer, options: AppOptions | None = None) -> int:
    """Run the app on a trainer; the exit code is non-zero if the app crashed."""
    from lrtui.tui.app import LrtuiApp

    app = LrtuiApp(trainer, options or AppOptions())
    app.run()
    return app.return_code or 0
