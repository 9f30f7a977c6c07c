"""The engine must not pull in the UI stack: importing lrtui.engine (and training) in a fresh
interpreter leaves textual and rich out of sys.modules."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys
import lrtui.engine
from lrtui.engine import TrainConfig, Trainer, preset, synthetic
import lrtui.engine.data, lrtui.engine.model, lrtui.engine.stats, lrtui.engine.theory
import lrtui.engine.trainer
import pkgutil, importlib
for m in pkgutil.iter_modules(lrtui.engine.__path__):  # every engine module, present or future
    importlib.import_module("lrtui.engine." + m.name)
p = preset("seed")
state = Trainer(p.data, TrainConfig.from_preset(p, epochs=200)).run()
Trainer(synthetic(100, noise=0.1), TrainConfig(w0=1, b0=1, lr=0.1, epochs=50)).run()
ui = sorted(m for m in sys.modules
            if m.split(".")[0] in ("textual", "rich", "plotext", "textual_plotext"))
print(json.dumps({"ui": ui, "epoch": state.epoch, "w": state.w}))
"""


def test_engine_imports_no_ui_modules():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ui"] == []
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
