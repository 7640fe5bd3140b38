"""Signal propagation through 50 ReLU layers of 256 units (the lesson's depth section), on the training set.

The claims tested: He keeps the activations' spread; LeCun and Glorot shrink it geometrically
(by about 1/sqrt(2) per layer); x0.01 shrinks it far faster; x10 explodes it, and gradient descent
from there overflows. And, independently of any initializer's code, the variance recursion
Var(z_l) = n_{l-1} Var(W_l) E[a_{l-1}^2] that He et al. (2015) derive, measured layer by layer.
"""

import warnings

import numpy as np
import pytest

from init_lab import deep_forward, initialize_parameters, layer_statistics, train_many

DIMS = [2] + [256] * 50 + [1]          # 50 hidden ReLU layers, a sigmoid output: layer 51
HIDDEN = slice(0, 50)                  # indices of layers 1..50 in the per-layer arrays


@pytest.fixture(scope="module")
def deep(dataset):
    """{method: (parameters, (Z, A), layer_statistics)} for the lesson's 50-layer network, seed 1."""
    train_X, _, _, _ = dataset
    nets = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("he", "lecun", "xavier", "small", "random", "zeros"):
            parameters = initialize_parameters(DIMS, method, seed=1)
            forward = deep_forward(train_X, parameters)
            nets[method] = (parameters, forward, layer_statistics(train_X, parameters, forward=forward))
    return nets


def activation_std(deep, method):
    return deep[method][2]["activation_std"]


def test_layer_statistics_shapes_and_values(deep, dataset):
    train_X, _, _, _ = dataset
    parameters, (Z, A), stats = deep["he"]
    assert len(Z) == 51 and len(A) == 51
    assert stats["activation_std"].shape == (51,) and stats["gradient_std"].shape == (51,)
    for l in (1, 2, 25, 50, 51):
        assert stats["activation_std"][l - 1] == pytest.approx(np.std(Z[l - 1]), rel=1e-12)
    # forward= is only a shortcut: without it the statistics are the same.
    again = layer_statistics(train_X, parameters)
    assert np.allclose(again["activation_std"], stats["activation_std"], rtol=1e-12, atol=0)
    assert np.allclose(again["gradient_std"], stats["gradient_std"], rtol=1e-12, atol=0)


def test_he_keeps_the_activation_std(deep):
    act = activation_std(deep, "he")[HIDDEN]
    assert np.all(np.isfinite(act)) and np.all(act > 0)
    ratio = act / act[0]
    assert ratio.max() < 4 and ratio.min() > 1 / 4, f"He: ratio to layer 1 in [{ratio.min():.2f}, {ratio.max():.2f}]"


def test_he_keeps_the_gradient_std(deep):
    grad = deep["he"][2]["gradient_std"][HIDDEN]
    ratio = grad / grad[-1]
    assert ratio.max() < 4 and ratio.min() > 1 / 4


@pytest.mark.parametrize("method", ["lecun", "xavier"])
def test_lecun_and_glorot_shrink_the_signal(deep, method):
    act = activation_std(deep, method)[HIDDEN]
    assert act[-1] / act[0] < 1e-5
    # Geometric decay by about sqrt(1/2) per layer (half the variance He keeps): over 49 layers that is
    # 2^(-24.5) = 4e-8; allow a factor 30 either way for the finite width.
    assert 2 ** -24.5 / 30 < act[-1] / act[0] < 2 ** -24.5 * 30


def test_small_shrinks_far_more(deep):
    small = activation_std(deep, "small")[HIDDEN]
    lecun = activation_std(deep, "lecun")[HIDDEN]
    assert small[-1] > 0                      # tiny but not underflowed to 0
    assert small[-1] / small[0] < 1e-30
    assert (small[-1] / small[0]) < 1e-20 * (lecun[-1] / lecun[0])


def test_zeros_kills_the_signal(deep):
    assert np.all(activation_std(deep, "zeros") == 0)


def test_times_10_explodes(deep):
    act = activation_std(deep, "random")[HIDDEN]
    assert act[-1] / act[0] > 1e80
    # With this data and depth the forward pass alone does not overflow float64 (std ~ 4e101 at layer 50):
    # "x10 overflows" is not literal here; training from it does (next test).
    assert np.all(np.isfinite(act))


def test_times_10_training_overflows_without_warnings(dataset, deep):
    train_X, train_Y, _, _ = dataset
    parameters = deep["random"][0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trained, = train_many(train_X, train_Y, [parameters], learning_rate=0.01, num_iterations=2)
    assert not all(np.all(np.isfinite(value)) for value in trained.values())
    # ... while two steps from He stay finite.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        he, = train_many(train_X, train_Y, [deep["he"][0]], learning_rate=0.01, num_iterations=2)
    assert all(np.all(np.isfinite(value)) for value in he.values())


@pytest.mark.parametrize("method, weight_variance", [
    ("he", lambda fan_in: 2 / fan_in),            # He et al. (2015)
    ("lecun", lambda fan_in: 1 / fan_in),         # LeCun et al. (1998)
])
def test_variance_recursion(deep, method, weight_variance):
    """Var(z_l) = n_{l-1} Var(W_l) E[a_{l-1}^2] (He et al. 2015, eq. 7), with Var(W_l) from the
    published formula and Var(z_l), E[a_{l-1}^2] measured from deep_forward's outputs.

    The prediction averages over weights; one network of width 256 scatters each layer's ratio by
    about 7 % (rank-1 mean component of ReLU activations: sqrt(2 / 256) * 0.6), so each layer is held
    to 30 %, their mean over 49 layers to 3 %.
    """
    _, (Z, A), _ = deep[method]
    ratios = []
    for l in range(2, 51):
        n_prev = DIMS[l - 1]
        predicted = n_prev * weight_variance(n_prev) * np.mean(A[l - 1] ** 2)
        ratios.append(np.var(Z[l - 1]) / predicted)
    ratios = np.array(ratios)
    assert np.all((ratios > 0.7) & (ratios < 1.3)), np.round(ratios, 3)
    assert abs(np.mean(ratios) - 1) < 0.03, np.mean(ratios)


def test_relu_halves_the_second_moment(deep):
    """The other half of He's argument: for z symmetric about 0, E[relu(z)^2] = Var(z) / 2."""
    _, (Z, A), _ = deep["he"]
    ratios = np.array([np.mean(A[l] ** 2) / (np.var(Z[l - 1]) / 2) for l in range(1, 50)])
    assert abs(np.mean(ratios) - 1) < 0.05, np.mean(ratios)
    assert np.all((ratios > 0.6) & (ratios < 1.4)), np.round(ratios, 3)
