"""What the app shows besides the run: one immutable value, owned by the app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ViewSettings:
    """Steps per frame, the loss plot's log scale, the notes' sample tangents, the formulas
    panel and the computation graph. Each field is a view setting of `lrtui.settings` (the
    session file, the tour's `set` and the keys all change these same fields)."""

    speed: int = 1
    log: bool = False
    tangents: bool = False
    formulas: bool = False  # the formulas in place of the gradients panel
    graph: bool = False  # the computation graph in place of the tangent and fit plots
