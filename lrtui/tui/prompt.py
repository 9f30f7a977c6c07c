"""The `:` prompt: one line for exact values (`lr 0.037`, `w 3.5`, ...), whose errors are
answered in the prompt itself. The parsing is in `commands.py`; this applies it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label

from lrtui.engine.data import DataError
from lrtui.tui.commands import CommandError, parse_command


class PromptBar(Horizontal):
    """The `:` prompt: one line for exact values, with its error shown beside it."""

    def compose(self) -> ComposeResult:
        yield Label(":", id="prompt-colon")
        yield Input(
            placeholder="lr 0.037 · w 3.5 · b -1 · h 0.001 · epochs 2000", id="prompt-input"
        )
        yield Label("", id="prompt-error")


class PromptActions:
    """Mixed into LrtuiApp (which provides the trainer, the prompt widgets and the
    restart and publish helpers)."""

    def action_prompt(self, text: str = "") -> None:
        self._set_playing(False)
        self.screen.add_class("-prompting")
        self.prompt_error.update("")
        self.prompt_input.value = text
        self.prompt_input.cursor_position = len(text)
        self.prompt_input.focus()

    def _close_prompt(self) -> None:
        self.screen.remove_class("-prompting")
        self.prompt_input.value = ""
        self.loss_view.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.apply_command(event.value)
        except (CommandError, DataError) as exc:
            self.prompt_error.update(str(exc))
            return
        self._close_prompt()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.screen.has_class("-prompting"):
            event.stop()
            self._close_prompt()

    def apply_command(self, text: str) -> None:
        """Apply one prompt entry (raises CommandError or DataError with a message)."""
        command = parse_command(text)
        trainer, value = self.trainer, command.value
        if command.name == "lr":
            self._change_lr(value)
            return
        if command.name == "w":
            self._restart_from(value, trainer.start[1])
            return
        if command.name == "b":
            self._restart_from(trainer.start[0], value)
            return
        if command.name == "h":
            trainer.set_h(value)
        elif command.name == "epochs":
            trainer.set_epochs(int(value))
        elif command.name == "tol":
            trainer.set_tol(value)
        self._publish_soon()
