"""Mini-batches: each update's gradient is its batch's (checked against the batch's points
directly), the order is `default_rng([S, e]).permutation(n)` (checked by replaying the run in
torch.optim with that order, to 1e-9 over 500 steps), the records say step, epoch and batch
loss, stepping back and sessions keep the run exact, and the noise floor that theory
predicts is the one the run settles on."""

from __future__ import annotations

import numpy as np
import pytest

from lrtui.engine import DataError, TrainConfig, Trainer, preset, synthetic
from lrtui.engine.batches import BatchPlan
from lrtui.engine.rules import Hyper

from ..framework_support import requires_torch, torch
from .test_session import assert_same_run, in_tmp, round_trip  # noqa: F401 (a fixture)

DATA = synthetic(300, 1.5, -0.5, 0.3, 11)


def test_each_batch_gradient_and_loss_are_the_batch_points_own():
    plan = BatchPlan(DATA, 32)
    assert plan.per_epoch == 10  # 9 of 32 and one of 12
    got = plan.batches(3)
    order = np.random.default_rng([0, 3]).permutation(300)
    w, b = 0.7, 0.2
    for j in range(plan.per_epoch):
        idx = order[j * 32:(j + 1) * 32]
        x, y = DATA.x[idx], DATA.y[idx]
        r = w * x + b - y
        c = b - (got.my[j] - w * got.mx[j])
        gw = 2.0 * (w * got.sxx[j] - got.sxy[j] + c * got.mx[j])
        assert got.count[j] == len(idx)
        assert gw == pytest.approx(2.0 * np.mean(r * x), rel=1e-12)
        assert 2.0 * c == pytest.approx(2.0 * np.mean(r), rel=1e-12, abs=1e-15)
        loss = w * w * got.sxx[j] - 2 * w * got.sxy[j] + got.syy[j] + c * c
        assert loss == pytest.approx(np.mean(r * r), rel=1e-12)


def test_steps_epochs_and_the_budget():
    t = Trainer(DATA, TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=3, batch_size=64,
                                  drop_last=True))
    assert t.plan is not None and t.plan.per_epoch == 4  # 300 // 64
    s = t.run()
    assert (s.epoch, s.passes, s.epochs, s.batches) == (12, 3, 12, 4)
    rows = t.history.rows()
    assert rows.shape == (13, 15) and np.all(rows[1:, -1] > 0)
    with pytest.raises(DataError, match="between 1 and the 300 points"):
        Trainer(DATA, TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=3, batch_size=301))
    with pytest.raises(DataError, match="works on full batches only"):
        Trainer(DATA, TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=3, batch_size=8,
                                  grad="numeric"))


@pytest.mark.parametrize("rule", [dict(), dict(optimizer="adam")], ids=["sgd", "adam"])
def test_back_and_sessions_keep_a_mini_batch_run_exact(rule, in_tmp):  # noqa: F811
    config = TrainConfig(w0=0.0, b0=0.0, lr=0.05, epochs=40, batch_size=16, **rule)
    a = Trainer(DATA, config)
    a.run(57)  # mid-epoch
    before = a.history.last().copy()
    a.run(9)
    for _ in range(9):
        a.back()
    assert np.array_equal(a.history.last(), before)
    b, _ = round_trip(a)
    assert_same_run(a, b)
    a.run(100)
    b.run(100)
    assert np.array_equal(a.history.rows(), b.history.rows())


