"""The engine must not pull in the UI stack: importing lrtui.engine, lrtui.present, the settings,
tour, report, export, session and sweep modules (and training, a sweep, with every
gradient source but torch, and building the autograd graph) in a fresh interpreter leaves
textual and rich out of sys.modules, and the frameworks too (torch, jax, tensorflow: optional,
and loaded only for their --grad source). `lrtui train` and the app's start load none of them
either."""

import json
import os
import subprocess
import sys
from pathlib import Path

from ..framework_support import requires_torch

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys
import lrtui.engine
from lrtui.engine import TrainConfig, Trainer, preset, synthetic
import lrtui.engine.data, lrtui.engine.model, lrtui.engine.stats, lrtui.engine.theory
import lrtui.engine.trainer, lrtui.engine.autograd
import pkgutil, importlib
import lrtui.present
for package in (lrtui.engine, lrtui.present):  # every module, present or future
    for m in pkgutil.iter_modules(package.__path__):
        importlib.import_module(package.__name__ + "." + m.name)
import lrtui.settings, lrtui.tour, lrtui.report, lrtui.export, lrtui.session, lrtui.fileio
import lrtui.cli, lrtui.display, lrtui.runs, lrtui.serve, lrtui.sweep
from lrtui.present.frame import Frame, Run
from lrtui.present.view import ViewSettings
p = preset("seed")
state = Trainer(p.data, TrainConfig.from_preset(p, epochs=200)).run()
Trainer(synthetic(100, noise=0.1), TrainConfig(w0=1, b0=1, lr=0.1, epochs=50)).run()
for grad in ("numeric", "autograd"):
    g = Trainer(p.data, TrainConfig.from_preset(p, epochs=200, grad=grad)).run()
    assert g.grad == grad and abs(g.w - state.w) < 1e-12, (grad, g)
t = Trainer(p.data, TrainConfig.from_preset(p, epochs=5))
t.run()
frame = Frame.of(Run.of(t), t, ViewSettings(), playing=False)
assert frame.predicted_epochs is None  # no tol
rows = lrtui.sweep.sweep(Trainer(p.data, TrainConfig.from_preset(p, tol=1e-8)),
                         lrtui.sweep.rates(0.01, 0.5, 4))
assert rows[-1].status == "diverged" and rows[0].predicted_epochs == 434
assert frame.tangent_scene(40).point is not None and frame.gradients.driving == "analytic"
assert lrtui.tour.load_tour().stages and frame.message[1]
# the tour's framework stage is checked without loading its framework
lrtui.tour.check_tour(lrtui.tour.load_tour(), Trainer(p.data, TrainConfig.from_preset(p)))
graph = lrtui.engine.autograd.loss_graph(p.data.x, p.data.y, 10.0, 0.0)
assert [n.label for n in graph][-1] == "mean" and float(graph[-1].value) == 202.5
ui = sorted(m for m in sys.modules
            if m.split(".")[0] in ("textual", "rich", "plotext", "textual_plotext"))
optional = sorted(m for m in sys.modules
                  if m.split(".")[0] in ("torch", "jax", "jaxlib", "tensorflow", "keras"))
print(json.dumps({"ui": ui, "optional": optional, "epoch": state.epoch, "w": state.w}))
"""


def test_engine_imports_no_ui_modules():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ui"] == []
    assert result["optional"] == []
    # it really trained: w - 1 = 9*(1 - 5*0.01)^200 on the seed data
    assert result["epoch"] == 200 and abs(result["w"] - (1 + 9 * 0.95**200)) < 1e-12


def test_the_check_would_see_rich():
    """Guard: the same script does report rich once something imports it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = "import rich.text\n" + SCRIPT
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "rich" in json.loads(out.stdout)["ui"]


@requires_torch
def test_the_check_would_see_torch():
    """Guard: torch is reported once the torch source is used."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = SCRIPT + "\nTrainer(p.data, TrainConfig.from_preset(p, grad='torch')).run(3)\n" + \
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')[:1]))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == ["torch"]


FRAMEWORKS = ("torch", "jax", "jaxlib", "tensorflow", "keras")

APP_SCRIPT = r"""
import asyncio, contextlib, io, json, os, sys, tempfile
os.chdir(tempfile.mkdtemp())  # where a key that writes a file would write it
from lrtui import cli
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = cli.main(["train", "--json", "--epochs", "20"])
assert code == 0 and json.loads(out.getvalue())["result"]
from lrtui.display import AppOptions
from lrtui.engine import TrainConfig, preset
from lrtui.tui.app import make_app
p = preset("seed")

async def start():
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        await pilot.pause(0.3)
        await pilot.press("x")  # the export choice lists the frameworks without loading one
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("question_mark")  # and so does the help
        await pilot.pause()

asyncio.run(start())
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)))
""" % (FRAMEWORKS,)


def test_train_and_the_app_start_import_no_framework():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", APP_SCRIPT], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == []
