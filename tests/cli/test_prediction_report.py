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


# -- --gap: the first epoch with L - L* below G, and theory's prediction of it ---------------

def test_gap_in_the_json_on_the_seed_data():
    # An independent count: the history's own w, b put into L - L* = 0.5 * e^T H e, with
    # e the error from the optimum and H the Hessian.
    out = run_lrtui("train", "--json", "--gap", "1e-6", "--epochs", "2000")
    assert out.returncode == 0, out
    doc = strict_json(out.stdout)
    result = doc["result"]
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p))
    h = t.theory.hessian
    w_opt, b_opt = t.theory.optimum.w, t.theory.optimum.b
    first = None
    for item in doc["history"]:
        e = [item["w"] - w_opt, item["b"] - b_opt]
        gap = 0.5 * (h[0, 0] * e[0] ** 2 + 2 * h[0, 1] * e[0] * e[1] + h[1, 1] * e[1] ** 2)
        if gap < 1e-6:
            first = item["epoch"]
            break
    assert first is not None and result["epochs_to_gap"] == first
    assert result["gap"] == 1e-6
    assert abs(result["predicted_epochs_to_gap"] - first) <= 1


def test_gap_not_reached_and_above_the_critical_rate():
    result = result_of("--gap", "1e-30", "--epochs", "10")
    assert result["epochs_to_gap"] is None and result["predicted_epochs_to_gap"] > 10
    result = result_of("--gap", "1e-6", "--lr", "0.5", "--epochs", "10")
    assert result["epochs_to_gap"] is None and result["predicted_epochs_to_gap"] is None


def test_without_gap_the_keys_are_absent_and_kappa_is_there():
    result = result_of()
    assert "epochs_to_gap" not in result and "predicted_epochs_to_gap" not in result
    lam_min, lam_max = result["hessian_eigenvalues"]
    assert result["condition_number"] == pytest.approx(lam_max / lam_min, rel=1e-15)
    # kappa by numpy's eigvalsh of the Hessian 2/n [[sum x^2, sum x], [sum x, n]]
    import numpy as np

    x = preset("seed").data.x
    hessian = 2.0 / len(x) * np.array([[x @ x, x.sum()], [x.sum(), len(x)]])
    eig = np.linalg.eigvalsh(hessian)
    assert result["condition_number"] == pytest.approx(eig[1] / eig[0], rel=1e-12)


def test_gap_in_the_report_and_a_bad_gap():
    out = run_lrtui("train", "--gap", "1e-6", "--epochs", "2000", columns=200)
    assert out.returncode == 0, out
    assert re.search(r"L - L\*\s+first below 1e-06 at epoch [\d,]+ \(theory predicted [\d,]+\)",
                     out.stdout), out.stdout
    assert re.search(r"kappa = [\d.]+", out.stdout)
    bad = run_lrtui("train", "--gap", "0")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "lrtui: error:" in bad.stderr
