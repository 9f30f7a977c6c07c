"""The one table of settings: each one's check, its help, and how it reaches a run.

Every door into a run goes through this table: the command line (as argparse types), the
app's `:` prompt, tour files (TOML or JSON), session files and `TrainConfig` itself. So a
setting is checked in exactly one place, and the same bad value gives the same message from
every door (each door only says where it was: `argument --lr: `, `stage 3: set.`, ...).

A setting's value arrives in one of two forms: text (the command line, the prompt), which
`parse` reads, or a document value (TOML, JSON, Python), which `from_document` takes. Both end
in `check`, which owns the rule. `apply_run` hands run settings to a trainer in a fixed order;
view settings are returned for the caller's `ViewSettings`.

This module imports nothing from lrtui but `errors`: the engine checks its own values with it.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lrtui.errors import DataError

MAX_SPEED = 100_000  # engine steps per frame while playing
# Where each update's gradient can come from (see lrtui.engine.gradients).
GRAD_SOURCES = ("analytic", "numeric", "autograd", "torch", "jax", "tensorflow")
# What the run trains on: x itself, z = x - mean(x), or z = (x - mean(x)) / std(x).
SCALES = ("none", "center", "standard")
# The update rules, as torch.optim names them (see lrtui.engine.rules).
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")

NUMBER, WHOLE, CHOICE, FLAG = "number", "whole", "choice", "flag"


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # NUMBER, WHOLE, CHOICE or FLAG
    help: str
    scope: str  # "run" (the trainer's) or "view" (what the app shows)
    positive: bool = False  # NUMBER: must be > 0
    minimum: float | None = None  # NUMBER: the smallest allowed value
    below: float | None = None  # NUMBER: must be below this
    low: int | None = None  # WHOLE: the smallest allowed value
    high: int | None = None  # WHOLE: the largest allowed value
    choices: tuple[str, ...] = ()  # CHOICE: the allowed values
    aliases: tuple[str, ...] = ()  # other names the prompt and files accept
    example: str = ""  # shown in the prompt's usage line


TABLE: tuple[Setting, ...] = (
    Setting("w", NUMBER, "a new starting w (the run restarts there)", "run",
            aliases=("w0",), example="3.5"),
    Setting("b", NUMBER, "a new starting b (the run restarts there)", "run",
            aliases=("b0",), example="-1"),
    Setting("grad", CHOICE, "where each update's gradient comes from", "run",
            choices=GRAD_SOURCES, example="autograd"),
    Setting("h", NUMBER, "the central-difference step h", "run", positive=True,
            example="0.001"),
    Setting("tol", NUMBER, "the convergence tolerance on the gradient norm", "run",
            positive=True, example="1e-8"),
    Setting("lr", NUMBER, "the learning rate", "run", positive=True,
            aliases=("learning_rate", "rate"), example="0.037"),
    Setting("epochs", WHOLE, "the epoch budget", "run", low=1, aliases=("epoch",),
            example="2000"),
    Setting("scale", CHOICE, "train on x, on x - mean(x) (center) or on (x - mean)/std "
            "(standard); the run restarts from the same w, b in the new coordinates", "run",
            choices=SCALES, example="standard"),
    Setting("reset", FLAG, "back to epoch 0 at the start (the settings are kept)", "run"),
    # The update rule and torch.optim's hyper-parameters; a change restarts the run.
    Setting("optimizer", CHOICE, "the update rule, as torch.optim names it (the run restarts)",
            "run", choices=OPTIMIZERS, aliases=("optim",), example="adam"),
    Setting("momentum", NUMBER, "momentum (sgd, rmsprop; default 0)", "run", minimum=0.0,
            example="0.9"),
    Setting("dampening", NUMBER, "dampening of the momentum (sgd; default 0)", "run"),
    Setting("nesterov", FLAG, "Nesterov momentum (sgd)", "run"),
    Setting("weight_decay", NUMBER, "L2 weight decay (default 0; adamw 0.01)", "run",
            minimum=0.0),
    Setting("beta1", NUMBER, "Adam's first-moment decay (default 0.9)", "run", minimum=0.0,
            below=1.0, example="0.8"),
    Setting("beta2", NUMBER, "Adam's second-moment decay (default 0.999)", "run",
            minimum=0.0, below=1.0),
    Setting("eps", NUMBER, "the term added to the denominator (default 1e-8; adagrad 1e-10)",
            "run", minimum=0.0),
    Setting("amsgrad", FLAG, "AMSGrad (adam, adamw)", "run"),
    Setting("alpha", NUMBER, "RMSprop's smoothing constant (default 0.99)", "run",
            minimum=0.0),
    Setting("centered", FLAG, "centered RMSprop", "run"),
    Setting("lr_decay", NUMBER, "Adagrad's learning-rate decay (default 0)", "run",
            minimum=0.0),
    Setting("initial_accumulator", NUMBER, "Adagrad's initial sum (default 0)", "run",
            minimum=0.0, aliases=("initial_accumulator_value",)),
    # Mini-batches (the default, none, is all the data); a change restarts the run.
    Setting("batch_size", WHOLE, "points per update (none: all of them, full batch)", "run",
            low=1, aliases=("batch",), example="8"),
    Setting("shuffle", CHOICE, "the batches' order: reshuffled every epoch, epoch 0's order "
            "every epoch (once), or the file's order (none)", "run",
            choices=("epoch", "once", "none")),
    Setting("shuffle_seed", WHOLE, "the seed S of the order default_rng([S, epoch])", "run",
            low=0),
    Setting("drop_last", FLAG, "leave out the last, smaller batch of an epoch", "run"),
    Setting("speed", WHOLE, "engine steps per frame while playing", "view", low=1,
            high=MAX_SPEED),
    Setting("log", FLAG, "the loss over epochs on a log scale", "view"),
    Setting("tangents", FLAG, "the notes' sample tangents", "view"),
    Setting("formulas", FLAG, "the formulas panel in place of the gradients panel", "view"),
    Setting("graph", FLAG, "the computation graph in place of the tangent and fit plots",
            "view"),
    Setting("map", FLAG, "the loss map L(w, b) in place of the tangent and fit plots",
            "view"),
    Setting("sweep", FLAG, "the learning-rate sweep in place of the plots", "view"),
    Setting("follow", FLAG, "the L(w) view narrows around w near the optimum (off: the "
            "whole path)", "view"),
)
SETTINGS = {s.name: s for s in TABLE}
ALIASES = {alias: s.name for s in TABLE for alias in s.aliases}
RUN = tuple(s.name for s in TABLE if s.scope == "run")
VIEW = tuple(s.name for s in TABLE if s.scope == "view")
# What the app's prompt takes: the run's values (reset has its own key there).
PROMPT = tuple(s.name for s in TABLE if s.scope == "run" and s.name != "reset")
# The mini-batch settings (TrainConfig fields; a change restarts the run).
BATCH_SETTINGS = ("batch_size", "shuffle", "shuffle_seed", "drop_last")
# The update rule's settings (TrainConfig fields; a change restarts the run).
OPTIMIZER_SETTINGS = ("optimizer", "momentum", "dampening", "nesterov", "weight_decay", "beta1",
                      "beta2", "eps", "amsgrad", "alpha", "centered", "lr_decay",
                      "initial_accumulator")


def lookup(name: str) -> Setting:
    """The setting called `name` (or one of its aliases); DataError if there is none."""
    key = ALIASES.get(name, name)
    if key not in SETTINGS:
        raise DataError(f"unknown setting {name!r}; known: {', '.join(SETTINGS)}")
    return SETTINGS[key]


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def check(name: str, value: Any) -> Any:
    """`value` checked against the setting's rule and normalised (float, int, str or bool).
    Raises DataError "<name> must be ..., got <value>"."""
    s = lookup(name)
    if s.kind == FLAG:
        if not isinstance(value, bool):
            raise DataError(f"{s.name} must be true or false, got {_kind(value)}")
        return value
    if s.kind == CHOICE:
        if value not in s.choices:
            raise DataError(f"{s.name} must be one of {', '.join(s.choices)}, got "
                            f"{_shown(value)}")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(f"{s.name} must be a number, got {_kind(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise DataError(f"{s.name} must be a finite number, got {_shown(number)}")
    if s.kind == NUMBER:
        if s.positive and number <= 0:
            raise DataError(f"{s.name} must be greater than 0, got {_shown(number)}")
        if s.minimum is not None and number < s.minimum:
            raise DataError(f"{s.name} must be at least {_shown(s.minimum)}, got "
                            f"{_shown(number)}")
        if s.below is not None and not number < s.below:
            raise DataError(f"{s.name} must be below {_shown(s.below)}, got {_shown(number)}")
        return number
    if not number.is_integer():
        raise DataError(f"{s.name} must be a whole number, got {_shown(number)}")
    whole = int(number)
    if s.low is not None and whole < s.low:
        raise DataError(f"{s.name} must be at least {s.low:,}, got {whole:,}")
    if s.high is not None and whole > s.high:
        raise DataError(f"{s.name} must be at most {s.high:,}, got {whole:,}")
    return whole


def parse(name: str, text: str) -> Any:
    """A setting typed as text (command line, prompt): read, then `check`ed."""
    s = lookup(name)
    text = text.strip()
    if s.kind == FLAG:
        words = {"true": True, "on": True, "yes": True, "false": False, "off": False,
                 "no": False}
        if text.lower() not in words:
            raise DataError(f"{s.name} must be true or false, got {text!r}")
        return words[text.lower()]
    if s.kind == CHOICE:
        return check(name, text)
    try:
        value: float | int = int(text.replace("_", "")) if s.kind == WHOLE else float(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            need = "a whole number" if s.kind == WHOLE else "a number"
            raise DataError(f"{s.name} must be {need}, got {text!r}") from None
    return check(name, value)


def from_document(name: str, value: object) -> Any:
    """A setting as a TOML/JSON document holds it: its type must already be right (the text
    "0.1" is not a number there, nor 5.0 a whole number), then `check`ed."""
    s = lookup(name)
    if s.kind == WHOLE and isinstance(value, float):
        raise DataError(f"{s.name} must be a whole number, got {value!r}")
    return check(name, value)


def argtype(name: str) -> Callable[[str], Any]:
    """An argparse `type=` for the setting: its message is the table's."""

    def convert(text: str) -> Any:
        try:
            return parse(name, text)
        except DataError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name  # argparse names the type in some messages
    return convert


