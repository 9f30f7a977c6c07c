"""The command line: `lrtui` opens the app, `lrtui train` runs the engine headless.

Every mistake a user can make on the command line, or in the data it points at, ends in one
line `lrtui: error: ...` on stderr and exit code 2, never a traceback. Output that cannot be
written (a full disk) is one such line with exit code 1; a reader that goes away early
(`lrtui train --json | head`) is not an error: lrtui stops quietly with exit code 0.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import sys
from functools import partial
from typing import NoReturn, Sequence

from lrtui import __version__, settings
from lrtui import race as race_mod
from lrtui import serve as serve_mod
from lrtui import sweep as sweep_mod
from lrtui.display import AppOptions, add_display_options
from lrtui.engine.data import PRESETS, DataError, Dataset
from lrtui.engine.state import TrainConfig
from lrtui.engine.trainer import Trainer
from lrtui.export import TARGETS as EXPORT_TARGETS
from lrtui.runs import add_optimizer_options, load_run, open_session

EXIT_USAGE = 2  # bad input: flags, data files, settings
EXIT_OUTPUT = 1  # the input was fine but the output could not be written

DESCRIPTION = (
    "Watch y_hat = w*x + b being fitted by gradient descent on the mean squared error. "
    "Without a command, opens the terminal app."
)


# What argparse should take for a negative number rather than an option: its own pattern
# misses exponents, so `--w0 -1e3` would fail with "expected one argument".
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                              re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2 (no usage dump)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"lrtui: error: {one_line(message)} (see lrtui --help)\n")


def one_line(message: str) -> str:
    """A message as one line, whatever a file name or a flag value put into it."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def _number(text: str, *, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    if positive and value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not as_float.is_integer():
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        value = int(as_float)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text}")
    return value


