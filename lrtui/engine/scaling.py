"""Feature scaling: what a run trains on, and its answer back in x's units.

A run with `scale` none trains on x itself. With `center` it trains on z = x - mean(x), with
`standard` on z = (x - mean(x)) / std(x), std the population one (ddof = 0). The model is
then y_hat = w*z + b, so its loss bowl in (w, b) is the one of z: centring makes the Hessian
2 * [[var(x), 0], [0, 1]] (diagonal), standardising makes it 2 * I (kappa = 1, critical lr 1).

The same line in x's units: w*z + b = w*(x - mean)/std + b, so

    w_x = w / std,    b_x = b - w * mean / std     (center: std = 1)

The trained parameters (the history, the state, the start w0, b0) stay in z's coordinates;
`to_original` gives them back in x's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lrtui import settings
from lrtui.engine.checks import check_numbers
from lrtui.engine.data import Dataset
from lrtui.engine.stats import SufficientStats
from lrtui.errors import DataError


@dataclass(frozen=True)
class Scaling:
    kind: str  # one of settings.SCALES
    shift: float  # the mean of x that is subtracted (0 for none)
    factor: float  # the std of x it is divided by (1 for none and center)

    @classmethod
    def of(cls, kind: str, x_stats: SufficientStats, name: str = "the data") -> Scaling:
        """The scaling `kind` of data whose statistics (in x) are `x_stats`. Raises DataError
        for `standard` when x has no spread (all x equal: the std is 0)."""
        kind = settings.check("scale", kind)
        if kind == "none":
            return cls(kind, 0.0, 1.0)
        if kind == "center":
            return cls(kind, x_stats.x_mean, 1.0)
        std = math.sqrt(x_stats.sxx_n)
        if not (x_stats.unique and std > 0.0 and math.isfinite(std)):
            raise DataError(f"scale standard divides by the standard deviation of x, and in "
                            f"{name} all x are equal (it is 0); use scale none or center")
        return cls(kind, x_stats.x_mean, std)

    @property
    def identity(self) -> bool:
        return self.kind == "none"

    def transform(self, data: Dataset) -> Dataset:
        """The data the run trains on: (z, y), with the same name and recipe as `data`."""
        if self.identity:
            return data
        z = (data.x - self.shift) / self.factor
        return Dataset(z, data.y, name=data.name, source=data.source)

    def to_original(self, w: float, b: float) -> tuple[float, float]:
        """The trained line w*z + b as w_x*x + b_x: (w / std, b - w*mean/std)."""
        if self.identity:
            return w, b
        w_x = w / self.factor
        return w_x, b - w_x * self.shift

    def from_original(self, w_x: float, b_x: float) -> tuple[float, float]:
        """The line w_x*x + b_x in the trained coordinates: (w_x*std, b_x + w_x*mean)."""
        if self.identity:
            return w_x, b_x
        return w_x * self.factor, b_x + w_x * self.shift


def scaled(kind: str, data: Dataset,
           x_stats: SufficientStats) -> tuple[Scaling, Dataset, SufficientStats]:
    """The scaling `kind` of `data`, the data it trains on and their statistics (the x ones
    themselves when the scale is none). Raises DataError as `Scaling.of` and `check_numbers`
    do."""
    scaling = Scaling.of(kind, x_stats, data.name)
    if scaling.identity:
        return scaling, data, x_stats
    train = scaling.transform(data)
    stats = SufficientStats.from_data(train)
    check_numbers(data.name, stats)
    return scaling, train, stats
