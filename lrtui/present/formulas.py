"""The gradient formulas with the current numbers put in, for the app's formula view.

For a few points every term is listed; for more, only the sums (from the sufficient
statistics, so large data costs nothing extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lrtui.engine.data import Dataset
from lrtui.engine.gradients import FRAMEWORKS
from lrtui.engine.optim import RULE
from lrtui.engine.rules import SLOTS, Hyper, Rule, State, as_numpy
from lrtui.engine.state import TrainingState
from lrtui.engine.stats import SufficientStats
from lrtui.present.text import num

MAX_TERMS = 6  # list every term for at most this many points


@dataclass(frozen=True)
class GradientFormula:
    n: int
    x: np.ndarray | None  # the points, when few enough to list
    errors: np.ndarray | None  # y_hat_i - y_i at those points
    sum_w: float  # sum(x_i * (y_hat_i - y_i))
    sum_b: float  # sum(y_hat_i - y_i)
    dw: float
    db: float
    lr: float
    w: float
    b: float

    @property
    def w_next(self) -> float:
        return RULE.step(self.w, self.b, self.dw, self.db, self.lr)[0]

    @property
    def b_next(self) -> float:
        return RULE.step(self.w, self.b, self.dw, self.db, self.lr)[1]


def gradient_formula(
    data: Dataset, state: TrainingState, max_terms: int = MAX_TERMS
) -> GradientFormula:
    """dL/dw = 2/n * sum(x_i*(y_hat_i - y_i)) and dL/db = 2/n * sum(y_hat_i - y_i) at the
    state's w and b, with the terms (few points) or the sums (many)."""
    n = data.n
    x = errors = None
    if n <= max_terms:
        x = data.x
        with np.errstate(all="ignore"):
            errors = state.w * data.x + state.b - data.y
        sum_w, sum_b = float(np.dot(x, errors)), float(errors.sum())
    else:
        # The sums follow from the gradient itself: sum = n/2 * gradient.
        sum_w, sum_b = n / 2 * state.dw, n / 2 * state.db
    return GradientFormula(
        n, x, errors, sum_w, sum_b, state.dw, state.db, state.lr, state.w, state.b
    )


# -- the update rule's equations (torch.optim's, as its docs write them) ---------------------


@dataclass(frozen=True)
class Equation:
    """One line of an update: `symbols` (torch's notation, "m ← β₁·m + (1−β₁)·g"), the same
    with the current numbers (`template`'s {} filled with `args`), and the `value` it gives."""

    symbols: str
    template: str
    args: tuple[float, ...]
    value: float
    update: bool = False  # the parameter's own update: its first number is the parameter

    def numbers(self, digits: int = 6) -> str:
        """The template with the numbers in (`digits` significant digits, but all six for the
        parameter an update starts from); a negative number inside the expression in
        parentheses: 0.01·(-44.9)."""
        shown = []
        for i, a in enumerate(self.args):
            text = num(a, 6 if self.update and i == 0 else digits)
            first = i == 0 and self.template.startswith("{}")
            shown.append(f"({text})" if text.startswith("-") and not first else text)
        return self.template.format(*shown)


@dataclass(frozen=True)
class UpdateFormula:
    """The next update of a rule with buffers (or weight decay), as equations on w and on b
    with the current numbers: the t-th update (t = the state's epoch + 1)."""

    optimizer: str
    t: int
    w: tuple[Equation, ...]
    b: tuple[Equation, ...]
    buffers_b: tuple[tuple[str, float], ...]  # b's new buffers, by the equations' names
    w_next: float  # what the engine's next record holds (rule.update, exactly)
    b_next: float


