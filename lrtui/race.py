"""`lrtui race`: up to four update rules from the same start, under the same epoch budget and
the same tolerance, judged the fair way: epochs to the tolerance, or the final loss when it
is not reached; never by distance after a small fixed budget.

Without `--run`, the race is the one every course draws: plain descent at its best constant
rate 2/(lambda_min + lambda_max), heavy ball and Nesterov at theory's tuned pairs, and Adam
(lr 0.1, torch's other defaults). Each `--run` is a list of settings as the prompt and tour
files name them ("optimizer=sgd lr=0.1 momentum=0.9"), on top of the command's options.

No textual here, and rich only when the table is printed.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import fields, replace
from typing import IO, Any

import numpy as np

from lrtui import settings
from lrtui.engine.momentum import tuned_heavy_ball, tuned_nesterov
from lrtui.engine.rules import check_applies
from lrtui.engine.state import TrainConfig
from lrtui.engine.trainer import Trainer
from lrtui.errors import DataError

MAX_RUNS = 4
DEFAULT_TOL = 1e-8
ADAM_LR = 0.1


def add_command(commands: Any, add_run_options: Callable[..., None]) -> None:
    parser = commands.add_parser(
        "race", help="up to 4 update rules from one start, judged by epochs to tol",
        description="Run up to four update rules from the same start, with the same epoch "
        "budget and tolerance, and print each one's epochs to tol, final loss and status "
        "(as a table, or --json).")
    add_run_options(parser, suppress=True)
    group = parser.add_argument_group("the race")
    group.add_argument("--run", metavar='"NAME=VALUE ..."', action="append", default=None,
                       help="one runner's settings, e.g. \"optimizer=sgd lr=0.1 "
                       "momentum=0.9\" (up to 4; default: descent at its best rate, heavy "
                       "ball and Nesterov tuned, and Adam)")
    group.add_argument("--json", action="store_true",
                       help='print one JSON document {"config", "runs": [{"spec", "result", '
                       '"history"}]}')
    group.add_argument("--every", metavar="K", type=int, default=None,
                       help="--json keeps every K-th record plus the first and last")
    group.add_argument("--app", action="store_true",
                       help="race in the app: the runners share the loss plot (log) and the "
                       "loss map (c), with a table of where each one is; space and n drive "
                       "them all")


def parse_spec(text: str) -> dict[str, Any]:
    """ "optimizer=adam lr=0.05" -> checked settings (DataError names the bad one)."""
    values: dict[str, Any] = {}
    for word in text.replace(",", " ").split():
        name, sep, value = word.partition("=")
        if not sep or not value:
            raise DataError(f"--run {text!r}: write each setting as name=value, got {word!r}")
        setting = settings.lookup(name)
        if setting.scope != "run" or setting.name in ("reset", "w", "b"):
            raise DataError(f"--run {text!r}: {name} is not a runner's setting (the start is "
                            "the race's own)")
        values[setting.name] = settings.parse(setting.name, value)
    if not values:
        raise DataError("--run needs at least one setting, e.g. \"optimizer=adam\"")
    return values


def default_specs(trainer: Trainer) -> list[dict[str, Any]]:
    lam_min, lam_max = trainer.theory.eigenvalues
    if lam_min <= 0:
        raise DataError("the default race needs a unique optimum (x is constant); give --run")
    hb_lr, hb_mu, _ = tuned_heavy_ball(lam_min, lam_max)
    nes_lr, nes_mu = tuned_nesterov(lam_min, lam_max)
    return [dict(optimizer="sgd", lr=2.0 / (lam_min + lam_max)),
            dict(optimizer="sgd", lr=hb_lr, momentum=hb_mu),
            dict(optimizer="sgd", lr=nes_lr, momentum=nes_mu, nesterov=True),
            dict(optimizer="adam", lr=ADAM_LR)]


def runners(trainer: Trainer, specs: list[dict[str, Any]]) -> list[Trainer]:
    """One trainer per spec, on the command's settings; a spec that names another rule starts
    from torch's defaults for it (as a new torch.optim object does)."""
    base = trainer.current_config()
    defaults = {f.name: f.default for f in fields(TrainConfig)
                if f.name in settings.OPTIMIZER_SETTINGS}
    out = []
    for spec in specs:
        rule = spec.get("optimizer", base.optimizer)
        check_applies(rule, [k for k in spec if k in settings.OPTIMIZER_SETTINGS])
        fresh = defaults if rule != base.optimizer else {}
        out.append(Trainer(trainer.data, replace(base, **{**fresh, **spec})))
    return out


