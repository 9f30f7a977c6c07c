"""ctrl+s saves the session, e exports the history as CSV, s saves a screenshot: into the
current folder, under a new timestamped name, and the message bar says where. A saved
session opens in the app exactly where it was, and stepping on there gives the same
numbers as the app that saved it."""

from __future__ import annotations

import csv
import os

import pytest

from lrtui.present.view import ViewSettings
from lrtui.session import load_session
from lrtui.tui.app import LrtuiApp

from .conftest import seed_app, value_text


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def message(app: LrtuiApp) -> str:
    return str(app.message.render())


async def test_ctrl_s_saves_a_session_that_resumes_exactly(in_tmp):
    app = seed_app(lr=0.02)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["n"] * 30, "l", "t", "f", *["right_square_bracket"] * 2)
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = list(in_tmp.glob("lrtui-session-*.json"))
        assert len(saved) == 1
        assert str(saved[0].resolve()) in message(app).replace("\n", "")
        assert app.message.has_class("-success")
        await pilot.press("n", "n", "n")  # the app that saved goes on
        reference = app.trainer.state
    trainer, view = load_session(saved[0])
    assert view == ViewSettings(speed=5, log=True, tangents=True, formulas=True)
    resumed = LrtuiApp(trainer, view=view)
    async with resumed.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert resumed.trainer.state.epoch == 30
        assert value_text(resumed, "parameters", "epoch") == "30 / 500"
        assert resumed.view.log and resumed.view.tangents
        assert resumed.screen.has_class("-formula") and resumed.view.speed == 5
        await pilot.press("n", "n", "n")
        assert resumed.trainer.state == reference  # bit for bit


async def test_e_exports_the_history_and_s_a_screenshot(in_tmp):
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["n"] * 5, "e")
        await pilot.pause()
        [history] = in_tmp.glob("lrtui-history-*.csv")
        assert str(history.resolve()) in message(app).replace("\n", "")
        with open(history, newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0][:4] == ["epoch", "w", "b", "loss"] and len(rows) == 7
        assert float(rows[-1][1]) == app.trainer.state.w
        await pilot.press("s")
        await pilot.pause()
        [shot] = in_tmp.glob("lrtui-screenshot-*.svg")
        assert shot.read_text().lstrip().startswith("<svg")
        assert "screenshot" in message(app)
        assert str(shot.resolve()) in message(app).replace("\n", "")
        await pilot.press("e")  # a second export: a new name, the first one kept
        await pilot.pause()
        assert len(list(in_tmp.glob("lrtui-history-*.csv"))) == 2


async def test_saving_where_nothing_can_be_written_says_why(in_tmp):
    gone = in_tmp / "gone"
    gone.mkdir()
    os.chdir(gone)
    gone.rmdir()  # the current folder no longer exists: every write fails
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "could not save the session" in message(app)
        assert app.message.has_class("-error")
        assert app.is_running
