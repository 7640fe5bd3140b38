"""The lab of sections 5-7: the initializer family, networks of any depth, many trainings at once.

- initialize_parameters: LeCun, Glorot ("Xavier"), He and the fixed scales, normal or uniform, with a gain.
- deep_forward, layer_statistics: how the signal's spread changes from layer to layer at initialization
  (ReLU hidden layers as in the lesson, or tanh).
- train_many: several networks of one shape trained at once, each exactly as model() trains one, with the
  weights of a group stacked so that one numpy call serves the whole group, and the groups in worker
  processes. How fast, and how that was measured: docs/performance.md.
"""

import multiprocessing
import os
import sys
import warnings

import numpy as np

from init_checks import (
    check_choice,
    check_integer,
    check_layers_dims,
    check_network_input,
    check_parameters,
    check_positive_number,
    check_seed,
    check_training_inputs,
    describe,
)
from init_plots import spread
from init_utils import cross_entropy_from_logits, relu, sigmoid

# --------------------------------------------------------------------------------------------
# The initializer family: the standard deviation of W_l's entries, from its fan-in and fan-out
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
    check_seed(seed)
    check_positive_number("gain", gain)
    check_choice("method", method, tuple(WEIGHT_STD))
    check_choice("distribution", distribution, DISTRIBUTIONS)
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
# Networks of any depth: ReLU (or tanh) hidden layers, a sigmoid output
# --------------------------------------------------------------------------------------------

# The hidden layers' activation g, and g'(z) written from a = g(z): ReLU passes the gradient where a > 0;
# tanh scales it by 1 - a^2. ReLU is the lesson's; tanh is where Glorot's rule is the right one
# (Explore.ipynb shows both).
ACTIVATIONS = {"relu": (relu, lambda A: A > 0), "tanh": (np.tanh, lambda A: 1 - A * A)}

def num_layers(parameters):
    """Number of weight layers L in a parameters dict holding W1, b1, ..., WL, bL (an InputError if it is not one)."""
    L = len(parameters) // 2 if isinstance(parameters, dict) else 0
    if not L or set(parameters) != {f"{kind}{l}" for l in range(1, L + 1) for kind in "Wb"}:
        check_parameters(parameters, finite=False)      # names what is missing or extra
    return L


def deep_forward(X, parameters, activation="relu"):
    """Forward pass of an L-layer network, keeping every layer's pre-activation.

    activation -- the hidden layers' activation: "relu" (the lesson's) or "tanh"

    Returns:
    Z -- list [Z_1, ..., Z_L] of pre-activations (n_l, m); Z_L are the logits
    A -- list [A_0 = X, A_1, ..., A_{L-1}] of the activations feeding each layer
    Overflow (for weights that are far too large) gives inf, which the caller checks for.
    """
    check_network_input(X, parameters)
    check_choice("activation", activation, tuple(ACTIVATIONS))
    return _forward(X, parameters, activation)


def _forward(X, parameters, activation="relu"):
    """deep_forward without the checks."""
    g = ACTIVATIONS[activation][0]
    A, Z = [X], []
    L = num_layers(parameters)
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(1, L + 1):
            Z.append(parameters["W" + str(l)] @ A[-1] + parameters["b" + str(l)])
            if l < L:
                A.append(g(Z[-1]))
    return Z, A


def deep_gradients(parameters, Z, A, dZ_L, activation="relu"):
    """Back-propagate dZ_L (n_L, m) through the network of deep_forward; returns dZ_l for l = 1..L."""
    slope = ACTIVATIONS[activation][1]
    L = num_layers(parameters)
    dZ = [None] * L
    dZ[L - 1] = dZ_L
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(L, 1, -1):
            dA = parameters["W" + str(l)].T @ dZ[l - 1]
            dZ[l - 2] = dA * slope(A[l - 1])
    return dZ


def layer_statistics(X, parameters, seed=0, forward=None, activation="relu"):
    """Per-layer spread of a network at initialization, as He et al. (2015) study it.

    Arguments:
    X -- inputs, (n_x, m)
    parameters -- an L-layer network (W_l (n_l, n_{l-1}), b_l (n_l, 1))
    seed -- seed of the unit-variance gradient dZ_L fed into the last layer
    forward -- the (Z, A) that deep_forward(X, parameters, activation) returns, if already computed
    activation -- the hidden layers' activation, "relu" or "tanh"

    Returns:
    dict of arrays of length L: "activation_std" (std of Z_l, the layer's pre-activation) and
    "gradient_std" (std of dZ_l, the gradient reaching layer l's pre-activation)
    inf marks an overflow; 0 a signal that died out completely.
    """
    check_network_input(X, parameters)
    check_seed(seed)
    check_choice("activation", activation, tuple(ACTIVATIONS))
    if forward is None:
        forward = _forward(X, parameters, activation)
    elif (not isinstance(forward, tuple) or len(forward) != 2 or len(forward[0]) != num_layers(parameters)
          or np.shape(forward[0][-1]) != (parameters["W" + str(num_layers(parameters))].shape[0], X.shape[1])):
        raise ValueError("forward must be the (Z, A) pair that deep_forward(X, parameters) returns, "
                         "for these X and parameters")
    Z, A = forward
    dZ_L = np.random.RandomState(seed).randn(*Z[-1].shape)
    dZ = deep_gradients(parameters, Z, A, dZ_L, activation)
    with np.errstate(over="ignore", invalid="ignore"):
        act = np.array([spread(z) for z in Z])
        grad = np.array([spread(d) for d in dZ])
    return {"activation_std": act, "gradient_std": grad}


