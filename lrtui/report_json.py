"""`lrtui train --json`: one JSON document {"config", "history", "result"}, streamed as the
run goes (the history's keys are a contract: new keys are added, none changes meaning)."""

from __future__ import annotations

import json
from typing import IO

import numpy as np

from lrtui.engine import Trainer
from lrtui.engine.data import Dataset
from lrtui.engine.rules import SLOTS
from lrtui.engine.state import COLUMNS, TrainConfig
from lrtui.report import GapWatch, _finite_or_none, _json_safe, result_dict
from lrtui.settings import BATCH_SETTINGS, OPTIMIZER_SETTINGS


def config_dict(data: Dataset, config: TrainConfig) -> dict:
    """The config, with the update rule as {"optimizer": {"name", and its torch.optim keyword
    arguments}} in place of the flat hyper-parameters."""
    doc = config.as_dict()
    for name in OPTIMIZER_SETTINGS:
        del doc[name]
    doc["optimizer"] = config.hyper.as_dict()
    if config.batch_size is None:  # full batch: the keys of a full-batch run as they were
        for name in BATCH_SETTINGS:
            del doc[name]
    return _json_safe({"data": {"name": data.name, "n": data.n, "source": data.source}, **doc})


def _json_rows(rows: np.ndarray, names: tuple[str, ...], per_epoch: int = 0) -> str:
    """History items: the COLUMNS, then the rule's buffers by torch's names (`names` per
    buffer slot, "" for a slot the rule does not use). For mini-batches (`per_epoch` updates
    an epoch), "epoch" counts completed passes and "step" the updates, and "batch_loss" is
    the loss of the batch that made the update (null at the start)."""
    items = []
    width = len(COLUMNS)
    for row in rows:
        step = int(row[0])
        item: dict[str, float | None] = {"epoch": step // per_epoch if per_epoch else step}
        if per_epoch:
            item["step"] = step
        for name, value in zip(COLUMNS[1:], row[1:width], strict=True):
            item[name] = _finite_or_none(float(value))
        for name, value in zip(names, row[width:width + SLOTS], strict=False):  # none: plain
            if name:
                item[name] = _finite_or_none(float(value))
        if per_epoch:
            item["batch_loss"] = _finite_or_none(float(row[-1])) if step else None
        items.append(json.dumps(item, allow_nan=False))
    return ", ".join(items)


def write_json(
    trainer: Trainer, data: Dataset, config: TrainConfig, every: int, out: IO[str],
    gap: float | None = None,
) -> None:
    """Stream {"config", "history", "result"}: the history is written as the run goes, so
    memory stays bounded however many epochs are kept."""
    out.write('{"config": ' + json.dumps(config_dict(data, config), allow_nan=False))
    out.write(', "history": [')
    first = True
    last_written = -1
    per_epoch = 0 if trainer.plan is None else trainer.plan.per_epoch

    def emit(rows: np.ndarray) -> None:
        nonlocal first, last_written
        keep = rows[rows[:, 0] % every == 0]
        if len(keep):
            out.write(("" if first else ", ") + _json_rows(keep, trainer.rule.names, per_epoch))
            first = False
            last_written = int(keep[-1, 0])

    emit(trainer.history.rows())  # epoch 0
    watch = None if gap is None else GapWatch(trainer, gap)

    def sink(rows: np.ndarray) -> None:
        emit(rows)
        if watch is not None:
            watch.see(rows)

    trainer.run(sink=sink)
    if last_written != trainer.state.epoch:
        emit_last = trainer.history.last()[None, :]
        out.write(("" if first else ", ") + _json_rows(emit_last, trainer.rule.names,
                                                       per_epoch))
    result = result_dict(trainer)
    if watch is not None:
        result.update(_json_safe(watch.result()))
    out.write('], "result": ' + json.dumps(result, allow_nan=False) + "}\n")
