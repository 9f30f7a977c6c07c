"""`lrtui --version`, `--help`, `train --help`, `python -m lrtui`, and the human report."""

from __future__ import annotations

import re

import lrtui

from .conftest import run_lrtui


def test_version():
    result = run_lrtui("--version")
    assert result.returncode == 0, result
    assert result.stdout.strip() == f"lrtui {lrtui.__version__}", result
    assert result.stderr == "", result


def test_python_dash_m_version_and_train():
    result = run_lrtui("--version", module=True)
    assert result.returncode == 0, result
    assert result.stdout.strip() == f"lrtui {lrtui.__version__}", result
    # The same command line, not just --version: a JSON run and a usage error.
    assert run_lrtui("train", "--json", module=True).stdout == run_lrtui("train", "--json").stdout
    error = run_lrtui("train", "--lr", "0", module=True)
    assert error.returncode == 2 and error.stderr.startswith("lrtui: error: "), error


def test_help():
    result = run_lrtui("--help")
    assert result.returncode == 0, result
    assert result.stderr == "", result
    text = result.stdout
    assert text.startswith("usage: lrtui"), result
    for word in ("train", "--version", "--data", "--preset", "--synthetic", "--lr", "gradient"):
        assert word in text, f"{word!r} missing from --help\n{result}"


def test_train_help():
    result = run_lrtui("train", "--help")
    assert result.returncode == 0, result
    assert result.stderr == "", result
    text = result.stdout
    assert text.startswith("usage: lrtui train"), result
    for word in ("--json", "--every", "--data", "--x", "--y", "--w0", "--b0", "--lr",
                 "--epochs", "--h", "--tol", "--seed", "--noise", "seed", "tutorial"):
        assert word in text, f"{word!r} missing from train --help\n{result}"


def _assert_fits(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line.rstrip()) <= width, f"line wider than {width}: {line!r}"


def test_report_for_the_seed_preset():
    result = run_lrtui("train")
    assert result.returncode == 0, result
    assert result.stderr == "", result
    text = result.stdout
    _assert_fits(text)
    assert "preset seed" in text and "4 points" in text
    assert "500 epochs" in text
    # The table: a header, then rows starting at epoch 0 and ending at epoch 500.
    assert re.search(r"epoch\s+w\s+b\s+loss\s+dL/dw\s+dL/db", text), text
    epochs = [int(m.group(1).replace(",", "")) for m in re.finditer(r"^\s+([\d,]+)\s+\S", text,
                                                                        re.M)]
    assert epochs[0] == 0 and epochs[-1] == 500, epochs
    assert epochs == sorted(epochs)
    assert re.search(r"^\s+0\s+10\s+0\s+202\.5\s+45\s+0\s+45\s*$", text, re.M), text
    for word in ("status", "ran all 500 epochs", "final", "optimum", "w* = 1", "theory",
                 "critical lr", "central difference"):
        assert word in text, f"{word!r} missing\n{text}"


def test_report_for_the_tutorial_preset_converged_and_diverged_runs():
    tutorial = run_lrtui("train", "--preset", "tutorial")
    assert tutorial.returncode == 0 and tutorial.stderr == "", tutorial
    _assert_fits(tutorial.stdout)
    assert "preset tutorial" in tutorial.stdout
    assert "w* = -2" in tutorial.stdout and "b* = 2" in tutorial.stdout

    converged = run_lrtui("train", "--tol", "1e-6", "--epochs", "5000")
    assert converged.returncode == 0 and converged.stderr == "", converged
    assert "converged at epoch" in converged.stdout
    _assert_fits(converged.stdout)

    diverged = run_lrtui("train", "--lr", "1", "--epochs", "2000")
    assert diverged.returncode == 0 and diverged.stderr == "", diverged
    assert "diverged at epoch" in diverged.stdout and "critical" in diverged.stdout
    _assert_fits(diverged.stdout)

    # Values that overflow to inf are shown as '-', with no warning on stderr.
    overflow = run_lrtui("train", "--lr", "1e300")
    assert overflow.returncode == 0 and overflow.stderr == "", overflow
    assert "diverged at epoch" in overflow.stdout
    _assert_fits(overflow.stdout)


def test_report_escapes_names(tmp_path):
    # A file name with rich markup in it is printed as it is, not interpreted.
    path = tmp_path / "[bold]points[red].csv"
    path.write_text("x,y\n1,2\n2,3\n3,5\n")
    result = run_lrtui("train", "--data", str(path))
    assert result.returncode == 0 and result.stderr == "", result
    assert "[bold]points[red].csv" in result.stdout


def test_options_before_the_command_are_kept():
    result = run_lrtui("--lr", "0.05", "train", "--json")
    assert result.returncode == 0, result
    assert '"lr": 0.05' in result.stdout


def test_report_table_fits_80_columns_without_cutting_numbers(tmp_path):
    # Numbers near the limits of float64 and a long epoch count: the table must still fit,
    # and no number may be cut short with an ellipsis.
    path = tmp_path / "wide.csv"
    path.write_text("x,y\n-1.5e149,-3.7e148\n1.23e149,3.3e149\n5e148,-2e149\n")
    for args in (
        ["--data", str(path), "--lr", "1e-299", "--epochs", "12345678", "--w0", "-12345.678",
         "--b0", "-1.2345e140"],
        ["--lr", "0.41", "--epochs", "10000000", "--w0", "-10.123", "--b0", "-3.3"],
    ):
        result = run_lrtui("train", *args)
        assert result.returncode == 0 and result.stderr == "", result
        _assert_fits(result.stdout)
        assert "…" not in result.stdout, result
        assert "12,345,678" in result.stdout or "284" in result.stdout


def test_negative_numbers_with_exponents_are_values_not_options():
    result = run_lrtui("train", "--json", "--w0", "-1e1", "--b0", "-.5E-1", "--epochs", "3")
    assert result.returncode == 0, result
    assert '"w0": -10.0, "b0": -0.05' in result.stdout
