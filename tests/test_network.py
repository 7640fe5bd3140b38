"""The course's network in init_utils (and the lab's any-depth gradients): forward shapes, gradients
against finite differences, the update, predict."""

import re

import numpy as np
import pytest

from init_lab import deep_forward, deep_gradients, initialize_parameters
from init_utils import backward_propagation, forward_propagation, predict, sigmoid, update_parameters

NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def cost_from_logits(z, Y):
    """Mean cross-entropy written independently of init_utils: log(1 + exp(s)), s = z (y = 0) or -z (y = 1)."""
    return float(np.mean(np.logaddexp(0.0, np.where(Y == 1, -z, z))))


def plain_logits(X, parameters):
    """Logits of an L-layer ReLU network by the textbook recursion (no init_utils code)."""
    L = len(parameters) // 2
    a = X
    for l in range(1, L):
        a = np.maximum(parameters["W" + str(l)] @ a + parameters["b" + str(l)], 0.0)
    return parameters["W" + str(L)] @ a + parameters["b" + str(L)]


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b)))


def small_problem(method, seed, dims=(3, 5, 4, 1), m=8):
    """A small random problem: inputs, balanced-ish labels, weights by `method`, small nonzero biases."""
    rng = np.random.RandomState(seed)
    X = rng.randn(dims[0], m)
    Y = (rng.rand(1, m) < 0.5).astype(int)
    parameters = initialize_parameters(list(dims), method, seed=seed)
    for l in range(1, len(dims)):
        parameters["b" + str(l)] = 0.1 * rng.randn(dims[l], 1)
    return X, Y, parameters


def finite_difference_gradients(X, Y, parameters, h):
    """Centred differences (J(p + h) - J(p - h)) / 2h of the cost for every entry of every parameter."""
    grads = {}
    for name, value in parameters.items():
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + h
            plus = cost_from_logits(plain_logits(X, parameters), Y)
            value[index] = saved - h
            minus = cost_from_logits(plain_logits(X, parameters), Y)
            value[index] = saved
            g[index] = (plus - minus) / (2 * h)
        grads[name] = g
    return grads


def assert_away_from_relu_kinks(X, parameters, margin=1e-4):
    """The finite differences are only valid where no hidden pre-activation crosses 0 within +-h."""
    Z, _ = deep_forward(X, parameters)
    for l, z in enumerate(Z[:-1], start=1):
        assert np.min(np.abs(z)) > margin, f"test setup: Z{l} has an entry within {margin} of the ReLU kink"


def test_forward_propagation_shapes_and_values():
    X, _, parameters = small_problem("he", seed=0, dims=(3, 5, 4, 1), m=7)
    a3, cache = forward_propagation(X, parameters)
    assert a3.shape == (1, 7)
    assert len(cache) == 12
    z1, a1, W1, b1, z2, a2, W2, b2, z3, a3_cached, W3, b3 = cache
    for array, shape in ((z1, (5, 7)), (a1, (5, 7)), (z2, (4, 7)), (a2, (4, 7)), (z3, (1, 7)), (a3_cached, (1, 7))):
        assert array.shape == shape
    for got, name in ((W1, "W1"), (b1, "b1"), (W2, "W2"), (b2, "b2"), (W3, "W3"), (b3, "b3")):
        assert np.array_equal(got, parameters[name])
    # The textbook recursion, written here.
    h1 = parameters["W1"] @ X + parameters["b1"]
    h2 = parameters["W2"] @ np.maximum(h1, 0) + parameters["b2"]
    h3 = parameters["W3"] @ np.maximum(h2, 0) + parameters["b3"]
    assert np.allclose(z1, h1, rtol=1e-14, atol=1e-15)
    assert np.array_equal(a1, np.maximum(z1, 0))
    assert np.allclose(z2, h2, rtol=1e-14, atol=1e-15)
    assert np.array_equal(a2, np.maximum(z2, 0))
    assert np.allclose(z3, h3, rtol=1e-14, atol=1e-15)
    assert np.allclose(a3, 1 / (1 + np.exp(-h3)), rtol=1e-14, atol=0)
    assert np.array_equal(a3, a3_cached)


# He weights (the brief's case), LeCun, and the course's x10 weights, whose cost in the hundreds leaves
# less room for rounding: h = 1e-5 there (at h = 1e-6 its rounding error alone reaches ~7e-8).
@pytest.mark.parametrize("method, seed, h", [("he", 0, 1e-5), ("he", 0, 1e-6), ("he", 1, 1e-5), ("he", 1, 1e-6),
                                             ("lecun", 2, 1e-6), ("random", 4, 1e-5)])
def test_backward_propagation_matches_finite_differences(method, seed, h):
    X, Y, parameters = small_problem(method, seed)
    assert_away_from_relu_kinks(X, parameters)
    _, cache = forward_propagation(X, parameters)
    grads = backward_propagation(X, Y, cache)
    numeric = finite_difference_gradients(X, Y, {k: v.copy() for k, v in parameters.items()}, h)
    for name in NAMES:
        assert grads["d" + name].shape == parameters[name].shape
        error = relative_error(grads["d" + name], numeric[name])
        assert error < 1e-7, f"d{name}: relative error {error:.2e} against finite differences ({method}, h={h})"


def test_backward_propagation_intermediate_gradients():
    X, Y, parameters = small_problem("he", seed=0, m=6)
    _, cache = forward_propagation(X, parameters)
    grads = backward_propagation(X, Y, cache)
    shapes = {"dz3": (1, 6), "da2": (4, 6), "dz2": (4, 6), "da1": (5, 6), "dz1": (5, 6)}
    for key, shape in shapes.items():
        assert grads[key].shape == shape, key
    # d(cost)/dz3 for the mean cross-entropy: (sigmoid(z3) - y) / m.
    z3 = plain_logits(X, parameters)
    assert np.allclose(grads["dz3"], (1 / (1 + np.exp(-z3)) - Y) / 6, rtol=1e-13, atol=1e-17)


