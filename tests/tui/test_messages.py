"""What the message bar says: the warning that a learning rate is above the critical rate,
the epoch budget being reached, and the plain key hint otherwise.

The critical rate on the seed data, by hand: x = -2, -1, 1, 2 so mean x = 0 and
mean x^2 = 2.5; the Hessian of the MSE is 2*[[mean x^2, mean x], [mean x, 1]] = [[5, 0], [0, 2]],
lambda_max = 5 and the critical rate 2/lambda_max = 0.4."""

from __future__ import annotations

import pytest

from .conftest import seed_app, wait_until_paused

CRITICAL = 2 / 5  # see above


def message(app) -> str:
    """The message bar as rendered, on one line."""
    return " ".join(str(app.message.render()).split())


@pytest.mark.parametrize("lr", [0.5, 0.45])
async def test_a_rate_above_the_critical_one_is_warned_about_at_start(lr):
    assert lr > CRITICAL
    app = seed_app(lr=lr)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = message(app)
        assert f"lr {lr:g} is above the critical rate {CRITICAL:g}" in text, text
        assert "diverge" in text
        assert app.message.has_class("-warning")


async def test_below_the_critical_rate_there_is_no_warning_only_the_hint():
    app = seed_app(lr=0.35)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = message(app)
        assert "critical" not in text
        assert "space play" in text and "? all keys" in text


async def test_raising_the_rate_past_the_critical_one_brings_the_warning():
    app = seed_app(lr=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "critical" not in message(app)
        await pilot.press("plus")  # 0.2 -> 0.5, above 0.4
        await pilot.pause()
        assert app.trainer.state.lr == 0.5
        assert "lr 0.5 is above the critical rate 0.4" in message(app)
        await pilot.press("minus")  # back to 0.2
        await pilot.pause()
        assert "critical" not in message(app)


async def test_the_epoch_budget_reached_is_said_with_how_to_go_on():
    app = seed_app(epochs=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n")
        await pilot.pause()
        assert "budget" not in message(app)
        await pilot.press("n")
        await pilot.pause()
        s = app.trainer.state
        assert (s.epoch, s.epochs) == (3, 3)
        text = message(app)
        assert "reached the 3-epoch budget" in text, text
        assert "epochs 6" in text  # twice the budget, to go on
        assert app.check_action("step", ()) is None
        await pilot.press("colon", *"epochs 6", "enter")
        await pilot.pause()
        assert "budget" not in message(app)


async def test_the_budget_message_writes_large_budgets_with_separators():
    app = seed_app(epochs=1200, lr=0.0001)  # far too slow to converge in 1,200 epochs
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["right_square_bracket"] * 7, "space")  # 200 steps per frame
        await wait_until_paused(pilot)
        await pilot.pause()
        assert app.trainer.state.epoch == 1200
        assert "reached the 1,200-epoch budget" in message(app)
