"""Helpers for the Initialization lesson: data, network, loss, training and plots.

Shapes follow one scheme throughout (m examples, layer l has n_l units):

    X   : (n_x, m)          inputs, one example per column
    Y   : (1, m)            labels, 0 or 1
    W_l : (n_l, n_{l-1})    weights of layer l
    b_l : (n_l, 1)          biases of layer l
    Z_l, A_l : (n_l, m)     pre-activations and activations of layer l

The course's names and signatures are kept (forward_propagation, backward_propagation,
update_parameters, predict, ...). What changed inside them: every step is vectorized, the
sigmoid and the cross-entropy are exact for any logit (no overflow, no log(0), no warnings),
and every random draw comes from a seeded generator of its own, never numpy's global one.

Unlike a pure numerics module, this one prints (predict's accuracy line) and draws (the plot
functions): the course's API puts them here, and keeping them here keeps the notebook free of
helpers. Each plot function shows its figure through show(), which in a notebook displays a PNG
only, so that the stored outputs hold no text that differs between matplotlib versions.
"""

import base64
import hashlib
import io
import logging
import multiprocessing
import numbers
import os
import sys
import warnings
import zipfile

import numpy as np

# On a fresh machine matplotlib logs "building the font cache" to stderr on first import;
# that line would land in the notebook's stored outputs, so it is silenced before the import.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

LAYER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
# One colour per initialization in every figure that compares them (keys: labels, lowercased).
METHOD_COLORS = {"zeros": "C7", "× 0.01": "C1", "small": "C1", "lecun": "C2", "glorot": "C3", "xavier": "C3",
                 "he": "C4", "× 10": "C5", "random": "C5"}
POINT_COLORS = ListedColormap(["#c0392b", "#2b5c9e"])      # label 0 red, label 1 blue
REGION_COLORS = ListedColormap(["#f6d0cb", "#cddcf0"])     # the same, light


# --------------------------------------------------------------------------------------------
# Activations and loss: the one place for the numerics
# --------------------------------------------------------------------------------------------

def sigmoid(z, out=None):
    """Logistic function 1 / (1 + exp(-z)), elementwise, computed as the course computes it.

    The same operations in the same order as the course's `1 / (1 + np.exp(-z))`, so that a
    network trained here follows the course's trajectory bit for bit (the large-random run is
    chaotic: any other rounding makes it part ways within a few steps). It is accurate to a few
    units in the last place. For z < -709.78, exp(-z) overflows to inf and the result is 0, the
    float nearest the truth; that overflow is expected, so it raises no warning.

    z -- a number or an array; out -- an optional float array of z's shape to write the result into
    Returns a float64 array of z's shape (a numpy float for a number).
    """
    z = np.asarray(z, dtype=float)
    result = np.negative(z, out=np.empty_like(z) if out is None else out)
    _course_sigmoid_of_negated(result)
    return result if out is not None or result.ndim else result[()]


def _course_sigmoid_of_negated(t):
    """Turn t = -z (a float array) into 1 / (1 + exp(-z)) in place: the course's steps, in its order."""
    with np.errstate(over="ignore"):            # exp(-z) = inf for z < -709.78, then 1 / (1 + inf) = 0
        np.exp(t, out=t)
    one = _filled(t.shape, 1.0)
    np.add(one, t, out=t)
    np.divide(one, t, out=t)


def relu(z):
    """max(0, z), elementwise (0 first, as the course writes it)."""
    return np.maximum(0.0, z)


# Read-only arrays filled with one value, by (shape, value): a ufunc is faster on two arrays of one
# shape than on an array and a Python number (no scalar conversion, no broadcasting), and gives the
# same bits. Only small shapes are kept, and only a few of them.
_FILLED = {}
_FILLED_MAX_SIZE = 100_000


def _filled(shape, value):
    """A read-only array of `shape` filled with `value`, or, for a large shape, the number itself."""
    array = _FILLED.get((shape, value))
    if array is None:
        if np.prod(shape) > _FILLED_MAX_SIZE:
            return value
        if len(_FILLED) > 64:
            _FILLED.clear()
        array = _FILLED[(shape, value)] = np.full(shape, value)
        array.flags.writeable = False
    return array


def softplus(z):
    """log(1 + exp(z)), exact for any z (no overflow for large z, no log(1) rounding for small)."""
    return np.logaddexp(0.0, z)


def cross_entropy_from_logits(z, Y):
    """Mean binary cross-entropy of labels Y (1, m) given logits z (1, m), for any finite z.

    For a label y in {0, 1} the loss of one example is -log(sigmoid(z)) if y = 1 and
    -log(1 - sigmoid(z)) if y = 0, i.e. softplus(-z) and softplus(z): softplus((1 - 2y) z).
    Computed this way it never rounds to inf, even when sigmoid(z) itself rounds to 0 or 1.
    z and Y must have the same shape (a transposed Y would broadcast to an (m, m) table of costs).
    """
    z = np.asarray(z, dtype=float)
    Y = np.asarray(Y)
    _check_same_shape("z", z, Y)
    _check_labels(Y)
    if np.isnan(z).any():
        raise ValueError(f"the logits z hold {int(np.isnan(z).sum())} NaN values (did training diverge?)")
    return float(np.mean(softplus((1.0 - 2.0 * Y) * z)))


def _check_same_shape(name, values, Y):
    """Raise a ValueError unless values (a3 or z) has Y's shape, which must be (1, m)."""
    if Y.ndim != 2 or Y.shape[0] != 1:
        raise ValueError(f"Y must have shape (1, m); got shape {Y.shape}"
                         + (" (use Y.reshape(1, -1))" if Y.ndim == 1 or Y.shape[-1] == 1 else ""))
    if values.shape != Y.shape:
        raise ValueError(f"{name} has shape {values.shape} but Y has shape {Y.shape}: they must be the same "
                         f"(one {name} per example)")
    if Y.shape[1] == 0:
        raise ValueError("Y holds no examples (shape (1, 0)): a mean cost over no examples is undefined")


def compute_loss(a3, Y, z3=None):
    """Cross-entropy cost of predictions a3 (1, m) against labels Y (1, m), a Python float.

    Pass the logits z3 (1, m) whenever you have them (model() does): then the cost is exact for
    any logit. From a3 alone it cannot be: a3 = sigmoid(z3) keeps only about 16 significant digits
    of 1 - a3, so the cost of an example with label 0 loses precision once z3 exceeds about 10, and
    once |z3| exceeds about 37, a3 rounds to exactly 0 or 1. Where that happens on the wrong side
    the cost cannot be recovered at all, and a ValueError says so instead of returning inf.
    """
    Y = np.asarray(Y)
    if z3 is not None:
        _check_same_shape("a3", np.asarray(a3), Y)
        return cross_entropy_from_logits(z3, Y)
    a3 = np.asarray(a3, dtype=float)
    _check_same_shape("a3", a3, Y)
    _check_labels(Y)
    outside = ~((a3 >= 0) & (a3 <= 1))                  # NaN is outside too
    if np.any(outside):
        raise ValueError(f"a3 must hold probabilities between 0 and 1; {int(outside.sum())} of its values are not "
                         f"(for example {a3[outside].flat[0]:.6g}). Logits go in z3: compute_loss(a3, Y, z3=...)")
    wrong_and_saturated = ((Y == 1) & (a3 <= 0)) | ((Y == 0) & (a3 >= 1))
    if np.any(wrong_and_saturated):
        raise ValueError(
            f"compute_loss: {int(np.sum(wrong_and_saturated))} of the predictions a3 rounded to "
            "exactly 0 or 1 on the wrong side, so their loss cannot be recovered from a3; "
            "pass the logits as compute_loss(a3, Y, z3=...)"
        )
    # Each example takes only the log its label selects: log(a3) for y = 1 and log1p(-a3), which
    # is log(1 - a3) without rounding 1 - a3 first, for y = 0. So log(0) is never taken.
    is_one = np.broadcast_to(Y == 1, a3.shape)
    log_p = np.zeros_like(a3)
    np.log(a3, out=log_p, where=is_one)
    np.log1p(-a3, out=log_p, where=~is_one)
    return float(-np.mean(log_p))


# --------------------------------------------------------------------------------------------
# Input checks: bad input fails here, with a message, before any training starts
# --------------------------------------------------------------------------------------------

# The largest network (its float64 weights and biases) the module agrees to build: the lesson's largest
# takes 27 MB, and a typo such as [2, 10**9, 1] would otherwise try to allocate tens of gigabytes.
MAX_NETWORK_BYTES = 10**9


def check_layers_dims(layers_dims):
    """Raise a ValueError unless layers_dims is a sequence of at least two positive integers whose
    network (weights and biases in float64) fits in MAX_NETWORK_BYTES."""
    if isinstance(layers_dims, (str, bytes, dict, set)) or not hasattr(layers_dims, "__len__"):
        raise ValueError(
            "layers_dims must be a list of layer sizes such as [2, 10, 5, 1]; "
            f"got {type(layers_dims).__name__} {layers_dims!r}"
        )
    if len(layers_dims) < 2:
        raise ValueError(
            f"layers_dims must hold at least two sizes (input and output); got {list(layers_dims)!r}"
        )
    for n in layers_dims:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(
                f"layers_dims must hold positive integers; got {list(layers_dims)!r} "
                f"(the entry {n!r} is not one)"
            )
    count = sum(int(n) * (int(n_prev) + 1) for n_prev, n in zip(layers_dims[:-1], layers_dims[1:]))
    if 8 * count > MAX_NETWORK_BYTES:
        shown = list(layers_dims) if len(layers_dims) <= 8 else f"{list(layers_dims[:8])[:-1]} ... ]"
        raise ValueError(f"layers_dims {shown} describes a network of {count:,} parameters, which would take "
                         f"{8 * count / 1e9:,.1f} GB as float64; the limit is {MAX_NETWORK_BYTES / 1e9:g} GB "
                         "(init_utils.MAX_NETWORK_BYTES). Is one of the sizes a typo?")


