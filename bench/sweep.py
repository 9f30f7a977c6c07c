"""How fast `lrtui sweep` runs 200 learning rates x 10,000 epochs (target: under a second).

Run by hand (this is not a test and no test runs it), from the repository root:

    /work/venv/bin/python bench/sweep.py            # measure, print, update bench/RESULTS.md
    /work/venv/bin/python bench/sweep.py --no-write # measure and print only

It measures, in one run of about half a minute:

  (a) in this process, `lrtui.sweep.sweep(trainer, rates)`: all 200 runs stepped together on
      NumPy arrays, the worst case where every run goes the full 10,000 epochs (preset seed,
      rates 1e-6 .. 1e-4, tol 1e-8: none gets there), so 2,000,000 steps; best of --repeats;
  (b) the same 200 runs one after the other through `Trainer.run()` (what the sweep would
      cost without stepping the rates together); best of fewer repeats. The script checks
      that (a) and (b) give the same status, epochs and final loss for every rate, bit for
      bit (the tests check it too);
  (c) wall time of the command a user types, in child processes, interleaved, median of
      --runs each: `lrtui sweep --epochs 10000 --count 200 --lr-min 1e-6 --lr-max 1e-4
      --json` (the worst case of (a)), `lrtui sweep --epochs 10000 --count 200 --json` (the
      default range: two decades up to 1.1x the critical rate, where most runs converge
      early), and `lrtui train --epochs 1 --json`, the cost of starting lrtui at all; each
      sweep is stated as a ratio to that one-epoch train and as the time beyond it.

The script rewrites only its own block in bench/RESULTS.md (between the bench/sweep.py
markers, under "## Learning-rate sweep (bench/sweep.py)"); the notes below it are kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from results import write_block  # bench/results.py: one writer of RESULTS.md blocks

from lrtui import sweep
from lrtui.engine import TrainConfig, Trainer, preset

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN = "<!-- bench/sweep.py: begin (generated; rerun the script to refresh) -->"
END = "<!-- bench/sweep.py: end -->"
HEADING = "## Learning-rate sweep (bench/sweep.py)"

COUNT, EPOCHS, LR_MIN, LR_MAX, TOL = 200, 10_000, 1e-6, 1e-4, 1e-8
TARGET_S = 1.0  # 200 rates x 10,000 epochs, seconds

WORST = ["sweep", "--epochs", str(EPOCHS), "--count", str(COUNT), "--lr-min", str(LR_MIN),
         "--lr-max", str(LR_MAX), "--json"]
DEFAULT_RANGE = ["sweep", "--epochs", str(EPOCHS), "--count", str(COUNT), "--json"]
ONE_EPOCH = ["train", "--epochs", "1", "--json"]


def lrtui_command() -> list[str]:
    exe = Path(sys.executable).parent / "lrtui"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "lrtui"]


def wall_times(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Each command `runs` times, interleaved (so a busy spell hits all alike), after one
    untimed warm-up each."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(runs + 1):
        for name, argv in commands.items():
            t0 = time.perf_counter()
            out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
            elapsed = time.perf_counter() - t0
            if out.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed: {out.stderr}")
            if i:
                times[name].append(elapsed)
    return times


def best(fn, repeats: int) -> float:
    result = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        result.append(time.perf_counter() - t0)
    return min(result)


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(r) for r in rows)])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="repeats of (a) (default 7)")
    parser.add_argument("--runs", type=int, default=9, help="runs of each command in (c)")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    load_start = " ".join(f"{v:.2f}" for v in os.getloadavg())

    p = preset("seed")
    trainer = Trainer(p.data, TrainConfig.from_preset(p, epochs=EPOCHS, tol=TOL))
    lrs = sweep.rates(LR_MIN, LR_MAX, COUNT)
    rows = sweep.sweep(trainer, lrs)
    assert all(r.epochs_run == EPOCHS for r in rows), "the worst case must run every epoch"
    together = best(lambda: sweep.sweep(trainer, lrs), args.repeats)

    def one_by_one() -> list[tuple[str, int, float]]:
        out = []
        for lr in lrs:
            s = Trainer(p.data, TrainConfig.from_preset(p, epochs=EPOCHS, tol=TOL,
                                                        lr=float(lr))).run()
            out.append((s.status, s.epoch, s.loss))
        return out

    reference = one_by_one()
    same = reference == [(r.status, r.epochs_run, r.final_loss) for r in rows]
    separate = best(one_by_one, max(2, args.repeats // 3))
    steps = COUNT * EPOCHS

    lrtui = lrtui_command()
    commands = {"worst": lrtui + WORST, "default": lrtui + DEFAULT_RANGE,
                "one": lrtui + ONE_EPOCH}
    times = wall_times(commands, args.runs)
    med = {name: statistics.median(v) for name, v in times.items()}
    spread = {name: f"{min(v):.3f}..{max(v):.3f}" for name, v in times.items()}
    load_end = " ".join(f"{v:.2f}" for v in os.getloadavg())

    def cli_row(name: str, shown: str) -> list[str]:
        ratio = med[name] / med["one"]
        return [f"`lrtui {shown}`", f"{med[name]:.3f} s", spread[name], f"{ratio:.2f}x",
                f"{(med[name] - med['one']) * 1e3:+.0f} ms"]

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip() or "?"
    dirty = subprocess.run(["git", "status", "--porcelain", "lrtui"], capture_output=True,
                           text=True, cwd=ROOT).stdout.strip()
    verdict = "met" if med["worst"] < TARGET_S else "MISSED"
    text = "\n\n".join([
        f"### {COUNT} rates x {EPOCHS:,} epochs, preset seed, every run the full budget",
        table(["how", "time", "steps/s", "same rows as Trainer?"], [
            ["(a) `sweep.sweep`: the rates stepped together (NumPy)",
             f"{together * 1e3:.0f} ms", f"{steps / together:,.0f}",
             "yes, bit for bit" if same else "NO"],
            ["(b) one `Trainer.run()` per rate", f"{separate * 1e3:.0f} ms",
             f"{steps / separate:,.0f}", "(the reference)"],
            ["(b) / (a)", f"{separate / together:.1f}x", "", ""],
        ]),
        f"Command lines, wall time (median of {args.runs}, interleaved, after a warm-up):",
        table(["command", "median", "min..max s", "x train --epochs 1", "beyond it"], [
            cli_row("worst", " ".join(WORST)),
            cli_row("default", " ".join(DEFAULT_RANGE)),
            [f"`lrtui {' '.join(ONE_EPOCH)}`", f"{med['one']:.3f} s", spread["one"], "1.00x",
             ""],
        ]),
        table(["target", "measured", "verdict"], [
            [f"{COUNT} rates x {EPOCHS:,} epochs < {TARGET_S:g} s (the command, wall time)",
             f"{med['worst']:.3f} s = {med['worst'] / med['one']:.2f}x `lrtui train --epochs 1`",
             verdict],
        ]),
        table(["fact", "value"], [
            ["date", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())],
            ["commit", commit + (" + uncommitted changes in lrtui/" if dirty else "")],
            ["CPU, cores", f"{cpu_model()}, {os.cpu_count()}"],
            ["Python, NumPy", f"{platform.python_version()}, {np.__version__}"],
            ["load average (1, 5, 15 min) at start / end", f"{load_start} / {load_end}"],
        ]),
        f"Command: `python bench/sweep.py` "
        f"(took {time.perf_counter() - started:.0f} s)",
    ])
    print(text)
    if not args.no_write:
        write_results(text + "\n")
    return 0 if same else 1


def write_results(text: str) -> None:
    """Replace this script's block in bench/RESULTS.md, keeping everything else in the file."""
    write_block(RESULTS, BEGIN, END, HEADING, text, ".md.sweep-tmp")


if __name__ == "__main__":
    sys.exit(main())
