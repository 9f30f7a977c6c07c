"""`lrtui train --tol`: theory's predicted epochs in the JSON result and in the report's
status line, the same number as the engine computes (and, below the critical rate, the
same as the run's own)."""

from __future__ import annotations

import re

import pytest

from lrtui.engine import TrainConfig, Trainer, preset, synthetic

from .conftest import run_lrtui, strict_json


def result_of(*args: str) -> dict:
    out = run_lrtui("train", "--json", "--every", "1000000", *args)
    assert out.returncode == 0, out
    return strict_json(out.stdout)["result"]


@pytest.mark.parametrize(("args", "expected"), [
    (("--tol", "1e-8"), 434),  # 45 * 0.95^k < 1e-8 first at k = 434
    (("--tol", "1e-8", "--lr", "0.39"), 434),  # |1 - 5*0.39| = 0.95 too
    (("--tol", "1e-3", "--lr", "0.1"), 16),  # 45 * 0.5^k < 1e-3: k = 16 (0.00069)
    (("--tol", "1e-8", "--lr", "0.5"), None),  # above the critical 0.4
])
def test_the_json_key_on_the_seed_data(args, expected):
    result = result_of(*args)
    assert result["predicted_epochs"] == expected
    if expected is not None:
        assert result["status"] == "converged" and result["epochs_run"] == expected


def test_without_tol_the_key_is_absent():
    assert "predicted_epochs" not in result_of()


def test_on_synthetic_data_it_agrees_with_the_engine_and_the_run():
    args = ("--synthetic", "500", "--noise", "0.4", "--seed", "7", "--intercept", "3",
            "--w0", "-2", "--b0", "5", "--lr", "0.2", "--tol", "1e-7", "--epochs", "5000")
    result = result_of(*args)
    data = synthetic(500, 1.0, 3.0, 0.4, 7)
    t = Trainer(data, TrainConfig(w0=-2, b0=5, lr=0.2, epochs=5000, tol=1e-7))
    k = t.theory.predicted_epochs((-2.0, 5.0), 0.2, 1e-7)
    assert k is not None and result["predicted_epochs"] == k
    assert t.run().epoch == result["epochs_run"]
    assert abs(result["epochs_run"] - k) <= 1


@pytest.mark.parametrize(("args", "pattern"), [
    (("--tol", "1e-8"), r"converged at epoch 434 \(theory predicted 434;"),
    (("--tol", "1e-8", "--lr", "0.001"),
     r"ran all 500 epochs \(gradient norm [\d.]+, not below tol = 1e-08; theory\s+predicted"
     r"\s+4,435\)"),
    (("--tol", "1e-8", "--lr", "0.5"), r"\(theory\s+predicted\s+divergence\)"),
])
def test_the_report_line(args, pattern):
    out = run_lrtui("train", *args, columns=200)
    assert out.returncode == 0, out
    assert re.search(pattern, out.stdout), out
    if "--lr" in args and "0.001" in args:  # the 4,435 above is the engine's number
        p = preset("seed")
        theory = Trainer(p.data, TrainConfig.from_preset(p)).theory
        assert theory.predicted_epochs((10.0, 0.0), 0.001, 1e-8) == 4435


def test_without_tol_the_report_says_nothing_of_it():
    out = run_lrtui("train")
    assert "predicted" not in out.stdout
