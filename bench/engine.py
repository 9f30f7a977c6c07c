"""How fast the lrtui engine steps, against the notes' PyTorch loop and a plain NumPy loop.

Run by hand (this is not a test and no test runs it):

    /work/venv/bin/python bench/engine.py            # measure, print, update bench/RESULTS.md
    /work/venv/bin/python bench/engine.py --no-write # measure and print only

It measures, in one run:

  (a) the lrtui engine: `Trainer(data, TrainConfig(...)).run(k)`, counting the epochs it ran;
  (b) the notes' PyTorch autograd loop (float64 tensors; skipped, and said so, without torch);
  (c) a plain NumPy loop that recomputes y_hat = w*x + b and the gradients every step;

as full-batch gradient-descent steps per second, for N = 4 (preset 'seed') and N = 10^6
(`synthetic(10**6, noise=0.5)`); then

  (d) peak RSS and wall time of `lrtui train --epochs 10000000 --every 10000000 --json`
      in a child process;
  (e) the O(N) setup pass `SufficientStats.from_data` over 10^6 points against one
      `np.dot(x, x)` over the same data.

Each timing is the best of several repeats, each repeat sized to take about
`--seconds` seconds. The whole run takes about a minute.

OpenBLAS: where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (this workplace sets them on some
processors, for older OpenBLAS builds), they pin a current NumPy to a slower kernel. The
benchmark therefore re-executes itself once with both removed from its own environment, so
NumPy runs the kernel it picks for this processor (reported in the output), and restores them
for the `lrtui train` child of (d). `--keep-openblas-env` measures with them as they are.
Nothing outside this process is changed.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import timeit
from pathlib import Path

import numpy as np
from results import write_block  # bench/results.py: one writer of RESULTS.md blocks

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.engine.data import synthetic
from lrtui.engine.stats import SufficientStats

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_REEXEC_MARK = "_LRTUI_BENCH_ORIGINAL_OPENBLAS"  # JSON of the variables as they were
BEGIN = "<!-- bench/engine.py: begin (generated; rerun the script to refresh) -->"
END = "<!-- bench/engine.py: end -->"
HEADING = "## Engine (bench/engine.py)"

BIG_N = 10**6
NOISE = 0.5
RSS_EPOCHS = 10_000_000

TARGETS = {
    "torch_n4": 100.0,  # engine/torch steps per second at N = 4
    "torch_big": 10_000.0,  # ... at N = 10^6
    "rss_mb": 150.0,  # peak RSS of the 10^7-epoch run, MB (10^6 bytes)
    "setup_ratio": 10.0,  # from_data / np.dot
}


# -- environment ----------------------------------------------------------------------------


def reexec_without_openblas_env(args: argparse.Namespace) -> None:
    if args.keep_openblas_env or _REEXEC_MARK in os.environ:
        return
    original = {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}
    if not original:
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    env[_REEXEC_MARK] = json.dumps(original)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def original_openblas_env() -> dict[str, str]:
    if _REEXEC_MARK in os.environ:
        return json.loads(os.environ[_REEXEC_MARK])
    return {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}


def current_openblas_env() -> dict[str, str]:
    return {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}


def blas_kernel() -> str:
    """The BLAS NumPy runs and the kernel it picked (threadpoolctl, else OpenBLAS itself)."""
    try:
        import threadpoolctl

        for info in threadpoolctl.threadpool_info():
            if info.get("user_api") == "blas":
                return (
                    f"{info.get('internal_api')} {info.get('version')}, kernel "
                    f"{info.get('architecture')}, {info.get('num_threads')} threads "
                    "(threadpoolctl)"
                )
    except ImportError:
        pass
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(glob.glob(str(libs / "*openblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        found = {}
        for key, names in (
            ("core", ("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                      "openblas_get_corename")),
            ("config", ("scipy_openblas_get_config64_", "openblas_get_config64_",
                        "openblas_get_config")),
        ):
            for name in names:
                fn = getattr(lib, name, None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    found[key] = fn().decode().strip()
                    break
        if found:
            return f"OpenBLAS kernel {found.get('core', '?')} ({found.get('config', '')})"
    return "unknown (no threadpoolctl, no OpenBLAS found in numpy.libs)"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_facts(torch_version: str | None, torch_threads: int | None) -> dict[str, str]:
    date = subprocess.run(["date"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                           capture_output=True, text=True).stdout.strip()
    original, now = original_openblas_env(), current_openblas_env()

    def show(env: dict[str, str]) -> str:
        return ", ".join(f"{k}={v}" for k, v in env.items()) or "none set"

    return {
        "date": date,
        "commit": commit + (" (working tree has uncommitted changes)" if dirty else ""),
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "NumPy BLAS": blas_kernel(),
        "torch": torch_version or "not importable",
        "torch threads": str(torch_threads) if torch_threads else "-",
        "OPENBLAS env of the shell": show(original),
        "OPENBLAS env while measuring": show(now),
    }


# -- timing ---------------------------------------------------------------------------------


def best_rate(make, seconds: float, repeats: int, min_steps: int = 16) -> tuple[float, int]:
    """Best steps/s over `repeats` runs of about `seconds` (and at least `min_steps`) each.

    `make()` returns a fresh `run(k) -> steps_done`; its setup and one untimed warm-up step
    (first-call allocations, lazy initialisation, waking thread pools) are not timed. k is
    doubled until one run takes 0.1 s, then scaled to `seconds`.
    """

    def timed(k: int) -> tuple[int, float]:
        run = make()
        run(1)
        t0 = time.perf_counter()
        done = run(k)
        return done, time.perf_counter() - t0

    k = 1
    while True:
        _, dt = timed(k)
        if dt >= 0.1:
            break
        k *= 8 if dt < 0.01 else 2
    k = max(k, min_steps, int(k * seconds / dt))
    best = 0.0
    for _ in range(repeats):
        done, dt = timed(k)
        best = max(best, done / dt)
    return best, k


def best_time(fn, number: int, repeat: int = 25) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def setup_parts(data) -> list[tuple[str, float]]:
    """The costs that bound SufficientStats.from_data, one full pass each."""
    x, y = data.x, data.y
    out = np.empty_like(x)
    block = 8_192  # as in from_data
    a, c = np.empty(block), np.empty(block)
    x_mean, y_mean, w = float(x.mean()), float(y.mean()), 1.0

    def centred_pass():  # from_data's second pass: 2 subtractions + 2 dots per block
        for i in range(0, x.size, block):
            xc = np.subtract(x[i : i + block], x_mean, out=a[: x[i : i + block].size])
            yc = np.subtract(y[i : i + block], y_mean, out=c[: xc.size])
            np.dot(xc, xc)
            np.dot(xc, yc)

    def residual_pass():  # its third: 2 subtractions, a product, a subtraction, a dot
        for i in range(0, x.size, block):
            xc = np.subtract(x[i : i + block], x_mean, out=a[: x[i : i + block].size])
            r = np.subtract(y[i : i + block], y_mean, out=c[: xc.size])
            r -= np.multiply(xc, w, out=xc)
            np.dot(r, r)

    return [
        ("np.dot(x, x) (BLAS, multithreaded, FMA)", best_time(lambda: np.dot(x, x), 50)),
        ("np.add.reduce(x) (pairwise sum, 1 thread)", best_time(lambda: np.add.reduce(x), 10)),
        ("np.subtract(x, c, out=buffer) (1 ufunc, 1 thread)",
         best_time(lambda: np.subtract(x, 0.5, out=out), 10)),
        ("x - c (same, into a fresh 8 MB temporary)", best_time(lambda: x - 0.5, 5)),
        ("pass 1: x.mean() and y.mean()", best_time(lambda: (x.mean(), y.mean()), 5)),
        ("pass 2: centred Sxx, Sxy in 8k blocks", best_time(centred_pass, 3)),
        ("pass 3: residual SSE in 8k blocks", best_time(residual_pass, 3)),
    ]


def engine_runner(data, w0, b0, lr):
    def make():
        trainer = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=10**12))

        def run(k: int) -> int:
            before = trainer.state.epoch
            state = trainer.run(k)
            run.result = (state.w, state.b)
            return state.epoch - before

        return run

    return make


def numpy_runner(data, w0, b0, lr):
    x, y = data.x, data.y
    n = x.size

    def make():
        def run(k: int) -> int:
            w, b = w0, b0
            for _ in range(k):
                y_hat = w * x + b
                r = y_hat - y
                dw = 2.0 / n * np.dot(x, r)
                db = 2.0 / n * np.sum(r)
                w -= lr * dw
                b -= lr * db
            run.result = (float(w), float(b))
            return k

        return run

    return make


def torch_runner(torch, data, w0, b0, lr):
    X = torch.from_numpy(data.x)
    Y = torch.from_numpy(data.y)

    def forward(x, w, b):
        return w * x + b

    def loss(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean()

    def make():
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)

        def run(k: int) -> int:
            nonlocal w, b
            for _ in range(k):
                y_predicted = forward(X, w, b)
                l = loss(Y, y_predicted)  # noqa: E741 (the notes' name)
                l.backward()
                with torch.no_grad():
                    w -= lr * w.grad
                    b -= lr * b.grad
                w.grad.zero_()
                b.grad.zero_()
            run.result = (w.item(), b.item())
            return k

        return run

    return make


def agree(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Largest relative difference of (w, b) pairs (scaled by max(|value|, 1))."""
    return max(abs(p - q) / max(abs(p), abs(q), 1.0) for p, q in zip(a, b))