def check_data(X, Y=None, n_x=None):
    """Raise a ValueError naming the problem unless X (n_x, m) and Y (1, m) are usable together.

    X -- a finite real numpy array, one example per column; n_x, when given, is the number of rows
         the network takes (W1's columns)
    Y -- None, or a numpy array (1, m) of labels 0 and 1, m = X's number of columns
    """
    X = _check_array("X", X, "(n_x, m)")
    if X.shape[1] == 0:
        raise ValueError(f"X holds no examples (shape {X.shape}): it needs at least one column")
    if not np.issubdtype(X.dtype, np.number) or np.iscomplexobj(X):
        raise ValueError(f"X must hold real numbers; got dtype {X.dtype}")
    if n_x is not None and X.shape[0] != n_x:
        if X.shape[1] == n_x:
            raise ValueError(f"X has shape {X.shape}, which looks like (m, n_x): examples must be columns, "
                             f"X of shape ({n_x}, {X.shape[0]}); pass X.T")
        raise ValueError(f"X has {X.shape[0]} rows but the network takes {n_x} inputs (W1 has {n_x} columns)")
    if Y is not None:
        Y = _check_array("Y", Y, "(1, m)")
        m = Y.shape[1] if Y.ndim == 2 else None
        if Y.ndim != 2 or Y.shape[0] != 1:
            hint = " (use Y.reshape(1, -1))" if Y.ndim == 1 or (Y.ndim == 2 and Y.shape[1] == 1) else ""
            raise ValueError(f"Y must have shape (1, m); got shape {Y.shape}{hint}")
        if X.shape[1] != m:
            if X.shape[0] == m:
                raise ValueError(
                    f"X has shape {X.shape}, which looks like (m, n_x): examples must be columns, "
                    f"X of shape ({X.shape[1]}, {m}) to match Y's shape {Y.shape}; pass X.T"
                )
            raise ValueError(
                f"X and Y hold different numbers of examples: X has shape {X.shape} "
                f"({X.shape[1]} examples) but Y has shape {Y.shape} ({m} examples)"
            )
        _check_labels(Y)
    bad = ~np.isfinite(X)
    if np.any(bad):
        raise ValueError(
            f"X must be finite; it holds {int(np.sum(bad))} NaN or infinite entries "
            f"(the first at index {tuple(int(i) for i in np.argwhere(bad)[0])})"
        )


def _check_array(name, value, shape):
    """value itself if it is a 2-D numpy array, else a ValueError that says what it is."""
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{name} must be a numpy array of shape {shape}; got a {type(value).__name__}"
                         + (f" (use np.array({name}))" if isinstance(value, (list, tuple)) else ""))
    if value.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape {shape}; got shape {value.shape}"
                         + (f" (use {name}.reshape(1, -1))" if name == "Y" and value.ndim == 1 else ""))
    return value


def _check_labels(Y):
    """Raise a ValueError unless Y holds only the labels 0 and 1."""
    if Y.dtype == bool:
        return
    if not np.issubdtype(Y.dtype, np.number) or np.iscomplexobj(Y):
        raise ValueError(f"Y must hold the labels 0 and 1; got dtype {Y.dtype}")
    is_label = (Y == 0) | (Y == 1)
    if not np.all(is_label):
        others = [v.item() for v in np.unique(Y[~is_label])][:5]
        raise ValueError(f"Y must hold only the labels 0 and 1; it also holds {others}")


def check_training_inputs(X, Y, learning_rate, num_iterations):
    """Raise a ValueError naming the problem unless X (n_x, m), Y (1, m) and the settings are usable."""
    check_data(X, Y)
    if (isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real)
            or not np.isfinite(learning_rate) or learning_rate <= 0):
        raise ValueError(f"learning_rate must be a positive finite number; got {_describe(learning_rate)}")
    if isinstance(num_iterations, bool) or not isinstance(num_iterations, numbers.Integral):
        raise ValueError(f"num_iterations must be an integer; got {_describe(num_iterations)}")
    if num_iterations < 0:
        raise ValueError(f"num_iterations must be >= 0; got {num_iterations}")


def check_network_input(X, parameters, Y=None):
    """check_parameters(parameters), then check_data(X, Y) with X's rows matched to W1's columns."""
    W1, W2 = (parameters.get("W1"), parameters.get("W2")) if isinstance(parameters, dict) else (None, None)
    if (isinstance(W1, np.ndarray) and isinstance(W2, np.ndarray) and isinstance(X, np.ndarray)
            and W1.ndim == W2.ndim == X.ndim == 2 and W1.shape[1] != X.shape[0] == W1.shape[0]
            and W1.shape[1] == W2.shape[1]):    # W1.T fits both X and W2: W1 is transposed (else b1 would be blamed)
        raise ValueError(f"parameters has W1 of shape {W1.shape}; it needs shape ({W1.shape[1]}, {X.shape[0]}), "
                         "one column per row of X (transposed: rows are this layer's units, columns its inputs)")
    check_parameters(parameters)
    check_data(X, Y, n_x=parameters["W1"].shape[1])


# The graded functions of the lesson and the exercise that writes each: a message about what one of
# them returned names the exercise to go back to.
EXERCISES = {"initialize_parameters_zeros": 1, "initialize_parameters_random": 2, "initialize_parameters_he": 3}


def check_parameters(parameters, layers_dims=None, source=None):
    """Raise a ValueError naming the first problem unless `parameters` is a usable network.

    Usable: a dict holding exactly W1, b1, ..., WL, bL, each a finite float64 numpy array, W_l of
    shape (n_l, n_{l-1}) and b_l of shape (n_l, 1), with n = layers_dims when it is given (else the
    shapes must fit each other). Cheap (one pass over the weights): call it once before training,
    not at every step.

    source -- the function (or its name) that returned `parameters`; the message then starts
              "initialize_parameters_zeros returned ..." and names the exercise to finish
    """
    name, hint = _source_and_hint(source)
    subject = f"{name} returned" if name else "parameters has"      # ... W1 = None, W1 of shape ...
    if not isinstance(parameters, dict):
        raise ValueError(f"{name + ' returned' if name else 'parameters is'} a {type(parameters).__name__}, "
                         "not a dict of parameters "
                         f"{{'W1': ..., 'b1': ..., ...}}{hint('fix')}")
    if layers_dims is not None:
        check_layers_dims(layers_dims)
        L = len(layers_dims) - 1
    else:
        L = sum(1 for key in parameters if isinstance(key, str) and key[:1] == "W" and key[1:].isdigit())
    expected = [f"{kind}{l}" for l in range(1, L + 1) for kind in "Wb"]
    missing = [key for key in expected if key not in parameters]
    extra = [key for key in parameters if key not in expected]
    dims = f" for layers_dims {list(layers_dims)}" if layers_dims is not None else ""
    if name:
        subject_dict = f"{name} returned a dict with"
    else:
        subject_dict = "parameters has"
    if missing or not expected:
        raise ValueError(f"{subject_dict} no {', '.join(missing) or 'W1, b1'} (it needs "
                         f"{', '.join(expected) or 'W1, b1, ...'}{dims}){hint('finish')}")
    if extra:
        raise ValueError(f"{subject_dict} keys the network does not have: {', '.join(map(repr, extra))} "
                         f"(it needs exactly {', '.join(expected)}{dims}: {L} layers){hint('fix')}")
    for key in expected:
        _check_parameter(key, parameters[key], _expected_shape(key, parameters, layers_dims), subject, hint)


def _source_and_hint(source):
    """The name of the function that made the parameters (or None), and hint(verb), which names its exercise."""
    name = getattr(source, "__name__", source)
    exercise = EXERCISES.get(name)

    def hint(verb):
        return f": {verb} Exercise {exercise} first" if exercise else ""
    return name, hint


def _expected_shape(key, parameters, layers_dims):
    """The shape parameters[key] needs, from layers_dims or else from the layers it connects (None: any)."""
    l = int(key[1:])
    if layers_dims is not None:
        n, n_prev = layers_dims[l], layers_dims[l - 1]
    else:                               # W_l's rows fix b_l; W_{l-1}'s rows fix W_l's columns
        W = parameters["W" + str(l)]
        n = W.shape[0] if key[0] == "b" and isinstance(W, np.ndarray) and W.ndim == 2 else None
        W_prev = parameters.get("W" + str(l - 1))
        n_prev = W_prev.shape[0] if isinstance(W_prev, np.ndarray) and W_prev.ndim == 2 else None
    if key[0] == "b":
        return (n, 1)
    return (n, n_prev)


