"""Small widgets of the app's main screen."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static


class MessageBar(Static):
    """One or two lines that say what is happening and what to press; repainted only
    when its text changes."""

    def show(self, text: str, tone: str) -> None:
        if (text, tone) != getattr(self, "_shown", None):
            self._shown = (text, tone)
            self.update(text)
            self.set_classes(f"-{tone}" if tone else "")

    @property
    def text(self) -> str:
        return self._shown[0]


class MainScreen(Screen[None]):
    """The app's screen; it tells the app when the terminal changes size."""

    def on_resize(self) -> None:
        self.app.check_size(self)  # type: ignore[attr-defined]

    def toggle_zoom(self, panels: tuple[Widget, ...], default: Widget) -> None:
        """z: the focused panel (or `default`) full screen, and back."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused  # a hidden panel (the formulas, at start) can hold the focus
        target = focused if focused in panels and focused.display else default
        self.maximize(target, container=False)


WIDE = 160  # from this many columns the number panels stack on the left (app.tcss)


class TooSmall(Static):
    """Shown in place of the panels when the terminal is below the app's minimum size."""

    def check(self, screen: Screen[Any], minimum: tuple[int, int]) -> None:
        width, height = screen.size
        small = width < minimum[0] or height < minimum[1]
        screen.set_class(small, "-too-small")
        screen.set_class(width >= WIDE, "-wide")  # see app.tcss
        if small:
            self.update(f"lrtui needs at least {minimum[0]}x{minimum[1]}; this terminal is "
                        f"{width}x{height}: please make it larger")
