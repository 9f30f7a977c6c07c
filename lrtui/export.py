"""`lrtui export`: a run as a standalone Python script, in NumPy, PyTorch, JAX or TensorFlow.

`script(data, config, to)` returns the text of a readable program that reproduces the run
without lrtui: the same data (written out when small; otherwise the CSV file read with
numpy.loadtxt, or the synthetic recipe with the same NumPy generator calls), the same start,
learning rate, epochs and gradient rule, and the same stopping rules (lrtui's divergence
bound, and --tol when given). It prints the final w, b and loss, and plots the loss over the
epochs when matplotlib is importable. A run with --scale center or standard trains on z: the
script makes z from X with lrtui's mean and std, and prints the line in x's units too. A run
with one of torch.optim's update rules (--optimizer, --momentum, --weight-decay, ...): the
PyTorch script steps torch.optim itself, the others write the rule out (export_rules.py).

The NumPy script writes the analytic gradient out (with the 1/n that the notes' NumPy line
leaves out), or the central difference when the run uses `--grad numeric`; the PyTorch, JAX
and TensorFlow scripts are the notes' autograd loop in float64, in each framework's idiom
(export_frameworks.py holds their parts). Building the text is pure string work, except for a
CSV file too long to write out: that file is read once, to check that numpy.loadtxt reads the
very numbers lrtui read (when it would not, the script reads the file with the csv module,
by lrtui's own rules).
"""

from __future__ import annotations

import os
import shlex
import textwrap
from pathlib import Path

from lrtui import __version__
from lrtui.engine.data import Dataset
from lrtui.engine.gradients import FRAMEWORKS
from lrtui.engine.scaling import Scaling
from lrtui.engine.state import TrainConfig
from lrtui.engine.stats import SufficientStats
from lrtui.engine.trainer import DIVERGENCE_FACTOR
from lrtui.errors import DataError
from lrtui.export_data import comment_text, data_code, literal
from lrtui.export_frameworks import (
    FRAMEWORK_TARGETS,
    IMPORTS,
    MEAN,
    RECORDS,
    RULE,
    START_LOSS,
    TRANSFORM,
    body,
    params,
    tol_check,
)
from lrtui.export_rules import (
    describe,
    hyper_lines,
    loop_update,
    rule_code,
    rule_flags,
    title,
    torch_optimizer,
)
from lrtui.fileio import write_atomic

TARGETS = ("numpy",) + FRAMEWORK_TARGETS


def command_line(data: Dataset, config: TrainConfig) -> str | None:
    """The `lrtui train` command that makes the same run, or None for data lrtui cannot name."""
    src = data.source
    kind = src.get("kind")
    if kind == "preset":
        args = ["--preset", src["name"]]
    elif kind == "synthetic":
        args = ["--synthetic", str(src["n"]), "--slope", literal(src["slope"]),
                "--intercept", literal(src["intercept"]), "--noise", literal(src["noise"]),
                "--seed", str(src["seed"])]
    elif kind == "csv":
        args = ["--data", src["path"], "--x", str(src["x"]), "--y", str(src["y"])]
    else:
        return None
    args += ["--w0", literal(config.w0), "--b0", literal(config.b0), "--lr", literal(config.lr),
             "--epochs", str(int(config.epochs))]
    if config.grad == "numeric":
        args += ["--h", literal(config.h)]
    if config.tol is not None:
        args += ["--tol", literal(config.tol)]
    if config.grad != "analytic":
        args += ["--grad", config.grad]
    if config.scale != "none":
        args += ["--scale", config.scale]
    args += rule_flags(config)
    return "lrtui train " + " ".join(shlex.quote(a) for a in args)


# -- the data -------------------------------------------------------------------------------


# -- the script -----------------------------------------------------------------------------


_PLOT = '''
if plt is not None:
    plt.plot(range(len(losses)), losses)
    plt.yscale("log")
    plt.xlabel("epoch")
    plt.ylabel("loss (mean squared error)")
    plt.title("Loss over epochs")
    plt.show()
'''

_IMPORT_PLOT = '''
try:  # the loss plot is optional: pip install matplotlib to see it
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
'''


# What each gradient source of lrtui's is, for a header that names the one the run took.
_TOOK = {"analytic": "the analytic gradient", "numeric": "central differences",
         "autograd": "its own autodiff", **RULE}


