"""`lrtui export` for a run with one of torch.optim's update rules (`--optimizer`, momentum,
weight decay, ...; anything but plain gradient descent, whose scripts are the notes' loop).

The PyTorch script builds the torch.optim optimizer itself, with the run's hyper-parameters
written out (`foreach=False`: torch's one-tensor-at-a-time code path, which lrtui's rules
follow). The NumPy, JAX and TensorFlow scripts write the chosen rule out by hand, as an
`update(p, g, state)` function applied to w and to b, with the operations in the order of
lrtui/engine/rules.py (and so of torch 2.x): they round as lrtui does. Only the chosen rule's
code is written, and only the branches its settings take.
"""

from __future__ import annotations

from typing import Any

from lrtui.engine.rules import Hyper
from lrtui.engine.state import TrainConfig
from lrtui.export_data import literal

CLASSES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
           "adagrad": "Adagrad"}
# Each hand-written target's float64 square root, element-wise maximum, and float64 scalar.
SQRT = {"numpy": "np.sqrt", "jax": "jnp.sqrt", "tensorflow": "tf.sqrt"}
MAXIMUM = {"numpy": "np.maximum", "jax": "jnp.maximum", "tensorflow": "tf.maximum"}
SCALAR = {"numpy": "{}", "jax": "jnp.array({}, dtype=jnp.float64)",
          "tensorflow": "tf.constant({}, dtype=tf.float64)"}
_DEFAULTS = Hyper()


def _python(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_python(v) for v in value) + ")"
    return literal(value)


def kwargs_text(h: Hyper) -> str:
    """torch.optim's keyword arguments for the rule (all but lr), resolved, as Python."""
    return ", ".join(f"{k}={_python(v)}" for k, v in h.torch_kwargs().items())


def describe(h: Hyper) -> str:
    """The rule and its hyper-parameters in a phrase: `torch.optim.Adam(betas=..., ...)`."""
    return f"torch.optim.{CLASSES[h.optimizer]}({kwargs_text(h)})"


def rule_flags(config: TrainConfig) -> list[str]:
    """The `lrtui train` flags of the run's rule (none for plain gradient descent): the
    rule, and each hyper-parameter that is not lrtui's default."""
    h = config.hyper
    if h.is_plain:
        return []
    flags = ["--optimizer", h.optimizer]
    for name in ("momentum", "dampening", "weight_decay", "eps", "alpha", "lr_decay",
                 "initial_accumulator"):
        value = getattr(h, name)
        if value is not None and value != getattr(_DEFAULTS, name):
            flags += ["--" + name.replace("_", "-"), literal(value)]
    if (h.beta1, h.beta2) != (_DEFAULTS.beta1, _DEFAULTS.beta2):
        flags += ["--betas", literal(h.beta1), literal(h.beta2)]
    return flags + [f"--{name}" for name in ("nesterov", "amsgrad", "centered")
                    if getattr(h, name)]


def title(h: Hyper) -> str:
    """The rule's name in the scripts' first line: 'Adam (torch.optim.Adam)'."""
    name = CLASSES[h.optimizer]
    if h.optimizer == "sgd":
        name = ("SGD with Nesterov momentum" if h.nesterov else "SGD with momentum"
                if h.mu != 0.0 else "SGD with weight decay")
    elif h.optimizer in ("adam", "adamw") and h.amsgrad:
        name += " (AMSGrad)"
    elif h.optimizer == "rmsprop" and h.centered:
        name = "centered RMSprop"
    return name


# -- PyTorch: torch.optim itself --------------------------------------------------------------


def torch_optimizer(config: TrainConfig) -> list[str]:
    """The lines that build the run's torch.optim optimizer on [w, b]."""
    h = config.hyper
    head = f"optimizer = torch.optim.{CLASSES[h.optimizer]}("
    args = ["[w, b]", "lr=learning_rate", *kwargs_text(h).split(", "), "foreach=False"]
    lines, line = [], head
    for i, arg in enumerate(args):
        text = arg + (")" if i == len(args) - 1 else ",")
        if len(line) + len(text) + 1 > 92 and line != head:
            lines.append(line.rstrip())
            line = " " * len(head)
        line += text + " "
    lines.append(line.rstrip())
    return [
        f"# The update rule: torch.optim.{CLASSES[h.optimizer]} itself, on [w, b], with the "
        "run's hyper-parameters",
        "# written out (torch's defaults included). foreach=False: the one-tensor-at-a-time",
        "# code path, which lrtui's rules follow operation by operation.",
        *lines,
    ]


# -- NumPy, JAX, TensorFlow: the rule by hand -------------------------------------------------


