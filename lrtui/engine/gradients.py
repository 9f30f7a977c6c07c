"""Where an update's gradient comes from: the gradient sources, each with its cost.

- `analytic` (the default): the closed-form derivative from the sufficient statistics, O(1).
  The trainer computes it inline, in the update rule's fused loop.
- `numeric`: the central difference (L(w+h) - L(w-h)) / 2h with the run's h, O(1).
- `autograd`: lrtui's own reverse-mode autodiff (`autograd.py`), which builds the graph over
  all N points each step, O(N).
- `torch`: PyTorch's autograd in float64 (the notes' PyTorch section), O(N): a dynamic graph,
  recorded as the forward pass runs and walked back by `loss.backward()`.
- `jax`: JAX's `jax.value_and_grad` of the same loss, O(N): a traced function, compiled once
  with `jax.jit`. float64 needs `jax_enable_x64`, set before the first array is made.
- `tensorflow`: TensorFlow's `tf.GradientTape` over float64 `tf.Variable`s, O(N): a tape,
  recorded inside a `tf.function` traced once for scalar float64 inputs.

A source is a function (w, b) -> (dw, db). The three frameworks are optional extras, imported
only when their source is chosen, never at start-up. Compiling pays off at every size measured
(bench/RESULTS.md, bench/sources.py: at N = 4, jit runs 69-87x and tf.function 2.9-4.1x
faster than eager; at N = 10^5, 13-18x and 2.5-3.8x), so the JAX and TensorFlow sources
compile; the compile happens in the first call, which `warm` makes before the source is used
(the app calls it in a thread).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from lrtui import settings
from lrtui.engine.data import Dataset
from lrtui.engine.stats import SufficientStats
from lrtui.errors import DataError
from lrtui.settings import GRAD_SOURCES

GradientFn = Callable[[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Source:
    name: str
    cost: str  # "O(1)" or "O(N)": what one step costs
    what: str

    @property
    def per_point(self) -> bool:
        """True when a step costs O(N): the app then runs it under a time budget."""
        return self.cost == "O(N)"


SOURCES = {
    "analytic": Source("analytic", "O(1)", "the derivative formula, from sufficient statistics"),
    "numeric": Source("numeric", "O(1)", "the central difference with the run's h"),
    "autograd": Source("autograd", "O(N)", "lrtui's own reverse-mode autodiff"),
    "torch": Source("torch", "O(N)", "PyTorch's autograd in float64"),
    "jax": Source("jax", "O(N)", "JAX's value_and_grad, jit-compiled, in float64"),
    "tensorflow": Source("tensorflow", "O(N)", "TensorFlow's GradientTape in float64"),
}
assert tuple(SOURCES) == GRAD_SOURCES


def make_gradient(name: str, data: Dataset, stats: SufficientStats,
                  h: float) -> GradientFn | None:
    """The function (w, b) -> (dw, db) of a source; None for the analytic one, which the
    update rule computes inline. Raises DataError for an unknown name (the settings table's
    message) or a missing framework."""
    name = settings.check("grad", name)
    if name == "analytic":
        return None
    if name == "numeric":
        return lambda w, b: stats.central_difference(w, b, h)
    if name == "autograd":
        from lrtui.engine.autograd import AutogradGradient

        return AutogradGradient(data.x, data.y)
    return _built(name, data)


@dataclass(frozen=True)
class Framework:
    """An optional framework behind a gradient source: its module, its name for people, the
    lrtui extra that installs it, the exact release CI tests, and how it records a computation."""

    module: str
    label: str
    extra: str
    pin: str
    records: str


FRAMEWORKS = {
    "torch": Framework("torch", "PyTorch", "torch", "torch==2.13.0",
                       "a dynamic graph, built as the forward pass runs"),
    "jax": Framework("jax", "JAX", "jax", "jax==0.10.2",
                     "a traced function, transformed by grad and compiled by jit"),
    "tensorflow": Framework("tensorflow", "TensorFlow", "tensorflow", "tensorflow-cpu==2.21.0",
                            "a tape, recording the operations run inside its block"),
}


def missing_message(name: str) -> str:
    f = FRAMEWORKS[name]
    return (f"--grad {name} needs {f.label}, which is not installed here; install it with "
            f"pip install 'lrtui[{f.extra}]' (or pip install {f.pin}), or choose --grad autograd")


TORCH_MISSING = missing_message("torch")


def installed(name: str) -> bool:
    """Whether a framework can be found, without importing it (for the tour and the help)."""
    import importlib.util

    return importlib.util.find_spec(FRAMEWORKS[name].module) is not None


def import_framework(name: str) -> ModuleType:
    """The framework's module, or a DataError that says how to install it (they are optional).

    TensorFlow writes start-up notes straight to the terminal's stderr, which would draw over
    the app: unless the user has set them, its C++ log level is raised to errors only, and its
    oneDNN rewrites (which announce themselves, and change sums' rounding) are left off."""
    if name == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    try:
        module = __import__(FRAMEWORKS[name].module)
    except (ImportError, OSError) as exc:  # OSError: native libraries that fail to load
        detail = "" if isinstance(exc, ModuleNotFoundError) else f" ({exc})"
        raise DataError(missing_message(name) + detail) from None
    if name == "jax":
        module.config.update("jax_enable_x64", True)  # before any array: else float32
    return module


def import_torch() -> ModuleType:
    """The torch module, or a DataError that says how to install it (torch is optional)."""
    return import_framework("torch")


# The last framework source built, kept so that the one `warm` compiled in a thread is the one
# the trainer then uses (a new jit or tf.function would compile again).
_last: tuple[str, np.ndarray, np.ndarray, GradientFn] | None = None


def _built(name: str, data: Dataset) -> GradientFn:
    global _last
    if is_warm(name, data):
        return _last[3]  # type: ignore[index]  # is_warm checked it
    classes: dict[str, Callable[[np.ndarray, np.ndarray], GradientFn]] = {
        "torch": TorchGradient, "jax": JaxGradient, "tensorflow": TensorFlowGradient}
    gradient = classes[name](data.x, data.y)
    _last = (name, data.x, data.y, gradient)
    return gradient


def is_warm(name: str, data: Dataset) -> bool:
    """Whether `make_gradient(name, data, ...)` would return a source built already."""
    last = _last
    return last is not None and last[0] == name and last[1] is data.x and last[2] is data.y


def warm(name: str, data: Dataset, w: float, b: float) -> None:
    """Import a framework source's module, build the source and call it once (compiling it), so
    that choosing it next is quick. Safe in a worker thread; raises DataError like
    make_gradient."""
    if settings.check("grad", name) in FRAMEWORKS:
        _built(name, data)(w, b)


class TorchGradient:
    """(dL/dw, dL/db) from PyTorch's autograd, in float64: the notes' PyTorch section.

    The same loss, forward and backward, as `AutogradGradient`, but in a real framework:
    w and b are tensors with requires_grad=True, `l.backward()` fills w.grad and b.grad, and
    the gradients are zeroed after each step.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        torch = import_torch()
        self._torch: Any = torch
        self.x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
        self.y = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float64))
        self.w = torch.zeros((), dtype=torch.float64, requires_grad=True)
        self.b = torch.zeros((), dtype=torch.float64, requires_grad=True)

    def __call__(self, w: float, b: float) -> tuple[float, float]:
        with self._torch.no_grad():
            self.w.fill_(w)
            self.b.fill_(b)
        y_hat = self.w * self.x + self.b
        loss = ((self.y - y_hat) ** 2).mean()
        loss.backward()
        dw, db = self.w.grad.item(), self.b.grad.item()
        self.w.grad.zero_()
        self.b.grad.zero_()
        return float(dw), float(db)


class JaxGradient:
    """(dL/dw, dL/db) from JAX, in float64: `jax.value_and_grad` of the MSE as a function of
    (w, b), compiled by `jax.jit`. The data are arguments, not constants baked into the
    compiled program, so compiling costs the same at any N."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        jax: Any = import_framework("jax")
        jnp = jax.numpy
        self.x = jnp.asarray(np.asarray(x, dtype=np.float64))
        self.y = jnp.asarray(np.asarray(y, dtype=np.float64))
        if self.x.dtype != jnp.float64:  # x64 was refused: never train in float32 silently
            raise DataError(f"--grad jax could not turn on float64 (jax_enable_x64); its "
                            f"arrays are {self.x.dtype}")

        def loss(w: Any, b: Any, x: Any, y: Any) -> Any:
            y_hat = w * x + b
            return jnp.mean((y - y_hat) ** 2)

        self._value_and_grad = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))

    def __call__(self, w: float, b: float) -> tuple[float, float]:
        _, (dw, db) = self._value_and_grad(float(w), float(b), self.x, self.y)
        return float(dw), float(db)


class TensorFlowGradient:
    """(dL/dw, dL/db) from TensorFlow's `tf.GradientTape`, in float64: w and b are float64
    `tf.Variable`s (TensorFlow's default is float32), the tape records the forward pass, and
    `tape.gradient` walks it back. The step is a `tf.function` with a fixed signature of two
    float64 scalars, so it is traced once, not once per new value of w."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        tf: Any = import_framework("tensorflow")
        self.x = tf.constant(np.asarray(x, dtype=np.float64))
        self.y = tf.constant(np.asarray(y, dtype=np.float64))
        self.w = tf.Variable(0.0, dtype=tf.float64)
        self.b = tf.Variable(0.0, dtype=tf.float64)
        scalar = tf.TensorSpec([], tf.float64)

        # autograph=False: nothing here needs Python control flow turned into graph ops, and
        # AutoGraph reads the source to convert it (it warns on stderr when it cannot).
        @tf.function(input_signature=[scalar, scalar],  # type: ignore[untyped-decorator]
                     autograph=False)
        def gradients(w: Any, b: Any) -> Any:
            self.w.assign(w)
            self.b.assign(b)
            with tf.GradientTape() as tape:
                y_hat = self.w * self.x + self.b
                loss = tf.reduce_mean(tf.square(self.y - y_hat))
            return tape.gradient(loss, [self.w, self.b])

        self._gradients = gradients

    def __call__(self, w: float, b: float) -> tuple[float, float]:
        dw, db = self._gradients(float(w), float(b))
        return float(dw), float(db)
