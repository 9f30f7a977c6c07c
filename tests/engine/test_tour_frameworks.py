"""The tour's framework stage: `grad = [...]` in a stage takes the first source installed
here, its caption says which frameworks are installed, and checking a tour at start-up loads
no framework."""

from __future__ import annotations

import pytest

from lrtui import tour
from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.errors import DataError


def one_stage(grad) -> dict:
    return {"stage": [{"caption": "{frameworks}; {grad} drives", "set": {"grad": grad},
                       "run": 3}]}


@pytest.mark.parametrize(("have", "chosen"), [
    ({"torch", "jax", "tensorflow"}, "torch"),
    ({"jax", "tensorflow"}, "jax"),
    ({"tensorflow"}, "tensorflow"),
    (set(), "autograd"),
])
def test_a_list_takes_the_first_installed(monkeypatch, have, chosen):
    monkeypatch.setattr(tour, "installed", lambda name: name in have)
    t = tour.parse_tour(one_stage(["torch", "jax", "tensorflow", "autograd"]), "test")
    assert t.stages[0].settings["grad"] == chosen


def test_a_list_is_checked(monkeypatch):
    monkeypatch.setattr(tour, "installed", lambda name: False)
    with pytest.raises(DataError, match="set.grad: none of torch, jax is installed here"):
        tour.parse_tour(one_stage(["torch", "jax"]), "test")
    with pytest.raises(DataError, match="set.grad: an empty list"):
        tour.parse_tour(one_stage([]), "test")
    with pytest.raises(DataError, match="set.grad: grad must be one of .*got 'pytorch'"):
        tour.parse_tour(one_stage(["pytorch", "autograd"]), "test")


@pytest.mark.parametrize(("have", "text"), [
    (set(), "None of PyTorch, TensorFlow and JAX is installed here"),
    ({"jax"}, "Of the three, JAX is installed here"),
    ({"torch", "tensorflow"}, "PyTorch and TensorFlow are installed here"),
    ({"torch", "jax", "tensorflow"}, "All three (PyTorch, JAX and TensorFlow) are installed here"),
])
def test_the_caption_says_which_are_installed(monkeypatch, have, text):
    monkeypatch.setattr(tour, "installed", lambda name: name in have)
    assert tour.frameworks_text() == text
    t = tour.parse_tour(one_stage("autograd"), "test")
    p = preset("seed")
    trainer = Trainer(p.data, TrainConfig.from_preset(p, grad="autograd"))
    assert tour.caption_text(t.stages[0], trainer) == f"{text}; autograd drives"


def test_checking_a_tour_swaps_frameworks_for_the_analytic_source(monkeypatch):
    monkeypatch.setattr(tour, "installed", lambda name: True)
    t = tour.parse_tour(one_stage(["tensorflow"]), "test")
    assert t.stages[0].settings["grad"] == "tensorflow"
    plain = tour.without_frameworks(t)
    assert plain.stages[0].settings["grad"] == "analytic"
    assert t.stages[0].settings["grad"] == "tensorflow"  # the tour itself is unchanged
    built = []
    monkeypatch.setattr("lrtui.engine.gradients._built", lambda *a: built.append(a))
    p = preset("seed")
    tour.check_tour(t, Trainer(p.data, TrainConfig.from_preset(p)))
    assert built == []  # no framework source was made
