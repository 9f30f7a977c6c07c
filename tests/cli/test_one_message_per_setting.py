"""One settings table: the same bad value gives the same message from every door.

Each case is fed through the command line, the app's `:` prompt (the parser the app uses,
and once through the real app), a tour file and a session file. The expected messages are
written out here by hand: they are the table's contract, not copied from the code.
"""

from __future__ import annotations

import json
import math

import pytest

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.errors import DataError
from lrtui.session import read_session, save_session
from lrtui.tour import load_tour
from lrtui.tui.commands import CommandError, parse_command

from .conftest import assert_usage_error, run_lrtui

# (setting, value as typed, value in a TOML/JSON document, the message)
CASES = [
    ("lr", "-1", -1.0, "lr must be greater than 0, got -1"),
    ("lr", "0", 0.0, "lr must be greater than 0, got 0"),
    ("lr", "inf", math.inf, "lr must be a finite number, got inf"),
    ("h", "0", 0.0, "h must be greater than 0, got 0"),
    ("tol", "-0.001", -0.001, "tol must be greater than 0, got -0.001"),
    ("epochs", "0", 0, "epochs must be at least 1, got 0"),
    ("epochs", "2.5", 2.5, "epochs must be a whole number, got 2.5"),
    ("w", "nan", math.nan, "w must be a finite number, got nan"),
    ("b", "-inf", -math.inf, "b must be a finite number, got -inf"),
    ("grad", "exact", "exact", "grad must be one of analytic, numeric, autograd, torch, jax, "
                               "tensorflow, got 'exact'"),
]
FLAG = {"w": "--w0", "b": "--b0"}  # the command line's names where they differ
CONFIG_KEY = {"w": "w0", "b": "b0"}  # the session's config keys where they differ
IDS = [f"{name}={text}" for name, text, _, _ in CASES]


@pytest.mark.parametrize(("name", "text", "value", "message"), CASES, ids=IDS)
def test_the_command_line(name, text, value, message):
    flag = FLAG.get(name, f"--{name}")
    result = run_lrtui("train", f"{flag}={text}")
    said = assert_usage_error(result, flag)
    assert said == f"argument {flag}: {message} (see lrtui --help)"


@pytest.mark.parametrize(("name", "text", "value", "message"), CASES, ids=IDS)
def test_the_prompt(name, text, value, message):
    with pytest.raises(CommandError) as info:
        parse_command(f"{name} {text}")
    assert str(info.value) == message


def _toml(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


@pytest.mark.parametrize(("name", "text", "value", "message"), CASES, ids=IDS)
def test_a_tour_file(tmp_path, name, text, value, message):
    path = tmp_path / "tour.toml"
    path.write_text(f'[[stage]]\ncaption = "a stage"\nset = {{ {name} = {_toml(value)} }}\n')
    with pytest.raises(DataError) as info:
        load_tour(path)
    assert str(info.value) == f"{path}: stage 1: set.{name}: {message}"


@pytest.mark.parametrize(("name", "text", "value", "message"), CASES, ids=IDS)
def test_a_session_file(tmp_path, name, text, value, message):
    p = preset("seed")
    saved = save_session(Trainer(p.data, TrainConfig.from_preset(p)), folder=tmp_path)
    doc = json.loads(saved.read_text())
    doc["config"][CONFIG_KEY.get(name, name)] = value  # JSON's NaN and Infinity for floats
    saved.write_text(json.dumps(doc))
    with pytest.raises(DataError) as info:
        read_session(saved)
    assert str(info.value) == f"{saved}: damaged session: config: {message}"


async def test_the_prompt_in_the_app_shows_the_same_message():
    from lrtui.tui.app import make_app

    p = preset("seed")
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"lr -1", "enter")
        await pilot.pause()
        assert str(app.prompt_bar.error.render()) == "lr must be greater than 0, got -1"
        assert app.trainer.state.lr == 0.01  # nothing was applied
