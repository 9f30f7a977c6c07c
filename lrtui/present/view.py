"""What the app shows besides the run: one immutable value, owned by the app."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ViewSettings:
    """Steps per frame, the loss plot's log scale, the notes' sample tangents, the formulas
    panel, the computation graph, the loss map and the L(w) view's follow mode. Each field is
    a view setting of `lrtui.settings` (the session file, the tour's `set` and the keys all
    change these same fields)."""

    speed: int = 1
    log: bool = False
    tangents: bool = False
    formulas: bool = False  # the formulas in place of the gradients panel
    graph: bool = False  # the computation graph in place of the tangent and fit plots
    map: bool = False  # the loss map L(w, b) in their place (map and graph exclude each other)
    sweep: bool = False  # the learning-rate sweep in place of all three plots
    follow: bool = True  # the L(w) window narrows around the current w near the optimum

    def toggled(self, name: str) -> ViewSettings:
        """The settings with flag `name` flipped."""
        return self.changed(**{name: not getattr(self, name)})

    def changed(self, **changes: object) -> ViewSettings:
        """The settings with `changes` made; turning the map, the graph or the sweep on turns
        the others off (each takes the place of plots)."""
        for name in ("map", "graph", "sweep"):  # one of them at a time
            if changes.get(name) is True:
                for other in ("map", "graph", "sweep"):
                    if other != name:
                        changes.setdefault(other, False)
                break
        return replace(self, **changes)  # type: ignore[arg-type]
