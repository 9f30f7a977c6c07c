"""`lrtui train`: a readable report (rich) or one JSON document, from a headless run."""

from __future__ import annotations

import math
import sys

import numpy as np

from lrtui.engine.data import Dataset
from lrtui.engine.state import CONVERGED, DIVERGED, TrainConfig
from lrtui.engine.trainer import Trainer


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _json_safe(value):
    """Floats that are not finite become None, in nested dicts and lists too (strict JSON)."""
    if isinstance(value, float):
        return _finite_or_none(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def divergence_cause(trainer: Trainer) -> str:
    """Why the trainer's run diverged, in plain words with the numbers of this data."""
    return trainer.theory.divergence_cause(trainer.state.lr, trainer.divergence_bound)


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
        "epochs_run": s.passes,
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
        "hessian_eigenvalues": [float(v) for v in theory.eigenvalues],
        "condition_number": theory.condition_number,
        "contraction_per_step": theory.contraction(s.lr),
        "divergence_cause": divergence_cause(trainer) if s.status == DIVERGED else None,
        "original": original_dict(trainer),
    }
    if s.tol is not None:  # theory's first epoch with gradient norm below tol (None: never)
        result["predicted_epochs"] = predicted_epochs(trainer)
    if trainer.plan is not None:
        result["steps_run"] = s.epoch
        result["noise_floor"] = noise_floor(trainer)
    return _json_safe(result)


class GapWatch:
    """A sink that notes the first epoch whose L - L* is below `gap` (for --gap), next to
    theory's prediction of it."""

    def __init__(self, trainer: Trainer, gap: float) -> None:
        self.trainer, self.gap = trainer, gap
        self.epoch: int | None = None
        self.see(trainer.history.rows())

    def see(self, rows: np.ndarray) -> None:
        if self.epoch is None and len(rows):
            with np.errstate(all="ignore"):
                below = np.flatnonzero(self.trainer.theory.loss_gap(rows[:, 1], rows[:, 2])
                                       < self.gap)
            if below.size:
                self.epoch = int(rows[below[0], 0])

    def result(self) -> dict:
        t = self.trainer
        return {"gap": self.gap, "epochs_to_gap": self.epoch,
                "predicted_epochs_to_gap": t.theory.epochs_to_gap(t.start, t.state.lr,
                                                                  self.gap)}