def lrtui_command() -> list[str]:
    script = Path(sys.executable).with_name("lrtui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lrtui"]


def peak_rss_run(argv: list[str], env: dict[str, str]) -> dict:
    """Run argv once; its peak RSS (kB), wall time and stdout."""
    time_bin = shutil.which("time", path="/usr/bin") or (
        "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None)
    t0 = time.perf_counter()
    if time_bin:
        proc = subprocess.run([time_bin, "-v", *argv], capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        if proc.returncode != 0 or not m:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
        return {"kb": int(m.group(1)), "wall": wall, "stdout": proc.stdout,
                "how": "/usr/bin/time -v"}
    # No /usr/bin/time: a fresh child Python runs argv and reports RUSAGE_CHILDREN.
    code = (
        "import resource, subprocess, sys, json\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'rc': p.returncode, 'kb': r, 'out': p.stdout, 'err': p.stderr}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          env=env)
    wall = time.perf_counter() - t0
    got = json.loads(proc.stdout)
    if got["rc"] != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{got['err'][-2000:]}")
    return {"kb": got["kb"], "wall": wall, "stdout": got["out"],
            "how": "getrusage(RUSAGE_CHILDREN).ru_maxrss in a fresh child"}


# -- report ---------------------------------------------------------------------------------


def fmt_rate(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def fmt_ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}x" if v >= 100 else f"{v:,.1f}x"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "MISSED"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=0.25,
                        help="about how long one timed repeat takes (default 0.25)")
    parser.add_argument("--repeats", type=int, default=12,
                        help="repeats per timing (default 12)")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--keep-openblas-env", action="store_true",
                        help="measure with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as set")
    args = parser.parse_args()
    reexec_without_openblas_env(args)
    started = time.perf_counter()
    load_start = os.getloadavg()
    command = "/work/venv/bin/python bench/engine.py" + "".join(f" {a}" for a in sys.argv[1:])

    seed = preset("seed")
    big = synthetic(BIG_N, noise=NOISE)
    # Every method starts where `lrtui train` starts for that data.
    cases = [("seed", "N = 4 (preset seed)", seed.data, seed.w0, seed.b0, seed.lr),
             ("big", f"N = 10^6 (synthetic, noise {NOISE})", big, 0.0, 0.0, seed.lr)]
    print(f"measuring (best of {args.repeats} repeats of ~{args.seconds:g} s each) ...",
          flush=True)

    rates: dict[tuple[str, str], float | None] = {}
    steps: dict[tuple[str, str], int] = {}
    checks: dict[str, str] = {}
    for key, _, data, w0, b0, lr in cases:
        rates[key, "engine"], steps[key, "engine"] = best_rate(
            engine_runner(data, w0, b0, lr), args.seconds, args.repeats)
        rates[key, "numpy"], steps[key, "numpy"] = best_rate(
            numpy_runner(data, w0, b0, lr), args.seconds, args.repeats)
        print(f"  {key}: engine {fmt_rate(rates[key, 'engine'])}/s, "
              f"numpy {fmt_rate(rates[key, 'numpy'])}/s", flush=True)

    # (e) setup pass against one np.dot, same data, warm caches, best of many.
    x = big.x
    # Interleaved, many short repeats: on a shared machine the best of each is the one that
    # ran while no other process held a core.
    t_dot, t_setup = math.inf, math.inf
    for _ in range(40):
        t_dot = min(t_dot, best_time(lambda: np.dot(x, x), 50, 1))
        t_setup = min(t_setup, best_time(lambda: SufficientStats.from_data(big), 3, 1))
    parts = setup_parts(big)
    print(f"  setup: from_data {t_setup * 1e3:.3f} ms, np.dot {t_dot * 1e6:.1f} us", flush=True)

    # (d) the long headless run, in a child with the shell's own OPENBLAS settings.
    child_env = {k: v for k, v in os.environ.items() if k != _REEXEC_MARK}
    child_env.update(original_openblas_env())
    argv = [*lrtui_command(), "train", "--epochs", str(RSS_EPOCHS), "--every", str(RSS_EPOCHS),
            "--json"]
    rss = peak_rss_run(argv, child_env)
    result = json.loads(rss["stdout"])["result"]
    base = peak_rss_run([sys.executable, "-c", "import lrtui.cli, lrtui.report"], child_env)
    print(f"  rss: {rss['kb'] / 1e3:.1f} MB in {rss['wall']:.2f} s "
          f"(epochs run {result.get('epochs_run')})", flush=True)

    # (b) torch last, so its OpenMP threads cannot sit on the cores during the NumPy timings.
    try:
        import torch
    except ImportError as exc:
        torch, torch_version, torch_threads = None, None, None
        print(f"  torch: not importable ({exc}); column (b) skipped", flush=True)
    else:
        torch_version, torch_threads = torch.__version__, torch.get_num_threads()
        for key, _, data, w0, b0, lr in cases:
            rates[key, "torch"], steps[key, "torch"] = best_rate(
                torch_runner(torch, data, w0, b0, lr), args.seconds, args.repeats)
            print(f"  {key}: torch {fmt_rate(rates[key, 'torch'])}/s", flush=True)

    # Sanity: the three loops compute the same gradient descent (w, b after 200 steps).
    for key, _, data, w0, b0, lr in cases:
        e = engine_runner(data, w0, b0, lr)()
        e(200)
        ref = numpy_runner(data, w0, b0, lr)()
        ref(200)
        msg = f"engine vs numpy {agree(ref.result, e.result):.1e}"
        if torch is not None:
            t = torch_runner(torch, data, w0, b0, lr)()
            t(200)
            msg += f", torch vs numpy {agree(ref.result, t.result):.1e}"
        checks[key] = msg

    facts = machine_facts(torch_version, torch_threads)
    load_end = os.getloadavg()
    facts["load average (1, 5, 15 min) at start / end"] = (
        " ".join(f"{v:.2f}" for v in load_start) + " / " + " ".join(f"{v:.2f}" for v in load_end)
        + " (other processes share the cores: numbers are best-of, still compare loads)")
    elapsed = time.perf_counter() - started

    # -- tables
    rows = []
    ratios = {}
    for key, label, *_ in cases:
        r_e, r_t, r_n = rates[key, "engine"], rates.get((key, "torch")), rates[key, "numpy"]
        ratios[key, "torch"] = r_e / r_t if r_t else None
        ratios[key, "numpy"] = r_e / r_n
        rows.append([label, fmt_rate(r_e), fmt_rate(r_t), fmt_rate(r_n),
                     fmt_ratio(ratios[key, "torch"]), fmt_ratio(ratios[key, "numpy"])])
    speed = table(["data", "(a) engine steps/s", "(b) torch steps/s", "(c) numpy steps/s",
                   "engine/torch", "engine/numpy"], rows)
    counts = table(["data", "engine steps/repeat", "torch steps/repeat", "numpy steps/repeat",
                    "same descent? (w, b after 200 steps, rel. diff)"],
                   [[label, f"{steps[key, 'engine']:,}",
                     f"{steps[key, 'torch']:,}" if (key, "torch") in steps else "-",
                     f"{steps[key, 'numpy']:,}", checks[key]] for key, label, *_ in cases])

    setup_ratio = t_setup / t_dot
    rss_mb = rss["kb"] * 1024 / 1e6
    ok = {
        "torch_n4": None if ratios["seed", "torch"] is None
        else ratios["seed", "torch"] >= TARGETS["torch_n4"],
        "torch_big": None if ratios["big", "torch"] is None
        else ratios["big", "torch"] >= TARGETS["torch_big"],
        "rss": rss_mb < TARGETS["rss_mb"],
        "setup": setup_ratio <= TARGETS["setup_ratio"],
    }
    targets = table(["target", "measured", "verdict"], [
        ["engine >= 100x torch steps/s at N = 4", fmt_ratio(ratios["seed", "torch"]),
         verdict(ok["torch_n4"])],
        ["engine >= 10,000x torch steps/s at N = 10^6", fmt_ratio(ratios["big", "torch"]),
         verdict(ok["torch_big"])],
        [f"peak RSS < 150 MB, `lrtui train --epochs {RSS_EPOCHS:,} ...`",
         f"{rss_mb:.1f} MB ({rss['kb']:,} kB) in {rss['wall']:.2f} s", verdict(ok["rss"])],
        ["SufficientStats.from_data(10^6) <= 10x np.dot(x, x)",
         f"{setup_ratio:.1f}x ({t_setup * 1e3:.3f} ms vs {t_dot * 1e6:.1f} us)",
         verdict(ok["setup"])],
    ])
    extra = table(["measurement", "value"], [
        ["(d) command", "`lrtui train --epochs 10000000 --every 10000000 --json` (preset seed)"],
        ["(d) peak RSS / wall time", f"{rss_mb:.1f} MB / {rss['wall']:.2f} s "
         f"({RSS_EPOCHS / rss['wall']:,.0f} epochs/s incl. start-up), via {rss['how']}"],
        ["(d) its result", f"status {result.get('status')}, stop_reason "
         f"{result.get('stop_reason')}, epochs_run {result.get('epochs_run'):,}"],
        ["(d) baseline: python importing lrtui.cli + lrtui.report",
         f"{base['kb'] * 1024 / 1e6:.1f} MB"],
        ["(e) SufficientStats.from_data, 10^6 points", f"{t_setup * 1e3:.3f} ms"],
        ["(e) np.dot(x, x), 10^6 points", f"{t_dot * 1e6:.1f} us"],
        ["(e) ratio", f"{setup_ratio:.1f}x"],
    ])
    breakdown = table(["one pass over 10^6 float64 (what from_data is made of)", "time",
                       "x np.dot"],
                      [[name, f"{t * 1e6:,.0f} us", f"{t / parts[0][1]:.1f}x"]
                       for name, t in parts])
    machine = table(["fact", "value"], [[k, v] for k, v in facts.items()])

    text = "\n\n".join([
        "### Steps per second (full-batch gradient descent, best of "
        f"{args.repeats} repeats)", speed, counts,
        "### Targets", targets, "### Memory and setup", extra, breakdown,
        "### Machine", machine,
        f"Command: `{command}` (run from the repository root; took {elapsed:.0f} s)",
    ])
    print()
    print(text)
    if not args.no_write:
        write_results(text)
        print(f"\nupdated {RESULTS.relative_to(ROOT)}")
    return 0


def write_results(text: str) -> None:
    """This script's block in bench/RESULTS.md."""
    write_block(RESULTS, BEGIN, END, HEADING, text + "\n", ".md.engine-tmp")


if __name__ == "__main__":
    sys.exit(main())
