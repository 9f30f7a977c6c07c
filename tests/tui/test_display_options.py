"""--fps, --colors, --ascii and --low-bandwidth: what they set, and what --ascii draws."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lrtui.cli import build_parser
from lrtui.display import AppOptions
from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.tui.app import LrtuiApp

BOX_AND_BRAILLE = set("┌┐└┘─│┬┴├┤┼╭╮╰╯") | {chr(c) for c in range(0x2800, 0x2900)}


def options(*argv: str) -> AppOptions:
    return AppOptions.from_args(build_parser().parse_args(list(argv)))


def test_defaults_and_flags():
    assert options() == AppOptions(fps=30, plot_fps=6.0, colors=None, ascii=False)
    assert options("--fps", "10").plot_every == 2  # plots at about 6 per second
    assert options("--colors", "mono").colors == "mono"
    assert options("--ascii").ascii


def test_low_bandwidth_combines_a_low_frame_rate_rare_plots_and_16_colours():
    low = options("--low-bandwidth")
    assert (low.fps, low.plot_fps, low.colors) == (12, 1.0, "16")
    assert low.plot_every == 12
    assert options("--low-bandwidth", "--fps", "20", "--colors", "256").fps == 20
    assert options("--low-bandwidth", "--colors", "256").colors == "256"


@pytest.mark.parametrize(
    ("colors", "system", "no_color"),
    [("truecolor", "truecolor", None), ("256", "256", None), ("16", "standard", None),
     ("mono", "standard", "1")],
)
def test_colors_set_textuals_colour_system_before_it_is_imported(colors, system, no_color):
    # A fresh interpreter: the setting must be in place when textual reads it at import.
    code = (
        "import os, sys\n"
        "from lrtui.display import AppOptions\n"
        f"AppOptions(colors={colors!r}).apply_environment()\n"
        "import textual.constants as c\n"
        "print(c.COLOR_SYSTEM, os.environ.get('NO_COLOR'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL_COLOR_SYSTEM", "NO_COLOR")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60, check=True)
    assert out.stdout.split() == [system, str(no_color)]


@pytest.mark.parametrize("ascii_only", [False, True])
async def test_ascii_draws_plots_and_borders_without_box_or_braille(ascii_only):
    p = preset("seed")
    app = LrtuiApp(Trainer(p.data, TrainConfig.from_preset(p)), AppOptions(ascii=ascii_only))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "t")
        await pilot.pause()
        for view in app.plots:
            lines = view.render_lines(view.region.reset_offset)
            drawn = set("".join(line.text for line in lines))
            assert bool(drawn & BOX_AND_BRAILLE) != ascii_only, type(view).__name__
            assert drawn - {" "}  # something is drawn
        border = app.loss_view.styles.border_top[0]
        assert (border == "ascii") == ascii_only
