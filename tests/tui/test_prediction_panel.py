"""The parameters panel's subtitle: theory's epochs to tol (the app's tol, 1e-8), the run's
own count beside it once converged, "diverges" above the critical rate; it fits at 80x24."""

from __future__ import annotations

from lrtui.tui.app import DEFAULT_TOL

from .conftest import seed_app, wait_until_paused


def subtitle(app) -> str:
    return str(app.parameters.border_subtitle)


def fits(app) -> bool:
    """The subtitle is drawn whole: '╰─ ' + text + ' ─╯' within the panel's width."""
    return len(subtitle(app)) + 6 <= app.parameters.region.width


async def test_the_prediction_and_the_run_at_80x24():
    app = seed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        theory = app.trainer.theory
        k = theory.predicted_epochs((10.0, 0.0), 0.01, DEFAULT_TOL)
        assert k == 434  # 45 * 0.95^k < 1e-8
        assert subtitle(app) == "predicted: 434 epochs to tol" and fits(app)
        assert app.frame.predicted_epochs == k
        for _ in range(5):  # 1 -> 2 -> 5 -> 10 -> 20 -> 50 steps per frame
            await pilot.press("right_square_bracket")
        await pilot.press("space")
        await wait_until_paused(pilot)
        s = app.trainer.state
        assert s.status == "converged" and s.epoch == 434
        assert subtitle(app) == "predicted 434 · actual 434" and fits(app)


async def test_above_the_critical_rate_it_diverges():
    app = seed_app(lr=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert subtitle(app) == "predicted: diverges" and fits(app)
        app.apply_settings({"lr": 0.1})  # 45 * 0.5^k < 1e-8: k = 33 (45 * 2^-32 = 1.05e-8)
        await pilot.pause()
        assert subtitle(app) == "predicted: 33 epochs to tol"


async def test_a_long_count_still_fits_at_80_columns():
    app = seed_app(lr=1e-6)  # 45 (1 - 5e-6)^k < 1e-8: about 4.4 million epochs
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        k = app.trainer.theory.predicted_epochs((10.0, 0.0), 1e-6, DEFAULT_TOL)
        assert k is not None and k > 1_000_000
        assert subtitle(app) == f"predicted: {k:,} epochs to tol" and fits(app)