def _param(h: Hyper, p: str, x: float, g: float, old: State, new: State, t: int, lr: float,
           x_next: float) -> tuple[list[Equation], list[tuple[str, float]]]:
    """The equations of one parameter p ("w" or "b", value x, gradient g) and its new buffers
    by name; `old` and `new` are its buffers (the rule's slots 0, 2, 4 for w, 1, 3, 5 for b)
    before and after the update, as the engine made them. The values in between (g with
    weight decay, step, den, ...) follow the engine's operations, and the last equation's
    value is the engine's new parameter."""
    eqs: list[Equation] = []
    bufs: list[tuple[str, float]] = []

    def say(symbols: str, template: str, args: tuple[float, ...], value: float) -> float:
        eqs.append(Equation(symbols, template, args, value))
        return value

    def buffer(name: str, symbols: str, template: str, args: tuple[float, ...],
               value: float) -> float:
        bufs.append((name, value))
        return say(f"{name} ← {symbols}", template, args, value)

    def update(term: str, template: str, args: tuple[float, ...]) -> None:
        eqs.append(Equation(f"{p} ← {p} − {term}", "{} − " + template, (x, *args), x_next,
                            True))

    kind, wd = h.optimizer, h.wd
    if wd != 0.0 and kind != "adamw":  # L2: the decay joins the gradient
        g = say(f"g = dL/d{p} + λ·{p}", "{} + {}·{}", (g, wd, x), g + wd * x)
    else:
        say(f"g = dL/d{p}", "", (), g)
    if kind == "sgd" and h.mu == 0.0:  # plain descent with weight decay
        update("lr·g", "{}·{}", (lr, g))
    elif kind == "sgd":
        if t == 1:
            buf = buffer("buf", "g (t = 1)", "", (), new[0])
        elif h.dampening != 0.0:
            buf = buffer("buf", "μ·buf + (1−τ)·g", "{}·{} + {}·{}",
                         (h.mu, old[0], 1.0 - h.dampening, g), new[0])
        else:
            buf = buffer("buf", "μ·buf + g", "{}·{} + {}", (h.mu, old[0], g), new[0])
        if h.nesterov:
            g = say("g ← g + μ·buf", "{} + {}·{}", (g, h.mu, buf), g + h.mu * buf)
            update("lr·g", "{}·{}", (lr, g))
        else:
            update("lr·buf", "{}·{}", (lr, buf))
    elif kind in ("adam", "adamw"):
        if wd != 0.0:  # adamw: the decay is decoupled, on the parameter itself
            x = say(f"{p} ← {p}·(1 − lr·λ)", "{}·(1 − {}·{})", (x, lr, wd), x * (1.0 - lr * wd))
        b1, b2 = h.beta1, h.beta2
        m = buffer("m", "β₁·m + (1−β₁)·g", "{}·{} + {}·{}", (b1, old[0], 1.0 - b1, g), new[0])
        v = buffer("v", "β₂·v + (1−β₂)·g²", "{}·{} + {}·{}²", (b2, old[1], 1.0 - b2, g), new[1])
        root = "v"
        if h.amsgrad:
            v, root = buffer("v_max", "max(v_max, v)", "max({}, {})", (old[2], v), new[2]), "v_max"
        step = say("step = lr/(1−β₁^t)", f"{{}}/(1−{{}}^{t})", (lr, b1),
                   lr / (1.0 - b1 ** float(t)))
        bc2 = (1.0 - b2 ** float(t)) ** 0.5
        den = say(f"den = √{root}/√(1−β₂^t) + ε", f"√({{}})/√(1−{{}}^{t}) + {{}}",
                  (v, b2, h.epsilon), math.sqrt(v) / bc2 + h.epsilon)
        update("step·m/den", "{}·{}/{}", (step, m, den))
    elif kind == "rmsprop":
        a, eps = h.alpha, h.epsilon
        v = buffer("v", "α·v + (1−α)·g²", "{}·{} + {}·{}²", (a, old[0], 1.0 - a, g), new[0])
        if h.centered:
            ga = buffer("g_avg", "α·g_avg + (1−α)·g", "{}·{} + {}·{}", (a, old[2], 1.0 - a, g),
                        new[2])
            var = v + -1.0 * ga * ga
            den = say("den = √(v − g_avg²) + ε", "√({} − {}²) + {}", (v, ga, eps),
                      (math.sqrt(var) if var >= 0.0 else math.nan) + eps)
        else:
            den = say("den = √v + ε", "√({}) + {}", (v, eps), math.sqrt(v) + eps)
        if h.mu > 0.0:
            buf = buffer("buf", "μ·buf + g/den", "{}·{} + {}/{}", (h.mu, old[1], g, den), new[1])
            update("lr·buf", "{}·{}", (lr, buf))
        else:
            update("lr·g/den", "{}·{}/{}", (lr, g, den))
    else:  # adagrad
        rate, name = lr, "lr"
        if h.lr_decay != 0.0:
            rate = say("clr = lr/(1 + (t−1)·lr_decay)", f"{{}}/(1 + {t - 1}·{{}})",
                       (lr, h.lr_decay), lr / (1 + (float(t) - 1) * h.lr_decay))
            name = "clr"
        total = buffer("sum", "sum + g²", "{} + {}²", (old[0], g), new[0])
        den = say("den = √sum + ε", "√({}) + {}", (total, h.epsilon), math.sqrt(total) + h.epsilon)
        update(f"{name}·g/den", "{}·{}/{}", (rate, g, den))
    return eqs, bufs


