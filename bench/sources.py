"""How fast each gradient source steps, what compiling buys JAX and TensorFlow, and whether
the optional frameworks change lrtui's start-up (issue 9).

Run by hand (this is not a test and no test runs it), from the repository root:

    python3 -m venv /tmp/bare-venv && /tmp/bare-venv/bin/pip install -e .  # once: lrtui, no extras
    /work/venv/bin/python bench/sources.py            # measure, print, update bench/RESULTS.md
    /work/venv/bin/python bench/sources.py --no-write # measure and print only

`/work/venv` must have the frameworks (torch, jax, tensorflow-cpu); a framework that is not
importable is skipped and said so. It measures, in one run of about 2.5 minutes:

  (a) steps per second of every gradient source (`--grad`: analytic, numeric, autograd, torch,
      jax, tensorflow) through the Trainer, `Trainer(data, TrainConfig(..., grad=...)).run(k)`,
      counting the epochs it ran, at N = 4 (preset 'seed': w0 10, b0 0, lr 0.01) and
      N = 10^5 (`synthetic(10**5, noise=0.5, seed=0)`, x uniform on [-2, 2): w0 0, b0 0,
      lr 0.1, far below the critical rate ~0.75). Best of several repeats, each after an
      untimed warm-up step, as in bench/engine.py. The first gradient call, which compiles
      the JAX and TensorFlow sources, happens in `Trainer(...)` (its `reset` grades epoch 0),
      so it is not in the rate; it is reported on its own as "first step": the time of
      `Trainer(...)` on fresh arrays (so no source built before is reused), with the
      framework already imported. The import itself is timed in fresh child processes. After
      the timed runs the script checks that every run still has status 'running' and how
      many programs jax.jit compiled / how often the tf.function traced (1 = no retrace);
  (a') the O(N) sources at N = 10^5 again, alone and while a child process of this script
      (`python -c "while True: pass"`, killed afterwards) keeps one core busy, as another
      program or the app's own drawing would; torch with its default intra-op threads and
      with `torch.set_num_threads(1)`; best-of rate and the median / worst single step;
  (b) eager against compiled, JAX and TensorFlow only, outside lrtui: `jax.value_and_grad` of
      the same loss called directly vs under `jax.jit`; a `tf.GradientTape` step run eagerly
      vs the same Python function in a `tf.function` with a float64 scalar signature (as
      lrtui's source). Same data, starts and learning rates as (a); steps/s, best of repeats;
  (c) start-up with and without the extras, in this venv and in `--bare-venv` (default
      /tmp/bare-venv; the part is skipped, and said so, if it does not exist):
      `python -c "import lrtui.cli"` and `lrtui train --epochs 10 --json` wall time (hyperfine
      if installed, else the median of `--runs` runs), and the app's time to its first
      complete frame, measured by bench/ui.py's `startup_sample` (a pty of 100x30, spawn ->
      end of the first frame equal to the settled screen), interleaved, after one warm-up each;
      and, in both venvs, which of torch/jax/tensorflow are in sys.modules after
      `lrtui train` and after importing the app (lrtui.tui.app); in the bare venv, what
      `lrtui train --grad X` says for each missing framework.

OpenBLAS: as bench/engine.py, the script re-executes itself once without OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE where they are set (`--keep-openblas-env` keeps them); children of (c) get
the shell's own values back.

The script rewrites only its own block in bench/RESULTS.md (between the bench/sources.py
markers, under "## Gradient sources and the frameworks (issue 9)"); notes below it are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from engine import (  # bench/engine.py: the same timing and environment handling
    _REEXEC_MARK,
    best_rate,
    cpu_model,
    fmt_rate,
    original_openblas_env,
    reexec_without_openblas_env,
    table,
)
from results import write_block  # bench/results.py: one writer of RESULTS.md blocks

from lrtui.engine import TrainConfig, Trainer, preset, synthetic
from lrtui.engine.data import Dataset
from lrtui.engine.gradients import FRAMEWORKS, SOURCES, import_framework, installed
from lrtui.settings import GRAD_SOURCES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN = "<!-- bench/sources.py: begin (generated; rerun the script to refresh) -->"
END = "<!-- bench/sources.py: end -->"
HEADING = "## Gradient sources and the frameworks (issue 9)"

BIG_N = 10**5
NOISE = 0.5
SEED = 0
EPOCHS = 10**12  # the budget: never the reason a timed run stops
FRAMEWORK_NAMES = tuple(FRAMEWORKS)  # torch, jax, tensorflow


def cases() -> list[tuple[str, str, Dataset, float, float, float]]:
    seed = preset("seed")
    big = synthetic(BIG_N, noise=NOISE, seed=SEED)
    return [("4", "N = 4 (preset seed, lr 0.01)", seed.data, seed.w0, seed.b0, seed.lr),
            ("1e5", f"N = 10^5 (synthetic, noise {NOISE}, lr 0.1)", big, 0.0, 0.0, 0.1)]


def fresh(data: Dataset) -> Dataset:
    """The same points in new arrays: a framework source built for `data` is not reused."""
    return Dataset(data.x.copy(), data.y.copy(), name=data.name, source=data.source)


def ms(seconds: float) -> str:
    v = seconds * 1e3
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 1 else f"{v:.2f}"


def rate_ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    r = a / b
    return f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x"


# -- (a) the sources through the Trainer ----------------------------------------------------


def compiled_count(trainer: Trainer) -> str:
    """How many programs the source's jax.jit holds / how often its tf.function traced."""
    g = trainer._gradient  # the source lrtui built (private: this is a benchmark)
    try:
        if trainer.grad == "jax":
            return f"{g._value_and_grad._cache_size()} compiled"
        if trainer.grad == "tensorflow":
            return f"{g._gradients.experimental_get_tracing_count()} traced"
    except AttributeError as exc:
        return f"? ({exc})"
    return "-"


