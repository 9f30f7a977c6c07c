"""`lrtui export`, the data part: Python source that defines X and Y as float64 arrays (NumPy
arrays, or the target framework's: torch tensors, JAX arrays, TensorFlow constants).

Small data is written out; larger synthetic data is remade with the same NumPy generator
calls, and a larger CSV file is read with numpy.loadtxt (checked here to read the very
numbers lrtui read; when it would not, the script reads the file by lrtui's own rules).
"""

from __future__ import annotations

import os

import numpy as np

from lrtui.engine.data import (
    SYNTHETIC_X_RANGE,
    Dataset,
    content_lines,
    delimiter_of,
    parse_number,
    pick_column,
    split_cells,
)
from lrtui.errors import DataError
from lrtui.fileio import read_text

INLINE_LIMIT = 1000  # data up to this many points are written into the script
_WIDTH = 92  # characters per line of written-out numbers


def comment_text(text: str) -> str:
    """Text that is safe inside a `#` comment: one line, whatever a file name put in it."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def literal(value: float) -> str:
    """A float as Python source that reads back as exactly the same float64."""
    return repr(float(value))


def _array_literal(name: str, values: np.ndarray, to: str) -> str:
    items = [literal(v) for v in values]
    lines, line = [], "   "
    for item in items:
        if len(line) + len(item) + 2 > _WIDTH:
            lines.append(line)
            line = "   "
        line += " " + item + ","
    lines.append(line)
    body = "\n".join(lines)
    make = {"numpy": "np.array(", "torch": "torch.tensor(", "jax": "jnp.array(",
            "tensorflow": "tf.constant("}[to]
    dtype = {"numpy": "", "torch": ", dtype=torch.float64", "jax": ", dtype=jnp.float64",
             "tensorflow": ", dtype=tf.float64"}[to]
    return f"{name} = {make}[\n{body}\n]{dtype})"


def _csv_reading(path: str, x: str, y: str, data: Dataset) -> dict:
    """How the file is laid out (as lrtui's load_csv reads it), and whether numpy.loadtxt
    with those settings reads exactly data.x and data.y from it."""
    # DataError if the file cannot be read any more
    lines = content_lines(read_text(path, "CSV file"))
    if not lines:
        raise DataError(f"{path}: the file is empty now; it cannot be exported")
    number, first = lines[0]
    delimiter = delimiter_of(first)
    cells = split_cells(first, delimiter)
    header = cells if all(parse_number(c) is None for c in cells) else None
    xi = pick_column(x, header, len(cells), "--x")
    yi = pick_column(y, header, len(cells), "--y")
    reading = dict(delimiter=delimiter, header=header is not None,
                   skiprows=number if header else 0, xi=xi, yi=yi)
    try:
        with np.errstate(all="ignore"):
            xs, ys = np.loadtxt(path, delimiter=delimiter, skiprows=number if header else 0,
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
    """Python source that defines X and Y as float64 arrays (numpy's, or the framework's for
    `to` torch, jax or tensorflow), and the modules it needs imported beyond the target's own
    (numpy for a framework script that loads or generates its data; csv for some files)."""
    n, src = data.n, data.source
    imports: set[str] = set()
    kind = src.get("kind")
    points = f"{n:,} point{'' if n == 1 else 's'}"
    if n <= INLINE_LIMIT or kind not in ("synthetic", "csv"):
        what = {"preset": f"the preset {src.get('name')!r}",
                "synthetic": "synthetic data", "csv": f"the file {src.get('path')}"}
        head = f"# The data: {points}, {comment_text(what.get(str(kind), data.name))}, written out."
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
            f"X = rng.uniform({literal(low)}, {literal(high)}, size={n})",
            f"Y = {literal(src['slope'])} * X + {literal(src['intercept'])}",
        ]
        if src["noise"] > 0:
            lines.append(f"Y += rng.normal(0.0, {literal(src['noise'])}, size={n})")
    else:
        path = os.path.abspath(src["path"])
        reading = _csv_reading(path, src["x"], src["y"], data)
        lines = [f"# The data: {points}."] + _csv_code(path, reading)
        if not reading["loadtxt"] and reading["delimiter"] is not None:
            imports.add("csv")
    if to == "torch":
        lines.append("X, Y = torch.from_numpy(X), torch.from_numpy(Y)  # float64 tensors")
    elif to == "jax":
        lines.append("X, Y = jnp.array(X, dtype=jnp.float64), jnp.array(Y, dtype=jnp.float64)")
    elif to == "tensorflow":
        lines.append("X, Y = tf.constant(X, dtype=tf.float64), tf.constant(Y, dtype=tf.float64)")
    imports.add("numpy")
    return "\n".join(lines), imports
