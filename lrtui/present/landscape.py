"""The loss map: L(w, b) over a window of the (w, b) plane, as a grid of characters.

What the map view (key c) draws, computed here without textual so that it can be tested:

- contour lines of L - L*, spaced logarithmically (the loss spans orders of magnitude), each
  level drawn with its own character, so that levels differ in mono and in ASCII too;
- the two eigenvector axes of the Hessian through the optimum, labelled with their lambda:
  the valley's steep and flat directions;
- the run's path, its start (S), the current point and the optimum (*);
- the direction of the negative gradient at the current point (an arrow).

L - L* is the quadratic form mean((dw*x + db)^2) = dw^2 E[x^2] + 2 dw db E[x] + db^2 of the
offset (dw, db) from the optimum, so the grid costs O(cells), the same at 10^6 points as at 4.
w and b share one scale (a terminal cell is about twice as tall as wide), so the valley's
shape on screen is its true shape: round after standardising x, narrow before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lrtui.engine.state import TrainingState
from lrtui.engine.theory import Theory

CELL_ASPECT = 2.0  # a terminal cell's height over its width
# The contour levels' characters, from the innermost (lowest loss) out: ASCII, and none of
# them used by a marker, an axis or the arrow.
LEVEL_CHARS = ".:~=+%#&"
LEVELS = len(LEVEL_CHARS)
GLYPHS = {  # (unicode, ascii)
    "start": ("S", "S"), "now": ("●", "@"), "opt": ("*", "*"), "path": ("•", "o"),
    "cursor": ("X", "X"),
}
AXIS_CHARS = {"-": ("─", "-"), "|": ("│", "|"), "/": ("╱", "/"), "\\": ("╲", "\\")}
ARROWS = ("→", "↗", "↑", "↖", "←", "↙", "↓", "↘")  # by angle, from east counter-clockwise
ASCII_ARROWS = (">", "/", "^", "\\", "<", "/", "v", "\\")
Put = Callable[[tuple[int, int] | None, str, str], None]


@dataclass(frozen=True)
class Window:
    """The (w, b) rectangle a grid of cols x rows cells shows, one scale for both axes."""

    w_lo: float
    b_hi: float
    cell: float  # w per column; b per row is CELL_ASPECT times it
    cols: int
    rows: int

    @property
    def w_hi(self) -> float:
        return self.w_lo + self.cell * self.cols

    @property
    def b_lo(self) -> float:
        return self.b_hi - self.cell * CELL_ASPECT * self.rows

    def center(self, col: int, row: int) -> tuple[float, float]:
        """The (w, b) at the centre of a cell."""
        return (self.w_lo + (col + 0.5) * self.cell,
                self.b_hi - (row + 0.5) * self.cell * CELL_ASPECT)

    def cell_of(self, w: float, b: float) -> tuple[int, int] | None:
        """The (col, row) of a point, or None outside the window (or not finite)."""
        if not (math.isfinite(w) and math.isfinite(b)):
            return None
        col = math.floor((w - self.w_lo) / self.cell)
        row = math.floor((self.b_hi - b) / (self.cell * CELL_ASPECT))
        if 0 <= col < self.cols and 0 <= row < self.rows:
            return col, row
        return None


def window(points: list[tuple[float, float]], cols: int, rows: int) -> Window:
    """The smallest window, with a margin, that holds the points at one scale for w and b."""
    finite = [(w, b) for w, b in points if math.isfinite(w) and math.isfinite(b)]
    ws = [w for w, _ in finite] or [0.0]
    bs = [b for _, b in finite] or [0.0]
    w_mid, b_mid = (min(ws) + max(ws)) / 2, (min(bs) + max(bs)) / 2
    span_w, span_b = max(ws) - min(ws), max(bs) - min(bs)
    floor = 1e-9 * max(1.0, abs(w_mid), abs(b_mid))  # all points in one place
    # w per column so that both spans fit, with an eighth of the room spare on each side
    cell = max(span_w / (0.75 * cols), span_b / (0.75 * rows * CELL_ASPECT), floor)
    cell = float(_nice(cell))  # a round scale: the window does not creep every frame
    w_lo = _snap(w_mid - cell * cols / 2, cell)
    b_hi = _snap(b_mid + cell * CELL_ASPECT * rows / 2, cell * CELL_ASPECT)
    return Window(w_lo, b_hi, cell, cols, rows)


def _nice(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least x."""
    power = 10.0 ** math.floor(math.log10(x))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= x * (1 - 1e-12):
            return step * power
    return 10.0 * power


