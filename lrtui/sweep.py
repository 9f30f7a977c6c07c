"""`lrtui sweep`: one run per learning rate, all from the same start, beside theory's
prediction of each.

The rates are `count` values evenly spaced on a log scale from lr_min to lr_max (both
included, exactly). By default they span two decades up to just past the critical rate
(lr_max = 1.1 * 2/lambda_max, lr_min = lr_max / 100), so the table shows slow rates, the
fastest ones and the first that diverge. Each row is exactly what `lrtui train` gives with
that --lr and the same other options (status, epochs run, final loss: the tests check it
against `Trainer` runs, bit for bit).

With the analytic gradient all the runs are stepped together on NumPy arrays, one element
per rate, with the same float64 operations in the same order as the trainer's fused loop
(`optim.GradientDescent.advance_analytic`), so each element walks the trainer's trajectory
exactly; a run leaves the arrays at the epoch it stops (converged or diverged), as the
trainer stops. Any other gradient source runs the trainer itself once per rate.

No textual here, and rich only when the table is printed.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from lrtui import settings
from lrtui.engine.state import CONVERGED, DIVERGED, READY, RUNNING
from lrtui.engine.trainer import Trainer
from lrtui.errors import DataError

DEFAULT_COUNT = 20
DEFAULT_TOL = 1e-8  # as the app's (lrtui.tui.app.DEFAULT_TOL): a sweep always has a tol
PAST_CRITICAL = 1.1  # the default lr_max, as a multiple of the critical rate
DECADES = 2.0  # the default lr_min is lr_max / 10**DECADES
MAX_COUNT = 100_000


@dataclass(frozen=True)
class Row:
    lr: float
    status: str  # as `lrtui train --json` has it: running (the budget ran out), converged,
    # diverged (ready: never, a sweep runs at least one epoch)
    epochs_run: int
    final_loss: float
    predicted_epochs: int | None  # theory's first epoch with gradient norm below tol

    @property
    def stop_reason(self) -> str:
        return {CONVERGED: "converged", DIVERGED: "diverged"}.get(self.status, "epochs")

    def as_dict(self) -> dict[str, Any]:
        return {"lr": self.lr, "status": self.status, "stop_reason": self.stop_reason,
                "epochs_run": self.epochs_run,
                "final_loss": self.final_loss if math.isfinite(self.final_loss) else None,
                "predicted_epochs": self.predicted_epochs}


def rates(lr_min: float, lr_max: float, count: int) -> np.ndarray:
    """`count` rates evenly spaced on a log scale, the two ends exactly lr_min and lr_max
    (raises DataError for a range that is not one)."""
    if not (lr_min > 0 and lr_max > 0 and math.isfinite(lr_min) and math.isfinite(lr_max)):
        raise DataError(f"the learning rates must be finite and greater than 0, got "
                        f"--lr-min {lr_min:g} and --lr-max {lr_max:g}")
    if not lr_min < lr_max:
        raise DataError(f"--lr-min {lr_min:g} must be below --lr-max {lr_max:g}")
    if not 2 <= count <= MAX_COUNT:
        raise DataError(f"--count must be from 2 to {MAX_COUNT:,}, got {count}")
    lrs = np.geomspace(lr_min, lr_max, count)
    lrs[0], lrs[-1] = lr_min, lr_max
    return lrs


def sweep(trainer: Trainer, lrs: np.ndarray) -> list[Row]:
    """One run per rate from the trainer's start, with its epoch budget, tol and gradient
    source. The trainer is left at epoch 0 with its own rate."""
    s = trainer.state
    if s.epoch != 0:
        trainer.reset()
    if trainer.grad != "analytic" or not trainer.rule.h.is_plain:
        rows = [_trainer_row(trainer, float(lr)) for lr in lrs]
        trainer.set_lr(s.lr)
        trainer.reset()
        return rows
    tol = s.tol
    tol2 = -1.0 if tol is None else tol * tol
    epochs, w, b, dw, db = _step_together(trainer, np.asarray(lrs, dtype=np.float64), tol2)
    st, bound = trainer.stats, trainer.divergence_bound
    with np.errstate(all="ignore"):
        losses = st.loss(w, b)  # the records' columns, as `Trainer._rows` computes them
    result = []
    for i, lr in enumerate(lrs):
        loss, gw, gb = float(losses[i]), float(dw[i]), float(db[i])
        g2 = gw * gw + gb * gb
        finite = math.isfinite(loss) and math.isfinite(gw) and math.isfinite(gb)
        if not (finite and loss <= bound):  # the status rule of `Trainer._state_from`
            status = DIVERGED
        elif tol is not None and g2 < tol2:
            status = CONVERGED
        else:
            status = READY if epochs[i] == 0 else RUNNING
        result.append(Row(float(lr), status, int(epochs[i]), loss,
                          _predicted(trainer, float(lr))))
    return result


def _predicted(trainer: Trainer, lr: float) -> int | None:
    tol = trainer.state.tol
    return None if tol is None else trainer.theory.predicted_epochs(trainer.start, lr, tol)


def _trainer_row(trainer: Trainer, lr: float) -> Row:
    trainer.set_lr(lr)
    trainer.reset()
    s = trainer.run()
    return Row(lr, s.status, s.epoch, s.loss, _predicted(trainer, lr))


def _step_together(trainer: Trainer, lrs: np.ndarray, tol2: float) -> tuple[np.ndarray, ...]:
    """All runs stepped at once; returns (epochs run, w, b, dw, db) per rate at its stop.

    Each line below is one float64 operation of `advance_analytic`'s loop, in its order
    (w -= lr*dw; ...; the loss as (L* + (Sxx/n*d)*d) + c*c), applied to every run still
    going; the operations are IEEE 754 roundings of the same operands, so the results are
    the trainer's bit for bit."""
    st, s = trainer.stats, trainer.state
    w_opt, x_mean, y_mean, sxx_n, sse_n = st.w_opt, st.x_mean, st.y_mean, st.sxx_n, st.sse_min_n
    bound, budget = trainer.divergence_bound, s.epochs
    k = lrs.size
    out_epochs = np.full(k, budget, dtype=np.int64)
    out = [np.empty(k) for _ in range(4)]  # w, b, dw, db at each run's stop
    live = np.arange(k)  # which runs the arrays below hold
    lr = lrs.copy()
    w, b, dw, db = np.full(k, s.w), np.full(k, s.b), np.full(k, s.dw), np.full(k, s.db)
    d, c, t, u, v = (np.empty(k) for _ in range(5))
    with np.errstate(all="ignore"):
        for epoch in range(1, budget + 1):
            np.multiply(lr, dw, out=t)
            np.subtract(w, t, out=w)  # w -= lr * dw
            np.multiply(lr, db, out=t)
            np.subtract(b, t, out=b)  # b -= lr * db
            np.subtract(w, w_opt, out=d)  # d = w - w_opt
            np.multiply(w, x_mean, out=t)
            np.subtract(y_mean, t, out=t)
            np.subtract(b, t, out=c)  # c = b - (y_mean - w * x_mean)
            np.multiply(sxx_n, d, out=t)  # t = sxx_n * d
            np.multiply(c, x_mean, out=u)
            np.add(t, u, out=dw)
            np.multiply(dw, 2.0, out=dw)  # dw = 2.0 * (sxx_n * d + c * x_mean)
            np.multiply(c, 2.0, out=db)  # db = 2.0 * c
            np.multiply(t, d, out=t)
            np.add(t, sse_n, out=t)
            np.multiply(c, c, out=u)
            np.add(t, u, out=t)  # loss = sse_n + sxx_n * d * d + c * c
            np.multiply(dw, dw, out=u)
            np.multiply(db, db, out=v)
            np.add(u, v, out=u)  # dw * dw + db * db
            stop = ~(t <= bound) | (u < tol2)
            if stop.any():
                gone = live[stop]
                out_epochs[gone] = epoch
                for dest, src in zip(out, (w, b, dw, db), strict=True):
                    dest[gone] = src[stop]
                keep = ~stop
                live, lr, w, b, dw, db = (a[keep] for a in (live, lr, w, b, dw, db))
                d, c, t, u, v = (np.empty(live.size) for _ in range(5))
                if not live.size:
                    break
    for dest, src in zip(out, (w, b, dw, db), strict=True):
        dest[live] = src
    return (out_epochs, *out)


