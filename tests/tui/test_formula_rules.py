"""The formula panel (f) for the update rules other than plain descent: each rule's equations as
torch.optim writes them, with the current numbers, down to the next w and b, which must be what
the engine's next record holds (to the digits shown). Set with the real keys (`:` and the
setting), stepped with `n`, at 80x24 (the panel drops detail to keep the plots their room)
and at 120x40 (every equation with its numbers, for w and for b)."""

from __future__ import annotations

import re

import pytest

from lrtui import settings
from lrtui.display import AppOptions
from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.engine.rules import make_rule
from lrtui.present.formulas import update_formula
from lrtui.present.text import num
from lrtui.tui.app import LrtuiApp
from lrtui.tui.commands import parse_command

from .conftest import seed_app

# The rules, as typed at the prompt, and how the panel names torch's buffers.
RULES = {
    "momentum": ["momentum 0.9"],
    "nesterov": ["momentum 0.9", "nesterov true"],
    "adam": ["optimizer adam"],
    "rmsprop_centered": ["optimizer rmsprop", "centered true", "momentum 0.5"],
    "adagrad": ["optimizer adagrad", "lr_decay 0.01"],
    "adamw_amsgrad": ["optimizer adamw", "amsgrad true"],
    "sgd_decay_dampening": ["momentum 0.9", "dampening 0.1", "weight_decay 0.1"],
    "sgd_weight_decay": ["weight_decay 0.1"],
}
TORCH_NAMES = {"buf": "momentum_buffer", "m": "exp_avg", "v_max": "max_exp_avg_sq",
               "g_avg": "grad_avg", "sum": "sum"}
NUMBER = r"-?(?:\d[\d,]*\.?\d*(?:e-?\d+)?|nan|∞)"


def app_at(b0: float = 2.0, ascii_only: bool = False) -> LrtuiApp:
    """The seed data from w = 10 and b = b0 (b moves too, unlike from b = 0)."""
    if not ascii_only:
        return seed_app(b0=b0)
    p = preset("seed")
    return LrtuiApp(Trainer(p.data, TrainConfig.from_preset(p, b0=b0)), AppOptions(ascii=True))


async def set_rule(pilot, commands: list[str]) -> None:
    for command in commands:
        await pilot.press("colon", *command, "enter")
    await pilot.pause()


def panel(app) -> str:
    return str(app.formula_view.render())


def equation(text: str, start: str) -> str:
    """The first equation whose first line starts with `start`, its continuation lines (the
    indented ones after it) joined."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(start):
            rest = []
            for more in lines[i + 1:]:
                if not more.startswith(" "):
                    break
                rest.append(more.strip())
            return " ".join([line, *rest])
    raise AssertionError(f"no line starting {start!r} in\n{text}")


def of_b(text: str) -> str:
    """b's part of the update, its equations in full: from `g = dL/db` on."""
    i = text.find("g = dL/db")
    assert i >= 0, text
    return text[text.rfind("\n", 0, i) + 1:]


def result(text: str, start: str) -> str:
    """The value an equation gives: its last `= number`."""
    m = re.search(rf"= ({NUMBER})$", equation(text, start))
    assert m, equation(text, start)
    return m.group(1)


def new_value(text: str, p: str) -> str:
    """The new w (or b) the panel predicts: its update's value, or, when the panel had room
    for w's equations only, b's value on the summary line."""
    if f"\n{p} ← {p} −" in text or text.startswith(f"{p} ← {p} −"):
        return result(text, f"{p} ← {p} −")
    m = re.search(rf"{p} ← ({NUMBER})(?: \(the same on dL/d{p}\))?\s*$", text, re.M)
    assert m, text
    return m.group(1)


def torch_name(name: str, optimizer: str) -> str:
    """torch's state name of a buffer as the panel names it."""
    if name == "v":
        return "exp_avg_sq" if optimizer in ("adam", "adamw") else "square_avg"
    return TORCH_NAMES[name]


def buffers_shown(text: str, optimizer: str) -> dict[str, str]:
    """w's new buffers as the panel shows them, by torch's state names."""
    w_part = text[:min(text.find(end) % (len(text) + 1)
                       for end in ("\ng = dL/db", "\nb: the same", "\nb ← "))]
    shown = {}
    for line in w_part.splitlines():
        m = re.match(r"(\w+) ← ", line)
        if m and m.group(1) in (*TORCH_NAMES, "v"):
            shown[torch_name(m.group(1), optimizer) + "_w"] = result(w_part, line)
    return shown


