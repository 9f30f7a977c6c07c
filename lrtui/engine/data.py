"""Datasets: validated float64 x and y, the presets, synthetic data and CSV files.

Every problem with the input becomes one `DataError` whose message a person can act on;
the command line prints it as a single `lrtui: error: ...` line.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lrtui.errors import DataError as DataError  # re-exported: callers import it from here
from lrtui.fileio import read_text

# Squares of values beyond this overflow float64 once summed over many points
# (1e150 ** 2 = 1e300; float64 tops out near 1.8e308).
MAX_ABS_VALUE = 1e150

@dataclass(frozen=True)
class Dataset:
    """Points (x_i, y_i) as float64 arrays, and where they came from.

    `source` is a small JSON-able recipe (preset name, synthetic parameters or CSV path)
    so a run can be described, saved or exported without the arrays.
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        x = np.ascontiguousarray(self.x, dtype=np.float64)
        y = np.ascontiguousarray(self.y, dtype=np.float64)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        validate_arrays(x, y)

    @property
    def n(self) -> int:
        return int(self.x.size)


def validate_arrays(x: np.ndarray, y: np.ndarray) -> None:
    """Raise DataError unless x and y are equal-length, non-empty, finite and not huge.

    Degenerate data (one point, all x equal) is accepted here: the engine answers it
    (the optimum is then not unique). `require_unique_fit` is the stricter check the
    command line applies to data a user brings.
    """
    if x.ndim != 1 or y.ndim != 1:
        raise DataError("x and y must be one-dimensional")
    if x.size != y.size:
        raise DataError(f"x has {x.size} values but y has {y.size}")
    if x.size == 0:
        raise DataError("there are no data points")
    for name, v in (("x", x), ("y", y)):
        finite = np.isfinite(v)
        if not finite.all():
            i = int(np.argmin(finite))
            raise DataError(f"{name}[{i}] is {v[i]!r}: every value must be a finite number")
        biggest = float(np.max(np.abs(v)))
        if biggest > MAX_ABS_VALUE:
            raise DataError(
                f"{name} has a value of size {biggest:.3g}: squares of values above "
                f"{MAX_ABS_VALUE:.0e} overflow float64; rescale the data "
                "(for example to other units)"
            )


def require_unique_fit(data: Dataset) -> None:
    """Raise DataError when the least-squares line is not unique (one point, all x equal),
    or when the x values differ by so little that float64 cannot square their spread."""
    if data.n < 2:
        raise DataError(
            f"{data.name} has only one data point: a line through one point is not unique; "
            "give at least two points with different x"
        )
    if np.all(data.x == data.x[0]):
        raise DataError(
            f"all {data.n:,} x values in {data.name} are equal ({data.x[0]:g}): every line "
            f"through (x={data.x[0]:g}, mean y) fits equally well, so the best w is not unique "
            "(the loss and its gradient are still defined); give points with different x"
        )
    # The engine divides by Sxx = sum((x - mean x)^2); when that underflows to zero or to a
    # subnormal number (x spread below about 1e-154) the slope cannot be computed reliably.
    xc = data.x - data.x.mean()
    if not float(np.dot(xc, xc)) >= np.finfo(np.float64).tiny:
        spread = float(np.max(data.x) - np.min(data.x))
        raise DataError(
            f"the x values in {data.name} differ by at most {spread:.3g}: their spread is too "
            "small to square in float64, so the slope cannot be computed; rescale x "
            "(for example to other units)"
        )


@dataclass(frozen=True)
class Preset:
    """A dataset together with the starting point and settings the notes use for it."""

    data: Dataset
    w0: float
    b0: float
    lr: float
    epochs: int
    h: float = 0.01


_SEED_X = (-2.0, -1.0, 1.0, 2.0)

PRESETS = {
    # The notes' example: the true line is y = 1.0*x + 0 and training starts at w = 10, b = 0.
    "seed": dict(slope=1.0, intercept=0.0, w0=10.0, b0=0.0, lr=0.01, epochs=500, h=0.01),
    # The tutorial the notes follow: y = -2*x + 2, starting from w = 10, b = 10.
    "tutorial": dict(slope=-2.0, intercept=2.0, w0=10.0, b0=10.0, lr=0.01, epochs=500, h=0.01),
}


def preset(name: str) -> Preset:
    """The named preset: `seed` (the notes' example) or `tutorial`."""
    try:
        p = PRESETS[name]
    except KeyError:
        raise DataError(
            f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}"
        ) from None
    x = np.array(_SEED_X)
    y = p["slope"] * x + p["intercept"]
    data = Dataset(x, y, name=f"preset {name}", source={"kind": "preset", "name": name})
    return Preset(data, p["w0"], p["b0"], p["lr"], int(p["epochs"]), p["h"])


# Synthetic x values are drawn uniformly from this interval (the seed example's range).
SYNTHETIC_X_RANGE = (-2.0, 2.0)
MAX_SYNTHETIC_POINTS = 100_000_000