def _check_parameter(key, value, shape, subject, hint):
    """One array of a network: not None, an ndarray, float64, of `shape` (None entries: any size), finite."""
    if value is None:
        raise ValueError(f"{subject} {key} = None{hint('finish')}")
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{subject} {key} as a {type(value).__name__}, not a numpy array "
                         f"(np.zeros and rng.randn make arrays){hint('fix')}")
    if value.dtype != np.float64:
        kind = {"b": "booleans", "i": "integers", "u": "integers", "c": "complex numbers",
                "f": "lower-precision floats", "O": "Python objects"}.get(value.dtype.kind, "non-numbers")
        raise ValueError(f"{subject} {key} holding {kind} (dtype {value.dtype}); the network needs float64 "
                         f"arrays, which np.zeros and rng.randn give unless told otherwise{hint('fix')}")
    l = int(key[1:])
    wanted = "(" + ", ".join(str(n) if n is not None else name
                             for n, name in zip(shape, (f"n_{l}", f"n_{l - 1}"))) + ")"
    if value.ndim != 2 or any(n is not None and got != n for got, n in zip(value.shape, shape)):
        if value.shape == shape[::-1]:
            note = " (transposed: rows are this layer's units, columns its inputs)"
        elif value.ndim == 1 and key[0] == "b":
            note = " (a column is needed: a 1-D bias would be broadcast along the examples, not the units)"
        else:
            note = ""
        raise ValueError(f"{subject} {key} of shape {value.shape}; it needs shape {wanted}{note}{hint('fix')}")
    bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
    if bad:
        raise ValueError(f"{subject} {key} holding {bad} NaN or infinite value{'s' if bad > 1 else ''}{hint('fix')}")


def call_initializer(initializer, layers_dims):
    """initializer(layers_dims), checked by check_parameters; a crash inside it becomes one clear error.

    For the lesson's graded functions: a blank left in an exercise, or a numpy error in it, is then
    reported by name ("finish Exercise 1 first") where the result is used, instead of as a numpy
    error in the first training step.
    """
    name = getattr(initializer, "__name__", repr(initializer))
    try:
        parameters = initializer(layers_dims)
    except Exception as error:
        raise RuntimeError(f"{name}({list(layers_dims)}) raised {type(error).__name__}: {error}"
                           f"{_failing_line(error, name)}{_source_and_hint(name)[1]('fix')} "
                           "(its public test says what is wrong)") from None
    check_parameters(parameters, layers_dims, source=name)
    return parameters


def _failing_line(error, function_name):
    """' at line: `code`', the last line of function_name that the error passed through, or ''."""
    import traceback

    lines = [frame.line for frame in traceback.extract_tb(error.__traceback__) if frame.name == function_name]
    return f", in the line `{lines[-1].strip()}`" if lines and lines[-1] else ""


class RunFirstError(RuntimeError):
    """A cell needs the result of an earlier cell that has not run, or failed."""


class Runs(dict):
    """A dict of trained networks by initialization; asking for one not trained yet names the cell to run."""

    def __missing__(self, key):
        raise RunFirstError(f'no trained network runs["{key}"] yet: run the cell that sets runs["{key}"] first '
                            "(if that cell failed, its message says what to fix)")


# --------------------------------------------------------------------------------------------
# The 3-layer network: LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID
# --------------------------------------------------------------------------------------------

def forward_propagation(X, parameters):
    """Forward pass of the 3-layer network, with the course's operations in the course's order.

    Arguments:
    X -- inputs, (n_x, m)
    parameters -- dict with exactly W1 (n_1, n_x), b1 (n_1, 1), W2 (n_2, n_1), b2 (n_2, 1),
                  W3 (1, n_2), b3 (1, 1); anything else raises a ValueError that says what is wrong

    Returns:
    a3 -- output probabilities, (1, m)
    cache -- tuple (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) for backward_propagation;
             z3 (1, m) are the logits, cache[8]
    """
    try:                                        # the shapes, compared as tuples: cheap enough for every step
        W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
        W3, b3 = parameters["W3"], parameters["b3"]
        n_1, n_2 = W1.shape[0], W2.shape[0]
        fits = (len(parameters) == 6 and X.ndim == 2 and W1.shape == (n_1, X.shape[0]) and b1.shape == (n_1, 1)
                and W2.shape == (n_2, n_1) and b2.shape == (n_2, 1) and W3.shape == (1, n_2) and b3.shape == (1, 1))
    except (KeyError, TypeError, AttributeError, IndexError):
        fits = False
    if not fits:
        _explain_3_layer_inputs("forward_propagation", X, parameters)
    z1, a1, z2, a2, z3, a3 = _forward_3(X, W1, b1, W2, b2, W3, b3, (None,) * 6)
    return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)