def noise_floor(trainer: Trainer) -> dict:
    """Theory's E[L - L*] at constant-rate SGD's noise floor, next to the mean of L - L* over
    the run's last epochs (the last 10, or the second half of a shorter run)."""
    plan, s = trainer.plan, trainer.state
    assert plan is not None
    last = min(10 * plan.per_epoch, max(1, s.epoch // 2))
    rows = trainer.history.rows()[-last:]
    with np.errstate(all="ignore"):
        measured = float(np.mean(trainer.theory.loss_gap(rows[:, 1], rows[:, 2])))
    return {"predicted": plan.noise_floor(trainer.stats, s.lr), "measured": measured,
            "over_steps": int(len(rows))}


def original_dict(trainer: Trainer) -> dict:
    """The final line in x's units (w_x, b_x; `w`, `b` themselves for --scale none), and the
    least-squares line of x (None when it is not unique)."""
    s, x = trainer.state, trainer.x_stats
    w_x, b_x = trainer.scaling.to_original(s.w, s.b)
    best = {"w": x.w_opt, "b": x.b_opt} if x.unique else {"w": None, "b": None}
    return {"w": w_x, "b": b_x, "optimum": best}


def predicted_epochs(trainer: Trainer) -> int | None:
    """Theory's epoch of convergence for this run (from its start, at its lr and tol)."""
    s = trainer.state
    if s.tol is None or trainer.plan is not None:  # mini-batch noise: no closed form
        return None
    return trainer.theory.predicted_epochs(trainer.start, s.lr, s.tol)


def predicted_words(trainer: Trainer) -> str:
    """What theory predicted, for the report's status line: "theory predicted 434"."""
    k = predicted_epochs(trainer)
    if k is not None:
        return f"theory predicted {k:,}"
    lr, critical = trainer.state.lr, trainer.theory.critical_lr
    if trainer.plan is not None:
        return "theory predicts no epoch count under mini-batch noise"
    if critical is None:
        return f"theory has no closed form for {trainer.theory.hyper.optimizer}"
    if lr > critical:
        return "theory predicted divergence"
    if lr == critical:
        return "theory predicted no convergence: at the critical rate the error oscillates"
    return "theory predicted never"


def report_epochs(epochs: int, count: int = 12) -> set[int]:
    """Epoch 0, the last one, and a log-spaced set in between."""
    marks = np.unique(np.round(np.logspace(0, math.log10(max(epochs, 1)), count)).astype(int))
    return {0, epochs, *(int(m) for m in marks)}


def _fmt(value: float | None, digits: int = 6) -> str:
    """A number in `digits` significant digits, with a short exponent (1.5e7, 2.5e-12)."""
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value:.{digits}g}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text


def _console():
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit(1) here; let the command line treat it like any closed pipe.
            self.quiet = True
            raise BrokenPipeError

    return _Console()


def _largest_gap(analytic: np.ndarray, numeric: np.ndarray) -> str:
    with np.errstate(all="ignore"):
        gaps = np.abs(analytic - numeric)
    gaps = gaps[np.isfinite(gaps)]
    return f"{float(gaps.max()):.3g}" if gaps.size else "- (not finite)"


def write_report(trainer: Trainer, data: Dataset, config: TrainConfig,
                 gap: float | None = None) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    wanted = report_epochs(config.epochs)
    picked: list[np.ndarray] = [trainer.history.rows()]

    watch = None if gap is None else GapWatch(trainer, gap)

    def pick(rows: np.ndarray) -> None:
        mask = np.isin(rows[:, 0].astype(np.int64), list(wanted))
        if mask.any():
            picked.append(rows[mask])
        if watch is not None:
            watch.see(rows)

    trainer.run(sink=pick)
    rows = np.concatenate(picked)
    if int(rows[-1, 0]) != trainer.state.epoch:
        rows = np.concatenate([rows, trainer.history.last()[None, :]])

    console = _console()
    points = f"{data.n:,} point{'' if data.n == 1 else 's'}"
    console.print(
        f"[bold]lrtui train[/]: {escape(data.name)}, {points}"
        + (f"; gradients by {config.grad}" if config.grad != "analytic" else "")
    )
    console.print(
        f"start w = {config.w0:g}, b = {config.b0:g}; lr = {config.lr:g}; "
        f"{config.epochs:,} epochs; h = {config.h:g}"
        + (f"; tol = {config.tol:g}" if config.tol else "")
        + (f"; trained on {SCALED[config.scale]}" if config.scale != "none" else "")
    )

    def make_table(digits: int, tight: bool) -> Table:
        table = Table("epoch", "w", "b", "loss", "dL/dw", "dL/db", "c.d. dL/dw",
                      box=box.SIMPLE_HEAD, padding=(0, 0) if tight else (0, 1),
                      show_edge=not tight)
        for column in table.columns:
            column.no_wrap = True
            column.justify = "right"
        for row in rows:
            table.add_row(f"{int(row[0]):,}", *(_fmt(v, digits) for v in row[1:7]))
        return table

    # As many significant digits as fit the terminal, then less padding, rather than letting
    # rich cut numbers short with an ellipsis (80 columns hold any row in 3 digits; the
    # summary below always has 6).
    for digits, tight in ((6, False), (5, False), (4, False), (4, True), (3, True)):
        table = make_table(digits, tight)
        natural = console.measure(table, options=console.options.update_width(10_000))
        if natural.maximum <= console.width:
            break
    console.print(table)
    console.print(
        f"c.d. = central difference (L(w+h) - L(w-h)) / 2h with h = {config.h:g}; largest "
        f"|{config.grad} - c.d.| in these rows: {_largest_gap(rows[:, 4], rows[:, 6])} for w, "
        f"{_largest_gap(rows[:, 5], rows[:, 7])} for b"
    )
    _print_summary(console, trainer, watch)


SCALED = {"center": "z = x - mean(x)", "standard": "z = (x - mean(x)) / std(x)"}


def _critical_words(theory) -> str:
    critical = theory.critical_lr
    if critical is None:
        return f"critical lr: {theory.critical_formula} (adaptive steps)"
    return f"critical lr {theory.critical_formula} = {critical:.6g}"


def error_factor(lr: float, factor: float | None, theory=None) -> str:
    """What max|1 - lr*lambda| (with momentum: its step matrix's spectral radius) means at
    this rate, in words."""
    hyper = theory.hyper if theory is not None else None
    if factor is None:
        name = hyper.optimizer if hyper is not None else "this rule"
        return f"{name} adapts its steps: no closed-form rate per step"
    what = ("max|1 - lr*lambda|" if hyper is None or hyper.is_plain
            else "the spectral radius of the momentum step")
    said = f"{what} = {factor:.6g}"
    if factor < 1:
        return f"at lr {lr:g} each step multiplies the error by at most {said}"
    if factor > 1:
        return f"at lr {lr:g} the error grows: each step multiplies it by {said}"
    return f"at lr {lr:g} {said}: the error does not shrink (nor grow) along one direction"


def _print_summary(console, trainer: Trainer, watch: GapWatch | None = None) -> None:
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    s, theory = trainer.state, trainer.theory
    opt = theory.optimum
    lam_min, lam_max = theory.eigenvalues
    if s.status == DIVERGED:
        status = f"[bold red]diverged[/] at epoch {s.epoch:,}: {divergence_cause(trainer)}"
        if s.tol is not None:
            status += f" ({predicted_words(trainer)})"
    elif s.status == CONVERGED:
        status = (
            f"[bold green]converged[/] at epoch {s.epoch:,} ({predicted_words(trainer)}; "
            f"gradient norm {s.grad_norm:.3g} < tol = {s.tol:g})"
        )
    else:
        status = f"ran all {s.epochs:,} epochs (gradient norm {s.grad_norm:.3g}"
        status += (f", not below tol = {s.tol:g}; {predicted_words(trainer)})"
                   if s.tol is not None else "; no --tol given)")
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
    if trainer.scaling.kind != "none":
        sc, orig = trainer.scaling, original_dict(trainer)
        grid.add_row("in x's units", f"w = {_fmt(orig['w'])}   b = {_fmt(orig['b'])}   "
                     f"least squares in x: w = {_fmt(orig['optimum']['w'])}   "
                     f"b = {_fmt(orig['optimum']['b'])}")
        grid.add_row("scaling", f"mean(x) = {_fmt(sc.shift)}" + (
            f", std(x) = {_fmt(sc.factor)}: w_x = w/std, b_x = b - w*mean/std"
            if sc.kind == "standard" else ": w_x = w, b_x = b - w*mean"))
    if trainer.plan is not None:
        floor = noise_floor(trainer)
        grid.add_row("noise floor", f"E[L - L*] theory {_fmt(floor['predicted'], 3)} (batches "
                     f"drawn afresh each step); this run's last {floor['over_steps']:,} updates "
                     f"{_fmt(floor['measured'], 3)}")
    if watch is not None:
        got = watch.result()
        actual = "not reached" if got["epochs_to_gap"] is None else f"{got['epochs_to_gap']:,}"
        k = got["predicted_epochs_to_gap"]
        grid.add_row("L - L*", f"first below {watch.gap:g} at epoch {actual} (theory "
                     f"predicted {'never' if k is None else f'{k:,}'})")
    grid.add_row(
        "theory",
        f"Hessian eigenvalues {lam_min:.6g} and {lam_max:.6g} (kappa = "
        f"{theory.condition_number:.6g}); {_critical_words(theory)}; best constant lr "
        f"2/(lambda_min + lambda_max) = {theory.best_lr:.6g}; "
        f"{error_factor(s.lr, theory.contraction(s.lr), theory)}",
    )
    console.print(grid)


def train(trainer: Trainer, *, json_output: bool, every: int = 1,
          gap: float | None = None) -> int:
    """Run `trainer` to the end and print the report, or the JSON document, on stdout."""
    data, config = trainer.data, trainer.config
    if json_output:
        from lrtui.report_json import write_json

        write_json(trainer, data, config, every, sys.stdout, gap)
    else:
        write_report(trainer, data, config, gap)
    return 0
