"""Activations and loss against references computed independently (decimal at 60 digits, math per example).

Every check runs with warnings turned into errors and numpy's overflow / invalid / divide-by-zero
floating-point errors raised, so an exp() that overflows or a log(0) fails the test even where the
result happens to come out right.
"""

import contextlib
import decimal
import math
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest

from init_utils import compute_loss, cross_entropy_from_logits, relu, sigmoid

PRECISION = 60      # decimal digits of the references


@contextlib.contextmanager
def strict():
    """Any warning is an error, and so is a floating-point overflow, invalid operation or division by zero."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


def decimal_sigmoid(z):
    """1 / (1 + exp(-z)) at PRECISION digits, rounded once to the nearest float64.

    exp(1e300) is beyond even decimal's range: with the Overflow trap off it is Infinity, and
    1 / (1 + Infinity) is exactly 0, the right answer.
    """
    with localcontext() as ctx:
        ctx.prec = PRECISION
        ctx.Emax, ctx.Emin = decimal.MAX_EMAX, decimal.MIN_EMIN
        ctx.traps[decimal.Overflow] = False
        return float(1 / (1 + (-Decimal(float(z))).exp()))


def decimal_cross_entropy(z, y):
    """Mean over examples of -log(sigmoid(z)) for y = 1 and -log(1 - sigmoid(z)) for y = 0, at PRECISION digits.

    -log(1 - sigmoid(z)) = log(1 + exp(z)) and -log(sigmoid(z)) = log(1 + exp(-z)): the definition
    written exactly, no float rounding until the final result.
    """
    with localcontext() as ctx:
        ctx.prec = PRECISION
        total = Decimal(0)
        for zi, yi in zip(np.ravel(z), np.ravel(y)):
            s = Decimal(float(zi)) if yi == 0 else -Decimal(float(zi))
            total += (1 + s.exp()).ln()
        return float(total / len(np.ravel(z)))


# z from 0 outwards: around 0, the float32/float64 cancellation zone of 1 - sigmoid, where exp(-z)
# overflows (|z| > 709.78), where the result goes subnormal (z < -708) and underflows (z < -745).
SIGMOID_POINTS = [0.0, 1e-300, 1e-20, 1e-8, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 36.0, 36.8, 37.0,
                  40.0, 50.0, 100.0, 300.0, 700.0, 709.0, 709.8, 710.0, 740.0, 745.0, 746.0, 800.0, 1e4, 1e300]


@pytest.mark.parametrize("z", sorted({s * v for v in SIGMOID_POINTS for s in (-1.0, 1.0)}))
def test_sigmoid_matches_decimal_reference(z):
    expected = decimal_sigmoid(z)
    with strict():
        got = sigmoid(np.array([z]))[0]
        got_scalar = sigmoid(z)
    assert np.isfinite(got) and 0.0 <= got <= 1.0
    assert got == got_scalar
    if expected < np.finfo(float).tiny:
        # The true value is below the smallest normal float64 (z < -708.4): 0 or a subnormal. scipy's
        # expit returns 0 once exp(-z) would overflow (z < -709.78) instead of the subnormal value; the
        # absolute error is below 2.3e-308, which no computation here can notice. Not nan, not negative.
        assert 0.0 <= got <= np.finfo(float).tiny
        assert abs(got - expected) <= np.finfo(float).tiny
    else:
        assert abs(got - expected) <= 1e-15 * expected, f"sigmoid({z!r}) = {got!r}, expected {expected!r}"


def test_sigmoid_dense_grid_relative_error():
    z = np.linspace(-60, 60, 2401)
    expected = np.array([decimal_sigmoid(v) for v in z])
    with strict():
        got = sigmoid(z)
    assert got.shape == z.shape and got.dtype == np.float64
    assert np.max(np.abs(got - expected) / expected) < 1e-15


def test_sigmoid_symmetry_and_monotonicity():
    z = np.linspace(-800, 800, 16001)
    with strict():
        s = sigmoid(z)
        s_neg = sigmoid(-z)
    assert np.all(np.diff(s) >= 0)
    # sigmoid(z) + sigmoid(-z) = 1 where neither term is below the rounding of 1.
    both = (s > 1e-3) & (s < 1 - 1e-3)
    assert np.allclose(s[both] + s_neg[both], 1.0, rtol=0, atol=2 * np.finfo(float).eps)
    assert s[0] == 0.0 and s[-1] == 1.0


def test_relu():
    z = np.array([[-1e300, -3.5, -1e-300, -0.0, 0.0, 1e-300, 2.0, 1e300]])
    before = z.copy()
    with strict():
        got = relu(z)
    expected = np.array([[max(v, 0.0) for v in z.ravel()]])
    assert got.shape == z.shape
    assert np.array_equal(got, expected)
    assert np.all(got >= 0)
    assert np.array_equal(z, before), "relu must not modify its input"


# (logits, labels) cases for the cross-entropy: moderate, large, extreme, and mixed on both sides.
CE_CASES = {
    "moderate": (np.array([[-3.0, -0.5, 0.0, 0.25, 1.0, 4.0]]), np.array([[0, 1, 1, 0, 1, 0]])),
    "z=+-40 right": (np.array([[40.0, -40.0]]), np.array([[1, 0]])),
    "z=+-40 wrong": (np.array([[40.0, -40.0]]), np.array([[0, 1]])),
    "z=+-800 mixed": (np.array([[800.0, -800.0, 800.0, -800.0]]), np.array([[1, 1, 0, 0]])),
    "z=+-1e4 mixed": (np.array([[1e4, -1e4, 1e4, -1e4]]), np.array([[0, 0, 1, 1]])),
    "all right, huge": (np.array([[1e4, -1e4, 800.0, -800.0]]), np.array([[1, 0, 1, 0]])),
    "mixed magnitudes": (np.array([[-1e4, -800.0, -40.0, -1.0, 1e-9, 2.0, 37.0, 745.0, 1e4]]),
                         np.array([[1, 0, 1, 1, 0, 0, 0, 1, 0]])),
}


@pytest.mark.parametrize("case", list(CE_CASES))
def test_cross_entropy_from_logits_matches_decimal_reference(case):
    z, Y = CE_CASES[case]
    expected = decimal_cross_entropy(z, Y)
    with strict():
        got = cross_entropy_from_logits(z, Y)
        a3 = sigmoid(z)
        via_compute_loss = compute_loss(a3, Y, z3=z)
    assert isinstance(got, float) and isinstance(via_compute_loss, float)
    assert math.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-14, abs=1e-300)
    assert via_compute_loss == pytest.approx(expected, rel=1e-14, abs=1e-300)


def test_cross_entropy_random_logits_against_per_example_float_reference():
    rng = np.random.RandomState(0)
    z = rng.randn(1, 500) * 30
    Y = (rng.rand(1, 500) < 0.5).astype(int)
    # -log p of the label: log(1 + exp(s)) with s = z for y = 0 and s = -z for y = 1, by the max trick.
    terms = []
    for zi, yi in zip(z.ravel(), Y.ravel()):
        s = zi if yi == 0 else -zi
        terms.append(max(s, 0.0) + math.log1p(math.exp(-abs(s))))
    expected = math.fsum(terms) / len(terms)
    with strict():
        got = cross_entropy_from_logits(z, Y)
    assert got == pytest.approx(expected, rel=1e-13)


def test_compute_loss_from_a3_alone_is_exact_when_not_saturated():
    rng = np.random.RandomState(1)
    z = rng.uniform(-3, 3, size=(1, 200))
    Y = (rng.rand(1, 200) < 0.5).astype(int)
    expected = decimal_cross_entropy(z, Y)
    with strict():
        got = compute_loss(sigmoid(z), Y)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-13)


def test_compute_loss_from_a3_alone_saturated_on_the_right_side():
    z = np.array([[800.0, -800.0, 1e4, -1e4, 2.0]])
    Y = np.array([[1, 0, 1, 0, 1]])
    a3 = sigmoid(z)
    assert a3[0, 0] == 1.0 and a3[0, 1] == 0.0       # the setup: really saturated
    with strict():
        got = compute_loss(a3, Y)
    expected = decimal_cross_entropy(z, Y)
    assert math.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("z, y", [(-800.0, 1), (800.0, 0), (-1e4, 1), (1e4, 0)])
def test_compute_loss_from_a3_alone_raises_when_saturated_wrong(z, y):
    z3 = np.array([[1.0, z, -2.0]])
    Y = np.array([[1, y, 0]])
    a3 = sigmoid(z3)
    with strict(), pytest.raises(ValueError, match="z3"):
        compute_loss(a3, Y)
    # ... and with the logits the same cost is finite and exact.
    with strict():
        got = compute_loss(a3, Y, z3=z3)
    assert got == pytest.approx(decimal_cross_entropy(z3, Y), rel=1e-14)


def test_compute_loss_never_inf_at_extreme_logits():
    z = np.array([[1e4, -1e4, 1e300, -1e300]])
    Y = np.array([[0, 1, 0, 1]])
    with strict():
        got = compute_loss(sigmoid(z), Y, z3=z)
    assert math.isfinite(got)
    # Each example costs |z| exactly (log(1 + exp(|z|)) = |z| in float64 for |z| >= 40).
    assert got == pytest.approx(math.fsum(abs(v) for v in z.ravel()) / 4, rel=1e-15)


def course_weights_random(layers_dims):
    """The course's large random weights written independently: np.random.seed(3), randn * 10, biases 0."""
    rng = np.random.RandomState(3)
    return {key: value for l in range(1, len(layers_dims))
            for key, value in (("W" + str(l), rng.randn(layers_dims[l], layers_dims[l - 1]) * 10),
                               ("b" + str(l), np.zeros((layers_dims[l], 1))))}


