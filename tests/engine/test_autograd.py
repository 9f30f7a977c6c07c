"""lrtui's own reverse-mode autodiff (lrtui/engine/autograd.py): each operation against its
derivative worked by hand, the loss graph against the textbook and exact gradients, gradient
accumulation, and (as micrograd's test does) the same expressions run in PyTorch."""

import math
import os

import numpy as np
import pytest
from engine_reference import Exact, gradient_floor, rel_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrtui.engine import model, preset, synthetic
from lrtui.engine.autograd import (
    AutogradGradient,
    Node,
    build_loss,
    loss_graph,
    topological_order,
    zero_grad,
)
from lrtui.engine.gradients import TorchGradient

from ..framework_support import requires_torch, torch

X4 = np.array([-2.0, -1.0, 1.0, 2.0])


def leaf(value, label="a"):
    return Node(value, label, requires_grad=True)


# -- each operation, against its derivative by hand -----------------------------------------

def test_add_sub_mul_of_arrays():
    a, b = leaf([1.0, 2.0, 3.0], "a"), leaf([4.0, -5.0, 6.0], "b")
    out = ((a + b) * a - b).sum()  # sum(a^2 + a*b - b)
    out.backward()
    assert float(out.value) == (1 + 4 - 4) + (4 - 10 + 5) + (9 + 18 - 6)
    np.testing.assert_array_equal(a.grad, 2 * a.value + b.value)  # d/da = 2a + b
    np.testing.assert_array_equal(b.grad, a.value - 1)  # d/db = a - 1


@pytest.mark.parametrize("k", [2, 3, 0.5, -1])
def test_power(k):
    a = leaf([0.5, 2.0, 4.0])
    out = (a**k).sum()
    out.backward()
    np.testing.assert_allclose(out.value, np.sum(a.value**k), rtol=1e-15)
    np.testing.assert_allclose(a.grad, k * a.value ** (k - 1), rtol=1e-15)
    assert out.inputs[0].op == "pow"
    assert out.inputs[0].label == ("square" if k == 2 else f"**{k:g}")


def test_mean_negate_and_constants_on_either_side():
    a = leaf([1.0, 2.0, 3.0, 6.0])
    out = (3.0 - (-a) * 2.0 + 1.0).mean()  # mean(4 + 2a) = 4 + 2*mean(a)
    out.backward()
    assert float(out.value) == 4 + 2 * 3.0
    np.testing.assert_array_equal(a.grad, np.full(4, 2 / 4))
    out2 = (2.0 * a - 1.0).sum()
    a.zero_grad()
    out2.backward()
    np.testing.assert_array_equal(a.grad, np.full(4, 2.0))


def test_a_node_used_twice_gets_both_contributions():
    a = leaf(3.0)
    out = a * a + a  # a^2 + a: derivative 2a + 1
    out.backward()
    assert float(a.grad) == 7.0


def test_scalar_broadcast_against_an_array_sums_its_gradient():
    """w*x + b with scalar w, b: dL/dw = sum_i g_i x_i and dL/db = sum_i g_i."""
    w, b = leaf(1.5, "w"), leaf(-0.5, "b")
    x = Node(X4, "x")
    out = ((w * x + b) * Node([1.0, 10.0, 100.0, 1000.0], "g")).sum()
    out.backward()
    assert w.grad.shape == () and b.grad.shape == ()
    assert float(w.grad) == -2 * 1 - 1 * 10 + 1 * 100 + 2 * 1000
    assert float(b.grad) == 1111.0
    assert x.grad is None  # data: no gradient asked for


def test_broadcast_over_a_length_one_axis():
    row, col = leaf(np.arange(3.0).reshape(1, 3), "r"), leaf(np.arange(4.0).reshape(4, 1), "c")
    out = (row * col).sum()
    out.backward()
    assert row.grad.shape == (1, 3) and col.grad.shape == (4, 1)
    np.testing.assert_array_equal(row.grad, np.full((1, 3), 0 + 1 + 2 + 3.0))
    np.testing.assert_array_equal(col.grad, np.full((4, 1), 0 + 1 + 2.0))


def test_backward_needs_a_scalar():
    with pytest.raises(ValueError, match="scalar"):
        (leaf([1.0, 2.0]) * 2.0).backward()


def test_only_nodes_that_need_a_gradient_get_one():
    w, x = leaf(2.0, "w"), Node(X4, "x")
    c = Node(5.0, "c")
    out = (w * x).sum() + c * c
    out.backward()
    assert x.grad is None and c.grad is None and not c.requires_grad
    assert out.requires_grad and float(w.grad) == X4.sum()


