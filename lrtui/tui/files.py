"""The app's file keys: ctrl+s the session, e the loss history as CSV, s a screenshot, x the
run as a script (NumPy, PyTorch, JAX or TensorFlow; export_choice.py asks which).

One place makes each file's text (`text_of`, with the writers `lrtui.session` and
`lrtui.export` use), and there are two ways to hand it over:

- written, through `lrtui.fileio` (atomic, a new timestamped name), into the current folder
  in a terminal, or into the teacher's folder under `lrtui serve --save-dir DIR` (serve
  tells its apps in the environment variable LRTUI_SAVE_DIR);
- delivered: under `lrtui serve` without --save-dir, the file goes to the student's browser
  as a download, through Textual's `App.deliver_text` (textual-serve offers it at
  /download/<key>), under the timestamped name it would have had; nothing is written on the
  server.

`write` returns the message bar's (text, tone): what was saved where, what was sent, or why
it could not be.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lrtui.errors import DataError
from lrtui.fileio import timestamped_name, timestamped_path, write_atomic

if TYPE_CHECKING:
    from lrtui.tui.app import LrtuiApp


@dataclass(frozen=True)
class Kind:
    what: str  # in the message
    prefix: str
    suffix: str
    mime_type: str


KINDS = {
    "session": Kind("session", "lrtui-session", ".json", "application/json"),
    "history": Kind("loss history", "lrtui-history", ".csv", "text/csv"),
    "screenshot": Kind("screenshot", "lrtui-screenshot", ".svg", "image/svg+xml"),
    "script": Kind("script", "lrtui-run", ".py", "text/x-python"),
}
LANGUAGES = {"numpy": "NumPy", "torch": "PyTorch", "jax": "JAX", "tensorflow": "TensorFlow"}


def text_of(what: str, app: LrtuiApp, to: str = "numpy") -> str:
    """The text of the file the key `what` makes: "session" (ctrl+s), "history" (e, CSV),
    "screenshot" (s, SVG) or "script" (x, in the language `to`, as `lrtui export --to`)."""
    if what == "session":
        from lrtui.session import session_text

        return session_text(app.trainer, app.view)  # DataError: data without a recipe
    if what == "history":
        from lrtui.session import history_csv

        return history_csv(app.trainer)
    if what == "screenshot":
        return app.export_screenshot()
    from lrtui.export import script

    return script(app.trainer.data, app.trainer.current_config(), to)  # DataError: scaled


def folder_of(app: LrtuiApp) -> Path | None:
    """Where the files go: the current folder in a terminal; under `lrtui serve`, the
    teacher's --save-dir, or None: to the browser."""
    if not app.is_web:
        return Path(".")
    from lrtui.serve import SAVE_DIR_ENV

    folder = os.environ.get(SAVE_DIR_ENV)
    return Path(folder) if folder else None


def where_text(app: LrtuiApp) -> str:
    """Where the file goes, in words (the x dialog's last line)."""
    folder = folder_of(app)
    return ("the file goes to your browser" if folder is None else
            "the file goes in this folder" if folder == Path(".") else
            "the file is saved on the server")


def write(what: str, app: LrtuiApp, to: str = "numpy") -> tuple[str, str]:
    """The file key `what` (see `text_of`): the file written or delivered, and the message."""
    kind = KINDS[what]
    label = f"{LANGUAGES[to]} script" if what == "script" else kind.what
    note = (" (lrtui --session FILE resumes it)" if what == "session" else
            f" (run it with python{'' if to == 'numpy' else f'; it needs {LANGUAGES[to]}'})"
            if what == "script" else "")
    folder = folder_of(app)
    try:
        text = text_of(what, app, to)
        if folder is None:
            name = deliver(app, kind, text)
            return f"sent the {label} to your browser as {name}{note}", "success"
        path = write_atomic(timestamped_path(kind.prefix, kind.suffix, folder), text)
    except (OSError, DataError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return f"could not {'send' if folder is None else 'save'} the {label}: {reason}", "error"
    return f"saved the {label} to {path.resolve()}{note}", "success"


def deliver(app: LrtuiApp, kind: Kind, text: str) -> str:
    """Hand `text` to the browser as a download; returns the file's name."""
    name = timestamped_name(kind.prefix, kind.suffix)
    app.deliver_text(io.StringIO(text), save_filename=name, mime_type=kind.mime_type)
    return name
