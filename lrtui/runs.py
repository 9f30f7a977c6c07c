"""From parsed command-line options to a run: the data and settings the flags ask for, or
a resumed session. Every mistake is one DataError; the CLI prints it as one line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from lrtui import settings
from lrtui.engine.data import Dataset, load_csv, preset, require_unique_fit
from lrtui.engine.data import synthetic as make_synthetic
from lrtui.engine.rules import TAKES
from lrtui.engine.state import TrainConfig
from lrtui.errors import DataError
from lrtui.settings import BATCH_SETTINGS


def _given_run_options(args: argparse.Namespace) -> list[str]:
    """The data and training flags given on the command line (as --name)."""
    from lrtui.cli import add_run_options

    probe = argparse.ArgumentParser(add_help=False)
    add_run_options(probe)
    return [max(a.option_strings, key=len) for a in probe._actions
            if getattr(args, a.dest, None) is not None]


def open_session(args: argparse.Namespace) -> Any:
    """The trainer and view settings of `--session FILE` (raises DataError)."""
    from lrtui.session import load_session

    given = _given_run_options(args)
    if given:
        raise DataError(f"--session resumes a saved run with its own data and settings; "
                        f"leave out {', '.join(given)}")
    if args.command in ("train", "sweep", "export", "demo"):
        raise DataError(f"--session opens the app (or lrtui serve) on a saved run; "
                        f"lrtui {args.command} does not take it")
    return load_session(args.session)


SYNTHETIC_FLAGS = ("slope", "intercept", "noise", "seed")


def load_run(args: argparse.Namespace) -> tuple[Dataset, TrainConfig]:
    """The dataset and training settings the flags ask for (raises DataError)."""
    if (args.x is not None or args.y is not None) and args.data is None:
        raise DataError("--x and --y choose CSV columns; they need --data FILE.csv")
    stray = [f"--{name}" for name in SYNTHETIC_FLAGS if getattr(args, name) is not None]
    if stray and args.synthetic is None:
        raise DataError(
            f"{' and '.join(stray)} only appl{'ies' if len(stray) == 1 else 'y'} to generated "
            "data; add --synthetic N (or leave "
            f"{'it' if len(stray) == 1 else 'them'} out)"
        )
    if getattr(args, "every", None) is not None and not args.json:
        raise DataError("--every K thins the history of --json; it needs --json")
    if args.data is not None:
        data = load_csv(args.data, 0 if args.x is None else args.x, 1 if args.y is None else args.y)
    elif args.synthetic is not None:
        data = make_synthetic(
            args.synthetic,
            1.0 if args.slope is None else args.slope,
            0.0 if args.intercept is None else args.intercept,
            0.0 if args.noise is None else args.noise,
            0 if args.seed is None else args.seed,
        )
    else:
        chosen = preset(args.preset or "seed")
        overrides = dict(w0=args.w0, b0=args.b0, lr=args.lr, epochs=args.epochs, h=args.h,
                         tol=args.tol, grad=args.grad, scale=args.scale)
        return chosen.data, TrainConfig.from_preset(chosen, **overrides, **rule_options(args))
    require_unique_fit(data)
    base = preset("seed")
    # Your own data starts from the origin rather than the notes' deliberately bad w = 10.
    config = TrainConfig(
        w0=0.0 if args.w0 is None else args.w0,
        b0=0.0 if args.b0 is None else args.b0,
        lr=base.lr if args.lr is None else args.lr,
        epochs=base.epochs if args.epochs is None else args.epochs,
        h=base.h if args.h is None else args.h,
        tol=args.tol,
        grad="analytic" if args.grad is None else args.grad,
        scale="none" if args.scale is None else args.scale,
        **rule_options(args),
    )
    return data, config


def add_optimizer_options(parser: argparse.ArgumentParser, default: Callable[[object], object],
                          number: Callable[[str], float]) -> None:
    """torch.optim's rules and hyper-parameters, with its names and defaults."""
    rule = parser.add_argument_group(
        "update rule (torch.optim's names and defaults; lr keeps its meaning above)")
    rule.add_argument("--optimizer", type=settings.argtype("optimizer"), default=default(None),
                      metavar="{" + ",".join(settings.OPTIMIZERS) + "}",
                      help="sgd (default: with momentum 0 it is plain gradient descent), adam, "
                      "adamw, rmsprop or adagrad")
    for flag, name, helptext in (
            ("--momentum", "momentum", "momentum (sgd, rmsprop; default 0)"),
            ("--dampening", "dampening", "dampening of sgd's momentum (default 0)"),
            ("--weight-decay", "weight_decay", "L2 penalty (default 0; adamw: 0.01)"),
            ("--eps", "eps", "added to the denominator (adam, rmsprop: 1e-8; adagrad: 1e-10)"),
            ("--alpha", "alpha", "rmsprop's smoothing constant (default 0.99)"),
            ("--lr-decay", "lr_decay", "adagrad's learning-rate decay (default 0)"),
            ("--initial-accumulator", "initial_accumulator",
             "adagrad's initial accumulator value (default 0)")):
        rule.add_argument(flag, dest=name, type=settings.argtype(name), default=default(None),
                          metavar="X", help=helptext)
    rule.add_argument("--betas", nargs=2, type=number, metavar=("B1", "B2"),
                      default=default(None), help="adam's decay rates (default 0.9 0.999)")
    rule.add_argument("--batch-size", dest="batch_size", type=settings.argtype("batch_size"),
                      default=default(None), metavar="B",
                      help="points per update (default: all of them); epoch e visits them in "
                      "the order numpy.random.default_rng([S, e]).permutation(n)")
    rule.add_argument("--shuffle", type=settings.argtype("shuffle"), default=default(None),
                      metavar="{epoch,once,none}",
                      help="reshuffle every epoch (default), reuse epoch 0's order, or keep "
                      "the file's order")
    rule.add_argument("--shuffle-seed", dest="shuffle_seed", metavar="S", default=default(None),
                      type=settings.argtype("shuffle_seed"), help="S above (default 0)")
    rule.add_argument("--drop-last", dest="drop_last", action="store_true",
                      default=default(None), help="leave out each epoch's last, smaller batch")
    for flag, helptext in (("--nesterov", "Nesterov momentum (sgd)"),
                           ("--amsgrad", "the AMSGrad variant (adam, adamw)"),
                           ("--centered", "centered rmsprop")):
        rule.add_argument(flag, action="store_true", default=default(None), help=helptext)


