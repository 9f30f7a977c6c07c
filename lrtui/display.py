"""How the app draws: frame rate, colours, plain ASCII, and a low-bandwidth preset.

This module does not import textual: the colour depth must be chosen (through Textual's own
TEXTUAL_COLOR_SYSTEM setting) before textual is first imported.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

# --colors value -> (TEXTUAL_COLOR_SYSTEM, whether NO_COLOR is set)
COLOR_SYSTEMS = {
    "truecolor": ("truecolor", False),
    "256": ("256", False),
    "16": ("standard", False),
    "mono": ("standard", True),  # Textual's NO_COLOR filter turns colours to greys
}


@dataclass(frozen=True)
class AppOptions:
    fps: int = 30  # frames per second while playing
    plot_fps: float = 6.0  # plots are redrawn at most this often while playing
    colors: str | None = None  # None: what the terminal says
    ascii: bool = False  # plots and borders drawn with plain ASCII characters

    @property
    def plot_every(self) -> int:
        """Redraw the plots every n-th frame while playing."""
        return max(1, round(self.fps / self.plot_fps))

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "AppOptions":
        low = getattr(args, "low_bandwidth", False)
        fps = args.fps if getattr(args, "fps", None) else (12 if low else cls.fps)
        colors = getattr(args, "colors", None) or ("16" if low else None)
        return cls(
            fps=fps,
            plot_fps=1.0 if low else cls.plot_fps,
            colors=colors,
            ascii=getattr(args, "ascii", False),
        )

    def apply_environment(self) -> None:
        """Set Textual's colour depth; call before textual is imported."""
        if self.colors is None:
            return
        system, no_color = COLOR_SYSTEMS[self.colors]
        os.environ["TEXTUAL_COLOR_SYSTEM"] = system
        if no_color:
            os.environ["NO_COLOR"] = "1"


def _fps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 120:
        raise argparse.ArgumentTypeError(f"must be between 1 and 120, got {text}")
    return value


def add_display_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("display (the app)")
    group.add_argument(
        "--fps",
        type=_fps,
        default=default(None),
        help="frames per second while playing (default 30; 12 with --low-bandwidth)",
    )
    group.add_argument(
        "--colors",
        choices=list(COLOR_SYSTEMS),
        default=default(None),
        help="colour depth (default: what the terminal reports)",
    )
    group.add_argument(
        "--ascii",
        action="store_true",
        default=default(False),
        help="plain ASCII plots and borders, for terminals without braille or box-drawing fonts",
    )
    group.add_argument(
        "--low-bandwidth",
        action="store_true",
        default=default(False),
        help="for a slow link: 12 frames/s, plots redrawn once a second, 16 colours",
    )
