"""Steps per second of every update rule, full batch and mini-batch, at N = 4 and N = 10^6.

    python bench/rules.py            # prints the table and writes its block in RESULTS.md
    python bench/rules.py --no-write

Each cell is the best of 3 runs of `Trainer.run()` over a fixed number of updates at a rate
that neither converges nor diverges within them (so every update is made and recorded); the
time includes building the records (loss, gradients, central differences) and keeping the
history, as the app and `lrtui train` do. Full batch, a step costs O(1) whatever N is: the
two N columns should agree. A mini-batch epoch costs one O(N) pass (the per-batch sums) and
then O(1) an update.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from results import write_block  # bench/results.py: one writer of RESULTS.md blocks

from lrtui.engine import TrainConfig, Trainer, preset, synthetic

RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN, END = "<!-- rules:begin -->", "<!-- rules:end -->"
HEADING = "## Update rules and mini-batches (bench/rules.py)"

RULES = {
    "sgd (plain descent)": {},
    "sgd momentum 0.9": dict(momentum=0.9),
    "sgd nesterov 0.9": dict(momentum=0.9, nesterov=True),
    "adam": dict(optimizer="adam"),
    "adam amsgrad": dict(optimizer="adam", amsgrad=True),
    "adamw": dict(optimizer="adamw"),
    "rmsprop": dict(optimizer="rmsprop"),
    "rmsprop centered momentum 0.5": dict(optimizer="rmsprop", centered=True, momentum=0.5),
    "adagrad": dict(optimizer="adagrad"),
}
STEPS = 200_000
BATCH_STEPS = 20_000  # mini-batches: an epoch of N = 10^6 costs an O(N) pass (~0.2 s)


def rate(data, config: TrainConfig, steps: int) -> float:
    best = float("inf")
    for _ in range(3):
        t = Trainer(data, config)
        t0 = time.perf_counter()
        t.run(steps)
        best = min(best, time.perf_counter() - t0)
        assert t.state.epoch == steps, (config, t.state)
    return steps / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    seed = preset("seed").data
    big = synthetic(10**6, 2.0, -1.0, 0.5, 1)
    columns = [("N = 4, full batch", seed, None), ("N = 10^6, full batch", big, None),
               ("N = 10^6, B = 1024", big, 1024), ("N = 10^6, B = 32", big, 32)]
    rows = []
    for name, extra in RULES.items():
        cells = []
        for _, data, batch in columns:
            config = TrainConfig(w0=0.0, b0=0.0, lr=1e-4, epochs=10**9, batch_size=batch,
                                 **extra)
            cells.append(rate(data, config, STEPS if batch is None else BATCH_STEPS))
        rows.append((name, cells))
        print(f"{name:32}" + "".join(f"{c / 1e6:10.2f}" for c in cells), flush=True)
    load = os.getloadavg()[0]
    text = (f"Million updates per second (best of 3 runs of {STEPS:,} updates, "
            f"{BATCH_STEPS:,} with mini-batches; "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average {load:.2f} at the end):\n\n")
    text += "| rule | " + " | ".join(c[0] for c in columns) + " |\n"
    text += "|---|" + "---:|" * len(columns) + "\n"
    for name, cells in rows:
        text += f"| {name} | " + " | ".join(f"{c / 1e6:.2f}" for c in cells) + " |\n"
    worst = min(min(cells) for _, cells in rows)
    full = min(min(cells[:2]) for _, cells in rows)
    text += (f"\nSlowest full-batch cell: {full / 1e6:.2f} M/s (target: at least 1 M/s for "
             f"every rule); slowest cell overall {worst / 1e6:.2f} M/s. With mini-batches "
             "each epoch first makes one O(N) pass (the permutation and the per-batch sums), "
             "so at N = 10^6 the rate is set by the epochs, not by the updates.\n")
    print(text)
    if not args.no_write:
        write_block(RESULTS, BEGIN, END, HEADING, text, ".rules.tmp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