def _header(data: Dataset, config: TrainConfig, to: str) -> str:
    line = command_line(data, config)
    if to == "numpy":
        label = "NumPy"
        rule = (f"the central difference with h = {config.h!r}" if config.grad == "numeric"
                else "the analytic gradient of the MSE")
        if config.grad not in ("analytic", "numeric"):
            rule += f" (lrtui took {_TOOK[config.grad]}: the same numbers, to rounding)"
    else:
        label = FRAMEWORKS[to].label
        rule = RULE[to]
        if config.grad != to:
            rule += (f" (lrtui took {_TOOK[config.grad]}: "
                     + ("for this quadratic loss the same gradient" if config.grad == "numeric"
                        else "the same numbers") + ", to rounding)")
        rule += f". {RECORDS[to]}"
    h = config.hyper
    about = f"Data: {comment_text(data.name)}. Gradients: {rule}."
    if not h.is_plain:  # a torch.optim rule: the script's own, or written out by hand
        about += (f" Update rule: {describe(h)}"
                  + (" itself." if to == "torch" else ", written out by hand, operation by "
                     "operation in torch's order (and lrtui's), so that it rounds the same."))
    about_lines = textwrap.wrap(about, 90, break_long_words=False, break_on_hyphens=False)
    first = ("# Linear regression y_hat = w*x + b, trained by full-batch gradient descent on the"
             if h.is_plain else f"# Linear regression y_hat = w*x + b, trained by full-batch "
             f"{title(h)} on the")
    parts = [
        first,
        f"# mean squared error, in {label}. Written by lrtui {__version__} "
        f"(lrtui export --to {to}).",
        "#",
        *("# " + text for text in about_lines),
    ]
    if line is not None:
        parts += ["# The same run in lrtui:", f"#     {comment_text(line)}"]
    parts += ["#", f"# Run it with: python this_file.py   (needs {to}"
              + (" and numpy" if to == "torch" else "") + "; plots with matplotlib if installed)"]
    return "\n".join(parts)


def _settings(config: TrainConfig, to: str) -> str:
    lines = ["# The run's settings.", "learning_rate = " + literal(config.lr),
             f"epochs = {int(config.epochs)}"]
    if to == "numpy" and config.grad == "numeric":
        lines.append(f"h = {literal(config.h)}  # the central difference's step")
    if config.tol is not None:
        lines.append(f"tol = {literal(config.tol)}"
                     "  # stop once the gradient's length is below this")
    if to == "numpy":
        lines += [f"w = {literal(config.w0)}  # the starting weight",
                  f"b = {literal(config.b0)}  # and bias"]
    else:
        lines += params(config, to)
    if not config.hyper.is_plain:
        lines += [""] + (torch_optimizer(config) if to == "torch" else hyper_lines(config))
    return "\n".join(lines)


_MODEL = '''
def forward(x, w, b):
    """The model: y_hat = w*x + b."""
    return w * x + b


def loss(y_true, y_pred):
    """The mean squared error: mean((y - y_hat)^2)."""
    return {mean}
'''

_ANALYTIC = '''

def gradient(x, y_true, y_pred):
    """dL/dw = 2/n * sum(x_i*(y_hat_i - y_i)) and dL/db = 2/n * sum(y_hat_i - y_i).

    The notes write dw = np.dot(2 * X, y_predicted - Y).mean(); but np.dot already gives one
    number (the sum), and the mean of one number is that number, so the 1/n is missing there
    and that dw is n times too big. Here the sums are divided by n.
    """
    n = x.size
    error = y_pred - y_true
    return 2.0 / n * np.dot(x, error), 2.0 / n * np.sum(error)
'''

_NUMERIC = '''

def gradient(x, y_true, w, b):
    """The slopes of the loss, measured: (L(w+h) - L(w-h)) / 2h and the same in b."""
    dw = (loss(y_true, forward(x, w + h, b)) - loss(y_true, forward(x, w - h, b))) / (2 * h)
    db = (loss(y_true, forward(x, w, b + h)) - loss(y_true, forward(x, w, b - h))) / (2 * h)
    return dw, db
'''