def add_run_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """The data and training flags shared by `lrtui` and `lrtui train`.

    With suppress=True (for subcommands) an option left out does not overwrite the value
    given before the subcommand name (`lrtui --lr 0.05 train` keeps 0.05).
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    data = parser.add_argument_group("data (choose one; default: --preset seed)")
    source = data.add_mutually_exclusive_group()
    source.add_argument(
        "--preset", choices=sorted(PRESETS), default=default(None),
        help="seed: the notes' example (x = -2,-1,1,2; y = x; start w=10, b=0); "
        "tutorial: y = -2x + 2 from w=10, b=10",
    )
    source.add_argument("--data", metavar="FILE.csv", default=default(None),
                        help="a CSV file with x and y columns (header row optional)")
    source.add_argument("--synthetic", metavar="N", type=_count, default=default(None),
                        help="N generated points, y = slope*x + intercept + noise, x in [-2, 2)")
    data.add_argument("--x", metavar="COL", default=default(None),
                      help="CSV column for x: a header name or 0-based index (default 0)")
    data.add_argument("--y", metavar="COL", default=default(None),
                      help="CSV column for y: a header name or 0-based index (default 1)")
    # None means "not given", so that these flags without --synthetic can be refused.
    data.add_argument("--slope", type=_number, default=default(None),
                      help="synthetic data's true slope (default 1)")
    data.add_argument("--intercept", type=_number, default=default(None),
                      help="synthetic data's true intercept (default 0)")
    data.add_argument("--noise", type=_number, default=default(None),
                      help="synthetic data's Gaussian noise sigma, >= 0 (default 0)")
    data.add_argument("--seed", type=_seed, default=default(None),
                      help="random seed for synthetic data, >= 0 (default 0)")
    train = parser.add_argument_group("training (defaults come from the preset)")
    train.add_argument("--w0", type=settings.argtype("w"), default=default(None),
                       help="starting w")
    train.add_argument("--b0", type=settings.argtype("b"), default=default(None),
                       help="starting b")
    train.add_argument("--lr", type=settings.argtype("lr"), default=default(None),
                       help="learning rate")
    train.add_argument("--epochs", type=settings.argtype("epochs"), default=default(None),
                       help="number of epochs (full-batch updates)")
    train.add_argument("--h", type=settings.argtype("h"), default=default(None),
                       help="step h of the central difference (L(w+h) - L(w-h)) / 2h")
    train.add_argument("--tol", type=settings.argtype("tol"), default=default(None),
                       help="stop (converged) when the gradient norm falls below TOL")
    train.add_argument(
        "--grad", type=settings.argtype("grad"), default=default(None), metavar="SOURCE",
        help="where each update's gradient comes from: analytic (the formula, default), "
        "numeric (central difference with --h), autograd (lrtui's own autodiff graph), "
        "torch (PyTorch autograd), jax (jax.value_and_grad) or tensorflow (tf.GradientTape); "
        "the last three need pip install 'lrtui[torch]', 'lrtui[jax]' or 'lrtui[tensorflow]'",
    )
    train.add_argument("--scale", type=settings.argtype("scale"), default=default(None),
                       metavar="{none,center,standard}",
                       help="train on x (none, default), z = x - mean(x) (center) or "
                       "z = (x - mean(x)) / std(x) (standard); the answer is also given in x")
    add_optimizer_options(parser, default, _number)


def add_session_option(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    parser.add_argument("--session", metavar="FILE",
                        default=argparse.SUPPRESS if suppress else None,
                        help="resume a session saved with ctrl+s in the app (instead of the data "
                        "and training options)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lrtui", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"lrtui {__version__}")
    add_run_options(parser)
    add_display_options(parser)
    add_session_option(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    train = commands.add_parser(
        "train", help="run gradient descent headless and print a report (or --json)",
        description="Run gradient descent without the app and print a training report.",
    )
    add_run_options(train, suppress=True)
    train.add_argument("--json", action="store_true",
                       help='print one JSON document {"config", "history", "result"}')
    train.add_argument("--every", metavar="K", type=_count, default=None,
                       help="--json keeps every K-th record plus the first and last (default 1)")
    train.add_argument("--gap", metavar="G", type=partial(_number, positive=True), default=None,
                       help="also report the first epoch with L - L* below G, next to "
                       "theory's prediction of it")
    sweep_mod.add_command(commands, add_run_options)
    race_mod.add_command(commands, add_run_options)
    export = commands.add_parser(
        "export",
        help="write the run as a standalone Python script (NumPy, PyTorch, JAX or TensorFlow)",
        description="Write a standalone, readable Python script that reproduces the run "
        "without lrtui: the same data, start, learning rate, epochs and gradient rule; it "
        "prints the final w, b and loss, and plots the loss when matplotlib is installed.",
    )
    add_run_options(export, suppress=True)
    export.add_argument("--to", choices=EXPORT_TARGETS, required=True,
                        help="numpy: the analytic gradient written out; torch, jax, "
                        "tensorflow: the notes' autograd loop in that framework (float64)")
    export.add_argument("file", metavar="FILE", nargs="?", default=None,
                        help="where to write the script (default: standard output)")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    demo = commands.add_parser(
        "demo", help="a guided tour: the notes' ideas one stage at a time, with captions",
        description="The app with a guided tour: each stage sets the run up, runs it and "
        "explains it in a caption. space holds/resumes the tour, n or right goes to the next "
        "stage, p or left to the previous one, q quits; every other key of the app works.",
    )
    add_run_options(demo, suppress=True)
    add_display_options(demo, suppress=True)
    tour = demo.add_argument_group("the tour")
    tour.add_argument("--tour", metavar="FILE", default=None,
                      help="a tour of your own, in TOML or JSON (default: the built-in one, "
                      "lrtui/tours/notes.toml)")
    tour.add_argument("--pace", metavar="SECONDS", type=_pace, default=8.0,
                      help="seconds from the end of a stage's run to the next stage; 0 waits "
                      "for n (default 8)")
    tour.add_argument("--loop", action="store_true",
                      help="start again after the last stage (for a screen at an open day)")
    serve_mod.add_command(commands, add_run_options, add_display_options, add_session_option)
    return parser


def _pace(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, got {text}")
    return value


def _stdout_gone() -> int:
    """The reader of stdout went away (`lrtui train --json | head`): not an error of ours.

    Point stdout at /dev/null so that the interpreter's final flush does not fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def export_command(args: argparse.Namespace, data: Dataset, config: TrainConfig) -> int:
    """`lrtui export --to TARGET [FILE]`: the script on stdout, or written to FILE."""
    from dataclasses import replace

    from lrtui import export

    # The same checks of the numbers as a run (the analytic source: no need to load a
    # framework to write a script for it).
    Trainer(data, replace(config, grad="analytic"))
    text = export.script(data, config, args.to)
    if args.file is None or args.file == "-":
        if sys.stdout is None:
            print("lrtui: error: standard output is closed; nothing to write to", file=sys.stderr)
            return EXIT_OUTPUT
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            _stdout_gone()
            print(f"lrtui: error: cannot write the output ({exc.strerror or exc})",
                  file=sys.stderr)
            return EXIT_OUTPUT
        return 0
    path = export.save(args.file, text, force=args.force)
    shown = one_line(str(path))
    print(f"lrtui: wrote {shown} (run it with: python {one_line(shlex.quote(str(path)))})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        view = None
        if getattr(args, "session", None) is not None:
            trainer, view = open_session(args)
            if args.command == "serve":
                return serve_mod.run(args, parser)
            return _run_app(args, trainer, view)
        data, config = load_run(args)
        if args.command == "export":
            return export_command(args, data, config)
        trainer = Trainer(data, config)  # checks the numbers: one O(N) pass for either path
        if args.command in ("train", "sweep", "race"):
            from lrtui.report import train

            if sys.stdout is None:  # started with stdout closed (`lrtui train >&-`)
                print("lrtui: error: standard output is closed; nothing to write to",
                      file=sys.stderr)
                return EXIT_OUTPUT
            try:
                headless = {"sweep": sweep_mod.run, "race": race_mod.run}.get(args.command)
                code = (headless(args, trainer, sys.stdout) if headless is not None
                        else train(trainer, json_output=args.json, every=args.every or 1,
                                   gap=args.gap))
                sys.stdout.flush()
            except BrokenPipeError:
                raise
            except OSError as exc:  # a full disk, a closed terminal, ...
                _stdout_gone()
                print(f"lrtui: error: cannot write the output ({exc.strerror or exc})",
                      file=sys.stderr)
                return EXIT_OUTPUT
            return code
        if args.command == "serve":
            return serve_mod.run(args, parser)
        if args.command == "demo":
            from lrtui.tour import load_tour

            tour = load_tour(args.tour)
            options = AppOptions.from_args(args)
            options.apply_environment()  # before textual is imported
            from lrtui.tui.demo import run_demo

            return run_demo(trainer, tour, options, pace=args.pace, loop=args.loop)
        return _run_app(args, trainer, view)
    except DataError as exc:
        print(f"lrtui: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _stdout_gone()


def _run_app(args: argparse.Namespace, trainer: Trainer, view=None) -> int:
    options = AppOptions.from_args(args)
    options.apply_environment()  # before textual is imported
    from lrtui.tui import run_app

    return run_app(trainer, options, view)
