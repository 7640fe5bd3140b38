"""The course's training loop written plainly and without waste: the benchmark's yardstick.

The course's formulas and order of operations (np.dot, `1 / (1 + np.exp(-z))`, `1./m * (a3 - Y)`,
np.int64(a > 0) masks, `W = W - learning_rate * dW`), a dict of parameters updated key by key,
and the cost computed only when it is recorded (every 1 000 iterations), not at every step.
Nothing here comes from init_utils. Run as a script, it trains the three course models (zeros,
large random, He) on the circles data and prints their accuracies, as the notebook does.
"""

import numpy as np
import sklearn.datasets


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X, parameters):
    z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    a1 = np.maximum(0, z1)
    z2 = np.dot(parameters["W2"], a1) + parameters["b2"]
    a2 = np.maximum(0, z2)
    z3 = np.dot(parameters["W3"], a2) + parameters["b3"]
    return z1, a1, z2, a2, z3, sigmoid(z3)


def backward(X, Y, parameters, a1, a2, a3):
    m = X.shape[1]
    dz3 = 1. / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)
    dz2 = np.dot(parameters["W3"].T, dz3) * np.int64(a2 > 0)
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)
    dz1 = np.dot(parameters["W2"].T, dz2) * np.int64(a1 > 0)
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def cost(a3, Y):
    """The course's cross-entropy from a3 (inf once a3 rounds to 0 or 1 on the wrong side)."""
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1. / m * np.nansum(logprobs)


def train(X, Y, parameters, learning_rate=0.01, num_iterations=15000, every=1000):
    """Gradient descent from `parameters` (a dict, not modified); returns (parameters, costs every `every`)."""
    parameters = dict(parameters)
    costs = []
    for i in range(num_iterations):
        z1, a1, z2, a2, z3, a3 = forward(X, parameters)
        if i % every == 0:
            costs.append(cost(a3, Y))
        grads = backward(X, Y, parameters, a1, a2, a3)
        for key in ("W1", "b1", "W2", "b2", "W3", "b3"):
            parameters[key] = parameters[key] - learning_rate * grads["d" + key]
    return parameters, costs


def initialize(layers_dims, kind):
    """The course's three initializations, drawn after np.random.seed(3)."""
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):
        shape = (layers_dims[l], layers_dims[l - 1])
        if kind == "zeros":
            W = np.zeros(shape)
        elif kind == "random":
            W = np.random.randn(*shape) * 10
        else:
            W = np.random.randn(*shape) * np.sqrt(2. / layers_dims[l - 1])
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def load_dataset():
    np.random.seed(1)
    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=.05)
    np.random.seed(2)
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=.05)
    return train_X.T, train_Y.reshape((1, -1)), test_X.T, test_Y.reshape((1, -1))


def accuracy(X, Y, parameters):
    return np.mean((forward(X, parameters)[-1] > 0.5) == Y)


if __name__ == "__main__":
    train_X, train_Y, test_X, test_Y = load_dataset()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # the course's inf costs and exp overflow
        for kind in ("zeros", "random", "he"):
            trained, costs = train(train_X, train_Y, initialize([2, 10, 5, 1], kind))
            print(kind, accuracy(train_X, train_Y, trained), accuracy(test_X, test_Y, trained))