def backward_propagation(X, Y, cache):
    """Gradients of the mean cross-entropy with respect to every parameter, in the course's order.

    Arguments:
    X -- inputs, (n_x, m)
    Y -- labels, (1, m)
    cache -- the cache returned by forward_propagation(X, parameters)

    Returns:
    gradients -- dict with dW1 (n_1, n_x), db1 (n_1, 1), dW2, db2, dW3 (1, n_2), db3 (1, 1),
                 plus dz_l and da_l (n_l, m) for l = 3, 2, 1 and 2, 1
    """
    try:
        z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3 = cache
        m = a3.shape[1]
        fits = (Y.shape == a3.shape == (1, m) and X.shape == (W1.shape[1], m)
                and a1.shape == (W1.shape[0], m) and a2.shape == (W2.shape[0], m))
    except (TypeError, ValueError, AttributeError, IndexError):
        fits = False
    if not fits:
        _explain_backward_inputs(X, Y, cache)
    g = dict.fromkeys(GRADIENT_NAMES)           # None: _backward_3 makes a new array for each
    _backward_3(X, Y, a1, a2, a3, W2, W3, g, None, None)
    return g


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step, W_l = W_l - learning_rate * dW_l and b_l = b_l - learning_rate * db_l.

    The arrays in `parameters` are updated in place (no new arrays each step); the same dict is
    returned, as in the course. It may hold any number of layers W1, b1, ..., WL, bL. Every
    array and gradient is checked before the first is changed, so a bad one raises a ValueError
    and leaves the parameters as they were.
    """
    if not isinstance(parameters, dict) or not isinstance(grads, dict):
        _explain_update_inputs(parameters, grads, learning_rate)
    if not (isinstance(learning_rate, float) and 0.0 < learning_rate < np.inf):
        _check_learning_rate(learning_rate)
    try:
        steps = [(value, grads["d" + name]) for name, value in parameters.items()]
    except (KeyError, TypeError):
        steps = [(None, None)]
    for value, grad in steps:
        if (not isinstance(value, np.ndarray) or not isinstance(grad, np.ndarray) or grad.shape != value.shape
                or value.dtype.kind != "f"):
            _explain_update_inputs(parameters, grads, learning_rate)
    for value, grad in steps:
        value -= learning_rate * grad
    return parameters


# The course's arithmetic for one step of the 3-layer network, written once. forward_propagation and
# backward_propagation call these for new arrays (out None), GradientDescent with arrays it made once.

def _forward_3(X, W1, b1, W2, b2, W3, b3, out):
    """z = np.dot(W, a) + b, a = np.maximum(0, z) and a3 = 1 / (1 + np.exp(-z3)), the course's formulas
    in the course's order, into out = (z1, a1, z2, a2, z3, a3) (None entries: new arrays).
    Returns the six arrays."""
    z1, a1, z2, a2, z3, a3 = out
    z1 = np.dot(W1, X, out=z1)
    np.add(z1, b1, out=z1)
    a1 = np.maximum(_filled(z1.shape, 0.0), z1, out=a1)
    z2 = np.dot(W2, a1, out=z2)
    np.add(z2, b2, out=z2)
    a2 = np.maximum(_filled(z2.shape, 0.0), z2, out=a2)
    z3 = np.dot(W3, a2, out=z3)
    np.add(z3, b3, out=z3)
    a3 = np.negative(z3, out=a3)
    _course_sigmoid_of_negated(a3)
    return z1, a1, z2, a2, z3, a3


GRADIENT_NAMES = ("dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1")


def _backward_3(X, Y, a1, a2, a3, W2, W3, g, active1, active2):
    """The course's gradients, in the course's order, into the arrays of the dict g (keys GRADIENT_NAMES;
    a None value is replaced by a new array), with the ReLU masks in active1, active2 (None: new)."""
    m = a3.shape[1]
    add_reduce = np.add.reduce                  # what np.sum(dz, axis=1, keepdims=True) calls, without its wrapper

    dz3 = g["dz3"] = np.subtract(a3, Y, out=g["dz3"])   # 1./m * (a3 - Y): exact even when saturated
    np.multiply(_filled(dz3.shape, 1. / m), dz3, out=dz3)
    g["dW3"] = np.dot(dz3, a2.T, out=g["dW3"])
    g["db3"] = add_reduce(dz3, 1, None, g["db3"], True)

    da2 = g["da2"] = np.dot(W3.T, dz3, out=g["da2"])
    dz2 = g["dz2"] = np.multiply(da2, np.greater(a2, 0.0, out=active2), out=g["dz2"])   # ReLU passes the
    g["dW2"] = np.dot(dz2, a1.T, out=g["dW2"])                                      # gradient where active
    g["db2"] = add_reduce(dz2, 1, None, g["db2"], True)

    da1 = g["da1"] = np.dot(W2.T, dz2, out=g["da1"])
    dz1 = g["dz1"] = np.multiply(da1, np.greater(a1, 0.0, out=active1), out=g["dz1"])
    g["dW1"] = np.dot(dz1, X.T, out=g["dW1"])
    g["db1"] = add_reduce(dz1, 1, None, g["db1"], True)


class GradientDescent:
    """The course's gradient descent on the 3-layer network, one step at a time, in arrays made once.

        descent = GradientDescent(X, Y, parameters, learning_rate)
        for i in range(num_iterations):
            descent.forward()           # forward_propagation(X, parameters)
            cost = descent.cost()       # compute_loss(a3, Y, z3), after forward() when it is wanted
            descent.backward()          # backward_propagation(X, Y, cache)
            descent.update()            # update_parameters(parameters, grads, learning_rate)
        trained = descent.parameters()

    The numbers are the course functions' own, bit for bit: the same numpy operations in the same
    order (_forward_3 and _backward_3, which those functions call too). What differs is where they
    are written. At the lesson's size a step is some thirty numpy calls on a few thousand numbers
    each, so a call costs about as much as the arithmetic it does; the functions make new arrays
    at every step, this makes them all here, once, and each step writes into them (out=). The six
    parameters lie side by side in one flat array, and so do their gradients, so that the update
    W = W - learning_rate * dW of all six is two numpy calls instead of twelve.

    X (n_x, m), Y (1, m), parameters (W1, b1, W2, b2, W3, b3, as for forward_propagation) are
    checked here, once. `parameters` is copied, never changed; X and Y are used as they are (not
    copied): change them and the next step sees the change, unchecked. The attributes are the
    descent's own arrays; parameters() gives copies of the current weights. A step that would read
    arrays this iteration has not filled raises a RuntimeError: backward() before forward(),
    update() before backward(), cost() before forward() or right after update(). forward() may
    always run (again): it computes from the current parameters.
    """

    def __init__(self, X, Y, parameters, learning_rate):
        _check_learning_rate(learning_rate)
        check_network_input(X, parameters, Y)
        if len(parameters) != 6 or parameters["W3"].shape[0] != 1:
            _explain_3_layer_inputs("GradientDescent", X, parameters)
        if not np.can_cast(X.dtype, np.float64, "safe"):
            raise ValueError(f"GradientDescent: X holds {X.dtype} numbers, which float64 cannot hold exactly; "
                             "the network computes in float64: pass X.astype(float)")
        m, n_1, n_2 = X.shape[1], parameters["W1"].shape[0], parameters["W2"].shape[0]
        workspace = m * (8 * (4 * (n_1 + n_2) + 3) + n_1 + n_2)      # bytes: the arrays of one step (below)
        if workspace > MAX_NETWORK_BYTES:
            raise ValueError(f"GradientDescent: one step on X of shape {X.shape} with layers of {n_1} and {n_2} units "
                             f"needs {workspace / 1e9:,.1f} GB of arrays; the limit is {MAX_NETWORK_BYTES / 1e9:g} GB "
                             "(init_utils.MAX_NETWORK_BYTES). Train on fewer examples, or in batches")
        self.X, self.Y, self.learning_rate = X, Y, float(learning_rate)
        self.flat = np.concatenate([parameters[key].ravel() for key in LAYER_NAMES])
        self.grad_flat = np.zeros_like(self.flat)
        self.step = np.zeros_like(self.flat)            # learning_rate * the gradients
        self.W1, self.b1, self.W2, self.b2, self.W3, self.b3 = self._views(self.flat, parameters)
        views = self._views(self.grad_flat, parameters)
        self.out = tuple(np.zeros((n, m)) for n in (n_1, n_1, n_2, n_2, 1, 1))     # z1, a1, z2, a2, z3, a3
        self.grads = {"dz3": np.zeros((1, m)), "da2": np.zeros((n_2, m)), "dz2": np.zeros((n_2, m)),
                      "da1": np.zeros((n_1, m)), "dz1": np.zeros((n_1, m))}
        self.grads.update(zip(("dW1", "db1", "dW2", "db2", "dW3", "db3"), views))
        self.active1, self.active2 = np.zeros((n_1, m), bool), np.zeros((n_2, m), bool)
        self.stage = None                               # the last step: "forward", "backward" or "update"

    @staticmethod
    def _views(flat, parameters):
        """Views of `flat` shaped as parameters[key], for key in LAYER_NAMES, side by side."""
        sizes = np.cumsum([0] + [parameters[key].size for key in LAYER_NAMES])
        return [flat[start:end].reshape(parameters[key].shape)
                for key, start, end in zip(LAYER_NAMES, sizes[:-1], sizes[1:])]

    def forward(self):
        """forward_propagation: the activations and the output a3 of the current parameters."""
        _forward_3(self.X, self.W1, self.b1, self.W2, self.b2, self.W3, self.b3, self.out)
        self.stage = "forward"

    def cost(self):
        """compute_loss from the logits z3 of the last forward(): the cross-entropy, a float."""
        if self.stage not in ("forward", "backward"):
            self._out_of_order("cost", "forward")
        return cross_entropy_from_logits(self.out[4], self.Y)

    def backward(self):
        """backward_propagation: the gradients at the current parameters, from the last forward()."""
        if self.stage != "forward":
            self._out_of_order("backward", "forward")
        z1, a1, z2, a2, z3, a3 = self.out
        _backward_3(self.X, self.Y, a1, a2, a3, self.W2, self.W3, self.grads, self.active1, self.active2)
        self.stage = "backward"

    def update(self):
        """update_parameters: W = W - learning_rate * dW for every parameter, with the gradients of backward()."""
        if self.stage != "backward":
            self._out_of_order("update", "backward")
        np.multiply(self.learning_rate, self.grad_flat, out=self.step)
        np.subtract(self.flat, self.step, out=self.flat)
        self.stage = "update"

    def _out_of_order(self, step, needed):
        last = f"the last step was {self.stage}()" if self.stage else "no step has run yet"
        raise RuntimeError(f"GradientDescent.{step}() needs {needed}() first: the steps of one iteration are "
                           f"forward(), then backward(), then update() ({last})")

    def parameters(self):
        """The current parameters, a dict of new arrays W1, b1, W2, b2, W3, b3."""
        return {key: getattr(self, key).copy() for key in LAYER_NAMES}


def _check_learning_rate(learning_rate):
    if (isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real)
            or not np.isfinite(learning_rate) or learning_rate <= 0):
        raise ValueError(f"learning_rate must be a positive finite number; got {_describe(learning_rate)}")


def _describe(value):
    """repr(value) if it is short, else its type: a message quotes a wrong argument, not a whole dict."""
    text = repr(value)
    return text if len(text) <= 60 else f"a {type(value).__name__}"


def _array_problem(name, value, shape):
    """What is wrong with value as the array `name` of `shape` (None entries: any size), or None."""
    if value is None:
        return f"{name} is None, not a numpy array (is a line that sets it still blank?)"
    if not isinstance(value, np.ndarray):
        return (f"{name} is a {type(value).__name__}, not a numpy array"
                + (f" (np.array({name}) makes one)" if isinstance(value, (list, tuple)) else ""))
    if value.ndim != len(shape) or any(n is not None and got != n for got, n in zip(value.shape, shape)):
        wanted = "(" + ", ".join("any" if n is None else str(n) for n in shape) + ")"
        note = " (transposed)" if value.ndim == 2 and value.shape[::-1] == shape else ""
        if value.ndim == 1 and len(shape) == 2 and shape[1] == 1:
            note = " (a column is needed: a 1-D array would be broadcast along the examples, not the units)"
        return f"{name} has shape {value.shape}; it needs shape {wanted}{note}"
    return None


def _raise_first(function, problems):
    """Raise a ValueError for the first problem that is not None."""
    for problem in problems:
        if problem is not None:
            raise ValueError(f"{function}: {problem}")


def _explain_3_layer_inputs(function, X, parameters):
    """Raise a ValueError that names what makes (X, parameters) unusable by the 3-layer network."""
    if not isinstance(parameters, dict):
        raise ValueError(f"{function}: parameters must be a dict with W1, b1, W2, b2, W3, b3; "
                         f"got a {type(parameters).__name__}")
    missing = [key for key in LAYER_NAMES if key not in parameters]
    extra = [key for key in parameters if key not in LAYER_NAMES]
    if missing or extra:
        deeper = " (it is the 3-layer network; deep_forward takes networks of any depth)" if extra else ""
        raise ValueError(f"{function}: parameters must hold exactly W1, b1, W2, b2, W3, b3; it "
                         + " and ".join(part for part in (f"lacks {', '.join(missing)}" if missing else "",
                                                          f"also holds {', '.join(map(str, extra))}" if extra else "")
                                        if part) + deeper)
    _raise_first(function, [_array_problem(key, value, (None, None))
                            for key, value in (("X", X), ("W1", parameters["W1"]), ("W2", parameters["W2"]))])
    W3 = parameters["W3"]                        # n_2 from W3's columns, so that a transposed W2 is named as such
    n_1 = parameters["W1"].shape[0]
    n_2 = W3.shape[1] if isinstance(W3, np.ndarray) and W3.shape[:1] == (1,) and W3.ndim == 2 else None
    if parameters["W1"].shape[1] != X.shape[0]:
        raise ValueError(f"{function}: W1 has shape {parameters['W1'].shape} but X has shape {X.shape}: "
                         f"W1 needs one column per row of X, shape ({n_1}, {X.shape[0]})"
                         + (" (or is X transposed?)" if parameters["W1"].shape[1] == X.shape[1] else ""))
    _raise_first(function, (_array_problem("b1", parameters["b1"], (n_1, 1)),
                            _array_problem("W2", parameters["W2"], (n_2, n_1)),
                            _array_problem("W3", W3, (1, parameters["W2"].shape[0])),
                            _array_problem("b2", parameters["b2"], (parameters["W2"].shape[0], 1)),
                            _array_problem("b3", parameters["b3"], (1, 1))))
    raise ValueError(f"{function}: unusable X or parameters")     # not reached: every case is named above


def _explain_backward_inputs(X, Y, cache):
    """Raise a ValueError that names what makes (X, Y, cache) unusable by backward_propagation."""
    if not isinstance(cache, (tuple, list)) or len(cache) != 12:
        raise ValueError("backward_propagation: cache must be the tuple of 12 arrays that forward_propagation "
                         f"returns, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3); got a {type(cache).__name__}"
                         + (f" of length {len(cache)}" if hasattr(cache, "__len__") else ""))
    names = ("z1", "a1", "W1", "b1", "z2", "a2", "W2", "b2", "z3", "a3", "W3", "b3")
    _raise_first("backward_propagation", [_array_problem(f"cache's {name}", value, (None, None))
                                          for name, value in zip(names, cache)]
                 + [_array_problem("X", X, (None, None)),
                    _array_problem("Y", Y, np.shape(Y)) if isinstance(Y, np.ndarray) else _array_problem("Y", Y, ())])
    a1, W1, a2, W2, a3 = cache[1], cache[2], cache[5], cache[6], cache[9]
    m = a3.shape[1]
    if Y.shape != a3.shape:
        raise ValueError(f"backward_propagation: Y has shape {Y.shape}; it needs the shape of a3, {a3.shape}"
                         + (" (use Y.reshape(1, -1))" if Y.size == a3.size else ""))
    _raise_first("backward_propagation", (
        _array_problem("X", X, (W1.shape[1], m)),
        _array_problem("cache's a3", a3, (1, m)),
        _array_problem("cache's a1", a1, (W1.shape[0], m)),
        _array_problem("cache's a2", a2, (W2.shape[0], m))))
    raise ValueError("backward_propagation: unusable X, Y or cache")     # not reached


def _explain_update_inputs(parameters, grads, learning_rate):
    """Raise a ValueError that names what makes the inputs of update_parameters unusable."""
    for name, value in (("parameters", parameters), ("grads", grads)):
        if not isinstance(value, dict):
            raise ValueError(f"update_parameters: {name} must be a dict of numpy arrays; got a {type(value).__name__}")
    for name, value in parameters.items():
        problem = _array_problem(str(name), value, (None,) * getattr(value, "ndim", 2))
        if problem is None and value.dtype.kind != "f":
            problem = (f"{name} holds {value.dtype} numbers; it must hold floats (float64) to be updated "
                       "in place by a fractional step")
        grad_name = "d" + str(name)
        if problem is None and grad_name not in grads:
            problem = f"grads has no {grad_name} for the parameter {name}"
        if problem is None:
            problem = _array_problem(grad_name, grads[grad_name], value.shape)
        _raise_first("update_parameters", (problem,))
    raise ValueError("update_parameters: unusable parameters or grads")     # not reached


def predict(X, y, parameters):
    """Predict labels for X (n_x, m), print the accuracy against y (1, m) and return the
    predictions, an int array (1, m) of 0s and 1s. Works for a network of any depth."""
    check_network_input(X, parameters, y)
    p = _classes(X, parameters).astype(int)
    correct = int(np.sum(p == y))
    m = X.shape[1]
    print(f"Accuracy: {correct / m:.5f} ({correct}/{m} correct)")
    return p


def predict_dec(parameters, X):
    """Predicted classes for X (n_x, m) as a boolean array (1, m); used to draw decision boundaries.

    Works for a network of any depth (ReLU hidden layers, a sigmoid output), not only the 3-layer one.
    """
    check_network_input(X, parameters)
    return _classes(X, parameters)


def _classes(X, parameters):
    """predict_dec without the checks: sigmoid(Z_L) > 0.5, as the course thresholds a3."""
    return sigmoid(_forward(X, parameters)[0][-1]) > 0.5


def accuracy(X, Y, parameters):
    """Fraction of the examples X (n_x, m) that the network (any depth) classifies as Y (1, m), a float."""
    check_network_input(X, parameters, Y)
    return float(np.mean(_classes(X, parameters) == Y))


def dead_units(X, parameters):
    """For each hidden layer, how many ReLU units output 0 for every example of X (n_x, m).

    Such a unit passes no gradient back (ReLU's slope is 0 wherever it outputs 0), so gradient
    descent can never revive it: the layer has lost it for good.
    """
    _, A = deep_forward(X, parameters)
    return [int(np.sum(np.all(a == 0, axis=1))) for a in A[1:]]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

# The course's data, stored beside this module (made by tools/make_dataset.py): reading it takes a
# millisecond, while importing scikit-learn to draw it again takes most of a second. DATA_SHA256 is
# the digest of its four arrays' bytes; a missing, damaged or altered file is not used.
DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(globals().get("__file__", "init_utils.py"))), "circles.npz")
DATA_MAX_BYTES = 2**20                          # the file holds 9.6 kB of numbers; anything much larger is not it
DATA_SHA256 = "5fc3253ff70712c3aff31e7544636c980dd4cd4bf842c9c160318665412f1344"
DATA_NAMES = ("train_X", "train_Y", "test_X", "test_Y")


def load_dataset():
    """The course's two-circles data: 300 training and 100 test points, noise 0.05.

    The points are exactly those of seeding numpy's global generator with 1 (train) and 2 (test)
    before scikit-learn's make_circles. They are read from circles.npz beside this module; without
    that file (or if it does not hold exactly those points) they are drawn again by make_circles,
    from RandomState(1) and RandomState(2), so numpy's global generator is left alone either way.

    Returns:
    train_X (2, 300), train_Y (1, 300), test_X (2, 100), test_Y (1, 100); labels are 0/1 ints
    """
    stored = _read_dataset(DATA_FILE)
    if stored is not None:
        return stored
    drawn = make_dataset()
    if dataset_digest(drawn) != DATA_SHA256:    # a scikit-learn whose make_circles draws other points
        raise RuntimeError(f"{DATA_FILE} is missing or damaged, and the installed scikit-learn draws other points "
                           "than the course's: put the lesson's circles.npz back beside init_utils.py")
    return drawn


def make_dataset():
    """load_dataset's four arrays, drawn by scikit-learn's make_circles as the course draws them."""
    try:
        import sklearn.datasets  # here, not at the top: it takes most of a second to import
    except ImportError:
        raise RuntimeError(f"the data file {DATA_FILE} is missing or damaged, and scikit-learn, which can draw the "
                           "same points again, is not installed: put circles.npz beside init_utils.py, or "
                           "pip install scikit-learn") from None

    train_X, train_Y = sklearn.datasets.make_circles(
        n_samples=300, noise=0.05, random_state=np.random.RandomState(1))
    test_X, test_Y = sklearn.datasets.make_circles(
        n_samples=100, noise=0.05, random_state=np.random.RandomState(2))
    return train_X.T, train_Y.reshape(1, -1), test_X.T, test_Y.reshape(1, -1)


def dataset_digest(arrays):
    """SHA-256 of the four arrays' shapes, dtypes and bytes, in load_dataset's order."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _read_dataset(path):
    """The four arrays stored at path, or None unless they are exactly the course's (DATA_SHA256)."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > DATA_MAX_BYTES:    # a FIFO, a device, a huge file
            return None
        with zipfile.ZipFile(path) as archive:  # an .npz is a zip: what its members unpack to, bounded too
            if sum(member.file_size for member in archive.infolist()) > DATA_MAX_BYTES:
                return None
        with np.load(path, allow_pickle=False) as stored:
            arrays = tuple(stored[name] for name in DATA_NAMES)
    except Exception:                           # missing, unreadable, truncated, not a zip, a key missing, ...
        return None
    if dataset_digest(arrays) != DATA_SHA256:
        return None
    train_X, train_Y, test_X, test_Y = arrays
    # X in the memory order make_circles' X.T has (one point per column, stored point by point): the
    # matrix products then take the same path through BLAS, and give the same last bits, as the course's.
    return np.asfortranarray(train_X), train_Y, np.asfortranarray(test_X), test_Y


# --------------------------------------------------------------------------------------------
# Plots. Each function draws one figure and shows it; in a notebook the figure is shown as a
# PNG only, with no "<Figure size ...>" text, which differs between matplotlib versions.
# --------------------------------------------------------------------------------------------

def show(fig):
    """Display `fig` in IPython as a PNG only; elsewhere return it (closed, but it can still be saved)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        plt.close(fig)
        return fig
    if get_ipython() is None:   # a script or a test: nothing to show on; the figure can still be saved
        plt.close(fig)
        return fig
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    display({"image/png": base64.b64encode(buffer.getvalue()).decode("ascii")}, raw=True)
    return None


def plot_dataset(X, Y, title="Training set"):
    """Scatter plot of the points X (2, m) coloured by their labels Y (1, m)."""
    _check_points(X, Y)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(X[0], X[1], c=Y.ravel(), s=30, cmap=POINT_COLORS, vmin=0, vmax=1, edgecolors="k", linewidths=0.3)
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    return show(fig)


def plot_costs(costs, learning_rate, every=100, title=None):
    """Cost against iterations (one value every `every` iterations).

    A log scale when the cost spans more than a factor of 10 (the large-random run starts near 1774);
    otherwise a linear one from 0, so that a flat run looks flat and rounding noise stays invisible.
    A run that overflowed (inf or NaN costs) is drawn up to the overflow, which a dashed line marks.
    """
    costs = np.asarray(costs, dtype=float).ravel()
    if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
        raise ValueError(f"every must be a positive integer (iterations between two costs); got {every!r}")
    iterations = np.arange(len(costs)) * every
    finite = np.isfinite(costs)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(iterations, np.where(finite, costs, np.nan))
    shown = costs[finite]
    if shown.size and shown.max() > 10 * shown.min():
        ax.set_yscale("log")
        ax.set_ylabel("cost (log scale)")
    else:
        ax.set_ylim(0, 1.1 * shown.max() if shown.size and shown.max() > 0 else 1)   # none after 0 iterations
        ax.set_ylabel("cost")
    if not finite.all():
        first = iterations[np.argmax(~finite)]
        ax.axvline(first, color="C3", linestyle="--", linewidth=1)
        ax.text(first, 0.5, f" overflow: no finite cost\n from iteration {first}", transform=ax.get_xaxis_transform(),
                color="C3", fontsize=8, va="center")
    ax.set(xlabel="iteration", title=title or f"Learning rate = {learning_rate}")
    ax.grid(True, which="both", alpha=0.3)
    return show(fig)


# The decision-boundary grid has this many points along the longer side of the plotted region,
# whatever the data's extent, so drawing it takes the same time and memory at any scale.
BOUNDARY_GRID = 320


def plot_decision_boundary(model, X, y, title=None):
    """Colour the plane by the class `model` predicts and scatter the points X (2, m), y (1, m).

    model -- a function from points (k, 2) to predictions of size k, e.g.
             lambda x: predict_dec(parameters, x.T)
    The region shown is the data's extent plus a quarter of it on every side, on a grid of at most
    BOUNDARY_GRID x BOUNDARY_GRID points.
    """
    _check_points(X, y)
    low, high = X.min(axis=1), X.max(axis=1)
    margin = 0.25 * max(float(np.max(high - low)), 1e-9 * max(1.0, float(np.max(np.abs(X)))))
    low, high = low - margin, high + margin
    sides = np.maximum(2, np.round(BOUNDARY_GRID * (high - low) / np.max(high - low))).astype(int)
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], sides[0]), np.linspace(low[1], high[1], sides[1]))
    Z = np.asarray(model(np.c_[xx.ravel(), yy.ravel()]), dtype=float)
    if Z.size != xx.size:
        raise ValueError(f"model returned {Z.size} values for {xx.size} points: it must give one prediction per "
                         "point, e.g. lambda x: predict_dec(parameters, x.T)")
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(xx, yy, Z.reshape(xx.shape), levels=[-0.5, 0.5, 1.5], cmap=REGION_COLORS)
    ax.scatter(X[0], X[1], c=np.ravel(y), s=30, cmap=POINT_COLORS, vmin=0, vmax=1, edgecolors="k", linewidths=0.3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal", title=title)
    return show(fig)


def _check_points(X, Y):
    """Raise a ValueError unless X (2, m) and Y (1, m) can be drawn as points of the plane."""
    check_data(X, Y)
    if X.shape[0] != 2 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (2, m), one point of the plane per column; got shape {X.shape}")


# --------------------------------------------------------------------------------------------
# The initializer family
# --------------------------------------------------------------------------------------------

def _std_zeros(fan_in, fan_out):
    return 0.0


def _std_small(fan_in, fan_out):
    return 0.01          # N(0, 1) x 0.01, the classic "small random numbers"


def _std_random(fan_in, fan_out):
    return 10.0          # N(0, 1) x 10, the course's "large random" weights


def _std_lecun(fan_in, fan_out):
    return np.sqrt(1 / fan_in)                   # Var = 1 / fan_in


def _std_xavier(fan_in, fan_out):
    return np.sqrt(2 / (fan_in + fan_out))       # Glorot & Bengio (2010): Var = 2 / (fan_in + fan_out)


def _std_he(fan_in, fan_out):
    return np.sqrt(2 / fan_in)                   # He et al. (2015): Var = 2 / fan_in


WEIGHT_STD = {"zeros": _std_zeros, "small": _std_small, "random": _std_random,
              "lecun": _std_lecun, "xavier": _std_xavier, "he": _std_he}
DISTRIBUTIONS = ("normal", "uniform")


def _check_seed(seed):
    """Raise a ValueError unless seed is None (fresh randomness) or an integer from 0 to 2**32 - 1."""
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer from 0 to 2**32 - 1 (or None); got {seed!r}")


def initialize_parameters(layers_dims, method="he", *, distribution="normal", seed=3, gain=1.0):
    """Weights for every layer by one of the named schemes, biases zero.

    Arguments:
    layers_dims -- layer sizes [n_x, n_1, ..., n_L]
    method -- "zeros", "small" (N(0, 1) x 0.01), "random" (N(0, 1) x 10, the course's),
              "lecun" (Var 1/fan_in), "xavier" (Glorot: Var 2/(fan_in + fan_out)) or "he" (Var 2/fan_in);
              fan_in = n_{l-1} and fan_out = n_l for W_l
    distribution -- "normal": N(0, std^2); "uniform": U(-sqrt(3) std, sqrt(3) std), the same variance
    seed -- seed of the generator the weights are drawn from (numpy's global generator is not touched);
            with seed=3 the normal "random" and "he" weights equal the course's graded functions'
    gain -- multiplies every weight's standard deviation (1.0 leaves the scheme as it is)

    Returns:
    parameters -- dict with W_l (n_l, n_{l-1}) and b_l (n_l, 1) for l = 1..L
    """
    check_layers_dims(layers_dims)
    _check_seed(seed)
    if isinstance(gain, bool) or not isinstance(gain, numbers.Real) or not np.isfinite(gain) or gain <= 0:
        raise ValueError(f"gain must be a positive finite number (it multiplies the weights' standard "
                         f"deviation); got {gain!r}")
    if not isinstance(method, str) or method not in WEIGHT_STD:
        raise ValueError(f"method must be one of {', '.join(map(repr, WEIGHT_STD))}; got {method!r}")
    if not isinstance(distribution, str) or distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(map(repr, DISTRIBUTIONS))}; "
                         f"got {distribution!r}")
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        fan_in, fan_out = layers_dims[l - 1], layers_dims[l]
        std = WEIGHT_STD[method](fan_in, fan_out)
        if gain != 1.0:
            std = std * gain
        if std == 0:
            W = np.zeros((fan_out, fan_in))
        elif distribution == "normal":
            W = rng.randn(fan_out, fan_in) * std
        else:
            limit = np.sqrt(3) * std
            W = rng.uniform(-limit, limit, size=(fan_out, fan_in))
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((fan_out, 1))
    return parameters


