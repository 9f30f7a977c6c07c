"""`lrtui train --json`: one strict JSON document whose numbers are exactly the engine's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtui.engine import TrainConfig, Trainer, load_csv, preset, synthetic
from lrtui.engine.state import COLUMNS

from .conftest import run_lrtui, strict_json

HISTORY_KEYS = ["epoch", "w", "b", "loss", "dw", "db", "dw_numeric", "db_numeric"]
RESULT_KEYS = {"status", "epochs_run", "w", "b", "loss", "optimum", "critical_lr"}


def train_json(*args: str) -> dict:
    result = run_lrtui("train", "--json", *args)
    assert result.returncode == 0, result
    assert result.stderr == "", result
    # Exactly one document: a strict parse of the whole of stdout (one trailing newline).
    assert result.stdout.endswith("}\n") and result.stdout.count("\n") == 1, result
    doc = strict_json(result.stdout)
    assert isinstance(doc, dict) and list(doc) == ["config", "history", "result"]
    return doc


def engine_run(data, config: TrainConfig):
    """The same run in this process, through lrtui.engine (no CLI code involved)."""
    trainer = Trainer(data, config)
    trainer.run()
    rows = trainer.history.rows()
    assert len(rows) == trainer.state.epoch + 1  # short runs keep every record exactly
    return rows, trainer.state


def expected_item(row: np.ndarray) -> dict:
    item = {"epoch": int(row[0])}
    for name, value in zip(COLUMNS[1:], row[1:], strict=True):
        item[name] = float(value) if math.isfinite(value) else None
    return item


def assert_history_is(doc: dict, rows: np.ndarray, epochs: list[int] | None = None) -> None:
    history = doc["history"]
    for item in history:
        assert list(item) == HISTORY_KEYS
        assert isinstance(item["epoch"], int)
    wanted = [int(r[0]) for r in rows] if epochs is None else epochs
    assert [item["epoch"] for item in history] == wanted
    for item in history:
        # Exact equality: JSON floats must round-trip to the very same float64.
        assert item == expected_item(rows[item["epoch"]]), item["epoch"]


def assert_result_is(doc: dict, state, theory=None) -> None:
    result = doc["result"]
    assert RESULT_KEYS <= set(result)
    assert set(result["optimum"]) == {"w", "b", "loss"}
    assert result["status"] == state.status
    assert result["epochs_run"] == state.epoch == doc["history"][-1]["epoch"]
    last = doc["history"][-1]
    for key in ("w", "b", "loss"):
        assert result[key] == last[key]


def test_seed_preset_matches_the_engine_exactly():
    doc = train_json()
    p = preset("seed")
    config = TrainConfig.from_preset(p)
    rows, state = engine_run(p.data, config)
    assert doc["config"]["w0"] == 10.0 and doc["config"]["b0"] == 0.0
    assert doc["config"]["lr"] == 0.01 and doc["config"]["epochs"] == 500
    assert doc["config"]["h"] == 0.01 and doc["config"]["tol"] is None
    assert doc["config"]["data"]["n"] == 4
    assert len(doc["history"]) == 501
    assert_history_is(doc, rows)
    assert_result_is(doc, state)
    result = doc["result"]
    assert result["optimum"] == {"w": 1.0, "b": 0.0, "loss": 0.0}
    assert result["critical_lr"] == pytest.approx(0.4, rel=1e-15)
    assert result["stop_reason"] == "epochs"
    # The first record is the start: the notes' numbers.
    first = doc["history"][0]
    assert (first["w"], first["b"], first["loss"], first["dw"], first["db"]) == (
        10.0, 0.0, 202.5, 45.0, 0.0)


def test_tutorial_preset_with_overrides():
    args = ["--preset", "tutorial", "--w0", "-3.5", "--b0", "4", "--lr", "0.05",
            "--epochs", "300", "--h", "0.001"]
    doc = train_json(*args)
    p = preset("tutorial")
    config = TrainConfig(w0=-3.5, b0=4.0, lr=0.05, epochs=300, h=0.001)
    rows, state = engine_run(p.data, config)
    for key, value in (("w0", -3.5), ("b0", 4.0), ("lr", 0.05), ("epochs", 300), ("h", 0.001)):
        assert doc["config"][key] == value
    assert doc["config"]["data"]["source"] == {"kind": "preset", "name": "tutorial"}
    assert_history_is(doc, rows)
    assert_result_is(doc, state)
    assert doc["result"]["optimum"]["w"] == pytest.approx(-2.0, abs=1e-12)
    assert doc["result"]["optimum"]["b"] == pytest.approx(2.0, abs=1e-12)


@pytest.mark.parametrize("every", [1, 7, 100, 499, 500, 10_000])
def test_every_keeps_every_kth_record_plus_first_and_last(every):
    doc = train_json("--every", str(every))
    p = preset("seed")
    rows, _ = engine_run(p.data, TrainConfig.from_preset(p))
    epochs = sorted({0, 500, *range(0, 501, every)})
    assert_history_is(doc, rows, epochs)


def test_synthetic_is_reproducible_and_matches_the_engine():
    args = ["--synthetic", "50", "--slope", "3.5", "--intercept", "-1.25", "--noise", "0.3",
            "--seed", "7", "--epochs", "200", "--lr", "0.05"]
    first = run_lrtui("train", "--json", *args)
    second = run_lrtui("train", "--json", *args)
    assert first.returncode == 0 and first.stdout == second.stdout, first
    other_seed = run_lrtui("train", "--json", *args[:-4], "--seed", "8", *args[-2:])
    assert other_seed.returncode == 0 and other_seed.stdout != first.stdout
    doc = strict_json(first.stdout)
    data = synthetic(50, 3.5, -1.25, 0.3, 7)
    rows, state = engine_run(data, TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=200))
    assert doc["config"]["data"]["source"] == dict(
        kind="synthetic", n=50, slope=3.5, intercept=-1.25, noise=0.3, seed=7)
    assert doc["config"]["w0"] == 0.0 and doc["config"]["b0"] == 0.0
    assert_history_is(doc, rows)
    assert_result_is(doc, state)


CSV_WITH_HEADER = "t,x,y\n0,-2,-3.5\n1,-1,-1\n2,1,2.25\n3,2,4.5\n4,3.5,7\n"
CSV_NO_HEADER = "".join(CSV_WITH_HEADER.splitlines(keepends=True)[1:])


@pytest.mark.parametrize(
    "text, columns",
    [
        (CSV_WITH_HEADER, ["--x", "x", "--y", "y"]),  # by header name
        (CSV_WITH_HEADER, ["--x", "1", "--y", "2"]),  # by 0-based index, with a header
        (CSV_NO_HEADER, ["--x", "1", "--y", "2"]),  # by index, no header
        (CSV_WITH_HEADER.replace(",", ";"), ["--x", "x", "--y", "2"]),  # semicolons, mixed
        (CSV_NO_HEADER.replace(",", "\t"), ["--x", "1", "--y", "2"]),  # tabs
        ("# a comment\n\n" + CSV_WITH_HEADER.replace(",", "  "), ["--x", "x", "--y", "y"]),
    ],
)
def test_csv_columns_by_name_or_index_header_optional(tmp_path, text, columns):
    path = tmp_path / "points.csv"
    path.write_text(text)
    doc = train_json("--data", str(path), *columns, "--epochs", "300", "--lr", "0.05")
    data = load_csv(path, 1, 2)
    np.testing.assert_array_equal(data.x, [-2, -1, 1, 2, 3.5])
    rows, state = engine_run(data, TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=300))
    assert doc["config"]["data"]["n"] == 5
    assert doc["config"]["data"]["source"]["kind"] == "csv"
    assert_history_is(doc, rows)
    assert_result_is(doc, state)


def test_csv_default_columns_are_0_and_1(tmp_path):
    path = tmp_path / "xy.csv"
    path.write_text("x,y\n1,2\n2,3\n3,5\n")
    doc = train_json("--data", str(path))
    data = load_csv(path)
    rows, state = engine_run(data, TrainConfig(w0=0.0, b0=0.0, lr=0.01, epochs=500))
    assert_history_is(doc, rows)
    assert_result_is(doc, state)


def test_tol_stops_the_history_at_convergence():
    tol = 1e-6
    doc = train_json("--tol", str(tol), "--epochs", "100000")
    history, result = doc["history"], doc["result"]
    assert doc["config"]["tol"] == tol
    assert result["status"] == "converged" and result["stop_reason"] == "converged"
    last = history[-1]
    assert result["epochs_run"] == last["epoch"] < 100_000
    assert [item["epoch"] for item in history] == list(range(last["epoch"] + 1))
    assert math.hypot(last["dw"], last["db"]) < tol
    # It stops at the first record below tol, not later.
    assert all(math.hypot(item["dw"], item["db"]) >= tol for item in history[:-1])
    p = preset("seed")
    rows, state = engine_run(p.data, TrainConfig.from_preset(p, epochs=100000, tol=tol))
    assert_history_is(doc, rows)
    assert_result_is(doc, state)


def test_tol_with_every_still_ends_at_the_converged_record():
    doc = train_json("--tol", "1e-6", "--epochs", "100000", "--every", "1000")
    full = train_json("--tol", "1e-6", "--epochs", "100000")
    last = full["history"][-1]
    assert doc["history"][-1] == last
    assert [i["epoch"] for i in doc["history"]] == sorted(
        {0, last["epoch"], *range(0, last["epoch"] + 1, 1000)})


def test_diverged_run_parses_strictly():
    doc = train_json("--lr", "1", "--epochs", "2000")
    result = doc["result"]
    assert result["status"] == "diverged" and result["stop_reason"] == "diverged"
    assert result["epochs_run"] == doc["history"][-1]["epoch"] < 2000
    assert result["critical_lr"] == pytest.approx(0.4)
    assert "critical" in result["divergence_cause"]
    p = preset("seed")
    rows, state = engine_run(p.data, TrainConfig.from_preset(p, lr=1.0, epochs=2000))
    assert_history_is(doc, rows)
    assert_result_is(doc, state)


def test_non_finite_values_are_null():
    # So large a rate that w*w overflows float64 within a few steps: inf and NaN appear.
    result = run_lrtui("train", "--json", "--lr", "1e300", "--epochs", "50")
    assert result.returncode == 0 and result.stderr == "", result
    text = result.stdout
    for constant in ("NaN", "Infinity"):
        assert constant not in text
    doc = strict_json(text)
    assert doc["result"]["status"] == "diverged"
    assert doc["result"]["loss"] is None
    assert any(item["loss"] is None for item in doc["history"])
    p = preset("seed")
    rows, state = engine_run(p.data, TrainConfig.from_preset(p, lr=1e300, epochs=50))
    assert not np.isfinite(rows).all()  # the case really has non-finite values
    assert_history_is(doc, rows)
    assert_result_is(doc, state)