def rule_options(args: argparse.Namespace) -> dict[str, Any]:
    """The update rule's flags that were given, as TrainConfig fields; a flag the chosen rule
    does not take (as torch.optim would refuse the keyword) is an error."""
    names = ("optimizer", "momentum", "dampening", "nesterov", "weight_decay", "eps",
             "amsgrad", "alpha", "centered", "lr_decay", "initial_accumulator")
    given = {k: getattr(args, k) for k in names if getattr(args, k, None) not in (None, False)}
    batching = {k: getattr(args, k) for k in BATCH_SETTINGS
                if getattr(args, k, None) not in (None, False)}
    if batching and "batch_size" not in batching:
        raise DataError(f"--{_flag(next(iter(batching)))} orders mini-batches; it needs "
                        "--batch-size B")
    betas = getattr(args, "betas", None)
    if betas is not None:
        given["beta1"], given["beta2"] = (settings.check("beta1", betas[0]),
                                          settings.check("beta2", betas[1]))
    rule = given.get("optimizer", "sgd")
    stray = [k for k in given if k != "optimizer" and k not in TAKES[rule]]
    if stray:
        flags = sorted({"--" + _flag(k) for k in stray})
        takes = ", ".join(sorted({"--" + _flag(k) for k in TAKES[rule]}))
        raise DataError(f"{' and '.join(flags)} do{'es' if len(flags) == 1 else ''} not apply "
                        f"to --optimizer {rule} (it takes {takes})")
    return {**given, **batching}


def _flag(name: str) -> str:
    return "betas" if name.startswith("beta") else name.replace("_", "-")