def accuracy(X, Y, parameters):
    """Fraction of the examples X (n_x, m) that the network (any depth) classifies as Y (1, m), a float."""
    check_network_input(X, parameters, Y, where="accuracy")
    Z, _ = _forward(X, parameters)
    return float(np.mean((sigmoid(Z[-1]) > 0.5) == Y))


# --------------------------------------------------------------------------------------------
# Many networks at once
# --------------------------------------------------------------------------------------------

def train_many(X, Y, parameters_list, *, learning_rate=0.01, num_iterations=15000, record_every=None, threads=None):
    """Train several networks of one shape at once, each as model() trains one (full-batch gradient descent
    on the cross-entropy, ReLU hidden layers, a sigmoid output).

    X (n_x, m), Y (1, m); parameters_list -- k parameter dicts of the same shapes (not modified);
    record_every -- None, or r >= 1: also return each network's cost every r iterations;
    threads -- how many groups of networks may train at once, in worker processes (1: all here, one
               after another); by default INIT_UTILS_THREADS from the environment, else the CPUs available.
               The result does not depend on it, bit for bit: the groups depend only on k.

    Returns the k trained dicts, in order; with record_every = r, (trained, costs), costs (k, num_iterations
    // r + 1) after 0, r, 2r, ... iterations. A network whose weights are far too large overflows: it comes
    back with inf or nan weights and records the cost inf, while the networks beside it train undisturbed.
    """
    check_training_inputs(X, Y, learning_rate, num_iterations, where="train_many")
    _check_parameters_list(parameters_list, X)
    if record_every is not None:
        check_integer("record_every", record_every)
    workers = _thread_count(threads)
    jobs = [([parameters_list[i] for i in indices], X, Y, learning_rate, num_iterations, record_every)
            for indices in _split_into_groups(len(parameters_list))]
    results = _run_groups(jobs, workers)
    trained = [network for networks, _ in results for network in networks]
    if record_every is None:
        return trained
    return trained, np.concatenate([costs for _, costs in results])


# The most networks stacked in one group: past this, a group's arrays outgrow the CPU's cache.
TRAIN_MANY_GROUP = 16


def _split_into_groups(k):
    """The indices 0 .. k-1 in consecutive groups of equal sizes (to within one), at most TRAIN_MANY_GROUP
    each, and an even number of them when k > 1, so that two cores share the work evenly. It depends on
    k only, never on the number of workers."""
    count = -(-k // TRAIN_MANY_GROUP)
    if k > 1 and count % 2:
        count += 1
    return np.array_split(np.arange(k), count)


def _thread_count(threads):
    """How many groups may train at once: `threads`, else INIT_UTILS_THREADS, else the CPUs available."""
    if threads is not None:
        check_integer("threads", threads)
        return int(threads)
    setting = os.environ.get("INIT_UTILS_THREADS", "").strip()
    if not setting:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if not setting.isdigit() or int(setting) < 1:
        raise ValueError(f"the environment variable INIT_UTILS_THREADS must be a positive integer; got {setting!r}")
    return int(setting)


def _run_groups(jobs, workers):
    """[_train_group(*job) for job in jobs], up to `workers` at a time in forked processes (Linux only).

    Processes, not threads: a step is some thirty numpy calls of a few microseconds each, too short for
    threads to gain by releasing the GIL. An exception in a worker (or an interrupt) ends them all.
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
    Unlike model(), inf and nan weights are accepted: a network that overflowed may train on."""
    if not isinstance(parameters_list, (list, tuple)) or len(parameters_list) == 0:
        got = "an empty one" if isinstance(parameters_list, (list, tuple)) else describe(parameters_list)
        raise ValueError(f"train_many: parameters_list must be a non-empty list of parameter dicts; got {got}")
    first = parameters_list[0]
    for i, parameters in enumerate(parameters_list):
        where = f"train_many: parameters_list[{i}]"
        check_parameters(parameters, finite=False, where=where)
        if parameters["W1"].shape[1] != X.shape[0]:
            check_network_input(X, parameters, where=where)
        if i and [value.shape for value in parameters.values()] != [value.shape for value in first.values()]:
            raise ValueError(f"{where} has other shapes than parameters_list[0] "
                             f"({', '.join(f'{k} {v.shape}' for k, v in parameters.items())} against "
                             f"{', '.join(f'{k} {v.shape}' for k, v in first.items())}): "
                             "train_many trains networks of one shape")


class _Stack:
    """k networks of one shape, stacked, each bias kept as column 0 of its weight matrix.

    V[l-1] (k, n_l, 1 + n_{l-1}) holds [b_l | W_l] and every activation A_{l-1} gets a row of ones on top,
    so that one matmul computes W_l A_{l-1} + b_l and one computes [db_l | dW_l] (the "bias trick"). Every
    array a step needs is made once, here, and written in place (out=) at every step.
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
        finite = np.logical_and.reduce([np.isfinite(V).all(axis=(1, 2)) for V in self.V])
        return np.array([cross_entropy_from_logits(z, Y) if ok and np.isfinite(z).all() else np.inf
                         for z, ok in zip(self.dZ[-1], finite)])

    def descend(self, Y, learning_rate, record=None):
        """One gradient-descent step for all k networks, in place; before it, append the networks'
        costs to the list `record` if one is given. Lists are 0-based: V[l - 1] is layer l."""
        V, dV, A, dZ = self.V, self.dV, self.A, self.dZ
        L = len(V)
        self.forward()
        if record is not None:
            record.append(self.costs(Y))
        dZ_L = dZ[L - 1]                           # dZ_L = 1./m * (sigmoid(Z_L) - Y), the course's order
        np.subtract(sigmoid(dZ_L), Y, out=dZ_L)
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