def hyper_lines(config: TrainConfig) -> list[str]:
    """The rule's hyper-parameters as the script's settings (only those its code uses)."""
    h = config.hyper
    name = h.optimizer
    lines = [f"# The update rule's hyper-parameters (torch.optim.{CLASSES[name]}'s names)."]
    if name in ("adam", "adamw"):
        lines += [f"beta1, beta2 = {literal(h.beta1)}, {literal(h.beta2)}"
                  "  # the running averages' decay rates"]
    if name == "rmsprop":
        lines.append(f"alpha = {literal(h.alpha)}  # the running averages' decay rate")
    if h.mu != 0.0:
        lines.append(f"momentum = {literal(h.mu)}")
    if name == "sgd" and h.mu != 0.0 and h.dampening != 0.0:
        lines.append(f"dampening = {literal(h.dampening)}")
    if name == "adagrad":
        if h.lr_decay != 0.0:
            lines.append(f"lr_decay = {literal(h.lr_decay)}")
        lines.append(f"initial_accumulator_value = {literal(h.initial_accumulator)}")
    if name != "sgd":
        lines.append(f"eps = {literal(h.epsilon)}  # keeps the denominator off zero")
    if h.wd != 0.0:
        lines.append(f"weight_decay = {literal(h.wd)}")
    return lines


_LERP = '''

def lerp(start, end, weight):
    """torch.lerp: start + weight*(end - start), computed as torch computes it (from the end
    when weight >= 0.5; the same number in exact arithmetic, not always in float64)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)
'''


def _decay(h: Hyper, coupled: bool = True) -> list[str]:
    if h.wd == 0.0:
        return []
    if not coupled:
        return ["p = p * (1.0 - learning_rate * weight_decay)  # AdamW: p shrinks first "
                "(decoupled decay)"]
    return ["g = g + weight_decay * p  # weight decay: the L2 penalty's gradient, added to g"]


def _sgd(h: Hyper, sqrt: str, maximum: str) -> list[str]:
    code = _decay(h)
    if h.mu == 0.0:
        return code + ["return p - learning_rate * g"]
    keep = " + (1.0 - dampening) * g" if h.dampening != 0.0 else " + g"
    code += [
        'buf = state["momentum_buffer"]',
        "if buf is None:",
        "    buf = g  # the first step: the buffer starts as the gradient itself",
        "else:",
        f"    buf = buf * momentum{keep}",
        'state["momentum_buffer"] = buf',
    ]
    if h.nesterov:
        code.append("g = g + momentum * buf  # Nesterov: the step looks ahead along the buffer")
    else:
        code.append("g = buf  # the step follows the buffer")
    return code + ["return p - learning_rate * g"]


def _adam(h: Hyper, sqrt: str, maximum: str) -> list[str]:
    code = ['state["step"] += 1', 't = state["step"]']
    code += _decay(h, coupled=h.optimizer == "adam")
    code += [
        "# The running averages of the gradient (m) and of its square (v)",
        'exp_avg = lerp(state["exp_avg"], g, 1.0 - beta1)  # m = beta1*m + (1 - beta1)*g',
        'exp_avg_sq = state["exp_avg_sq"] * beta2 + (1.0 - beta2) * g * g',
        'state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq',
        "# Bias corrections: m and v start at 0, and these factors undo the early shrinkage",
        "bias_correction1 = 1.0 - beta1 ** t",
        "bias_correction2 = 1.0 - beta2 ** t",
        "step_size = learning_rate / bias_correction1",
    ]
    v = "exp_avg_sq"
    if h.amsgrad:
        code += ["# AMSGrad: the largest v so far (before its bias correction)",
                 f'max_exp_avg_sq = {maximum}(state["max_exp_avg_sq"], exp_avg_sq)',
                 'state["max_exp_avg_sq"] = max_exp_avg_sq']
        v = "max_exp_avg_sq"
    return code + [f"denom = {sqrt}({v}) / bias_correction2 ** 0.5 + eps  # eps outside the root",
                   "return p - step_size * exp_avg / denom"]


def _rmsprop(h: Hyper, sqrt: str, maximum: str) -> list[str]:
    code = _decay(h) + [
        'square_avg = state["square_avg"] * alpha + (1.0 - alpha) * g * g  # the mean of g^2',
        'state["square_avg"] = square_avg',
    ]
    if h.centered:
        code += ['grad_avg = lerp(state["grad_avg"], g, 1.0 - alpha)  # the mean of g',
                 'state["grad_avg"] = grad_avg',
                 "# centered: the root of the variance, mean(g^2) - mean(g)^2",
                 f"avg = {sqrt}(square_avg - grad_avg * grad_avg) + eps"]
    else:
        code.append(f"avg = {sqrt}(square_avg) + eps  # eps outside the root")
    if h.mu > 0.0:
        return code + ['buf = state["momentum_buffer"] * momentum + g / avg',
                       'state["momentum_buffer"] = buf',
                       "return p - learning_rate * buf"]
    return code + ["return p - learning_rate * g / avg"]


