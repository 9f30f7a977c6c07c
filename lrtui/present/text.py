"""How numbers look on screen: short, aligned, and honest about inf and nan."""

from __future__ import annotations

import math

import numpy as np

MAX_SHOWN = 6  # arrays of up to this many values are shown whole (as the formula view does)


def num(value: float | None, digits: int = 6) -> str:
    """A number with `digits` significant digits and a short exponent: 9.55, 1.22708e-5,
    -1.3105e7."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def fit_num(value: float | None, width: int, prefix: str = "", digits: int = 6) -> str:
    """`prefix` + the number with as many digits (up to `digits`) as fit in `width`."""
    for d in range(digits, 0, -1):
        text = prefix + num(value, d)
        if len(text) <= width:
            return text
    return text


def tick(value: float) -> str:
    """A tick label: 3 significant digits, no long zero runs ("2.2e-10", not 0.00000000022)."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def array_text(value: float | np.ndarray, digits: int = 3) -> str:
    """A scalar; an array of at most MAX_SHOWN values in full, [324 81 81 324]; a longer one
    as its range, labelled: min -2 … max 2 (n=100)."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return num(float(array), 5)  # a scalar has the room
    if array.size <= MAX_SHOWN:
        return "[" + " ".join(num(float(v), digits) for v in array) + "]"
    low, high = float(np.min(array)), float(np.max(array))
    return f"min {num(low, digits)} … max {num(high, digits)} (n={array.size:,})"


# Symbols whose one-character ASCII stand-in would mislead ("y - y" for "y − ŷ"): under
# --ascii the formula and graph views write them as words.
WORDS = {"ŷ": "y_hat", "Σ": "sum", "−": "-", "·": "*", "²": "^2", "←": "<-", "Δ": "d",
         "λ": "lambda", "…": "..."}


def in_words(text: str) -> str:
    """`text` with the math symbols above written in ASCII words."""
    for symbol, word in WORDS.items():
        text = text.replace(symbol, word)
    return text
