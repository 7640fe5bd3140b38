"""model() follows the course's arithmetic bit for bit (issue 7, item 6).

The reference below is the course's training loop written from its formulas, with nothing from
init_utils: np.dot, `1 / (1 + np.exp(-z))`, `np.maximum(0, z)`, `1./m * (a3 - Y)`, np.sum for
the biases' gradients, np.int64(a > 0) masks and `W = W - learning_rate * dW`. The notebook's
model() must reproduce its trajectory exactly, not to a tolerance: the large-random run is chaotic,
so any difference in the order of operations (`(a3 - Y) / m`, scipy's expit, ...) makes the two
part ways within a few steps and end visibly apart. All 15 000 steps of the zeros, x10 and He runs are
compared: every cost model() records (one every 100 iterations) and the final parameters.
"""

import numpy as np
import pytest

from init_utils import cross_entropy_from_logits

NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def course_loop(X, Y, parameters, learning_rate=0.01, num_iterations=15000, every=100):
    """The course's gradient descent on the 3-layer network; returns (parameters, logits z3 every `every` steps)."""
    parameters = {key: value.copy() for key, value in parameters.items()}
    m = X.shape[1]
    logits = []
    for i in range(num_iterations):
        z1 = np.dot(parameters["W1"], X) + parameters["b1"]
        a1 = np.maximum(0, z1)
        z2 = np.dot(parameters["W2"], a1) + parameters["b2"]
        a2 = np.maximum(0, z2)
        z3 = np.dot(parameters["W3"], a2) + parameters["b3"]
        with np.errstate(over="ignore"):          # the x10 run's logits reach below -709: exp(-z3) = inf
            a3 = 1 / (1 + np.exp(-z3))
        if i % every == 0:
            logits.append(z3)
        dz3 = 1. / m * (a3 - Y)
        dW3 = np.dot(dz3, a2.T)
        db3 = np.sum(dz3, axis=1, keepdims=True)
        dz2 = np.multiply(np.dot(parameters["W3"].T, dz3), np.int64(a2 > 0))
        dW2 = np.dot(dz2, a1.T)
        db2 = np.sum(dz2, axis=1, keepdims=True)
        dz1 = np.multiply(np.dot(parameters["W2"].T, dz2), np.int64(a1 > 0))
        dW1 = np.dot(dz1, X.T)
        db1 = np.sum(dz1, axis=1, keepdims=True)
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}
        for key in NAMES:
            parameters[key] = parameters[key] - learning_rate * grads["d" + key]
    return parameters, logits


def assert_bitwise_equal(got, expected, label):
    for key in NAMES:
        assert got[key].shape == expected[key].shape, f"{label} {key}"
        differ = np.flatnonzero(got[key].ravel() != expected[key].ravel())
        assert differ.size == 0, (f"{label}: {key} differs from the course's in {differ.size} entries, e.g. "
                                  f"{got[key].ravel()[differ[0]]!r} against {expected[key].ravel()[differ[0]]!r}")


@pytest.mark.parametrize("initialization", ["zeros", "random", "he"])
def test_model_follows_the_course_trajectory_bit_for_bit(initialization, notebook, course_runs, dataset):
    """15 000 steps: every recorded cost and every final weight equal to the course loop's, exactly."""
    train_X, train_Y, _, _ = dataset
    start = notebook[f"initialize_parameters_{initialization}"]([2, 10, 5, 1])
    expected, logits = course_loop(train_X, train_Y, start)
    costs = course_runs[initialization]["costs"]
    assert len(costs) == len(logits) == 150
    for k, (got, z3) in enumerate(zip(costs, logits)):
        want = cross_entropy_from_logits(z3, train_Y)       # the cost model() records, of the course's logits
        assert got == want, f"{initialization}: the cost at iteration {100 * k} is {got!r}, the course's {want!r}"
    assert_bitwise_equal(course_runs[initialization]["parameters"], expected, initialization)


def test_the_comparison_can_fail(dataset):
    """The test above is not vacuous: with the order `(a3 - Y) / m` instead of `1./m * (a3 - Y)` the x10
    run parts ways with the course's within the first 200 steps (run here as the reference's own variant)."""
    train_X, train_Y, _, _ = dataset
    rng = np.random.RandomState(3)
    start = {}
    for l, (n, n_prev) in enumerate(((10, 2), (5, 10), (1, 5)), start=1):
        start["W" + str(l)] = rng.randn(n, n_prev) * 10
        start["b" + str(l)] = np.zeros((n, 1))
    course, _ = course_loop(train_X, train_Y, start, num_iterations=200)
    m = train_X.shape[1]
    other = {key: value.copy() for key, value in start.items()}
    for _ in range(200):                       # the same loop, dividing by m instead of multiplying by 1./m
        z1 = np.dot(other["W1"], train_X) + other["b1"]
        a1 = np.maximum(0, z1)
        z2 = np.dot(other["W2"], a1) + other["b2"]
        a2 = np.maximum(0, z2)
        z3 = np.dot(other["W3"], a2) + other["b3"]
        with np.errstate(over="ignore"):
            dz3 = (1 / (1 + np.exp(-z3)) - train_Y) / m
        dz2 = np.dot(other["W3"].T, dz3) * (a2 > 0)
        dz1 = np.dot(other["W2"].T, dz2) * (a1 > 0)
        for key, grad in (("W3", np.dot(dz3, a2.T)), ("b3", np.sum(dz3, axis=1, keepdims=True)),
                          ("W2", np.dot(dz2, a1.T)), ("b2", np.sum(dz2, axis=1, keepdims=True)),
                          ("W1", np.dot(dz1, train_X.T)), ("b1", np.sum(dz1, axis=1, keepdims=True))):
            other[key] = other[key] - 0.01 * grad
    assert any(not np.array_equal(course[key], other[key]) for key in NAMES)