def _adagrad(h: Hyper, sqrt: str, maximum: str) -> list[str]:
    code = []
    rate = "learning_rate"
    if h.lr_decay != 0.0:
        code += ['state["step"] += 1',
                 'clr = learning_rate / (1 + (state["step"] - 1) * lr_decay)  # the decayed rate']
        rate = "clr"
    return code + _decay(h) + [
        'state_sum = state["sum"] + g * g  # the sum of the squared gradients',
        'state["sum"] = state_sum',
        f"return p - {rate} * g / ({sqrt}(state_sum) + eps)  # eps outside the root",
    ]


_BODIES = {"sgd": _sgd, "adam": _adam, "adamw": _adam, "rmsprop": _rmsprop,
           "adagrad": _adagrad}


def _state(h: Hyper) -> list[str]:
    """The names of the state torch keeps for a parameter under this rule (as the code above
    uses it): the step count, and the buffers."""
    name = h.optimizer
    if name == "sgd":
        return ["momentum_buffer"] if h.mu != 0.0 else []
    if name in ("adam", "adamw"):
        return ["step", "exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if h.amsgrad else [])
    if name == "rmsprop":
        return (["square_avg"] + (["momentum_buffer"] if h.mu > 0.0 else [])
                + (["grad_avg"] if h.centered else []))
    return (["step"] if h.lr_decay != 0.0 else []) + ["sum"]


def rule_code(config: TrainConfig, to: str) -> str:
    """The rule's functions (lerp, when it takes one, and update) and each parameter's state,
    on `to`'s float64 scalars: after the model, before the training loop."""
    h = config.hyper
    name = CLASSES[h.optimizer]
    kind = title(h)
    code = _BODIES[h.optimizer](h, SQRT[to], MAXIMUM[to])
    state = _state(h)
    text = _LERP if "lerp(" in " ".join(code) else ""
    holds = "its step count and buffers" if "step" in state else "its buffers"
    first = f'    """One step of {kind} on one parameter p, given its gradient g, as'
    if state:
        doc = [first, f"    torch.optim.{name} computes it. state is p's state ({holds}, as",
               '    optimizer.state[p] keeps them); it is updated here. Returns the new p."""']
    else:
        doc = [first, f"    torch.optim.{name} computes it (it keeps no state here). Returns "
               'the new p."""']
    text += "\n\ndef update(p, g, state):\n" + "\n".join(doc) + "\n"
    text += "".join(f"    {line}\n" for line in code)
    zero = SCALAR[to].format("0.0")
    start = {"step": "0", "sum": SCALAR[to].format("initial_accumulator_value"),
             # SGD's buffer: None until the first step makes it
             "momentum_buffer": "None" if h.optimizer == "sgd" else "zero"}
    items = [f'"{key}": {start.get(key, "zero")}' for key in state]
    if to == "numpy":
        items = [item.replace("zero", "0.0") for item in items]
    if not state:
        text += f"\n\n# {kind} keeps no state here: an empty one for each parameter.\n"
    else:
        held = ["the step count" if "step" in state else "",
                "the momentum buffer, made at the first step" if h.optimizer == "sgd"
                else "the sum of squared gradients, from initial_accumulator_value"
                if "sum" in state else "the buffers, zero at the start"]
        text += ("\n\n# Each parameter's own state, as torch.optim keeps it (optimizer.state[p]):"
                 f"\n# {' and '.join(filter(None, held))}.\n")
        if any('": zero' in item for item in items):
            text += f"zero = {zero}  # (never changed in place: safe to share)\n"
    return text + "state_w = {" + ", ".join(items) + "}\nstate_b = dict(state_w)\n"


def loop_update(config: TrainConfig, to: str) -> str:
    """The training loop's update lines (indented), by the rule's update() above."""
    kind = title(config.hyper)
    if to == "tensorflow":
        return (f"    # Update parameters: one step of {kind} on each (update() above), then\n"
                "    # assigned to the variables\n"
                "    w.assign(update(w, dw, state_w))\n"
                "    b.assign(update(b, db, state_b))\n")
    return (f"    # Update parameters: one step of {kind} on each (update() above)\n"
            "    w = update(w, dw, state_w)\n"
            "    b = update(b, db, state_b)\n")
