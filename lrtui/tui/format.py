"""How numbers look on screen: short, aligned, and honest about inf and nan."""

from __future__ import annotations

import math


def num(value: float | None, digits: int = 6) -> str:
    """A number in at most about 11 characters: 9.55, 1.22708e-05, -1.3105e+07."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    return f"{value:.{digits}g}"


def tick(value: float) -> str:
    """A tick label: 3 significant digits, no long zero runs ("2.2e-10", not 0.00000000022)."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"
