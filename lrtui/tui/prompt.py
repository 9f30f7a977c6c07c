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
        self.input = Input(
            placeholder="lr 0.037 · w 3.5 · b -1 · h 0.001 · epochs 2000", id="prompt-input"
        )
        yield self.input
        self.error = Label("", id="prompt-error")
        yield self.error

    def open(self, text: str = "") -> None:
        self.screen.add_class("-prompting")
        self.error.update("")
        self.input.value = text
        self.input.cursor_position = len(text)
        self.input.focus()

    def close(self) -> None:
        self.screen.remove_class("-prompting")
        self.input.value = ""
        self.post_message(self.Closed())

    def show_error(self, text: str) -> None:
        self.error.update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.screen.has_class("-prompting"):
            event.stop()
            self.close()
