"""GradientDescent: the course's steps in arrays made once (issue 9).

The reference is the course's loop written from its formulas (tests/test_course_arithmetic.py's
course_loop, nothing from init_utils): GradientDescent must follow it bit for bit. The other tests
check what a confused caller meets: steps out of order, unusable inputs, and arrays that must not be
shared with the caller.
"""

import numpy as np
import pytest
from test_course_arithmetic import NAMES, assert_bitwise_equal, course_loop

from init_utils import GradientDescent, cross_entropy_from_logits, initialize_parameters


def circles_like(m=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(2, m)
    Y = (np.sum(X ** 2, axis=0, keepdims=True) > 1.4).astype(float)
    return X, Y


def descend(X, Y, parameters, learning_rate, num_iterations, every=100):
    """The loop of the lesson's model(): (trained parameters, the cost every `every` iterations)."""
    descent = GradientDescent(X, Y, parameters, learning_rate)
    costs = []
    for i in range(num_iterations):
        descent.forward()
        if i % every == 0:
            costs.append(descent.cost())
        descent.backward()
        descent.update()
    return descent.parameters(), costs


@pytest.mark.parametrize("method, scale", [("he", 1.0), ("random", 1.0), ("he", 1e-3)])
def test_follows_the_course_loop_bit_for_bit(method, scale, dataset):
    """2 000 steps on the circles (the x10 start is chaotic: any other rounding parts ways within a few
    hundred steps) and on other data, at another learning rate: every weight equal to the course's."""
    train_X, train_Y, _, _ = dataset
    for X, Y, learning_rate in ((train_X, train_Y, 0.01), (*circles_like(), 0.3)):
        start = initialize_parameters([2, 10, 5, 1], method, seed=3)
        start = {key: value * scale for key, value in start.items()}
        expected, logits = course_loop(X, Y, start, learning_rate, num_iterations=2000)
        got, costs = descend(X, Y, start, learning_rate, 2000)
        assert_bitwise_equal(got, expected, f"{method} x{scale}, learning rate {learning_rate}")
        assert costs == [cross_entropy_from_logits(z3, Y) for z3 in logits]


def test_other_layer_sizes_and_one_example():
    """Any [n_x, n_1, n_2, 1] network, down to a single example, follows the course loop."""
    rng = np.random.RandomState(5)
    for dims, m in (([3, 7, 4, 1], 50), ([2, 1, 1, 1], 1), ([5, 20, 12, 1], 9)):
        X = rng.randn(dims[0], m)
        Y = (rng.rand(1, m) > 0.5).astype(float)
        start = initialize_parameters(dims, "he", seed=1)
        expected, _ = course_loop(X, Y, start, 0.05, num_iterations=300)
        got, _ = descend(X, Y, start, 0.05, 300)
        assert_bitwise_equal(got, expected, f"{dims}, m = {m}")


def test_the_caller_s_arrays_are_never_shared():
    X, Y = circles_like()
    start = initialize_parameters([2, 10, 5, 1], "he")
    before = {key: value.copy() for key, value in start.items()}
    descent = GradientDescent(X, Y, start, 0.01)
    for _ in range(3):
        descent.forward()
        descent.backward()
        descent.update()
    assert_bitwise_equal(start, before, "the starting parameters")          # not changed by training
    first = descent.parameters()
    first["W1"][:] = 0.0                                                      # changing a result ...
    assert not np.array_equal(descent.parameters()["W1"], first["W1"])      # ... does not change the descent
    assert list(first) == list(NAMES)


@pytest.mark.parametrize("steps, call, message", [
    ([], "backward", r"backward\(\) needs forward\(\) first.*no step has run yet"),
    ([], "update", r"update\(\) needs backward\(\) first"),
    ([], "cost", r"cost\(\) needs forward\(\) first"),
    (["forward"], "update", r"update\(\) needs backward\(\) first.*the last step was forward\(\)"),
    (["forward", "backward", "update"], "backward", r"backward\(\) needs forward\(\) first.*last step was update"),
    (["forward", "backward", "update"], "update", r"update\(\) needs backward\(\) first"),
    (["forward", "backward", "update"], "cost", r"cost\(\) needs forward\(\) first"),
])
def test_steps_out_of_order_raise_and_change_nothing(steps, call, message):
    """A step that would read arrays the iteration has not filled yet (or filled for other weights) raises."""
    X, Y = circles_like()
    descent = GradientDescent(X, Y, initialize_parameters([2, 10, 5, 1], "he"), 0.01)
    for step in steps:
        getattr(descent, step)()
    before = descent.parameters()
    with pytest.raises(RuntimeError, match=message):
        getattr(descent, call)()
    assert_bitwise_equal(descent.parameters(), before, "after the refused step")


def test_forward_twice_and_cost_after_backward_are_fine():
    X, Y = circles_like()
    start = initialize_parameters([2, 10, 5, 1], "he")
    descent = GradientDescent(X, Y, start, 0.01)
    descent.forward()
    descent.forward()
    descent.backward()
    z3 = np.dot(start["W3"], np.maximum(0, np.dot(start["W2"], np.maximum(0, np.dot(start["W1"], X)))))
    assert descent.cost() == pytest.approx(cross_entropy_from_logits(z3, Y), rel=1e-12)


def bad_inputs():
    X, Y = circles_like()
    p = initialize_parameters([2, 10, 5, 1], "he")
    deeper = initialize_parameters([2, 10, 5, 3, 1], "he")
    two_outputs = initialize_parameters([2, 10, 5, 2], "he")
    with_nan = dict(p, W2=np.where(np.arange(50).reshape(5, 10) == 7, np.nan, p["W2"]))
    return [
        ("X transposed", (X.T, Y, p, 0.01), r"X has shape \(300, 2\), which looks like \(m, n_x\)"),
        ("X a list", (X.tolist(), Y, p, 0.01), r"X must be a numpy array .* got a list"),
        ("Y 1-D", (X, Y.ravel(), p, 0.01), r"Y must be a 2-D array"),
        ("Y of other labels", (X, 2 * Y, p, 0.01), r"Y must hold only the labels 0 and 1"),
        ("Y too short", (X, Y[:, :10], p, 0.01), r"different numbers of examples"),
        ("parameters None", (X, Y, None, 0.01), r"parameters is a NoneType"),
        ("W1 None", (X, Y, dict(p, W1=None), 0.01), r"W1 = None"),
        ("W1 transposed", (X, Y, dict(p, W1=p["W1"].T.copy()), 0.01), r"W1 of shape \(2, 10\).*transposed"),
        ("b1 1-D", (X, Y, dict(p, b1=p["b1"].ravel()), 0.01), r"b1 of shape \(10,\)"),
        ("float32", (X, Y, dict(p, W2=p["W2"].astype(np.float32)), 0.01), r"W2 holding lower-precision floats"),
        ("NaN weight", (X, Y, with_nan, 0.01), r"W2 holding 1 NaN or infinite value"),
        ("four layers", (X, Y, deeper, 0.01), r"GradientDescent: parameters must hold exactly W1, b1, W2, b2, W3, b3"),
        ("two outputs", (X, Y, two_outputs, 0.01), r"GradientDescent: W3 has shape \(2, 5\); it needs shape \(1, 5\)"),
        ("learning rate 0", (X, Y, p, 0), r"learning_rate must be a positive finite number"),
        ("learning rate NaN", (X, Y, p, float("nan")), r"learning_rate must be a positive finite number"),
        ("learning rate True", (X, Y, p, True), r"learning_rate must be a positive finite number"),
        ("learning rate a string", (X, Y, p, "0.01"), r"learning_rate must be a positive finite number"),
    ]


@pytest.mark.parametrize("case, arguments, message", bad_inputs(), ids=[case for case, _, _ in bad_inputs()])
def test_unusable_inputs_are_named_before_anything_is_made(case, arguments, message):
    with pytest.raises(ValueError, match=message):
        GradientDescent(*arguments)


def test_a_workspace_too_large_is_refused_before_anything_is_made():
    """Ten million examples: z1, a1, z2, a2, z3, a3, dz3, da2, dz2, da1, dz1 are 63 rows of float64 and the
    two masks 15 rows of bytes, 519 bytes an example, 5.2 GB: refused with the size, in a moment."""
    import tracemalloc

    X = np.broadcast_to(np.array([[0.5], [-0.5]]), (2, 10_000_000))     # no memory of its own
    Y = np.broadcast_to(np.array([[1.0]]), (1, 10_000_000))
    parameters = initialize_parameters([2, 10, 5, 1], "he")
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"needs 5\.2 GB of arrays; the limit is 1 GB"):
            GradientDescent(X, Y, parameters, 0.01)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200e6, f"{peak / 1e6:.0f} MB were allocated before the refusal"


