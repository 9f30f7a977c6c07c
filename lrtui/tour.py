"""A guided tour as data: a list of stages, each a caption, what to set and what to run.

The tour lives in a TOML file (the one shipped is `lrtui/tours/notes.toml`); `--tour FILE`
reads another one, in TOML or in JSON of the same shape:

    title = "..."                      # optional
    [[stage]]
    title = "A bad first guess"        # optional (a short name for the stage)
    caption = "Markdown text ..."      # required; {loss}, {w}, ... are filled in
    set = { w = 10, b = 0 }            # optional; see lrtui.settings. grad may also be
                                       # a list: the first source installed here, e.g.
                                       # ["torch", "jax", "tensorflow", "autograd"]
    run = 1                            # optional: a number of steps, or "play" (until it
                                       # stops by itself); default 0

A stage starts where the previous one ended. Its settings are applied in a fixed order:
`reset` (back to epoch 0) or a new start `w`/`b` (which also restarts the run), then `grad`,
`h`, `tol`, `lr`, `epochs`, then the view (`speed`, `log`, `tangents`, `formulas`, `graph`,
`map`, `follow`).
Going to stage k replays stages 1..k-1 from the run's starting settings, so stage k looks the same
however one got there.

Placeholders in a caption ({loss}, {w_opt}, {critical_lr}, ... see `PLACEHOLDERS`) are filled
in with the values when the stage begins (after its settings, before its run), so captions
stay true on other data; write {{ and }} for literal braces.

Everything wrong with a tour file raises one `DataError` (the command line prints it as
`lrtui: error: ...`). This module does not import textual.
"""

from __future__ import annotations

import json
import string
import tomllib
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path
from typing import Callable

from lrtui import settings
from lrtui.engine.gradients import FRAMEWORKS, installed
from lrtui.engine.optim import RULE
from lrtui.engine.rules import next_point
from lrtui.engine.state import CONVERGED, TrainConfig
from lrtui.engine.trainer import Trainer
from lrtui.errors import DataError
from lrtui.fileio import read_text
from lrtui.present.text import num
from lrtui.present.view import ViewSettings


def _whole(lo: int) -> Callable[[object], int]:
    """A check for a stage's `run`: a whole number >= lo (not a setting of the table)."""
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {_kind(value)}")
        if value < lo:
            raise ValueError(f"must be at least {lo}")
        return value

    return check


def _kind(value: object) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    names = {bool: "true/false", list: "a list", dict: "a table", int: "a number",
             float: "a number"}
    return names.get(type(value), type(value).__name__)


STAGE_KEYS = ("title", "caption", "set", "run")
TOUR_KEYS = ("title", "stage")

PLACEHOLDERS = {
    "epoch": "the epoch", "w": "w", "b": "b", "loss": "the loss", "dw": "dL/dw", "db": "dL/db",
    "dw_numeric": "the central-difference slope in w", "db_numeric": "... in b",
    "lr": "the learning rate", "h": "the step h", "n": "the number of points",
    "w_start": "the starting w", "b_start": "the starting b",
    "step_w": "the next step's change of w (-lr*dw)", "next_w": "w after the next step",
    "w_opt": "the least-squares w*", "b_opt": "b*", "loss_opt": "the least loss L*",
    "lambda_max": "the Hessian's largest eigenvalue", "lambda_min": "its smallest",
    "critical_lr": "2/lambda_max", "step_factor": "1 - lr*lambda_max",
    "grad": "the gradient source that drives the run",
    "frameworks": "which of PyTorch, TensorFlow and JAX are installed here",
}


@dataclass(frozen=True)
class Stage:
    title: str
    caption: str
    settings: dict
    run: int | str = 0  # steps, or "play"

    @property
    def plays(self) -> bool:
        return self.run == "play" or (isinstance(self.run, int) and self.run > 0)


@dataclass(frozen=True)
class Tour:
    title: str
    stages: tuple[Stage, ...]
    source: str  # where it came from, for messages


# -- reading ---------------------------------------------------------------------------------


def builtin_tour_text() -> str:
    return files("lrtui").joinpath("tours", "notes.toml").read_text(encoding="utf-8")