def trainer_runner(data: Dataset, w0: float, b0: float, lr: float, grad: str, out: dict):
    def make():
        trainer = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=EPOCHS, grad=grad))

        def run(k: int) -> int:
            before = trainer.state.epoch
            state = trainer.run(k)
            out["status"] = state.status
            out["trainer"] = trainer
            return state.epoch - before

        return run

    return make


def import_times(runs: int) -> dict[str, list[float]]:
    """Seconds to import each framework the way lrtui does, in fresh child processes (lrtui's
    own modules imported before the clock starts)."""
    code = ("import time, sys\n"
            "from lrtui.engine.gradients import import_framework\n"
            "t = time.perf_counter(); import_framework(sys.argv[1])\n"
            "print(time.perf_counter() - t)\n")
    got: dict[str, list[float]] = {}
    for name in FRAMEWORK_NAMES:
        if not installed(name):
            continue
        got[name] = []
        for _ in range(runs):
            p = subprocess.run([sys.executable, "-c", code, name], capture_output=True,
                               text=True, cwd=ROOT)
            if p.returncode != 0:
                raise RuntimeError(f"importing {name} failed:\n{p.stderr[-2000:]}")
            got[name].append(float(p.stdout.strip().splitlines()[-1]))
    return got


def minor_faults() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def heap_effect(seconds: float, repeats: int) -> dict:
    """autograd at N = 10^5 before and after glibc's heap has grown: each step makes and
    frees several 800 kB arrays; while glibc's (dynamic) mmap threshold is below that, every
    one is a fresh mmap that page-faults in. Freeing one 32 MB array raises the threshold
    (and the trim threshold) for the rest of the process, as importing a framework does."""
    key, _, data, w0, b0, lr = cases()[1]
    got = {}
    for state in ("as it is", "grown"):
        if state == "grown":
            big = np.ones(4_000_000)  # 32 MB, above the initial 128 kB threshold: mmapped
            del big  # ... and freed: glibc raises its mmap threshold to 32 MB
        out: dict = {}
        rate, _ = best_rate(trainer_runner(data, w0, b0, lr, "autograd", out), seconds,
                            repeats)
        trainer = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=EPOCHS,
                                            grad="autograd"))
        trainer.run(1)
        f0 = minor_faults()
        trainer.run(50)
        got[state] = (rate, (minor_faults() - f0) / 50)
        print(f"  autograd   N={key:3}, heap {state}: {fmt_rate(rate)} steps/s, "
              f"{got[state][1]:,.0f} minor page faults per step", flush=True)
    return got


