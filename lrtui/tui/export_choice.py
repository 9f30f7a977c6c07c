"""The x key: which language to write the run in, then the script into the current folder
(or to the browser under `lrtui serve`: files.py).

A small dialog over the app: the four targets of `lrtui export --to`, each with its key (n,
t, j, f; or the arrows and enter), and whether its framework is installed here (found without
importing it: writing a script never needs the framework, running it does). escape cancels.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from lrtui.engine.gradients import FRAMEWORKS, installed
from lrtui.tui import files

TARGETS = (  # (target, key, how the script gets its gradient)
    ("numpy", "n", "the formula, written out"),
    ("torch", "t", "autograd's dynamic graph"),
    ("jax", "j", "jax.grad of a traced function"),
    ("tensorflow", "f", "tf.GradientTape's tape"),
)


def _prompt(target: str, key: str, what: str) -> str:
    if target not in FRAMEWORKS:
        note = ""
    elif installed(target):
        note = "[dim]installed here[/]"
    else:
        note = f"[dim]to run: pip install 'lrtui[{FRAMEWORKS[target].extra}]'[/]"
    return f"[b]{key}[/] {target:<11}{what:<31}{note}"


class ExportChoice(ModalScreen[None]):
    """Pick a language; the script is written and the app's message bar says where."""

    BINDINGS = [
        Binding("escape,q,x", "dismiss", "cancel"),
        *(Binding(key, f"write('{target}')", target, show=False) for target, key, _ in TARGETS),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="export-choice"):
            yield Label("Write the run as a standalone Python script in:")
            yield OptionList(*(Option(_prompt(*t), id=t[0]) for t in TARGETS))
            where = files.where_text(self.app)  # type: ignore[arg-type]  # the LrtuiApp
            yield Label(f"[dim]key or ↑↓ enter · escape cancels · {where}[/]")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_write(event.option.id or "numpy")

    def action_write(self, target: str) -> None:
        text, tone = files.write("script", self.app, target)  # type: ignore[arg-type]
        self.dismiss()
        self.app.message.show(text, tone)  # type: ignore[attr-defined]  # the LrtuiApp's bar

    def action_dismiss(self) -> None:  # type: ignore[override]  # closes, with no result
        self.dismiss()