def load_tour(path: str | Path | None = None) -> Tour:
    """The tour in `path` (TOML, or JSON when the name ends in .json or the text starts with
    `{`), or the built-in one; raises DataError for anything wrong with it."""
    if path is None:
        return parse_tour(tomllib.loads(builtin_tour_text()), "the built-in tour")
    path = Path(path)
    where = str(path)
    text = read_text(path, "tour")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: not valid JSON: {exc.msg} (at line {exc.lineno}, "
                            f"column {exc.colno})") from None
    else:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{where}: not valid TOML: {exc}") from None
    return parse_tour(doc, where)


def parse_tour(doc: object, where: str) -> Tour:
    """Check a tour's document (as TOML or JSON gave it) and build the Tour."""
    if not isinstance(doc, dict):
        raise DataError(f"{where}: a tour is a table with a list of stages, not {_kind(doc)}")
    _no_unknown(doc, TOUR_KEYS, where, "at the top")
    title = doc.get("title", "lrtui: a guided tour")
    if not isinstance(title, str):
        raise DataError(f"{where}: the title must be text, not {_kind(title)}")
    stages = doc.get("stage")
    if stages is None:
        raise DataError(f"{where}: no stages (add [[stage]] tables, or a \"stage\" list in JSON)")
    if not isinstance(stages, list):
        raise DataError(f"{where}: \"stage\" must be a list of stages, not {_kind(stages)}")
    if not stages:
        raise DataError(f"{where}: the tour is empty (it has no stages)")
    return Tour(title, tuple(_stage(s, f"{where}: stage {i}", i) for i, s in enumerate(stages, 1)),
                where)


def _no_unknown(table: dict, known: tuple[str, ...], where: str, place: str) -> None:
    unknown = [k for k in table if k not in known]
    if unknown:
        raise DataError(f"{where}: unknown key {unknown[0]!r} {place}; known: {', '.join(known)}")


def _stage(doc: object, where: str, index: int) -> Stage:
    if not isinstance(doc, dict):
        raise DataError(f"{where}: a stage must be a table, not {_kind(doc)}")
    title = doc.get("title", f"stage {index}")
    if not isinstance(title, str):
        raise DataError(f"{where}: the title must be text, not {_kind(title)}")
    where = f"{where} ({title!r})" if "title" in doc else where
    _no_unknown(doc, STAGE_KEYS, where, "in the stage")
    caption = doc.get("caption")
    if caption is None:
        raise DataError(f"{where}: the caption is missing (every stage explains itself)")
    if not isinstance(caption, str) or not caption.strip():
        raise DataError(f"{where}: the caption must be non-empty text")
    _check_placeholders(caption, where)
    values = doc.get("set", {})
    if not isinstance(values, dict):
        raise DataError(f"{where}: \"set\" must be a table of settings, not {_kind(values)}")
    _no_unknown(values, tuple(settings.SETTINGS), where, "in \"set\"")
    checked = {}
    for key, value in values.items():
        try:
            if key == "grad" and isinstance(value, list):
                value = _first_installed(value)
            checked[key] = settings.from_document(key, value)
        except DataError as exc:
            raise DataError(f"{where}: set.{key}: {exc}") from None
    run = doc.get("run", 0)
    if run != "play":
        if isinstance(run, str):
            raise DataError(f"{where}: run must be a number of steps or \"play\", not {run!r}")
        try:
            run = _whole(0)(run)
        except ValueError as exc:
            raise DataError(f"{where}: run {exc} (or \"play\")") from None
    return Stage(title, caption, checked, run)


def _first_installed(sources: list[object]) -> object:
    """The first of a stage's gradient sources that can run here (frameworks are optional)."""
    if not sources:
        raise DataError("an empty list; name the sources to try, in order")
    for source in sources:
        name = settings.from_document("grad", source)
        if name not in FRAMEWORKS or installed(name):
            return name
    raise DataError(f"none of {', '.join(map(str, sources))} is installed here; end the list "
                    "with a source that needs nothing, such as \"autograd\"")


def frameworks_text() -> str:
    """Which frameworks are installed here, as a sentence (found without importing them)."""
    have = [f.label for name, f in FRAMEWORKS.items() if installed(name)]
    if not have:
        return "None of PyTorch, TensorFlow and JAX is installed here"
    if len(have) == 1:
        return f"Of the three, {have[0]} is installed here"
    listed = ", ".join(have[:-1]) + " and " + have[-1]
    return f"{listed} are installed here" if len(have) < 3 else f"All three ({listed}) are " \
        "installed here"


