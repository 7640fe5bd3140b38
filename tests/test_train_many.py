"""train_many (k networks stacked, one numpy call per step) against training one network at a time."""

import sys
import warnings

import numpy as np
import pytest

from init_lab import deep_forward, deep_gradients, initialize_parameters, train_many
from init_utils import backward_propagation, cross_entropy_from_logits, forward_propagation, sigmoid, update_parameters


def copy_parameters(parameters):
    return {key: value.copy() for key, value in parameters.items()}


def loop_3_layer(X, Y, parameters, learning_rate, num_iterations):
    """The course's loop, one network at a time: forward, backward, update."""
    parameters = copy_parameters(parameters)
    for _ in range(num_iterations):
        _, cache = forward_propagation(X, parameters)
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters


def loop_deep(X, Y, parameters, learning_rate, num_iterations):
    """Gradient descent on an L-layer network, by deep_forward / deep_gradients, one network at a time."""
    parameters = copy_parameters(parameters)
    L, m = len(parameters) // 2, X.shape[1]
    for _ in range(num_iterations):
        Z, A = deep_forward(X, parameters)
        dZ = deep_gradients(parameters, Z, A, (sigmoid(Z[-1]) - Y) / m)
        for l in range(1, L + 1):
            parameters["W" + str(l)] -= learning_rate * (dZ[l - 1] @ A[l - 1].T)
            parameters["b" + str(l)] -= learning_rate * dZ[l - 1].sum(axis=1, keepdims=True)
    return parameters


def assert_close(got, expected, rel=1e-9, label=""):
    assert set(got) == set(expected), label
    for key in expected:
        assert got[key].shape == expected[key].shape, f"{label} {key}"
        scale = max(np.max(np.abs(expected[key])), 1e-300)
        error = np.max(np.abs(got[key] - expected[key])) / scale
        assert error < rel, f"{label} {key}: relative difference {error:.1e}"


@pytest.fixture(scope="module")
def he_three(dataset):
    """Three He networks (seeds 1, 2, 3) trained 2000 iterations by train_many and one at a time."""
    train_X, train_Y, _, _ = dataset
    initial = [initialize_parameters([2, 10, 5, 1], "he", seed=s) for s in (1, 2, 3)]
    snapshot = [copy_parameters(p) for p in initial]
    stacked = train_many(train_X, train_Y, initial, learning_rate=0.01, num_iterations=2000)
    one_by_one = [loop_3_layer(train_X, train_Y, p, 0.01, 2000) for p in snapshot]
    return initial, snapshot, stacked, one_by_one


def test_train_many_equals_the_one_network_loop_in_order(he_three):
    _, _, stacked, one_by_one = he_three
    assert isinstance(stacked, list) and len(stacked) == 3
    for i, (got, expected) in enumerate(zip(stacked, one_by_one)):
        assert_close(got, expected, label=f"network {i}")
    # The three networks end far apart, so a swap of the results would not pass the check above.
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.allclose(one_by_one[i]["W1"], one_by_one[j]["W1"], rtol=1e-3)


def test_train_many_does_not_modify_its_input(he_three):
    initial, snapshot, stacked, _ = he_three
    for p, q, r in zip(initial, snapshot, stacked):
        for key in q:
            assert np.array_equal(p[key], q[key]), f"the input's {key} was modified"
            assert r[key] is not p[key] and not np.shares_memory(r[key], p[key])


def test_train_many_equals_the_notebooks_model_for_he(notebook, course_runs, dataset):
    """15 000 iterations of the course's He network: train_many ends where model() ends."""
    train_X, train_Y, _, _ = dataset
    got, = train_many(train_X, train_Y, [notebook["initialize_parameters_he"]([2, 10, 5, 1])])
    assert_close(got, course_runs["he"]["parameters"], rel=1e-9, label="He, 15000 iterations")


def test_train_many_rejects_mixed_shapes(dataset):
    train_X, train_Y, _, _ = dataset
    a = initialize_parameters([2, 10, 5, 1], "he")
    for other in (initialize_parameters([2, 8, 5, 1], "he"), initialize_parameters([2, 10, 1], "he"),
                  initialize_parameters([2, 10, 5, 1, 1], "he")):
        with pytest.raises(ValueError):
            train_many(train_X, train_Y, [a, other], num_iterations=10**9)
    with pytest.raises(ValueError):                   # W1 does not fit X
        train_many(train_X, train_Y, [initialize_parameters([3, 10, 5, 1], "he")], num_iterations=10**9)
    with pytest.raises(ValueError):
        train_many(train_X, train_Y, [], num_iterations=10)
    for not_parameters in ({"W2": np.ones((1, 2))}, [np.ones((10, 2))]):   # no W1: not a parameters dict
        with pytest.raises(ValueError, match="parameters_list"):
            train_many(train_X, train_Y, [not_parameters], num_iterations=10)


