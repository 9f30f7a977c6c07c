"""The `:` prompt's little language, parsed directly and typed into the running app: every
setting (tol too), the aliases, the `name=value` form, and the mistakes it answers."""

from __future__ import annotations

import pytest

from lrtui.tui.commands import Command, CommandError, parse_command

from ..framework_support import framework_marked
from .conftest import seed_app, value_text, wait_until_paused


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("lr 0.037", "lr", 0.037),
        ("w 3.5", "w", 3.5),
        ("b -1", "b", -1.0),
        ("h 0.001", "h", 0.001),
        ("epochs 2000", "epochs", 2000.0),
        ("tol 1e-6", "tol", 1e-6),
        ("tol 0.001", "tol", 1e-3),
        # the aliases
        ("learning_rate 0.2", "lr", 0.2),
        ("rate 0.05", "lr", 0.05),
        ("epoch 300", "epochs", 300.0),
        ("w0 -4", "w", -4.0),
        ("b0 2.5", "b", 2.5),
        # name=value, with or without spaces, any case, surrounding blanks
        ("lr=0.05", "lr", 0.05),
        ("tol=1e-4", "tol", 1e-4),
        ("w0=7", "w", 7.0),
        ("epochs = 40", "epochs", 40.0),
        ("  LR   0.3  ", "lr", 0.3),
        ("Rate=0.1", "lr", 0.1),
        ("epochs 1e3", "epochs", 1000.0),
        ("b 0", "b", 0.0),
    ],
)
def test_parse_command_reads_every_setting_alias_and_form(text, name, value):
    assert parse_command(text) == Command(name, value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["lr", "tol"]),  # nothing typed: the usage, which names every setting
        ("   ", ["lr", "epochs"]),
        ("lr", ["one value"]),
        ("lr 0.1 0.2", ["one value"]),
        ("speed 3", ["unknown", "speed"]),
        ("lr abc", ["must be a number", "lr"]),
        ("lr 0", ["greater than 0"]),
        ("lr -0.1", ["greater than 0"]),
        ("h 0", ["greater than 0"]),
        ("tol 0", ["greater than 0", "tol"]),
        ("tol -1e-6", ["greater than 0"]),
        ("epochs 0", ["at least 1"]),
        ("epochs 2.5", ["whole number"]),
        ("lr inf", ["finite"]),
        ("w nan", ["finite"]),
        ("tol=", ["one value"]),
    ],
)
def test_parse_command_refuses_mistakes_with_a_message(text, words):
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    message = str(caught.value)
    for word in words:
        assert word in message, message


def test_w_and_b_may_be_zero_or_negative_but_rates_may_not():
    assert parse_command("w -0").value == 0.0
    assert parse_command("b -1e3").value == -1000.0
    with pytest.raises(CommandError):
        parse_command("rate -0.5")


async def _type(pilot, text: str) -> None:
    await pilot.press("colon", *text, "enter")
    await pilot.pause()


async def test_the_prompt_sets_the_tolerance_and_playing_stops_there():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _type(pilot, "tol 1e-3")
        assert not app.screen.has_class("-prompting")
        assert app.trainer.state.tol == 1e-3
        # The tolerance is used: stepping stops (converged) at the first epoch whose
        # gradient norm is below 1e-3; on the seed data at lr 0.01 that is well before the
        # app's default 1e-8 would stop it.
        await pilot.press(*["right_square_bracket"] * 4, "space")  # 20 steps per frame
        await wait_until_paused(pilot)
        s = app.trainer.state
        assert s.status == "converged"
        assert s.grad_norm < 1e-3
        rows = app.trainer.history.rows()
        norms = (rows[:, 4] ** 2 + rows[:, 5] ** 2) ** 0.5
        assert (norms[:-1] >= 1e-3).all()  # it did not stop before the first such epoch
        assert "tol 0.001" in str(app.message.render())


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("lr=0.05", "lr", 0.05),
        ("learning_rate 0.02", "lr", 0.02),
        ("rate=0.2", "lr", 0.2),
        ("epoch 77", "epochs", 77),
        ("w0 3.5", "w", 3.5),
        ("b0=-1", "b", -1.0),
        ("tol=1e-5", "tol", 1e-5),
        ("h=0.002", "h", 0.002),
    ],
)
async def test_the_prompt_takes_aliases_and_the_equals_form(text, field, expected):
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _type(pilot, text)
        assert not app.screen.has_class("-prompting"), str(app.prompt_bar.error.render())
        assert getattr(app.trainer.state, field) == expected
        assert app.state == app.trainer.state  # the views were given it


