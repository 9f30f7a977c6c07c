"""`lrtui sweep`: its JSON rows are `lrtui train`'s runs at each rate, its defaults are the
documented ones, its table shows the same numbers, and bad ranges are one-line errors."""

from __future__ import annotations

import math
import re

import pytest

from lrtui.engine import TrainConfig, Trainer, preset

from .conftest import assert_usage_error, run_lrtui, strict_json


def sweep_json(*args: str) -> dict:
    result = run_lrtui("sweep", "--json", *args)
    assert result.returncode == 0 and result.stderr == "", result
    assert result.stdout.count("\n") == 1, result
    doc = strict_json(result.stdout)
    assert list(doc) == ["config", "rows"]
    return doc


def test_the_defaults_and_every_row_against_the_engine():
    doc = sweep_json()
    config, rows = doc["config"], doc["rows"]
    p = preset("seed")
    theory = Trainer(p.data, TrainConfig.from_preset(p)).theory
    critical = theory.critical_lr  # 2/5 for the seed data
    assert config["critical_lr"] == critical == 0.4
    assert config["count"] == 20 and len(rows) == 20
    assert config["lr_max"] == 1.1 * critical and config["lr_min"] == 1.1 * critical / 100
    assert (config["tol"], config["epochs"], config["w0"], config["b0"]) == (1e-8, 500, 10, 0)
    assert "lr" not in config
    assert rows[0]["lr"] == config["lr_min"] and rows[-1]["lr"] == config["lr_max"]
    for row in rows:
        assert set(row) == {"lr", "status", "stop_reason", "epochs_run", "final_loss",
                            "predicted_epochs"}
        t = Trainer(p.data, TrainConfig.from_preset(p, lr=row["lr"], tol=1e-8))
        s = t.run()
        assert (row["status"], row["epochs_run"]) == (s.status, s.epoch)
        assert row["final_loss"] == s.loss
        assert row["predicted_epochs"] == theory.predicted_epochs((10.0, 0.0), row["lr"], 1e-8)
    assert rows[-1]["status"] == "diverged" and rows[-1]["predicted_epochs"] is None


def test_a_row_is_what_lrtui_train_prints_for_that_rate():
    args = ("--preset", "tutorial", "--epochs", "800", "--tol", "1e-6")
    rows = sweep_json(*args, "--lr-min", "0.001", "--lr-max", "0.5", "--count", "5")["rows"]
    assert {r["stop_reason"] for r in rows} == {"epochs", "converged", "diverged"}
    for row in rows:
        out = run_lrtui("train", "--json", "--every", "100000", *args, "--lr", repr(row["lr"]))
        assert out.returncode == 0, out
        result = strict_json(out.stdout)["result"]
        assert result["status"] == row["status"]
        assert result["stop_reason"] == row["stop_reason"]
        assert result["epochs_run"] == row["epochs_run"]
        assert result["loss"] == row["final_loss"]
        assert result["predicted_epochs"] == row["predicted_epochs"]


def test_a_loss_that_stopped_being_finite_is_null():
    rows = sweep_json("--lr-min", "1e299", "--lr-max", "1e300", "--count", "2")["rows"]
    assert [r["status"] for r in rows] == ["diverged", "diverged"]
    assert rows[-1]["final_loss"] is None  # 2.5 * (45e300)^2 overflows
    assert rows[-1]["epochs_run"] == 1


def test_the_table_shows_the_same_numbers():
    args = ("--lr-min", "0.01", "--lr-max", "0.5", "--count", "4")
    rows = sweep_json(*args)["rows"]
    result = run_lrtui("sweep", *args)
    assert result.returncode == 0 and result.stderr == "", result
    text = result.stdout
    words = " ".join(text.split())
    assert "critical lr 2/lambda_max = 0.4" in words and "tol = 1e-08" in words
    for row in rows:
        lr = f"{row['lr']:.6g}"
        line = next(ln for ln in text.splitlines() if ln.split()[:1] == [lr])
        cells = line.split()
        assert cells[3] == f"{row['epochs_run']:,}"
        predicted = row["predicted_epochs"]
        assert cells[4] == (f"{predicted:,}" if predicted is not None else "diverges")
        assert math.isclose(float(cells[5]), row["final_loss"], rel_tol=1e-5)
        word = {"converged": "converged", "diverged": "diverged", "epochs": "budget"}
        assert cells[2] == word[row["stop_reason"]]


def test_data_and_training_options_reach_the_sweep():
    doc = sweep_json("--synthetic", "200", "--noise", "0.3", "--seed", "4", "--w0", "2",
                     "--b0", "-1", "--epochs", "50", "--tol", "1e-3", "--count", "3")
    config = doc["config"]
    assert config["data"]["n"] == 200 and (config["w0"], config["b0"]) == (2, -1)
    assert (config["epochs"], config["tol"]) == (50, 1e-3)
    assert all(r["epochs_run"] <= 50 for r in doc["rows"])


@pytest.mark.parametrize(("args", "words"), [
    (("--lr-min", "0.5", "--lr-max", "0.1"), ("--lr-min", "below", "--lr-max")),
    (("--lr-min", "0.1", "--lr-max", "0.1"), ("below",)),
    (("--lr-min", "1"), ("below", "critical")),  # above the default lr_max 0.44
    (("--count", "1"), ("--count", "2")),
    (("--count", "many"), ("--count", "whole number")),
    (("--lr-min", "0"), ("--lr-min", "greater than 0")),
    (("--lr-max", "-0.2"), ("--lr-max", "greater than 0")),
    (("--lr", "0.1"), ("--lr-min", "--lr-max")),
    (("--json", "--every", "2"), ("--every",)),
])
def test_bad_input_is_one_line(args, words):
    assert_usage_error(run_lrtui("sweep", *args), *words)


def test_session_is_refused():
    assert_usage_error(run_lrtui("--session", "x.json", "sweep"), "session", "sweep")


def test_help_lists_the_sweep():
    out = run_lrtui("--help")
    assert re.search(r"sweep\s+one headless run per learning rate", out.stdout), out


def test_the_header_says_what_a_scaled_sweep_trains_on():
    plain = run_lrtui("sweep", "--count", "3", columns=200).stdout
    assert "trained on" not in plain and "kappa = " in plain
    scaled = run_lrtui("sweep", "--count", "3", "--scale", "standard", columns=200)
    assert scaled.returncode == 0, scaled
    text = " ".join(scaled.stdout.split())
    assert "trained on z = (x - mean(x)) / std(x) (--scale standard" in text
    assert "kappa = 1;" in text and "critical lr 2/lambda_max = 1;" in text
