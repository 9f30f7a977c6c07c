"""The update rules of torch.optim, on the two parameters (w, b), as torch 2.x's single-tensor
CPU code path writes them (`_single_tensor_sgd`, `_single_tensor_adam`, ...): the same order
of operations, so a run here and a run of `torch.optim` in float64 agree to rounding.

A rule keeps its buffers (torch's `state`: momentum_buffer, exp_avg, ...) as a tuple of
`SLOTS` floats, which the trainer stores in the history next to w and b, so that stepping
back restores them exactly. The step count t is the record's epoch (updates since the start).

Each rule has `update(w, b, gw, gb, state, t, lr) -> (w, b, state)`: the t-th update, given
the gradient (gw, gb) at (w, b). `Hyper` holds the hyper-parameters, with torch's names and
defaults (None: the rule's own default, as weight_decay is 0.01 for AdamW and 0 elsewhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from lrtui.errors import DataError
from lrtui.settings import OPTIMIZERS

SLOTS = 6  # the most buffers a rule keeps on (w, b): Adam with amsgrad, centered RMSprop
State = tuple[float, ...]


@dataclass(frozen=True)
class Hyper:
    """torch.optim's hyper-parameters (the learning rate is the run's own `lr`)."""

    optimizer: str = "sgd"
    momentum: float | None = None  # sgd, rmsprop: 0
    dampening: float = 0.0  # sgd
    nesterov: bool = False  # sgd
    weight_decay: float | None = None  # 0, but 1e-2 for adamw
    beta1: float = 0.9  # adam, adamw
    beta2: float = 0.999
    eps: float | None = None  # 1e-8, but 1e-10 for adagrad
    amsgrad: bool = False  # adam, adamw
    alpha: float = 0.99  # rmsprop
    centered: bool = False  # rmsprop
    lr_decay: float = 0.0  # adagrad
    initial_accumulator: float = 0.0  # adagrad

    @property
    def wd(self) -> float:
        if self.weight_decay is not None:
            return self.weight_decay
        return 1e-2 if self.optimizer == "adamw" else 0.0

    @property
    def mu(self) -> float:
        return 0.0 if self.momentum is None else self.momentum

    @property
    def epsilon(self) -> float:
        if self.eps is not None:
            return self.eps
        return 1e-10 if self.optimizer == "adagrad" else 1e-8

    def torch_kwargs(self) -> dict[str, Any]:
        """The rule's keyword arguments for its torch.optim class (all but lr), resolved."""
        name = self.optimizer
        if name == "sgd":
            return dict(momentum=self.mu, dampening=self.dampening, nesterov=self.nesterov,
                        weight_decay=self.wd)
        if name in ("adam", "adamw"):
            return dict(betas=[self.beta1, self.beta2], eps=self.epsilon,
                        weight_decay=self.wd, amsgrad=self.amsgrad)
        if name == "rmsprop":
            return dict(alpha=self.alpha, eps=self.epsilon, weight_decay=self.wd,
                        momentum=self.mu, centered=self.centered)
        return dict(lr_decay=self.lr_decay, weight_decay=self.wd, eps=self.epsilon,
                    initial_accumulator_value=self.initial_accumulator)

    def as_dict(self) -> dict[str, Any]:
        """{"name", and the torch keyword arguments}: what the JSON config shows."""
        return {"name": self.optimizer, **self.torch_kwargs()}

    def changed(self, **values: Any) -> Hyper:
        return replace(self, **values)

    @property
    def is_plain(self) -> bool:
        """Plain gradient descent (sgd, no momentum, no weight decay): the fast loop."""
        return self.optimizer == "sgd" and self.mu == 0.0 and self.wd == 0.0


HYPER_NAMES = tuple(f.name for f in fields(Hyper))
# What each rule takes, besides lr (torch.optim's keyword arguments, by lrtui's names).
TAKES = {
    "sgd": ("momentum", "dampening", "nesterov", "weight_decay"),
    "adam": ("beta1", "beta2", "eps", "weight_decay", "amsgrad"),
    "rmsprop": ("alpha", "eps", "weight_decay", "momentum", "centered"),
    "adagrad": ("lr_decay", "weight_decay", "eps", "initial_accumulator"),
}
TAKES["adamw"] = TAKES["adam"]


def check_applies(optimizer: str, names: Any) -> None:
    """DataError if a hyper-parameter is not one `optimizer` takes (torch.optim would refuse
    the keyword)."""
    stray = [n for n in names if n != "optimizer" and n not in TAKES[optimizer]]
    if stray:
        raise DataError(f"{', '.join(stray)} do{'es' if len(stray) == 1 else ''} not apply to "
                        f"{optimizer} (it takes {', '.join(TAKES[optimizer])})")