async def test_a_bad_tolerance_is_answered_in_the_prompt_and_changes_nothing():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        before = app.trainer.state.tol
        await _type(pilot, "tol -1")
        assert app.screen.has_class("-prompting")
        assert "greater than 0" in str(app.prompt_bar.error.render())
        assert app.trainer.state.tol == before
        await pilot.press("escape")
        assert not app.screen.has_class("-prompting")


async def test_the_prompt_sets_the_gradient_source():
    from .conftest import seed_app

    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "colon", *"grad autograd", "enter")
        await pilot.pause()
        state = app.trainer.state
        assert state.grad == "autograd" and app.trainer.grad == "autograd"
        assert state.epoch == 1  # the source changed in place; the run goes on from here
        await pilot.press("n")
        # autograd's gradient equals the analytic one here (seed, epoch 1: w = 9.55, b = 0):
        # dL/dw = 5 (w - 1) = 42.75 at w = 9.55, so w after the second step is 9.55 - 0.4275
        assert app.trainer.state.w == pytest.approx(9.1225, rel=1e-12)


@pytest.mark.parametrize("name", framework_marked(["torch", "jax", "tensorflow"]))
async def test_the_prompt_loads_a_framework_source_without_freezing(name, monkeypatch):
    """`: grad jax` (or torch, tensorflow): the framework is imported and compiled in a worker
    thread while the app goes on; then it drives the steps and the gradients panel names it."""
    from lrtui.engine import gradients
    from lrtui.engine.model import gradient

    monkeypatch.setattr(gradients, "_last", None)  # not loaded yet for this data
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        shown, show = [], app.message.show
        monkeypatch.setattr(app.message, "show", lambda *a: (shown.append(a[0]), show(*a)))
        await pilot.press("n", "colon", *f"grad {name}", "enter")
        label = gradients.FRAMEWORKS[name].label
        assert any("loading" in text and label in text for text in shown), shown
        for _ in range(500):  # up to 10 s: TensorFlow's import takes ~5
            if app.trainer.grad == name:
                break
            await pilot.pause(0.02)
        assert app.trainer.grad == name and app.trainer.state.epoch == 1
        await pilot.press("n")
        await pilot.pause()
        state = app.trainer.state
        assert state.w == pytest.approx(9.1225, rel=1e-12)  # 9.55 - 0.01 * 42.75
        dw, db = gradient(app.data.x, app.data.y, state.w, state.b)
        assert (state.dw, state.db) == pytest.approx((dw, db), rel=1e-12, abs=1e-12)
        label = "tf" if name == "tensorflow" else name  # the panel's short name
        assert value_text(app, "gradients", "src_autograd") == f"▸{label}"
        assert value_text(app, "gradients", "autograd_w") == \
            value_text(app, "gradients", "analytic_w")


async def test_a_missing_framework_is_one_message_and_the_run_keeps_its_source(monkeypatch):
    from lrtui.engine import gradients
    from lrtui.errors import DataError

    def missing(name, *args):
        raise DataError(gradients.missing_message(name))

    monkeypatch.setattr(gradients, "_last", None)
    monkeypatch.setattr(gradients, "warm", missing)
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"grad jax", "enter")
        for _ in range(100):
            if "needs JAX" in app.message.text:
                break
            await pilot.pause(0.02)
        assert "pip install 'lrtui[jax]'" in app.message.text
        assert app.trainer.grad == "analytic"
        await pilot.press("n")
        assert app.trainer.state.epoch == 1 and app.is_running
