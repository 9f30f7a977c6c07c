"""`--grad SOURCE` on the command line: `lrtui train --grad ...` runs the engine with that
gradient source, the app's flags take it too, and without torch `--grad torch` is one line
saying how to install it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.engine.state import COLUMNS

from ..framework_support import requires_torch, torch_marked
from .conftest import LRTUI, Result, _env, assert_usage_error, run_lrtui, strict_json

SOURCES = ("analytic", "numeric", "autograd", "torch", "jax", "tensorflow")


def engine_rows(config: TrainConfig):
    t = Trainer(preset("tutorial").data, config)
    t.run()
    return t.history.rows()


@pytest.mark.parametrize("grad", torch_marked(SOURCES))
def test_train_json_runs_the_chosen_source(grad):
    result = run_lrtui("train", "--json", "--preset", "tutorial", "--epochs", "200",
                       "--grad", grad)
    assert result.returncode == 0 and result.stderr == "", result
    doc = strict_json(result.stdout)
    assert doc["config"]["grad"] == grad
    rows = engine_rows(TrainConfig.from_preset(preset("tutorial"), epochs=200, grad=grad))
    assert len(doc["history"]) == len(rows) == 201
    for item, row in zip(doc["history"], rows, strict=True):
        assert item == {name: (int(v) if name == "epoch" else float(v))
                        for name, v in zip(COLUMNS, row, strict=True)}


def test_default_source_is_analytic_and_the_json_keeps_its_keys():
    doc = strict_json(run_lrtui("train", "--json", "--epochs", "3").stdout)
    assert doc["config"]["grad"] == "analytic"
    # keys are only ever added (scale came after grad, then optimizer), in this order
    assert list(doc["config"]) == ["data", "w0", "b0", "lr", "epochs", "h", "tol", "grad",
                                   "scale", "optimizer"]
    assert doc["config"]["scale"] == "none"
    assert doc["config"]["optimizer"] == {"name": "sgd", "momentum": 0.0, "dampening": 0.0,
                                          "nesterov": False, "weight_decay": 0.0}
    assert list(doc["history"][0]) == list(COLUMNS)


def test_the_apps_flags_take_it_too():
    """Given before `train` (where the app's flags go), --grad reaches the run."""
    doc = strict_json(run_lrtui("--grad", "numeric", "train", "--json", "--epochs", "3").stdout)
    assert doc["config"]["grad"] == "numeric"
    assert doc["history"][1]["dw"] == doc["history"][1]["dw_numeric"]
    # and the app refuses a bad source before it would open
    assert_usage_error(run_lrtui("--grad", "exact"), "--grad", "'exact'", "analytic", "torch")


def test_report_names_the_source():
    result = run_lrtui("train", "--grad", "autograd")
    assert result.returncode == 0, result
    assert "gradients by autograd" in result.stdout
    assert "|autograd - c.d.|" in result.stdout
    assert "gradients by" not in run_lrtui("train").stdout


def test_help_lists_the_sources():
    for args in (("--help",), ("train", "--help")):
        text = run_lrtui(*args).stdout
        assert "--grad" in text
        for source in SOURCES:
            assert source in text, (args, source)


# -- without torch ---------------------------------------------------------------------------

def run_without_torch(tmp_path: Path, *args: str, module: str = "torch") -> Result:
    """lrtui with an importable `torch` (or other `module`) that fails as a missing one does."""
    fake = tmp_path / f"no_{module}" / module
    fake.mkdir(parents=True, exist_ok=True)
    (fake / "__init__.py").write_text(
        f'raise ModuleNotFoundError("No module named \'{module}\'", name="{module}")\n')
    env = _env()
    env["PYTHONPATH"] = str(fake.parent)
    proc = subprocess.run([str(LRTUI), *args], capture_output=True, text=True, timeout=60,
                          env=env, stdin=subprocess.DEVNULL)
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("args", [("train", "--grad", "torch"), ("--grad", "torch"),
                                  ("train", "--json", "--grad", "torch")])
def test_without_torch_one_line_says_how_to_install_it(tmp_path, args):
    result = run_without_torch(tmp_path, *args)
    assert_usage_error(result, "--grad torch", "not installed", "pip install 'lrtui[torch]'",
                       "pip install torch==2.13.0")


@pytest.mark.parametrize(("module", "label", "pin"), [("jax", "JAX", "jax==0.10.2"), (
    "tensorflow", "TensorFlow", "tensorflow-cpu==2.21.0")])
@pytest.mark.parametrize("command", [("train",), ()])
def test_without_jax_or_tensorflow_one_line_names_the_extra(tmp_path, module, label, pin,
                                                            command):
    result = run_without_torch(tmp_path, *command, "--grad", module, module=module)
    assert_usage_error(result, f"--grad {module} needs {label}", "not installed",
                       f"pip install 'lrtui[{module}]'", f"pip install {pin}")


def test_without_torch_the_rest_still_works(tmp_path):
    result = run_without_torch(tmp_path, "train", "--json", "--grad", "autograd",
                               "--epochs", "5")
    assert result.returncode == 0, result
    assert strict_json(result.stdout)["config"]["grad"] == "autograd"
    # writing a torch script does not need torch
    exported = run_without_torch(tmp_path, "export", "--to", "torch", "--grad", "torch")
    assert exported.returncode == 0, exported
    assert "import torch" in exported.stdout


def test_the_fake_torch_really_hides_torch(tmp_path):
    """Guard for the tests above: with the stand-in first on the path, `import torch` fails."""
    fake = tmp_path / "no_torch" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ModuleNotFoundError("gone", name="torch")\n')
    env = _env()
    env["PYTHONPATH"] = str(fake.parent)
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True,
                           text=True, env=env)
    assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr
    assert "gone" in probe.stderr  # the stand-in's error, whether or not torch is installed


@requires_torch
def test_without_the_stand_in_torch_imports():
    """Guard for the tests above: where torch is installed (CI), it is the stand-in that hides
    it."""
    real = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True)
    assert real.returncode == 0  # torch is installed here (and in CI): the torch tests run