# -- the command -----------------------------------------------------------------------------


def add_command(commands: Any, add_run_options: Callable[..., None]) -> None:
    """The `sweep` subcommand, on the command line's subparsers: the data and training
    options of `lrtui train` (`cli.add_run_options`) and the sweep's own."""
    parser = commands.add_parser(
        "sweep", help="one headless run per learning rate, beside theory's prediction",
        description="Run gradient descent from the same start at K learning rates, evenly "
        "spaced on a log scale, and print each run's status, epochs, final loss and the "
        "epochs theory predicted (as a table, or --json).",
    )
    add_run_options(parser, suppress=True)
    for action in parser._actions:
        if action.dest == "lr":  # refused (see `run`): the sweep chooses the rates
            action.help = argparse.SUPPRESS
    group = parser.add_argument_group("the sweep")
    group.add_argument("--lr-min", metavar="A", type=settings.argtype("lr"), default=None,
                       help="the smallest rate (default: --lr-max / 100)")
    group.add_argument("--lr-max", metavar="B", type=settings.argtype("lr"), default=None,
                       help="the largest rate (default: 1.1 times the critical rate "
                       "2/lambda_max, so the last rates diverge)")
    group.add_argument("--count", metavar="K", type=_count, default=DEFAULT_COUNT,
                       help=f"how many rates, log-spaced, ends included (default "
                       f"{DEFAULT_COUNT})")
    group.add_argument("--json", action="store_true",
                       help='print one JSON document {"config", "rows"}')


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 2 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"must be from 2 to {MAX_COUNT:,}, got {text}")
    return value