def field(args: argparse.Namespace, trainer: Trainer) -> list[dict[str, Any]]:
    """The runners' specs (--run, or theory's field), with the race's tol set on `trainer`
    (its settings are every runner's base). DataError for a bad or too large field."""
    specs = [parse_spec(t) for t in args.run] if args.run else default_specs(trainer)
    if len(specs) > MAX_RUNS:
        raise DataError(f"a race has at most {MAX_RUNS} runners, got {len(specs)}")
    if trainer.state.tol is None:
        trainer.set_tol(DEFAULT_TOL)
    return specs


def run(args: argparse.Namespace, trainer: Trainer, out: IO[str]) -> int:
    """`lrtui race`: the table, the JSON document, or (--app) the race in the app."""
    specs = field(args, trainer)
    if args.app:
        from lrtui.cli import _run_app

        return _run_app(args, RaceTrainer(runners(trainer, specs), specs))
    racers = runners(trainer, specs)
    if args.json:
        from lrtui.report import result_dict
        from lrtui.report_json import _json_rows, config_dict

        every = args.every or 1
        runs = []
        for spec, racer in zip(specs, racers, strict=True):
            kept = [racer.history.rows()]
            racer.run(sink=kept.append)
            rows = np.concatenate(kept)
            last = rows[-1:]
            rows = rows[rows[:, 0] % every == 0]
            if rows[-1, 0] != last[0, 0]:
                rows = np.concatenate([rows, last])
            per_epoch = 0 if racer.plan is None else racer.plan.per_epoch
            history = json.loads("[" + _json_rows(rows, racer.rule.names, per_epoch) + "]")
            runs.append({"spec": spec, "config": config_dict(racer.data,
                                                             racer.current_config()),
                         "result": result_dict(racer), "history": history})
        doc = {"config": config_dict(trainer.data, trainer.current_config()), "runs": runs}
        out.write(json.dumps(doc, allow_nan=False) + "\n")
        return 0
    for racer in racers:
        racer.run()
    _write_table(trainer, specs, racers)
    return 0


def spec_words(spec: dict[str, Any]) -> str:
    """ "sgd lr=0.2353 momentum=0.1862 nesterov": a runner's settings, short."""
    words: list[str] = []
    for k, v in spec.items():
        if k == "optimizer":
            words.insert(0, str(v))
        elif isinstance(v, bool):
            words.append(k if v else f"{k}=false")
        else:
            words.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return " ".join(words)


def _write_table(trainer: Trainer, specs: list[dict[str, Any]], racers: list[Trainer]) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from lrtui.report import _console, _fmt

    console = _console()
    s, theory = trainer.state, trainer.theory
    console.print(f"[bold]lrtui race[/]: {escape(trainer.data.name)}; start w = {s.w:g}, "
                  f"b = {s.b:g}; {trainer.current_config().epochs:,} epochs; tol = {s.tol:g}; "
                  f"kappa = {theory.condition_number:.4g}")
    table = Table("runner", "stopped by", "epochs", "final loss", "L - L*",
                  box=box.SIMPLE_HEAD)
    words = {"converged": "[green]tol[/]", "diverged": "[red]diverged[/]",
             "running": "budget", "ready": "budget"}
    ranked = sorted(zip(specs, racers, strict=True), key=_rank)
    for spec, r in ranked:
        st = r.state
        gap = r.theory.loss_gap(st.w, st.b)
        table.add_row(escape(spec_words(spec)), words[st.status], f"{st.passes:,}",
                      _fmt(st.loss), _fmt(float(gap)))
    console.print(table)
    console.print("Ranked by epochs to tol, then by final loss: the same budget, the same "
                  "tolerance, the same start for every runner.")


def _rank(item: tuple[dict[str, Any], Trainer]) -> tuple[int, float, float]:
    st = item[1].state
    if st.status == "converged":
        return (0, float(st.passes), st.loss)
    if st.status == "diverged":
        return (2, 0.0, 0.0)
    return (1, st.loss, 0.0)


class RaceTrainer(Trainer):
    """The app's trainer in a race: the first runner, which drives the others. Each step,
    reset and step back is every runner's; the settings the keys and the prompt change are
    the first runner's (the others keep their specs)."""

    def __init__(self, racers: list[Trainer], specs: list[dict[str, Any]]) -> None:
        self.followers: list[Trainer] = []
        lead = racers[0]
        super().__init__(lead.data, lead.current_config())
        self.followers = racers[1:]
        self.labels = [spec_words(s) for s in specs]

    def run(self, k: int | None = None, sink: Any = None,
            deadline: float | None = None) -> Any:
        """Each runner that is not done (at tol, diverged, out of epochs) runs k more."""
        for f in self.followers:
            if not f.done:
                f.run(k, deadline=deadline)
        return self.state if super().done else super().run(k, sink, deadline)

    @property
    def done(self) -> bool:
        return super().done and all(f.done for f in self.followers)

    def back(self) -> Any:
        for f in self.followers:
            f.back()
        return super().back()

    def reset(self) -> Any:
        for f in getattr(self, "followers", ()):
            f.reset()
        return super().reset()