def _kind(value: object) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    names = {bool: "true/false", list: "a list", dict: "a table", int: "a number",
             float: "a number", type(None): "nothing"}
    return names.get(type(value), type(value).__name__)


class Steerable(Protocol):
    """What `apply_run` needs of a trainer."""

    @property
    def start(self) -> tuple[float, float]: ...
    def set_start(self, w0: float | None = None, b0: float | None = None) -> object: ...
    def set_scale(self, scale: str) -> object: ...
    def reset(self) -> object: ...
    def set_grad(self, grad: str) -> object: ...
    def set_h(self, h: float) -> object: ...
    def set_tol(self, tol: float | None) -> object: ...
    def set_lr(self, lr: float) -> object: ...
    def set_epochs(self, epochs: int) -> object: ...
    def set_optimizer(self, **values: Any) -> object: ...
    def set_batches(self, **values: Any) -> object: ...


def apply_run(trainer: Steerable, values: dict[str, Any]) -> None:
    """Apply checked run settings to a trainer, in one fixed order: the scale (the run restarts
    from its start, read in the new coordinates), the update rule (the run restarts), a new
    start (w, b; the run restarts there) or `reset`, then grad, h, tol, lr, epochs. Raises
    DataError if a value does not fit the run (an epoch budget below the epochs already
    run, ...)."""
    if "scale" in values:
        trainer.set_scale(values["scale"])
    rule = {k: v for k, v in values.items() if k in OPTIMIZER_SETTINGS}
    if rule:
        trainer.set_optimizer(**rule)
    batches = {k: v for k, v in values.items() if k in BATCH_SETTINGS}
    if batches:
        trainer.set_batches(**batches)
    if "w" in values or "b" in values:
        trainer.set_start(values.get("w"), values.get("b"))
    elif values.get("reset"):
        trainer.reset()
    if "grad" in values:
        trainer.set_grad(values["grad"])
    if "h" in values:
        trainer.set_h(values["h"])
    if "tol" in values:
        trainer.set_tol(values["tol"])
    if "lr" in values:
        trainer.set_lr(values["lr"])
    if "epochs" in values:
        trainer.set_epochs(values["epochs"])


def view_changes(values: dict[str, Any]) -> dict[str, Any]:
    """The view settings among `values` (for `dataclasses.replace(view, **...)`)."""
    return {k: v for k, v in values.items() if k in VIEW}
