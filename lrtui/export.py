"""`lrtui export`: a run as a standalone Python script, in NumPy or in PyTorch.

`script(data, config, to)` returns the text of a readable program that reproduces the run
without lrtui: the same data (written out when small; otherwise the CSV file read with
numpy.loadtxt, or the synthetic recipe with the same NumPy generator calls), the same start,
learning rate, epochs and gradient rule, and the same stopping rules (lrtui's divergence
bound, and --tol when given). It prints the final w, b and loss, and plots the loss over the
epochs when matplotlib is importable.

The NumPy script writes the analytic gradient out (with the 1/n that the notes' NumPy line
leaves out), or the central difference when the run uses `--grad numeric`; the PyTorch script
is the notes' autograd loop in float64. Building the text is pure string work, except for a
CSV file too long to write out: that file is read once, to check that numpy.loadtxt reads the
very numbers lrtui read (when it would not, the script reads the file with the csv module,
by lrtui's own rules).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from lrtui import __version__
from lrtui.engine.data import Dataset
from lrtui.engine.state import TrainConfig
from lrtui.engine.trainer import DIVERGENCE_FACTOR
from lrtui.export_data import comment_text, data_code, literal
from lrtui.fileio import write_atomic

TARGETS = ("numpy", "torch")


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


def _header(data: Dataset, config: TrainConfig, to: str) -> str:
    line = command_line(data, config)
    rule = {
        ("numpy", "analytic"): "the analytic gradient of the MSE",
        ("numpy", "numeric"): f"the central difference with h = {config.h!r}",
        ("torch", "numeric"): "PyTorch's autograd (lrtui took central differences: for this "
                              "quadratic loss the same gradient, to rounding)",
    }.get((to, config.grad), "the analytic gradient of the MSE" if to == "numpy"
          else "PyTorch's autograd")
    if to == "numpy" and config.grad in ("autograd", "torch"):
        rule += f" (lrtui took it from {config.grad}: the same numbers, to rounding)"
    parts = [
        "# Linear regression y_hat = w*x + b, trained by full-batch gradient descent on the",
        f"# mean squared error, in {'NumPy' if to == 'numpy' else 'PyTorch'}. Written by "
        f"lrtui {__version__} (lrtui export --to {to}).",
        "#",
        f"# Data: {comment_text(data.name)}. Gradients: {rule}.",
    ]
    if line is not None:
        parts += ["# The same run in lrtui:", f"#     {comment_text(line)}"]
    parts += ["#", f"# Run it with: python this_file.py   (needs {to}"
              + ("" if to == "numpy" else " and numpy") + "; plots with matplotlib if installed)"]
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
        lines += [
            "# The parameters, with gradient tracking (the notes start from torch.randn;",
            "# this run starts where lrtui's did).",
            f"w = torch.tensor({literal(config.w0)}, dtype=torch.float64, requires_grad=True)",
            f"b = torch.tensor({literal(config.b0)}, dtype=torch.float64, requires_grad=True)",
        ]
    return "\n".join(lines)


_MODEL = '''
def forward(x, w, b):
    """The model: y_hat = w*x + b."""
    return w * x + b


def loss(y_true, y_pred):
    """The mean squared error: mean((y - y_hat)^2)."""
    return ((y_true - y_pred) ** 2).mean()
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
        body = f"""\
    # Forward pass
    y_predicted = forward(X, w, b)
    l = loss(Y, y_predicted)
    losses.append(l)
    if not l <= limit:  # (also true when l is inf or nan)
        stop = f"diverged at epoch {{epoch}}: the loss passed {{limit:g}}"
        break

    # Gradients
    dw, db = {grad_call}

{_tol_check("math.hypot(dw, db)") if tol else ""}\
    # Update parameters
    w -= learning_rate * dw
    b -= learning_rate * db
    epochs_run = epoch + 1

    if (epoch + 1) % {every} == 0:
        print(f"Epoch {{epoch + 1}}: w={{w:.6f}}, b={{b:.6f}}")

final_loss = loss(Y, forward(X, w, b))
w, b, final_loss = float(w), float(b), float(final_loss)
"""
    else:
        start_loss = "loss(Y, forward(X, w, b)).item()"
        body = f"""\
    # Forward pass
    y_predicted = forward(X, w, b)
    l = loss(Y, y_predicted)
    losses.append(l.item())
    if not l.item() <= limit:  # (also true when the loss is inf or nan)
        stop = f"diverged at epoch {{epoch}}: the loss passed {{limit:g}}"
        break

    # Backward pass
    l.backward()  # Compute gradients: w.grad = dL/dw, b.grad = dL/db

{_tol_check("math.hypot(w.grad.item(), b.grad.item())") if tol else ""}\
    # Update parameters
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad

    # Zero gradients for the next iteration
    w.grad.zero_()
    b.grad.zero_()
    epochs_run = epoch + 1

    if (epoch + 1) % {every} == 0:
        print(f"Epoch {{epoch + 1}}: w={{w.item():.6f}}, b={{b.item():.6f}}")

with torch.no_grad():
    final_loss = loss(Y, forward(X, w, b)).item()
w, b = w.item(), b.item()
"""
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
    return head + body + tail


def _tol_check(norm: str) -> str:
    return f"""\
    if {norm} < tol:
        stop = f"converged at epoch {{epoch}}: the gradient's length is below {{tol:g}}"
        break

"""


def script(data: Dataset, config: TrainConfig, to: str = "numpy") -> str:
    """A standalone Python script that reproduces the run (see the module docstring)."""
    if to not in TARGETS:
        raise ValueError(f"unknown export target {to!r}; choose one of: {', '.join(TARGETS)}")
    data_text, needs = data_code(data, to)
    imports = (["import csv"] if "csv" in needs else []) + ["import math", ""]
    if to == "numpy" or "numpy" in needs:
        imports.append("import numpy as np")
    if to == "torch":
        imports.append("import torch")
    gradient = ""
    if to == "numpy":
        gradient = _NUMERIC if config.grad == "numeric" else _ANALYTIC
    parts = [
        _header(data, config, to),
        "\n".join(imports) + "\n" + _IMPORT_PLOT,
        data_text,
        "",
        _settings(config, to) + "\n",
        _MODEL + gradient + "\n",
        _loop(config, to) + _PLOT,
    ]
    return "\n".join(parts)



# -- writing a file -------------------------------------------------------------------------


def save(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write the script to `path` atomically; an existing file is kept (DataError) unless
    `force`."""
    return write_atomic(path, text, overwrite=force)