def fits(app, most_lines: int | None = None) -> None:
    """No line wider than the panel (none cut), and at most `most_lines` of them."""
    view = app.formula_view
    lines = panel(app).splitlines()
    assert all(len(line) <= view.size.width for line in lines), panel(app)
    if most_lines is not None:
        assert len(lines) <= most_lines, panel(app)


# -- the prediction is the engine's next record, for every rule and size --------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("rule", list(RULES))
async def test_the_panel_predicts_the_next_step_of_each_rule(rule, size):
    app = app_at()
    async with app.run_test(size=size) as pilot:
        await set_rule(pilot, RULES[rule])
        await pilot.press("f")
        for _ in range(4):  # from the first update (buffers empty) on
            await pilot.pause()
            text, frame = panel(app), app.frame
            t = frame.state.epoch + 1
            assert app.formula_view.border_title.endswith(f" formulas (t = {t})")
            w, b = new_value(text, "w"), new_value(text, "b")
            dw, db = frame.next_step
            assert (w, b) == (num(frame.state.w + dw), num(frame.state.b + db)), text
            await pilot.press("n")
            await pilot.pause()
            s = app.trainer.state
            assert (num(s.w), num(s.b)) == (w, b), text
            # and the buffers shown are the ones the engine kept
            kept = dict(zip(app.frame.rule.names, s.buffers, strict=False))  # none: ()
            for name, value in buffers_shown(text, app.frame.rule.h.optimizer).items():
                assert num(kept[name]) == value, (name, text)
        fits(app, 11 if size == (80, 24) else None)


async def test_at_80x24_the_plots_keep_their_room():
    plain = app_at()
    async with plain.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "f")
        await pilot.pause()
        room = plain.loss_view.region.height
    for commands in RULES.values():
        app = app_at()
        async with app.run_test(size=(80, 24)) as pilot:
            await set_rule(pilot, commands)
            await pilot.press("n", "n", "f")
            await pilot.pause()
            assert app.loss_view.region.height >= room, panel(app)


# -- each rule's equations, with its numbers (120x40: all of them) -----------------------------


async def test_sgd_momentum_keeps_its_buffer():
    app = app_at()
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["momentum 0.9"])
        await pilot.press("f")
        await pilot.pause()
        s = app.trainer.state
        text = panel(app)
        assert app.formula_view.border_title == "sgd formulas (t = 1)"
        # the first update: torch's buffer starts as the gradient itself
        assert f"buf ← g (t = 1) = {num(s.dw)}" in text
        assert f"w ← w − lr·buf = 10 − 0.01·{num(s.dw)} = {num(10 - 0.01 * s.dw)}" in text
        await pilot.press("n")
        await pilot.pause()
        s, text = app.trainer.state, panel(app)
        buf = s.buffers[0]
        new_buf = 0.9 * buf + s.dw
        assert (f"buf ← μ·buf + g = 0.9·{num(buf)} + {num(s.dw)} = {num(new_buf)}"
                in text), text
        assert f"w ← w − lr·buf = {num(s.w)} − 0.01·{num(new_buf)}" in text
        # b's own buffer and update, from b = 2
        buf_b = 0.9 * s.buffers[1] + s.db
        assert f"g = dL/db = {num(s.db)}" in of_b(text)
        assert result(of_b(text), "buf ← μ·buf + g") == num(buf_b)
        assert result(of_b(text), "b ← b − lr·buf") == num(s.b - 0.01 * buf_b)


async def test_nesterov_adds_the_momentum_to_the_gradient():
    app = app_at()
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["momentum 0.9", "nesterov true"])
        await pilot.press("n", "f")
        await pilot.pause()
        s, text = app.trainer.state, panel(app)
        buf = 0.9 * s.buffers[0] + s.dw
        g = s.dw + 0.9 * buf
        assert f"g ← g + μ·buf = {num(s.dw)} + 0.9·{num(buf)} = {num(g)}" in text, text
        assert f"w ← w − lr·g = {num(s.w)} − 0.01·{num(g)} = {num(s.w - 0.01 * g)}" in text
        await pilot.press("n")
        await pilot.pause()
        assert num(app.trainer.state.w) == num(s.w - 0.01 * g)