def _loop(config: TrainConfig, to: str) -> str:
    tol = config.tol is not None
    every = max(1, int(config.epochs) // 10)
    if to == "numpy":
        grad_call = ("gradient(X, Y, w, b)" if config.grad == "numeric"
                     else "gradient(X, Y, y_predicted)")
        start_loss = "loss(Y, forward(X, w, b))"
        update = ("    # Update parameters\n    w -= learning_rate * dw\n"
                  "    b -= learning_rate * db\n" if config.hyper.is_plain
                  else loop_update(config, to))
        body_text = f"""\
    # Forward pass
    y_predicted = forward(X, w, b)
    l = loss(Y, y_predicted)
    losses.append(l)
    if not l <= limit:  # (also true when l is inf or nan)
        stop = f"diverged at epoch {{epoch}}: the loss passed {{limit:g}}"
        break

    # Gradients
    dw, db = {grad_call}

{tol_check("math.hypot(dw, db)") if tol else ""}\
{update}\
    epochs_run = epoch + 1

    if (epoch + 1) % {every} == 0:
        print(f"Epoch {{epoch + 1}}: w={{w:.6f}}, b={{b:.6f}}")

final_loss = loss(Y, forward(X, w, b))
w, b, final_loss = float(w), float(b), float(final_loss)
"""
    else:
        start_loss = START_LOSS[to]
        body_text = body(to, tol, every, None if config.hyper.is_plain or to == "torch"
                         else loop_update(config, to),
                         None if config.hyper.is_plain else title(config.hyper))
    head = f"""\
# lrtui stops a run (diverged) once its loss passes {DIVERGENCE_FACTOR:.0e} times the start's.
limit = {DIVERGENCE_FACTOR:.0e} * max({start_loss}, 1e-300)

# Training loop
losses = []
stop = "ran all epochs"
epochs_run = 0
for epoch in range(epochs):
"""
    tail = """\
if stop == "ran all epochs":
    losses.append(final_loss)

print(stop)
print("epochs run:", epochs_run)
print("w =", w)
print("b =", b)
print("loss =", final_loss)
"""
    return head + body_text + tail


def _scaling(data: Dataset, config: TrainConfig) -> tuple[str, str]:
    """For a scaled run: the lines that turn X into z (after the data), and the ones that
    print the answer in x's units (at the end). The mean and std are written as the numbers
    lrtui computed, so the script's z is lrtui's, bit for bit. Raises DataError as
    `Scaling.of` does."""
    if config.scale == "none":
        return "", ""
    sc = Scaling.of(config.scale, SufficientStats.from_data(data), data.name)
    mean = f"x_mean = {literal(sc.shift)}  # mean(X), as lrtui computed it"
    if config.scale == "center":
        head = ["# Feature scaling (lrtui --scale center): train on z = x - mean(x). From",
                "# here on X holds z, and w, b are the line in z: y_hat = w*z + b.",
                mean, "X = X - x_mean"]
        tail = ["# The same line in x's units: w*(x - mean) + b = w*x + (b - w*mean).",
                "w_x, b_x = w, b - w * x_mean"]
    else:
        head = ["# Feature scaling (lrtui --scale standard): train on z = (x - mean(x)) / std(x),",
                "# std the population one (ddof=0). From here on X holds z, and w, b are the",
                "# line in z: y_hat = w*z + b.",
                mean, f"x_std = {literal(sc.factor)}  # sqrt(mean((X - x_mean)**2))",
                "X = (X - x_mean) / x_std"]
        tail = ["# The same line in x's units: w*(x - mean)/std + b = (w/std)*x + b - w*mean/std.",
                "w_x = w / x_std", "b_x = b - w_x * x_mean"]
    tail.append("print(\"in x's units: w =\", w_x, \"b =\", b_x)")
    return "\n".join(head) + "\n", "\n".join(tail) + "\n"


def script(data: Dataset, config: TrainConfig, to: str = "numpy") -> str:
    """A standalone Python script that reproduces the run (see the module docstring)."""
    if to not in TARGETS:
        raise ValueError(f"unknown export target {to!r}; choose one of: {', '.join(TARGETS)}")
    batch = getattr(config, "batch_size", None)  # mini-batches: not written out (yet)
    if batch is not None:
        raise DataError(f"lrtui export writes full-batch runs only; leave out --batch-size "
                        f"{batch} to export this one")
    data_text, needs = data_code(data, to)
    scale_head, scale_tail = _scaling(data, config)
    stdlib = sorted(({"csv"} & needs) | {"math"} | ({"os"} if to == "tensorflow" else set()))
    imports = [f"import {name}" for name in stdlib] + [""]
    if to == "numpy" or "numpy" in needs:
        imports.append("import numpy as np")
    if to == "tensorflow" and imports[-1]:
        imports.append("")  # numpy's import, then TensorFlow's settings
    imports += IMPORTS.get(to, [])
    model = _MODEL.format(mean=MEAN[to])
    if to == "numpy":
        model += _NUMERIC if config.grad == "numeric" else _ANALYTIC
    parts = [
        _header(data, config, to),
        "\n".join(imports) + "\n" + _IMPORT_PLOT,
        data_text + ("\n\n" + scale_head if scale_head else ""),
        "",
        _settings(config, to) + "\n",
        model + TRANSFORM.get(to, "")
        + ("" if to == "torch" or config.hyper.is_plain else rule_code(config, to)) + "\n",
        _loop(config, to) + scale_tail + _PLOT,
    ]
    return "\n".join(parts)


# -- writing a file -------------------------------------------------------------------------


def save(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write the script to `path` atomically; an existing file is kept (DataError) unless
    `force`."""
    return write_atomic(path, text, overwrite=force)
