"""`lrtui race`: each runner is the run `lrtui train` makes with its settings; the default
field is theory's (descent at 2/(l_min + l_max), heavy ball and Nesterov tuned, Adam); the
table ranks by epochs to tol, then final loss; bad specs are one-line errors."""

from __future__ import annotations

import math

import pytest

from lrtui.engine import TrainConfig, Trainer, preset

from .conftest import run_lrtui, strict_json


def race_json(*args: str) -> dict:
    out = run_lrtui("race", "--json", *args)
    assert out.returncode == 0 and out.stderr == "", out
    return strict_json(out.stdout)


def test_the_default_field_is_theorys_and_each_run_is_lrtui_trains():
    doc = race_json("--preset", "tutorial", "--epochs", "2000")
    assert list(doc) == ["config", "runs"] and len(doc["runs"]) == 4
    lam_min, lam_max = 2.0, 5.0  # the tutorial data's Hessian: x = -2, -1, 1, 2
    specs = [r["spec"] for r in doc["runs"]]
    assert specs[0] == {"optimizer": "sgd", "lr": pytest.approx(2 / (lam_min + lam_max))}
    q = (math.sqrt(lam_max) - math.sqrt(lam_min)) / (math.sqrt(lam_max) + math.sqrt(lam_min))
    assert specs[1]["momentum"] == pytest.approx(q * q)
    assert specs[2]["nesterov"] is True and specs[3]["optimizer"] == "adam"
    p = preset("tutorial")
    for run in doc["runs"]:
        t = Trainer(p.data, TrainConfig.from_preset(p, epochs=2000, tol=1e-8, **run["spec"]))
        s = t.run()
        assert run["result"]["epochs_run"] == s.epoch and run["result"]["w"] == s.w
        assert run["history"][-1]["w"] == s.w and run["history"][0]["epoch"] == 0
        assert run["result"]["status"] == "converged"
    # momentum tuned by theory beats plain descent at its own best rate
    epochs = [r["result"]["epochs_run"] for r in doc["runs"]]
    assert epochs[1] < epochs[0]


def test_runs_given_by_hand_and_the_table():
    args = ("--run", "optimizer=adam lr=0.5", "--run", "momentum=0.5 lr=0.05",
            "--epochs", "300")
    doc = race_json(*args)
    assert doc["runs"][0]["config"]["optimizer"]["name"] == "adam"
    assert doc["runs"][1]["config"]["optimizer"]["momentum"] == 0.5
    text = run_lrtui("race", *args, columns=200).stdout
    lines = [ln for ln in text.splitlines() if "adam lr=" in ln or "momentum=" in ln]
    assert len(lines) == 2 and "momentum=0.5" in lines[0]  # converged first: ranked first


@pytest.mark.parametrize(("args", "words"), [
    (("--run", "optimizer=adam momentum=0.9"), "momentum does not apply to adam"),
    (("--run", "lr"), "write each setting as name=value"),
    (("--run", "w=3"), "is not a runner's setting"),
    (("--run", "lr=0.1",) * 5, "at most 4 runners"),
    (("--run", "beta1=1.5 optimizer=adam"), "beta1 must be below 1"),
])
def test_bad_runners_are_one_line(args, words):
    out = run_lrtui("race", *args)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out
    assert out.stderr.startswith("lrtui: error:") and words in out.stderr, out.stderr
