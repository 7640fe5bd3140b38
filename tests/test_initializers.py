"""init_lab.initialize_parameters against the published formulas, written out here.

    LeCun (LeCun et al. 1998; Keras lecun_normal / lecun_uniform):  Var = 1 / fan_in
    Glorot (Glorot & Bengio 2010; torch.nn.init.xavier_normal_):    Var = 2 / (fan_in + fan_out)
    He (He et al. 2015; torch.nn.init.kaiming_normal_, relu gain):  Var = 2 / fan_in
    uniform variants: U(-a, a) with Var = a^2 / 3, i.e.
        torch xavier_uniform_:  a = sqrt(6 / (fan_in + fan_out))
        torch kaiming_uniform_ (gain sqrt 2): a = sqrt(2) * sqrt(3 / fan_in) = sqrt(6 / fan_in)
        Keras lecun_uniform:    a = sqrt(3 / fan_in)
For W_l of shape (n_l, n_{l-1}): fan_in = n_{l-1}, fan_out = n_l.
"""

import math

import numpy as np
import pytest

from init_lab import WEIGHT_STD, initialize_parameters

TARGET_STD = {
    "lecun": lambda fan_in, fan_out: math.sqrt(1 / fan_in),
    "xavier": lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)),
    "he": lambda fan_in, fan_out: math.sqrt(2 / fan_in),
    "small": lambda fan_in, fan_out: 0.01,
    "random": lambda fan_in, fan_out: 10.0,
}
UNIFORM_BOUND = {           # the libraries' bounds, not derived from the std above
    "lecun": lambda fan_in, fan_out: math.sqrt(3 / fan_in),
    "xavier": lambda fan_in, fan_out: math.sqrt(6 / (fan_in + fan_out)),
    "he": lambda fan_in, fan_out: math.sqrt(6 / fan_in),
}
ALL_METHODS = ("zeros", "small", "random", "lecun", "xavier", "he")
BIG = [[1000, 800], [2000, 500]]


def assert_same_state(before, after):
    assert before[0] == after[0]
    assert np.array_equal(before[1], after[1]), "numpy's global generator was advanced"
    assert before[2:] == after[2:]


@pytest.mark.parametrize("dims", BIG, ids=str)
@pytest.mark.parametrize("method", ["lecun", "xavier", "he"])
def test_normal_statistics_match_the_published_variance(method, dims):
    fan_in, fan_out = dims
    W = initialize_parameters(dims, method, distribution="normal", seed=0)["W1"]
    target = TARGET_STD[method](fan_in, fan_out)
    assert W.shape == (fan_out, fan_in)
    assert abs(W.mean()) < 5 * target / math.sqrt(W.size)          # 5 standard errors of the mean
    assert W.std() == pytest.approx(target, rel=0.02)
    # Normal, not uniform: P(|w| > sqrt(3) std) = erfc(sqrt(3 / 2)) = 8.3 % lies beyond the uniform bound.
    assert np.mean(np.abs(W) > math.sqrt(3) * target) == pytest.approx(math.erfc(math.sqrt(1.5)), abs=0.005)


@pytest.mark.parametrize("dims", BIG, ids=str)
@pytest.mark.parametrize("method", ["lecun", "xavier", "he"])
def test_uniform_statistics_and_bounds(method, dims):
    fan_in, fan_out = dims
    W = initialize_parameters(dims, method, distribution="uniform", seed=0)["W1"]
    target = TARGET_STD[method](fan_in, fan_out)
    bound = UNIFORM_BOUND[method](fan_in, fan_out)
    assert bound == pytest.approx(math.sqrt(3 * target**2), rel=1e-15)    # the two formulas agree
    assert W.shape == (fan_out, fan_in)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.999 * bound                                   # the whole range is used
    assert abs(W.mean()) < 5 * target / math.sqrt(W.size)
    assert W.std() == pytest.approx(target, rel=0.02)
    # Flat: each tenth of [-a, a] holds a tenth of the weights.
    counts, _ = np.histogram(W, bins=10, range=(-bound, bound))
    assert np.allclose(counts / W.size, 0.1, atol=0.005)