def _snap(value: float, unit: float) -> float:
    return math.floor(value / unit) * unit


@dataclass(frozen=True)
class MapScene:
    win: Window
    chars: list[list[str]]  # rows x cols
    kinds: list[list[str]]  # what each cell shows: "", "level0".."level7", "axis", "path", ...
    levels: tuple[float, ...]  # the L - L* of each contour level, innermost first
    eigen: tuple[float, float]  # (lambda_min, lambda_max)


def map_scene(theory: Theory, state: TrainingState, start: tuple[float, float],
              path: tuple[np.ndarray, np.ndarray] | None, cols: int, rows: int,
              ascii_only: bool = False, cursor: tuple[int, int] | None = None,
              others: tuple[tuple[np.ndarray, np.ndarray], ...] = ()) -> MapScene | None:
    """The map of a cols x rows grid; None when the optimum is not unique (all x equal: the
    valley's floor is a line, and there is no point to draw the map around). `others`: the
    paths of a race's other runners, drawn with their numbers 2, 3, 4."""
    opt = theory.optimum
    if opt.w is None or opt.b is None or cols < 4 or rows < 3:
        return None
    s = theory.stats
    points = [start, (opt.w, opt.b), (state.w, state.b)]
    for ws, bs in (path, *others) if path is not None else others:
        keep = np.isfinite(ws) & np.isfinite(bs)
        if keep.any():
            points += [(float(ws[keep].min()), float(bs[keep].min())),
                       (float(ws[keep].max()), float(bs[keep].max()))]
    win = window(points, cols, rows)
    # L - L* at every cell centre, from the quadratic form (no pass over the data)
    cw = win.w_lo + (np.arange(cols) + 0.5) * win.cell
    cb = win.b_hi - (np.arange(rows) + 0.5) * win.cell * CELL_ASPECT
    dw = cw[None, :] - opt.w
    db = cb[:, None] - opt.b
    mean_x2 = s.sxx_n + s.x_mean * s.x_mean
    with np.errstate(all="ignore"):  # a diverged run's window can overflow: no contours there
        gap = dw * dw * mean_x2 + 2.0 * dw * db * s.x_mean + db * db
    levels = _levels(gap)
    band = np.searchsorted(np.array(levels), gap)  # 0: inside the innermost level
    chars = [[" "] * cols for _ in range(rows)]
    kinds = [[""] * cols for _ in range(rows)]
    # A cell is on the contour of levels[k] when it and its right or lower neighbour lie on
    # either side of it: k is the lower of the two bands (the innermost contour crossed).
    crossed = np.full((rows, cols), LEVELS, dtype=int)
    right = band[:, :-1] != band[:, 1:]
    crossed[:, :-1][right] = np.minimum(band[:, :-1], band[:, 1:])[right]
    down = band[:-1, :] != band[1:, :]
    crossed[:-1, :][down] = np.minimum(crossed[:-1, :], np.minimum(band[:-1, :], band[1:, :]))[down]
    for row, col in zip(*np.nonzero(crossed < len(levels)), strict=True):
        k = int(crossed[row, col])
        chars[row][col] = LEVEL_CHARS[k]
        kinds[row][col] = f"level{k}"
    pick = 1 if ascii_only else 0

    def put(cell: tuple[int, int] | None, char: str, kind: str) -> None:
        if cell is not None:
            col, row = cell
            chars[row][col], kinds[row][col] = char, kind

    lam_min, lam_max = theory.eigenvalues
    vectors = np.linalg.eigh(theory.hessian)[1]  # columns: for lambda_min, lambda_max
    for lam, vec in ((lam_min, vectors[:, 0]), (lam_max, vectors[:, 1])):
        _axis(win, (opt.w, opt.b), (float(vec[0]), float(vec[1])), f"λ={lam:.3g}", pick, put)
    for k, (ws, bs) in reversed(list(enumerate(others, start=2))):
        step = max(1, len(ws) // (4 * cols * rows))
        for w, b in zip(ws[::step], bs[::step], strict=True):
            put(win.cell_of(float(w), float(b)), str(k), f"runner{k}")
    if path is not None:
        ws, bs = path
        step = max(1, len(ws) // (4 * cols * rows))
        for w, b in zip(ws[::step], bs[::step], strict=True):
            put(win.cell_of(float(w), float(b)), GLYPHS["path"][pick], "path")
    if state.finite:
        _arrow(win, state, pick, put)
    put(win.cell_of(opt.w, opt.b), GLYPHS["opt"][pick], "opt")
    put(win.cell_of(*start), GLYPHS["start"][pick], "start")
    if state.finite:
        put(win.cell_of(state.w, state.b), GLYPHS["now"][pick], "now")
    if cursor is not None:
        put(cursor, GLYPHS["cursor"][pick], "cursor")
    return MapScene(win, chars, kinds, tuple(levels), (lam_min, lam_max))


def _levels(gap: np.ndarray) -> list[float]:
    """Up to LEVELS values of L - L*, evenly spaced in log10 (a whole number of decades
    apart, or half decades), from just above the window's lowest value to below its
    highest."""
    positive = gap[(gap > 0) & np.isfinite(gap)]
    if positive.size == 0:
        return [1.0]
    lo, hi = math.log10(float(positive.min())), math.log10(float(positive.max()))
    decades = max(hi - lo, 1e-9)
    step = 0.5 if decades <= 0.5 * LEVELS else float(math.ceil(decades / LEVELS))
    top = math.floor(hi / step) * step
    out = [10.0 ** (top - k * step) for k in range(LEVELS) if top - k * step > lo]
    return sorted(out) or [10.0 ** top]


def _axis(win: Window, through: tuple[float, float], direction: tuple[float, float], label: str,
          pick: int, put: Put) -> None:
    """A line through `through` along `direction`, across the window, labelled near where it
    leaves the window at the top or the right."""
    dx, dy = direction[0] / win.cell, direction[1] / (win.cell * CELL_ASPECT)  # in cells
    if abs(dx) > 2 * abs(dy):
        char = "-"
    elif abs(dy) > 2 * abs(dx):
        char = "|"
    else:
        char = "/" if dx * dy > 0 else "\\"
    glyph = AXIS_CHARS[char][pick]
    reach = 2.0 * math.hypot(win.cols * win.cell, win.rows * win.cell * CELL_ASPECT)
    t = np.linspace(-reach, reach, 8 * (win.cols + win.rows) + 1)
    cols = np.floor((through[0] + t * direction[0] - win.w_lo) / win.cell)
    rows = np.floor((win.b_hi - (through[1] + t * direction[1])) / (win.cell * CELL_ASPECT))
    inside = (cols >= 0) & (cols < win.cols) & (rows >= 0) & (rows < win.rows)
    cells = list(dict.fromkeys(zip(cols[inside].astype(int).tolist(),
                                   rows[inside].astype(int).tolist(), strict=True)))
    for cell in cells:
        put(cell, glyph, "axis")
    if cells:  # the label by the end that is higher up, or further right
        col, row = min(cells[0], cells[-1], key=lambda c: (c[1], -c[0]))
        text = label if pick == 0 else label.replace("λ", "lambda")
        col = max(0, min(col + 1, win.cols - len(text)))
        for i, ch in enumerate(text):
            put((col + i, row), ch, "label")


def _arrow(win: Window, state: TrainingState, pick: int, put: Put) -> None:
    """Four cells from the current point along -gradient, ending in an arrow head."""
    gx, gy = -state.dw / win.cell, -state.db / (win.cell * CELL_ASPECT)  # in cells, y up
    norm = math.hypot(gx, gy)
    here = win.cell_of(state.w, state.b)
    if norm == 0 or not math.isfinite(norm) or here is None:
        return
    ux, uy = gx / norm, gy / norm
    octant = round(math.degrees(math.atan2(uy, ux)) / 45) % 8
    head = (ASCII_ARROWS if pick else ARROWS)[octant]
    shaft = head if pick else "·"
    for k in range(1, 5):
        col, row = here[0] + round(k * ux), here[1] - round(k * uy)
        if 0 <= col < win.cols and 0 <= row < win.rows:
            put((col, row), head if k == 4 else shaft, "arrow")
