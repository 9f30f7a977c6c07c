"""The smallest Textual app: one Static. bench/ui.py times its startup as the baseline for lrtui's.

Run by hand: /work/venv/bin/python bench/minimal_app.py   (ctrl+q quits)

With --imports it first imports what lrtui cannot start without (numpy for the engine,
textual_plotext and plotext for the plots): the floor of lrtui's startup on this stack.
"""

import sys

if "--imports" in sys.argv:
    import numpy  # noqa: F401
    import textual_plotext  # noqa: F401

from textual.app import App, ComposeResult
from textual.widgets import Static


class MinimalApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("a minimal Textual app: one Static")


if __name__ == "__main__":
    MinimalApp().run()