def test_large_random_cost_at_iteration_0_is_finite_1773_586(notebook, dataset):
    """The course prints "Cost after iteration 0: inf" for the x10 initialization; the true cost is about 1773.586."""
    train_X, train_Y, _, _ = dataset
    parameters = notebook["initialize_parameters_random"]([2, 10, 5, 1])
    # The logits by a plain forward pass, then the per-example loss in float64 with math (max trick).
    h = np.maximum(parameters["W1"] @ train_X + parameters["b1"], 0)
    h = np.maximum(parameters["W2"] @ h + parameters["b2"], 0)
    z3 = (parameters["W3"] @ h + parameters["b3"]).ravel()
    terms = []
    for zi, yi in zip(z3, train_Y.ravel()):
        s = float(zi) if yi == 0 else -float(zi)         # loss = log(1 + exp(s))
        terms.append(max(s, 0.0) + math.log1p(math.exp(-abs(s))))
    expected = math.fsum(terms) / len(terms)
    assert expected == pytest.approx(1773.586, abs=5e-4)       # the figure, from the reference

    notebook_forward = notebook["forward_propagation"]
    with strict():
        a3, cache = notebook_forward(train_X, parameters)
        from_logits = notebook["compute_loss"](a3, train_Y, z3=cache[8])
        direct = cross_entropy_from_logits(cache[8], train_Y)
    assert np.array_equal(cache[8].ravel(), z3)
    assert from_logits == pytest.approx(expected, rel=1e-12)
    assert direct == pytest.approx(expected, rel=1e-12)
    # Half of the outputs are saturated on the wrong side: from a3 alone the cost is unrecoverable.
    with strict(), pytest.raises(ValueError, match="z3"):
        notebook["compute_loss"](a3, train_Y)


def test_course_random_weights_recipe_matches_notebook(notebook):
    """The weights used above are the course's (seed 3, randn x 10), so the 1773.586 is the course's cost."""
    got = notebook["initialize_parameters_random"]([2, 10, 5, 1])
    expected = course_weights_random([2, 10, 5, 1])
    assert set(got) == set(expected)
    for key in expected:
        assert np.array_equal(got[key], expected[key]), key