def run(args: argparse.Namespace, trainer: Trainer, out: IO[str]) -> int:
    """`lrtui sweep`: the table, or the JSON document, on `out` (raises DataError)."""
    if args.lr is not None:
        raise DataError("lrtui sweep tries its own rates; give --lr-min and --lr-max "
                        "(and --count) instead of --lr")
    if trainer.state.tol is None:
        trainer.set_tol(DEFAULT_TOL)
    critical = trainer.theory.reference_lr
    lr_max = PAST_CRITICAL * critical if args.lr_max is None else args.lr_max
    lr_min = lr_max / 10**DECADES if args.lr_min is None else args.lr_min
    if args.lr_max is None and not lr_min < lr_max:
        raise DataError(f"--lr-min {lr_min:g} must be below --lr-max, which is by default "
                        f"{PAST_CRITICAL:g} times the critical rate {critical:.6g}: "
                        f"{lr_max:.6g}")
    lrs = rates(lr_min, lr_max, args.count)
    rows = sweep(trainer, lrs)
    config = {**_config(trainer), "lr_min": lr_min, "lr_max": lr_max, "count": args.count,
              "critical_lr": trainer.theory.critical_lr}
    if args.json:
        doc = {"config": config, "rows": [r.as_dict() for r in rows]}
        out.write(json.dumps(doc, allow_nan=False) + "\n")
    else:
        _write_table(trainer, rows, config)
    return 0


def _config(trainer: Trainer) -> dict[str, Any]:
    from lrtui.report_json import config_dict

    config = config_dict(trainer.data, trainer.current_config())
    del config["lr"]
    return config


def _write_table(trainer: Trainer, rows: list[Row], config: dict[str, Any]) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from lrtui.report import SCALED, _console, _fmt

    console = _console()
    data, s, theory = trainer.data, trainer.state, trainer.theory
    critical = theory.reference_lr
    console.print(f"[bold]lrtui sweep[/]: {escape(data.name)}, {data.n:,} point"
                  f"{'' if data.n == 1 else 's'}; start w = {s.w:g}, b = {s.b:g}; "
                  f"{s.epochs:,} epochs; tol = {s.tol:g}"
                  + (f"; gradients by {s.grad}" if s.grad != "analytic" else "")
                  + (f"; trained on {SCALED[trainer.scaling.kind]} (--scale "
                     f"{trainer.scaling.kind}; w, b, loss and lr are z's)"
                     if trainer.scaling.kind != "none" else ""))
    said = (f"critical lr {theory.critical_formula} = {critical:.6g}"
            if theory.critical_lr is not None else
            f"lr/critical is against plain descent's 2/lambda_max = {critical:.6g}")
    console.print(f"{len(rows)} rates from {config['lr_min']:.6g} to {config['lr_max']:.6g}, "
                  f"log-spaced; kappa = {theory.condition_number:.6g}; {said}; best constant "
                  f"lr 2/(lambda_min + lambda_max) = {theory.best_lr:.6g}")
    table = Table("lr", "lr/critical", "stopped by", "epochs", "predicted", "final loss",
                  box=box.SIMPLE_HEAD)
    for column in table.columns:
        column.no_wrap = True
        column.justify = "right"
    words = {"converged": "[green]converged[/]", "diverged": "[red]diverged[/]",
             "epochs": "budget"}
    for r in rows:
        if r.predicted_epochs is not None:
            predicted = f"{r.predicted_epochs:,}"
        elif theory.critical_lr is None:
            predicted = "no closed form"
        else:
            predicted = "diverges" if r.lr > critical else "never"
        table.add_row(_fmt(r.lr), f"{r.lr / critical:.3f}", words[r.stop_reason],
                      f"{r.epochs_run:,}", predicted, _fmt(r.final_loss))
    console.print(table)
    console.print("epochs: run until the gradient norm fell below tol (converged), the loss "
                  "passed the divergence bound (diverged) or the budget ran out; predicted: "
                  "theory's first epoch with gradient norm below tol, from (1 - lr*lambda)^k "
                  "along each eigenvector of the Hessian. Each row is what lrtui train "
                  "--lr LR gives with the same options.")
