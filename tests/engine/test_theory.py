"""Closed-form facts (optimum, Hessian, eigenvalues, learning rates, contraction) against
NumPy's least squares and eigen-solvers, exact rationals and observed runs."""

from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from engine_reference import Exact, hessian

from lrtui.engine import (
    Dataset,
    SufficientStats,
    Theory,
    TrainConfig,
    Trainer,
    model,
    preset,
    synthetic,
)


def random_data(seed: int, n: int, shift: float = 0.0) -> Dataset:
    """Random x (possibly far from 0), y on a random line plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, rng.uniform(0.1, 10.0), size=n)
    y = rng.uniform(-5, 5) * x + rng.uniform(-20, 20) + rng.normal(0, rng.uniform(0.01, 3), n)
    return Dataset(x, y, name=f"random {seed}")


CASES = [(seed, n, shift) for seed, (n, shift) in enumerate(
    [(2, 0.0), (3, 1.0), (10, -4.0), (57, 0.5), (1000, 25.0), (5000, -3.0), (40, 300.0)])]


@pytest.mark.parametrize("seed,n,shift", CASES)
def test_optimum_matches_lstsq_and_exact_normal_equations(seed, n, shift):
    data = random_data(seed, n, shift)
    stats = SufficientStats.from_data(data)
    opt = Theory(stats).optimum
    A = np.column_stack([data.x, np.ones(n)])
    (w_ls, b_ls), *_ = np.linalg.lstsq(A, data.y, rcond=None)
    r = A @ np.array([w_ls, b_ls]) - data.y
    L_ls = float(np.dot(r, r)) / n
    assert stats.unique
    assert (opt.w, opt.b, opt.loss) == (stats.w_opt, stats.b_opt, stats.sse_min_n)
    # lstsq is itself only backward stable: b inherits an error of about |w*x_mean|*eps*cond.
    scale_b = abs(w_ls) * (abs(data.x.mean()) + data.x.std()) + abs(b_ls)
    assert opt.w == pytest.approx(w_ls, rel=1e-9)
    assert opt.b == pytest.approx(b_ls, rel=1e-9, abs=1e-12 * scale_b)
    if n == 2:
        assert opt.loss < 1e-25 * (1 + float(np.max(np.abs(data.y)))) ** 2  # a line fits 2 points
    else:
        assert opt.loss == pytest.approx(L_ls, rel=1e-9)
    if n <= 1000:  # exact normal equations in rationals: the engine is accurate to ~1e-12
        w_ex, b_ex, L_ex = Exact(data.x, data.y).optimum()
        assert opt.w == pytest.approx(float(w_ex), rel=1e-12)
        assert opt.b == pytest.approx(float(b_ex), rel=1e-11, abs=1e-14 * scale_b)
        if n > 2:
            assert opt.loss == pytest.approx(float(L_ex), rel=1e-10)


def exact_eigenvalues(x) -> tuple[float, float]:
    """Eigenvalues of 2*[[mean x^2, mean x], [mean x, 1]] to 40 digits: exact trace and
    determinant (rationals), then lambda = t/2 -+ sqrt(t^2/4 - det) in 60-digit decimals, with
    lambda_min = det/lambda_max (no cancellation)."""
    X = [Fraction(float(v)) for v in x]
    n = len(X)
    m1, m2 = sum(X) / n, sum(v * v for v in X) / n
    t, det = 2 * m2 + 2, 4 * (m2 - m1 * m1)
    with localcontext() as ctx:
        ctx.prec = 60
        T = Decimal(t.numerator) / Decimal(t.denominator)
        D = Decimal(det.numerator) / Decimal(det.denominator)
        lam_max = T / 2 + (T * T / 4 - D).sqrt()
        lam_min = D / lam_max
        return float(lam_min), float(lam_max)


@pytest.mark.parametrize("seed,n,shift", CASES)
def test_hessian_and_eigenvalues(seed, n, shift):
    data = random_data(seed, n, shift)
    theory = Theory(SufficientStats.from_data(data))
    H = hessian(data.x)
    np.testing.assert_allclose(theory.hessian, H, rtol=1e-12)
    lam_np = np.linalg.eigvalsh(H)
    lam_min, lam_max = theory.eigenvalues
    assert lam_min <= lam_max
    assert lam_max == pytest.approx(lam_np[1], rel=1e-13)
    # eigvalsh is accurate to ~eps*lambda_max in absolute terms, so a small lambda_min is
    # compared with it on that scale, and with the exact eigenvalue to 1e-12 relative.
    assert abs(lam_min - lam_np[0]) <= 1e-13 * lam_np[1]
    ex_min, ex_max = exact_eigenvalues(data.x)
    assert lam_min == pytest.approx(ex_min, rel=1e-11)
    assert lam_max == pytest.approx(ex_max, rel=1e-14)


@pytest.mark.parametrize("seed,n,shift", CASES)
def test_learning_rates_and_contraction(seed, n, shift):
    data = random_data(seed, n, shift)
    theory = Theory(SufficientStats.from_data(data))
    lam = np.linalg.eigvalsh(hessian(data.x))
    assert theory.critical_lr == pytest.approx(2 / lam[1], rel=1e-13)
    assert theory.best_lr == pytest.approx(2 / (lam[0] + lam[1]), rel=1e-12)
    for f in (0.1, 0.5, 0.9, 1.0, 1.5):
        lr = f * theory.critical_lr
        expected = max(abs(1 - lr * lam[0]), abs(1 - lr * lam[1]))
        assert theory.contraction(lr) == pytest.approx(expected, rel=1e-12, abs=1e-13)
    # The best rate minimises max|1 - lr*lambda|: search a fine grid independently.
    grid = np.linspace(0.01, 1.0, 20_001) * 2 / lam[1]
    worst = np.maximum(np.abs(1 - grid * lam[0]), np.abs(1 - grid * lam[1]))
    assert theory.best_lr == pytest.approx(grid[np.argmin(worst)], rel=1e-4)
    assert theory.contraction(theory.best_lr) <= worst.min() + 1e-12
    # ... where both directions shrink equally: 1 - lr*lam_min = -(1 - lr*lam_max).
    lr = theory.best_lr
    assert 1 - lr * lam[0] == pytest.approx(-(1 - lr * lam[1]), rel=1e-9, abs=1e-12)


def test_seed_theory_by_hand():
    """Seed: mean x = 0, mean x^2 = 2.5, so H = diag(5, 2), critical lr 2/5, best lr 2/7."""
    theory = Theory(SufficientStats.from_data(preset("seed").data))
    assert theory.hessian.tolist() == [[5.0, 0.0], [0.0, 2.0]]
    assert theory.eigenvalues == (2.0, 5.0)
    assert theory.critical_lr == 0.4
    assert theory.best_lr == 2 / 7
    assert theory.contraction(0.01) == pytest.approx(0.98, rel=1e-15)  # b direction is slowest
    assert (theory.optimum.w, theory.optimum.b, theory.optimum.loss) == (1.0, 0.0, 0.0)
    assert theory.distance(4.0, -4.0) == 5.0


@pytest.mark.parametrize("f,diverges", [(0.999, False), (1.001, True)])
def test_critical_rate_separates_convergence_from_divergence(f, diverges):
    data = random_data(3, 50, 2.0)
    theory = Theory(SufficientStats.from_data(data))
    t = Trainer(data, TrainConfig(w0=5.0, b0=-5.0, lr=f * theory.critical_lr, epochs=30_000))
    state = t.run()
    assert (state.status == "diverged") is diverges
    if not diverges:
        assert state.epoch == 30_000
        assert state.loss == pytest.approx(theory.optimum.loss, rel=1e-9)


def test_seed_error_shrinks_by_exactly_one_minus_lr_lambda():
    """Seed: H = diag(5, 2), so w - 1 shrinks by (1 - 5*lr) and b by (1 - 2*lr) per step."""
    p = preset("seed")
    lr = 0.03
    t = Trainer(p.data, TrainConfig(w0=10.0, b0=3.0, lr=lr, epochs=400))
    t.run()
    w, b = t.history.column("w"), t.history.column("b")
    for err, factor in ((w - 1.0, 1 - 5 * lr), (b - 0.0, 1 - 2 * lr)):
        big = np.abs(err[:-1]) > 1e-6  # while the error is far above rounding (~1e-16)
        assert big.sum() > 50
        ratios = err[1:][big] / err[:-1][big]
        np.testing.assert_allclose(ratios, factor, rtol=1e-9)


@pytest.mark.parametrize("lr_of", ["0.4-critical", "best", "0.95-critical"])
def test_error_components_along_eigenvectors_shrink_by_one_minus_lr_lambda(lr_of):
    """mean(x) != 0: H is not diagonal. Project (w - w*, b - b*) on H's eigenvectors (numpy
    eigh, optimum from lstsq): each component is multiplied by (1 - lr*lambda_i) per step."""
    base = synthetic(200, slope=-1.5, intercept=4.0, noise=0.3, seed=11)
    data = Dataset(base.x + 1.7, base.y, name="shifted")
    assert abs(data.x.mean()) > 1
    lam, V = np.linalg.eigh(hessian(data.x))
    A = np.column_stack([data.x, np.ones(data.n)])
    opt = np.linalg.lstsq(A, data.y, rcond=None)[0]
    theory = Theory(SufficientStats.from_data(data))
    lr = {"0.4-critical": 0.4 * theory.critical_lr, "best": theory.best_lr,
          "0.95-critical": 0.95 * theory.critical_lr}[lr_of]
    t = Trainer(data, TrainConfig(w0=6.0, b0=-9.0, lr=lr, epochs=3000))
    t.run()
    E = np.column_stack([t.history.column("w"), t.history.column("b")]) - opt
    C = E @ V  # column i: the error's component along eigenvector i
    for i in range(2):
        c = C[:, i]
        big = np.abs(c[:-1]) > 1e-6
        assert big.sum() >= 8  # the fast direction at 0.4*critical: 0.2 per step, 9 steps
        np.testing.assert_allclose(c[1:][big] / c[:-1][big], 1 - lr * lam[i], rtol=1e-7)
    # I - lr*H is symmetric with spectral norm contraction(lr): the distance to the optimum
    # never shrinks by less than that per step, and shrinks by exactly that once the slower
    # direction dominates (at once at the best rate, where both directions shrink alike).
    d = np.hypot(E[:, 0], E[:, 1])
    big = d[:-1] > 1e-6
    kappa = theory.contraction(lr)
    assert np.all(d[1:][big] / d[:-1][big] <= kappa * (1 + 1e-9))
    if lr_of != "0.95-critical":  # there both factors are ~0.9: no dominant direction soon
        k = np.nonzero(big)[0][-1]
        assert d[k + 1] / d[k] == pytest.approx(kappa, rel=1e-6)
    assert theory.distance(t.state.w, t.state.b) == pytest.approx(
        float(np.hypot(*(np.array([t.state.w, t.state.b]) - opt))), rel=1e-6, abs=1e-12)


def test_loss_curve_grid_and_tangent_match_direct_formulas():
    data = random_data(5, 300, -2.0)
    theory = Theory(SufficientStats.from_data(data))
    ws = np.linspace(-10, 10, 41)
    bs = np.linspace(-30, 30, 31)
    grid = theory.loss_grid(ws, bs)
    assert grid.shape == (31, 41)
    direct = np.array([[model.mse(data.x, data.y, w, b) for w in ws] for b in bs])
    np.testing.assert_allclose(grid, direct, rtol=1e-12)
    np.testing.assert_allclose(theory.loss_curve(ws, 2.5), direct[0] * 0 + [
        model.mse(data.x, data.y, w, 2.5) for w in ws], rtol=1e-12)
    tan = theory.tangent(3.0, 1.0, 0.01)
    assert tan.loss == pytest.approx(model.mse(data.x, data.y, 3.0, 1.0), rel=1e-12)
    assert tan.slope == pytest.approx(model.gradient(data.x, data.y, 3.0, 1.0)[0], rel=1e-12)
    assert tan.slope_numeric == pytest.approx(tan.slope, rel=1e-9)
    # the tangent line touches the curve at w and has the slope there
    assert tan.line(np.array([3.0]))[0] == tan.loss
    assert tan.line(np.array([4.0]), numeric=False)[0] == pytest.approx(tan.loss + tan.slope)
