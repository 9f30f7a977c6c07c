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

import csv
import io
import os
import shlex
from pathlib import Path

import numpy as np

from lrtui import __version__
from lrtui.engine.data import (
    SYNTHETIC_X_RANGE,
    DataError,
    Dataset,
    _delimiter,
    _parse_number,
    _pick_column,
    _read_text,
)
from lrtui.engine.trainer import DIVERGENCE_FACTOR, TrainConfig

TARGETS = ("numpy", "torch")
INLINE_LIMIT = 1000  # data up to this many points are written into the script
_WIDTH = 92  # characters per line of written-out numbers


def _comment(text: str) -> str:
    """Text that is safe inside a `#` comment: one line, whatever a file name put in it."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _num(value: float) -> str:
    """A float as Python source that reads back as exactly the same float64."""
    return repr(float(value))


def command_line(data: Dataset, config: TrainConfig) -> str | None:
    """The `lrtui train` command that makes the same run, or None for data lrtui cannot name."""
    src = data.source
    kind = src.get("kind")
    if kind == "preset":
        args = ["--preset", src["name"]]
    elif kind == "synthetic":
        args = ["--synthetic", str(src["n"]), "--slope", _num(src["slope"]),
                "--intercept", _num(src["intercept"]), "--noise", _num(src["noise"]),
                "--seed", str(src["seed"])]
    elif kind == "csv":
        args = ["--data", src["path"], "--x", str(src["x"]), "--y", str(src["y"])]
    else:
        return None
    args += ["--w0", _num(config.w0), "--b0", _num(config.b0), "--lr", _num(config.lr),
             "--epochs", str(int(config.epochs))]
    if config.grad == "numeric":
        args += ["--h", _num(config.h)]
    if config.tol is not None:
        args += ["--tol", _num(config.tol)]
    if config.grad != "analytic":
        args += ["--grad", config.grad]
    return "lrtui train " + " ".join(shlex.quote(a) for a in args)


# -- the data -------------------------------------------------------------------------------


def _array_literal(name: str, values: np.ndarray, to: str) -> str:
    items = [_num(v) for v in values]
    lines, line = [], "   "
    for item in items:
        if len(line) + len(item) + 2 > _WIDTH:
            lines.append(line)
            line = "   "
        line += " " + item + ","
    lines.append(line)
    body = "\n".join(lines)
    if to == "torch":
        return f"{name} = torch.tensor([\n{body}\n], dtype=torch.float64)"
    return f"{name} = np.array([\n{body}\n])"


def _cells(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delimiter))]


def _csv_reading(path: str, x: str, y: str, data: Dataset) -> dict:
    """How the file is laid out (as lrtui's load_csv reads it), and whether numpy.loadtxt
    with those settings reads exactly data.x and data.y from it."""
    text = _read_text(Path(path))  # DataError if the file cannot be read any more
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise DataError(f"{path}: the file is empty now; it cannot be exported")
    number, first = lines[0]
    delimiter = _delimiter(first)
    cells = _cells(first, delimiter)
    header = cells if all(_parse_number(c) is None for c in cells) else None
    xi = _pick_column(x, header, len(cells), "--x")
    yi = _pick_column(y, header, len(cells), "--y")
    reading = dict(delimiter=delimiter, header=header is not None,
                   skiprows=number if header else 0, xi=xi, yi=yi)
    try:
        with np.errstate(all="ignore"):
            xs, ys = np.loadtxt(path, delimiter=delimiter, skiprows=reading["skiprows"],
                                usecols=(xi, yi), comments="#", unpack=True,
                                encoding="utf-8-sig", ndmin=2)
        reading["loadtxt"] = np.array_equal(xs, data.x) and np.array_equal(ys, data.y)
    except (OSError, ValueError):
        reading["loadtxt"] = False
    return reading


def _csv_code(path: str, reading: dict) -> list[str]:
    d, xi, yi = reading["delimiter"], reading["xi"], reading["yi"]
    columns = f"x in column {xi} and y in column {yi} (0-based)"
    if reading["loadtxt"]:
        return [
            f"# From a CSV file, {columns}"
            + (", under a header row." if reading["header"] else "."),
            f"X, Y = np.loadtxt({path!r}, delimiter={d!r}, skiprows={reading['skiprows']},",
            f'                  usecols=({xi}, {yi}), unpack=True, encoding="utf-8-sig")',
        ]
    # numpy.loadtxt reads this file differently (quoted cells, say): read it by lrtui's rules.
    split = ("line.split()" if d is None else
             f"[cell.strip() for cell in next(csv.reader([line], delimiter={d!r}))]")
    code = [
        f"# From a CSV file, {columns}, read as lrtui reads it:",
        "# blank lines and lines starting with # are skipped"
        + ("; the first row is a header." if reading["header"] else "."),
        "rows = []",
        f"with open({path!r}, encoding=\"utf-8-sig\") as f:",
        "    for line in f.read().splitlines():",
        "        if line.strip() and not line.lstrip().startswith(\"#\"):",
        f"            rows.append({split})",
    ]
    if reading["header"]:
        code.append("rows = rows[1:]  # the header")
    return code + [f"X = np.array([float(row[{xi}]) for row in rows])",
                   f"Y = np.array([float(row[{yi}]) for row in rows])"]


def data_code(data: Dataset, to: str) -> tuple[str, set[str]]:
    """Python source that defines X and Y as float64 arrays (numpy, or torch tensors), and
    the modules it needs imported beyond the target's own (numpy for a torch script that
    loads or generates its data; csv for some files)."""
    n, src = data.n, data.source
    imports: set[str] = set()
    kind = src.get("kind")
    points = f"{n:,} point{'' if n == 1 else 's'}"
    if n <= INLINE_LIMIT or kind not in ("synthetic", "csv"):
        what = {"preset": f"the preset {src.get('name')!r}",
                "synthetic": "synthetic data", "csv": f"the file {src.get('path')}"}
        head = f"# The data: {points}, {_comment(what.get(kind, data.name))}, written out."
        return "\n".join([head, _array_literal("X", data.x, to),
                          _array_literal("Y", data.y, to)]), imports
    if kind == "synthetic":
        low, high = SYNTHETIC_X_RANGE
        lines = [
            f"# The data: {points} made as lrtui makes them (NumPy's PCG64 generator, seed "
            f"{src['seed']}):",
            f"# x uniform on [{low:g}, {high:g}), y = {src['slope']!r}*x + {src['intercept']!r}"
            + (f" + Gaussian noise of sigma {src['noise']!r}." if src["noise"] > 0 else "."),
            f"rng = np.random.default_rng({int(src['seed'])})",
            f"X = rng.uniform({_num(low)}, {_num(high)}, size={n})",
            f"Y = {_num(src['slope'])} * X + {_num(src['intercept'])}",
        ]
        if src["noise"] > 0:
            lines.append(f"Y += rng.normal(0.0, {_num(src['noise'])}, size={n})")
    else:
        path = os.path.abspath(src["path"])
        reading = _csv_reading(path, src["x"], src["y"], data)
        lines = [f"# The data: {points}."] + _csv_code(path, reading)
        if not reading["loadtxt"] and reading["delimiter"] is not None:
            imports.add("csv")
    if to == "torch":
        lines.append("X, Y = torch.from_numpy(X), torch.from_numpy(Y)  # float64 tensors")
    imports.add("numpy")
    return "\n".join(lines), imports


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
        f"# Data: {_comment(data.name)}. Gradients: {rule}.",
    ]
    if line is not None:
        parts += ["# The same run in lrtui:", f"#     {_comment(line)}"]
    parts += ["#", f"# Run it with: python this_file.py   (needs {to}"
              + ("" if to == "numpy" else " and numpy") + "; plots with matplotlib if installed)"]
    return "\n".join(parts)


def _settings(config: TrainConfig, to: str) -> str:
    lines = ["# The run's settings.", "learning_rate = " + _num(config.lr),
             f"epochs = {int(config.epochs)}"]
    if to == "numpy" and config.grad == "numeric":
        lines.append(f"h = {_num(config.h)}  # the central difference's step")
    if config.tol is not None:
        lines.append(f"tol = {_num(config.tol)}  # stop once the gradient's length is below this")
    if to == "numpy":
        lines += [f"w = {_num(config.w0)}  # the starting weight",
                  f"b = {_num(config.b0)}  # and bias"]
    else:
        lines += [
            "# The parameters, with gradient tracking (the notes start from torch.randn;",
            "# this run starts where lrtui's did).",
            f"w = torch.tensor({_num(config.w0)}, dtype=torch.float64, requires_grad=True)",
            f"b = torch.tensor({_num(config.b0)}, dtype=torch.float64, requires_grad=True)",
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


def save(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    """Write `text` to `path` atomically: into a new file in the same directory, then moved
    into place, so a reader never sees half a script. An existing file is kept (DataError)
    unless `force`. Any problem is a DataError naming the path."""
    target = Path(path)
    if str(path) == "" or target.name in ("", ".", ".."):
        raise DataError(f"{str(path)!r}: not a file name")
    if target.is_dir():
        raise DataError(f"{target}: is a directory; give a file name for the script")
    if target.exists() and not force:
        raise DataError(f"{target}: already exists; add --force to overwrite it")
    directory = target.parent
    data = text.encode("utf-8")
    for attempt in range(100):
        temp = directory / f".{target.name}.{os.getpid()}.{attempt}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise DataError(f"{target}: cannot write it ({exc.strerror or exc})") from None
    else:
        raise DataError(f"{target}: cannot write it (no free temporary name in {directory})")
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if force:
                os.replace(temp, target)
            else:
                _link_new(temp, target)
        except OSError as exc:
            raise DataError(f"{target}: cannot write it ({exc.strerror or exc})") from None
    finally:
        if temp.exists():
            temp.unlink()
    return target


def _link_new(temp: Path, target: Path) -> None:
    """Move temp to target only if target does not exist (no check-then-write race where
    the file system allows hard links)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise DataError(f"{target}: already exists; add --force to overwrite it") from None
    except OSError:  # no hard links here (some network and FAT file systems)
        if target.exists():
            raise DataError(f"{target}: already exists; add --force to overwrite it") from None
        os.replace(temp, target)
