"""Every key, pressed for real through Pilot: the trainer's state and what the views show."""

from __future__ import annotations

import re

import pytest

from lrtui.engine.model import gradient
from lrtui.present.text import num
from lrtui.tui.app import DEFAULT_TOL
from lrtui.tui.files import LANGUAGES
from lrtui.tui.help import HelpScreen

from ..framework_support import framework_marked
from .conftest import seed_app, value_text, wait_until_paused


def framework_marked_pairs():
    keys = {"numpy": "n", "torch": "t", "jax": "j", "tensorflow": "f"}
    return [pytest.param(keys[p.values[0]] if hasattr(p, "values") else keys[p],
                         p.values[0] if hasattr(p, "values") else p,
                         marks=getattr(p, "marks", ()))
            for p in framework_marked(keys)]


async def test_start_screen_shows_the_notes_example(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        s = app.trainer.state
        assert (s.epoch, s.w, s.b, s.lr) == (0, 10.0, 0.0, 0.01)
        assert value_text(app, "parameters", "epoch") == "0 / 500"
        assert value_text(app, "parameters", "w") == "10"
        assert value_text(app, "parameters", "loss") == "202.5"  # mean((10x - x)^2) = 81*2.5
        assert value_text(app, "parameters", "status") == "ready"
        assert value_text(app, "parameters", "critical") == "0.4"  # 2/lambda_max, lambda = 5
        assert value_text(app, "gradients", "analytic_w") == "45"  # 2/4 * sum(x * 9x) = 4.5 * 10
        assert app.tangent_view.border_title == "L(w) and tangent"


@pytest.mark.parametrize("key", ["n", "right"])
async def test_step_keys_take_one_gradient_step(app, key):
    async with app.run_test(size=(100, 30)) as pilot:
        data = app.data
        await pilot.press(key)
        await pilot.pause()
        s = app.trainer.state
        dw, db = gradient(data.x, data.y, 10.0, 0.0)
        assert s.epoch == 1
        assert s.w == pytest.approx(10.0 - 0.01 * dw, rel=1e-14)
        assert s.b == pytest.approx(0.0 - 0.01 * db, abs=1e-14)
        assert app.state == s
        assert value_text(app, "parameters", "epoch") == "1 / 500"
        assert value_text(app, "parameters", "w") == num(s.w)
        assert value_text(app, "parameters", "status") == "paused"


async def test_left_steps_back_and_is_greyed_at_epoch_zero(app):
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.check_action("back", ()) is None
        await pilot.press("left")
        assert app.trainer.state.epoch == 0
        await pilot.press("n", "n", "n")
        after_two = None
        await pilot.press("left")
        await pilot.pause()
        after_two = app.trainer.state
        assert after_two.epoch == 2
        assert app.check_action("back", ()) is True
        await pilot.press("n")
        await pilot.pause()
        assert app.trainer.state.epoch == 3
        assert value_text(app, "parameters", "epoch") == "3 / 500"


async def test_reset_returns_to_the_start(app):
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.check_action("reset", ()) is None
        await pilot.press("n", "n", "r")
        await pilot.pause()
        s = app.trainer.state
        assert (s.epoch, s.w, s.b) == (0, 10.0, 0.0)
        assert value_text(app, "parameters", "w") == "10"


async def test_learning_rate_keys_walk_the_ladder_without_reset(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n")
        await pilot.press("plus")
        assert app.trainer.state.lr == 0.02
        await pilot.press("equals_sign")
        assert app.trainer.state.lr == 0.05
        assert app.trainer.state.epoch == 2  # changed in place
        await pilot.press("minus", "minus", "minus")
        await pilot.pause()
        assert app.trainer.state.lr == 0.005
        assert value_text(app, "parameters", "lr") == "0.005"
        w_before = app.trainer.state.w
        await pilot.press("n")
        s = app.trainer.state
        assert s.w == pytest.approx(w_before - 0.005 * gradient(app.data.x, app.data.y, w_before, 0.0)[0])


async def test_speed_keys_change_steps_per_frame(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert app.view.speed == 5
        assert value_text(app, "parameters", "speed") == "5/frame"
        await pilot.press("left_square_bracket")
        assert app.view.speed == 2
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.view.speed == 1


async def test_space_plays_and_pauses(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        assert app.playing
        await pilot.pause(0.3)
        await pilot.press("space")
        await pilot.pause()
        assert not app.playing
        s = app.trainer.state
        assert s.epoch > 0
        assert value_text(app, "parameters", "epoch") == f"{s.epoch:,} / 500"
        assert value_text(app, "parameters", "status") == "paused"


async def test_playing_stops_by_itself_at_convergence(app):
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(4):  # 1 -> 2 -> 5 -> 10 -> 20 steps per frame
            await pilot.press("right_square_bracket")
        await pilot.press("space")
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.playing:
                break
        s = app.trainer.state
        assert not app.playing
        assert s.status == "converged"
        assert s.grad_norm < DEFAULT_TOL
        assert value_text(app, "parameters", "status") == "converged"
        assert "converged" in str(app.message.render())
        assert app.check_action("toggle_play", ()) is None


@pytest.mark.parametrize(("key", "moved", "sign"), [("w", "w", -1), ("W", "w", 1), ("b", "b", -1), ("B", "b", 1)])
async def test_w_and_b_keys_pick_a_new_start(key, moved, sign):
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("plus")  # lr 0.02, to check it is kept
        await pilot.press("n", "n")
        before = app.trainer.state
        await pilot.press(key)
        await pilot.pause()
        s = app.trainer.state
        assert s.epoch == 0 and s.lr == 0.02
        delta = getattr(s, moved) - getattr(before, moved)
        assert sign * delta > 0
        other = "b" if moved == "w" else "w"
        assert getattr(s, other) == getattr(before, other)
        assert app.trainer.start == (s.w, s.b)


async def test_prompt_sets_exact_values_and_answers_bad_entries(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.press("colon")
        assert app.screen.has_class("-prompting")
        await pilot.press(*"lr 0.037", "enter")
        assert app.trainer.state.lr == 0.037
        assert app.trainer.state.epoch == 1
        assert not app.screen.has_class("-prompting")
        for entry, expected in [("w 3.5", ("w", 3.5)), ("b -1", ("b", -1.0)), ("h 0.001", ("h", 0.001))]:
            await pilot.press("colon", *entry, "enter")
            await pilot.pause()
            assert getattr(app.trainer.state, expected[0]) == expected[1]
        await pilot.press("colon", *"epochs 2000", "enter")
        await pilot.pause()
        assert app.trainer.state.epochs == 2000
        assert value_text(app, "parameters", "epoch") == "0 / 2,000"
        await pilot.press("colon", *"lr abc", "enter")
        await pilot.pause()
        assert app.screen.has_class("-prompting")
        assert "lr must be a number" in str(app.prompt_bar.error.render())
        await pilot.press("escape")
        assert not app.screen.has_class("-prompting")
        assert app.trainer.state.lr == 0.037


async def test_log_scale_and_sample_tangents_toggle(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["right_square_bracket"] * 5, "space")  # 50 steps per frame
        await wait_until_paused(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert app.view.log
        assert app.loss_view.border_subtitle == "log scale"
        rendered = str(app.loss_view.render())
        # The loss fell from 202.5 through many decades: the axis is labelled in powers of
        # ten written short, never as 0.00000000022.
        assert re.search(r"1e-\d+", rendered), rendered
        assert "0.000" not in rendered
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert app.is_running
        await pilot.press("t")
        assert app.view.tangents
        # Converged: the L(w) view follows w in a window the sample weights are all outside of
        assert app.tangent_view.border_subtitle == "sample tangents out of view"
        await pilot.press("a")  # the whole path holds them
        assert app.tangent_view.border_subtitle == "sample tangents"


async def test_zoom_maximizes_the_focused_panel_and_back(app):
    async with app.run_test(size=(100, 30)) as pilot:
        app.fit_view.focus()
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is app.fit_view
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is None


async def test_help_lists_the_keys_and_closes(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_divergence_is_explained_and_minus_recovers(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"lr 0.5", "enter")
        for _ in range(3):
            await pilot.press("right_square_bracket")
        await pilot.press("space")
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.playing:
                break
        s = app.trainer.state
        assert s.status == "diverged" and not app.playing
        message = str(app.message.render())
        assert "critical rate" in message and "0.4" in message
        assert value_text(app, "parameters", "status") == "diverged"
        assert app.check_action("step", ()) is None
        await pilot.press("minus")
        await pilot.pause()
        s = app.trainer.state
        assert (s.status, s.epoch, s.lr) == ("ready", 0, 0.2)


async def test_too_small_terminal_asks_for_more_room_and_recovers(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        assert "at least" in str(app.too_small.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")


async def test_f_shows_the_formulas_with_the_current_numbers(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.has_class("-formula")
        assert not app.gradients.display and app.formula_view.display
        text = str(app.formula_view.render())
        # At the start w = 10, b = 0: y_hat - y = 9x = (-18, -9, 9, 18), so
        # sum(x_i * (y_hat_i - y_i)) = 36 + 9 + 9 + 36 = 90 and dL/dw = 2/4 * 90 = 45.
        assert "(-2)(-18) + (-1)(-9)" in text
        assert "2/4 · 90 = 45" in text
        assert "w ← w − lr·dL/dw = 10 − 0.01·45 = 9.55" in text
        await pilot.press("n")
        await pilot.pause()
        assert "= 9.55 − 0.01·42.75 = 9.1225" in str(app.formula_view.render())
        await pilot.press("f")
        assert not app.screen.has_class("-formula")


async def test_gradients_panel_compares_three_sources(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        # After one step w = 9.55: dL/dw = 2/4 * sum(x * 8.55x) = 4.275 * 10 = 42.75.
        for source in ("analytic", "central", "autograd"):
            assert value_text(app, "gradients", f"{source}_w") == "42.75"
        assert value_text(app, "gradients", "src_analytic").startswith("▸")
        gap = float(value_text(app, "gradients", "gap_w"))
        assert 0 <= gap < 1e-10


async def test_g_shows_the_computation_graph(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "g")
        await pilot.pause()
        assert app.screen.has_class("-graph")
        assert app.graph_view.display and not app.tangent_view.display
        lines = app.graph_view.render_lines(app.graph_view.region.reset_offset)
        screen = "\n".join(line.text for line in lines)
        for node in ("w*x", "ŷ = w*x+b", "y − ŷ", "L = mean"):
            assert node in screen
        assert "9.55" in screen and "42.75" in screen  # w and dL/dw after one step
        assert "dL/dw = Σ dL/d(w*x)_i · x_i = 42.75" in screen
        await pilot.press("g")
        assert not app.screen.has_class("-graph")
        assert app.tangent_view.display


@pytest.mark.parametrize(("key", "to"), framework_marked_pairs())
async def test_x_exports_a_script_that_reproduces_the_run(app, tmp_path, monkeypatch, key, to):
    import subprocess
    import sys

    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("plus", "x")  # lr 0.02; x asks for the language
        await pilot.pause()
        assert not list(tmp_path.glob("lrtui-run-*.py"))  # not yet
        dialog = app.screen.query_one("#export-choice")
        shown = " ".join(str(w.render()) for w in dialog.query("Label"))
        assert "standalone Python script" in shown and "escape cancels" in shown
        await pilot.press(key)
        await pilot.pause()
        scripts = list(tmp_path.glob("lrtui-run-*.py"))
        assert len(scripts) == 1
        assert scripts[0].name in app.message.text and LANGUAGES[to] in app.message.text
        assert f"--to {to}" in scripts[0].read_text()
        state = app.trainer.run()
    out = subprocess.run([sys.executable, str(scripts[0])], capture_output=True, text=True,
                         timeout=60, env={"MPLBACKEND": "Agg", "PATH": ""})
    assert out.returncode == 0, out.stderr
    printed = dict(line.split(" = ") for line in out.stdout.splitlines() if " = " in line)
    # The script runs the app's settings (lr 0.02, tol 1e-8) with its own plain loop.
    assert float(printed["w"]) == pytest.approx(state.w, rel=1e-9)
    assert float(printed["loss"]) == pytest.approx(state.loss, rel=1e-6, abs=1e-20)


async def test_x_then_escape_writes_nothing(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x")
        options = app.screen.query_one("OptionList")
        assert options.option_count == 4
        assert [options.get_option_at_index(i).id for i in range(4)] == [
            "numpy", "torch", "jax", "tensorflow"]
        assert options.region.right <= 80  # the dialog fits at 80 columns
        await pilot.press("n")  # a key of the app's (step), here the dialog's: NumPy
        await pilot.pause()
        assert app.trainer.state.epoch == 0
        await pilot.press("x", "escape")
        await pilot.pause()
        assert len(list(tmp_path.glob("lrtui-run-*.py"))) == 1  # escape wrote nothing more
        assert app.screen is app.screen_stack[0]


async def test_the_key_bar_greys_keys_as_the_run_changes(app):
    """What the key bar drew (its last render), not what it would draw: it is repainted
    only when a key's availability changes, so it must notice each change."""
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()

        def drawn() -> dict[str, bool]:
            return {description: on for _, _, description, on in app.key_bar._keys}

        assert drawn()["back"] is False and drawn()["reset"] is False
        assert drawn()["step"] and drawn()["play/pause"]
        await pilot.press("n")
        await pilot.pause()
        assert drawn()["back"] and drawn()["reset"]
        await pilot.press("colon")  # the prompt takes every key: the app's are off
        await pilot.pause()
        assert not any(drawn().values())
        await pilot.press("escape", "r")
        await pilot.pause()
        assert drawn()["back"] is False and drawn()["step"]