def test_train_many_checks_its_training_inputs(dataset):
    train_X, train_Y, _, _ = dataset
    net = [initialize_parameters([2, 10, 5, 1], "he")]
    with pytest.raises(ValueError, match="learning_rate"):
        train_many(train_X, train_Y, net, learning_rate=-1.0, num_iterations=10**9)
    with pytest.raises(ValueError, match="num_iterations"):
        train_many(train_X, train_Y, net, num_iterations=-5)


def test_train_many_deep_network_equals_a_deep_loop(dataset):
    train_X, train_Y, _, _ = dataset
    dims = [2, 12, 10, 8, 6, 1]                                  # 5 weight layers
    initial = [initialize_parameters(dims, method, seed=s) for method, s in (("he", 1), ("xavier", 2))]
    stacked = train_many(train_X, train_Y, initial, learning_rate=0.05, num_iterations=200)
    for i, p in enumerate(initial):
        expected = loop_deep(train_X, train_Y, p, 0.05, 200)
        assert not np.allclose(expected["W1"], p["W1"])          # the reference did move
        assert_close(stacked[i], expected, label=f"deep network {i}")


def test_train_many_more_than_16_networks_in_order(dataset):
    train_X, train_Y, _, _ = dataset
    initial = [initialize_parameters([2, 10, 5, 1], "he", seed=s) for s in range(20)]
    stacked = train_many(train_X, train_Y, initial, learning_rate=0.1, num_iterations=5)
    assert len(stacked) == 20
    for i, p in enumerate(initial):
        assert_close(stacked[i], loop_3_layer(train_X, train_Y, p, 0.1, 5), label=f"network {i}")


def test_train_many_zero_iterations_returns_copies(dataset):
    train_X, train_Y, _, _ = dataset
    initial = [initialize_parameters([2, 10, 5, 1], "lecun", seed=s) for s in (4, 5)]
    result = train_many(train_X, train_Y, initial, num_iterations=0)
    for p, r in zip(initial, result):
        for key in p:
            assert np.array_equal(p[key], r[key]) and r[key].shape == p[key].shape


