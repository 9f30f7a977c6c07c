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


async def test_the_command_palette_is_ascii():
    app = LrtuiApp(seed_trainer(), AppOptions(ascii=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "Set learning rate" in text or "Keys" in text, text
        assert not non_ascii(text), sorted(non_ascii(text))


def test_every_byte_sent_to_a_real_terminal_is_ascii(tmp_path):
    """The real app in a pseudo-terminal at 80x24 with --ascii: not one byte above 127 in
    all it writes, through every view and modal (as tmux would show it)."""
    from .pty_app import PtyApp

    app = PtyApp("--ascii", cwd=tmp_path, size=(80, 24))
    try:
        app.read_until("parameters")
        # (The help modal and escape are covered by the Pilot test above: a lone escape
        # byte waits on the terminal's escape-sequence timeout.)
        for keys, shown in [("nnn", "3 / 500"), ("f", "dL/dw = 2/n"), ("g", "computation"),
                            ("tl", "log scale"), (":", "lr 0.037"), ("lr 0.05\r", "0.05"),
                            ("z", "loss over epochs"), ("z", "exact values")]:
            app.write(keys)
            app.read_until(shown)
        app.write("q")
        assert app.wait() == 0
    finally:
        app.kill()
    high = sorted({b for b in app.output if b > 127})
    assert not high, (high, app.output.decode("utf-8", "replace")[-2000:])


def test_the_guard_sees_bytes_above_127_without_ascii(tmp_path):
    from .pty_app import PtyApp

    app = PtyApp(cwd=tmp_path, size=(80, 24))
    try:
        app.read_until("parameters")
        app.write("q")
        assert app.wait() == 0
    finally:
        app.kill()
    assert any(b > 127 for b in app.output)  # box drawing and arrows, in UTF-8


async def test_math_symbols_are_words_not_lone_letters():
    """A one-letter stand-in would mislead ("y - y" for "y − ŷ"): --ascii writes words."""
    app = LrtuiApp(seed_trainer(), AppOptions(ascii=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f", "g")
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        for words in ("y - y_hat", "(y - y_hat)^2", "y_hat = w*x+b", "dL/db = sum dL/dy_hat_i",
                      "dL/dw = 2/n * sum x_i*(y_hat_i - y_i)", "w <- w - lr*dL/dw"):
            assert words in text, (words, text)
        assert "y - y " not in text
