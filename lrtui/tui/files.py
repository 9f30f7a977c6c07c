"""The app's keys that write files into the current folder: ctrl+s the session, e the loss
history as CSV, s a screenshot, x the run as a script (NumPy, PyTorch, JAX or TensorFlow).
Plain functions: each writes through `lrtui.fileio` and returns the message bar's (text,
tone), saying where it wrote or why it could not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lrtui.engine.trainer import Trainer
from lrtui.errors import DataError
from lrtui.fileio import timestamped_path, write_atomic
from lrtui.present.view import ViewSettings


def _write(what: str, write: Callable[[], Path], note: str = "") -> tuple[str, str]:
    try:
        path = write()
    except (OSError, DataError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return f"could not save the {what}: {reason}", "error"
    return f"saved the {what} to {path.resolve()}{note}", "success"


def save_session(trainer: Trainer, view: ViewSettings) -> tuple[str, str]:
    from lrtui.session import save_session as save

    return _write("session", lambda: save(trainer, view), " (lrtui --session FILE resumes it)")


def export_history(trainer: Trainer) -> tuple[str, str]:
    from lrtui.session import export_history as export

    return _write("loss history", lambda: export(trainer))


def save_screenshot(svg: str) -> tuple[str, str]:
    return _write("screenshot",
                  lambda: write_atomic(timestamped_path("lrtui-screenshot", ".svg"), svg))


LANGUAGES = {"numpy": "NumPy", "torch": "PyTorch", "jax": "JAX", "tensorflow": "TensorFlow"}


def export_code(trainer: Trainer, to: str = "numpy") -> tuple[str, str]:
    """The run's current settings as a standalone script in NumPy, PyTorch, JAX or
    TensorFlow (`lrtui export --to` writes the same)."""
    from lrtui.export import script

    needs = "" if to == "numpy" else f"; it needs {LANGUAGES[to]}"
    return _write(f"{LANGUAGES[to]} script",  # script() refuses a scaled run (DataError)
                  lambda: write_atomic(timestamped_path("lrtui-run", ".py"),
                                       script(trainer.data, trainer.current_config(), to)),
                  f" (run it with python{needs})")


def write(what: str, trainer: Trainer, view: ViewSettings,
          screenshot: Callable[[], str]) -> tuple[str, str]:
    """The app's file keys: "session" (ctrl+s), "history" (e, CSV), "screenshot" (s, SVG) and
    "script" (a NumPy script; the x key asks for the language first, export_choice.py)."""
    if what == "session":
        return save_session(trainer, view)
    if what == "history":
        return export_history(trainer)
    if what == "screenshot":
        return save_screenshot(screenshot())
    return export_code(trainer)
