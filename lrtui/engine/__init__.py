"""The NumPy engine: every number lrtui shows is computed here.

This package never imports textual or rich (tests/engine/test_import_hygiene.py checks it),
so it can run headless, in a notebook, or under a benchmark.
"""

from lrtui.engine.data import DataError, Dataset, Preset, load_csv, preset, synthetic
from lrtui.engine.history import History
from lrtui.engine.state import TrainConfig, TrainingState
from lrtui.engine.stats import SufficientStats
from lrtui.engine.theory import Theory
from lrtui.engine.trainer import Trainer

__all__ = [
    "DataError",
    "Dataset",
    "History",
    "Preset",
    "SufficientStats",
    "Theory",
    "TrainConfig",
    "Trainer",
    "TrainingState",
    "load_csv",
    "preset",
    "synthetic",
]
