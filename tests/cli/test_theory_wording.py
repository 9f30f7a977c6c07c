"""`lrtui train` says what max|1 - lr*lambda| means: the error is multiplied by at most that
factor per step below the critical rate, and grows by it above. Seed data: H = diag(5, 2)."""

from __future__ import annotations

import pytest

from .conftest import run_lrtui


@pytest.mark.parametrize(("lr", "words"), [
    # max(|1 - 0.01*2|, |1 - 0.01*5|) = 0.98
    ("0.01", "at lr 0.01 each step multiplies the error by at most max|1 - lr*lambda| = 0.98"),
    # max(|1 - 0.5*2|, |1 - 0.5*5|) = 1.5
    ("0.5", "at lr 0.5 the error grows: each step multiplies it by max|1 - lr*lambda| = 1.5"),
    # the critical rate 2/5: |1 - 0.4*5| = 1
    ("0.4", "at lr 0.4 max|1 - lr*lambda| = 1: the error does not shrink (nor grow)"),
])
def test_the_error_factor_in_words(lr, words):
    result = run_lrtui("train", "--lr", lr, "--epochs", "5", columns=400)
    assert result.returncode == 0, result
    assert words in " ".join(result.stdout.split()), result
    assert "shrinks by at least" not in result.stdout