# -- accumulation, as in the frameworks --------------------------------------------------------

def test_leaf_gradients_accumulate_until_zeroed():
    w, b = leaf(3.0, "w"), leaf(1.0, "b")
    loss = build_loss(Node(X4, "x"), Node(X4, "y"), w, b)
    loss.backward()
    once = (float(w.grad), float(b.grad))
    assert once == model.gradient(X4, X4, 3.0, 1.0)
    loss.backward()  # again, without zeroing: the leaves add up ...
    assert (float(w.grad), float(b.grad)) == (2 * once[0], 2 * once[1])
    # ... but an intermediate node's gradient is dL/d(node), whatever came before
    square = loss.inputs[0]
    np.testing.assert_array_equal(square.grad, np.full(4, 1 / 4))
    zero_grad([w, b])
    assert (float(w.grad), float(b.grad)) == (0.0, 0.0)
    loss.backward()
    assert (float(w.grad), float(b.grad)) == once


def test_autograd_gradient_zeroes_between_steps():
    grad = AutogradGradient(X4, X4)
    first = grad(3.0, 1.0)
    assert grad(3.0, 1.0) == first  # not doubled: zeroed after each step
    assert first == model.gradient(X4, X4, 3.0, 1.0)
    assert (float(grad.w.grad), float(grad.b.grad)) == (0.0, 0.0)


# -- the graph of the loss ------------------------------------------------------------------

def test_loss_graph_of_the_seed_start_by_hand():
    """x = -2, -1, 1, 2; y = x; w = 10, b = 0: the notes' first step, node by node."""
    p = preset("seed")
    nodes = loss_graph(p.data.x, p.data.y, 10.0, 0.0)
    by_label = {node.label: node for node in nodes}
    assert set(by_label) == {"w", "x", "w*x", "b", "+b", "y", "y - y_hat", "square", "mean"}
    assert len(nodes) == 9
    ops = {node.label: node.op for node in nodes}
    assert ops == {"w": "leaf", "x": "leaf", "b": "leaf", "y": "leaf", "w*x": "mul",
                   "+b": "add", "y - y_hat": "sub", "square": "pow", "mean": "mean"}
    inputs = {node.label: [i.label for i in node.inputs] for node in nodes}
    assert inputs["w*x"] == ["w", "x"] and inputs["+b"] == ["w*x", "b"]
    assert inputs["y - y_hat"] == ["y", "+b"] and inputs["square"] == ["y - y_hat"]
    assert inputs["mean"] == ["square"]
    L = nodes[-1]
    assert L.label == "mean" and float(L.value) == 202.5 and float(L.grad) == 1.0
    r = np.array([18.0, 9.0, -9.0, -18.0])  # y - y_hat
    np.testing.assert_array_equal(by_label["y - y_hat"].value, r)
    np.testing.assert_array_equal(by_label["square"].value, r * r)
    np.testing.assert_array_equal(by_label["square"].grad, np.full(4, 0.25))  # 1/n
    np.testing.assert_array_equal(by_label["y - y_hat"].grad, 2 * r / 4)  # 2r/n
    np.testing.assert_array_equal(by_label["+b"].grad, -2 * r / 4)  # dL/dy_hat
    np.testing.assert_array_equal(by_label["w*x"].grad, -2 * r / 4)
    assert float(by_label["w"].grad) == 45.0 and float(by_label["b"].grad) == 0.0
    assert by_label["x"].grad is None and by_label["y"].grad is None


def test_graph_is_in_topological_order():
    data = synthetic(50, noise=0.3, seed=3)
    nodes = loss_graph(data.x, data.y, 0.5, -0.25)
    position = {id(node): i for i, node in enumerate(nodes)}
    assert len(position) == len(nodes)  # each node once
    for i, node in enumerate(nodes):
        assert all(position[id(inp)] < i for inp in node.inputs), node.label
    assert topological_order(nodes[-1]) == nodes


@pytest.mark.parametrize("name", ["seed", "tutorial", "noisy"])
def test_loss_graph_gradients_are_the_exact_gradient_to_rounding(name):
    data = {"seed": lambda: preset("seed").data, "tutorial": lambda: preset("tutorial").data,
            "noisy": lambda: synthetic(300, slope=-1.5, intercept=0.5, noise=0.7, seed=9)}[name]()
    exact = Exact(data.x, data.y)
    for w, b in ((10.0, 0.0), (-2.0000001, 2.0), (0.3, -4.1)):
        nodes = loss_graph(data.x, data.y, w, b)
        grads = {node.label: float(node.grad) for node in nodes if node.label in ("w", "b")}
        ew, eb = exact.gradient(w, b)
        floor = gradient_floor(data.x, data.y, w, b)
        assert rel_close(grads["w"], ew, 1e-12, floor), (w, b, grads, float(ew))
        assert rel_close(grads["b"], eb, 1e-12, floor), (w, b, grads, float(eb))
        assert rel_close(float(nodes[-1].value), exact.loss(w, b), 1e-12,
                         floor * (1 + abs(w)) + 1e-300)


