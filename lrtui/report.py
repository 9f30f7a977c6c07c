"""`lrtui train`: a readable report (rich) or one JSON document, from a headless run."""

from __future__ import annotations

import json
import math
import sys
from typing import IO

import numpy as np

from lrtui.engine.data import Dataset
from lrtui.engine.trainer import COLUMNS, CONVERGED, DIVERGED, TrainConfig, Trainer, TrainingState


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def divergence_cause(trainer: Trainer) -> str:
    """Why a run diverged, in plain words with the numbers of this data."""
    theory, lr = trainer.theory, trainer.state.lr
    critical = theory.critical_lr
    if lr > critical:
        return (
            f"the learning rate {lr:g} is above the critical rate 2/lambda_max = {critical:.6g} "
            f"for this data: each step multiplies the error along the steepest direction by "
            f"|1 - lr*lambda_max| = {theory.contraction(lr):.4g}"
        )
    return (
        f"the loss passed the divergence bound ({trainer.divergence_bound:.3g}) although the "
        f"learning rate {lr:g} is below the critical rate {critical:.6g}"
    )


def result_dict(trainer: Trainer) -> dict:
    s, theory = trainer.state, trainer.theory
    opt = theory.optimum
    if s.status == DIVERGED:
        stop_reason = "diverged"
    elif s.status == CONVERGED:
        stop_reason = "converged"
    else:
        stop_reason = "epochs"
    result = {
        "status": s.status,
        "stop_reason": stop_reason,
        "epochs_run": s.epoch,
        "w": s.w,
        "b": s.b,
        "loss": s.loss,
        "dw": s.dw,
        "db": s.db,
        "grad_norm": s.grad_norm,
        "optimum": {"w": opt.w, "b": opt.b, "loss": opt.loss},
        "distance_to_optimum": theory.distance(s.w, s.b),
        "critical_lr": theory.critical_lr,
        "best_lr": theory.best_lr,
        "hessian_eigenvalues": list(theory.eigenvalues),
        "contraction_per_step": theory.contraction(s.lr),
        "divergence_cause": divergence_cause(trainer) if s.status == DIVERGED else None,
    }
    return {
        k: (_finite_or_none(v) if isinstance(v, float) else v) for k, v in result.items()
    }


def config_dict(data: Dataset, config: TrainConfig) -> dict:
    return {"data": {"name": data.name, "n": data.n, "source": data.source}, **config.as_dict()}


def _json_rows(rows: np.ndarray) -> str:
    items = []
    for row in rows:
        item = {"epoch": int(row[0])}
        for name, value in zip(COLUMNS[1:], row[1:]):
            item[name] = _finite_or_none(float(value))
        items.append(json.dumps(item, allow_nan=False))
    return ", ".join(items)


def write_json(trainer: Trainer, data: Dataset, config: TrainConfig, every: int, out: IO[str]) -> None:
    """Stream {"config", "history", "result"}: the history is written as the run goes, so
    memory stays bounded however many epochs are kept."""
    out.write('{"config": ' + json.dumps(config_dict(data, config), allow_nan=False))
    out.write(', "history": [')
    first = True
    last_written = -1

    def emit(rows: np.ndarray) -> None:
        nonlocal first, last_written
        keep = rows[rows[:, 0] % every == 0]
        if len(keep):
            out.write(("" if first else ", ") + _json_rows(keep))
            first = False
            last_written = int(keep[-1, 0])

    emit(trainer.history.rows())  # epoch 0
    trainer.run(sink=emit)
    if last_written != trainer.state.epoch:
        emit_last = trainer.history.last()[None, :]
        out.write(("" if first else ", ") + _json_rows(emit_last))
    out.write('], "result": ' + json.dumps(result_dict(trainer), allow_nan=False) + "}\n")


def report_epochs(epochs: int, count: int = 12) -> set[int]:
    """Epoch 0, the last one, and a log-spaced set in between."""
    marks = np.unique(np.round(np.logspace(0, math.log10(max(epochs, 1)), count)).astype(int))
    return {0, epochs, *(int(m) for m in marks)}


def _fmt(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.6g}"


def write_report(trainer: Trainer, data: Dataset, config: TrainConfig) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    wanted = report_epochs(config.epochs)
    picked: list[np.ndarray] = [trainer.history.rows()]

    def pick(rows: np.ndarray) -> None:
        mask = np.isin(rows[:, 0].astype(np.int64), list(wanted))
        if mask.any():
            picked.append(rows[mask])

    trainer.run(sink=pick)
    rows = np.concatenate(picked)
    if int(rows[-1, 0]) != trainer.state.epoch:
        rows = np.concatenate([rows, trainer.history.last()[None, :]])

    console = Console()
    console.print(
        f"[bold]lrtui train[/]: {data.name}, {data.n:,} points; start w = {config.w0:g}, "
        f"b = {config.b0:g}; lr = {config.lr:g}; {config.epochs:,} epochs; h = {config.h:g}"
        + (f"; tol = {config.tol:g}" if config.tol else "")
    )
    table = Table("epoch", "w", "b", "loss", "dL/dw", "dL/db", "c.d. dL/dw", box=box.SIMPLE_HEAD)
    for column in table.columns:
        column.no_wrap = True
        column.justify = "right"
    for row in rows:
        table.add_row(f"{int(row[0]):,}", *(_fmt(v) for v in row[1:7]))
    console.print(table)
    with np.errstate(all="ignore"):
        gap_w = np.nanmax(np.abs(rows[:, 4] - rows[:, 6]))
        gap_b = np.nanmax(np.abs(rows[:, 5] - rows[:, 7]))
    console.print(
        f"c.d. = central difference (L(w+h) - L(w-h)) / 2h with h = {config.h:g}; largest "
        f"|analytic - c.d.| in these rows: {gap_w:.3g} for w, {gap_b:.3g} for b"
    )
    _print_summary(console, trainer)


def _print_summary(console, trainer: Trainer) -> None:
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    s, theory = trainer.state, trainer.theory
    opt = theory.optimum
    lam_min, lam_max = theory.eigenvalues
    if s.status == DIVERGED:
        status = f"[bold red]diverged[/] at epoch {s.epoch:,}: {divergence_cause(trainer)}"
    elif s.status == CONVERGED:
        status = f"[bold green]converged[/] at epoch {s.epoch:,} (gradient norm {s.grad_norm:.3g} < tol)"
    else:
        status = f"{s.status}: stopped after the epoch budget of {s.epochs:,} (gradient norm {s.grad_norm:.3g})"
    grid.add_row("status", status)
    grid.add_row("final", f"w = {_fmt(s.w)}   b = {_fmt(s.b)}   loss = {_fmt(s.loss)}")
    if opt.w is None:
        grid.add_row("optimum", f"not unique (all x equal); smallest loss L* = {_fmt(opt.loss)}")
    else:
        distance = theory.distance(s.w, s.b)
        grid.add_row(
            "optimum",
            f"w* = {_fmt(opt.w)}   b* = {_fmt(opt.b)}   L* = {_fmt(opt.loss)}   "
            f"distance {_fmt(distance) if distance is not None else '-'}"
        )
    grid.add_row(
        "theory",
        f"Hessian eigenvalues {lam_min:.6g} and {lam_max:.6g}; critical lr 2/lambda_max = "
        f"{theory.critical_lr:.6g}; best constant lr 2/(lambda_min + lambda_max) = "
        f"{theory.best_lr:.6g}; at lr {s.lr:g} the error shrinks by at least a factor "
        f"max|1 - lr*lambda| = {theory.contraction(s.lr):.6g} per step (above 1 it grows)",
    )
    console.print(grid)


def train(data: Dataset, config: TrainConfig, *, json_output: bool, every: int) -> int:
    trainer = Trainer(data, config)
    if json_output:
        write_json(trainer, data, config, every, sys.stdout)
    else:
        write_report(trainer, data, config)
    return 0