# --------------------------------------------------------------------------------------------
# Networks of any depth: ReLU hidden layers, a sigmoid output
# --------------------------------------------------------------------------------------------

def num_layers(parameters):
    """Number of weight layers L in a parameters dict holding W1, b1, ..., WL, bL."""
    return len(parameters) // 2


def deep_forward(X, parameters):
    """Forward pass of an L-layer network, keeping every layer's pre-activation.

    Returns:
    Z -- list [Z_1, ..., Z_L] of pre-activations (n_l, m); Z_L are the logits
    A -- list [A_0 = X, A_1, ..., A_{L-1}] of the ReLU activations feeding each layer
    Overflow (for weights that are far too large) gives inf, which the caller checks for.
    """
    check_network_input(X, parameters)
    return _forward(X, parameters)


def _forward(X, parameters):
    """deep_forward without the checks."""
    A, Z = [X], []
    L = num_layers(parameters)
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(1, L + 1):
            Z.append(parameters["W" + str(l)] @ A[-1] + parameters["b" + str(l)])
            if l < L:
                A.append(relu(Z[-1]))
    return Z, A


def deep_gradients(parameters, Z, A, dZ_L):
    """Back-propagate dZ_L (n_L, m) through the network of deep_forward; returns dZ_l for l = 1..L."""
    L = num_layers(parameters)
    dZ = [None] * L
    dZ[L - 1] = dZ_L
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(L, 1, -1):
            dA = parameters["W" + str(l)].T @ dZ[l - 1]
            dZ[l - 2] = dA * (A[l - 1] > 0)
    return dZ


