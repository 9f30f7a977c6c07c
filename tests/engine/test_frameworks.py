"""The JAX and TensorFlow gradient sources: the notes' one-variable examples, float64 kept all
the way through, one compile for a whole run, and the gradient at a point against the exact one
(rational arithmetic). Their trajectories against the analytic source are in
test_grad_sources.py, with torch's."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lrtui.engine import TrainConfig, Trainer, preset, synthetic
from lrtui.engine import gradients as g

from ..framework_support import jax, requires_jax, requires_tensorflow, tf


@requires_jax
def test_the_notes_jax_example_gives_7():
    def f(x):
        return x**2 + 3 * x + 1

    df_dx = jax.grad(f)
    assert float(df_dx(2.0)) == 7.0
    assert df_dx(2.0).dtype == jax.numpy.float64  # lrtui turned x64 on


@requires_tensorflow
def test_the_notes_tensorflow_example_gives_7():
    x = tf.Variable(2.0)  # the notes' float32 variable: 7 is exact in it too
    with tf.GradientTape() as tape:
        y = x**2 + 3 * x + 1
    assert float(tape.gradient(y, x)) == 7.0
    x64 = tf.Variable(2.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = x64**2 + 3 * x64 + 1
    dy_dx = tape.gradient(y, x64)
    assert dy_dx.dtype == tf.float64 and float(dy_dx) == 7.0


def exact_gradient(x, y, w, b):
    """dL/dw and dL/db of the MSE in exact rational arithmetic."""
    n = len(x)
    fw, fb = Fraction(w), Fraction(b)
    errors = [fw * Fraction(xi) + fb - Fraction(yi) for xi, yi in zip(x, y, strict=True)]
    dw = 2 * sum(e * Fraction(xi) for e, xi in zip(errors, x, strict=True)) / n
    return float(dw), float(2 * sum(errors) / n)


@pytest.mark.parametrize("name", [pytest.param("jax", marks=requires_jax),
                                  pytest.param("tensorflow", marks=requires_tensorflow)])
def test_gradient_at_a_point_in_float64(name):
    """float32 would be off in the 7th digit; float64 sums of 1,000 terms agree to ~1e-13."""
    data = synthetic(1000, slope=2.5, intercept=-1.0, noise=0.3, seed=5)
    source = g.make_gradient(name, data, None, 1e-4)  # type: ignore[arg-type]
    for w, b in ((0.1, 0.2), (2.4999, -0.9), (-3.0, 7.5)):
        ew, eb = exact_gradient(data.x, data.y, w, b)
        dw, db = source(w, b)
        assert type(dw) is float and type(db) is float
        assert dw == pytest.approx(ew, rel=1e-12, abs=1e-13)
        assert db == pytest.approx(eb, rel=1e-12, abs=1e-13)


@requires_tensorflow
def test_tensorflow_traces_once_for_a_whole_run():
    """A tf.function retraces for every new Python float unless its signature is fixed: 500
    epochs must make one graph, not 500."""
    p = preset("tutorial")
    t = Trainer(p.data, TrainConfig.from_preset(p, grad="tensorflow", epochs=500))
    t.run()
    source = g.make_gradient("tensorflow", p.data, t.stats, 1e-4)
    assert t.state.epoch == 500
    assert source._gradients.experimental_get_tracing_count() == 1


@requires_jax
def test_jax_compiles_once_for_a_whole_run():
    p = preset("tutorial")
    t = Trainer(p.data, TrainConfig.from_preset(p, grad="jax", epochs=500))
    t.run()
    source = g.make_gradient("jax", p.data, t.stats, 1e-4)
    assert source._value_and_grad._cache_size() == 1


@pytest.mark.parametrize("name", [pytest.param("jax", marks=requires_jax),
                                  pytest.param("tensorflow", marks=requires_tensorflow)])
def test_warm_builds_the_source_the_trainer_then_uses(name):
    data = synthetic(50, seed=1)
    g.warm(name, data, 0.5, 0.5)
    warmed = g._last[3]
    t = Trainer(data, TrainConfig(w0=0.5, b0=0.5, lr=0.1, epochs=3))
    t.set_grad(name)
    assert t._gradient is warmed
    other = synthetic(50, seed=2)  # other data: a new source
    assert g.make_gradient(name, other, None, 1e-4) is not warmed  # type: ignore[arg-type]


def test_every_framework_has_an_installable_description():
    assert set(g.FRAMEWORKS) == {s for s, src in g.SOURCES.items()
                                 if src.per_point and s != "autograd"}
    for name, f in g.FRAMEWORKS.items():
        assert g.SOURCES[name].cost == "O(N)"
        message = g.missing_message(name)
        assert f"pip install 'lrtui[{f.extra}]'" in message and f.pin in message
    assert g.TORCH_MISSING == g.missing_message("torch")
