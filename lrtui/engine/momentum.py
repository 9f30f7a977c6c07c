"""Theory for SGD with momentum (heavy ball, Nesterov), exactly as torch.optim.SGD runs it, on
the quadratic loss of a line.

Along an eigenvector of the Hessian with eigenvalue lambda, the error e and the momentum
buffer v evolve linearly. torch's first step sets v = g = lambda*e (no dampening); from the
second on, with mu the momentum and d the dampening,

    heavy ball:  v' = mu*v + (1-d)*lambda*e,   e' = e - lr*v'
    Nesterov:    v' = mu*v + lambda*e,          e' = e - lr*(lambda*e + mu*v')

a 2x2 matrix per eigenvalue. Its spectral radius is the rate; it is below 1 exactly when
lr < (2 + 2mu)/((1-d)*lambda) (heavy ball) or lr < (2 + 2mu)/((1 + 2mu)*lambda) (Nesterov).
The predicted epochs come from iterating the recurrence per eigenvalue, in blocks of powers
of the matrix (the error need not shrink every step, so there is no bisection as for plain
descent: the first epoch is found by a scan, vectorised over blocks of 1,024 epochs).
"""

from __future__ import annotations

import math

import numpy as np

from lrtui.engine.rules import Hyper

BLOCK = 1024
SCAN_LIMIT = 10**6  # epochs scanned at most; beyond, no prediction is made


def exact(h: Hyper) -> bool:
    """Whether this theory describes the rule: SGD without weight decay, 0 <= d < 1."""
    return h.optimizer == "sgd" and h.wd == 0.0 and 0.0 <= h.dampening < 1.0


def stability_limit(h: Hyper, lam_max: float) -> float:
    """The largest stable lr of SGD (any momentum) on curvature lam_max (weight decay adds
    to every eigenvalue). 0 when no rate is stable (momentum >= 1)."""
    lam = lam_max + h.wd
    mu = h.mu
    if lam <= 0:
        return math.inf
    if mu == 0.0:
        return 2.0 / lam
    if mu >= 1.0:
        return 0.0
    if h.nesterov:
        return (2.0 + 2.0 * mu) / ((1.0 + 2.0 * mu) * lam)
    return (2.0 + 2.0 * mu) / ((1.0 - h.dampening) * lam)


def matrix(lam: float, lr: float, h: Hyper) -> np.ndarray:
    """The step from the second on, on (e, v)."""
    mu, d = h.mu, h.dampening
    if h.nesterov:
        return np.array([[1.0 - lr * lam * (1.0 + mu), -lr * mu * mu], [lam, mu]])
    return np.array([[1.0 - lr * (1.0 - d) * lam, -lr * mu], [(1.0 - d) * lam, mu]])


def first_state(lam: float, c: float, lr: float, h: Hyper) -> np.ndarray:
    """(e, v) after torch's first step from error c (v = the first gradient itself)."""
    g = lam * c
    step = g + h.mu * g if h.nesterov else g
    return np.array([c - lr * step, g])


def rate(lam: float, lr: float, h: Hyper) -> float:
    """The spectral radius of the step matrix: the error's asymptotic factor per step."""
    return float(np.max(np.abs(np.linalg.eigvals(matrix(lam, lr, h)))))


def tuned_heavy_ball(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """Polyak's optimal pair for a quadratic: lr* = 4/(sqrt(l_min) + sqrt(l_max))^2,
    mu* = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2, at rate (sqrt(kappa) - 1)/(sqrt(kappa) + 1)."""
    s_min, s_max = math.sqrt(lam_min), math.sqrt(lam_max)
    q = (s_max - s_min) / (s_max + s_min)
    return 4.0 / (s_min + s_max) ** 2, q * q, q


def tuned_nesterov(lam_min: float, lam_max: float) -> tuple[float, float]:
    """The rate and momentum that make Nesterov's method fastest on a quadratic (Lessard,
    Recht and Packard 2016): lr = 4/(3*l_max + l_min), mu = (sqrt(3k+1) - 2)/(sqrt(3k+1) + 2)."""
    root = math.sqrt(3.0 * lam_max / lam_min + 1.0)
    return 4.0 / (3.0 * lam_max + lam_min), (root - 2.0) / (root + 2.0)


def first_epoch(modes: list[tuple[float, float]], lr: float, h: Hyper, limit: float,
                weight: str = "grad") -> int | None:
    """The first epoch k >= 1 at which sum_i a_i * e_i,k^2 < limit, where a = lambda^2 (the
    squared gradient norm) or lambda/2 (L - L*), for the (lambda_i, c_i) of `modes`; None if
    it is not reached within SCAN_LIMIT epochs or the run blows up."""
    dirs = [(lam, c) for lam, c in modes if lam > 0.0 and c != 0.0]
    if not dirs:
        return 1
    lams = np.array([lam for lam, _ in dirs])
    a = lams * lams if weight == "grad" else 0.5 * lams
    steps = np.array([matrix(lam, lr, h) for lam, _ in dirs])  # (D, 2, 2)
    powers = np.empty((len(dirs), BLOCK, 2, 2))
    powers[:, 0] = np.eye(2)
    for j in range(1, BLOCK):
        powers[:, j] = steps @ powers[:, j - 1]
    jump = steps @ powers[:, BLOCK - 1]  # M^BLOCK
    state = np.array([first_state(lam, c, lr, h) for lam, c in dirs])  # (D, 2): epoch 1
    k0 = 1
    with np.errstate(all="ignore"):
        while k0 <= SCAN_LIMIT:
            e = np.einsum("djab,db->dj", powers[:, :, :1, :], state)  # (D, BLOCK): e only
            q = (a[:, None] * e * e).sum(axis=0)
            hit = np.flatnonzero(q < limit)
            if hit.size:
                return k0 + int(hit[0])
            if not np.isfinite(q).all():
                return None
            state = np.einsum("dab,db->da", jump, state)
            k0 += BLOCK
    return None