def layer_statistics(X, parameters, seed=0, forward=None):
    """Per-layer spread of a network at initialization, as He et al. (2015) study it.

    Arguments:
    X -- inputs, (n_x, m)
    parameters -- an L-layer network (W_l (n_l, n_{l-1}), b_l (n_l, 1))
    seed -- seed of the unit-variance gradient dZ_L fed into the last layer
    forward -- the (Z, A) that deep_forward(X, parameters) returns, if already computed

    Returns:
    dict of arrays of length L: "activation_std" (std of Z_l, the layer's pre-activation) and
    "gradient_std" (std of dZ_l, the gradient reaching layer l's pre-activation)
    inf marks an overflow; 0 a signal that died out completely.
    """
    check_network_input(X, parameters)
    _check_seed(seed)
    if forward is None:
        forward = _forward(X, parameters)
    elif (not isinstance(forward, tuple) or len(forward) != 2 or len(forward[0]) != num_layers(parameters)
          or np.shape(forward[0][-1]) != (parameters["W" + str(num_layers(parameters))].shape[0], X.shape[1])):
        raise ValueError("forward must be the (Z, A) pair that deep_forward(X, parameters) returns, "
                         "for these X and parameters")
    Z, A = forward
    dZ_L = np.random.RandomState(seed).randn(*Z[-1].shape)
    dZ = deep_gradients(parameters, Z, A, dZ_L)
    with np.errstate(over="ignore", invalid="ignore"):
        act = np.array([_std(z) for z in Z])
        grad = np.array([_std(d) for d in dZ])
    return {"activation_std": act, "gradient_std": grad}


def _std(values):
    """Standard deviation, inf if any value overflowed (np.std would give nan with a warning)."""
    if not np.all(np.isfinite(values)):
        return np.inf
    scale = np.max(np.abs(values))
    if scale == 0:
        return 0.0
    return float(np.std(values / scale) * scale)   # scaled first, so the squares cannot overflow


