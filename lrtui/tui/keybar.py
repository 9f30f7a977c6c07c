"""The bottom line of keys: one Static-like widget in place of Textual's Footer.

Textual's Footer composes empty and fills itself a refresh later, after a bindings signal,
through a recompose: the first frame is incomplete, and 4 more frames follow, 3 of them full
repaints (57 KB; measured in bench/RESULTS.md). This bar renders the keys in its first frame
and repaints only when a key's availability changes (`refresh_if_changed`): start-up's
complete frame came 304 ms after spawn instead of 405.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget):
    """The app's shown keys, greyed out where `check_action` says they do not apply now;
    a click on a key presses it."""

    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .keybar--key { color: $footer-key-foreground; text-style: bold; }
        .keybar--description { color: $footer-description-foreground; }
        .keybar--disabled { text-style: dim; }
    }
    """
    ALLOW_SELECT = False

    def keys(self) -> list[tuple[str, str, str, bool]]:
        """(key to press, key as shown, description, enabled) of each shown binding."""
        seen: set[str] = set()
        out = []
        # As the Footer reads them: the screen's active bindings, enabled by check_action.
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = binding.key_display or self.app.get_key_display(binding)
            out.append((key, shown, binding.description, bool(active.enabled)))
        return out

    def refresh_if_changed(self) -> None:
        """Repaint only when a key's availability (or the set of keys) changed."""
        if not self.is_attached:  # a last tick while the app shuts down: no screen any more
            return
        keys = self.keys()
        if keys != getattr(self, "_keys", None):
            self._keys = keys
            self.refresh()

    def render(self) -> Text:
        self._keys = self.keys()
        key_style = self.get_component_rich_style("keybar--key")
        text_style = self.get_component_rich_style("keybar--description")
        dim = self.get_component_rich_style("keybar--disabled")
        text = Text(no_wrap=True, overflow="crop")
        self._spans: list[tuple[int, int, str]] = []
        for key, shown, description, enabled in self._keys:
            start = len(text)
            text.append(f" {shown} ", key_style + dim if not enabled else key_style)
            text.append(f"{description} ", text_style + dim if not enabled else text_style)
            self._spans.append((start, len(text), key))
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key in getattr(self, "_spans", []):
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
