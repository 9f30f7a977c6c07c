"""`lrtui export --to jax` and `--to tensorflow`: the notes' autograd loop in JAX
(jax.value_and_grad under jax.jit, 64-bit mode on) and in TensorFlow (tf.GradientTape over
float64 tf.Variables). The scripts run here in a fresh interpreter, without lrtui, and their
final w, b and loss must equal the engine's run to 1e-9 relative, stopping at the same epoch
for the same reason. A TensorFlow script pays ~5 s to import TensorFlow, so its runs are few.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tokenize

import pytest

from lrtui import export
from lrtui.engine import TrainConfig, Trainer, load_csv, preset, synthetic
from lrtui.settings import GRAD_SOURCES

from ..framework_support import framework_marked, requires_jax, requires_tensorflow
from .conftest import run_lrtui
from .test_export import CASES, assert_same_result, csv_file, run_script

# The cases each framework's script runs, with how lrtui's run of each ends: both presets, the
# --tol rule, the divergence rule, a synthetic recipe and a CSV file read with numpy.loadtxt.
FRAMEWORK_CASES = {
    "seed": "running",
    "tutorial, tol": "converged",
    "seed, diverged": "diverged",
    "synthetic recipe": "running",
    "csv loadtxt": "running",
    "csv loadtxt, standard": "running",
}
# JAX's scripts start quickly: a few more of them (the csv module's reading, --grad autograd).
JAX_CASES = [*FRAMEWORK_CASES, "csv quoted", "synthetic recipe, no noise"]
FRAMEWORK_TARGETS = ("jax", "tensorflow")


def test_the_cases_end_as_intended(tmp_path):
    """Each case is there for its stopping rule: a case that no longer converges or diverges
    would leave that rule untested."""
    for case, status in FRAMEWORK_CASES.items():
        data, config = CASES[case](tmp_path)
        assert Trainer(data, config).run().status == status, case


@requires_jax
@pytest.mark.parametrize("case", JAX_CASES)
def test_jax_script_reproduces_the_run(case, tmp_path):
    data, config = CASES[case](tmp_path)
    text = export.script(data, config, "jax")
    assert_same_result(run_script(text, tmp_path), data, config)


@requires_tensorflow
@pytest.mark.parametrize("case", FRAMEWORK_CASES)
def test_tensorflow_script_reproduces_the_run(case, tmp_path):
    data, config = CASES[case](tmp_path)
    text = export.script(data, config, "tensorflow")
    assert_same_result(run_script(text, tmp_path), data, config)


@pytest.mark.parametrize("to", framework_marked(export.TARGETS))
def test_the_command_exports_a_script_that_matches_lrtui_train(to, tmp_path):
    """Through the installed command: `lrtui export --to TARGET` against `lrtui train --json`
    with the same flags."""
    flags = ["--synthetic", "1000", "--noise", "0.4", "--seed", "7"]
    exported = run_lrtui("export", "--to", to, *flags)
    assert exported.returncode == 0 and exported.stderr == "", exported
    trained = run_lrtui("train", "--json", "--every", "1000000", *flags)
    assert trained.returncode == 0, trained
    want = json.loads(trained.stdout)["result"]
    got = run_script(exported.stdout, tmp_path)
    assert want["status"] == "running" and got["stop"] == "ran all epochs"
    assert got["epochs_run"] == want["epochs_run"] == 500
    for key in ("w", "b", "loss"):
        assert got[key] == pytest.approx(want[key], rel=1e-9, abs=0), (key, got, want)


# -- what the scripts say ----------------------------------------------------------------------

def _code(text: str) -> str:
    """The script without its comments (the comments may say why float32 is avoided)."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return " ".join(t.string for t in tokens if t.type != tokenize.COMMENT)


def _header(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith("#")
                     ).split("# Run it with")[0]


@pytest.mark.parametrize("to", export.TARGETS)
@pytest.mark.parametrize("case", list(CASES))
def test_every_script_is_float64_throughout(to, case, tmp_path):
    data, config = CASES[case](tmp_path)
    text = export.script(data, config, to)
    compile(text, "exported.py", "exec")
    assert "float32" not in _code(text)
    assert "float16" not in text and "bfloat" not in text
    if to == "jax":
        assert 'jax.config.update("jax_enable_x64", True)' in text
        assert '"jax_enable_x64"' in _code(text)  # code, not a comment
        assert text.count("jnp.float64") >= 4  # X, Y, w, b
    if to == "tensorflow":
        assert text.count("tf.float64") >= 4