def synthetic(
    n: int, slope: float = 1.0, intercept: float = 0.0, noise: float = 0.0, seed: int = 0
) -> Dataset:
    """n points with x uniform on [-2, 2) and y = slope*x + intercept + N(0, noise^2).

    The same arguments always give the same data (NumPy's PCG64 generator seeded with `seed`).
    """
    if not 1 <= n <= MAX_SYNTHETIC_POINTS:
        raise DataError(f"--synthetic needs between 1 and {MAX_SYNTHETIC_POINTS:,} points, got {n}")
    if not (math.isfinite(noise) and noise >= 0):
        raise DataError(f"--noise must be a finite number >= 0, got {noise:g}")
    if int(seed) != seed or seed < 0:
        raise DataError(f"--seed must be a whole number >= 0, got {seed}")
    for flag, value in (("--slope", slope), ("--intercept", intercept)):
        if not math.isfinite(value):
            raise DataError(f"{flag} must be a finite number, got {value:g}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(*SYNTHETIC_X_RANGE, size=n)
    y = slope * x + intercept
    if noise > 0:
        y += rng.normal(0.0, noise, size=n)
    recipe = dict(kind="synthetic", n=n, slope=slope, intercept=intercept, noise=noise, seed=seed)
    name = f"synthetic data ({n:,} point{'' if n == 1 else 's'})"
    biggest = float(np.max(np.abs(y)))
    if not biggest <= MAX_ABS_VALUE:
        raise DataError(
            f"{name}: y reaches {biggest:.3g}, beyond {MAX_ABS_VALUE:.0e} where squares overflow "
            "float64; choose a smaller --slope, --intercept or --noise"
        )
    return Dataset(x, y, name=name, source=recipe)


def parse_number(text: str) -> float | None:
    """A CSV cell as a float, or None when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def pick_column(spec: str | int, header: list[str] | None, width: int, flag: str) -> int:
    """Turn a --x/--y value (a header name or a 0-based index) into a column index."""
    text = str(spec).strip()
    if header is not None and text in header:
        return header.index(text)
    if text.lstrip("-").isdigit():
        index = int(text)
        if not 0 <= index < width:
            raise DataError(
                f"{flag} {text}: column index out of range; the file has {width} columns "
                f"(0 to {width - 1})"
            )
        return index
    if header is None:
        raise DataError(
            f"{flag} {text!r}: the file has no header row, so pick the column by its "
            f"0-based index (0 to {width - 1})"
        )
    raise DataError(f"{flag} {text!r}: no such column; the header has {', '.join(header)}")


def delimiter_of(first_line: str) -> str | None:
    """The column separator of a CSV file, from its first data line: a comma, semicolon or
    tab, or None for whitespace."""
    for d in (",", ";", "\t"):
        if d in first_line:
            return d
    return None


def split_cells(line: str, delimiter: str | None) -> list[str]:
    """One CSV line's cells, stripped, as lrtui reads them."""
    if delimiter is None:
        return line.split()
    return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delimiter))]


def content_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines that are neither blank nor comments (#)."""
    return [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def load_csv(path: str | Path, x: str | int = 0, y: str | int = 1) -> Dataset:
    """Read x and y from a CSV file; values stay in the file's units (nothing is normalised).

    A header row is optional (the first row is a header when none of its cells is a number).
    Lines that are blank or start with '#' are skipped. Columns are separated by commas,
    semicolons, tabs or whitespace (taken from the first data line).
    """
    if isinstance(path, str) and not path.strip():
        raise DataError("--data needs a file name, got an empty one")
    path = Path(path)
    lines = content_lines(read_text(path, "CSV file"))
    if not lines:
        raise DataError(f"{path}: the file is empty")
    delimiter = delimiter_of(lines[0][1])
    rows = [(number, split_cells(line, delimiter)) for number, line in lines]
    first_number, first = rows[0]
    parsed_first = [parse_number(c) for c in first]
    header: list[str] | None = None
    if all(v is None for v in parsed_first):
        header = first
        rows = rows[1:]
        if not rows:
            raise DataError(f"{path}: has a header row ({', '.join(header)}) but no data rows")
    width = len(first)
    if width < 2:
        raise DataError(
            f"{path}: line {first_number} has one column; lrtui needs two (x and y)"
        )
    if len(rows) < 2:
        raise DataError(
            f"{path}: has only one data row; a line needs at least two points with different x"
        )
    xi = pick_column(x, header, width, "--x")
    yi = pick_column(y, header, width, "--y")

    def where(number: int, col: int) -> str:
        if header is None:
            return f"{path}: line {number}, column {col} (0-based)"
        return f"{path}: line {number}, column {header[col]!r} (index {col})"

    xs = np.empty(len(rows))
    ys = np.empty(len(rows))
    for k, (number, row) in enumerate(rows):
        if len(row) != width:
            raise DataError(
                f"{path}: line {number} has {len(row)} column{'' if len(row) == 1 else 's'} "
                f"but line {first_number} has "
                f"{width}; every row needs the same number of cells"
            )
        for target, col in ((xs, xi), (ys, yi)):
            value = parse_number(row[col])
            if value is None:
                raise DataError(f"{where(number, col)}: {row[col]!r} is not a number")
            if not math.isfinite(value):
                raise DataError(
                    f"{where(number, col)}: {row[col]!r} is not a finite number; "
                    "every value must be finite"
                )
            if abs(value) > MAX_ABS_VALUE:
                raise DataError(
                    f"{where(number, col)}: {row[col]} is too large: squares of values above "
                    f"{MAX_ABS_VALUE:.0e} overflow float64; rescale the data "
                    "(for example to other units)"
                )
            target[k] = value
    try:
        data = Dataset(
            xs, ys, name=path.name,
            source={"kind": "csv", "path": str(path), "x": str(x), "y": str(y)},
        )
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
    return data
