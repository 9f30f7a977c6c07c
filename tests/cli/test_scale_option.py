"""`--scale none|center|standard` on the command line: the JSON contract (config.scale,
result.original, the history in the trained coordinates), the report's line in x's units,
and the one-line refusals."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import run_lrtui, strict_json

CSV = "x,y\n" + "".join(f"{100 + 0.1 * i},{3 * (100 + 0.1 * i) - 5 + (0.05 if i % 2 else -0.05)}\n"
                        for i in range(20))


def _xy(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, 0], data[:, 1]


def test_json_has_the_scale_the_answer_in_x_and_the_trained_history(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(CSV)
    result = run_lrtui("train", "--data", str(path), "--scale", "standard", "--lr", "0.3",
                       "--epochs", "400", "--tol", "1e-11", "--json")
    assert result.returncode == 0, result
    doc = strict_json(result.stdout)
    assert doc["config"]["scale"] == "standard"
    x, y = _xy(path)
    z = (x - x.mean()) / x.std()
    # the history: gradient descent on z, written out here
    w, b = 0.0, 0.0
    for item in doc["history"][:6]:
        assert item["w"] == pytest.approx(w, rel=1e-12, abs=1e-12)
        assert item["b"] == pytest.approx(b, rel=1e-12, abs=1e-12)
        e = w * z + b - y
        w, b = w - 0.3 * 2 * np.mean(e * z), b - 0.3 * 2 * np.mean(e)
    res = doc["result"]
    assert res["status"] == "converged"
    assert res["predicted_epochs"] == res["epochs_run"]
    assert res["critical_lr"] == pytest.approx(1.0, rel=1e-12)
    assert res["hessian_eigenvalues"] == pytest.approx([2.0, 2.0], rel=1e-12)
    (w_star, b_star), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
    orig = res["original"]
    assert orig["w"] == pytest.approx(w_star, rel=1e-9)
    assert orig["b"] == pytest.approx(b_star, rel=1e-9)
    assert orig["w"] == pytest.approx(res["w"] / x.std(), rel=1e-12)
    assert orig["optimum"]["w"] == pytest.approx(w_star, rel=1e-9)
    assert orig["optimum"]["b"] == pytest.approx(b_star, rel=1e-9)
    # the trained parameters are z's: w is about w_x * std, not w_x
    assert res["w"] == pytest.approx(w_star * x.std(), rel=1e-9)


def test_unscaled_json_gives_the_same_line_twice():
    doc = strict_json(run_lrtui("train", "--json", "--epochs", "5").stdout)
    assert doc["config"]["scale"] == "none"
    res = doc["result"]
    assert res["original"]["w"] == res["w"] and res["original"]["b"] == res["b"]
    assert res["original"]["optimum"] == {"w": 1.0, "b": 0.0}


def test_the_report_names_the_line_in_x_units():
    result = run_lrtui("train", "--preset", "tutorial", "--scale", "center", "--lr", "0.1",
                       "--tol", "1e-10", "--epochs", "2000")
    assert result.returncode == 0, result
    assert "x - mean(x)" in result.stdout
    words = " ".join(result.stdout.split())
    assert "in x's units w = -2 b = 2 least squares in x: w = -2 b = 2" in words, result
    assert "w_x = w, b_x = b - w*mean" in words, result


@pytest.mark.parametrize("args, words", [
    (("train", "--scale", "minmax"), ["--scale", "one of none, center, standard"]),
    (("export", "--to", "numpy", "--scale", "unit"), ["--scale", "one of none"]),
])
def test_refusals_are_one_line(args, words):
    result = run_lrtui(*args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lrtui: error: "), result
    for word in words:
        assert word in lines[0], result


def test_export_writes_the_scaling_into_the_script():
    result = run_lrtui("export", "--to", "numpy", "--preset", "tutorial", "--scale", "standard")
    assert result.returncode == 0, result
    assert "x_std = 1.5811388300841898" in result.stdout
    assert "X = (X - x_mean) / x_std" in result.stdout
    assert "--scale standard" in result.stdout  # the same run in lrtui, in the header


def test_standard_on_equal_x_is_refused(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("1,2\n1,3\n1,5\n")
    result = run_lrtui("train", "--data", str(path), "--scale", "standard")
    assert result.returncode == 2 and "all 3 x values" in result.stderr, result
