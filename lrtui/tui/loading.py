"""Choosing a framework gradient source (torch, jax, tensorflow) without freezing the app.

The first use of a framework imports it (1 to 5 s: TensorFlow is the slowest) and compiles its
gradient (jax.jit, tf.function: about 0.1 s). Both happen in a worker thread, with a message
saying so; the app goes on drawing, and the setting is applied when the source is ready. A
framework that is missing becomes the error message, as at the prompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lrtui.engine import gradients
from lrtui.errors import DataError

if TYPE_CHECKING:
    from lrtui.tui.app import LrtuiApp


def load_first(app: LrtuiApp, values: dict[str, Any]) -> bool:
    """When `values` choose a framework source not loaded yet: load it in a thread, then apply
    `values` (returns True); otherwise False, and the caller applies them now."""
    name = values.get("grad")
    if name not in gradients.FRAMEWORKS or gradients.is_warm(name, app.trainer.train_data):
        return False
    label = gradients.FRAMEWORKS[name].label
    app.message.show(f"loading {label} for --grad {name}: the first time takes a few "
                     "seconds…", "info")
    state = app.trainer.state

    def work() -> None:
        try:
            gradients.warm(name, app.trainer.train_data, state.w, state.b)
        except DataError as exc:
            app.call_from_thread(app.message.show, str(exc), "error")
            return
        app.call_from_thread(app.apply_settings, values)

    app.run_worker(work, thread=True, group="load-gradient", exclusive=True)
    return True


def preload(app: LrtuiApp, names: Iterable[object]) -> None:
    """Load the frameworks among `names` in the background (the tour's stages that use one),
    quietly: a stage that needs one before it is ready waits for the import to finish."""
    wanted = [n for n in dict.fromkeys(names) if isinstance(n, str) and n in gradients.FRAMEWORKS]
    if not wanted:
        return
    state = app.trainer.state

    def work() -> None:
        for name in wanted:
            try:
                gradients.warm(name, app.trainer.train_data, state.w, state.b)
            except DataError:
                pass  # the stage says so when it begins

    app.run_worker(work, thread=True, group="preload-gradient")