def test_overflowing_network_does_not_disturb_the_others(dataset):
    """The course's x10 weights on a 30-layer net overflow within a few steps: inf/nan weights, no
    RuntimeWarning, and the networks stacked beside it train exactly as they do without it."""
    train_X, train_Y, _, _ = dataset
    dims = [2] + [16] * 29 + [1]
    he = initialize_parameters(dims, "he", seed=1)
    lecun = initialize_parameters(dims, "lecun", seed=1)
    large = initialize_parameters(dims, "random", seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with_large = train_many(train_X, train_Y, [he, large, lecun], learning_rate=0.01, num_iterations=50)
        without = train_many(train_X, train_Y, [he, lecun], learning_rate=0.01, num_iterations=50)
    assert not all(np.all(np.isfinite(value)) for value in with_large[1].values()), "the x10 network should overflow"
    for got, expected, label in ((with_large[0], without[0], "He"), (with_large[2], without[1], "LeCun")):
        assert all(np.all(np.isfinite(value)) for value in got.values()), label
        assert_close(got, expected, rel=1e-12, label=label)
    assert_close(with_large[0], loop_deep(train_X, train_Y, he, 0.01, 50), label="He vs deep loop")


def bitwise_equal(a, b):
    return set(a) == set(b) and all(a[key].shape == b[key].shape and np.array_equal(a[key], b[key], equal_nan=True)
                                    for key in a)


@pytest.fixture(scope="module")
def seventeen(dataset):
    """17 networks of the 3-layer shape at several scales (including the course's x10 and an overflowing
    x1000), 300 iterations, recorded every 20, trained with 1, 2 and 3 threads."""
    train_X, train_Y, _, _ = dataset
    initial = [initialize_parameters([2, 10, 5, 1], "he", seed=s, gain=g)
               for s, g in zip(range(17), [0.1, 0.5, 1, 2, 4, 8, 30, 1000] * 3)]
    runs = {threads: train_many(train_X, train_Y, initial, learning_rate=0.05, num_iterations=300,
                                record_every=20, threads=threads) for threads in (1, 2, 3)}
    return initial, runs


def test_train_many_is_bit_identical_whatever_the_number_of_threads(seventeen):
    _, runs = seventeen
    trained_1, costs_1 = runs[1]
    assert len(trained_1) == 17
    for threads in (2, 3):
        trained, costs = runs[threads]
        assert all(bitwise_equal(a, b) for a, b in zip(trained, trained_1)), f"{threads} threads"
        assert np.array_equal(costs, costs_1), f"{threads} threads: recorded costs"


def test_a_networks_training_does_not_depend_on_its_group(seventeen, dataset):
    """Trained alone (a group of one) each network ends bit for bit where it ends among 16 others."""
    train_X, train_Y, _, _ = dataset
    initial, runs = seventeen
    for i in (0, 6, 16):
        alone, costs = train_many(train_X, train_Y, [initial[i]], learning_rate=0.05, num_iterations=300,
                                  record_every=20, threads=1)
        assert bitwise_equal(alone[0], runs[1][0][i]), f"network {i}"
        assert np.array_equal(costs[0], runs[1][1][i])


def test_the_split_into_groups_depends_on_k_only():
    from init_lab import TRAIN_MANY_GROUP, _split_into_groups

    for k in (1, 2, 3, 6, 16, 17, 39, 100):
        groups = _split_into_groups(k)
        assert np.array_equal(np.concatenate(groups), np.arange(k))
        assert max(len(g) for g in groups) <= TRAIN_MANY_GROUP
        assert max(len(g) for g in groups) - min(len(g) for g in groups) <= 1
        assert k == 1 or len(groups) % 2 == 0
    assert [len(g) for g in _split_into_groups(16)] == [8, 8]
    assert [len(g) for g in _split_into_groups(39)] == [10, 10, 10, 9]


def test_recorded_costs_are_the_cross_entropy_of_each_network_along_the_way(dataset):
    """record_every=r: the cost after 0, r, 2r, ... iterations, as cross_entropy_from_logits gives it for
    the network trained that far (by a separate call), and the last column after all the iterations."""
    train_X, train_Y, _, _ = dataset
    initial = [initialize_parameters([2, 10, 5, 1], method, seed=1) for method in ("he", "lecun", "random")]
    trained, costs = train_many(train_X, train_Y, initial, num_iterations=60, record_every=20)
    assert costs.shape == (3, 4)
    for column, iterations in enumerate((0, 20, 40, 60)):
        for i, network in enumerate(train_many(train_X, train_Y, initial, num_iterations=iterations)):
            Z, _ = deep_forward(train_X, network)
            expected = cross_entropy_from_logits(Z[-1], train_Y)
            assert costs[i, column] == pytest.approx(expected, rel=1e-12), (i, iterations)
    assert all(bitwise_equal(a, b) for a, b in zip(trained, train_many(train_X, train_Y, initial, num_iterations=60)))
    _, every_7 = train_many(train_X, train_Y, initial, num_iterations=60, record_every=7)
    assert every_7.shape == (3, 9)                   # after 0, 7, ..., 56 iterations; 60 is not a multiple of 7
    _, at_start = train_many(train_X, train_Y, initial, num_iterations=0, record_every=5)
    assert np.array_equal(at_start, costs[:, :1])


def test_an_overflowing_network_records_inf(dataset):
    train_X, train_Y, _, _ = dataset
    dims = [2] + [16] * 29 + [1]
    nets = [initialize_parameters(dims, "random", seed=1), initialize_parameters(dims, "he", seed=1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trained, costs = train_many(train_X, train_Y, nets, num_iterations=20, record_every=5)
    assert np.isfinite(costs[0, 0]) and costs[0, 0] > 1e30        # the x10 network starts huge, finite
    assert np.all(np.isinf(costs[0, 1:])), costs[0]                 # then overflows: inf, not nan
    assert np.all(np.isfinite(costs[1])) and all(np.all(np.isfinite(v)) for v in trained[1].values())


def test_threads_and_record_every_are_checked(dataset, monkeypatch):
    train_X, train_Y, _, _ = dataset
    net = [initialize_parameters([2, 10, 5, 1], "he")]
    for threads in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="threads"):
            train_many(train_X, train_Y, net, num_iterations=10**9, threads=threads)
    for record_every in (0, -3, 2.5, "10", False):
        with pytest.raises(ValueError, match="record_every"):
            train_many(train_X, train_Y, net, num_iterations=10**9, record_every=record_every)
    for setting in ("0", "two", "-2", "1.5"):
        monkeypatch.setenv("INIT_UTILS_THREADS", setting)
        with pytest.raises(ValueError, match="INIT_UTILS_THREADS"):
            train_many(train_X, train_Y, net, num_iterations=10**9)


def test_init_utils_threads_limits_the_workers(dataset, monkeypatch):
    """INIT_UTILS_THREADS=1 trains every group in the calling process, one after another (no worker is
    forked); with two workers (an explicit threads=2 wins over the variable) the groups train in forked
    worker processes, with the same result."""
    import multiprocessing

    train_X, train_Y, _, _ = dataset
    forks = []
    get_context = multiprocessing.get_context

    def recording(method=None):
        forks.append(method)
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_context", recording)
    nets = [initialize_parameters([2, 10, 5, 1], "he", seed=s) for s in range(4)]
    monkeypatch.setenv("INIT_UTILS_THREADS", "1")
    alone = train_many(train_X, train_Y, nets, num_iterations=3)
    assert forks == []
    apart = train_many(train_X, train_Y, nets, num_iterations=3, threads=2)
    if sys.platform.startswith("linux"):
        assert forks == ["fork"]
    assert all(bitwise_equal(a, b) for a, b in zip(alone, apart))


@pytest.mark.parametrize("bad, message", [
    (lambda p: dict(p, W1=p["W1"].ravel()), r"parameters_list\[1\]: W1 has shape \(20,\)"),
    (lambda p: dict(p, b2=p["b2"].ravel()), r"parameters_list\[1\]: b2 has shape \(5,\); it needs shape \(5, 1\)"),
    (lambda p: dict(p, W2=p["W2"].T), r"\[1\]: W2 has shape \(10, 5\); it needs shape \(5, 10\) \(transposed"),
    (lambda p: dict(p, W3=p["W3"].tolist()), r"parameters_list\[1\]: W3 is a list"),
    (lambda p: dict(p, W1=None), r"parameters_list\[1\]: W1 is None"),
    (lambda p: dict(p, W1=p["W1"].astype(int)), r"parameters_list\[1\]: W1 holds integers \(dtype int64\)"),
    (lambda p: {k: v for k, v in p.items() if k != "b3"}, r"parameters_list\[1\]: there is no b3"),
    (lambda p: list(p.values()), r"parameters_list\[1\]: parameters is a list, not a dict"),
])
def test_train_many_names_the_bad_network(dataset, bad, message):
    train_X, train_Y, _, _ = dataset
    good = initialize_parameters([2, 10, 5, 1], "he")
    with pytest.raises(ValueError, match=message):
        train_many(train_X, train_Y, [good, bad(initialize_parameters([2, 10, 5, 1], "he"))], num_iterations=10**9)


def test_a_failing_group_ends_the_call(dataset, monkeypatch):
    """An error in one worker's group reaches the caller as itself (here a MemoryError injected in the
    second group's 50th step), and the pool of workers ends with it instead of training on."""
    import init_lab

    train_X, train_Y, _, _ = dataset
    nets = [initialize_parameters([2, 10, 5, 1], "he", seed=s) for s in range(4)]    # groups [0, 1] and [2, 3]
    marker = nets[2]["W1"][0, 0]
    steps = {}
    original = init_lab._Stack.descend

    def descend(self, *args):                  # the second group fails: known by its first weight, at its first step
        if not hasattr(self, "group"):
            self.group = "failing" if self.V[0][0, 0, 1] == marker else "other"
        group = self.group
        steps[group] = steps.get(group, 0) + 1
        if group == "failing" and steps[group] == 50:
            raise MemoryError("injected in the second group")
        return original(self, *args)

    monkeypatch.setattr(init_lab._Stack, "descend", descend)
    for threads in (1, 2):
        steps.clear()
        with pytest.raises(MemoryError, match="injected in the second group"):
            train_many(train_X, train_Y, nets, num_iterations=2000, threads=threads)
