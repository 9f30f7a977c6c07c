"""What the fit view, the formula panel (f) and the computation graph (g) show, checked
against numbers computed here by hand or with plain NumPy."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lrtui.engine import Dataset, TrainConfig, preset
from lrtui.tui.app import make_app

NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"


def shown(widget) -> str:
    """A widget as drawn on screen, line by line (borders included for the plots)."""
    lines = widget.render_lines(widget.region.reset_offset)
    return "\n".join(line.text for line in lines)


def gradient(x: np.ndarray, y: np.ndarray, w: float, b: float) -> tuple[float, float]:
    """dL/dw = 2/n * sum(x*(w*x + b - y)), dL/db = 2/n * sum(w*x + b - y), in plain NumPy."""
    e = w * x + b - y
    return 2 / len(x) * float(np.sum(x * e)), 2 / len(x) * float(np.sum(e))


def close(text: str, expected: float, rel: float = 1e-5, abs_: float = 1e-9) -> bool:
    """A number as shown (6 significant digits) against an exact value."""
    return float(text) == pytest.approx(expected, rel=rel, abs=abs_)


# -- the fit view of large data: an even sample of 2,000 points --------------------------------


async def test_the_fit_view_of_10001_points_draws_2000_spread_over_all_of_them():
    n = 10_001
    x = np.linspace(-1.0, 1.0, n)  # sorted: the first 2,000 points end at x = -0.6
    data = Dataset(x, 3 * x, name="ramp")
    app = make_app(data, TrainConfig(w0=0.0, b0=0.0, lr=0.01, epochs=100))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.fit_view.border_subtitle.startswith("2,000 of 10,001 points")
        drawn = shown(app.fit_view)
        assert "2,000 of 10,001 points" in drawn
        # The x axis is labelled across the data's whole range, from -1 to 1.
        axis = drawn.splitlines()[-2]
        labels = [float(t) for t in re.findall(NUMBER, axis)]
        assert min(labels) <= -0.9 and max(labels) >= 0.9, axis


async def test_the_fit_view_of_few_points_says_how_many():
    p = preset("seed")
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.fit_view.border_subtitle.startswith("4 points ·")


# -- the formula panel (f): every term for a few points, the sums for more -----------------------


def formula_app(x, y, w0: float, b0: float):
    data = Dataset(np.asarray(x, float), np.asarray(y, float), name="points")
    return make_app(data, TrainConfig(w0=w0, b0=b0, lr=0.01, epochs=100))


async def test_seven_points_show_the_sums_over_all_points():
    # x = -3 ... 3, y = x, from w = 10, b = 1: y_hat - y = 9x + 1, so
    # sum x*(9x + 1) = 9*28 + 0 = 252 and dL/dw = 2/7 * 252 = 72;
    # sum (9x + 1) = 7 and dL/db = 2/7 * 7 = 2.
    x = np.arange(-3.0, 4.0)
    app = formula_app(x, x, 10.0, 1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        text = str(app.formula_view.render())
        assert "sum over all points" in text
        assert "(-3)(" not in text  # no term listed
        assert "2/7 · 252 = 72" in text
        assert "2/7 · 7 = 2" in text
        assert "w ← w − lr·dL/dw = 10 − 0.01·72 = 9.28" in text
        assert "b ← b − lr·dL/db = 1 − 0.01·2 = 0.98" in text


async def test_six_points_list_every_term():
    # x = -3, -2, -1, 1, 2, 3, y = x, from w = 2, b = 0: y_hat - y = x, each term x*x,
    # sum = 28, dL/dw = 2/6 * 28 = 9.33333
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    app = formula_app(x, x, 2.0, 0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        text = str(app.formula_view.render())
        assert "sum over all points" not in text
        flat = " ".join(text.split())  # the list of terms wraps to the panel's width
        assert "[(-3)(-3) + (-2)(-2) + (-1)(-1) + (1)(1) + (2)(2) + (3)(3)]" in flat
        assert "2/6 · 28 = 9.33333" in flat
        assert "[-3 + -2 + -1 + 1 + 2 + 3] = 0" in flat  # the terms of dL/db


@pytest.mark.parametrize("n", [7, 50, 1_000])
async def test_the_sums_shown_for_many_points_are_the_gradient_sums(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(-2, 2, n)
    y = 1.5 * x - 0.5 + rng.normal(0, 0.3, n)
    app = formula_app(x, y, 3.0, 2.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n", "f")  # two steps in: numbers nobody typed
        await pilot.pause()
        s = app.trainer.state
        e = s.w * x + s.b - y
        sum_w, sum_b = float(np.sum(x * e)), float(np.sum(e))
        dw, db = 2 / n * sum_w, 2 / n * sum_b
        text = str(app.formula_view.render())
        m = re.search(rf"= 2/([\d,]+) · ({NUMBER}) = ({NUMBER})\s+\(sum over all points\)", text)
        assert m, text
        assert m.group(1) == f"{n:,}"
        assert close(m.group(2), sum_w) and close(m.group(3), dw)
        db_line = rf"dL/db = 2/n · Σ \(ŷ_i − y_i\) = 2/([\d,]+) · ({NUMBER}) = ({NUMBER})"
        m = re.search(db_line, text)
        assert m, text
        assert close(m.group(2), sum_b) and close(m.group(3), db)
        m = re.search(rf"w ← w − lr·dL/dw = ({NUMBER}) − 0.01·({NUMBER}) = ({NUMBER})", text)
        assert m, text
        assert close(m.group(1), s.w) and close(m.group(2), dw)
        assert close(m.group(3), s.w - 0.01 * dw)


# -- the computation graph (g): the chain rule's numbers -------------------------------------


def chain_rule(app) -> tuple[str, str]:
    screen = shown(app.graph_view)
    dw = re.search(rf"dL/dw = Σ dL/d\(w\*x\)_i · x_i = ({NUMBER})", screen)
    db = re.search(rf"dL/db = Σ dL/dŷ_i = ({NUMBER})", screen)
    assert dw and db, screen
    return dw.group(1), db.group(1)


async def test_the_graph_states_the_chain_rule_with_hand_worked_numbers():
    # tutorial: x = -2, -1, 1, 2, y = -2x + 2, start w = 10, b = 10:
    # y_hat - y = 12x + 8; dL/dw = 2/4 * sum x(12x + 8) = 0.5 * (12*10 + 0) = 60,
    # dL/db = 2/4 * sum(12x + 8) = 0.5 * 32 = 16
    p = preset("tutorial")
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert chain_rule(app) == ("60", "16")


async def test_the_graph_follows_the_run_and_matches_numpy():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 9)
    y = -0.7 * x + 1.2 + rng.normal(0, 0.2, 9)
    app = formula_app(x, y, 2.0, -1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        for _ in range(3):
            await pilot.press("n")
            await pilot.pause()
            s = app.trainer.state
            dw, db = gradient(x, y, s.w, s.b)
            assert abs(dw - db) > 0.1 * max(abs(dw), abs(db))  # told apart by the check
            shown_dw, shown_db = chain_rule(app)
            assert close(shown_dw, dw), (shown_dw, dw)
            assert close(shown_db, db), (shown_db, db)


# -- the computation graph's arrays: whole up to 6 values, a labelled range above ----------


def graph_row(app, name: str) -> str:
    for line in shown(app.graph_view).splitlines():
        line = line.strip("│ ")
        if line.startswith(name):
            return line
    raise AssertionError(f"no row {name!r} in\n{shown(app.graph_view)}")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_graph_shows_the_four_values_of_the_notes_example(size):
    # seed: x = -2, -1, 1, 2, y = x, w = 10, b = 0: y - y_hat = -9x = 18, 9, -9, -18;
    # squared 324, 81, 81, 324; dL/d(square) = 1/4 each
    p = preset("seed")
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=size) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert graph_row(app, "y − ŷ").split()[3:7] == ["[18", "9", "-9", "-18]"]
        assert graph_row(app, "(y − ŷ)²").split()[3:7] == ["[324", "81", "81", "324]"]
        assert "[0.25 0.25 0.25 0.25]" in graph_row(app, "(y − ŷ)²")


async def test_the_graph_shows_a_long_array_as_its_labelled_range():
    x = np.linspace(-3.0, 5.0, 100)
    app = formula_app(x, 2 * x + 1, 0.0, 0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert "min -3 … max 5 (n=100)" in graph_row(app, "x ")
        # y - y_hat = y at w = b = 0: from 2*(-3) + 1 = -5 to 2*5 + 1 = 11
        assert "min -5 … max 11 (n=100)" in graph_row(app, "y − ŷ")


# -- wide terminals: the numbers on the left, the plots the full height ----------------------


@pytest.mark.parametrize(("size", "wide"), [((200, 50), True), ((160, 40), True),
                                            ((159, 40), False), ((120, 40), False)])
async def test_a_wide_terminal_gives_the_plots_the_room(size, wide):
    p = preset("seed")
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        params, grads, loss = (app.parameters.region, app.gradients.region,
                               app.loss_view.region)
        if wide:
            assert params.right <= loss.x and grads.right <= loss.x  # numbers on the left
            assert grads.y > params.y  # stacked
            assert params.width <= 64  # the columns kept together
            assert loss.height >= size[1] - 4  # all but the message bar and key bar
        else:
            assert params.bottom <= loss.y and grads.y == params.y  # numbers on top, side by side


async def test_the_graph_fits_four_values_at_80x24_after_steps():
    # seed after two steps at lr 0.01: w = 9.1225, b = 0, so y - y_hat = -8.1225x:
    # 16.245, 8.1225, -8.1225, -16.245, two significant digits in the narrow panel
    p = preset("seed")
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "g")
        await pilot.pause()
        assert app.trainer.state.w == pytest.approx(9.1225, rel=1e-12)
        row = graph_row(app, "y − ŷ")
        assert row.split()[3:7] == ["[16", "8.1", "-8.1", "-16]"], row
        assert "…" not in row
        assert graph_row(app, "(y − ŷ)²").endswith("[0.25 0.25 0.25 0.25]")  # not cut
        assert graph_row(app, "w ").split()[1] == "9.1225"  # scalars keep 5 digits