def update_formula(rule: Rule, state: TrainingState) -> UpdateFormula:
    """The rule's next update from `state` (its buffers, or the rule's initial ones before the
    first update), as equations with the numbers in; the new w and b are the engine's own."""
    s, h = state, rule.h
    st = s.buffers if len(s.buffers) == SLOTS else rule.initial()
    t = s.epoch + 1
    try:
        w, b, new = rule.update(s.w, s.b, s.dw, s.db, st, t, s.lr)
    except ZeroDivisionError:  # eps 0 and a zero gradient: 0/0, nan as in torch (next_point)
        with np.errstate(all="ignore"):
            w, b, new = rule.update(*as_numpy(s.w, s.b, s.dw, s.db), st, t, s.lr)
        w, b, new = float(w), float(b), tuple(float(v) for v in new)
    eqs_w, _ = _param(h, "w", s.w, s.dw, st[0::2], new[0::2], t, s.lr, w)
    eqs_b, bufs_b = _param(h, "b", s.b, s.db, st[1::2], new[1::2], t, s.lr, b)
    shared = [eq for eq in eqs_b if eq in eqs_w]  # the same for both: Adam's step, clr
    return UpdateFormula(h.optimizer, t, tuple(eqs_w),
                         tuple(eq for eq in eqs_b if eq not in shared), tuple(bufs_b), w, b)


# Above this many points the autograd column is filled in only while paused: its graph is
# rebuilt over all N points (O(N)), too slow for every frame of a large run.
AUTOGRAD_LIVE_MAX = 20_000


@dataclass(frozen=True)
class GradientComparison:
    """The same gradient from several sources, and how far apart they are."""

    rows: tuple[tuple[str, float, float], ...]  # (source, dL/dw, dL/db)
    gap_w: float  # the largest disagreement between the rows, for w and for b
    gap_b: float
    driving: str  # the source whose gradient the next update uses


def compare_gradients(
    data: Dataset, stats: SufficientStats, state: TrainingState, autograd: bool = True
) -> GradientComparison:
    """analytic (the formula, O(1)), central difference (from the state), autograd (a graph
    built and run backward over the data; skipped when autograd=False) and, when the run
    uses one, the framework's (torch, jax or tensorflow: the state's own gradient)."""
    from lrtui.engine.autograd import AutogradGradient

    with np.errstate(all="ignore"):
        dw, db = stats.gradient(state.w, state.b)
        rows = [("analytic", float(dw), float(db)), ("central", state.dw_numeric, state.db_numeric)]
        if autograd:
            rows.append(("autograd", *AutogradGradient(data.x, data.y)(state.w, state.b)))
        if state.grad in FRAMEWORKS:
            rows.append((state.grad, state.dw, state.db))
        ws = np.array([r[1] for r in rows])
        bs = np.array([r[2] for r in rows])
        gap_w = float(ws.max() - ws.min())
        gap_b = float(bs.max() - bs.min())
    driving = "central" if state.grad == "numeric" else state.grad
    return GradientComparison(tuple(rows), gap_w, gap_b, driving)
