"""Sessions: save, load, the state is equal, and stepping on gives the same numbers as never
having stopped, bit for bit (also past 10,000 epochs, where the history is thinned); damaged
and foreign files give one-line errors and are never written to; writes are atomic; the
history as CSV."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from lrtui import session as session_mod
from lrtui.engine import DataError, TrainConfig, Trainer, load_csv, preset, synthetic
from lrtui.session import (
    ViewSettings,
    export_history,
    load_session,
    save_session,
    timestamped_path,
    write_atomic,
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def seed_trainer(**overrides) -> Trainer:
    p = preset("seed")
    return Trainer(p.data, TrainConfig.from_preset(p, **overrides))


def same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (NaN equal to NaN)."""
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_run(a: Trainer, b: Trainer) -> None:
    assert a.state == b.state or (a.state.status == b.state.status == "diverged"
                                  and same_rows(a.history.last(), b.history.last()))
    assert a.history.stride == b.history.stride
    assert a.history.recent_count == b.history.recent_count
    assert same_rows(a.history.rows(), b.history.rows())
    assert a.current_config() == b.current_config()


def round_trip(trainer: Trainer, view: ViewSettings | None = None):
    path = save_session(trainer, view or ViewSettings())
    assert path.resolve().parent == Path.cwd()  # in the current folder
    return load_session(path)


def test_a_long_run_resumes_bit_for_bit_through_the_thinned_history():
    # lr small enough that 60,000 epochs do not converge: the history thins (stride > 1).
    a = seed_trainer(lr=1e-4, epochs=90_000)
    a.run(60_000)
    assert a.history.stride > 1 and a.state.epoch == 60_000
    # settings changed mid-run are part of the session
    a.set_lr(2e-4)
    a.set_h(0.001)
    a.run(123)
    b, view = round_trip(a, ViewSettings(speed=20, log=True, tangents=True, formulas=True))
    assert view == ViewSettings(speed=20, log=True, tangents=True, formulas=True)
    assert_same_run(a, b)
    a.run(25_000)
    b.run(25_000)  # stepping on: the same numbers as never having stopped
    assert_same_run(a, b)
    a.back()
    b.back()
    assert a.state == b.state


def test_the_file_is_the_documented_json(in_tmp):
    a = seed_trainer()
    a.run(7)
    path = save_session(a)
    assert path.name.startswith("lrtui-session-") and path.suffix == ".json"
    doc = json.loads(path.read_text())
    assert doc["format"] == "lrtui-session" and doc["version"] == 1
    assert doc["data"]["source"] == {"kind": "preset", "name": "seed"}
    assert doc["config"] == {"w0": 10.0, "b0": 0.0, "lr": 0.01, "epochs": 500, "h": 0.01,
                             "tol": None, "grad": "analytic"}
    assert doc["state"]["epoch"] == 7 and doc["state"]["w"] == a.state.w
    assert [r[0] for r in doc["history"]["recent"]] == list(range(8))
    assert doc["history"]["past"] == [] and doc["history"]["stride"] == 1


@pytest.mark.parametrize("grad", ["numeric", "autograd"])
def test_other_gradient_sources_resume_exactly(grad):
    a = seed_trainer(grad=grad, lr=0.05)
    a.run(40)
    b, _ = round_trip(a)
    assert b.grad == grad
    assert_same_run(a, b)
    a.run(30)
    b.run(30)
    assert_same_run(a, b)


def test_a_diverged_run_with_non_finite_values_round_trips():
    a = seed_trainer(lr=0.9, epochs=5000)
    a.run()
    assert a.state.status == "diverged"
    b, _ = round_trip(a)
    assert_same_run(a, b)
    assert not b.can_step


def test_synthetic_and_csv_data_are_rebuilt_from_their_recipe(in_tmp):
    data = synthetic(500, slope=2.0, intercept=-1.0, noise=0.3, seed=7)
    a = Trainer(data, TrainConfig(w0=0, b0=0, lr=0.1, epochs=300))
    a.run(50)
    b, _ = round_trip(a)
    assert b.data.source == data.source
    assert_same_run(a, b)

    csv_path = in_tmp / "points.csv"
    csv_path.write_text("when,x,y\n1,1,2.5\n2,2,4.4\n3,3,6.1\n")
    data = load_csv("points.csv", "x", "y")
    c = Trainer(data, TrainConfig(w0=0, b0=0, lr=0.02, epochs=100))
    c.run(10)
    path = save_session(c)
    os.chdir(in_tmp.parent)  # the recipe holds the absolute path: resumable from elsewhere
    d, _ = load_session(in_tmp / path)
    assert_same_run(c, d)
    csv_path.write_text("when,x,y\n1,1,2.5\n2,2,4.4\n3,3,6.2\n")  # the data changed since
    with pytest.raises(DataError, match="not the data this session was saved with"):
        load_session(in_tmp / path)


