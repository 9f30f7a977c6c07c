"""The 1-2-5 ladder (..., 0.01, 0.02, 0.05, 0.1, ...) that the learning-rate keys walk."""

from __future__ import annotations

import math

_MANTISSAS = (1.0, 2.0, 5.0)


def _rungs_around(value: float) -> list[float]:
    exponent = math.floor(math.log10(value))
    return [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in _MANTISSAS]


def ladder_step(value: float, direction: int) -> float:
    """The next rung above (direction > 0) or below (direction < 0) `value`.

    A value between rungs (say 0.037 typed at the prompt) moves to the nearest rung in that
    direction, so up from 0.037 is 0.05 and down is 0.02.
    """
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"a ladder needs a positive number, got {value}")
    rungs = [round(r, 12 - math.floor(math.log10(r))) for r in _rungs_around(value)]
    tolerance = value * 1e-9
    if direction > 0:
        return min(r for r in rungs if r > value + tolerance)
    return max(r for r in rungs if r < value - tolerance)


def nice_step(span: float, parts: int = 20) -> float:
    """A 1-2-5 step close to span/parts (for moving w or b by a step sized to the view)."""
    raw = abs(span) / parts if span else 0.1
    exponent = math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10.0**exponent >= raw * 0.999:
            return round(m * 10.0**exponent, 12 - exponent)
    return 10.0 ** (exponent + 1)
