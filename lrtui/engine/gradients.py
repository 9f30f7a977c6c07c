"""Where an update's gradient comes from: the gradient sources, each with its cost.

- `analytic` (the default): the closed-form derivative from the sufficient statistics, O(1).
  The trainer computes it inline, in the update rule's fused loop.
- `numeric`: the central difference (L(w+h) - L(w-h)) / 2h with the run's h, O(1).
- `autograd`: lrtui's own reverse-mode autodiff (`autograd.py`), which builds the graph over
  all N points each step, O(N).
- `torch`: PyTorch's autograd in float64 (the notes' PyTorch section), O(N); torch is
  optional and imported only when this source is chosen.

A source is a function (w, b) -> (dw, db). Frameworks are imported lazily, never at start-up.
"""

from __future__ import annotations

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
    return TorchGradient(data.x, data.y)  # the table knows no other name


TORCH_MISSING = (
    "--grad torch needs PyTorch, which is not installed here; install it with "
    "pip install 'lrtui[torch]' (or pip install torch==2.13.0), or choose --grad autograd"
)


def import_torch() -> ModuleType:
    """The torch module, or a DataError that says how to install it (torch is optional)."""
    try:
        import torch
    except (ImportError, OSError) as exc:  # OSError: a torch whose native libraries fail
        detail = "" if isinstance(exc, ModuleNotFoundError) else f" ({exc})"
        raise DataError(TORCH_MISSING + detail) from None
    return torch


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