@settings(max_examples=int(os.environ.get("LRTUI_HYPOTHESIS_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(-50, 50)), min_size=1, max_size=30),
       st.floats(-20, 20), st.floats(-20, 20))
def test_autograd_equals_the_textbook_gradient_on_random_data(points, w, b):
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    got = AutogradGradient(x, y)(w, b)
    want = model.gradient(x, y, w, b)
    floor = gradient_floor(x, y, w, b)
    for g, e in zip(got, want, strict=True):
        assert math.isclose(g, e, rel_tol=1e-12, abs_tol=floor)


# -- the same expressions in PyTorch (micrograd's test, for arrays) --------------------------

def _expression(a, b, c, x):
    """Uses every operation, broadcasting, reuse of a node, constants on both sides."""
    d = a * x + b  # scalar * array + scalar
    e = (d - c) ** 2 + d * c - 3.0 * a
    f = 2.0 - e * 0.5 + (-d) ** 3 * 0.1
    return (f * f).mean() + e.sum() - (c**0.5).sum()


def _ours(values):
    a, b = Node(values["a"], "a", requires_grad=True), Node(values["b"], "b", requires_grad=True)
    c = Node(values["c"], "c", requires_grad=True)
    return _expression(a, b, c, Node(values["x"], "x")), (a, b, c)


def _theirs(values):
    a, b, c = (torch.tensor(values[k], dtype=torch.float64, requires_grad=True) for k in "abc")
    return _expression(a, b, c, torch.tensor(values["x"], dtype=torch.float64)), (a, b, c)


VALUES = dict(a=-1.25, b=0.75, c=np.array([0.5, 2.0, 3.0, 4.5]), x=X4)


@requires_torch
def test_same_expression_same_value_and_gradients_as_pytorch():
    out, (a, b, c) = _ours(VALUES)
    ref, (ta, tb, tc) = _theirs(VALUES)
    out.backward()
    ref.backward()
    assert float(out.value) == pytest.approx(ref.item(), rel=1e-13)
    for ours, theirs in ((a, ta), (b, tb), (c, tc)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


@requires_torch
def test_accumulation_across_two_backward_calls_matches_pytorch():
    out, (a, b, c) = _ours(VALUES)
    ref, (ta, tb, tc) = _theirs(VALUES)
    out.backward()
    out.backward()  # no zeroing in between
    ref.backward(retain_graph=True)
    ref.backward()
    for ours, theirs in ((a, ta), (b, tb), (c, tc)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)
    single, (a1, _, _) = _ours(VALUES)
    single.backward()
    assert float(a.grad) == pytest.approx(2 * float(a1.grad), rel=1e-15)  # really twice


@requires_torch
def test_the_loss_graph_equals_pytorch_node_by_node():
    """The notes' PyTorch regression, with the intermediate gradients kept (retain_grad)."""
    data = synthetic(40, slope=2.0, intercept=-1.0, noise=0.5, seed=11)
    w0, b0 = 0.7, 0.2
    nodes = {node.label: node for node in loss_graph(data.x, data.y, w0, b0)}
    X, Y = torch.from_numpy(data.x), torch.from_numpy(data.y)
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    wx = w * X
    y_hat = wx + b
    r = Y - y_hat
    sq = r**2
    L = sq.mean()
    for t in (wx, y_hat, r, sq):
        t.retain_grad()
    L.backward()
    for label, t in (("w*x", wx), ("+b", y_hat), ("y - y_hat", r), ("square", sq),
                     ("mean", L)):
        np.testing.assert_allclose(nodes[label].value, t.detach().numpy(), rtol=1e-13)
        want = np.ones(()) if label == "mean" else t.grad.numpy()
        np.testing.assert_allclose(nodes[label].grad, want, rtol=1e-12, atol=1e-15)
    assert float(nodes["w"].grad) == pytest.approx(w.grad.item(), rel=1e-12)
    assert float(nodes["b"].grad) == pytest.approx(b.grad.item(), rel=1e-12)
    # and the trainer's torch source gives the same numbers
    assert TorchGradient(data.x, data.y)(w0, b0) == pytest.approx(
        (w.grad.item(), b.grad.item()), rel=1e-12)
