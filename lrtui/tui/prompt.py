"""The `:` prompt: one line for exact values (`lr 0.037`, `w 3.5`, ...). It posts what was
typed as a `PromptBar.Submitted` message; the app applies it and answers errors with
`show_error`, in the prompt itself. The parsing is in `commands.py`."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class PromptBar(Horizontal):
    """The `:` prompt: one line for exact values, with its error shown beside it."""

    @dataclass
    class Submitted(Message):
        """An entry typed at the prompt (the app parses and applies it)."""

        text: str

    @dataclass
    class Closed(Message):
        """The prompt closed (escape, or an entry applied)."""

    def compose(self) -> ComposeResult:
        yield Label(":", id="prompt-colon")
        # select_on_focus off: its selection arrives with the focus event, after keys
        # typed fast, and the next backspace would delete what they typed.
        self.input = Input(placeholder="lr 0.037 · w 3.5 · b -1 · h 0.001 · epochs 2000",
                           id="prompt-input", select_on_focus=False)
        yield self.input
        self.error = Label("", id="prompt-error")
        yield self.error

    def open(self, text: str = "") -> None:
        self.screen.add_class("-prompting")
        self.error.update("")
        self.input.value = text
        self.input.cursor_position = len(text)
        # Focus now, not after a refresh (Widget.focus defers): keys typed fast after `:`
        # (a paste, tmux send-keys) are already queued and must reach the prompt, not the
        # app's bindings (`l` would toggle the log scale).
        self.screen.set_focus(self.input)

    def close(self) -> None:
        self.screen.remove_class("-prompting")
        self.input.value = ""
        self.screen.set_focus(None)  # now: keys already queued are the app's again
        self.post_message(self.Closed())

    def take_key(self, event: events.Key) -> None:
        """A key that reached the app instead of the input while the prompt is open."""
        event.stop()
        if event.key == "escape":
            self.close()
        elif event.key == "enter":
            self.post_message(self.Submitted(self.input.value))
        elif event.key == "backspace":
            self.input.action_delete_left()
        elif event.is_printable and event.character is not None:
            self.input.insert_text_at_cursor(event.character)

    def show_error(self, text: str) -> None:
        self.error.update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.screen.has_class("-prompting"):
            event.stop()
            self.close()
