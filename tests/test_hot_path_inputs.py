"""forward_propagation, backward_propagation and update_parameters refuse what would give a wrong
number silently (issue 7, item 4): a ValueError that names the problem, the shape it got and the
one it needs, raised before anything is computed or changed."""

import numpy as np
import pytest

from init_lab import initialize_parameters
from init_utils import backward_propagation, forward_propagation, update_parameters


def network(m=300, dims=(2, 10, 5, 1), seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(dims[0], m)
    Y = (rng.rand(1, m) > 0.5).astype(int)
    return X, Y, initialize_parameters(list(dims), "he", seed=seed)


def snapshot(parameters):
    return {key: np.array(value, copy=True) for key, value in parameters.items()}


def test_update_parameters_on_lists_raises_and_changes_nothing():
    X, Y, parameters = network()
    _, cache = forward_propagation(X, parameters)
    grads = backward_propagation(X, Y, cache)
    as_lists = {key: value.tolist() for key, value in parameters.items()}
    with pytest.raises(ValueError, match=r"W1 is a list, not a numpy array"):
        update_parameters(as_lists, grads, 0.01)
    with pytest.raises(ValueError, match=r"parameters must be a dict of numpy arrays; got a list"):
        update_parameters(list(parameters.values()), grads, 0.01)
    grads_as_lists = {key: value.tolist() for key, value in grads.items()}
    before = snapshot(parameters)
    with pytest.raises(ValueError, match=r"dW1 is a list"):
        update_parameters(parameters, grads_as_lists, 0.01)
    assert all(np.array_equal(parameters[key], before[key]) for key in before)


def test_update_parameters_checks_every_array_before_changing_any():
    X, Y, parameters = network()
    _, cache = forward_propagation(X, parameters)
    grads = backward_propagation(X, Y, cache)
    before = snapshot(parameters)
    bad = dict(grads, db3=np.ones((1, 300)))       # the last gradient would broadcast into nothing sensible
    with pytest.raises(ValueError, match=r"db3 has shape \(1, 300\); it needs shape \(1, 1\)"):
        update_parameters(parameters, bad, 0.01)
    assert all(np.array_equal(parameters[key], before[key]) for key in before), "W1..W3 were changed"
    small = dict(grads, db1=np.ones((1, 1)))        # (1, 1) would broadcast over b1 (10, 1) silently
    with pytest.raises(ValueError, match=r"db1 has shape \(1, 1\); it needs shape \(10, 1\)"):
        update_parameters(parameters, small, 0.01)
    missing = {key: value for key, value in grads.items() if key != "dW2"}
    with pytest.raises(ValueError, match=r"grads has no dW2"):
        update_parameters(parameters, missing, 0.01)
    for learning_rate in (float("nan"), -0.01, "0.01", None, True):
        with pytest.raises(ValueError, match="learning_rate"):
            update_parameters(parameters, grads, learning_rate)
    assert all(np.array_equal(parameters[key], before[key]) for key in before)


def test_forward_propagation_refuses_a_4_layer_network():
    X, _, parameters = network(dims=(2, 10, 5, 3, 1))
    with pytest.raises(ValueError, match=r"exactly W1, b1, W2, b2, W3, b3; it also holds W4, b4 .*deep_forward"):
        forward_propagation(X, parameters)


def test_forward_propagation_refuses_a_1_d_bias_even_when_m_equals_n_1():
    X, _, parameters = network(m=10)
    flat = dict(parameters, b1=np.zeros(10))        # (10,) + (10, 10) would broadcast along the examples
    with pytest.raises(ValueError, match=r"b1 has shape \(10,\); it needs shape \(10, 1\) \(a column is needed"):
        forward_propagation(X, flat)


@pytest.mark.parametrize("change, message", [
    (lambda p, X: (X.T, p), r"X has shape \(300, 2\), which looks like \(m, n_x\).*pass X.T"),
    (lambda p, X: (X.tolist(), p), r"X is a list, not a numpy array"),
    (lambda p, X: (X, dict(p, W2=p["W2"].T)), r"W2 has shape \(10, 5\); it needs shape \(5, 10\) \(transposed"),
    (lambda p, X: (X, dict(p, W3=p["W3"].tolist())), r"W3 is a list"),
    (lambda p, X: (X, {k: v for k, v in p.items() if k != "b3"}), r"it lacks b3"),
    (lambda p, X: (X, list(p.values())), r"parameters is a list, not a dict"),
    (lambda p, X: (X, dict(p, b3=np.zeros((1, 300)))), r"b3 has shape \(1, 300\); it needs shape \(1, 1\)"),
])
def test_forward_propagation_names_the_problem(change, message):
    X, _, parameters = network()
    X_bad, parameters_bad = change(parameters, X)
    with pytest.raises(ValueError, match="forward_propagation: .*" + message):
        forward_propagation(X_bad, parameters_bad)


def test_backward_propagation_names_the_problem():
    X, Y, parameters = network()
    _, cache = forward_propagation(X, parameters)
    with pytest.raises(ValueError, match=r"Y has shape \(300, 1\); it needs the shape of a3, \(1, 300\)"):
        backward_propagation(X, Y.T, cache)              # would broadcast a3 - Y to (300, 300)
    with pytest.raises(ValueError, match=r"Y is a list"):
        backward_propagation(X, Y.tolist(), cache)
    with pytest.raises(ValueError, match=r"cache must be the tuple of 12 arrays .* got a tuple of length 2"):
        backward_propagation(X, Y, forward_propagation(X, parameters))     # (a3, cache) instead of cache
    with pytest.raises(ValueError, match=r"X has shape \(2, 100\); it needs shape \(2, 300\)"):
        backward_propagation(X[:, :100], Y, cache)


def test_each_call_returns_arrays_of_its_own():
    """The hot path reuses constant arrays (zeros, ones, 1/m), never its results: what one call returned is
    not changed by the next call, and no input is modified."""
    X, Y, parameters = network()
    X_before, params_before = X.copy(), snapshot(parameters)
    a3_first, cache_first = forward_propagation(X, parameters)
    kept = [np.array(value, copy=True) for value in cache_first]
    grads_first = backward_propagation(X, Y, cache_first)
    grads_kept = snapshot(grads_first)
    other = initialize_parameters([2, 10, 5, 1], "random", seed=7)
    _, cache_other = forward_propagation(X, other)
    backward_propagation(X, 1 - Y, cache_other)
    assert all(np.array_equal(a, b) for a, b in zip(cache_first, kept))
    assert np.array_equal(a3_first, kept[9]) and a3_first is cache_first[9]
    assert all(np.array_equal(grads_first[key], grads_kept[key]) for key in grads_kept)
    assert np.array_equal(X, X_before) and all(np.array_equal(parameters[k], params_before[k]) for k in parameters)
    z1, a1 = cache_first[0], cache_first[1]
    assert not np.shares_memory(z1, a1) and a1.flags.writeable
