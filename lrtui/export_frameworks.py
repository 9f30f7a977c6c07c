"""`lrtui export --to {torch,jax,tensorflow}`: the parts of the script that differ by framework.

Each is the notes' autograd loop in float64, in the framework's own idiom: PyTorch builds a
graph as the forward pass runs and `l.backward()` walks it back; JAX transforms a function of
(w, b) with `jax.value_and_grad` and compiles it with `jax.jit`; TensorFlow records the forward
pass on a `tf.GradientTape` and `tape.gradient` plays it back. export.py puts the pieces
together with the parts all targets share (header, data, settings, stopping rules, output).
"""

from __future__ import annotations

from lrtui.engine.state import TrainConfig
from lrtui.export_data import literal

FRAMEWORK_TARGETS = ("torch", "jax", "tensorflow")

# How each framework script takes its gradients (for the header).
RULE = {
    "torch": "PyTorch's autograd",
    "jax": "JAX's jax.value_and_grad",
    "tensorflow": "TensorFlow's tf.GradientTape",
}

# How each framework records the computation it differentiates (for the header).
RECORDS = {
    "torch": "PyTorch records the computation as a dynamic graph, built as the forward pass "
             "runs; l.backward() walks it back",
    "jax": "JAX records the computation as a traced function, transformed by grad "
           "(jax.value_and_grad) and compiled by jit (jax.jit)",
    "tensorflow": "TensorFlow records the computation on a tape: the operations run inside "
                  "the tf.GradientTape block, played back by tape.gradient",
}

# The imports after the standard library's and numpy's.
IMPORTS = {
    "torch": ["import torch"],
    "jax": [
        "import jax",
        "import jax.numpy as jnp",
        "",
        "# Now, right after importing jax and before any array is made: without it JAX computes",
        "# in float32 (its default; arrays made earlier stay float32), and the run would not",
        "# match lrtui's float64 one.",
        'jax.config.update("jax_enable_x64", True)',
    ],
    "tensorflow": [
        "# Before TensorFlow is imported: keep its C++ start-up notes off the output (errors",
        "# only), and leave its oneDNN rewrites off (they announce themselves on import, and",
        "# change how sums round).",
        'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")',
        'os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")',
        "import tensorflow as tf",
    ],
}

# The mean squared error's expression, in each target's arrays.
MEAN = {
    "numpy": "((y_true - y_pred) ** 2).mean()",
    "torch": "((y_true - y_pred) ** 2).mean()",
    "jax": "jnp.mean((y_true - y_pred) ** 2)",
    "tensorflow": "tf.reduce_mean((y_true - y_pred) ** 2)",
}

# The loss at the start, as a Python float (for the divergence bound).
START_LOSS = {
    "torch": "loss(Y, forward(X, w, b)).item()",
    "jax": "float(loss(Y, forward(X, w, b)))",
    "tensorflow": "float(loss(Y, forward(X, w, b)))",
}


def params(config: TrainConfig, to: str) -> list[str]:
    """The lines that make w and b, at lrtui's start, in float64."""
    w0, b0 = literal(config.w0), literal(config.b0)
    if to == "torch":
        return [
            "# The parameters, with gradient tracking (the notes start from torch.randn;",
            "# this run starts where lrtui's did).",
            f"w = torch.tensor({w0}, dtype=torch.float64, requires_grad=True)",
            f"b = torch.tensor({b0}, dtype=torch.float64, requires_grad=True)",
        ]
    if to == "jax":
        return [
            "# The parameters, as float64 arrays. JAX arrays cannot be changed: each update",
            "# makes new ones.",
            f"w = jnp.array({w0}, dtype=jnp.float64)  # the starting weight",
            f"b = jnp.array({b0}, dtype=jnp.float64)  # and bias",
        ]
    return [
        "# The parameters, as variables that the tape watches (the notes' tf.Variable(2.0)),",
        "# in float64: TensorFlow's default is float32, too coarse to match lrtui's run.",
        f"w = tf.Variable({w0}, dtype=tf.float64)  # the starting weight",
        f"b = tf.Variable({b0}, dtype=tf.float64)  # and bias",
    ]


# After the model and the loss: the JAX script's transformed, compiled loss.
TRANSFORM = {
    "jax": '''

def loss_fn(w, b, x, y):
    """The loss as a function of the parameters w and b (and of the data, passed in)."""
    return loss(y, forward(x, w, b))


# As the notes' df_dx = jax.grad(f), but for two arguments and with the value too:
# jax.value_and_grad(loss_fn, argnums=(0, 1)) is a new function that returns loss_fn's value
# and its gradient with respect to arguments 0 and 1, (dL/dw, dL/db); JAX traces loss_fn and
# transforms the trace. jax.jit compiles that function with XLA once, at its first call, and
# every later call runs the compiled code (the data are arguments, so any data size compiles
# the same small program).
loss_and_gradient = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1)))
''',
}


