"""Saving a run and resuming it: the session file (JSON), and the history as CSV.

A session holds what is needed to put a run back exactly where it was: the recipe of the
data (a preset's name, the parameters of synthetic data, or a CSV file's path and columns)
with a digest of the values, the settings and the start (`TrainConfig`), the view settings
(speed, log scale, sample tangents, formulas), the current state, and the history as the
`History` keeps it (the recent records exactly, the thinned past, the stride). Floats are
written with full precision (`repr`), non-finite ones as the strings "nan", "inf" and
"-inf", so a resumed run steps on to the same numbers, bit for bit, as one that never
stopped.

Files are written atomically (a temporary file in the same folder, then `os.replace`), so a
crash mid-write never leaves half a file, and always under a new timestamped name, so an
existing file is never overwritten. Reading checks everything and raises one `DataError`
whose message says what is wrong; a file that cannot be read is never written to.

This module does not import textual (the engine never does).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

import numpy as np

from lrtui import __version__, settings
from lrtui.engine.data import Dataset, load_csv, preset, synthetic
from lrtui.engine.rules import SLOTS
from lrtui.engine.state import COLUMNS, OPTIONAL, ROW, TrainConfig, TrainingState
from lrtui.engine.trainer import Trainer
from lrtui.errors import DataError
from lrtui.fileio import read_text, timestamped_path, write_atomic
from lrtui.present.view import ViewSettings

FORMAT = "lrtui-session"
VERSION = 1


# -- the history as CSV ----------------------------------------------------------------------


def history_csv(trainer: Trainer) -> str:
    """Every kept record of the run as CSV with a header row (the columns of `COLUMNS`),
    numbers at full precision."""
    used = [i for i, name in enumerate(trainer.rule.names) if name]  # the rule's buffers
    rows = trainer.history.rows()
    used = used if rows.shape[1] > len(COLUMNS) else []
    batched = rows.shape[1] == len(ROW)  # mini-batches: steps, and each one's batch loss
    head = ["step" if batched else "epoch", *COLUMNS[1:], *(trainer.rule.names[i] for i in used)]
    lines = [",".join(head + (["batch_loss"] if batched else []))]
    for row in rows:
        values = list(row[1:len(COLUMNS)]) + [row[len(COLUMNS) + i] for i in used]
        values += [row[-1]] if batched else []
        lines.append(",".join([str(int(row[0]))] + [repr(float(v)) for v in values]))
    return "\n".join(lines) + "\n"


def export_history(trainer: Trainer, folder: str | Path = ".") -> Path:
    return write_atomic(timestamped_path("lrtui-history", ".csv", folder), history_csv(trainer))


# -- writing a session -----------------------------------------------------------------------


def data_digest(data: Dataset) -> str:
    """SHA-256 of the float64 values of x then y: tells whether rebuilt data is the same."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(data.x, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(data.y, dtype="<f8").tobytes())
    return h.hexdigest()


def _encode(value: float) -> float | str:
    value = float(value)
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _rows(rows: np.ndarray) -> list[list]:
    return [[int(r[0])] + [_encode(v) for v in r[1:]] for r in rows]


def _recipe(data: Dataset) -> dict:
    source = dict(data.source)
    if source.get("kind") == "csv":
        source["path"] = os.path.abspath(source["path"])  # resumable from any folder
    if source.get("kind") not in ("preset", "synthetic", "csv"):
        raise DataError(f"{data.name} has no recipe (preset, synthetic or CSV) to save")
    return source


def session_document(trainer: Trainer, view: ViewSettings | None = None) -> dict:
    """The session as a JSON-able dict."""
    history = trainer.history
    rows = history.rows()
    n_recent = history.recent_count
    state = trainer.state
    return {
        "format": FORMAT,
        "version": VERSION,
        "lrtui": __version__,
        "saved": datetime.now().astimezone().isoformat(timespec="seconds"),
        "data": {"source": _recipe(trainer.data), "name": trainer.data.name, "n": trainer.data.n,
                 "sha256": data_digest(trainer.data)},
        "config": _config_doc(trainer.current_config()),
        "view": asdict(view or ViewSettings()),
        "state": {f.name: (_encode(v) if isinstance(v, float) else
                           [_encode(x) for x in v] if isinstance(v, tuple) else v)
                  for f in fields(TrainingState) for v in [getattr(state, f.name)]},
        "history": {"columns": list(ROW[:history.width]), "stride": history.stride,
                    "recent": _rows(rows[len(rows) - n_recent:]),
                    "past": _rows(rows[: len(rows) - n_recent])},
    }


def _config_doc(config: TrainConfig) -> dict:
    """The config as saved: `scale` only when it is not none, so that a file of an unscaled
    run is the one earlier versions wrote and read."""
    doc = config.as_dict()
    defaults = TrainConfig(w0=0.0, b0=0.0, lr=1.0, epochs=1)
    for name in ("scale", *settings.OPTIMIZER_SETTINGS, *settings.BATCH_SETTINGS):  # default
        if doc[name] == getattr(defaults, name):
            del doc[name]
    return doc


def session_text(trainer: Trainer, view: ViewSettings | None = None) -> str:
    """The session file's text: its JSON on one line."""
    return json.dumps(session_document(trainer, view), allow_nan=False,
                      separators=(",", ":")) + "\n"


def save_session(trainer: Trainer, view: ViewSettings | None = None,
                 folder: str | Path = ".") -> Path:
    """Write the session to a new timestamped file in `folder`; returns its path."""
    return write_atomic(timestamped_path("lrtui-session", ".json", folder),
                        session_text(trainer, view))


# -- reading a session -----------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    data: Dataset
    config: TrainConfig
    view: ViewSettings
    state: dict
    recent: np.ndarray
    past: np.ndarray
    stride: int


class _Damaged(Exception):
    """Something in the document is not what a session holds (the message says what)."""


def _get(doc: dict, key: str, kind: type, where: str):
    if key not in doc:
        raise _Damaged(f"{where}{key} is missing")
    value = doc[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Damaged(f"{where}{key} has the wrong type ({type(value).__name__})")
    return value


def _config(doc: dict) -> TrainConfig:
    names = {f.name for f in fields(TrainConfig)}
    optional = {"scale", *settings.OPTIMIZER_SETTINGS, *settings.BATCH_SETTINGS}  # defaults
    if not names - optional <= set(doc) <= names:
        raise _Damaged(f"config does not hold exactly the settings {', '.join(sorted(names))}")
    try:  # each value as the settings table takes it from a file, then the whole config
        for name, value in doc.items():
            if not (name in OPTIONAL and value is None):
                settings.from_document(name, value)
        return TrainConfig(**doc)
    except DataError as exc:
        raise _Damaged(f"config: {exc}") from None


def _decode(value, where: str) -> float:
    if isinstance(value, bool):
        raise _Damaged(f"{where} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if value in ("nan", "inf", "-inf"):
        return float(value)
    raise _Damaged(f"{where} is not a number ({value!r})")


def _decode_rows(value, where: str, width: int) -> np.ndarray:
    if not isinstance(value, list):
        raise _Damaged(f"{where} is not a list of records")
    out = np.empty((len(value), width))
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != width:
            raise _Damaged(f"{where} record {i + 1} is not a list of {width} numbers")
        for j, v in enumerate(row):
            out[i, j] = _decode(v, f"{where} record {i + 1}, {ROW[j]}")
    return out


def _rebuild_data(source: dict) -> Dataset:
    kind = source.get("kind")
    try:
        if kind == "preset":
            return preset(str(source["name"])).data
        if kind == "synthetic":
            return synthetic(int(source["n"]), float(source["slope"]), float(source["intercept"]),
                             float(source["noise"]), int(source["seed"]))
        if kind == "csv":
            return load_csv(str(source["path"]), str(source["x"]), str(source["y"]))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise _Damaged(f"data.source is incomplete ({exc})") from None
    raise _Damaged(f"data.source has an unknown kind {kind!r}")


def _parse(doc) -> Session:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError("not an lrtui session (no \"format\": \"lrtui-session\" in it)")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _Damaged("version is missing or not a whole number")
    if version > VERSION:
        raise DataError(f"a session of format version {version}, newer than this lrtui "
                        f"({__version__}) reads (up to {VERSION}); upgrade lrtui")
    data_doc = _get(doc, "data", dict, "")
    source = _get(data_doc, "source", dict, "data.")
    digest = _get(data_doc, "sha256", str, "data.")
    data = _rebuild_data(source)
    if data_digest(data) != digest:
        raise DataError(f"the data ({data.name}) is not the data this session was saved with "
                        "(the file changed since?)")
    config = _config(_get(doc, "config", dict, ""))
    view_doc = _get(doc, "view", dict, "")
    if not set(view_doc) <= {f.name for f in fields(ViewSettings)}:
        raise _Damaged("view has unknown or missing settings")
    try:  # speed and the flags, checked by the settings table as a tour's `set` is
        values = {k: settings.from_document(k, v) for k, v in view_doc.items()}
        view = ViewSettings().changed(**values)
    except DataError as exc:
        raise _Damaged(f"view: {exc}") from None
    history = _get(doc, "history", dict, "")
    widths = (len(COLUMNS), len(COLUMNS) + SLOTS, len(ROW))  # plain, a rule's buffers, batches
    if history.get("columns") not in [list(ROW[:w]) for w in widths]:
        raise _Damaged(f"history.columns is not {list(COLUMNS)} (then an update rule's "
                       f"{', '.join(ROW[len(COLUMNS):])})")
    width = len(history["columns"])
    stride = _get(history, "stride", int, "history.")
    recent = _decode_rows(_get(history, "recent", list, "history."), "history.recent", width)
    past = _decode_rows(_get(history, "past", list, "history."), "history.past", width)
    state = _get(doc, "state", dict, "")
    return Session(data, config, view, state, recent, past, stride)


def read_session(path: str | Path) -> Session:
    """Read and check a session file (raises DataError with a one-line message)."""
    path = Path(path)
    text = read_text(path, "session")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: damaged session, not valid JSON ({exc.msg} at line "
                        f"{exc.lineno}, column {exc.colno})") from None
    try:
        return _parse(doc)
    except _Damaged as exc:
        raise DataError(f"{path}: damaged session: {exc}") from None
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def load_session(path: str | Path) -> tuple[Trainer, ViewSettings]:
    """A Trainer put back exactly where the session left it, and the view settings."""
    session = read_session(path)
    try:
        trainer = Trainer(session.data, session.config)
        trainer.restore(session.config, session.recent, session.past, session.stride)
    except DataError as exc:
        raise DataError(f"{path}: damaged session: {exc}") from None
    state = trainer.state
    for f in fields(TrainingState):
        saved = session.state.get(f.name)
        try:
            if isinstance(getattr(state, f.name), float) and saved is not None:
                saved = _decode(saved, f.name)
            elif isinstance(getattr(state, f.name), tuple) and isinstance(saved, list):
                saved = tuple(_decode(v, f.name) for v in saved)
        except _Damaged:
            saved = None
        if f.name in ("optimizer", "buffers") and saved is None:  # files before the rules
            saved = f.default
        if not _same(getattr(state, f.name), saved):
            raise DataError(f"{path}: damaged session: the saved state ({f.name}) does not "
                            "match the end of its history")
    return trainer, session.view