def _check_placeholders(caption: str, where: str) -> None:
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(caption) if f is not None]
    except ValueError as exc:
        raise DataError(f"{where}: the caption has a stray brace ({exc}); write {{{{ or }}}} "
                        "for a literal one") from None
    for name in names:
        if name not in PLACEHOLDERS:
            raise DataError(f"{where}: unknown placeholder {{{name}}} in the caption; known: "
                            + ", ".join(PLACEHOLDERS))


# -- playing ---------------------------------------------------------------------------------


def apply_settings(trainer: Trainer, view: ViewSettings, values: dict) -> ViewSettings:
    """Apply one stage's settings to the trainer (in the table's fixed order) and return the
    new view settings."""
    settings.apply_run(trainer, values)
    return view.changed(**settings.view_changes(values))


def without_frameworks(tour: Tour) -> Tour:
    """The tour with each framework source replaced by the analytic one (the same trajectory
    to 1e-9, without loading a framework): for checking a tour quickly at start-up."""
    def plain(stage: Stage) -> Stage:
        if stage.settings.get("grad") not in FRAMEWORKS:
            return stage
        return replace(stage, settings={**stage.settings, "grad": "analytic"})

    return replace(tour, stages=tuple(plain(s) for s in tour.stages))


def run_stage(trainer: Trainer, stage: Stage) -> None:
    """Do a stage's run at once (what playing it shows, frame by frame)."""
    if stage.run == "play":
        if trainer.state.status != CONVERGED:
            trainer.run()
    elif isinstance(stage.run, int) and stage.run:
        trainer.run(stage.run)


def replay(trainer: Trainer, base: TrainConfig, tour: Tour, index: int,
           view: ViewSettings | None = None) -> ViewSettings:
    """Put the trainer where stage `index` (0-based) begins: back to the base settings, every
    earlier stage applied and run, then this stage's settings. Returns the view settings."""
    trainer.restore(base)
    view = view or ViewSettings()
    for i, stage in enumerate(tour.stages[: index + 1]):
        try:
            view = apply_settings(trainer, view, stage.settings)
            if i < index:
                run_stage(trainer, stage)
        except DataError as exc:
            raise DataError(f"{tour.source}: stage {i + 1} ({stage.title!r}): {exc}") from None
    return view


def check_tour(tour: Tour, trainer: Trainer) -> None:
    """Play the whole tour at once on `trainer` (a scratch one): raises DataError if a stage's
    settings do not apply, for example an epoch budget below the epochs already run. A
    framework source is checked as the analytic one: loading it is left to the stage."""
    tour = without_frameworks(tour)
    base = trainer.current_config()
    replay(trainer, base, tour, len(tour.stages) - 1)
    run_stage(trainer, tour.stages[-1])


def caption_text(stage: Stage, trainer: Trainer) -> str:
    """The stage's caption with its placeholders filled in from the trainer as it is now."""
    s, theory = trainer.state, trainer.theory
    opt = theory.optimum
    lam_min, lam_max = theory.eigenvalues
    next_w = (RULE.step(s.w, s.b, s.dw, s.db, s.lr)[0] if trainer.rule.h.is_plain else
              next_point(trainer.rule, s.w, s.b, s.dw, s.db, s.buffers, s.epoch, s.lr)[0])
    values = dict(
        epoch=s.epoch, w=s.w, b=s.b, loss=s.loss, dw=s.dw, db=s.db, dw_numeric=s.dw_numeric,
        db_numeric=s.db_numeric, lr=s.lr, h=s.h, n=trainer.data.n, w_start=trainer.start[0],
        b_start=trainer.start[1], next_w=next_w, w_opt=opt.w,
        step_w=RULE.delta(s.dw, s.db, s.lr)[0] if trainer.rule.h.is_plain else next_w - s.w,
        b_opt=opt.b, loss_opt=opt.loss, lambda_max=lam_max, lambda_min=lam_min,
        critical_lr=theory.critical_lr, step_factor=1.0 - s.lr * lam_max,
    )
    shown = {k: (f"{v:,}" if isinstance(v, int) else num(v)) for k, v in values.items()}
    shown["grad"] = s.grad
    if "{frameworks}" in stage.caption:
        shown["frameworks"] = frameworks_text()
    return stage.caption.format_map(shown)
