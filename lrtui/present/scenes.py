"""Plot-ready arrays for the app's plots, so that the views only draw.

Each function takes the engine's values and returns small NumPy arrays: bounded in size
however large the data or long the run, and with only finite values (plots break on inf).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lrtui.engine.data import Dataset
from lrtui.engine.ladder import nice_step
from lrtui.engine.scaling import Scaling
from lrtui.engine.state import TrainingState
from lrtui.engine.theory import Tangent, Theory

# The notes' sample weights for the tangent lines (around their optimum w = 1).
NOTES_SAMPLE_WEIGHTS = (-0.5, 0.0, 0.5, 1.5, 2.0, 2.5)
MAX_FIT_POINTS = 2_000
# The L(w) view's follow mode (see follow_window).
FOLLOW_REACH = 1.5  # the half-width is at least this many times w's distance from w*
TICK_RESOLUTION = 0.05  # no narrower than the axes' 3-digit tick labels tell apart well
MAX_ZOOM = 1_000  # nor narrower than 1/MAX_ZOOM of the window around w* and the start


def clip_segment(
    x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of the segment (x[0], y[0])-(x[1], y[1]) inside box = (xlo, xhi, ylo, yhi),
    or None if it misses the box (Liang-Barsky). Plotting libraries rasterise a line point by
    point, so a segment running far outside the view (a steep line, a diverged w) must be cut
    to the view first, or drawing it takes forever."""
    x0, x1, y0, y1 = float(x[0]), float(x[1]), float(y[0]), float(y[1])
    if not all(np.isfinite([x0, x1, y0, y1])):
        return None
    xlo, xhi, ylo, yhi = box
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - xlo), (dx, xhi - x0), (-dy, y0 - ylo), (dy, yhi - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return np.array([x0 + t0 * dx, x0 + t1 * dx]), np.array([y0 + t0 * dy, y0 + t1 * dy])


def padded(low: float, high: float, share: float) -> tuple[float, float]:
    """An axis range around [low, high] with `share` of its span on each side, always of
    non-zero width in float64: far from the optimum (|b| above ~1e9) L(w) is b^2 plus
    variations below its last bit, the span is 0, and a pad of 1 is lost in the rounding
    (plotext then divided by zero)."""
    scale = max(abs(low), abs(high))
    pad = share * (high - low)
    if not pad > 1e-9 * scale:  # no span (a pad of 1, as always), or one lost in rounding
        pad = max(1.0, 1e-6 * scale)
    return low - pad, high + pad


def loss_series(epochs: np.ndarray, losses: np.ndarray, max_points: int = 400,
                log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, losses) of the whole run, thinned to at most max_points, finite values only
    (and only positive ones for a log axis)."""
    keep = np.isfinite(losses) & ((losses > 0) if log else True)
    epochs, losses = epochs[keep], losses[keep]
    if len(epochs) > max_points:
        idx = np.unique(np.linspace(0, len(epochs) - 1, max_points).round().astype(int))
        epochs, losses = epochs[idx], losses[idx]
    return epochs, losses


@dataclass(frozen=True)
class TangentScene:
    ws: np.ndarray  # the w grid
    losses: np.ndarray  # L(w) at the state's b
    point: Tangent | None  # the tangent at the current w (None if not finite)
    segment: tuple[np.ndarray, np.ndarray] | None  # a short piece of the tangent line
    samples: list[tuple[np.ndarray, np.ndarray]]  # the notes' tangents, when asked for
    sample_points: tuple[np.ndarray, np.ndarray]  # where those in the window touch the curve
    ylim: tuple[float, float]
    window: tuple[float, float]  # the w range drawn


def sample_weights(theory: Theory) -> np.ndarray:
    """The notes' weights, placed around this data's optimum (exactly the notes' set on
    the seed data, whose optimum is w = 1)."""
    return theory.stats.w_opt + (np.array(NOTES_SAMPLE_WEIGHTS) - 1.0)


def w_window(
    theory: Theory, start_w: float, state: TrainingState, samples: bool
) -> tuple[float, float]:
    """A w interval that holds the optimum and the current w, and also the start of the run
    (so the view stays put while playing) or, with the sample tangents on, the notes' sample
    weights instead (so their tangents are seen as the notes draw them)."""
    here = [state.w] if np.isfinite(state.w) and abs(state.w) < 1e12 else []
    return _around(_landmarks(theory, start_w, samples) + here)


def _landmarks(theory: Theory, start_w: float, samples: bool) -> list[float]:
    """The w values every window of the run holds: w* and the start (or the samples)."""
    return [theory.stats.w_opt, *(sample_weights(theory) if samples else [start_w])]


def _around(points: list[float]) -> tuple[float, float]:
    lo, hi = min(points), max(points)
    span = hi - lo if hi > lo else max(1.0, abs(hi))
    return lo - 0.1 * span, hi + 0.1 * span


def follow_window(
    theory: Theory, state: TrainingState, start_w: float, samples: bool
) -> tuple[float, float] | None:
    """The L(w) view's window near the optimum (follow mode), or None while the run is far
    from it (the view then shows the whole path, `w_window`).

    The window is centred on w*, so it does not slide when w overshoots to the other side.
    Its half-width is the 1-2-5 number at or above FOLLOW_REACH times `reach`, the farthest
    from w* that w can be at the current excess loss E = L - L* (the ellipse E = const in
    (w, b) spans w* -+ sqrt(E / Sxx/n)). That holds the current w and the bottom of the
    curve drawn (L(w) at the current b, a point of that ellipse too), with the point at most
    two thirds of the way out, where the curve and its tangent are visibly sloped. E, unlike
    |w - w*|, never grows while a stable run converges (each eigen-direction only shrinks),
    so the window narrows in steps, one per rung (three in a tenfold approach), and never
    flickers between two rungs when w oscillates. It starts once it is at most half as wide
    as the window around w* and the start (or the samples), and stops narrowing where the
    3-digit tick labels of w or of L would repeat, or at 1/MAX_ZOOM of that window: from
    there the point settles to the bottom. (Both are measured without the current w, which
    can overshoot back and forth.)"""
    s = theory.stats
    if not (s.unique and state.finite):
        return None
    lo, hi = _around(_landmarks(theory, start_w, samples))
    width = hi - lo
    residual = state.b - (s.y_mean - state.w * s.x_mean)  # mean(y_hat - y)
    reach = FOLLOW_REACH * math.hypot(state.w - s.w_opt, residual / math.sqrt(s.sxx_n))
    curvature = float(theory.hessian[0, 0]) / 2  # L(w) at b* is L* + this * (w - w*)^2
    floor = max(TICK_RESOLUTION * abs(s.w_opt), width / (2 * MAX_ZOOM),
                math.sqrt(TICK_RESOLUTION * s.sse_min_n / curvature))
    if not max(reach, floor) <= width / 4:  # far away (or not finite): the whole path
        return None
    half = nice_step(max(reach, floor), parts=1)
    if 4 * half > width:
        return None
    return s.w_opt - half, s.w_opt + half


def tangent_scene(
    theory: Theory,
    state: TrainingState,
    window: tuple[float, float],
    samples: bool,
    points: int = 200,
) -> TangentScene:
    lo, hi = window
    ws = np.linspace(lo, hi, max(points, 2))  # a panel not laid out yet asks for 0
    b = state.b if np.isfinite(state.b) else theory.stats.b_opt
    with np.errstate(all="ignore"):
        losses = theory.loss_curve(ws, b)
    top, low = float(np.max(losses)), float(np.min(losses))
    ylim = padded(low, top, 0.05)
    box = (lo, hi, *ylim)
    half = 0.12 * (hi - lo)
    point = segment = None
    if state.finite and lo <= state.w <= hi:
        point = theory.tangent(state.w, b, state.h)
        seg_ws = np.array([state.w - half, state.w + half])
        segment = clip_segment(seg_ws, point.line(seg_ws), box)
    lines = []
    touch_w = sample_weights(theory) if samples else np.array([])
    touch_w = touch_w[(touch_w >= lo) & (touch_w <= hi)]  # follow mode can leave some out
    for w in touch_w:
        t = theory.tangent(float(w), b, state.h)
        seg_ws = np.array([w - half, w + half])
        clipped = clip_segment(seg_ws, t.line(seg_ws), box)
        if clipped is not None:
            lines.append(clipped)
    touch = (touch_w, theory.loss_curve(touch_w, b))
    return TangentScene(ws, losses, point, segment, lines, touch, ylim, (lo, hi))


@dataclass(frozen=True)
class FitScene:
    x: np.ndarray  # a bounded sample of the data
    y: np.ndarray
    line: tuple[np.ndarray, np.ndarray] | None  # the current line, cut to the view
    best: tuple[np.ndarray, np.ndarray] | None  # the least-squares line (None if not unique)
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def fit_sample(data: Dataset, limit: int = MAX_FIT_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `limit` points, evenly spread over the data's order (deterministic)."""
    if data.n <= limit:
        return data.x, data.y
    idx = np.linspace(0, data.n - 1, limit).round().astype(int)
    return data.x[idx], data.y[idx]


def fit_scene(
    sample: tuple[np.ndarray, np.ndarray], theory: Theory, state: TrainingState,
    scaling: Scaling | None = None,
) -> FitScene:
    """The points in x, and the current and least-squares lines in x's units: a run that
    trains on a scaled z (`scaling`) has its (w, b) turned into (w_x, b_x) first."""
    to_x = scaling.to_original if scaling is not None else (lambda w, b: (w, b))
    x, y = sample
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    line_x = np.array([lo, hi])
    ylo, yhi = float(y.min()), float(y.max())
    ylim = padded(ylo, yhi, 0.25)
    box = (lo, hi, *ylim)
    with np.errstate(all="ignore"):
        w, b = to_x(state.w, state.b)
        line = clip_segment(line_x, line_x * w + b, box)
    opt = theory.optimum
    best = None
    if opt.w is not None and opt.b is not None:  # both None together (w* not unique)
        w, b = to_x(opt.w, opt.b)
        best = clip_segment(line_x, line_x * w + b, box)
    return FitScene(x, y, line, best, (lo, hi), ylim)