async def test_adam_shows_its_moments_bias_corrections_and_step():
    app = app_at()
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["optimizer adam"])
        await pilot.press("n", "n", "f")
        await pilot.pause()
        s, text = app.trainer.state, panel(app)
        m0, v0 = s.buffers[0], s.buffers[2]
        m = 0.9 * m0 + 0.1 * s.dw
        v = 0.999 * v0 + 0.001 * s.dw**2
        assert equation(text, "m ← β₁·m + (1−β₁)·g = 0.9·").startswith(
            f"m ← β₁·m + (1−β₁)·g = 0.9·{num(m0, 4)[:4]}")
        assert result(text, "m ← β₁·m") == num(m)
        assert result(text, "v ← β₂·v + (1−β₂)·g²") == num(v)
        step = 0.01 / (1 - 0.9**3)  # the third update
        assert f"step = lr/(1−β₁^t) = 0.01/(1−0.9^3) = {num(step)}" in text, text
        den = v**0.5 / (1 - 0.999**3) ** 0.5 + 1e-8
        assert equation(text, "den = √v/√(1−β₂^t) + ε = √(").endswith(f"= {num(den)}")
        w = s.w - step * m / den
        assert result(text, "w ← w − step·m/den") == num(w)
        # b's equations follow (b moves: it started at 2); the step is w's, not repeated
        assert result(text, "b ← b − step·m/den") == num(app.frame.state.b
                                                         + app.frame.next_step[1])
        assert text.count("step = lr/") == 1
        await pilot.press("n")
        await pilot.pause()
        assert num(app.trainer.state.w) == num(w)


async def test_adamw_decays_the_weight_itself():
    app = app_at()
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["optimizer adamw"])
        await pilot.press("n", "f")
        await pilot.pause()
        s, text = app.trainer.state, panel(app)
        assert f"w ← w·(1 − lr·λ) = {num(s.w)}·(1 − 0.01·0.01) = {num(s.w * (1 - 1e-4))}" in text
        assert "g = dL/dw = " in text and "λ·w" not in text  # not in the gradient: decoupled
        assert equation(text, "w ← w − step·m/den").startswith(
            f"w ← w − step·m/den = {num(s.w * (1 - 1e-4))} − ")


async def test_centered_rmsprop_with_momentum():
    app = app_at()
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["optimizer rmsprop", "centered true", "momentum 0.5"])
        await pilot.press("n", "n", "f")
        await pilot.pause()
        s, text = app.trainer.state, panel(app)
        v = 0.99 * s.buffers[0] + 0.01 * s.dw**2
        g_avg = 0.99 * s.buffers[4] + 0.01 * s.dw
        den = (v - g_avg**2) ** 0.5 + 1e-8
        buf = 0.5 * s.buffers[2] + s.dw / den
        assert result(text, "v ← α·v + (1−α)·g²") == num(v)
        assert result(text, "g_avg ← α·g_avg + (1−α)·g") == num(g_avg)
        assert equation(text, "den = √(v − g_avg²) + ε").startswith(
            f"den = √(v − g_avg²) + ε = √({num(v)} − {num(g_avg)}²) + 1e-8")
        assert result(text, "den = √(v − g_avg²) + ε") == num(den)
        assert result(text, "buf ← μ·buf + g/den") == num(buf)
        assert f"w ← w − lr·buf = {num(s.w)} − 0.01·{num(buf)} = {num(s.w - 0.01 * buf)}" in text
        await pilot.press("n")
        await pilot.pause()
        assert num(app.trainer.state.w) == num(s.w - 0.01 * buf)


async def test_adagrad_decays_its_rate_and_sums_the_squares():
    app = app_at()
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["optimizer adagrad", "lr_decay 0.01"])
        await pilot.press("n", "n", "f")
        await pilot.pause()
        s, text = app.trainer.state, panel(app)
        clr = 0.01 / (1 + 2 * 0.01)  # the third update
        assert (equation(text, "clr = ")
                == f"clr = lr/(1 + (t−1)·lr_decay) = 0.01/(1 + 2·0.01) = {num(clr)}"), text
        total = s.buffers[0] + s.dw**2
        assert equation(text, "sum ← sum + g²").startswith(
            f"sum ← sum + g² = {num(s.buffers[0])} + {num(s.dw)}²")
        assert result(text, "sum ← sum + g²") == num(total)
        w = s.w - clr * s.dw / (total**0.5 + 1e-10)
        assert result(text, "w ← w − clr·g/den") == num(w)
        assert text.count("clr = ") == 1  # b's rate is w's


