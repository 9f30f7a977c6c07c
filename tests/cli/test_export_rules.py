"""`lrtui export` of a run with one of torch.optim's update rules (`--optimizer`, momentum,
weight decay, ...). The PyTorch script steps torch.optim itself; the NumPy, JAX and
TensorFlow scripts write the rule out by hand in lrtui's (and torch's) order of operations.
Each script is made by the installed `lrtui export`, run in a fresh interpreter without lrtui,
and its final w, b, loss and printed history compared with `lrtui train --json` of the same
flags, to 1e-9 relative.

Two kinds of run are left out of that comparison on purpose, as they measure the dynamics
rather than the export (found while writing these tests, and true of torch.optim itself):

* The seed preset's b. Its x and y are symmetric about 0, so lrtui's gradient in b (from
  centred statistics) is exactly 0 and b stays exactly 0; a script sums the residuals and the
  sum rounds to ~1e-16 instead. SGD and Adagrad step by lr times that; the rules that divide
  by the root of a running mean of g^2 (Adam, AdamW, RMSprop) normalise it: while that root
  is below eps their rate is lr/eps (5e6 here), and the noise grows into excursions of up to
  a step (Adam's b reaches 3e-3 at epoch 30, in the script and in torch.optim alike). So the
  seed's b is checked against an allowance (ZERO_ALLOWANCE), and only where lrtui's is 0.
* RMSprop at lr 0.05 on the synthetic data. At a constant rate it never settles: near the
  optimum its steps stay ~lr long, chaotically, and a difference of one rounding in a gradient
  grows to 1e-4 within 300 epochs. At lr 0.002 the 300 epochs are its approach (centered with
  momentum 0.5: there too), and there it agrees to ~1e-14.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import shlex
from dataclasses import fields

import pytest

from lrtui import export
from lrtui.cli import build_parser
from lrtui.engine import TrainConfig, preset
from lrtui.export_rules import CLASSES
from lrtui.runs import load_run

from ..framework_support import requires_jax, requires_tensorflow, requires_torch
from .conftest import assert_usage_error, run_lrtui, strict_json
from .test_export import residual_rounding, run_script

RULES = {
    "sgd momentum": ["--momentum", "0.9"],
    "sgd nesterov": ["--momentum", "0.8", "--nesterov"],
    "sgd dampening, weight decay": ["--momentum", "0.9", "--dampening", "0.2",
                                    "--weight-decay", "0.01"],
    "adam": ["--optimizer", "adam"],
    "adam amsgrad": ["--optimizer", "adam", "--amsgrad", "--betas", "0.8", "0.99",
                     "--weight-decay", "0.1"],
    "adamw": ["--optimizer", "adamw"],
    "rmsprop": ["--optimizer", "rmsprop"],
    "rmsprop centered, momentum": ["--optimizer", "rmsprop", "--centered", "--momentum", "0.5"],
    "adagrad": ["--optimizer", "adagrad", "--lr-decay", "0.1", "--initial-accumulator", "0.5"],
}
DATA = {
    "seed": ["--preset", "seed"],
    "synthetic": ["--synthetic", "200", "--noise", "0.3", "--seed", "3"],
}
# Learning rates at which the runs converge (RMSprop on the synthetic data: see above).
LR = {"adagrad": 0.5}
SYNTHETIC_LR = {"rmsprop": 0.002, "rmsprop centered, momentum": 0.002}
CASES = [(rule, data) for rule in RULES for data in DATA]
TF_RULES = ["sgd nesterov", "adam amsgrad", "rmsprop centered, momentum"]  # ~5 s each
# How far a script's b may stray where lrtui's is exactly 0 (the seed's: see above).
ZERO_ALLOWANCE = {"sgd": 1e-12, "adagrad": 1e-12}  # others: the learning rate


def flags(rule: str, data: str) -> list[str]:
    lr = (SYNTHETIC_LR.get(rule) if data == "synthetic" else None) or LR.get(rule, 0.05)
    return [*DATA[data], *RULES[rule], "--lr", repr(lr), "--epochs", "300"]


@functools.cache
def trained(args: tuple[str, ...]) -> dict:
    """`lrtui train --json ARGS` (each run once)."""
    out = run_lrtui("train", "--json", *args)
    assert out.returncode == 0, out
    return strict_json(out.stdout)


def exported(to: str, args: list[str]) -> str:
    out = run_lrtui("export", "--to", to, *args)
    assert out.returncode == 0 and out.stderr == "", out
    return out.stdout


def assert_matches_train(got: dict, args: list[str]) -> None:
    """The script's output (run_script's) against `lrtui train --json ARGS`: the same stop,
    epochs run, final w, b and loss and printed history (at its 6 decimals), to 1e-9
    relative."""
    doc = trained(tuple(args))
    want, history = doc["result"], {h["epoch"]: h for h in doc["history"]}
    data, config = load_run(build_parser().parse_args(["train", *args]))
    assert got["epochs_run"] == want["epochs_run"], (got, want)
    stop = {"running": "ran all epochs", "converged": f"converged at epoch {want['epochs_run']}",
            "diverged": f"diverged at epoch {want['epochs_run']}"}[want["status"]]
    assert got["stop"].startswith(stop), (got["stop"], want["status"])
    allowance = {"w": 0.0, "b": 0.0}
    for key in allowance:
        if want[key] == 0.0:  # exactly: the seed's b (see the module's docstring)
            allowance[key] = ZERO_ALLOWANCE.get(config.optimizer, config.lr)
    for key in ("w", "b"):
        assert math.isclose(got[key], want[key], rel_tol=1e-9, abs_tol=allowance[key]), (
            key, got[key], want[key])
    # The loss, to 1e-9 relative, beyond the rounding floor of its residuals and the b^2 that
    # an allowed b adds (on the seed, L = 2.5*(w - 1)^2 + b^2)
    e = residual_rounding(data, want["w"], want["b"])
    floor = 2 * math.sqrt(want["loss"]) * e + e * e
    floor += got["b"] ** 2 * (1 + 1e-9) if allowance["b"] else 0.0
    assert math.isclose(got["loss"], want["loss"], rel_tol=1e-9, abs_tol=floor), (got, want)
    printed = re.findall(r"^Epoch (\d+): w=(\S+), b=(\S+)$", got["stdout"], re.M)
    every = max(1, config.epochs // 10)
    assert [int(e) for e, _, _ in printed] == list(range(every, got["epochs_run"] + 1, every))
    for epoch, w, b in printed:
        row = history[int(epoch)]
        for key, text in (("w", w), ("b", b)):
            assert abs(float(text) - row[key]) <= 5e-7 + 1e-9 * abs(row[key]) + allowance[key], (
                epoch, key, text, row[key])


@pytest.mark.parametrize(("rule", "data"), CASES)
def test_numpy_script_matches_lrtui_train(rule, data, tmp_path):
    args = flags(rule, data)
    text = exported("numpy", args)
    assert "import torch" not in text
    assert_matches_train(run_script(text, tmp_path), args)


@requires_torch
@pytest.mark.parametrize(("rule", "data"), CASES)
def test_torch_script_matches_lrtui_train(rule, data, tmp_path):
    args = flags(rule, data)
    assert_matches_train(run_script(exported("torch", args), tmp_path), args)


@requires_jax
@pytest.mark.parametrize("rule", RULES)
def test_jax_script_matches_lrtui_train(rule, tmp_path):
    args = flags(rule, "synthetic")
    assert_matches_train(run_script(exported("jax", args), tmp_path), args)


@requires_tensorflow
@pytest.mark.parametrize("rule", TF_RULES)
def test_tensorflow_script_matches_lrtui_train(rule, tmp_path):
    args = flags(rule, "synthetic")
    assert_matches_train(run_script(exported("tensorflow", args), tmp_path), args)


STOPS = {  # the stopping rules, under a rule: --tol, and the divergence bound
    "converged": ["--momentum", "0.5", "--lr", "0.3", "--tol", "1e-8"],
    "diverged": ["--optimizer", "adagrad", "--lr", "1e9", "--epochs", "40"],
}


@pytest.mark.parametrize("to", ["numpy", pytest.param("torch", marks=requires_torch)])
@pytest.mark.parametrize("status", STOPS)
def test_the_scripts_stop_where_lrtui_stops(status, to, tmp_path):
    args = ["--synthetic", "200", "--noise", "0.3", "--seed", "3", *STOPS[status]]
    assert trained(tuple(args))["result"]["status"] == status
    assert_matches_train(run_script(exported(to, args), tmp_path), args)


# -- what the scripts say ----------------------------------------------------------------------


def _config(args: list[str]) -> TrainConfig:
    return load_run(build_parser().parse_args(["train", *args]))[1]


def _constructor(text: str) -> ast.Call:
    [call] = [node.value for node in ast.walk(ast.parse(text))
              if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and ast.unparse(node.value.func).startswith("torch.optim.")]
    return call


@pytest.mark.parametrize("rule", RULES)
def test_torch_script_builds_torch_optim_with_the_resolved_arguments(rule):
    args = flags(rule, "seed")
    config = _config(args)
    text = export.script(preset("seed").data, config, "torch")
    call = _constructor(text)
    assert ast.unparse(call.func) == f"torch.optim.{CLASSES[config.optimizer]}"
    assert ast.unparse(call.args[0]) == "[w, b]"
    written = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg != "lr"}
    assert ast.unparse(call.keywords[0]) == "lr=learning_rate"
    want = config.hyper.torch_kwargs()
    want["betas"] = tuple(want["betas"]) if "betas" in want else None
    assert written == {**{k: v for k, v in want.items() if v is not None}, "foreach": False}
    for line in ("optimizer.zero_grad()", "l.backward()", "optimizer.step()",
                 "dtype=torch.float64, requires_grad=True"):
        assert line in text, line
    assert "learning_rate * w.grad" not in text and "w.grad.zero_()" not in text


WRITTEN = {  # what each rule's hand-written code holds (the names torch's state uses)
    "sgd momentum": ({"momentum_buffer", "g = buf"}, {"exp_avg", "nesterov", "weight_decay"}),
    "sgd nesterov": ({"momentum_buffer", "g = g + momentum * buf"}, {"dampening", "g = buf"}),
    "sgd dampening, weight decay": ({"(1.0 - dampening) * g", "weight_decay * p"}, {"lerp"}),
    "adam": ({"exp_avg_sq", "bias_correction2", "lerp("}, {"max_exp_avg_sq", "weight_decay"}),
    "adam amsgrad": ({"max_exp_avg_sq", "g = g + weight_decay * p"}, {"AdamW", "momentum"}),
    "adamw": ({"p = p * (1.0 - learning_rate * weight_decay)", "weight_decay = 0.01"},
              {"max_exp_avg_sq", "g = g + weight_decay"}),
    "rmsprop": ({"square_avg", "np.sqrt(square_avg) + eps"}, {"grad_avg", "momentum", "lerp"}),
    "rmsprop centered, momentum": ({"grad_avg", "square_avg - grad_avg * grad_avg",
                                    "momentum_buffer"}, {"exp_avg", "weight_decay"}),
    "adagrad": ({'state["sum"]', "lr_decay = 0.1", "initial_accumulator_value = 0.5",
                 "clr"}, {"momentum", "exp_avg", "square_avg"}),
}


@pytest.mark.parametrize("rule", RULES)
def test_hand_written_rules_write_only_the_chosen_rule(rule):
    config = _config(flags(rule, "seed"))
    text = export.script(preset("seed").data, config, "numpy")
    name = CLASSES[config.optimizer]
    assert f"as\n    torch.optim.{name} computes it" in text
    assert text.startswith("# Linear regression y_hat = w*x + b, trained by full-batch ")
    assert "gradient descent" not in text.splitlines()[0]
    has, lacks = WRITTEN[rule]
    code = text[text.index("# The run's settings."):]  # (the header names every argument)
    for part in has:
        assert part in code, part
    for part in lacks:
        assert part not in code, part
    assert "w = update(w, dw, state_w)" in text and "w -= learning_rate" not in text
    for to in ("jax", "tensorflow"):  # the same code on the framework's float64 scalars
        other = export.script(preset("seed").data, config, to)
        update = text[text.index("def update"):text.index("state_w =")]
        assert update.replace("np.", {"jax": "jnp.", "tensorflow": "tf."}[to]) in other
        assert ("w.assign(update(w, dw, state_w))" if to == "tensorflow"
                else "w = update(w, dw, state_w)") in other


@pytest.mark.parametrize("rule", RULES)
def test_the_header_names_the_same_run(rule):
    args = flags(rule, "synthetic")
    config = _config(args)
    for to in export.TARGETS:
        text = exported(to, args) if to == "numpy" else export.script(
            load_run(build_parser().parse_args(["train", *args]))[0], config, to)
        line = text.split("# The same run in lrtui:\n#     ", 1)[1].split("\n", 1)[0]
        assert _config(shlex.split(line)[2:]) == config, line
        assert f"torch.optim.{CLASSES[config.optimizer]}(" in text.split("\nimport", 1)[0]


@pytest.mark.parametrize("args", [["--optimizer", "sgd", "--momentum", "0"],
                                  ["--weight-decay", "0", "--dampening", "0.5"]])
def test_plain_sgd_is_the_notes_loop_as_before(args):
    """sgd without momentum or weight decay is plain descent: the same script, byte for
    byte, as without the flags."""
    for to in export.TARGETS:
        assert exported(to, args) == exported(to, [])


def test_mini_batch_runs_are_refused_in_one_line():
    if "batch_size" not in {f.name for f in fields(TrainConfig)}:
        pytest.skip("no mini-batches in this lrtui")
    result = run_lrtui("export", "--to", "numpy", "--batch-size", "2")
    assert_usage_error(result, "full-batch", "--batch-size 2")

