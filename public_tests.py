"""Checks for the graded functions of Initialization.ipynb (placeholder: diagnoses to come)."""

import numpy as np


def _reference(layers_dims, scale):
    rng = np.random.RandomState(3)
    parameters = {}
    for l in range(1, len(layers_dims)):
        if scale == "zeros":
            W = np.zeros((layers_dims[l], layers_dims[l - 1]))
        elif scale == "random":
            W = rng.randn(layers_dims[l], layers_dims[l - 1]) * 10
        else:
            W = rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def _check(target, kind):
    for dims in ([3, 2, 1], [2, 4, 1], [4, 7, 3, 1]):
        got = target(dims)
        expected = _reference(dims, kind)
        for key, value in expected.items():
            assert key in got and np.shape(got[key]) == value.shape and np.allclose(got[key], value), \
                f"Wrong value for {key} with layers_dims={dims}"
    print("All tests passed.")


def initialize_parameters_zeros_test(target):
    _check(target, "zeros")


def initialize_parameters_random_test(target):
    _check(target, "random")


def initialize_parameters_he_test(target):
    _check(target, "he")
