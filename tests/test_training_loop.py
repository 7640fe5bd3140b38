"""The course's training loop through init_utils' functions (forward_propagation, backward_propagation,
update_parameters), the loop of the notebook's model().

The reference is the course's loop written from its formulas (tests/test_course_arithmetic.py's
course_loop, nothing from init_utils): the functions must follow it bit for bit, on the circles and on
other data, layer sizes and learning rates, and must never change the arrays their caller holds.
"""

import numpy as np
import pytest
from test_course_arithmetic import NAMES, assert_bitwise_equal, course_loop

from init_lab import initialize_parameters
from init_utils import backward_propagation, compute_loss, forward_propagation, update_parameters


def circles_like(m=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(2, m)
    Y = (np.sum(X ** 2, axis=0, keepdims=True) > 1.4).astype(float)
    return X, Y


def descend(X, Y, parameters, learning_rate, num_iterations, every=100):
    """The loop of the lesson's model(): (trained parameters, the cost every `every` iterations)."""
    parameters = dict(parameters)
    costs = []
    for i in range(num_iterations):
        a3, cache = forward_propagation(X, parameters)
        if i % every == 0:
            costs.append(compute_loss(a3, Y, z3=cache[8]))
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


@pytest.mark.parametrize("method, scale", [("he", 1.0), ("random", 1.0), ("he", 1e-3)])
def test_follows_the_course_loop_bit_for_bit(method, scale, dataset):
    """2 000 steps on the circles (the x10 start is chaotic: any other rounding parts ways within a few
    hundred steps) and on other data, at another learning rate: every weight equal to the course's."""
    from init_utils import cross_entropy_from_logits

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


def test_the_caller_s_arrays_are_never_changed():
    """update_parameters puts new arrays into the dict (as the course's does): arrays the caller kept stay."""
    X, Y = circles_like()
    start = initialize_parameters([2, 10, 5, 1], "he")
    kept = {key: value.copy() for key, value in start.items()}
    trained, _ = descend(X, Y, start, 0.1, 50)
    assert all(np.array_equal(start[key], kept[key]) for key in NAMES)
    assert not any(np.array_equal(trained[key], kept[key]) for key in ("W1", "W2", "W3"))
