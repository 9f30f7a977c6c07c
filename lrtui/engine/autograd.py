"""A small reverse-mode automatic differentiation over NumPy arrays: the notes' autograd, by hand.

Just enough for this model: add, subtract, multiply, power (square), negate, mean and sum,
on nodes whose values are float64 arrays or scalars (0-d arrays). On the forward pass each
operation builds its output `Node`, records its inputs and the operation's name, and attaches
a small backward closure; `Node.backward()` puts the graph in topological order and runs the
closures from the loss back to the inputs, each adding (+=) its local derivative times the
output's gradient into its inputs' gradients: the chain rule.

As in PyTorch, only nodes that need a gradient get one: a leaf made with
`requires_grad=True` (w and b), and every node computed from one (backward runs only
their closures, each given its node's gradient). A leaf's gradient
accumulates over backward calls until `zero_grad()` clears it, so a training loop zeroes the
gradients between steps, as the notes do with `w.grad.zero_()`.

A scalar times an array broadcasts (w*x is an array when w is a scalar), so the gradient
flowing back to the scalar is summed over the broadcast axes: dL/dw = sum_i dL/d(w*x)_i * x_i.

`loss_graph(x, y, w, b)` builds L = mean((y - (w*x + b))**2), runs backward and returns its
nodes in topological order: the graph as data, for a view to draw.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

Number = float | int | np.ndarray


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`: the gradient of a value that was broadcast to grad's shape."""
    while grad.ndim > len(shape):  # axes that broadcasting added in front
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):  # axes of length 1 that broadcasting stretched
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Node:
    """One value in the graph: what it is (`value`), how it was made (`op` from `inputs`),
    a short `label` for drawing, and dL/d(this node) in `grad` (None when not needed)."""

    __slots__ = ("value", "grad", "op", "inputs", "label", "requires_grad", "_backward")

    def __init__(self, value: Number, label: str = "", *, requires_grad: bool = False,
                 op: str = "leaf", inputs: tuple["Node", ...] = ()) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.label = label
        self.op = op
        self.inputs = inputs
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = np.zeros_like(self.value) if requires_grad else None
        self._backward: Callable[[np.ndarray], None] = lambda grad: None

    def __repr__(self) -> str:
        return f"Node({self.label or self.op}, value={self.value!r}, grad={self.grad!r})"

    @property
    def is_leaf(self) -> bool:
        return not self.inputs

    def named(self, label: str) -> "Node":
        """Give the node a label for drawing (returns the node, so it can be chained)."""
        self.label = label
        return self

    # -- building ------------------------------------------------------------------------

    def _result(self, value: np.ndarray, op: str, inputs: tuple["Node", ...],
                label: str) -> "Node":
        needs = any(node.requires_grad for node in inputs)
        return Node(value, label, requires_grad=needs, op=op, inputs=inputs)

    @staticmethod
    def _accumulate(node: "Node", grad: np.ndarray) -> None:
        if node.grad is not None:  # exactly when node.requires_grad
            node.grad += _unbroadcast(grad, node.value.shape)

    def __add__(self, other: "Node | Number") -> "Node":
        other = _as_node(other)
        out = self._result(self.value + other.value, "add", (self, other),
                           f"{self.label}+{other.label}")

        def backward(grad: np.ndarray) -> None:  # d(a+b)/da = 1, d(a+b)/db = 1
            Node._accumulate(self, grad)
            Node._accumulate(other, grad)

        out._backward = backward
        return out

    def __sub__(self, other: "Node | Number") -> "Node":
        other = _as_node(other)
        out = self._result(self.value - other.value, "sub", (self, other),
                           f"{self.label} - {other.label}")

        def backward(grad: np.ndarray) -> None:  # d(a-b)/da = 1, d(a-b)/db = -1
            Node._accumulate(self, grad)
            Node._accumulate(other, -grad)

        out._backward = backward
        return out

    def __mul__(self, other: "Node | Number") -> "Node":
        other = _as_node(other)
        out = self._result(self.value * other.value, "mul", (self, other),
                           f"{self.label}*{other.label}")

        def backward(grad: np.ndarray) -> None:  # d(a*b)/da = b, d(a*b)/db = a
            if self.requires_grad:
                Node._accumulate(self, other.value * grad)
            if other.requires_grad:
                Node._accumulate(other, self.value * grad)

        out._backward = backward
        return out

    def __pow__(self, k: float) -> "Node":
        if isinstance(k, Node):
            raise TypeError("only a constant power is supported")
        k = float(k)
        out = self._result(self.value**k, "pow", (self,), "square" if k == 2 else f"**{k:g}")

        def backward(grad: np.ndarray) -> None:  # d(a^k)/da = k*a^(k-1)
            local = 2.0 * self.value if k == 2 else k * self.value ** (k - 1)
            Node._accumulate(self, local * grad)

        out._backward = backward
        return out

    def __neg__(self) -> "Node":
        out = self._result(-self.value, "neg", (self,), f"-{self.label}")

        def backward(grad: np.ndarray) -> None:  # d(-a)/da = -1
            Node._accumulate(self, -grad)

        out._backward = backward
        return out

    def __radd__(self, other: Number) -> "Node":
        return _as_node(other) + self

    def __rsub__(self, other: Number) -> "Node":
        return _as_node(other) - self

    def __rmul__(self, other: Number) -> "Node":
        return _as_node(other) * self

    def sum(self) -> "Node":
        out = self._result(self.value.sum(), "sum", (self,), "sum")

        def backward(grad: np.ndarray) -> None:  # d(sum a)/da_i = 1
            Node._accumulate(self, np.broadcast_to(grad, self.value.shape))

        out._backward = backward
        return out

    def mean(self) -> "Node":
        n = self.value.size
        out = self._result(self.value.mean(), "mean", (self,), "mean")

        def backward(grad: np.ndarray) -> None:  # d(mean a)/da_i = 1/n
            Node._accumulate(self, np.broadcast_to(grad / n, self.value.shape))

        out._backward = backward
        return out

    # -- differentiating -----------------------------------------------------------------

    def backward(self) -> None:
        """dL/d(node) for every node this one was computed from, L being this node.

        The gradients of intermediate nodes are recomputed from zero; those of leaves
        accumulate (+=) onto what they held, as in PyTorch.
        """
        if self.value.ndim != 0:
            raise ValueError("backward() starts from a scalar (such as the loss)")
        order = topological_order(self)
        for node in order:
            if node.requires_grad and not node.is_leaf:
                node.grad = np.zeros_like(node.value)
        if self.requires_grad:
            self.grad = np.ones_like(self.value)  # dL/dL = 1
        for node in reversed(order):
            if node.grad is not None:  # a node that needs no gradient passes none back
                node._backward(node.grad)

    def zero_grad(self) -> None:
        if self.requires_grad:
            self.grad = np.zeros_like(self.value)


