"""The course's training loop written plainly, as the reference the benchmark measures against.

One numpy operation per line, a dict of parameters rebuilt every step, the cost computed every
iteration: the way the original assignment's helper module trains. Run as a script, it trains the
three course models (zeros, large random, He) on the circles data, as the notebook does.
"""

import numpy as np
import sklearn.datasets


def p_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def p_relu(x):
    return np.maximum(0, x)


def p_forward(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]
    z1 = np.dot(W1, X) + b1
    a1 = p_relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = p_relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = p_sigmoid(z3)
    return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)


def p_loss(a3, Y):
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1. / m * np.nansum(logprobs)


def p_backward(X, Y, cache):
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    dz3 = 1. / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)
    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)
    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)
    return {"dz3": dz3, "dW3": dW3, "db3": db3,
            "da2": da2, "dz2": dz2, "dW2": dW2, "db2": db2,
            "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}


def p_update(parameters, grads, learning_rate):
    L = len(parameters) // 2
    new = {}
    for k in range(L):
        new["W" + str(k + 1)] = parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        new["b" + str(k + 1)] = parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
    return new


def p_model(X, Y, parameters, learning_rate=0.01, num_iterations=15000):
    costs = []
    for i in range(num_iterations):
        a3, cache = p_forward(X, parameters)
        cost = p_loss(a3, Y)
        grads = p_backward(X, Y, cache)
        parameters = p_update(parameters, grads, learning_rate)
        if i % 1000 == 0:
            costs.append(cost)
    return parameters, costs




def p_initialize(layers_dims, kind):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):
        if kind == "zeros":
            W = np.zeros((layers_dims[l], layers_dims[l - 1]))
        elif kind == "random":
            W = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        else:
            W = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters




def p_load_dataset():
    np.random.seed(1)
    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=.05)
    np.random.seed(2)
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=.05)
    return train_X.T, train_Y.reshape((1, -1)), test_X.T, test_Y.reshape((1, -1))




def p_accuracy(X, Y, parameters):
    a3, _ = p_forward(X, parameters)
    return np.mean((a3 > 0.5) == Y)


if __name__ == "__main__":
    train_X, train_Y, test_X, test_Y = p_load_dataset()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # the course's inf costs
        for kind in ("zeros", "random", "he"):
            parameters, costs = p_model(train_X, train_Y, p_initialize([2, 10, 5, 1], kind))
            print(kind, p_accuracy(train_X, train_Y, parameters), p_accuracy(test_X, test_Y, parameters))
