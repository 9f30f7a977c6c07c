"""Checks that a run can start: the data's statistics are finite in float64, and so is the
loss at the start. Each failure is a DataError that says what to change."""

from __future__ import annotations

import math

import numpy as np

from lrtui.engine.stats import SufficientStats
from lrtui.errors import DataError


def check_numbers(name: str, st: SufficientStats) -> None:
    """Raise DataError unless the data's statistics are finite (sums over many large
    values, or a slope w* beyond float64 when x barely varies, can overflow)."""
    fields = dict(x_mean=st.x_mean, y_mean=st.y_mean, sxx_n=st.sxx_n, w_opt=st.w_opt,
                  b_opt=st.b_opt, sse_min_n=st.sse_min_n)
    bad = [key for key, value in fields.items() if not math.isfinite(value)]
    if bad:
        raise DataError(
            f"{name}: the data's statistics ({', '.join(bad)}) overflow float64; "
            "rescale the data (for example to other units)"
        )

def check_start(st: SufficientStats, w: float, b: float, h: float) -> None:
    """Raise DataError if a run from (w, b) would start from inf: it would teach nothing."""
    with np.errstate(all="ignore"):
        loss = st.loss(w, b)
        start = (loss, *st.gradient(w, b))
        slopes = st.central_difference(w, b, h)
    if not all(math.isfinite(v) for v in start):
        raise DataError(
            f"the loss at the start w0 = {w:g}, b0 = {b:g} overflows float64 (it is "
            f"{loss:g}); start closer to the optimum w* = {st.w_opt:.6g}, "
            f"b* = {st.b_opt:.6g}, or rescale the data"
        )
    if not all(math.isfinite(v) for v in slopes):
        raise DataError(
            f"the step h = {h:g} is so large that L(w + h) overflows float64 at the start; "
            "choose a smaller h"
        )
