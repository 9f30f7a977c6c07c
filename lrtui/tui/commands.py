"""The `:` prompt's little language: `lr 0.037`, `w 3.5`, `b -1`, `h 0.001`, `epochs 2000`.

Parsing is pure so that it is tested without the app; the app applies a parsed command to
the trainer and shows any error in the prompt itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# name -> (what it sets, whether the value must be > 0, whether it must be whole)
SETTINGS = {
    "lr": ("learning rate", True, False),
    "w": ("starting w (the run restarts there)", False, False),
    "b": ("starting b (the run restarts there)", False, False),
    "h": ("central-difference step h", True, False),
    "epochs": ("epoch budget", True, True),
    "tol": ("convergence tolerance on the gradient norm", True, False),
}
ALIASES = {"learning_rate": "lr", "rate": "lr", "epoch": "epochs", "w0": "w", "b0": "b"}
USAGE = "type a setting and a value: " + ", ".join(
    f"{name} {example}"
    for name, example in zip(SETTINGS, ("0.037", "3.5", "-1", "0.001", "2000", "1e-8"), strict=True)
)


class CommandError(ValueError):
    """A prompt entry that cannot be applied; the message is shown in the prompt."""


@dataclass(frozen=True)
class Command:
    name: str
    value: float


def parse_command(text: str) -> Command:
    parts = text.replace("=", " ").split()
    if not parts:
        raise CommandError(USAGE)
    if len(parts) != 2:
        raise CommandError(f"expected a setting and one value; {USAGE}")
    name = ALIASES.get(parts[0].lower(), parts[0].lower())
    if name not in SETTINGS:
        raise CommandError(f"unknown setting {parts[0]!r}; {USAGE}")
    what, positive, whole = SETTINGS[name]
    try:
        value = float(parts[1])
    except ValueError:
        raise CommandError(f"{parts[1]!r} is not a number (the {what})") from None
    if not math.isfinite(value):
        raise CommandError(f"the {what} must be a finite number")
    if positive and value <= 0:
        raise CommandError(f"the {what} must be greater than 0")
    if whole and not value.is_integer():
        raise CommandError(f"the {what} must be a whole number")
    return Command(name, value)