def test_x_in_a_precision_float64_cannot_hold_is_named():
    X, Y = circles_like()
    with pytest.raises(ValueError, match=r"X holds float128 numbers, which float64 cannot hold exactly"):
        GradientDescent(X.astype(np.longdouble), Y, initialize_parameters([2, 10, 5, 1], "he"), 0.01)


def test_arguments_in_the_wrong_order_are_named_briefly():
    """Parameters passed where the learning rate goes: the message names a dict, it does not print it."""
    X, Y = circles_like()
    with pytest.raises(ValueError, match=r"learning_rate must be a positive finite number; got a dict$"):
        GradientDescent(X, Y, 0.01, initialize_parameters([2, 10, 5, 1], "he"))


def test_a_wrong_x_is_blamed_on_x_and_a_transposed_w1_on_w1(dataset):
    """check_network_input: W1 is called transposed only when its transpose fits both X and W2."""
    from init_utils import predict_dec

    train_X, _, _, _ = dataset
    p = initialize_parameters([2, 10, 5, 1], "he")
    with pytest.raises(ValueError, match=r"X has shape \(10, 2\), which looks like \(m, n_x\)"):
        predict_dec(p, train_X[:, :10].T)
    with pytest.raises(ValueError, match=r"X has 10 rows but the network takes 2 inputs"):
        predict_dec(p, np.zeros((10, 300)))
    with pytest.raises(ValueError, match=r"W1 of shape \(2, 10\); it needs shape \(10, 2\).*transposed"):
        predict_dec(dict(p, W1=p["W1"].T.copy()), train_X)