def test_backward_propagation_saturated_logits_are_exact():
    """With the course's x10 weights the logits reach thousands; the cost is then linear in z3 and
    its derivative is exactly -1/m (y = 1, z3 very negative) or +1/m (y = 0, z3 very positive)."""
    X, Y, parameters = small_problem("random", seed=4)
    a3, cache = forward_propagation(X, parameters)
    z3 = cache[8]
    saturated = np.abs(z3) > 40
    assert saturated.sum() >= 5               # test setup: most outputs saturated
    assert np.any(saturated & ((z3 > 0) != (Y == 1)))    # ... some on the wrong side
    grads = backward_propagation(X, Y, cache)
    m = X.shape[1]
    expected = np.where(z3 > 0, 1.0, 0.0) - Y            # sigmoid(z3) - y, to within exp(-40) = 4e-18
    assert np.allclose(grads["dz3"][saturated] * m, expected[saturated], rtol=0, atol=1e-16)


def test_deep_gradients_match_finite_differences():
    """deep_forward / deep_gradients (used by train_many's checks and the depth section) on a 5-layer net."""
    dims = (3, 6, 5, 4, 3, 1)
    X, Y, parameters = small_problem("he", seed=5, dims=dims, m=7)
    assert_away_from_relu_kinks(X, parameters)
    Z, A = deep_forward(X, parameters)
    assert len(Z) == 5 and len(A) == 5 and A[0] is X
    m = X.shape[1]
    dZ = deep_gradients(parameters, Z, A, (sigmoid(Z[-1]) - Y) / m)
    numeric = finite_difference_gradients(X, Y, {k: v.copy() for k, v in parameters.items()}, 1e-6)
    for l in range(1, 6):
        dW = dZ[l - 1] @ A[l - 1].T
        db = dZ[l - 1].sum(axis=1, keepdims=True)
        assert relative_error(dW, numeric["W" + str(l)]) < 1e-7, f"dW{l}"
        assert relative_error(db, numeric["b" + str(l)]) < 1e-7, f"db{l}"


def test_update_parameters_returns_the_same_dict_with_new_arrays():
    rng = np.random.RandomState(0)
    parameters = initialize_parameters([3, 4, 2, 1], "he", seed=0)
    before = {k: v.copy() for k, v in parameters.items()}
    arrays = {k: v for k, v in parameters.items()}
    grads = {"d" + k: rng.randn(*v.shape) for k, v in parameters.items()}
    grads["dz1"] = rng.randn(4, 5)            # extra entries in grads are ignored
    result = update_parameters(parameters, grads, 0.05)
    assert result is parameters
    assert set(result) == set(before)
    for k in before:
        assert np.array_equal(result[k], before[k] - 0.05 * grads["d" + k])
        assert np.array_equal(arrays[k], before[k]), f"{k}: the array the caller held was changed"


def test_update_parameters_any_depth():
    rng = np.random.RandomState(1)
    parameters = initialize_parameters([2, 3, 3, 3, 3, 1], "lecun", seed=1)
    before = {k: v.copy() for k, v in parameters.items()}
    grads = {"d" + k: rng.randn(*v.shape) for k, v in parameters.items()}
    update_parameters(parameters, grads, 0.5)
    for k in before:
        assert np.array_equal(parameters[k], before[k] - 0.5 * grads["d" + k])


ACCURACY_LINE = re.compile(r"Accuracy: (\d\.\d{5}) \((\d+)/(\d+) correct\)")


def test_predict_prints_accuracy_and_returns_int_labels(capsys, dataset):
    train_X, train_Y, _, _ = dataset
    parameters = initialize_parameters([2, 10, 5, 1], "he", seed=7)
    p = predict(train_X, train_Y, parameters)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 1
    match = ACCURACY_LINE.fullmatch(lines[0])
    assert match, f"unexpected line {lines[0]!r}"
    expected_pred = (plain_logits(train_X, parameters) > 0).astype(int)
    correct = int(np.sum(expected_pred == train_Y))
    assert 0 < correct < 300                  # test setup: an untrained network, neither all right nor all wrong
    assert int(match.group(2)) == correct and int(match.group(3)) == 300
    assert float(match.group(1)) == pytest.approx(correct / 300, abs=5e-6)
    assert match.group(1) == f"{correct / 300:.5f}"
    assert p.shape == (1, 300)
    assert np.issubdtype(p.dtype, np.integer)
    assert set(np.unique(p)) <= {0, 1}
    assert np.array_equal(p, expected_pred)


def test_predict_on_a_network_of_known_output(capsys):
    """A network whose output is x_1 > 0: on 4 points with labels chosen so that 3 are right."""
    parameters = {"W1": np.array([[1.0, 0.0]]), "b1": np.zeros((1, 1)),
                  "W2": np.array([[1.0]]), "b2": np.zeros((1, 1)),
                  "W3": np.array([[2.0]]), "b3": np.array([[-1.0]])}      # z3 = 2 relu(x_1) - 1
    X = np.array([[2.0, 3.0, -1.0, 0.1], [5.0, -5.0, 0.0, 0.0]])
    Y = np.array([[1, 1, 0, 1]])                                          # z3 = 3, 5, -1, -0.8
    p = predict(X, Y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.75000 (3/4 correct)\n"
    assert np.array_equal(p, [[1, 1, 0, 0]])