def measure_sources(seconds: float, repeats: int) -> dict:
    res: dict = {"rates": {}, "first": {}, "second": {}, "status": {}, "compiled": {},
                 "steps": {}, "skipped": {}}
    for name in GRAD_SOURCES:
        if name in FRAMEWORKS and not installed(name):
            res["skipped"][name] = "not installed"
            continue
        if name in FRAMEWORKS:
            import_framework(name)  # untimed here: imports are timed in fresh processes
        for key, _, data, w0, b0, lr in cases():
            cfg = TrainConfig(w0=w0, b0=b0, lr=lr, epochs=EPOCHS, grad=name)
            d = fresh(data)
            t0 = time.perf_counter()
            trainer = Trainer(d, cfg)  # builds the source and calls it once (epoch 0)
            t1 = time.perf_counter()
            trainer.run(1)
            t2 = time.perf_counter()
            res["first"][name, key] = t1 - t0
            res["second"][name, key] = t2 - t1
            out: dict = {}
            rate, k = best_rate(trainer_runner(d, w0, b0, lr, name, out), seconds, repeats)
            res["rates"][name, key], res["steps"][name, key] = rate, k
            res["status"][name, key] = out["status"]
            res["compiled"][name, key] = compiled_count(out["trainer"])
            print(f"  {name:10} N={key:3}: {fmt_rate(rate):>10} steps/s, first step "
                  f"{ms(t1 - t0)} ms, next {ms(t2 - t1)} ms, {out['status']}, "
                  f"{res['compiled'][name, key]}", flush=True)
        if name == "autograd":
            res["heap"] = heap_effect(seconds, repeats)
    return res


# -- (a') one core taken by another process ------------------------------------------------

SPIN = "while True: pass"


def step_times(data: Dataset, w0: float, b0: float, lr: float, grad: str,
               seconds: float) -> list[float]:
    """Wall time of each single `run(1)` for about `seconds` (after one untimed step)."""
    trainer = Trainer(data, TrainConfig(w0=w0, b0=b0, lr=lr, epochs=EPOCHS, grad=grad))
    trainer.run(1)
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        trainer.run(1)
        times.append(time.perf_counter() - t0)
    return times


def measure_contention(seconds: float, repeats: int) -> dict:
    """The O(N) sources at N = 10^5 alone and while a child process spins on one core (as
    another program, or the app's own drawing, would take it); torch with its default
    intra-op threads and with one."""
    key, _, data, w0, b0, lr = cases()[1]
    variants: list[tuple[str, str, int | None]] = []
    torch = None
    for name in GRAD_SOURCES:
        if not SOURCES[name].per_point or (name in FRAMEWORKS and not installed(name)):
            continue
        if name == "torch":
            torch = import_framework("torch")
            default = torch.get_num_threads()
            variants.append((f"torch, {default} threads (default)", name, default))
            if default != 1:
                variants.append(("torch, 1 thread (torch.set_num_threads(1))", name, 1))
        else:
            variants.append((name, name, None))
    res: dict = {"variants": [v[0] for v in variants]}
    for spin in (False, True):
        child = subprocess.Popen([sys.executable, "-c", SPIN]) if spin else None
        try:
            if child is not None:
                time.sleep(0.3)
            for label, name, nthreads in variants:
                if torch is not None and name == "torch":
                    torch.set_num_threads(nthreads)
                out: dict = {}
                rate, _ = best_rate(trainer_runner(data, w0, b0, lr, name, out), seconds,
                                    repeats)
                times = sorted(step_times(data, w0, b0, lr, name, 2 * seconds))
                res[label, spin] = (rate, statistics.median(times), times[-1], len(times))
                print(f"  {label:45} {'spinner' if spin else 'alone  '}: "
                      f"{fmt_rate(rate):>7} steps/s, single steps median "
                      f"{ms(statistics.median(times))} ms, max {ms(times[-1])} ms", flush=True)
        finally:
            if child is not None:
                child.kill()
                child.wait()
    if torch is not None:
        torch.set_num_threads(default)
    return res


# -- (b) eager against compiled ---------------------------------------------------------------


def descent_runner(step, w0: float, b0: float, lr: float):
    """A gradient-descent loop around `step(w, b) -> (dw, db)` (Python floats)."""

    def make():
        w, b = w0, b0

        def run(k: int) -> int:
            nonlocal w, b
            for _ in range(k):
                dw, db = step(w, b)
                w -= lr * dw
                b -= lr * db
            return k

        return run

    return make