@pytest.mark.parametrize("method", ["small", "random"])
@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_fixed_scale_methods_statistics(method, distribution):
    W = initialize_parameters([1000, 800], method, distribution=distribution, seed=1)["W1"]
    target = TARGET_STD[method](1000, 800)
    assert W.std() == pytest.approx(target, rel=0.02)
    assert abs(W.mean()) < 5 * target / math.sqrt(W.size)
    if distribution == "uniform":
        assert np.abs(W).max() <= math.sqrt(3) * target


@pytest.mark.parametrize("dims", [[2, 10, 5, 1], [3, 2, 1], [4, 7, 3, 1], [5, 1]], ids=str)
def test_random_is_standard_normal_times_10(dims):
    """The course's recipe: one generator seeded with 3, randn(n_l, n_{l-1}) * 10 layer after layer."""
    parameters = initialize_parameters(dims, "random")
    rng = np.random.RandomState(3)
    for l in range(1, len(dims)):
        assert np.array_equal(parameters["W" + str(l)], rng.randn(dims[l], dims[l - 1]) * 10)


@pytest.mark.parametrize("dims", [[2, 10, 5, 1], [4, 7, 3, 1]], ids=str)
def test_he_normal_is_the_course_recipe(dims):
    parameters = initialize_parameters(dims, "he")
    rng = np.random.RandomState(3)
    for l in range(1, len(dims)):
        expected = rng.randn(dims[l], dims[l - 1]) * math.sqrt(2 / dims[l - 1])
        assert np.allclose(parameters["W" + str(l)], expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_zeros(distribution):
    parameters = initialize_parameters([4, 7, 3, 1], "zeros", distribution=distribution, seed=5)
    assert len(parameters) == 6
    for value in parameters.values():
        assert value.dtype == np.float64 and not value.any()


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize("method", ALL_METHODS)
def test_shapes_dtype_and_zero_biases(method, distribution):
    dims = [4, 7, 3, 2, 1]
    parameters = initialize_parameters(dims, method, distribution=distribution, seed=2)
    assert list(parameters) == [f"{k}{l}" for l in range(1, 5) for k in ("W", "b")]
    for l in range(1, len(dims)):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        assert W.shape == (dims[l], dims[l - 1]) and b.shape == (dims[l], 1)
        assert W.dtype == np.float64 and b.dtype == np.float64
        assert not b.any()
        assert np.all(np.isfinite(W))
        if method != "zeros":
            assert np.all(W != 0)


@pytest.mark.parametrize("method", ["lecun", "xavier", "he"])
def test_fan_in_and_fan_out_per_layer(method):
    """Each layer is scaled by its own fan-in / fan-out (not the first layer's, not swapped)."""
    dims = [1000, 400, 1600]
    parameters = initialize_parameters(dims, method, seed=4)
    for l in (1, 2):
        target = TARGET_STD[method](dims[l - 1], dims[l])
        assert parameters["W" + str(l)].std() == pytest.approx(target, rel=0.02), f"W{l}"


@pytest.mark.parametrize("method", ALL_METHODS)
def test_weight_std_table_matches_the_formulas(method):
    for fan_in, fan_out in [(2, 10), (10, 5), (5, 1), (256, 256), (1000, 800)]:
        expected = 0.0 if method == "zeros" else TARGET_STD[method](fan_in, fan_out)
        assert WEIGHT_STD[method](fan_in, fan_out) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("method", ["he", "random"])
@pytest.mark.parametrize("dims", [[2, 10, 5, 1], [3, 2, 1], [2, 4, 1], [4, 7, 3, 1]], ids=str)
def test_seed_3_normal_equals_the_notebooks_graded_functions(notebook, method, dims):
    graded = notebook["initialize_parameters_" + method](dims)
    general = initialize_parameters(dims, method)
    explicit = initialize_parameters(dims, method, distribution="normal", seed=3)
    assert list(general) == list(graded)
    for key in graded:
        assert np.array_equal(general[key], graded[key]), key
        assert np.array_equal(explicit[key], graded[key]), key


def test_zeros_equals_the_notebooks_graded_function(notebook):
    graded = notebook["initialize_parameters_zeros"]([4, 7, 3, 1])
    general = initialize_parameters([4, 7, 3, 1], "zeros")
    for key in graded:
        assert np.array_equal(general[key], graded[key]) and general[key].shape == graded[key].shape


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_same_seed_same_weights_different_seeds_differ(distribution):
    dims = [5, 8, 3, 1]
    a = initialize_parameters(dims, "he", distribution=distribution, seed=11)
    b = initialize_parameters(dims, "he", distribution=distribution, seed=11)
    c = initialize_parameters(dims, "he", distribution=distribution, seed=12)
    for key in ("W1", "W2", "W3"):
        assert np.array_equal(a[key], b[key])
        assert not np.any(a[key] == c[key])


@pytest.mark.parametrize("call", [
    lambda nb: initialize_parameters([20, 30, 10, 1], "he"),
    lambda nb: initialize_parameters([20, 30, 10, 1], "xavier", distribution="uniform", seed=8),
    lambda nb: initialize_parameters([20, 30, 10, 1], "random", seed=None),
    lambda nb: nb["initialize_parameters_zeros"]([20, 30, 10, 1]),
    lambda nb: nb["initialize_parameters_random"]([20, 30, 10, 1]),
    lambda nb: nb["initialize_parameters_he"]([20, 30, 10, 1]),
], ids=["he", "xavier-uniform", "seed-None", "graded-zeros", "graded-random", "graded-he"])
def test_global_generator_untouched(notebook, call):
    np.random.seed(2024)
    before = np.random.get_state()
    call(notebook)
    assert_same_state(before, np.random.get_state())


def test_weights_do_not_depend_on_the_global_generator(notebook):
    np.random.seed(0)
    first = initialize_parameters([3, 4, 1], "lecun"), notebook["initialize_parameters_he"]([3, 4, 1])
    np.random.seed(1)
    np.random.randn(10)
    second = initialize_parameters([3, 4, 1], "lecun"), notebook["initialize_parameters_he"]([3, 4, 1])
    for p, q in zip(first, second):
        for key in p:
            assert np.array_equal(p[key], q[key])


@pytest.mark.parametrize("method", ["glorot", "kaiming", "He", "", None, 1])
def test_unknown_method_lists_the_choices(method):
    with pytest.raises(ValueError) as info:
        initialize_parameters([3, 2, 1], method)
    message = str(info.value)
    assert "method" in message and repr(method) in message
    for name in ALL_METHODS:
        assert repr(name) in message, f"{name!r} missing from: {message}"


@pytest.mark.parametrize("distribution", ["gaussian", "truncated_normal", "Normal", None])
def test_unknown_distribution_lists_the_choices(distribution):
    with pytest.raises(ValueError) as info:
        initialize_parameters([3, 2, 1], "he", distribution=distribution)
    message = str(info.value)
    assert "distribution" in message and repr(distribution) in message
    assert "'normal'" in message and "'uniform'" in message


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize("gain", [0.1, 0.5, 2.5, 10.0])
@pytest.mark.parametrize("method", ["he", "lecun", "xavier", "small", "random"])
def test_gain_multiplies_the_std(method, gain, distribution):
    dims = [10, 20, 5]
    plain = initialize_parameters(dims, method, distribution=distribution, seed=6)
    scaled = initialize_parameters(dims, method, distribution=distribution, seed=6, gain=gain)
    for key in ("W1", "W2"):
        assert np.allclose(scaled[key], gain * plain[key], rtol=1e-12, atol=0), key
        assert not scaled["b1"].any()


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_gain_statistics(distribution):
    gain = 2.5
    W = initialize_parameters([1000, 800], "he", distribution=distribution, seed=9, gain=gain)["W1"]
    target = gain * math.sqrt(2 / 1000)
    assert W.std() == pytest.approx(target, rel=0.02)
    if distribution == "uniform":
        assert np.abs(W).max() <= gain * math.sqrt(6 / 1000)


def test_gain_on_zeros_stays_zero():
    parameters = initialize_parameters([3, 4, 1], "zeros", gain=5.0)
    assert not any(value.any() for value in parameters.values())