# --------------------------------------------------------------------------------------------
# Many networks at once
# --------------------------------------------------------------------------------------------

def train_many(X, Y, parameters_list, learning_rate=0.01, num_iterations=15000, *, record_every=None, threads=None):
    """Train several networks of the same shape at once by full-batch gradient descent.

    Each network is trained as model() trains one (ReLU hidden layers, a sigmoid output, the
    cross-entropy cost, the same update), but every step handles a group of networks with one
    numpy call per operation: the weights are stacked into W_l (g, n_l, n_{l-1}) and b_l (g, n_l, 1).
    That pays numpy's per-call overhead once per step instead of once per network. The groups
    train in parallel, in forked worker processes on Linux (see _run_groups).

    Arguments:
    X -- inputs, (n_x, m)
    Y -- labels, (1, m)
    parameters_list -- list of k parameter dicts, all with the same keys and shapes (not modified)
    learning_rate, num_iterations -- as for model()
    record_every -- None, or an integer r >= 1: also return the cost of every network every r
                    iterations, computed from the logits each step already has
    threads -- how many groups may train at once (1: all in this process, one after another); by
               default INIT_UTILS_THREADS from the environment if it is set, else the number of
               CPUs this process may use.
               The result does not depend on it, bit for bit: how the networks are split into
               groups depends only on k, and a network's arithmetic does not depend on its group.

    Returns:
    trained -- list of k trained parameter dicts, in the order given; or, with record_every = r,
    (trained, costs) where costs (k, num_iterations // r + 1) holds each network's cost after
    0, r, 2r, ... iterations (the last column after all of them when r divides num_iterations).
    A network whose weights are far too large can overflow: it comes back with inf or nan
    weights (check np.isfinite) and records the cost inf from then on, while the networks beside
    it train undisturbed.
    """
    check_training_inputs(X, Y, learning_rate, num_iterations)
    _check_parameters_list(parameters_list, X)
    if record_every is not None and (isinstance(record_every, bool) or not isinstance(record_every, numbers.Integral)
                                     or record_every < 1):
        raise ValueError(f"record_every must be None or a positive integer; got {record_every!r}")
    threads = _thread_count(threads)
    groups = _split_into_groups(len(parameters_list))
    jobs = [([parameters_list[i] for i in indices], X, Y, learning_rate, num_iterations, record_every)
            for indices in groups]
    results = _run_groups(jobs, threads)
    trained = [network for networks, _ in results for network in networks]
    if record_every is None:
        return trained
    return trained, np.concatenate([costs for _, costs in results])


# train_many trains its networks in groups of at most this many. By 16 networks numpy's per-call
# overhead is already shared out; larger stacks outgrow the CPU's cache and each network costs
# more (measured on the 3-layer network: per network, 39 at once ran 20 % slower than 16).
TRAIN_MANY_GROUP = 16