def jax_steps(x: np.ndarray, y: np.ndarray):
    jax = import_framework("jax")
    jnp = jax.numpy
    X, Y = jnp.asarray(x), jnp.asarray(y)

    def loss(w, b, x, y):
        y_hat = w * x + b
        return jnp.mean((y - y_hat) ** 2)

    eager = jax.value_and_grad(loss, argnums=(0, 1))
    jitted = jax.jit(eager)

    def wrap(f):
        def step(w, b):
            _, (dw, db) = f(w, b, X, Y)
            return float(dw), float(db)

        return step

    return wrap(eager), wrap(jitted), lambda: f"{jitted._cache_size()} compiled"


def tf_steps(x: np.ndarray, y: np.ndarray):
    tf = import_framework("tensorflow")
    X, Y = tf.constant(x), tf.constant(y)
    wv = tf.Variable(0.0, dtype=tf.float64)
    bv = tf.Variable(0.0, dtype=tf.float64)

    def gradients(w, b):
        wv.assign(w)
        bv.assign(b)
        with tf.GradientTape() as tape:
            y_hat = wv * X + bv
            loss = tf.reduce_mean(tf.square(Y - y_hat))
        return tape.gradient(loss, [wv, bv])

    scalar = tf.TensorSpec([], tf.float64)
    compiled = tf.function(gradients, input_signature=[scalar, scalar])

    def wrap(f):
        def step(w, b):
            dw, db = f(w, b)
            return float(dw), float(db)

        return step

    return (wrap(gradients), wrap(compiled),
            lambda: f"{compiled.experimental_get_tracing_count()} traced")


def measure_eager(seconds: float, repeats: int) -> dict:
    res: dict = {}
    makers = {"jax": jax_steps, "tensorflow": tf_steps}
    for name, maker in makers.items():
        if not installed(name):
            continue
        for key, _, data, w0, b0, lr in cases():
            eager, compiled, count = maker(data.x, data.y)
            for mode, step in (("eager", eager), ("compiled", compiled)):
                t0 = time.perf_counter()
                step(w0, b0)  # the first call: compiles the compiled one
                first = time.perf_counter() - t0
                rate, _ = best_rate(descent_runner(step, w0, b0, lr), seconds, repeats)
                res[name, key, mode] = (rate, first)
            res[name, key, "count"] = count()
            print(f"  {name:10} N={key:3}: eager {fmt_rate(res[name, key, 'eager'][0])}/s, "
                  f"compiled {fmt_rate(res[name, key, 'compiled'][0])}/s "
                  f"({res[name, key, 'count']})", flush=True)
    return res


# -- (c) start-up with and without the extras -------------------------------------------------


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != _REEXEC_MARK}
    env.update(original_openblas_env())
    env.pop("VIRTUAL_ENV", None)
    return env


def wall_times(commands: dict[str, list[str]], runs: int, warmup: int) -> tuple[dict, str]:
    """Wall time of each command: hyperfine if installed (no shell), else `runs` runs each,
    interleaved, after `warmup` untimed ones. Returns {label: [seconds, ...]} and the tool."""
    hf = shutil.which("hyperfine")
    if hf:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "hf.json"
            argv = [hf, "-N", "--warmup", str(warmup), "--runs", str(runs),
                    "--export-json", str(out), "--style", "none"]
            for label, cmd in commands.items():
                argv += ["-n", label, subprocess.list2cmdline(cmd)]
            p = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=child_env())
            if p.returncode != 0:
                raise RuntimeError(f"hyperfine failed:\n{p.stderr[-2000:]}")
            data = json.loads(out.read_text())
        version = subprocess.run([hf, "--version"], capture_output=True,
                                 text=True).stdout.strip()
        return {r["command"]: r["times"] for r in data["results"]}, f"{version}, -N"
    times: dict[str, list[float]] = {label: [] for label in commands}
    for i in range(warmup + runs):
        for label, cmd in commands.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, cwd=ROOT, env=child_env(), check=True)
            if i >= warmup:
                times[label].append(time.perf_counter() - t0)
    return times, f"subprocess.run, {runs} interleaved runs (hyperfine not installed)"


CHECK = """\
import contextlib, io, json, sys
from lrtui.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    rc = main(["train", "--epochs", "10", "--json"])
ok = json.loads(out.getvalue())["result"]["epochs_run"] == 10
frameworks = ("torch", "jax", "jaxlib", "tensorflow", "tf_keras", "keras")
def loaded():
    return sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in frameworks})
after_train = loaded()
import asyncio
from lrtui.cli import build_parser, load_run
from lrtui.tui.app import make_app
after_import = loaded()
async def app_runs():  # the app headless (100x30): started, stepped three times with `n`
    data, config = load_run(build_parser().parse_args([]))
    app = make_app(data, config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(3):
            await pilot.press("n")
        await pilot.pause(0.3)
asyncio.run(app_runs())
print(json.dumps({"rc": rc, "ok": ok, "after_train": after_train, "after_import": after_import,
                  "after_app": loaded()}))
"""


def venv_checks(py: str) -> dict:
    p = subprocess.run([py, "-c", CHECK], capture_output=True, text=True, cwd=ROOT,
                       env=child_env())
    if p.returncode != 0:
        return {"error": p.stderr[-500:]}
    got = json.loads(p.stdout.strip().splitlines()[-1])
    # -X importtime over the same `lrtui train`: any framework module on its list?
    p = subprocess.run([py, "-X", "importtime", "-c",
                        "from lrtui.cli import main; main(['train', '--epochs', '10', '--json'])"],
                       capture_output=True, text=True, cwd=ROOT, env=child_env())
    names = [line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines()
             if line.startswith("import time:") and "|" in line]
    got["importtime_modules"] = len(names)
    got["importtime_frameworks"] = sorted({n.strip().split(".")[0] for n in names
                                           if n.strip().split(".")[0] in FRAMEWORK_NAMES
                                           or n.strip().startswith("jaxlib")})
    return got


def missing_messages(lrtui_bin: str) -> dict[str, tuple[int, str]]:
    got = {}
    for name in FRAMEWORK_NAMES:
        p = subprocess.run([lrtui_bin, "train", "--epochs", "10", "--grad", name],
                           capture_output=True, text=True, cwd=ROOT, env=child_env())
        got[name] = (p.returncode, (p.stderr.strip().splitlines() or [""])[-1])
    return got


def measure_startup(venvs: dict[str, Path], runs: int, app_runs: int) -> dict:
    import ui  # bench/ui.py: its pty start-up measurement, reused as it is

    res: dict = {"venvs": {k: str(v) for k, v in venvs.items()}}
    cmds_import = {f"import lrtui.cli ({k})": [str(v / "bin" / "python"), "-c", "import lrtui.cli"]
                   for k, v in venvs.items()}
    cmds_train = {f"lrtui train ({k})": [str(v / "bin" / "lrtui"), "train", "--epochs", "10",
                                         "--json"] for k, v in venvs.items()}
    print("  import lrtui.cli ...", flush=True)
    res["import"], res["tool"] = wall_times(cmds_import, runs, warmup=3)
    print("  lrtui train --epochs 10 --json ...", flush=True)
    res["train"], _ = wall_times(cmds_train, runs, warmup=3)
    print(f"  app to first complete frame ({app_runs} each, interleaved) ...", flush=True)
    apps = {k: [str(v / "bin" / "lrtui")] for k, v in venvs.items()}
    for argv in apps.values():  # warm the page cache and the .pyc files; not counted
        ui.startup_sample(argv, b"quit")
    res["app"] = {k: [] for k in apps}
    for _ in range(app_runs):
        for k, argv in apps.items():
            res["app"][k].append(ui.startup_sample(argv, b"quit"))
    print("  sys.modules after lrtui train ...", flush=True)
    res["checks"] = {k: venv_checks(str(v / "bin" / "python")) for k, v in venvs.items()}
    if "bare" in venvs:
        res["missing"] = missing_messages(str(venvs["bare"] / "bin" / "lrtui"))
    return res


