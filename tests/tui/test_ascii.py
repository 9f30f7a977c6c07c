"""--ascii: every character on the screen is ASCII, in every view and modal (issue 14)."""

from __future__ import annotations

import html
import re

from lrtui.display import AppOptions
from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.tour import load_tour
from lrtui.tui.app import LrtuiApp
from lrtui.tui.ascii import to_ascii
from lrtui.tui.demo import DemoApp


def screen_text(app) -> str:
    """The characters on the screen, from Textual's own screenshot (SVG text)."""
    svg = app.export_screenshot()
    text = "".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg))
    return text.replace("\u00a0", " ")  # the SVG's way of writing a space


def non_ascii(text: str) -> set[str]:
    return {ch for ch in text if ord(ch) > 127}


def seed_trainer(**overrides) -> Trainer:
    p = preset("seed")
    return Trainer(p.data, TrainConfig.from_preset(p, **overrides))


async def test_every_view_and_modal_at_80x24_is_ascii():
    app = LrtuiApp(seed_trainer(), AppOptions(ascii=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # (keys to press, what must be on the screen then)
        for keys, shown in [((), "gradients"), (("n", "n"), "2 / 500"), (("f",), "dL/dw = 2/n"),
                            (("g",), "computation graph"), (("t", "l"), "log scale"),
                            (("z",), "gradient formulas"), (("z", "question_mark"), "lrtui: keys"),
                            (("escape", "colon"), ":"), (("escape",), "space")]:
            await pilot.press(*keys)
            await pilot.pause()
            text = screen_text(app)
            assert shown in text, (keys, text)
            assert not non_ascii(text), (keys, sorted(non_ascii(text)))
        await pilot.press("colon", *"lr 5", "enter")  # above the critical rate: a warning
        await pilot.press("space")
        await pilot.pause(0.5)
        text = screen_text(app)
        assert "diverged" in text and not non_ascii(text), sorted(non_ascii(text))


async def test_the_demo_captions_are_ascii():
    app = DemoApp(seed_trainer(), load_tour(), AppOptions(ascii=True), pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(len(app.tour.stages)):
            await pilot.pause()
            text = screen_text(app)
            assert "tour" in text and not non_ascii(text), sorted(non_ascii(text))
            await pilot.press("n")


async def test_the_guard_sees_the_glyphs_without_ascii():
    """Guard: without --ascii the same screen has box drawing, arrows and Greek letters."""
    app = LrtuiApp(seed_trainer(), AppOptions())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert {"╭", "Σ", "←"} <= non_ascii(screen_text(app))


def test_stand_ins_keep_one_cell_per_character():
    assert to_ascii("╭─ Δw ▸ λ … ŷ − y² Σ ← ⣿ ☃") == "+- dw > l . y - y2 E < . ?"
    assert to_ascii("plain") == "plain"
