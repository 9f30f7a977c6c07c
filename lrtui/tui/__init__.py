"""The Textual app: views of one training run, under the keyboard."""

from __future__ import annotations

from lrtui.display import AppOptions
from lrtui.engine.trainer import Trainer


def run_app(trainer: Trainer, options: AppOptions | None = None, view=None) -> int:
    """Run the app on a trainer (with a resumed session's view settings, if given); the exit
    code is non-zero if the app crashed."""
    from lrtui.tui.app import LrtuiApp

    app = LrtuiApp(trainer, options or AppOptions(), view)
    app.run()
    return app.return_code or 0