def _damage_cases(doc: dict, text: str) -> dict[str, tuple[str | bytes, str]]:
    """name -> (file content, a phrase its error message must contain)."""

    def edited(change) -> str:
        d = json.loads(text)
        change(d)
        return json.dumps(d)

    return {
        "truncated": (text[: len(text) // 2], "not valid JSON"),
        "empty": ("", "not valid JSON"),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not a UTF-8 text file"),
        "foreign JSON": (json.dumps({"name": "my notes", "items": [1, 2]}), "not an lrtui session"),
        "a JSON list": ("[1, 2, 3]", "not an lrtui session"),
        "newer version": (edited(lambda d: d.update(version=99)), "newer"),
        "missing history": (edited(lambda d: d.pop("history")), "history is missing"),
        "state does not match": (edited(lambda d: d["state"].update(w=3.0)),
                                 "does not match"),
        "a record too short": (edited(lambda d: d["history"]["recent"][0].pop()),
                               "history.recent record 1"),
        "a word for a number": (edited(lambda d: d["history"]["recent"][1].__setitem__(2, "x")),
                                "not a number"),
        "epochs out of order": (edited(lambda d: d["history"]["recent"].reverse()), "order"),
        "unknown setting": (edited(lambda d: d["config"].update(speed=3)), "config"),
        "bad learning rate": (edited(lambda d: d["config"].update(lr=-1)),
                              "config: lr must be greater than 0, got -1"),
        "epochs as a float": (edited(lambda d: d["config"].update(epochs=500.0)),
                              "config: epochs must be a whole number, got 500.0"),
        "view speed zero": (edited(lambda d: d["view"].update(speed=0)),
                            "view: speed must be at least 1, got 0"),
        "view speed too fast": (edited(lambda d: d["view"].update(speed=10**6)),
                                "view: speed must be at most 100,000"),
        "view speed as a float": (edited(lambda d: d["view"].update(speed=5.0)),
                                  "view: speed must be a whole number"),
        "view flag as a word": (edited(lambda d: d["view"].update(log="yes")),
                                "view: log must be true or false"),
        "view unknown setting": (edited(lambda d: d["view"].update(zoom=True)),
                                 "view has unknown"),
        "unknown data": (edited(lambda d: d["data"]["source"].update(kind="web")), "unknown kind"),
        "other data": (edited(lambda d: d["data"].update(sha256="0" * 64)), "not the data"),
    }


def test_damaged_and_foreign_files_give_one_line_errors_and_stay_untouched(in_tmp):
    a = seed_trainer()
    a.run(12)
    good = save_session(a)
    text = good.read_text()
    for name, (content, phrase) in _damage_cases(json.loads(text), text).items():
        path = in_tmp / f"{name}.json"
        raw = content if isinstance(content, bytes) else content.encode()
        path.write_bytes(raw)
        with pytest.raises(DataError) as info:
            load_session(path)
        message = str(info.value)
        assert "\n" not in message, name
        said = message.replace(str(path), "")  # the phrase must not come from the file name
        assert phrase.lower() in said.lower(), f"{name}: {message}"
        assert str(path) in message, name
        assert path.read_bytes() == raw, f"{name} was written to"
    with pytest.raises(DataError, match="cannot read the session"):
        load_session(in_tmp / "no such session.json")
    with pytest.raises(DataError, match="cannot read the session"):
        load_session(in_tmp)  # a folder
    # the good one still loads
    assert load_session(good)[0].state == a.state


def test_saving_never_overwrites_and_leaves_no_temporary_files(in_tmp):
    a = seed_trainer()
    paths = {save_session(a) for _ in range(3)}  # within the same second
    assert len(paths) == 3
    assert sorted(p.name for p in in_tmp.iterdir()) == sorted(p.name for p in paths)


def test_a_crash_mid_write_leaves_no_file(in_tmp, monkeypatch):
    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session_mod.os, "replace", crash)
    with pytest.raises(DataError, match="cannot write it .No space left on device"):
        save_session(seed_trainer())
    assert list(in_tmp.iterdir()) == []  # neither the session nor its temporary file
    monkeypatch.undo()
    target = in_tmp / "x.txt"
    write_atomic(target, "complete\n")
    assert target.read_text() == "complete\n"


def test_timestamped_names_are_new():
    first = timestamped_path("lrtui-history", ".csv")
    first.write_text("")
    second = timestamped_path("lrtui-history", ".csv")
    assert second != first and not second.exists()


def test_history_csv_has_every_kept_record_at_full_precision():
    a = seed_trainer(lr=0.003)
    a.run(250)
    path = export_history(a)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "w", "b", "loss", "dw", "db", "dw_numeric", "db_numeric"]
    values = np.array([[float(v) for v in r] for r in rows[1:]])
    assert same_rows(values, a.history.rows())
    assert values[0, 0] == 0 and values[-1, 0] == 250
