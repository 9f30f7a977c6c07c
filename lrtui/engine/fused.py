"""Fused loops: each torch.optim rule with the analytic gradient inline, on Python floats.

The same arithmetic as `rules.py`'s `update` plus `SufficientStats.gradient` and `.loss`, in
the same order (tests/engine/test_fused.py checks bit-for-bit equality with the generic
loop), without a call per step: what keeps every rule at a million steps a second or more,
whatever N is. Each returns the new w's and b's, the buffers of the slots the rule uses
({slot: values}), and whether the run stopped (the loss past `bound` or not finite, or the
squared gradient norm below tol2).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from lrtui.engine.rules import SLOTS, Adagrad, Adam, RMSprop, Rule, State, as_numpy
from lrtui.engine.stats import SufficientStats

Fused = tuple[list[float], list[float], dict[int, list[float]], bool]


def fused(rule: Rule, s: SufficientStats, w: float, b: float, gw: float, gb: float,
          st: State, t: int, lr: float, m: int, bound: float, tol2: float) -> Fused:
    """Up to m updates by `rule` from the record (w, b, gw, gb, buffers st) after t updates."""
    loop = _adam if isinstance(rule, Adam) else _rmsprop if isinstance(rule, RMSprop) \
        else _adagrad if isinstance(rule, Adagrad) else _sgd
    try:
        return loop(rule, s, w, b, gw, gb, st, t, lr, m, bound, tol2)
    except ZeroDivisionError:  # eps 0 and a zero gradient: 0/0, which torch makes nan
        return loop(rule, s, *as_numpy(w, b, gw, gb), st, t, lr, m, bound, tol2)



def _sgd(rule: Rule, s: SufficientStats, w: float, b: float, gw: float, gb: float, st: State,
         t: int, lr: float, m: int, bound: float, tol2: float) -> Fused:
    h = rule.h
    w_opt, xm, ym, sxx, sse = s.w_opt, s.x_mean, s.y_mean, s.sxx_n, s.sse_min_n
    wd, mu, keep, nesterov = h.wd, h.mu, 1.0 - h.dampening, h.nesterov
    bw, bb = st[0], st[1]
    ws: list[float] = []
    bs: list[float] = []
    b0: list[float] = []
    b1: list[float] = []
    stopped = False
    for _ in range(m):
        t += 1
        if wd != 0.0:
            gw, gb = gw + wd * w, gb + wd * b
        if mu != 0.0:
            if t == 1:
                bw, bb = gw, gb
            else:
                bw, bb = bw * mu + keep * gw, bb * mu + keep * gb
            if nesterov:
                gw, gb = gw + mu * bw, gb + mu * bb
            else:
                gw, gb = bw, bb
        w = w + -lr * gw
        b = b + -lr * gb
        ws.append(w)
        bs.append(b)
        b0.append(bw)
        b1.append(bb)
        d = w - w_opt
        c = b - (ym - w * xm)
        gw = 2.0 * (sxx * d + c * xm)
        gb = 2.0 * c
        if not sse + sxx * d * d + c * c <= bound or gw * gw + gb * gb < tol2:
            stopped = True
            break
    return ws, bs, ({0: b0, 1: b1} if mu != 0.0 else {}), stopped


def _adam(rule: Rule, s: SufficientStats, w: float, b: float, gw: float, gb: float,
          st: State, t: int, lr: float, m: int, bound: float, tol2: float) -> Fused:
    h = rule.h
    w_opt, xm, ym, sxx, sse = s.w_opt, s.x_mean, s.y_mean, s.sxx_n, s.sse_min_n
    wd, beta1, beta2, eps, amsgrad = h.wd, h.beta1, h.beta2, h.epsilon, h.amsgrad
    decoupled = h.optimizer == "adamw"
    one_b1, one_b2 = 1.0 - beta1, 1.0 - beta2
    small, rest = one_b1 < 0.5, 1.0 - one_b1  # torch.lerp's two forms
    sqrt = math.sqrt
    mw, mb, vw, vb, xw, xb = st
    ws: list[float] = []
    bs: list[float] = []
    cols: dict[int, list[float]] = {i: [] for i in range(6 if amsgrad else 4)}
    c0, c1, c2, c3 = cols[0].append, cols[1].append, cols[2].append, cols[3].append
    c4, c5 = (cols[4].append, cols[5].append) if amsgrad else (c0, c0)
    stopped = False
    for _ in range(m):
        t += 1
        if wd != 0.0:
            if decoupled:
                w, b = w * (1.0 - lr * wd), b * (1.0 - lr * wd)
            else:
                gw, gb = gw + wd * w, gb + wd * b
        if small:
            mw, mb = mw + one_b1 * (gw - mw), mb + one_b1 * (gb - mb)
        else:
            mw, mb = gw - (gw - mw) * rest, gb - (gb - mb) * rest
        vw, vb = vw * beta2 + one_b2 * gw * gw, vb * beta2 + one_b2 * gb * gb
        step = float(t)
        step_size = lr / (1.0 - beta1**step)
        bc2_sqrt = (1.0 - beta2**step) ** 0.5
        if amsgrad:
            xw, xb = vw if vw > xw else xw, vb if vb > xb else xb  # max(), inlined
            w = w + -step_size * mw / (sqrt(xw) / bc2_sqrt + eps)
            b = b + -step_size * mb / (sqrt(xb) / bc2_sqrt + eps)
            c4(xw)
            c5(xb)
        else:
            w = w + -step_size * mw / (sqrt(vw) / bc2_sqrt + eps)
            b = b + -step_size * mb / (sqrt(vb) / bc2_sqrt + eps)
        ws.append(w)
        bs.append(b)
        c0(mw)
        c1(mb)
        c2(vw)
        c3(vb)
        d = w - w_opt
        c = b - (ym - w * xm)
        gw = 2.0 * (sxx * d + c * xm)
        gb = 2.0 * c
        if not sse + sxx * d * d + c * c <= bound or gw * gw + gb * gb < tol2:
            stopped = True
            break
    return ws, bs, cols, stopped


def _rmsprop(rule: Rule, s: SufficientStats, w: float, b: float, gw: float, gb: float,
             st: State, t: int, lr: float, m: int, bound: float, tol2: float) -> Fused:
    h = rule.h
    w_opt, xm, ym, sxx, sse = s.w_opt, s.x_mean, s.y_mean, s.sxx_n, s.sse_min_n
    wd, alpha, eps, mu, centered = h.wd, h.alpha, h.epsilon, h.mu, h.centered
    one_a = 1.0 - alpha
    small, rest = one_a < 0.5, 1.0 - one_a
    sqrt, nan = math.sqrt, math.nan
    sw, sb, bw, bb, aw, ab = st
    ws: list[float] = []
    bs: list[float] = []
    used = [0, 1] + ([2, 3] if mu > 0.0 else []) + ([4, 5] if centered else [])
    cols: dict[int, list[float]] = {i: [] for i in used}
    a0, a1 = cols[0].append, cols[1].append
    a2, a3 = (cols[2].append, cols[3].append) if mu > 0.0 else (a0, a0)
    a4, a5 = (cols[4].append, cols[5].append) if centered else (a0, a0)
    stopped = False
    for _ in range(m):
        t += 1
        if wd != 0.0:
            gw, gb = gw + wd * w, gb + wd * b
        sw, sb = sw * alpha + one_a * gw * gw, sb * alpha + one_a * gb * gb
        if centered:
            if small:
                aw, ab = aw + one_a * (gw - aw), ab + one_a * (gb - ab)
            else:
                aw, ab = gw - (gw - aw) * rest, gb - (gb - ab) * rest
            qw, qb = sw + -1.0 * aw * aw, sb + -1.0 * ab * ab
            avg_w = (sqrt(qw) if qw >= 0.0 else nan) + eps
            avg_b = (sqrt(qb) if qb >= 0.0 else nan) + eps
        else:
            avg_w, avg_b = sqrt(sw) + eps, sqrt(sb) + eps
        if mu > 0.0:
            bw, bb = bw * mu + 1.0 * gw / avg_w, bb * mu + 1.0 * gb / avg_b
            w, b = w + -lr * bw, b + -lr * bb
        else:
            w, b = w + -lr * gw / avg_w, b + -lr * gb / avg_b
        ws.append(w)
        bs.append(b)
        a0(sw)
        a1(sb)
        if mu > 0.0:
            a2(bw)
            a3(bb)
        if centered:
            a4(aw)
            a5(ab)
        d = w - w_opt
        c = b - (ym - w * xm)
        gw = 2.0 * (sxx * d + c * xm)
        gb = 2.0 * c
        if not sse + sxx * d * d + c * c <= bound or gw * gw + gb * gb < tol2:
            stopped = True
            break
    return ws, bs, cols, stopped


def _adagrad(rule: Rule, s: SufficientStats, w: float, b: float, gw: float, gb: float,
             st: State, t: int, lr: float, m: int, bound: float, tol2: float) -> Fused:
    h = rule.h
    w_opt, xm, ym, sxx, sse = s.w_opt, s.x_mean, s.y_mean, s.sxx_n, s.sse_min_n
    wd, eps, decay = h.wd, h.epsilon, h.lr_decay
    sqrt = math.sqrt
    sw, sb = st[0], st[1]
    ws: list[float] = []
    bs: list[float] = []
    s0: list[float] = []
    s1: list[float] = []
    stopped = False
    for _ in range(m):
        t += 1
        if wd != 0.0:
            gw, gb = gw + wd * w, gb + wd * b
        clr = lr / (1 + (float(t) - 1) * decay)
        sw, sb = sw + 1.0 * gw * gw, sb + 1.0 * gb * gb
        w = w + -clr * gw / (sqrt(sw) + eps)
        b = b + -clr * gb / (sqrt(sb) + eps)
        ws.append(w)
        bs.append(b)
        s0.append(sw)
        s1.append(sb)
        d = w - w_opt
        c = b - (ym - w * xm)
        gw = 2.0 * (sxx * d + c * xm)
        gb = 2.0 * c
        if not sse + sxx * d * d + c * c <= bound or gw * gw + gb * gb < tol2:
            stopped = True
            break
    return ws, bs, {0: s0, 1: s1}, stopped


# -- the generic loop: any gradient source, one call a step --------------------------------

Gradient = Callable[[float, float], tuple[float, float]]


def advance(rule: Rule, gradient: Gradient, loss: Callable[[float, float], float], w: float,
            b: float, dw: float, db: float, st: State, t: int, lr: float, m: int, bound: float,
            tol2: float) -> tuple[list[float], list[float], list[float], list[float],
                                  list[float], bool]:
    """Up to m updates by `rule` from the record (w, b, dw, db, buffers st) of update count t;
    the same stopping rules as plain descent's loops (the loss past `bound` or not finite, or
    the squared gradient norm below tol2). Returns the new records' w, b, dw, db, their
    buffers (SLOTS per record, flat) and whether the run stopped."""
    update = rule.update
    st = tuple(st) if len(st) == SLOTS else rule.initial()
    ws: list[float] = []
    bs: list[float] = []
    dws: list[float] = []
    dbs: list[float] = []
    sts: list[float] = []
    isfinite = math.isfinite
    for _ in range(m):
        t += 1
        try:
            w, b, st = update(w, b, dw, db, st, t, lr)
        except ZeroDivisionError:  # eps 0 and a zero gradient: 0/0, nan in torch
            w, b, st = update(*as_numpy(w, b, dw, db), st, t, lr)
        dw, db = gradient(w, b)
        ws.append(w)
        bs.append(b)
        dws.append(dw)
        dbs.append(db)
        sts.extend(st)
        if (not loss(w, b) <= bound or not isfinite(dw) or not isfinite(db)
                or dw * dw + db * db < tol2):
            return ws, bs, dws, dbs, sts, True
    return ws, bs, dws, dbs, sts, False