def _as_node(value: "Node | Number") -> Node:
    if isinstance(value, Node):
        return value
    return Node(value, f"{float(value):g}" if np.ndim(value) == 0 else "const", op="const")


def topological_order(root: Node) -> list[Node]:
    """The nodes `root` was computed from, and root last: every node after its inputs."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:  # depth first without recursion: a node goes out once its inputs are out
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.inputs) if id(child) not in seen)
    return order


def zero_grad(nodes: Iterable[Node]) -> None:
    for node in nodes:
        node.zero_grad()


# -- the model's loss ---------------------------------------------------------------------


def build_loss(x: Node, y: Node, w: Node, b: Node) -> Node:
    """L = mean((y - (w*x + b))**2), with the labels a graph view shows."""
    y_hat = (w * x).named("w*x") + b
    residual = y - y_hat.named("+b")
    return (residual.named("y - y_hat") ** 2).named("square").mean().named("mean")


def loss_graph(x: np.ndarray, y: np.ndarray, w: float, b: float) -> list[Node]:
    """The graph of L at (w, b), after backward: its nodes in topological order, L last.

    The nodes are w, x, w*x, b, +b (y_hat), y, y - y_hat, square and mean (L). Each holds
    its forward value and, for w, b and every node computed from them, dL/d(node); the data
    x and y need no gradient and hold None.
    """
    nodes = (Node(w, "w", requires_grad=True), Node(x, "x"), Node(b, "b", requires_grad=True),
             Node(y, "y"))
    w_node, x_node, b_node, y_node = nodes
    loss = build_loss(x_node, y_node, w_node, b_node)
    loss.backward()
    return topological_order(loss)


class AutogradGradient:
    """(dL/dw, dL/db) at (w, b) by building the graph and running backward: O(N) per step.

    w and b are leaves that live across steps, like a framework's parameters; their
    gradients are zeroed after each step (else the next backward would add onto them).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = Node(x, "x")
        self.y = Node(y, "y")
        self.w = Node(0.0, "w", requires_grad=True)
        self.b = Node(0.0, "b", requires_grad=True)

    def __call__(self, w: float, b: float) -> tuple[float, float]:
        self.w.value = np.asarray(w, dtype=np.float64)
        self.b.value = np.asarray(b, dtype=np.float64)
        build_loss(self.x, self.y, self.w, self.b).backward()
        w_grad, b_grad = self.w.grad, self.b.grad
        assert w_grad is not None and b_grad is not None  # leaves made with requires_grad
        dw, db = float(w_grad), float(b_grad)
        zero_grad((self.w, self.b))
        return dw, db