def torch_minibatch(data, w0, b0, h: Hyper, lr, size, steps, shuffle="epoch", seed=0,
                    drop_last=False) -> np.ndarray:
    """torch.optim on each batch's mean squared error, batches in lrtui's documented order."""
    x, y = torch.tensor(data.x), torch.tensor(data.y)
    p = torch.tensor([w0, b0], dtype=torch.float64, requires_grad=True)
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}
    kwargs = h.torch_kwargs()
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = cls[h.optimizer]([p], lr=lr, foreach=False, **kwargs)
    n = data.n
    out, epoch = [(w0, b0)], 0
    while len(out) <= steps:
        if shuffle == "none":
            order = np.arange(n)
        else:
            order = np.random.default_rng([seed, 0 if shuffle == "once" else epoch]).permutation(n)
        stop = n // size * size if drop_last else n
        for start in range(0, stop, size):
            idx = torch.tensor(order[start:min(start + size, stop)])
            opt.zero_grad()
            loss = torch.mean((p[0] * x[idx] + p[1] - y[idx]) ** 2)
            loss.backward()
            opt.step()
            out.append(tuple(float(v) for v in p.detach()))
            if len(out) > steps:
                break
        epoch += 1
    return np.array(out)


@requires_torch
@pytest.mark.parametrize(("name", "size", "extra"), [
    ("seed", 2, {}), ("tutorial", 3, {"shuffle": "once"}), ("synthetic", 32, {}),
    ("synthetic", 64, {"drop_last": True}), ("synthetic", 50, {"shuffle": "none"}),
    ("synthetic", 32, {"shuffle_seed": 7}),
])
@pytest.mark.parametrize("h", [Hyper(), Hyper(momentum=0.9), Hyper(momentum=0.5,
                                                                  nesterov=True),
                               Hyper("adam"), Hyper("rmsprop", centered=True)],
                         ids=["sgd", "momentum", "nesterov", "adam", "rmsprop-centered"])
def test_mini_batch_runs_agree_with_torch_over_500_steps(name, size, extra, h):
    if name == "synthetic":
        data, w0, b0 = DATA, -2.0, 3.0
    else:
        p = preset(name)
        data, w0, b0 = p.data, p.w0, p.b0
    lr = 0.01
    config = TrainConfig(w0=w0, b0=b0, lr=lr, epochs=10**6, batch_size=size, **extra,
                         **vars(h))
    t = Trainer(data, config)
    t.run(500)
    ours = t.history.rows()[:, 1:3]
    theirs = torch_minibatch(data, w0, b0, h, lr, size, 500,
                             shuffle=extra.get("shuffle", "epoch"),
                             seed=extra.get("shuffle_seed", 0),
                             drop_last=extra.get("drop_last", False))
    scale = np.maximum(np.abs(theirs), 1.0)
    assert float(np.max(np.abs(ours - theirs) / scale)) <= 1e-9


def test_the_noise_floor_formula_and_where_reshuffled_batches_settle():
    """Theory's floor, lr * sigma^2 * (m2 + 1) / B * (N - B)/(N - 1), is the one of batches
    drawn afresh each step: checked by simulating exactly that. lrtui's batches reshuffle
    once an epoch and then partition the data (as torch's DataLoader(shuffle=True) does), so
    within an epoch their errors cancel, and the run settles below the formula (measured here
    at 0.48 to 0.72 of it, lower at smaller rates): the formula is an upper estimate."""
    data = synthetic(2000, 1.0, 0.5, 1.0, 5)
    lr, size = 0.02, 20
    t = Trainer(data, TrainConfig(w0=1.0, b0=0.5, lr=lr, epochs=200, batch_size=size))
    predicted = t.plan.noise_floor(t.stats, lr)
    # batches drawn afresh each step (without replacement inside a batch)
    rng = np.random.default_rng(1)
    w, b, gaps = 1.0, 0.5, []
    for k in range(30_000):
        idx = rng.choice(data.n, size, replace=False)
        r = w * data.x[idx] + b - data.y[idx]
        w, b = w - lr * 2.0 * np.mean(r * data.x[idx]), b - lr * 2.0 * np.mean(r)
        if k >= 5_000:
            gaps.append(t.theory.loss_gap(w, b))
    assert float(np.mean(gaps)) == pytest.approx(predicted, rel=0.15)
    # lrtui's reshuffled epochs: below it
    t.run()
    rows = t.history.rows()[-8000:]  # the last 80 epochs, long after the transient
    measured = float(np.mean(t.theory.loss_gap(rows[:, 1], rows[:, 2])))
    assert 0.4 * predicted < measured < 0.9 * predicted