def tol_check(norm: str) -> str:
    """The loop's convergence test, on the gradient's length `norm`."""
    return f"""\
    if {norm} < tol:
        stop = f"converged at epoch {{epoch}}: the gradient's length is below {{tol:g}}"
        break

"""


# Plain gradient descent's update in the JAX and TensorFlow loops.
_PLAIN_UPDATE = {
    "jax": """\
    # Update parameters (new arrays: w and b are rebound, not changed)
    w = w - learning_rate * dw
    b = b - learning_rate * db
""",
    "tensorflow": """\
    # Update parameters (in place: w and b are variables)
    w.assign_sub(learning_rate * dw)
    b.assign_sub(learning_rate * db)
""",
}


def body(to: str, tol: bool, every: int, update: str | None = None,
         rule: str | None = None) -> str:
    """The training loop's body, and the final w, b and loss as Python floats. For a rule
    other than plain descent, `update` holds the lines that update w and b by hand (JAX,
    TensorFlow), and `rule` its name (the PyTorch script steps its torch.optim optimizer)."""
    def diverged(loss: str) -> str:
        return f"""\
    if not {loss} <= limit:  # (also true when the loss is inf or nan)
        stop = f"diverged at epoch {{epoch}}: the loss passed {{limit:g}}"
        break
"""

    def progress(w: str, b: str) -> str:
        return f"""\
    if (epoch + 1) % {every} == 0:
        print(f"Epoch {{epoch + 1}}: w={{{w}:.6f}}, b={{{b}:.6f}}")
"""

    if to == "torch" and rule:
        return f"""\
    # Forward pass
    y_predicted = forward(X, w, b)
    l = loss(Y, y_predicted)
    losses.append(l.item())
{diverged("l.item()")}
    # Backward pass
    optimizer.zero_grad()  # clear the last step's gradients (backward adds into .grad)
    l.backward()  # Compute gradients: w.grad = dL/dw, b.grad = dL/db

{tol_check("math.hypot(w.grad.item(), b.grad.item())") if tol else ""}\
    # Update parameters: one step of {rule}, from w.grad and b.grad
    optimizer.step()
    epochs_run = epoch + 1

{progress("w.item()", "b.item()")}
with torch.no_grad():
    final_loss = loss(Y, forward(X, w, b)).item()
w, b = w.item(), b.item()
"""
    if to == "torch":
        return f"""\
    # Forward pass
    y_predicted = forward(X, w, b)
    l = loss(Y, y_predicted)
    losses.append(l.item())
{diverged("l.item()")}
    # Backward pass
    l.backward()  # Compute gradients: w.grad = dL/dw, b.grad = dL/db

{tol_check("math.hypot(w.grad.item(), b.grad.item())") if tol else ""}\
    # Update parameters
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad

    # Zero gradients for the next iteration
    w.grad.zero_()
    b.grad.zero_()
    epochs_run = epoch + 1

{progress("w.item()", "b.item()")}
with torch.no_grad():
    final_loss = loss(Y, forward(X, w, b)).item()
w, b = w.item(), b.item()
"""
    if to == "jax":
        return f"""\
    # Forward and backward pass, in one compiled call: the loss and (dL/dw, dL/db)
    l, (dw, db) = loss_and_gradient(w, b, X, Y)
    losses.append(float(l))
{diverged("float(l)")}
{tol_check("math.hypot(float(dw), float(db))") if tol else ""}\
{update or _PLAIN_UPDATE["jax"]}\
    epochs_run = epoch + 1

{progress("float(w)", "float(b)")}
final_loss = float(loss(Y, forward(X, w, b)))
w, b = float(w), float(b)
"""
    return f"""\
    # Forward pass, recorded on a tape
    with tf.GradientTape() as tape:
        y_predicted = forward(X, w, b)
        l = loss(Y, y_predicted)
    losses.append(float(l))
{diverged("float(l)")}
    # Backward pass: the tape, played back, gives dL/dw and dL/db
    dw, db = tape.gradient(l, [w, b])

{tol_check("math.hypot(float(dw), float(db))") if tol else ""}\
{update or _PLAIN_UPDATE["tensorflow"]}\
    epochs_run = epoch + 1

{progress("float(w)", "float(b)")}
final_loss = float(loss(Y, forward(X, w, b)))
w, b = float(w), float(b)
"""