async def test_at_80x24_the_panel_shows_w_with_numbers_and_b_in_a_line():
    app = app_at()
    async with app.run_test(size=(80, 24)) as pilot:
        await set_rule(pilot, ["optimizer adam"])
        await pilot.press("n", "n", "f")
        await pilot.pause()
        text = panel(app)
        assert "m ← β₁·m + (1−β₁)·g = " in text
        assert equation(text, "w ← w − step·m/den").count("=") == 2  # its numbers, its value
        b_line = equation(text, "b: the same with g =")
        s = app.trainer.state
        assert f"m = {num(0.9 * s.buffers[1] + 0.1 * s.db)}" in b_line
        assert "dL/dw = 2/n" not in text  # the gradient's terms make room for the update
        fits(app, 11)


# -- plain ASCII, plain descent ------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("rule", ["adam", "rmsprop_centered", "adagrad", "nesterov"])
async def test_ascii_writes_the_rules_in_words(rule, size):
    app = app_at(ascii_only=True)
    async with app.run_test(size=size) as pilot:
        await set_rule(pilot, RULES[rule])
        await pilot.press("n", "n", "f")
        await pilot.pause()
        text = panel(app)
        assert text.isascii(), text
        assert "<-" in text and "*" in text
        if rule == "adam":
            assert "m <- beta1*m + (1-beta1)*g" in text
            assert "den = sqrt(v)/sqrt(1-beta2^t)" in text
        if rule == "rmsprop_centered":
            assert "sqrt(v - g_avg^2) + eps" in equation(text, "den = ")
        w = re.search(rf"w <- w - .*?= ({NUMBER})\s*$", " ".join(
            equation(text, "w <- w - ").split()))
        assert w, text
        await pilot.press("n")
        await pilot.pause()
        assert num(app.trainer.state.w) == w.group(1)
        fits(app, 11 if size == (80, 24) else None)


async def test_eps_0_and_a_zero_gradient_give_nan_as_in_torch():
    # from b = 0 on the seed data dL/db is 0: Adam's m and v for b stay 0, and with eps 0
    # its step is 0/0, nan in torch (and in the engine), not an error
    app = app_at(b0=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["optimizer adam", "eps 0"])
        await pilot.press("f")
        await pilot.pause()
        text = panel(app)
        assert result(of_b(text), "den = √v/√(1−β₂^t) + ε") == "0"
        assert new_value(text, "b") == "nan"
        w = new_value(text, "w")
        await pilot.press("n")
        await pilot.pause()
        s = app.trainer.state
        assert num(s.w) == w and num(s.b) == "nan"


async def test_back_to_plain_descent_shows_what_it_always_showed():
    app = seed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await set_rule(pilot, ["optimizer adam"])
        await pilot.press("f")
        await pilot.pause()
        assert "m ← β₁·m" in panel(app)
        await set_rule(pilot, ["optimizer sgd"])
        await pilot.pause()
        text = panel(app)
        assert app.formula_view.border_title == "gradient formulas"
        assert "w ← w − lr·dL/dw = 10 − 0.01·45 = 9.55" in text
        assert "g = dL/dw" not in text and "buf" not in text


# -- the equations' numbers are the engine's own --------------------------------------------


@pytest.mark.parametrize("rule", list(RULES))
def test_every_buffer_and_value_is_the_engines(rule):
    """update_formula's buffers (w's and b's) and new parameters are bit for bit what the
    engine's update made, over a few updates."""
    p = preset("seed")
    trainer = Trainer(p.data, TrainConfig.from_preset(p, b0=2.0))
    for command in RULES[rule]:
        c = parse_command(command)
        settings.apply_run(trainer, {c.name: c.value})
    engine_rule = make_rule(trainer.theory.hyper)
    optimizer = engine_rule.h.optimizer
    for _ in range(5):
        u = update_formula(engine_rule, trainer.state)
        trainer.step()
        new = trainer.state
        assert (u.w_next, u.b_next) == (new.w, new.b)
        kept = dict(zip(engine_rule.names, new.buffers, strict=False))  # none: ()
        for name, value in u.buffers_b:
            assert kept[torch_name(name, optimizer) + "_b"] == value
        for eq in u.w:
            name = eq.symbols.split(" ← ")[0]
            if " ← " in eq.symbols and name != "w" and name != "g":
                assert kept[torch_name(name, optimizer) + "_w"] == eq.value, eq