def test_jax_script_is_the_notes_grad_compiled_once():
    p = preset("seed")
    text = export.script(p.data, TrainConfig.from_preset(p), "jax")
    for line in ("import jax\n", "import jax.numpy as jnp\n",
                 "jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1)))",
                 "def loss_fn(w, b, x, y):", "return jnp.mean((y_true - y_pred) ** 2)",
                 "l, (dw, db) = loss_and_gradient(w, b, X, Y)",
                 "w = jnp.array(10.0, dtype=jnp.float64)",
                 "X = jnp.array([\n    -2.0, -1.0, 1.0, 2.0,\n], dtype=jnp.float64)",
                 "w = w - learning_rate * dw"):
        assert line in text, line
    # 64-bit mode: right after the import, before the first array, and the comment says why.
    update = text.index('jax.config.update("jax_enable_x64", True)')
    assert text.index("import jax\n") < update < text.index("jnp.array(")
    assert "float32" in text[text.rindex("import jax.numpy", 0, update):update]
    assert "compiles" in text and "once" in text  # what jit does, in a comment
    head = _header(text)
    assert "in JAX" in head and "traced function" in head
    assert "grad" in head and "jit" in head
    assert "import numpy" not in text and "import torch" not in text


def test_tensorflow_script_is_the_notes_gradient_tape():
    p = preset("tutorial")
    text = export.script(p.data, TrainConfig.from_preset(p, tol=1e-6), "tensorflow")
    for line in ("w = tf.Variable(10.0, dtype=tf.float64)",
                 "b = tf.Variable(10.0, dtype=tf.float64)",
                 "with tf.GradientTape() as tape:", "dw, db = tape.gradient(l, [w, b])",
                 "w.assign_sub(learning_rate * dw)", "b.assign_sub(learning_rate * db)",
                 "return tf.reduce_mean((y_true - y_pred) ** 2)", "], dtype=tf.float64)",
                 "tol = 1e-06", "math.hypot(float(dw), float(db)) < tol"):
        assert line in text, line
    quiet = text.index('os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")')
    assert text.index("import os\n") < quiet < text.index("import tensorflow as tf\n")
    assert "float32" in text[:text.index("w = tf.Variable")].rsplit("learning_rate", 1)[1]
    assert "tf.function" not in text  # a plain eager loop
    head = _header(text)
    assert "in TensorFlow" in head and "tape" in head
    assert "import numpy" not in text and "import jax" not in text


@pytest.mark.parametrize("to", ["torch", *FRAMEWORK_TARGETS])
@pytest.mark.parametrize("grad", GRAD_SOURCES)
def test_the_header_says_when_lrtui_took_another_gradient(to, grad):
    p = preset("seed")
    head = _header(export.script(p.data, TrainConfig.from_preset(p, grad=grad), to))
    flat = " ".join(line.lstrip("# ") for line in head.splitlines())
    assert ("to rounding" in flat) == (grad != to), flat
    if grad == "numeric":
        assert "central differences" in flat
    assert f"--grad {grad}" in flat if grad != "analytic" else "--grad" not in flat


def test_large_data_becomes_the_frameworks_arrays(tmp_path):
    config = TrainConfig(w0=0, b0=0, lr=0.1, epochs=10)
    big = synthetic(5000, slope=2.0, intercept=-1.0, noise=0.5, seed=1)
    jax_text = export.script(big, config, "jax")
    assert "rng = np.random.default_rng(1)" in jax_text and "import numpy as np" in jax_text
    assert "X, Y = jnp.array(X, dtype=jnp.float64), jnp.array(Y, dtype=jnp.float64)" \
        in jax_text
    data = load_csv(csv_file(tmp_path, 1500), "height", "weight")
    tf_text = export.script(data, config, "tensorflow")
    assert "np.loadtxt(" in tf_text and "import numpy as np\n" in tf_text
    assert "X, Y = tf.constant(X, dtype=tf.float64), tf.constant(Y, dtype=tf.float64)" \
        in tf_text
    # numpy is imported before the data is read, and before TensorFlow's settings.
    assert tf_text.index("import numpy") < tf_text.index("os.environ") < \
        tf_text.index("np.loadtxt")
    for text in (jax_text, tf_text):
        assert len(text) < 7000  # made or read, not written out


def test_exporting_does_not_import_the_frameworks():
    """Writing a JAX or TensorFlow script needs neither installed."""
    code = ("import sys\n"
            "from lrtui import export\n"
            "from lrtui.engine import TrainConfig, preset\n"
            "p = preset('seed')\n"
            "for to in ('jax', 'tensorflow'):\n"
            "    export.script(p.data, TrainConfig.from_preset(p, grad=to), to)\n"
            "print(sorted(m for m in ('jax', 'tensorflow', 'torch') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
