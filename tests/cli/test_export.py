"""`lrtui export --to {numpy,torch,jax,tensorflow} [FILE]`: the run as a standalone script.
The scripts are executed here (`sys.executable`, without lrtui on the path) and their final w,
b and loss compared with the engine's run; FILE is written atomically and never overwritten by
surprise. (The JAX and TensorFlow scripts' own tests are in test_export_frameworks.py.)"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lrtui import export
from lrtui.engine import Dataset, TrainConfig, Trainer, load_csv, preset, synthetic

from ..framework_support import requires_torch
from .conftest import _env, assert_usage_error, run_lrtui
from .test_errors import _without_root_powers

EPS = float(np.finfo(np.float64).eps)


# -- running a script -------------------------------------------------------------------------

def _stub_packages(root: Path, matplotlib: bool) -> Path:
    """A directory for PYTHONPATH with a matplotlib stand-in: one whose import fails (so the
    no-matplotlib path runs even where matplotlib is installed), or one that records calls;
    and an lrtui whose import fails: the script must stand alone."""
    pkg = root / ("with_mpl" if matplotlib else "without_mpl") / "matplotlib"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg.parent / "lrtui").mkdir(exist_ok=True)
    (pkg.parent / "lrtui" / "__init__.py").write_text(
        'raise ImportError("an exported script must not need lrtui")\n')
    if not matplotlib:
        (pkg / "__init__.py").write_text('raise ImportError("no matplotlib (test stand-in)")\n')
        return pkg.parent
    (pkg / "__init__.py").write_text("")
    (pkg / "pyplot.py").write_text(
        "import json, os\n"
        "calls = []\n"
        "def _record(name):\n"
        "    def call(*args, **kwargs):\n"
        "        calls.append([name, [list(map(float, a)) if hasattr(a, '__len__') and\n"
        "                              not isinstance(a, str) else a for a in args]])\n"
        "    return call\n"
        "for _name in ('plot', 'yscale', 'xlabel', 'ylabel', 'title'):\n"
        "    globals()[_name] = _record(_name)\n"
        "def show():\n"
        "    calls.append(['show', []])\n"
        "    with open(os.environ['PLOT_LOG'], 'w') as f:\n"
        "        json.dump(calls, f)\n"
    )
    return pkg.parent


def run_script(text: str, tmp_path: Path, *, matplotlib: bool = False) -> dict:
    """Run the script in a fresh interpreter, away from the repository (lrtui cannot be
    imported from its directory), and read its final lines."""
    path = tmp_path / "exported.py"
    path.write_text(text)
    env = _env()
    env["PYTHONPATH"] = str(_stub_packages(tmp_path, matplotlib))
    env["PLOT_LOG"] = str(tmp_path / "plot.json")
    env.pop("PYTHONSTARTUP", None)
    # Settings the tests' own process may have made for the frameworks: the script must make
    # its own (TensorFlow's quiet start-up, JAX's float64).
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "JAX_ENABLE_X64"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-s", str(path)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr
    out = proc.stdout
    values = dict(re.findall(r"^(w|b|loss) = (\S+)$", out, re.M))
    epochs = re.search(r"^epochs run: (\d+)$", out, re.M)
    assert set(values) == {"w", "b", "loss"} and epochs, out
    lines = out.splitlines()
    stop = lines[lines.index(f"epochs run: {epochs.group(1)}") - 1]
    return dict(w=float(values["w"]), b=float(values["b"]), loss=float(values["loss"]),
                epochs_run=int(epochs.group(1)), stop=stop, stdout=out)


def residual_rounding(data: Dataset, w: float, b: float) -> float:
    """A bound on the rounding error of one float64 residual w*x_i + b - y_i."""
    return 8 * EPS * float(np.max(np.abs(w * data.x) + abs(b) + np.abs(data.y)))


def assert_same_result(got: dict, data: Dataset, config: TrainConfig) -> None:
    """Final w, b and loss equal the engine's to 1e-9 relative.

    Two absolute allowances, each only where a relative comparison has nothing to hold on
    to: (1) a parameter that is exactly 0 in the engine's run (the seed's b): the script sums
    the residuals directly, and that sum rounds to about eps times their size where it is
    exactly 0, so b drifts by at most epochs * lr * (2*(max|x| + 1) * residual rounding);
    (2) a loss at the rounding level of the residuals (noise-free data, fitted): the
    script's direct mean((y - y_hat)^2) carries 2*sqrt(L)*e + e^2 for residual errors e,
    and there that is more than 1e-9 of L.
    """
    t = Trainer(data, config)
    state = t.run()
    assert got["epochs_run"] == state.epoch, (got, state)
    in_x = re.search(r"^in x's units: w = (\S+) b = (\S+)$", got["stdout"], re.M)
    assert (in_x is None) == (config.scale == "none"), got["stdout"]
    if in_x is not None:  # a scaled run also gives its line in x's units
        w_x, b_x = t.scaling.to_original(state.w, state.b)
        assert math.isclose(float(in_x.group(1)), w_x, rel_tol=1e-9), (in_x, w_x)
        assert math.isclose(float(in_x.group(2)), b_x, rel_tol=1e-9), (in_x, b_x)
    e = residual_rounding(data, config.w0, config.b0)
    drift = config.epochs * config.lr * 2 * (float(np.max(np.abs(data.x))) + 1) * e
    for key in ("w", "b"):
        want = getattr(state, key)
        if want == 0.0:
            assert abs(got[key]) <= drift, (key, got, state)
        else:
            assert math.isclose(got[key], want, rel_tol=1e-9), (key, got, state)
    e = residual_rounding(data, state.w, state.b)
    floor = 2 * math.sqrt(state.loss) * e + e * e
    assert math.isclose(got["loss"], state.loss, rel_tol=1e-9, abs_tol=floor), (got, state)
    if state.status == "diverged":
        assert got["stop"].startswith(f"diverged at epoch {state.epoch}")
    elif state.status == "converged":
        assert got["stop"].startswith(f"converged at epoch {state.epoch}")
    else:
        assert got["stop"] == "ran all epochs"


def csv_file(tmp_path: Path, n: int, *, quoted: bool = False) -> Path:
    rng = np.random.default_rng(n)
    x = rng.normal(3.0, 2.0, size=n)
    y = -0.7 * x + 4.0 + rng.normal(0.0, 0.3, size=n)
    path = tmp_path / f"points {n}.csv"  # a space in the name
    q = '"' if quoted else ""
    lines = ["# measured by hand", "", "id;height;weight"]
    lines += [f"{i};{q}{float(a)!r}{q};{float(c)!r}"
              for i, (a, c) in enumerate(zip(x, y, strict=True))]
    path.write_text("\n".join(lines) + "\n")
    return path


CASES = {
    # name: (data, config) made lazily (some need tmp_path)
    "seed": lambda tmp: (preset("seed").data, TrainConfig.from_preset(preset("seed"))),
    "seed, numeric": lambda tmp: (preset("seed").data,
                                  TrainConfig.from_preset(preset("seed"), grad="numeric")),
    "tutorial, tol": lambda tmp: (preset("tutorial").data,
                                  TrainConfig.from_preset(preset("tutorial"), tol=1e-3)),
    "seed, diverged": lambda tmp: (preset("seed").data,
                                   TrainConfig.from_preset(preset("seed"), lr=1.0)),
    "synthetic inline": lambda tmp: (synthetic(200, slope=-1.5, intercept=0.5, noise=0.7,
                                               seed=9),
                                     TrainConfig(w0=3.0, b0=-2.0, lr=0.1, epochs=500)),
    "synthetic recipe": lambda tmp: (synthetic(5000, slope=2.0, intercept=-1.0, noise=0.5,
                                               seed=1),
                                     TrainConfig(w0=3.0, b0=-2.0, lr=0.1, epochs=300)),
    "synthetic recipe, no noise": lambda tmp: (synthetic(2000, slope=2.0, intercept=-1.0),
                                               TrainConfig(w0=3.0, b0=-2.0, lr=0.1,
                                                           epochs=600, grad="autograd")),
    "csv inline": lambda tmp: (load_csv(csv_file(tmp, 50), "height", "weight"),
                               TrainConfig(w0=0.0, b0=0.0, lr=0.02, epochs=400)),
    "csv loadtxt": lambda tmp: (load_csv(csv_file(tmp, 1500), "height", "weight"),
                                TrainConfig(w0=0.0, b0=0.0, lr=0.02, epochs=400)),
    "csv quoted": lambda tmp: (load_csv(csv_file(tmp, 1200, quoted=True), "1", "2"),
                               TrainConfig(w0=0.0, b0=0.0, lr=0.02, epochs=400)),
    # --scale: the script trains on z made with lrtui's mean and std
    "csv loadtxt, standard": lambda tmp: (load_csv(csv_file(tmp, 1500), "height", "weight"),
                                          TrainConfig(w0=0.0, b0=0.0, lr=0.3, epochs=60,
                                                      scale="standard")),
    "synthetic inline, center, tol": lambda tmp: (
        synthetic(200, slope=-1.5, intercept=40.0, noise=0.7, seed=9),
        TrainConfig(w0=3.0, b0=-2.0, lr=0.3, epochs=500, tol=1e-6, scale="center")),
}
TORCH_CASES = ["seed", "tutorial, tol", "synthetic recipe", "csv loadtxt",
               "csv loadtxt, standard"]


@pytest.mark.parametrize("case", CASES)
def test_numpy_script_reproduces_the_run(case, tmp_path):
    data, config = CASES[case](tmp_path)
    text = export.script(data, config, "numpy")
    assert_same_result(run_script(text, tmp_path), data, config)
    assert "import torch" not in text


@requires_torch
@pytest.mark.parametrize("case", TORCH_CASES)
def test_torch_script_reproduces_the_run(case, tmp_path):
    data, config = CASES[case](tmp_path)
    text = export.script(data, config, "torch")
    assert_same_result(run_script(text, tmp_path), data, config)


# -- what the scripts say ----------------------------------------------------------------------

def test_numpy_script_writes_out_the_gradient_with_its_1_over_n(tmp_path):
    p = preset("seed")
    text = export.script(p.data, TrainConfig.from_preset(p), "numpy")
    assert "X = np.array([\n    -2.0, -1.0, 1.0, 2.0,\n])" in text  # the data, inline
    assert "2.0 / n * np.dot(x, error)" in text
    assert "np.dot(2 * X, y_predicted - Y).mean()" in text  # the notes' line, named ...
    assert "1/n is missing" in text  # ... and what is wrong with it
    assert "w = 10.0" in text and "learning_rate = 0.01" in text and "epochs = 500" in text
    assert "lrtui train --preset seed --w0 10.0 --b0 0.0 --lr 0.01 --epochs 500" in text
    compile(text, "exported.py", "exec")


def test_numeric_script_uses_the_central_difference():
    p = preset("seed")
    text = export.script(p.data, TrainConfig.from_preset(p, grad="numeric", h=0.25), "numpy")
    assert "h = 0.25" in text and "(2 * h)" in text and "np.dot(x, error)" not in text
    assert "--h 0.25" in text and "--grad numeric" in text


def test_torch_script_is_the_notes_autograd_loop():
    p = preset("tutorial")
    text = export.script(p.data, TrainConfig.from_preset(p), "torch")
    for line in ("dtype=torch.float64, requires_grad=True", "l.backward()",
                 "with torch.no_grad():", "w -= learning_rate * w.grad", "w.grad.zero_()",
                 "b.grad.zero_()", "return ((y_true - y_pred) ** 2).mean()"):
        assert line in text, line
    assert "import numpy" not in text  # inline data: torch alone


def test_large_data_is_made_or_loaded_not_written_out(tmp_path):
    big = synthetic(5000, slope=2.0, intercept=-1.0, noise=0.5, seed=1)
    text = export.script(big, TrainConfig(w0=0, b0=0, lr=0.1, epochs=10), "numpy")
    assert "rng = np.random.default_rng(1)" in text
    assert "X = rng.uniform(-2.0, 2.0, size=5000)" in text
    assert "Y += rng.normal(0.0, 0.5, size=5000)" in text
    assert len(text) < 6000
    small = synthetic(1000, noise=0.5)  # the limit: still written out
    assert "default_rng" not in export.script(small, TrainConfig(w0=0, b0=0, lr=0.1,
                                                                 epochs=10), "numpy")
    data = load_csv(csv_file(tmp_path, 1500), "height", "weight")
    text = export.script(data, TrainConfig(w0=0, b0=0, lr=0.1, epochs=10), "torch")
    assert f"np.loadtxt({str(data.source['path'])!r}, delimiter=';', skiprows=3," in text
    assert "usecols=(1, 2)" in text and "torch.from_numpy" in text
    quoted = load_csv(csv_file(tmp_path, 1200, quoted=True), "1", "2")
    text = export.script(quoted, TrainConfig(w0=0, b0=0, lr=0.1, epochs=10), "numpy")
    assert "np.loadtxt" not in text and "csv.reader" in text and "import csv" in text


def test_the_plot_is_drawn_when_matplotlib_imports(tmp_path):
    p = preset("seed")
    config = TrainConfig.from_preset(p, epochs=40)
    got = run_script(export.script(p.data, config, "numpy"), tmp_path, matplotlib=True)
    calls = json.loads((tmp_path / "plot.json").read_text())
    names = [name for name, _ in calls]
    assert names[0] == "plot" and names[-1] == "show" and ["yscale", ["log"]] in calls
    epochs, losses = calls[0][1]
    assert len(losses) == 41 and epochs == list(range(41))
    assert losses[0] == 202.5 and losses[-1] == got["loss"]


@requires_torch  # it runs the torch script
def test_without_matplotlib_there_is_no_plot_and_no_error(tmp_path):
    p = preset("seed")
    run_script(export.script(p.data, TrainConfig.from_preset(p, epochs=40), "torch"), tmp_path)
    assert not (tmp_path / "plot.json").exists()


# -- the command -----------------------------------------------------------------------------

def test_export_to_stdout_is_the_script():
    result = run_lrtui("export", "--to", "numpy", "--preset", "tutorial", "--lr", "0.05",
                       "--epochs", "300", "--tol", "1e-6")
    assert result.returncode == 0 and result.stderr == "", result
    p = preset("tutorial")
    config = TrainConfig.from_preset(p, lr=0.05, epochs=300, tol=1e-6)
    assert result.stdout == export.script(p.data, config, "numpy")
    dash = run_lrtui("--grad", "autograd", "export", "--to", "torch", "-")
    assert dash.returncode == 0, dash
    assert dash.stdout == export.script(
        preset("seed").data, TrainConfig.from_preset(preset("seed"), grad="autograd"), "torch")


def test_export_csv_data_runs_from_elsewhere(tmp_path):
    """A relative --data path becomes absolute in the script."""
    path = csv_file(tmp_path, 1500)
    result = run_lrtui("export", "--to", "numpy", "--data", path.name, "--x", "height",
                       "--y", "weight", "--epochs", "50", cwd=tmp_path)
    assert result.returncode == 0, result
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = load_csv(path, "height", "weight")
    got = run_script(result.stdout, elsewhere)
    assert_same_result(got, data, TrainConfig(w0=0.0, b0=0.0, lr=0.01, epochs=50))


def test_export_writes_a_new_file(tmp_path):
    target = tmp_path / "run.py"
    result = run_lrtui("export", "--to", "torch", str(target))
    assert result.returncode == 0 and result.stderr == "", result
    assert result.stdout.startswith(f"lrtui: wrote {target}")
    p = preset("seed")
    assert target.read_text() == export.script(p.data, TrainConfig.from_preset(p), "torch")
    assert os.listdir(tmp_path) == ["run.py"]  # no temporary file left behind
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_export_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "run.py"
    target.write_text("mine\n")
    result = run_lrtui("export", "--to", "numpy", str(target))
    assert_usage_error(result, str(target), "already exists", "--force")
    assert target.read_text() == "mine\n" and os.listdir(tmp_path) == ["run.py"]
    inode = target.stat().st_ino
    forced = run_lrtui("export", "--to", "numpy", "--force", str(target))
    assert forced.returncode == 0, forced
    assert target.read_text().startswith("# Linear regression")
    assert target.stat().st_ino != inode  # replaced by a rename, not rewritten in place
    assert os.listdir(tmp_path) == ["run.py"]


@pytest.mark.parametrize("where", ["missing directory", "under a file", "a directory"])
def test_export_to_a_path_that_cannot_be_written(tmp_path, where):
    (tmp_path / "plain").write_text("x\n")
    target = {"missing directory": tmp_path / "nope" / "run.py",
              "under a file": tmp_path / "plain" / "run.py",
              "a directory": tmp_path}[where]
    words = {"missing directory": ["cannot write", "no such file"],
             "under a file": ["cannot write", "not a directory"],
             "a directory": ["is a directory"]}[where]
    assert_usage_error(run_lrtui("export", "--to", "numpy", str(target)), str(target), *words)
    assert sorted(os.listdir(tmp_path)) == ["plain"] or where == "a directory"


def test_export_into_a_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = run_lrtui("export", "--to", "numpy", str(locked / "run.py"),
                           prefix=_without_root_powers())
        leftovers = os.listdir(locked)
    finally:
        locked.chmod(0o755)
    assert_usage_error(result, str(locked / "run.py"), "cannot write", "permission denied")
    assert leftovers == []


BAD_EXPORTS = [
    ([], ["--to", "required"]),
    (["--to", "mxnet"], ["--to", "'mxnet'", "numpy", "torch", "jax", "tensorflow"]),
    (["--to", "numpy", "--lr", "0"], ["--lr", "greater than 0"]),
    (["--to", "numpy", "--grad", "exact"], ["--grad", "'exact'", "autograd"]),
    (["--to", "numpy", "--data", "/nonexistent/points.csv"], ["no such file"]),
    (["--to", "numpy", "a.py", "b.py"], ["unrecognized", "b.py"]),
    (["--to", "numpy", "--w0", "1e300"], ["overflow"]),
    (["--to", "numpy", "--json"], ["unrecognized", "--json"]),
]


@pytest.mark.parametrize("args", [a for a, _ in BAD_EXPORTS], ids=" ".join)
def test_bad_export_flags(args):
    words = dict((tuple(a), w) for a, w in BAD_EXPORTS)[tuple(args)]
    assert_usage_error(run_lrtui("export", *args), *words)


def test_export_help():
    result = run_lrtui("export", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: lrtui export")
    for word in ("--to", "numpy", "torch", "jax", "tensorflow", "FILE", "--force", "--grad",
                 "--data", "--lr"):
        assert word in result.stdout, word
    assert "export" in run_lrtui("--help").stdout
