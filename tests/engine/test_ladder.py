"""The 1-2-5 ladder the learning-rate and speed keys walk, and the 1-2-5 step that w/W and
b/B move by. Every expected value here is worked by hand."""

from __future__ import annotations

import pytest

from lrtui.engine.ladder import ladder_step, nice_step


@pytest.mark.parametrize(
    ("value", "up", "down"),
    [
        # exact rungs go to the neighbouring rungs
        (0.01, 0.02, 0.005),
        (0.02, 0.05, 0.01),
        (0.05, 0.1, 0.02),
        (0.1, 0.2, 0.05),
        (1.0, 2.0, 0.5),
        (5.0, 10.0, 2.0),
        (1e-7, 2e-7, 5e-8),
        (2e-6, 5e-6, 1e-6),  # 5 * 10.0**-6 is 4.9999999999999996e-06: the rung is 5e-6
        (1e-5, 2e-5, 5e-6),
        # an in-between value (typed at the prompt) goes to the nearest rung that way
        (0.037, 0.05, 0.02),
        (0.3, 0.5, 0.2),
        (0.011, 0.02, 0.01),
        (0.099, 0.1, 0.05),
        (0.0101, 0.02, 0.01),
        (7.5, 10.0, 5.0),
        (1.5, 2.0, 1.0),
        # a rung spoilt by rounding still counts as that rung
        (0.05 * (1 + 1e-12), 0.1, 0.02),
        (0.1 + 0.2 - 0.1, 0.5, 0.1),  # 0.20000000000000004: the rung 0.2
    ],
)
def test_ladder_step_goes_to_the_next_rung(value, up, down):
    assert ladder_step(value, +1) == up
    assert ladder_step(value, -1) == down


def test_walking_the_ladder_up_and_down_visits_every_rung_exactly():
    rungs = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]
    value, seen = rungs[0], [rungs[0]]
    for _ in rungs[1:]:
        value = ladder_step(value, +1)
        seen.append(value)
    assert seen == rungs  # exactly, so that the app shows 0.05, not 0.05000000000000001
    for _ in rungs[1:]:
        value = ladder_step(value, -1)
        seen.append(value)
    assert seen[len(rungs) - 1:] == rungs[::-1]


@pytest.mark.parametrize("bad", [0.0, -0.1, float("inf"), float("nan")])
def test_ladder_step_refuses_what_is_not_a_positive_number(bad):
    with pytest.raises(ValueError):
        ladder_step(bad, +1)


@pytest.mark.parametrize(
    ("span", "step"),
    [
        # the smallest of 1, 2, 5 times a power of ten that is at least span/20
        (10.8, 1.0),  # 0.54 -> 1
        (1.2, 0.1),  # 0.06 -> 0.1
        (3.6, 0.2),  # 0.18 -> 0.2
        (22.8, 2.0),  # 1.14 -> 2
        (46.8, 5.0),  # 2.34 -> 5
        (6.0, 0.5),  # 0.3 -> 0.5
        (12.0, 1.0),  # 0.6 -> 1
        (20.0, 1.0),  # exactly 1
        (2e-5, 1e-6),  # 1e-6
        (3e5, 2e4),  # 1.5e4 -> 2e4
        (-6.0, 0.5),  # the size of the span counts, not its sign
    ],
)
def test_nice_step_is_a_1_2_5_value_just_above_a_twentieth(span, step):
    assert nice_step(span) == step