def check_hyper(h: Hyper) -> Hyper:
    """torch's refusals, in its words (plus momentum >= 1 with nesterov). Raises DataError."""
    if h.optimizer not in OPTIMIZERS:
        raise DataError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {h.optimizer!r}")
    if h.mu < 0.0:
        raise DataError(f"Invalid momentum value: {h.mu:g}")
    if h.wd < 0.0:
        raise DataError(f"Invalid weight_decay value: {h.wd:g}")
    if h.epsilon < 0.0:
        raise DataError(f"Invalid epsilon value: {h.epsilon:g}")
    for i, beta in enumerate((h.beta1, h.beta2)):
        if not 0.0 <= beta < 1.0:
            raise DataError(f"Invalid beta parameter at index {i}: {beta:g} (betas must be in "
                            "[0, 1))")
    if h.alpha < 0.0:
        raise DataError(f"Invalid alpha value: {h.alpha:g}")
    if h.lr_decay < 0.0:
        raise DataError(f"Invalid lr_decay value: {h.lr_decay:g}")
    if h.initial_accumulator < 0.0:
        raise DataError(f"Invalid initial_accumulator_value value: {h.initial_accumulator:g}")
    if h.optimizer == "sgd" and h.nesterov:
        if h.mu <= 0.0 or h.dampening != 0.0:
            raise DataError("Nesterov momentum requires a momentum and zero dampening")
        if h.mu >= 1.0:
            raise DataError(f"Nesterov momentum must be below 1, got {h.mu:g}")
    return h


# -- the rules ------------------------------------------------------------------------------


def _lerp(a: float, b: float, weight: float) -> float:
    """torch.lerp's formula, which switches form at weight 0.5."""
    return a + weight * (b - a) if weight < 0.5 else b - (b - a) * (1.0 - weight)


def _sqrt(x: float) -> float:
    """sqrt as torch takes it: nan below 0 (a rounding in centered RMSprop), not an error."""
    return math.sqrt(x) if x >= 0.0 else math.nan


def _pad(*names: str) -> tuple[str, ...]:
    return names + ("",) * (SLOTS - len(names))


class Rule:
    """An update rule with its hyper-parameters bound. `names` holds, per slot, torch's state
    name (with _w or _b) of the buffer kept there, or "" for a slot it does not use (0)."""

    names: tuple[str, ...] = _pad()

    def buffers(self, st: State) -> dict[str, float]:
        """The buffers the rule uses, by torch's names."""
        return {name: v for name, v in zip(self.names, st, strict=True) if name}

    def __init__(self, h: Hyper) -> None:
        self.h = h

    def initial(self) -> State:
        return (0.0,) * SLOTS

    def update(self, w: float, b: float, gw: float, gb: float, st: State, t: int,
               lr: float) -> tuple[float, float, State]:
        raise NotImplementedError


class SGD(Rule):
    """torch.optim.SGD: the momentum buffer starts as the first gradient itself; dampening
    applies from the second step on; Nesterov adds momentum * buffer to the gradient."""

    def __init__(self, h: Hyper) -> None:
        super().__init__(h)
        self.names = _pad("momentum_buffer_w", "momentum_buffer_b") if h.mu != 0.0 else _pad()

    def update(self, w: float, b: float, gw: float, gb: float, st: State, t: int,
               lr: float) -> tuple[float, float, State]:
        h = self.h
        wd, mu = h.wd, h.mu
        if wd != 0.0:
            gw, gb = gw + wd * w, gb + wd * b
        if mu != 0.0:
            if t == 1:
                bw, bb = gw, gb
            else:
                keep = 1.0 - h.dampening
                bw, bb = st[0] * mu + keep * gw, st[1] * mu + keep * gb
            st = (bw, bb, 0.0, 0.0, 0.0, 0.0)
            if h.nesterov:
                gw, gb = gw + mu * bw, gb + mu * bb
            else:
                gw, gb = bw, bb
        return w + -lr * gw, b + -lr * gb, st


class Adam(Rule):
    """torch.optim.Adam and AdamW (decoupled weight decay: the weights shrink by
    (1 - lr*weight_decay) first). eps is added outside the square root, after the bias
    correction; the step is (lr/bc1) * m / denom; AMSGrad keeps the max of the raw v."""

    def __init__(self, h: Hyper) -> None:
        super().__init__(h)
        names: tuple[str, ...] = ("exp_avg_w", "exp_avg_b", "exp_avg_sq_w", "exp_avg_sq_b")
        if h.amsgrad:
            names += ("max_exp_avg_sq_w", "max_exp_avg_sq_b")
        self.names = _pad(*names)

    def update(self, w: float, b: float, gw: float, gb: float, st: State, t: int,
               lr: float) -> tuple[float, float, State]:
        h = self.h
        wd, b1, b2, eps = h.wd, h.beta1, h.beta2, h.epsilon
        if wd != 0.0:
            if h.optimizer == "adamw":
                w, b = w * (1.0 - lr * wd), b * (1.0 - lr * wd)
            else:
                gw, gb = gw + wd * w, gb + wd * b
        one_b1, one_b2 = 1.0 - b1, 1.0 - b2
        mw, mb = _lerp(st[0], gw, one_b1), _lerp(st[1], gb, one_b1)
        vw, vb = st[2] * b2 + one_b2 * gw * gw, st[3] * b2 + one_b2 * gb * gb
        step = float(t)
        bc1 = 1.0 - b1**step
        bc2 = 1.0 - b2**step
        step_size = lr / bc1
        bc2_sqrt = bc2**0.5
        if h.amsgrad:
            xw, xb = max(st[4], vw), max(st[5], vb)
            dw, db = math.sqrt(xw) / bc2_sqrt + eps, math.sqrt(xb) / bc2_sqrt + eps
        else:
            xw = xb = 0.0
            dw, db = math.sqrt(vw) / bc2_sqrt + eps, math.sqrt(vb) / bc2_sqrt + eps
        w = w + -step_size * mw / dw
        b = b + -step_size * mb / db
        return w, b, (mw, mb, vw, vb, xw, xb)


