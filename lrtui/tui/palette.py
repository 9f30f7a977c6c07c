"""The app's entries in the command palette (ctrl+p): the same actions as the keys, by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from lrtui.tui.app import LrtuiApp


def app_commands(app: LrtuiApp) -> Iterator[SystemCommand]:
    prompt = app.action_prompt
    yield SystemCommand("Set learning rate", "lr <value> at the prompt", lambda: prompt("lr "))
    yield SystemCommand("Set starting w", "restart from a typed w", lambda: prompt("w "))
    yield SystemCommand("Set starting b", "restart from a typed b", lambda: prompt("b "))
    yield SystemCommand("Set central-difference step h", "h <value>", lambda: prompt("h "))
    yield SystemCommand("Set epoch budget", "epochs <count>", lambda: prompt("epochs "))
    yield SystemCommand("Play / pause", "space", app.action_toggle_play)
    yield SystemCommand("Step", "one epoch (n)", app.action_step)
    yield SystemCommand("Reset", "back to the start (r)", app.action_reset)
    yield SystemCommand("Toggle log scale", "loss plot (l)", lambda: app.action_toggle_view("log"))
    yield SystemCommand("Toggle sample tangents", "tangent view (t)",
                        lambda: app.action_toggle_view("tangents"))
    yield SystemCommand("Keys", "every key (?)", app.action_help)
