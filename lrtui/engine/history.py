"""The run's records, in bounded memory however long it runs."""

from __future__ import annotations

import numpy as np

from lrtui.engine.state import COLUMNS, ROW


class History:
    """The run's records in bounded memory.

    The most recent `recent` records (at least) are kept exactly, so the app can step back
    through them. Older records are thinned: a record that leaves the recent window is kept
    only if its epoch is a multiple of the current stride; when more than `past` of them have
    piled up, every other one is dropped and the stride doubles. So epoch 0 is always kept,
    the whole run stays visible at an even spacing, and memory never exceeds
    (2*recent + past) rows of 8 float64 values (14 with an update rule's buffers), however
    long the run.
    """

    def __init__(self, recent: int = 10_000, past: int = 4_096,
                 width: int = len(COLUMNS)) -> None:
        """`width`: len(COLUMNS), or len(ROW) for a rule that keeps buffers."""
        self.recent_size = recent
        self.past_size = past
        self.width = width
        self._recent = np.empty((2 * recent, width))
        self._past = np.empty((past, width))
        self.clear()

    def clear(self) -> None:
        self._n_recent = 0
        self._n_past = 0
        self.stride = 1

    def __len__(self) -> int:
        return self._n_recent + self._n_past

    @property
    def recent_count(self) -> int:
        return self._n_recent

    def append(self, rows: np.ndarray) -> None:
        for start in range(0, len(rows), self.recent_size):
            self._append(rows[start : start + self.recent_size])

    def _append(self, rows: np.ndarray) -> None:
        k = len(rows)
        if self._n_recent + k > len(self._recent):
            evict = self._n_recent + k - self.recent_size
            self._thin_into_past(self._recent[:evict])
            keep = self._n_recent - evict
            self._recent[:keep] = self._recent[evict : self._n_recent]
            self._n_recent = keep
        self._recent[self._n_recent : self._n_recent + k] = rows
        self._n_recent += k

    def _thin_into_past(self, rows: np.ndarray) -> None:
        rows = rows[rows[:, 0] % self.stride == 0]
        while self._n_past + len(rows) > self.past_size:
            self.stride *= 2
            kept = self._past[: self._n_past]
            kept = kept[kept[:, 0] % self.stride == 0]
            self._n_past = len(kept)
            self._past[: self._n_past] = kept
            rows = rows[rows[:, 0] % self.stride == 0]
        self._past[self._n_past : self._n_past + len(rows)] = rows
        self._n_past += len(rows)

    def pop(self) -> None:
        """Forget the newest record (there must be another recent one to go back to)."""
        if self._n_recent < 2:
            raise IndexError("no earlier record is kept exactly")
        self._n_recent -= 1

    def last(self) -> np.ndarray:
        row: np.ndarray = self._recent[self._n_recent - 1].copy()  # a row of the 2-d array
        return row

    def set_last(self, row: np.ndarray) -> None:
        self._recent[self._n_recent - 1] = row

    def rows(self) -> np.ndarray:
        """All kept records, oldest first, as a (len, 8) array (a copy)."""
        return np.concatenate([self._past[: self._n_past], self._recent[: self._n_recent]])

    def column(self, name: str) -> np.ndarray:
        i = ROW.index(name)
        return np.concatenate([self._past[: self._n_past, i], self._recent[: self._n_recent, i]])

    def restore(self, recent: np.ndarray, past: np.ndarray, stride: int) -> None:
        """Replace the records with saved ones: `recent` (kept exactly, consecutive epochs,
        the newest last) and `past` (the thinned older ones, at epochs that are multiples of
        `stride`), as `rows()` and `stride` gave them. Raises ValueError if they do not fit."""
        width = self.width
        recent = np.array(recent, dtype=np.float64).reshape(-1, width)
        past = np.array(past, dtype=np.float64).reshape(-1, width)
        if not 1 <= len(recent) <= len(self._recent):
            raise ValueError(f"{len(recent)} recent records; expected 1 to {len(self._recent)}")
        if len(past) > self.past_size:
            raise ValueError(f"{len(past)} past records; expected at most {self.past_size}")
        if int(stride) != stride or stride < 1 or int(stride) & (int(stride) - 1):
            raise ValueError(f"the stride must be a power of two, got {stride}")
        epochs = np.concatenate([past[:, 0], recent[:, 0]])
        if not (np.isfinite(epochs).all() and (epochs >= 0).all() and (epochs % 1 == 0).all()):
            raise ValueError("an epoch is not a whole number >= 0")
        if (np.diff(recent[:, 0]) != 1).any() or (np.diff(epochs) <= 0).any():
            raise ValueError("the epochs are not in order (recent ones must be consecutive)")
        if (past[:, 0] % stride != 0).any():
            raise ValueError(f"a past epoch is not a multiple of the stride {stride}")
        self.clear()
        self._recent[: len(recent)] = recent
        self._past[: len(past)] = past
        self._n_recent, self._n_past, self.stride = len(recent), len(past), int(stride)