def busy_seconds() -> float:
    """CPU time all processes on the machine have used so far (/proc/stat, as bench/ui.py)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_and_children_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# -- report -----------------------------------------------------------------------------------


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    for dist in ("torch", "jax", "jaxlib", "tensorflow-cpu", "textual"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} not installed")
    return ", ".join(parts)


def threads() -> str:
    out = []
    if "torch" in sys.modules:
        out.append(f"torch {sys.modules['torch'].get_num_threads()} threads")
    return ", ".join(out)


def build_report(src: dict, imports: dict, contention: dict, eager: dict, start: dict | None,
                 facts: dict, args) -> str:
    cs = cases()
    lines: list[str] = []
    lines.append(f"### (a) Steps per second of every source, through the Trainer "
                 f"(best of {args.repeats} repeats of ~{args.seconds:g} s)")
    lines.append("")
    rows = []
    for name in GRAD_SOURCES:
        if name in src["skipped"]:
            rows.append([name, SOURCES[name].cost, *["-"] * 6,
                         f"skipped: {src['skipped'][name]}"])
            continue
        imp = imports.get(name)
        row = [name, SOURCES[name].cost]
        for key, *_ in cs:
            row += [fmt_rate(src["rates"][name, key]), ms(src["first"][name, key]),
                    ms(src["second"][name, key])]
        row.append(f"{ms(statistics.median(imp))} ({ms(min(imp))}..{ms(max(imp))})"
                   if imp else "-")
        checks = sorted({f"{src['status'][name, k]}" for k, *_ in cs})
        comp = [src["compiled"][name, k] for k, *_ in cs]
        row.append(", ".join(checks) + ("" if comp[0] == "-" else "; " + " / ".join(comp)))
        rows.append(row)
    lines.append(table(
        ["source", "cost", "N=4 steps/s", "N=4 first step ms", "N=4 next step ms",
         "N=10^5 steps/s", "N=10^5 first step ms", "N=10^5 next step ms",
         "import ms, fresh process (median, min..max)",
         "status after; programs (N=4 / N=10^5)"], rows))
    lines.append("")
    lines.append(
        f"Data and starts: {cs[0][1]}, w0 {cs[0][3]:g}, b0 {cs[0][4]:g}; {cs[1][1]}, seed "
        f"{SEED}, w0 0, b0 0. Epoch budget {EPOCHS:.0e}, tol none. \"First step\" = "
        "`Trainer(data, config)` on fresh arrays (SufficientStats pass + building the source + "
        "its first call, which compiles jax/tensorflow; the framework already imported, and "
        "N=4 is its first use in the process, N=10^5 its second); \"next step\" = the "
        "`run(1)` right after it. Import: `import_framework(name)` in "
        f"{args.import_runs} fresh processes. \"programs\": jax.jit cache size / tf.function "
        "tracing count of the Trainer's source after all repeats (1 = never retraced).")
    lines.append("")
    steps = ", ".join(f"{name} {src['steps'][name, k]:,}" for name in GRAD_SOURCES
                      for k, *_ in cs[:1] if (name, k) in src["steps"])
    steps_big = ", ".join(f"{name} {src['steps'][name, k]:,}" for name in GRAD_SOURCES
                          for k, *_ in cs[1:] if (name, k) in src["steps"])
    lines.append(f"Steps per timed repeat: N=4: {steps}; N=10^5: {steps_big}.")
    lines.append("")
    if "heap" in src:
        h = src["heap"]
        lines.append("autograd at N=10^5 and glibc's heap (the row above is \"as it is\"; "
                     "everything after it in this process, (a') included, runs with the heap "
                     "grown):")
        lines.append("")
        lines.append(table(["autograd, N=10^5", "steps/s", "minor page faults per step"], [
            ["heap as it is (as in a fresh `lrtui train`)", fmt_rate(h["as it is"][0]),
             f"{h['as it is'][1]:,.0f}"],
            ["after one 32 MB array was made and freed", fmt_rate(h["grown"][0]),
             f"{h['grown'][1]:,.0f}"]]))
        lines.append("")

    lines.append("### (a') N = 10^5, alone and with one of the cores taken")
    lines.append("")
    rows = []
    for label in contention["variants"]:
        row = [label]
        for spin in (False, True):
            rate, med, worst, count = contention[label, spin]
            row += [fmt_rate(rate), f"{ms(med)} / {ms(worst)}"]
        row.append(rate_ratio(contention[label, False][0], contention[label, True][0]))
        rows.append(row)
    lines.append(table(["source", "alone: steps/s", "alone: one step ms, median / max",
                        "spinner: steps/s", "spinner: one step ms, median / max",
                        "alone / spinner"], rows))
    lines.append("")
    lines.append(f"Through the Trainer as in (a). \"spinner\": a child `python -c \"{SPIN}\"` "
                 "holds one core meanwhile (as another program, or the app's own drawing, "
                 "would). steps/s: best of the repeats; one step: every `run(1)` over "
                 f"~{2 * args.seconds:g} s.")
    lines.append("")

    lines.append(f"### (b) Eager against compiled, outside lrtui (best of {args.repeats} "
                 f"repeats of ~{args.seconds:g} s)")
    lines.append("")
    rows = []
    for name, eager_label, comp_label in (("jax", "jax.value_and_grad", "jax.jit(value_and_grad)"),
                                          ("tensorflow", "GradientTape, eager",
                                           "GradientTape in tf.function")):
        for key, label, *_ in cs:
            if (name, key, "eager") not in eager:
                continue
            (re_, fe), (rc, fc) = eager[name, key, "eager"], eager[name, key, "compiled"]
            rows.append([name, label.split(" (")[0], f"{eager_label}: {fmt_rate(re_)}",
                         f"{comp_label}: {fmt_rate(rc)}", rate_ratio(rc, re_),
                         f"{ms(fe)} / {ms(fc)}", eager[name, key, "count"]])
    lines.append(table(["framework", "data", "eager steps/s", "compiled steps/s",
                        "compiled / eager", "first call ms, eager / compiled",
                        "programs after"], rows))
    lines.append("")
    lines.append("Each step: the framework's gradient of mean((y - (w*x + b))^2) at Python-float "
                 "(w, b), both converted back with float(), then w -= lr*dw, b -= lr*db (as the "
                 "Trainer's loop). The TensorFlow step assigns (w, b) to float64 tf.Variables "
                 "and records the forward pass on a tape, exactly as lrtui's source; the "
                 "compiled one is that function in `tf.function(input_signature=[float64 "
                 "scalar] * 2)`.")
    lines.append("")

    lines.append("### (c) Start-up with and without the extras")
    lines.append("")
    if start is None:
        lines.append("Skipped (--skip-startup)." if args.skip_startup else
                     f"Skipped: {args.bare_venv} does not exist (create it as the docstring "
                     "says).")
        lines.append("")
    else:
        venvs = start["venvs"]
        rows = []

        def stat(xs):
            return (f"{statistics.median(xs) * 1e3:,.0f} ms",
                    f"{min(xs) * 1e3:,.0f}..{max(xs) * 1e3:,.0f}")

        for what, key in (("`python -c \"import lrtui.cli\"`", "import"),
                          ("`lrtui train --epochs 10 --json`", "train")):
            row = [what]
            meds = []
            for v in venvs:
                label = [lab for lab in start[key] if lab.endswith(f"({v})")][0]
                med, rng = stat(start[key][label])
                meds.append(statistics.median(start[key][label]))
                row += [med, rng]
            row.append(f"{(meds[0] - meds[1]) * 1e3:+,.0f} ms" if len(meds) == 2 else "-")
            rows.append(row)
        row = ["app: spawn -> first complete frame (bench/ui.py)"]
        meds = []
        for v in venvs:
            xs = [s["complete"] / 1e3 for s in start["app"][v]]
            med, rng = stat(xs)
            meds.append(statistics.median(xs))
            row += [med, rng]
        row.append(f"{(meds[0] - meds[1]) * 1e3:+,.0f} ms" if len(meds) == 2 else "-")
        rows.append(row)
        header = ["measurement"]
        for v, path in venvs.items():
            header += [f"{v} ({path}) median", "min..max"]
        header.append(f"{' - '.join(venvs)}")
        lines.append(table(header, rows))
        lines.append("")
        n_app = len(next(iter(start["app"].values())))
        lines.append(f"Wall times: {start['tool']}, {args.runs} runs after 3 warm-ups, per "
                     f"command; the app: {n_app} samples per venv, interleaved, after one "
                     "warm-up each (pty 100x30, as bench/ui.py).")
        lines.append("")
        rows = []
        for v, c in start["checks"].items():
            if "error" in c:
                rows.append([v, "error: " + c["error"].replace("\n", " ")[-200:], "", "", "",
                             ""])
                continue
            rows.append([v, f"exit {c['rc']}, 10 epochs run: {c['ok']}",
                         ", ".join(c["after_train"]) or "none",
                         ", ".join(c["after_import"]) or "none",
                         ", ".join(c["after_app"]) or "none",
                         f"{', '.join(c['importtime_frameworks']) or 'none'} (of "
                         f"{c['importtime_modules']} modules)"])
        lines.append(table(["venv", "`lrtui train --epochs 10 --json`",
                            "framework modules in sys.modules after it",
                            "... then after importing lrtui.tui.app",
                            "... then after the app ran headless (3 steps)",
                            "framework modules in `-X importtime` of the same train"], rows))
        lines.append("")
        if start.get("missing"):
            lines.append("Without the extras (bare venv), `lrtui train --epochs 10 --grad X`:")
            lines.append("")
            lines.append(table(["X", "exit", "last line of stderr"],
                               [[k, str(rc), f"`{msg}`"] for k, (rc, msg)
                                in start["missing"].items()]))
            lines.append("")

    lines.append("### Machine")
    lines.append("")
    lines.append(table(["fact", "value"], [[k, v] for k, v in facts.items()]))
    return "\n".join(lines).rstrip() + "\n"


def write_results(text: str) -> None:
    """Replace this script's block in bench/RESULTS.md, keeping everything else in the file."""
    write_block(RESULTS, BEGIN, END, HEADING, text, ".md.sources-tmp")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=0.2,
                        help="about how long one timed repeat takes (default 0.2)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats per rate (default 5)")
    parser.add_argument("--import-runs", type=int, default=3,
                        help="fresh processes per framework import timing (default 3)")
    parser.add_argument("--bare-venv", type=Path, default=Path("/tmp/bare-venv"),
                        help="a venv with lrtui installed without the extras "
                        "(default /tmp/bare-venv)")
    parser.add_argument("--runs", type=int, default=15,
                        help="timed runs per start-up command (default 15)")
    parser.add_argument("--app-runs", type=int, default=11,
                        help="app start-up samples per venv (default 11)")
    parser.add_argument("--skip-startup", action="store_true", help="skip part (c)")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--keep-openblas-env", action="store_true",
                        help="measure with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as set")
    args = parser.parse_args()
    reexec_without_openblas_env(args)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # as lrtui sets it for TensorFlow
    started = time.perf_counter()
    load_start = os.getloadavg()
    date_start = subprocess.run(["date"], capture_output=True, text=True).stdout.strip()
    command = "/work/venv/bin/python bench/sources.py" + "".join(f" {a}" for a in sys.argv[1:])

    loads: list[str] = []
    others: list[str] = []
    mark: list = []

    def note_load(part: str) -> None:
        """The 1-min load average as a part begins, and the cores that processes other than
        this one and its children kept busy during the part before."""
        loads.append(f"{part} {os.getloadavg()[0]:.2f}")
        now = (time.perf_counter(), busy_seconds(), own_and_children_seconds())
        if mark:
            (t0, b0, o0), name = mark.pop()
            other = ((now[1] - b0) - (now[2] - o0)) / (now[0] - t0)
            others.append(f"{name} {max(other, 0.0):.2f}")
        mark.append((now, part))

    start = None
    if not args.skip_startup and args.bare_venv.exists():
        # First, before this process has loaded any framework or warmed any thread pool.
        print("(c) start-up, with and without the extras ...", flush=True)
        note_load("(c)")
        start = measure_startup({"frameworks": Path(sys.prefix), "bare": args.bare_venv},
                                args.runs, args.app_runs)
    elif not args.skip_startup:
        print(f"(c) skipped: {args.bare_venv} does not exist", flush=True)
    print(f"framework imports ({args.import_runs} fresh processes each) ...", flush=True)
    note_load("imports")
    imports = import_times(args.import_runs)
    print(f"(a) sources through the Trainer (best of {args.repeats} x ~{args.seconds:g} s) ...",
          flush=True)
    note_load("(a)")
    src = measure_sources(args.seconds, args.repeats)
    print("(b) eager against compiled ...", flush=True)
    note_load("(a')")
    print("(a') N = 10^5 alone and with one core taken by a spinning child ...", flush=True)
    contention = measure_contention(args.seconds, args.repeats)
    note_load("(b)")
    eager = measure_eager(args.seconds, args.repeats)
    note_load("end")

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "lrtui"],
                           capture_output=True, text=True).stdout.strip()
    load_end = os.getloadavg()
    facts = {
        "date (start)": date_start,
        "commit": commit + (" (lrtui/ has uncommitted changes)" if dirty else ""),
        "CPU": cpu_model(),
        "cores (nproc)": subprocess.run(["nproc"], capture_output=True,
                                        text=True).stdout.strip(),
        "versions": versions(),
        "threads": threads() or "-",
        "load average (1, 5, 15 min) at start / end": (
            " ".join(f"{v:.2f}" for v in load_start) + " / "
            + " ".join(f"{v:.2f}" for v in load_end)),
        "1-min load average as each part began": ", ".join(loads),
        "cores busy with other processes during each part": ", ".join(others),
        "run time": f"{time.perf_counter() - started:.0f} s",
    }
    report = build_report(src, imports, contention, eager, start, facts, args)
    report += f"\nCommand: `{command}` (from the repository root)\n"
    print()
    print(report)
    if not args.no_write:
        write_results(report)
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
