"""The course's helper for the Initialization lesson: the network that model() trains, in the order the
lesson uses it.

Shapes follow one scheme throughout (m examples, layer l has n_l units):

    X   : (n_x, m)          inputs, one example per column
    Y   : (1, m)            labels, 0 or 1
    W_l : (n_l, n_{l-1})    weights of layer l
    b_l : (n_l, 1)          biases of layer l
    Z_l, A_l : (n_l, m)     pre-activations and activations of layer l (z1, a1, ... in the course's code)

Each function is the course's formula, with the course's operations in the course's order, so that a
network trained here follows the course's numbers bit for bit. Two things differ: the cost is computed
from the logits z3, so it is exact for any logit (never inf, never a warning), and each function checks
its inputs once at entry (init_checks.py), so that a wrong shape is named instead of broadcast.

Where the rest lives: the data in init_data.py, the figures in init_plots.py (both imported here: the
lesson's first half finds everything in this module), the checks and their messages in init_checks.py,
and the lab of sections 5-7 (the initializer family, deep networks, many trainings at once) in init_lab.py.
"""

import numpy as np

from init_checks import (
    InputError,
    check_3_layer_input,
    check_cache,
    check_logits,
    check_network_input,
    check_numbers,
    check_outputs_match,
    check_update,
)
from init_data import load_dataset  # noqa: F401  (section 0: the circles)
from init_plots import plot_costs, plot_dataset, plot_decision_boundary  # noqa: F401  (the lesson's figures)


def sigmoid(z):
    """1 / (1 + exp(-z)), elementwise, as the course computes it.

    For z < -709.78, exp(-z) overflows to inf and the result is 0, the float nearest the truth: that
    overflow is expected, so it raises no warning.
    """
    z = check_numbers("sigmoid", "z", z)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def relu(z):
    """max(0, z), elementwise."""
    return np.maximum(0, z)


def forward_propagation(X, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID.

    Arguments:
    X -- inputs, (n_x, m)
    parameters -- dict with exactly W1 (n_1, n_x), b1 (n_1, 1), W2 (n_2, n_1), b2 (n_2, 1), W3 (1, n_2), b3 (1, 1)

    Returns:
    a3 -- output probabilities, (1, m)
    cache -- (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) for backward_propagation; z3, the logits, is cache[8]
    """
    check_3_layer_input(X, parameters, "forward_propagation")
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]

    z1 = np.dot(W1, X) + b1
    a1 = relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = sigmoid(z3)

    cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)
    return a3, cache


def cross_entropy_from_logits(z, Y):
    """Mean binary cross-entropy of labels Y (1, m) given logits z (1, m), a float, for any finite z.

    The loss of one example is -log(sigmoid(z)) if y = 1 and -log(1 - sigmoid(z)) if y = 0, that is
    log(1 + exp(-z)) and log(1 + exp(z)): log(1 + exp((1 - 2y) z)), which np.logaddexp(0, .) computes
    without overflow, even where sigmoid(z) itself rounds to 0 or 1.
    """
    z, Y = np.asarray(z, dtype=float), np.asarray(Y)
    check_logits("cross_entropy_from_logits", "z", z, Y)
    return float(np.mean(np.logaddexp(0.0, (1.0 - 2.0 * Y) * z)))


def compute_loss(a3, Y, z3=None):
    """Cross-entropy cost of the outputs a3 (1, m) against the labels Y (1, m), a float.

    Pass the logits z3 (1, m) whenever you have them (model() does): the cost is then exact for any
    logit. From a3 alone it cannot be: once |z3| exceeds about 37, a3 rounds to exactly 0 or 1, and
    where that happens on the wrong side the cost is lost (log 0); a ValueError then says so instead
    of returning inf.
    """
    a3, Y = np.asarray(a3, dtype=float), np.asarray(Y)
    check_logits("compute_loss", "a3", a3, Y)
    if z3 is not None:
        check_outputs_match(a3, z3)
        return cross_entropy_from_logits(z3, Y)
    if not np.all((a3 >= 0) & (a3 <= 1)):
        outside = ~((a3 >= 0) & (a3 <= 1))
        raise InputError(f"compute_loss: a3 must hold probabilities between 0 and 1; {int(outside.sum())} of its "
                         f"values are not (for example {a3[outside].flat[0]:.6g}). Logits go in z3: "
                         "compute_loss(a3, Y, z3=...)")
    lost = ((Y == 1) & (a3 <= 0)) | ((Y == 0) & (a3 >= 1))
    if np.any(lost):
        raise InputError(f"compute_loss: {int(np.sum(lost))} of the outputs a3 rounded to exactly 0 or 1 on the "
                         "wrong side, so their loss cannot be recovered from a3; pass the logits as "
                         "compute_loss(a3, Y, z3=...)")
    # Each example takes only the log its label selects (log1p(-a3) is log(1 - a3) without rounding 1 - a3).
    is_one = Y == 1
    log_p = np.where(is_one, np.log(np.where(is_one, a3, 1.0)), np.log1p(-np.where(is_one, 0.0, a3)))
    return float(-np.mean(log_p))


def backward_propagation(X, Y, cache):
    """The gradients of the mean cross-entropy with respect to every parameter, from the last layer back.

    Arguments:
    X -- inputs, (n_x, m)
    Y -- labels, (1, m)
    cache -- what forward_propagation(X, parameters) returned as its second value

    Returns:
    gradients -- dict with dW1 (n_1, n_x), db1 (n_1, 1), ..., dW3 (1, n_2), db3 (1, 1), and dz_l, da_l (n_l, m)
    """
    check_cache(X, Y, cache)
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache

    dz3 = 1. / m * (a3 - Y)                     # the derivative of the cost with respect to z3
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)

    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, a2 > 0)              # ReLU passes the gradient on where it was active
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)

    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, a1 > 0)
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)

    return {"dz3": dz3, "dW3": dW3, "db3": db3, "da2": da2, "dz2": dz2, "dW2": dW2, "db2": db2,
            "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}


def update_parameters(parameters, grads, learning_rate):
    """One step of gradient descent: W_l = W_l - learning_rate * dW_l and b_l = b_l - learning_rate * db_l.

    parameters -- dict W1, b1, ..., WL, bL (any depth); grads -- dict with dW1, db1, ..., dWL, dbL
    Returns the same dict, holding the new arrays (the old arrays are not changed).
    """
    check_update(parameters, grads, learning_rate)
    for key in list(parameters):
        parameters[key] = parameters[key] - learning_rate * grads["d" + key]
    return parameters


def predict(X, y, parameters):
    """Predict the labels of X (n_x, m), print the accuracy against y (1, m) and return the
    predictions, an int array (1, m) of 0s and 1s."""
    check_network_input(X, parameters, y, where="predict")
    p = predict_dec(parameters, X).astype(int)
    correct = int(np.sum(p == y))
    m = X.shape[1]
    print(f"Accuracy: {correct / m:.5f} ({correct}/{m} correct)")
    return p


def predict_dec(parameters, X):
    """The predicted classes of X (n_x, m), a boolean array (1, m): a3 > 0.5. Used to draw decision boundaries."""
    a3, cache = forward_propagation(X, parameters)
    return a3 > 0.5