class RMSprop(Rule):
    """torch.optim.RMSprop: eps outside the root; the momentum buffer starts at zero;
    `centered` subtracts the squared running average of the gradient."""

    def __init__(self, h: Hyper) -> None:
        super().__init__(h)
        names = ["square_avg_w", "square_avg_b", "", "", "", ""]
        if h.mu > 0.0:
            names[2:4] = ["momentum_buffer_w", "momentum_buffer_b"]
        if h.centered:
            names[4:6] = ["grad_avg_w", "grad_avg_b"]
        self.names = tuple(names)

    def update(self, w: float, b: float, gw: float, gb: float, st: State, t: int,
               lr: float) -> tuple[float, float, State]:
        h = self.h
        wd, alpha, eps, mu = h.wd, h.alpha, h.epsilon, h.mu
        if wd != 0.0:
            gw, gb = gw + wd * w, gb + wd * b
        one_a = 1.0 - alpha
        sw, sb = st[0] * alpha + one_a * gw * gw, st[1] * alpha + one_a * gb * gb
        aw, ab = st[4], st[5]
        if h.centered:
            aw, ab = _lerp(aw, gw, one_a), _lerp(ab, gb, one_a)
            avg_w, avg_b = _sqrt(sw + -1.0 * aw * aw), _sqrt(sb + -1.0 * ab * ab)
        else:
            avg_w, avg_b = math.sqrt(sw), math.sqrt(sb)
        avg_w, avg_b = avg_w + eps, avg_b + eps
        if mu > 0.0:
            bw, bb = st[2] * mu + 1.0 * gw / avg_w, st[3] * mu + 1.0 * gb / avg_b
            w, b = w + -lr * bw, b + -lr * bb
        else:
            bw = bb = 0.0
            w, b = w + -lr * gw / avg_w, b + -lr * gb / avg_b
        return w, b, (sw, sb, bw, bb, aw, ab)


class Adagrad(Rule):
    """torch.optim.Adagrad: the rate lr / (1 + (t-1)*lr_decay), the sum of squared gradients
    from initial_accumulator_value, eps 1e-10 outside the root."""

    names = _pad("sum_w", "sum_b")

    def initial(self) -> State:
        a = self.h.initial_accumulator
        return (a, a, 0.0, 0.0, 0.0, 0.0)

    def update(self, w: float, b: float, gw: float, gb: float, st: State, t: int,
               lr: float) -> tuple[float, float, State]:
        h = self.h
        wd, eps = h.wd, h.epsilon
        if wd != 0.0:
            gw, gb = gw + wd * w, gb + wd * b
        clr = lr / (1 + (float(t) - 1) * h.lr_decay)
        sw, sb = st[0] + 1.0 * gw * gw, st[1] + 1.0 * gb * gb
        w = w + -clr * gw / (math.sqrt(sw) + eps)
        b = b + -clr * gb / (math.sqrt(sb) + eps)
        return w, b, (sw, sb, 0.0, 0.0, 0.0, 0.0)


def as_numpy(w: float, b: float, gw: float,
             gb: float) -> tuple[float, float, float, float]:
    """The values as NumPy float64 scalars, whose division by zero gives inf or nan (as
    torch's does) where Python's raises; the callers run under np.errstate(all="ignore")."""
    f = np.float64
    return f(w), f(b), f(gw), f(gb)


def next_point(rule: Rule, w: float, b: float, dw: float, db: float, buffers: State, t: int,
               lr: float) -> tuple[float, float]:
    """(w, b) after the rule's next update from a record after t updates (its gradient dw,
    db and its buffers; none for plain descent, whose state has no buffers)."""
    st = tuple(buffers) if len(buffers) == SLOTS else rule.initial()
    try:
        w2, b2, _ = rule.update(w, b, dw, db, st, t + 1, lr)
    except ZeroDivisionError:  # eps 0 and a zero gradient: 0/0, nan in torch
        with np.errstate(all="ignore"):
            w2, b2, _ = rule.update(*as_numpy(w, b, dw, db), st, t + 1, lr)
    return float(w2), float(b2)


def make_rule(h: Hyper) -> Rule:
    kind = {"sgd": SGD, "adam": Adam, "adamw": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}
    return kind[check_hyper(h).optimizer](h)
