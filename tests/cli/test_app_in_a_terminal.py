"""`lrtui`, `lrtui --session FILE` and `lrtui demo`, started for real from the command line
in a pseudo-terminal of 100x30: the first screen shows what it should, and q quits with
exit code 0."""

from __future__ import annotations

import sys

import pytest

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.present.view import ViewSettings
from lrtui.session import save_session

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def test_the_app_starts_and_q_quits(terminal, tmp_path):
    t = terminal("--lr", "0.05", cwd=tmp_path)
    t.wait_for("parameters", "0 / 500", "0.05")
    t.send(b"q")
    assert t.wait_exit() == 0
    assert "Traceback" not in t.text()


def test_a_saved_session_resumes_where_it_was(terminal, tmp_path):
    p = preset("seed")
    trainer = Trainer(p.data, TrainConfig.from_preset(p, lr=0.02, epochs=700))
    trainer.run(37)
    path = save_session(trainer, ViewSettings(log=True), folder=tmp_path)
    t = terminal("--session", str(path), cwd=tmp_path)
    # the resumed epoch of the resumed budget, the rate, and the loss plot on a log scale
    t.wait_for("parameters", "37 / 700", "0.02", "log scale")
    t.send(b"n")  # and it steps on from there
    t.wait_for("38 / 700")
    t.send(b"q")
    assert t.wait_exit() == 0
    assert "Traceback" not in t.text()


def test_the_demo_starts_on_its_first_stage_and_q_quits(terminal, tmp_path):
    t = terminal("demo", "--pace", "0", cwd=tmp_path)
    t.wait_for("tour 1/", "parameters")
    t.send(b"n")  # the tour's own key: the next stage
    t.wait_for("tour 2/")
    t.send(b"q")
    assert t.wait_exit() == 0
    assert "Traceback" not in t.text()


def test_lrtui_race_app_starts_and_its_runners_step_together(terminal, tmp_path):
    t = terminal("race", "--app", "--preset", "tutorial", cwd=tmp_path)
    t.wait_for("the race", "adam lr=0.1", "sgd lr=0.2353 momentum")
    t.send(b"n")
    t.wait_for("1 / 500")
    t.send(b"q")
    assert t.wait_exit() == 0
    assert "Traceback" not in t.text()
