"""The notes' example, worked by hand: x = [-2, -1, 1, 2], y = x (true line w = 1, b = 0).

With b = 0 every residual is y_hat_i - y_i = w*x_i - x_i = (w - 1)*x_i, so

    L(w)   = 1/4 * sum((w - 1)^2 * x_i^2) = (w - 1)^2 * (4 + 1 + 1 + 4)/4 = 2.5*(w - 1)^2
    dL/dw  = 2/4 * sum(x_i * (w - 1)*x_i)  = (w - 1) * 2*10/4            = 5*(w - 1)
    dL/db  = 2/4 * sum((w - 1)*x_i)        = (w - 1) * 2*0/4             = 0

and, L being quadratic in w, the central difference has no truncation error at any h:

    (L(w+h) - L(w-h)) / (2h) = 2.5*((w-1+h)^2 - (w-1-h)^2) / (2h) = 2.5*4*(w-1)*h/(2h) = 5*(w-1)

At the notes' sample weights W = [-0.5, 0, 0.5, 1.5, 2, 2.5]:

    w     w-1    L = 2.5*(w-1)^2    slope = 5*(w-1)
   -0.5  -1.5    2.5*2.25 = 5.625       -7.5
    0    -1      2.5                    -5
    0.5  -0.5    2.5*0.25 = 0.625       -2.5
    1.5   0.5    0.625                   2.5
    2     1      2.5                     5
    2.5   1.5    5.625                   7.5

These are binary fractions and every intermediate above is exact in float64, so the loss and
the analytic slope must come out exactly; only the central difference rounds (h = 0.01 is not a
binary fraction and L(w+h) - L(w-h) cancels), so it is checked to 1e-12 relative.
"""

import pytest

from lrtui.engine import SufficientStats, TrainConfig, Trainer, model, preset

X = [-2.0, -1.0, 1.0, 2.0]
HAND = [  # (w, loss, slope) from the table above
    (-0.5, 5.625, -7.5),
    (0.0, 2.5, -5.0),
    (0.5, 0.625, -2.5),
    (1.5, 0.625, 2.5),
    (2.0, 2.5, 5.0),
    (2.5, 5.625, 7.5),
]
H = 0.01


@pytest.fixture(scope="module")
def seed():
    p = preset("seed")
    assert list(p.data.x) == X and list(p.data.y) == X  # the preset is the notes' data
    assert (p.w0, p.b0, p.lr, p.h) == (10.0, 0.0, 0.01, 0.01)
    return p


@pytest.mark.parametrize("w,loss,slope", HAND)
def test_sufficient_stats_match_hand_values(seed, w, loss, slope):
    s = SufficientStats.from_data(seed.data)
    assert s.loss(w, 0.0) == loss
    assert s.gradient(w, 0.0) == (slope, 0.0)
    dw_num, db_num = s.central_difference(w, 0.0, H)
    assert dw_num == pytest.approx(slope, rel=1e-12)
    assert db_num == 0.0  # L(b+h) and L(b-h) are 2.5*(w-1)^2 + h^2 both: equal, exactly


@pytest.mark.parametrize("w,loss,slope", HAND)
def test_direct_model_matches_hand_values(seed, w, loss, slope):
    x, y = seed.data.x, seed.data.y
    assert model.mse(x, y, w, 0.0) == loss
    assert model.gradient(x, y, w, 0.0) == (slope, 0.0)
    dw_num, db_num = model.central_difference(x, y, w, 0.0, H)
    assert dw_num == pytest.approx(slope, rel=1e-12)
    assert db_num == pytest.approx(0.0, abs=1e-12)


def test_engine_gradient_is_the_notes_formula_divided_by_n(seed):
    """The notes' `np.dot(2 * X, y_predicted - Y).mean()` is 2*sum(x_i*(y_hat_i - y_i)),
    n = 4 times the slope of the loss: at w = 2.5 it gives 2*(1.5*10) = 30, not 7.5."""
    x, y = seed.data.x, seed.data.y
    w = 2.5
    notes_dw = sum(2 * xi * (w * xi - yi) for xi, yi in zip(X, X, strict=True))
    assert notes_dw == 30.0
    assert model.gradient(x, y, w, 0.0)[0] == notes_dw / 4 == 7.5
    assert SufficientStats.from_data(seed.data).gradient(w, 0.0)[0] == 7.5


def test_first_steps_of_the_seed_run_by_hand(seed):
    """From w = 10, b = 0 at lr 0.01: w - 1 shrinks by 1 - 0.01*5 = 0.95 per step, b stays 0.

    epoch 0: w = 10,    L = 2.5*81    = 202.5,     dw = 45
    epoch 1: w = 10 - 0.45 = 9.55,  L = 2.5*8.55^2 = 2.5*73.1025 = 182.75625, dw = 42.75
    epoch 2: w = 9.55 - 0.4275 = 9.1225, w - 1 = 8.1225 = 9*0.95^2
    """
    t = Trainer(seed.data, TrainConfig.from_preset(seed))
    s0 = t.state
    assert (s0.epoch, s0.w, s0.b, s0.loss, s0.dw, s0.db, s0.status) == (
        0, 10.0, 0.0, 202.5, 45.0, 0.0, "ready")
    s1 = t.step()
    assert s1.epoch == 1 and s1.b == 0.0 and s1.db == 0.0
    assert s1.w == pytest.approx(9.55, rel=1e-15)
    assert s1.loss == pytest.approx(182.75625, rel=1e-14)
    assert s1.dw == pytest.approx(42.75, rel=1e-14)
    assert t.step().w == pytest.approx(9.1225, rel=1e-15)