def _split_into_groups(k):
    """The indices 0 .. k-1 in consecutive groups of equal sizes (to within one), at most
    TRAIN_MANY_GROUP each, and an even number of them when k > 1, so that two cores share the
    work evenly (16 networks: 2 groups of 8; 39: 4 groups of 10, 10, 10, 9). It depends on k only,
    never on the number of threads."""
    count = -(-k // TRAIN_MANY_GROUP)
    if k > 1 and count % 2:
        count += 1
    return np.array_split(np.arange(k), count)


def _thread_count(threads):
    """The number of threads train_many may use: `threads`, else INIT_UTILS_THREADS, else the CPUs available."""
    if threads is None:
        setting = os.environ.get("INIT_UTILS_THREADS", "").strip()
        if not setting:
            return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        if not setting.isdigit() or int(setting) < 1:
            raise ValueError(f"the environment variable INIT_UTILS_THREADS must be a positive integer; got {setting!r}")
        return int(setting)
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise ValueError(f"threads must be None or a positive integer; got {threads!r}")
    return int(threads)


def _run_groups(jobs, workers):
    """[_train_group(*job) for job in jobs], with up to `workers` groups at a time in forked processes.

    Processes, not threads: numpy releases the GIL inside each call, but a step is some thirty calls
    of a few microseconds each, and two threads handing the GIL back and forth that often ran slower
    than one (measured: 16 networks took 1.4 times as long on two threads as on one). Forked workers
    start in milliseconds with everything already imported, and a group's numbers do not depend on
    where it runs. Only where fork is safe and cheap (Linux); elsewhere the groups run one by one.
    An exception in a worker (or an interrupt) ends the pool, and the other workers with it.
    """
    if workers == 1 or len(jobs) == 1 or not sys.platform.startswith("linux"):
        return [_train_group(*job) for job in jobs]
    with warnings.catch_warnings():
        # Python >= 3.12 warns when a process with threads (a Jupyter kernel has some) forks; the
        # workers only run numpy on their own arrays and hand back the results, never those threads' locks.
        warnings.simplefilter("ignore", DeprecationWarning)
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            return pool.starmap(_train_group, jobs, chunksize=1)


def _train_group(networks, X, Y, learning_rate, num_iterations, record_every):
    """Train one group of networks stacked; returns (trained dicts, costs (g, records) or None)."""
    stack = _Stack(networks, X)
    costs = []
    with np.errstate(over="ignore", invalid="ignore"):          # errstate is per thread: set here, in the worker
        for i in range(num_iterations):
            record = record_every is not None and i % record_every == 0
            stack.descend(Y, learning_rate, costs if record else None)
        if record_every is not None and num_iterations % record_every == 0:
            stack.forward()
            costs.append(stack.costs(Y))
    return stack.unstack(), (np.stack(costs, axis=1) if record_every is not None else None)


def _check_parameters_list(parameters_list, X):
    """Raise a ValueError unless parameters_list is a non-empty list of networks of one shape that takes X.

    Unlike check_parameters, inf and nan weights are accepted: a network that overflowed may go on
    training (it records the cost inf)."""
    if not isinstance(parameters_list, (list, tuple)) or len(parameters_list) == 0:
        raise ValueError("parameters_list must be a non-empty list of parameter dicts; got "
                         + (f"a {type(parameters_list).__name__}" if parameters_list is not None else "None")
                         + (" with nothing in it" if isinstance(parameters_list, (list, tuple)) else ""))
    first = parameters_list[0]
    for i, p in enumerate(parameters_list):
        where = f"train_many: parameters_list[{i}]"
        if not isinstance(p, dict):
            raise ValueError(f"{where} is a {type(p).__name__}, not a parameters dict with W1, b1, ..., WL, bL")
        L = sum(1 for key in p if isinstance(key, str) and key[:1] == "W" and key[1:].isdigit())
        expected = [f"{kind}{l}" for l in range(1, L + 1) for kind in "Wb"]
        if L == 0 or set(p) != set(expected):
            raise ValueError(f"{where} must hold exactly W1, b1, ..., WL, bL; it holds {', '.join(map(str, p))}")
        if p is not first and set(p) != set(first):
            raise ValueError(f"{where} has {L} layers but parameters_list[0] has {num_layers(first)}: "
                             "train_many trains networks of one shape")
        n_prev = X.shape[0]
        for l in range(1, L + 1):
            W, b = p["W" + str(l)], p["b" + str(l)]
            n = next((a.shape[0] for a in (b, W) if isinstance(a, np.ndarray) and a.ndim == 2), None)   # n_l
            _raise_first(where, (_array_problem("W" + str(l), W, (n, n_prev)),
                                 _array_problem("b" + str(l), b, (n, 1))))
            if not (np.issubdtype(W.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)):
                raise ValueError(f"{where}: W{l} and b{l} must hold floats; got {W.dtype} and {b.dtype}")
            if p is not first and W.shape != first["W" + str(l)].shape:
                raise ValueError(f"{where}: W{l} has shape {W.shape} but parameters_list[0]'s has shape "
                                 f"{first['W' + str(l)].shape}: train_many trains networks of one shape")
            n_prev = n


class _Stack:
    """k networks of one shape, stacked, with each bias kept as column 0 of its weight matrix.

    V[l-1] (k, n_l, 1 + n_{l-1}) holds [b_l | W_l] and every activation A_{l-1} gets a row of ones
    on top, so that one matmul computes W_l A_{l-1} + b_l and one matmul computes [db_l | dW_l]
    (the "bias trick"): no separate broadcast add for b, no separate sum for db.

    Every array a step needs is allocated once, here, and reused: a step writes into them with
    out= and in-place operators. (Allocating them afresh each step is not only wasteful: once
    they pass a few hundred kB the allocator hands the memory back to the system and faults it
    in again, which made 24 stacked networks twice as slow per network as 16.) The views a step
    uses (transposes, the rows below the ones) are made here once too; they stay valid because
    the arrays behind them are only ever written in place.
    """

    def __init__(self, parameters_list, X):
        k, L, m = len(parameters_list), num_layers(parameters_list[0]), X.shape[1]
        self.V = [np.stack([np.hstack([p["b" + str(l)], p["W" + str(l)]]) for p in parameters_list])
                  .astype(float) for l in range(1, L + 1)]
        self.dV = [np.empty_like(V) for V in self.V]
        self.W_T = [np.swapaxes(V[:, :, 1:], 1, 2) for V in self.V]        # W_l^T (k, n_{l-1}, n_l)
        # ones_A[l] = [1; A_l] for l = 0 .. L-1; [1; X] is shared by the k networks
        self.ones_A = [np.vstack([np.ones((1, m)), X])]
        for V in self.V[1:]:
            ones_A = np.empty((k, V.shape[2], m))
            ones_A[:, 0, :] = 1.0
            self.ones_A.append(ones_A)
        self.ones_A_T = [np.swapaxes(a, -1, -2) for a in self.ones_A]
        self.A = [a[..., 1:, :] for a in self.ones_A]                      # A_l (k, n_l, m), views
        # Where ReLU passed z on, laid out as ones_A (rows below a spare one): numpy compares a view
        # into an array of the same layout twice as fast as into a contiguous one.
        self.active = [np.zeros(a.shape, bool)[..., 1:, :] for a in self.ones_A]
        # Zeros of the shapes they meet: np.maximum(A, zeros) is twice as fast as
        # np.maximum(A, 0) (a Python number takes numpy's slow path), and gives the same numbers.
        self.zeros = [np.zeros(a.shape) for a in self.A]
        self.dZ = [np.empty((k, V.shape[1], m)) for V in self.V]           # dZ_l for l = 1 .. L

    def forward(self):
        """Forward pass for all k networks: the activations A_l, and the logits Z_L in dZ[L - 1]."""
        V, ones_A, A = self.V, self.ones_A, self.A
        for l in range(1, len(V)):                 # A_l = relu([b_l | W_l] [1; A_{l-1}])
            np.matmul(V[l - 1], ones_A[l - 1], out=A[l])
            np.maximum(A[l], self.zeros[l], out=A[l])
        np.matmul(V[-1], ones_A[-1], out=self.dZ[-1])

    def costs(self, Y):
        """Each network's cross-entropy (k,) from the logits forward() left in dZ[L - 1]; inf once it overflowed."""
        with np.errstate(over="ignore", invalid="ignore"):
            costs = np.mean(softplus((1.0 - 2.0 * Y) * self.dZ[-1]), axis=(1, 2))
            finite = np.logical_and.reduce([np.isfinite(V).all(axis=(1, 2)) for V in self.V])
        return np.where(finite & np.isfinite(costs), costs, np.inf)

    def descend(self, Y, learning_rate, record=None):
        """One gradient-descent step for all k networks, in place; before it, append the networks'
        costs to the list `record` if one is given. Lists are 0-based: V[l - 1] is layer l."""
        V, dV, A, dZ = self.V, self.dV, self.A, self.dZ
        L = len(V)
        self.forward()
        if record is not None:
            record.append(self.costs(Y))
        dZ_L = dZ[L - 1]                           # dZ_L = 1./m * (1 / (1 + exp(-Z_L)) - Y), the course's order
        np.negative(dZ_L, out=dZ_L)
        _course_sigmoid_of_negated(dZ_L)
        dZ_L -= Y
        dZ_L *= 1. / Y.shape[1]
        for l in range(L, 0, -1):                  # back from the last layer; each is updated after passing dZ on
            np.matmul(dZ[l - 1], self.ones_A_T[l - 1], out=dV[l - 1])      # [db_l | dW_l]
            if l > 1:                              # dZ_{l-1} = W_l^T dZ_l * (A_{l-1} > 0)
                if dZ[l - 1].shape[1] == 1:        # an outer product: broadcasting beats matmul here
                    np.multiply(self.W_T[l - 1], dZ[l - 1], out=dZ[l - 2])
                else:
                    np.matmul(self.W_T[l - 1], dZ[l - 1], out=dZ[l - 2])
                np.greater(A[l - 1], 0.0, out=self.active[l - 1])
                dZ[l - 2] *= self.active[l - 1]
            dV[l - 1] *= learning_rate
            V[l - 1] -= dV[l - 1]

    def unstack(self):
        """The k networks as a list of parameter dicts (copies)."""
        networks = []
        for i in range(self.V[0].shape[0]):
            parameters = {}
            for l, V in enumerate(self.V, start=1):
                parameters["W" + str(l)] = V[i, :, 1:].copy()
                parameters["b" + str(l)] = V[i, :, :1].copy()
            networks.append(parameters)
        return networks


# --------------------------------------------------------------------------------------------
# Plots for the depth and "how small?" sections
# --------------------------------------------------------------------------------------------

def _color(label, i):
    """The colour of an initialization's label (METHOD_COLORS), else matplotlib's i-th colour."""
    return METHOD_COLORS.get(str(label).lower(), f"C{i % 10}")


def plot_layer_statistics(stats, title="At initialization", ylim=(1e-12, 1e12)):
    """Two panels, activation std and gradient std against layer, on a log scale.

    stats -- dict {label: layer_statistics(...) result}; each label keeps its colour (METHOD_COLORS)
    ylim -- the range shown; curves that leave it are cut off (the legend says which), so that the
            small slopes that matter (a factor of 2 per layer) are not flattened by huge ones
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, key, name in zip(axes, ("activation_std", "gradient_std"),
                             ("std of $Z_l$ (forward)", "std of $dZ_l$ (backward)")):
        for i, (label, s) in enumerate(stats.items()):
            values = np.asarray(s[key], dtype=float)
            layers = np.arange(1, len(values) + 1)
            shown = np.isfinite(values) & (values >= ylim[0]) & (values <= ylim[1])
            if not values.any():
                off = " (all 0: not drawn)"
            else:
                off = "" if shown.all() else " (partly off scale)" if shown.any() else " (off scale)"
            ax.plot(layers, np.where(shown, values, np.nan), marker=".", color=_color(label, i), label=label + off)
        ax.set_yscale("log")
        ax.set(xlabel="layer l", title=name, ylim=ylim)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("standard deviation (log scale)")
    axes[1].legend(fontsize=8, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return show(fig)


def plot_layer_histograms(pre_activations, layers):
    """A grid of histograms of Z_l: one row per initialization, one column per layer.

    Each row keeps the x-range of its first layer (±4 standard deviations), so a signal that
    shrinks becomes a spike and one that grows runs off the panel.

    pre_activations -- dict {label: list [Z_1, ..., Z_L]} as deep_forward returns it
    layers -- the layer numbers l to show, e.g. (1, 10, 25, 50)
    """
    rows = len(pre_activations)
    fig, axes = plt.subplots(rows, len(layers), figsize=(2.6 * len(layers), 1.8 * rows), squeeze=False)
    for r, (label, Z) in enumerate(pre_activations.items()):
        width = 4 * _std(np.ravel(Z[layers[0] - 1]))
        for c, l in enumerate(layers):
            ax = axes[r, c]
            values = np.ravel(Z[l - 1])
            inside = np.abs(values) <= width
            ax.hist(values[inside], bins=60, range=(-width, width), color=_color(label, r), histtype="stepfilled")
            off = 1 - inside.mean()
            note = ", all off scale" if off == 1 else f", {off:.0%} off scale" if off >= 0.005 else ""
            ax.set_title(f"layer {l}: std {_std(values):.1e}{note}", fontsize=8)
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label)
            ax.set_xlim(-width, width)
            ax.tick_params(labelsize=8)
    fig.suptitle("Pre-activations $Z_l$ at initialization (each row on the scale of its layer 1)", fontsize=10)
    fig.tight_layout()
    return show(fig)


def plot_cost_curves(curves, every, title, ylim=(0, 1)):
    """Cost against iterations for several runs, with ln 2 (the cost of guessing 0.5) marked.

    curves -- {label: list of costs, one every `every` iterations}
    ylim -- the cost range shown; a run that leaves it (or overflows) says so in the legend
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, (label, costs) in enumerate(curves.items()):
        costs = np.asarray(costs, dtype=float)
        shown = np.isfinite(costs) & (costs >= ylim[0]) & (costs <= ylim[1])
        off = "" if shown.all() else " (partly off scale)" if shown.any() else " (off scale)"
        ax.plot(np.arange(len(costs)) * every, np.where(shown, costs, np.nan), color=_color(label, i),
                label=label + off)
    ax.axhline(np.log(2), color="gray", linestyle=":", linewidth=1)
    ax.text(1, np.log(2), "ln 2 ", transform=ax.get_yaxis_transform(), ha="right", va="bottom",
            fontsize=8, color="gray")
    ax.set(xlabel="iteration", ylabel="cost", title=title, ylim=ylim)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return show(fig)


def plot_sweep(gains, train_acc, test_acc, final_cost, marks):
    """Results of the "how small?" sweep against the gain c (log scale).

    gains -- the c values, (g,)
    train_acc, test_acc, final_cost -- (g, s) arrays, one column per seed
    marks -- {label: c} vertical lines to draw (e.g. He at c = 1)
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for values, label, color in ((train_acc, "train", "C0"), (test_acc, "test", "C1")):
        median = np.median(values, axis=1)
        axes[0].plot(gains, median, marker="o", color=color, label=f"{label} (median of {values.shape[1]} seeds)")
        axes[0].fill_between(gains, values.min(axis=1), values.max(axis=1), color=color, alpha=0.2)
    axes[0].set(ylabel="accuracy after training", ylim=(0.4, 1.02))
    axes[1].plot(gains, np.median(final_cost, axis=1), marker="o", color="C2", label="median over seeds")
    axes[1].fill_between(gains, final_cost.min(axis=1), final_cost.max(axis=1), color="C2", alpha=0.2)
    axes[1].set(ylabel="final cost (log scale)", yscale="log")
    for ax in axes:
        for i, (label, c) in enumerate(marks.items()):
            ax.axvline(c, color="gray", linestyle=("--", ":", "-.")[i % 3], linewidth=1, label=label)
        ax.set(xscale="log", xlabel="c: weights drawn from N(0, (c · σ_He)²)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title("Accuracy (band: min to max over seeds)")
    axes[1].set_title("Cost after 15 000 iterations")
    fig.tight_layout()
    return show(fig)
