"""The input checks of the lesson's modules, and their messages, in one place.

Every message names where the problem was found, what is wrong and what is needed:

    forward_propagation: W2 has shape (10, 5); it needs shape (5, 10) (transposed: ...)
    what initialize_parameters_zeros returned: W1 is None (is a line that sets it still blank?): finish Exercise 1 first

so that a student reads which argument to fix, and which exercise, instead of a numpy error ten calls
deeper. The checks on the training path (check_3_layer_input, check_cache, check_update) compare shapes
only, a few microseconds a call, and run the full diagnosis only when something does not fit.
"""

import numbers
import traceback
import weakref

import numpy as np

from assignment import GRADED_FUNCTIONS as EXERCISES

# The largest network (float64 weights and biases) the modules agree to build: the lesson's largest takes
# 27 MB, and a typo such as [2, 10**9, 1] would otherwise try to allocate gigabytes.
MAX_NETWORK_BYTES = 10**9
LAYER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


class LessonError(Exception):
    """An error the lesson raises on purpose. Its message says what is wrong and what to do, so IPython
    shows the message alone (_render_traceback_), not a traceback through the helper modules."""

    def _render_traceback_(self):
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class InputError(LessonError, ValueError):
    """A wrong argument of a helper function (a ValueError, as numpy's would be)."""


class ExerciseError(LessonError, RuntimeError):
    """A cell cannot run because an exercise does not work yet: the message names the exercise."""


def describe(value):
    """repr(value) if it is short, else its type: a message quotes a wrong argument, not a whole dict."""
    text = repr(value)
    return text if len(text) <= 60 else f"a {type(value).__name__}"


# --------------------------------------------------------------------------------------------
# Settings: numbers, seeds, layer sizes
# --------------------------------------------------------------------------------------------

def check_integer(name, value, minimum=1):
    """Raise a ValueError unless value is an integer (not a bool) of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise InputError(f"{name} must be {kind}; got {describe(value)}")


def check_positive_number(name, value):
    """Raise a ValueError unless value is a positive finite real number (a learning rate, a gain)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value) or value <= 0):
        raise InputError(f"{name} must be a positive finite number; got {describe(value)}")


def check_seed(seed):
    """Raise a ValueError unless seed is None (fresh randomness) or an integer from 0 to 2**32 - 1."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                             or not 0 <= seed < 2**32):
        raise InputError(f"seed must be an integer from 0 to 2**32 - 1 (or None); got {describe(seed)}")


def check_choice(name, value, choices):
    """Raise a ValueError unless value is one of the strings `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{name} must be one of {', '.join(map(repr, choices))}; got {describe(value)}")


def check_layers_dims(layers_dims):
    """Raise a ValueError unless layers_dims is a sequence of at least two positive integers whose network
    (weights and biases in float64) fits in MAX_NETWORK_BYTES."""
    if isinstance(layers_dims, (str, bytes, dict, set)) or not hasattr(layers_dims, "__len__"):
        raise InputError(f"layers_dims must be a list of layer sizes such as [2, 10, 5, 1]; "
                         f"got {type(layers_dims).__name__} {describe(layers_dims)}")
    if len(layers_dims) < 2:
        raise InputError(f"layers_dims must hold at least two sizes (input and output); got {list(layers_dims)!r}")
    for n in layers_dims:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise InputError(f"layers_dims must hold positive integers; got {list(layers_dims)!r} "
                             f"(the entry {n!r} is not one)")
    count = sum(int(n) * (int(n_prev) + 1) for n_prev, n in zip(layers_dims[:-1], layers_dims[1:]))
    if 8 * count > MAX_NETWORK_BYTES:
        shown = list(layers_dims) if len(layers_dims) <= 8 else f"{list(layers_dims[:7])} ... ]"
        raise InputError(f"layers_dims {shown} describes a network of {count:,} parameters, which would take "
                         f"{8 * count / 1e9:,.1f} GB as float64; the limit is {MAX_NETWORK_BYTES / 1e9:g} GB "
                         "(init_checks.MAX_NETWORK_BYTES). Is one of the sizes a typo?")


# --------------------------------------------------------------------------------------------
# Arrays: data, labels, logits
# --------------------------------------------------------------------------------------------

def array_problem(name, value, shape):
    """What is wrong with value as the array `name` of `shape`, or None. An entry of shape that is None or
    a name ("m") accepts any size."""
    if value is None:
        return f"{name} is None (is a line that sets it still blank?)"
    if not isinstance(value, np.ndarray):
        return (f"{name} is a {type(value).__name__}, not a numpy array"
                + (f" (np.array({name}) makes one)" if isinstance(value, (list, tuple)) else ""))
    if value.ndim != len(shape) or any(isinstance(n, int) and got != n for got, n in zip(value.shape, shape)):
        wanted = "(" + ", ".join("any" if n is None else str(n) for n in shape) + ")"
        note = ""
        if value.ndim == 2 and value.shape[::-1] == shape:
            note = " (transposed: rows are this layer's units, columns its inputs)"
        elif value.ndim == 1 and len(shape) == 2 and shape[1] == 1:
            note = " (a column is needed: a 1-D array would be broadcast along the examples, not the units)"
        elif name == "Y" and value.size == max(value.shape, default=0):
            note = " (use Y.reshape(1, -1))"
        return f"{name} has shape {value.shape}; it needs shape {wanted}{note}"
    return None


def check_array(where, name, value, shape):
    """Raise a ValueError "where: problem" if array_problem finds one."""
    problem = array_problem(name, value, shape)
    if problem:
        raise InputError(f"{where}: {problem}")


def check_labels(Y, where="Y"):
    """Raise a ValueError unless the array Y holds only the labels 0 and 1."""
    if Y.dtype == bool:
        return
    if not np.issubdtype(Y.dtype, np.number) or np.iscomplexobj(Y):
        raise InputError(f"{where}: Y must hold the labels 0 and 1; got dtype {Y.dtype}")
    is_label = (Y == 0) | (Y == 1)
    if not np.all(is_label):
        others = [v.item() for v in np.unique(Y[~is_label])][:5]
        raise InputError(f"{where}: Y must hold only the labels 0 and 1; it also holds {others}")


def check_data(X, Y=None, n_x=None, where="data"):
    """Raise a ValueError naming the problem unless X (n_x, m) and Y (1, m) are usable together.

    X -- a finite real numpy array, one example per column; n_x, when given, the number of rows the
         network takes (W1's columns); Y -- None, or labels 0 and 1 of shape (1, m)
    """
    check_array(where, "X", X, ("n_x", "m"))
    if X.shape[1] == 0:
        raise InputError(f"{where}: X holds no examples (shape {X.shape}); it needs at least one column")
    if not np.issubdtype(X.dtype, np.number) or np.iscomplexobj(X):
        raise InputError(f"{where}: X must hold real numbers; got dtype {X.dtype}")
    if n_x is not None and X.shape[0] != n_x:
        if X.shape[1] == n_x:
            raise InputError(f"{where}: X has shape {X.shape}, which looks like (m, n_x): examples must be "
                             f"columns, X of shape ({n_x}, {X.shape[0]}); pass X.T")
        raise InputError(f"{where}: X has {X.shape[0]} rows but the network takes {n_x} inputs "
                         f"(W1 has {n_x} columns)")
    if Y is not None:
        check_array(where, "Y", Y, (1, "m"))
        m = Y.shape[1]
        if X.shape[1] != m:
            if X.shape[0] == m:
                raise InputError(f"{where}: X has shape {X.shape}, which looks like (m, n_x): examples must be "
                                 f"columns, X of shape ({X.shape[1]}, {m}) to match Y's shape {Y.shape}; pass X.T")
            raise InputError(f"{where}: X and Y hold different numbers of examples: X has shape {X.shape} "
                             f"but Y has shape {Y.shape}")
        check_labels(Y, where)
    bad = ~np.isfinite(X)
    if np.any(bad):
        raise InputError(f"{where}: X must be finite; it holds {int(np.sum(bad))} NaN or infinite entries "
                         f"(the first at index {tuple(int(i) for i in np.argwhere(bad)[0])})")


def check_training_inputs(X, Y, learning_rate, num_iterations, where="model"):
    """Raise a ValueError naming the problem unless X (n_x, m), Y (1, m) and the settings are usable."""
    check_data(X, Y, where=where)
    check_positive_number("learning_rate", learning_rate)
    check_integer("num_iterations", num_iterations, minimum=0)


def check_numbers(where, name, value):
    """value as a float64 array; an InputError if it holds no real numbers (a string, complex numbers)."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise InputError(f"{where}: {name} must hold real numbers; got {describe(value)} (dtype {array.dtype})")
    return array if array.dtype == np.float64 else array.astype(float)


def check_outputs_match(a3, z3):
    """Raise an InputError unless z3 are the logits of the outputs a3: a3 == sigmoid(z3), same shape."""
    z3 = check_numbers("compute_loss", "z3", z3)
    if z3.shape != a3.shape:
        raise InputError(f"compute_loss: z3 has shape {z3.shape} but a3 has shape {a3.shape}; z3 must be the "
                         "logits a3 was computed from (cache[8] of forward_propagation)")
    with np.errstate(over="ignore", invalid="ignore"):
        expected = 1 / (1 + np.exp(-z3))
        if not np.array_equal(a3, expected) and not np.allclose(a3, expected, rtol=1e-9, atol=1e-300,
                                                                 equal_nan=True):
            raise InputError("compute_loss: a3 is not sigmoid(z3): pass the logits a3 was computed from, "
                             "z3=cache[8] of the same forward_propagation")


# The last X and Y whose values passed the full check: the per-step checks compare shapes only, and check
# the values of a new array once (an array changed in place is not checked again).
_checked = {"X": None, "Y": None}


def _check_once(kind, array, check, *arguments):
    """check(*arguments), unless array is the last array of this kind that passed it."""
    last = _checked[kind]
    if last is None or last() is not array:
        check(*arguments)
        _checked[kind] = weakref.ref(array)


def check_logits(where, name, values, Y):
    """Raise a ValueError unless values (logits or outputs) and the labels Y are two (1, m) arrays alike,
    with no NaN among the logits."""
    check_array(where, "Y", Y, (1, "m"))
    if Y.shape[1] == 0:
        raise InputError(f"{where}: Y holds no examples (shape (1, 0)); a mean cost over no examples is undefined")
    if values.shape != Y.shape:
        raise InputError(f"{where}: {name} has shape {values.shape} but Y has shape {Y.shape}; they need the "
                         f"same shape (one {name} per example)")
    check_labels(Y, where)
    if name == "z" and np.isnan(values).any():
        raise InputError(f"{where}: z holds {int(np.isnan(values).sum())} NaN values (did training diverge?)")


# --------------------------------------------------------------------------------------------
# Networks: W1, b1, ..., WL, bL of any depth
# --------------------------------------------------------------------------------------------

def _exercise_hint(name, verb):
    """': finish Exercise 1 first' when name is a graded function, else ''."""
    return f": {verb} Exercise {EXERCISES[name]} first" if name in EXERCISES else ""


def check_parameters(parameters, layers_dims=None, source=None, finite=True, where=None):
    """Raise a ValueError naming the first problem unless `parameters` is a usable network.

    Usable: a dict holding exactly W1, b1, ..., WL, bL, float64 numpy arrays, W_l of shape (n_l, n_{l-1})
    and b_l of shape (n_l, 1), with n = layers_dims when it is given (else the layers must fit each other),
    and, when finite, no NaN or inf. One pass over the weights: call it once before training, not per step.
    source -- the function (or its name) that returned `parameters`: the message names it and its exercise
    where -- where the problem was found, the message's first words (by default from source)
    """
    name = getattr(source, "__name__", source)
    where = where or (f"what {name} returned" if name else "parameters")
    if not isinstance(parameters, dict):
        raise InputError(f"{where}: {'it' if name else 'parameters'} is a {type(parameters).__name__}, not a dict "
                         "of parameters "
                         f"{{'W1': ..., 'b1': ..., ...}}{_exercise_hint(name, 'fix')}")
    if layers_dims is not None:
        check_layers_dims(layers_dims)
        L = len(layers_dims) - 1
    else:
        L = sum(1 for key in parameters if isinstance(key, str) and key[:1] == "W" and key[1:].isdigit())
    expected = [f"{kind}{l}" for l in range(1, L + 1) for kind in "Wb"]
    dims = f" for layers_dims {list(layers_dims)}" if layers_dims is not None else ""
    missing = [key for key in expected if key not in parameters]
    if missing or not expected:
        raise InputError(f"{where}: there is no {', '.join(missing) or 'W1, b1'} (the network needs "
                         f"{', '.join(expected) or 'W1, b1, ...'}{dims}){_exercise_hint(name, 'finish')}")
    extra = [key for key in parameters if key not in expected]
    if extra:
        raise InputError(f"{where}: keys the network does not have: {', '.join(map(repr, extra))} (it needs "
                         f"exactly {', '.join(expected)}{dims}: {L} layers){_exercise_hint(name, 'fix')}")
    n_prev = layers_dims[0] if layers_dims is not None else None
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        n = layers_dims[l] if layers_dims is not None else _units(W, b, n_prev)
        for key, value, shape in ((f"W{l}", W, (n, n_prev)), (f"b{l}", b, (n, 1))):
            problem = array_problem(key, value, shape) or _value_problem(key, value, finite)
            if problem:
                hint = _exercise_hint(name, "finish" if value is None else "fix")
                raise InputError(f"{where}: {problem}{hint}")
        n_prev = n


def _units(W, b, n_prev):
    """n_l, the rows W_l and b_l should have: W's, unless W is the transpose of what b and layer l-1 imply."""
    W_ok, b_ok = (isinstance(a, np.ndarray) and a.ndim == 2 for a in (W, b))
    if W_ok and b_ok and W.shape[0] != b.shape[0] and W.shape == (n_prev, b.shape[0]):
        return b.shape[0]
    return W.shape[0] if W_ok else b.shape[0] if b_ok else None


def _value_problem(key, value, finite):
    """What is wrong with the numbers of the array value (its dtype, NaN or inf), or None."""
    if value.dtype != np.float64:
        kind = {"b": "booleans", "i": "integers", "u": "integers", "c": "complex numbers",
                "f": "lower-precision floats", "O": "Python objects"}.get(value.dtype.kind, "non-numbers")
        return (f"{key} holds {kind} (dtype {value.dtype}); the network needs float64 arrays, which np.zeros "
                "and rng.randn give unless told otherwise")
    bad = int(value.size - np.count_nonzero(np.isfinite(value))) if finite else 0
    return f"{key} holds {bad} NaN or infinite value{'s' if bad > 1 else ''}" if bad else None


def check_network_input(X, parameters, Y=None, where="parameters"):
    """check_parameters(parameters), then check_data(X, Y) with X's rows matched to W1's columns."""
    W1, W2 = (parameters.get("W1"), parameters.get("W2")) if isinstance(parameters, dict) else (None, None)
    if (isinstance(W1, np.ndarray) and isinstance(W2, np.ndarray) and isinstance(X, np.ndarray)
            and W1.ndim == W2.ndim == X.ndim == 2 and W1.shape[1] != X.shape[0] == W1.shape[0]
            and W1.shape[1] == W2.shape[1]):    # W1.T fits both X and W2: W1 is transposed (else X is wrong)
        raise InputError(f"{where}: W1 has shape {W1.shape}; it needs shape ({W1.shape[1]}, {X.shape[0]}), one "
                         "column per row of X (transposed: rows are this layer's units, columns its inputs)")
    check_parameters(parameters, where=where)
    check_data(X, Y, n_x=parameters["W1"].shape[1], where=where)


def check_3_layer_input(X, parameters, where):
    """Cheap: raise a ValueError naming the problem unless X and parameters fit the 3-layer network."""
    try:
        n_1, n_2 = parameters["W1"].shape[0], parameters["W2"].shape[0]
        fits = len(parameters) == 6 and X.ndim == 2 and (
            (parameters["W1"].shape, parameters["b1"].shape, parameters["W2"].shape, parameters["b2"].shape,
             parameters["W3"].shape, parameters["b3"].shape)
            == ((n_1, X.shape[0]), (n_1, 1), (n_2, n_1), (n_2, 1), (1, n_2), (1, 1)))
    except (KeyError, TypeError, AttributeError, IndexError):
        fits = False
    if fits:
        _check_once("X", X, check_data, X, None, None, where)        # real and finite
        return
    if isinstance(parameters, dict) and set(parameters) != set(LAYER_NAMES):
        missing = [key for key in LAYER_NAMES if key not in parameters]
        extra = [str(key) for key in parameters if key not in LAYER_NAMES]
        raise InputError(f"{where}: parameters must hold exactly W1, b1, W2, b2, W3, b3; it "
                         + " and ".join(([f"lacks {', '.join(missing)}"] if missing else [])
                                        + ([f"also holds {', '.join(extra)}"] if extra else []))
                         + (" (init_lab.deep_forward takes networks of any depth)" if extra else ""))
    check_network_input(X, parameters, where=where)
    raise InputError(f"{where}: W3 has shape {parameters['W3'].shape}; it needs shape "
                     f"(1, {parameters['W2'].shape[0]}) (the network has one output)")


def check_cache(X, Y, cache):
    """Cheap: raise a ValueError naming the problem unless backward_propagation can use X, Y and cache."""
    where = "backward_propagation"
    try:
        z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3 = cache
        m = a3.shape[1]
        fits = ((Y.shape, a3.shape, X.shape, a1.shape, a2.shape)
                == ((1, m), (1, m), (W1.shape[1], m), (W1.shape[0], m), (W2.shape[0], m)))
    except (TypeError, ValueError, AttributeError, IndexError):
        fits = False
    if fits:
        _check_once("Y", Y, check_labels, Y, where)                   # 0 and 1 only
        return
    names = ("z1", "a1", "W1", "b1", "z2", "a2", "W2", "b2", "z3", "a3", "W3", "b3")
    if not isinstance(cache, (tuple, list)) or len(cache) != 12:
        raise InputError(f"{where}: cache must be the tuple of 12 arrays that forward_propagation returns, "
                         f"({', '.join(names)}); got a {type(cache).__name__}"
                         + (f" of length {len(cache)}" if hasattr(cache, "__len__") else ""))
    for name, value in zip(names, cache):
        check_array(where, f"cache's {name}", value, (None, None))
    check_array(where, "X", X, (None, None))
    check_array(where, "Y", Y, (None, None))
    a1, W1, a2, W2, a3 = cache[1], cache[2], cache[5], cache[6], cache[9]
    m = a3.shape[1]
    if Y.shape != a3.shape:
        raise InputError(f"{where}: Y has shape {Y.shape}; it needs the shape of a3, {a3.shape}"
                         + (" (use Y.reshape(1, -1))" if Y.size == a3.size else ""))
    for name, value, shape in (("X", X, (W1.shape[1], m)), ("cache's a3", a3, (1, m)),
                               ("cache's a1", a1, (W1.shape[0], m)), ("cache's a2", a2, (W2.shape[0], m))):
        check_array(where, name, value, shape)


def check_update(parameters, grads, learning_rate):
    """Cheap: raise a ValueError naming the problem unless update_parameters can use its arguments."""
    try:
        fits = isinstance(learning_rate, float) and 0.0 < learning_rate < np.inf and len(parameters) > 0
        for key, value in parameters.items():
            if grads["d" + key].shape != value.shape:      # lists and None have no shape: the diagnosis below
                fits = False
        if fits:
            return
    except (KeyError, TypeError, AttributeError):
        pass
    where = "update_parameters"
    for name, value in (("parameters", parameters), ("grads", grads)):
        if not isinstance(value, dict):
            raise InputError(f"{where}: {name} must be a dict of numpy arrays; got a {type(value).__name__}")
    check_positive_number("learning_rate", learning_rate)
    for key, value in parameters.items():
        check_array(where, str(key), value, (None,) * getattr(value, "ndim", 2))
        if f"d{key}" not in grads:
            raise InputError(f"{where}: grads has no d{key} for the parameter {key}")
        check_array(where, f"d{key}", grads[f"d{key}"], value.shape)


# --------------------------------------------------------------------------------------------
# The notebook's graded functions and runs
# --------------------------------------------------------------------------------------------

def _public_tests():
    """public_tests, imported when first needed (it does not import this module)."""
    import public_tests
    return public_tests


def banner(name):
    """The line printed before numbers that come from the graded function `name`, which failed its test."""
    return (f"\u26a0 Exercise {EXERCISES[name]} ({name}) did not pass its test: the numbers below come from your "
            "version, not the lesson's.")


def call_initializer(initializer, layers_dims, quiet=False):
    """initializer(layers_dims), checked by check_parameters; a crash inside it becomes one clear error.

    For the graded functions: a blank or a numpy error in an exercise is reported by name ("fix Exercise
    1 first") where the result is used, instead of as a numpy error in the first training step; a call
    that does not return within public_tests.TIME_LIMIT seconds is stopped; and an exercise that returns
    well-formed but wrong values gets a banner (unless quiet) before the numbers made from them.
    """
    name = getattr(initializer, "__name__", None)
    if not callable(initializer):
        raise InputError(f"call_initializer: the first argument must be a function such as "
                         f"initialize_parameters_he; got {describe(initializer)}")
    tests = _public_tests()
    problems = tests.problems_of(name, initializer) if name in EXERCISES else []
    after = f"{_exercise_hint(name, 'fix')}; the cell under it says what is wrong" if name in EXERCISES else ""
    if tests.timed_out(problems):
        raise ExerciseError(f"{name} did not return within {tests.TIME_LIMIT} seconds when its test called it "
                            f"(a loop that never ends?){after}")
    try:
        with tests.time_limit(tests.TIME_LIMIT):
            parameters = initializer(layers_dims)
    except tests.TookTooLong:
        raise ExerciseError(f"{name}({list(layers_dims)}) did not return within {tests.TIME_LIMIT} seconds and "
                            f"was stopped (a loop that never ends?){after}") from None
    except Exception as error:
        lines = [frame.line for frame in traceback.extract_tb(error.__traceback__) if frame.name == name]
        line = f", in the line `{lines[-1].strip()}`" if lines and lines[-1] else ""
        raise ExerciseError(f"{name}({list(layers_dims)}) raised {type(error).__name__}: {error}{line}"
                            f"{after}") from None
    check_parameters(parameters, layers_dims, source=name)
    if problems and not quiet:
        print(banner(name))
    return parameters


def parameters_to_show(initializer, layers_dims):
    """What the test cell under an exercise shows: initializer(layers_dims) if it returns usable arrays
    (right or wrong), else {} with one line; it never raises, so that Run All goes on."""
    try:
        return call_initializer(initializer, layers_dims, quiet=True)
    except LessonError:
        print("(nothing to show until the problem above is fixed)")
        return {}


# The runs that come from an exercise, and the cell that trains each run.
RUN_EXERCISES = {"zeros": "initialize_parameters_zeros", "random": "initialize_parameters_random",
                 "he": "initialize_parameters_he"}
RUN_CELLS = {"lecun": "the cell of section 5 that trains them with train_many",
             "xavier": "the cell of section 5 that trains them with train_many"}


class RunFirstError(LessonError, RuntimeError):
    """A cell needs the result of an earlier cell that has not run, or failed."""


class Runs(dict):
    """A dict of trained networks by initialization. Asking for one not trained yet names the cell to run
    and its exercise; asking for one trained from an exercise that failed its test prints a banner first
    (once per cell), and failed(key) names that exercise."""

    def __init__(self):
        super().__init__()
        self.from_failed = {}           # key: the graded function, failing its test, the run was made from
        self._warned = set()

    def __setitem__(self, key, value):
        name = RUN_EXERCISES.get(key)
        if name and _public_tests().last_verdict(name):
            self.from_failed[key] = name
        else:
            self.from_failed.pop(key, None)
        super().__setitem__(key, value)

    def __getitem__(self, key):
        value = super().__getitem__(key)
        name = self.from_failed.get(key)
        if name and (_cell_number(), name) not in self._warned:
            self._warned.add((_cell_number(), name))
            print(banner(name))
        return value

    def failed(self, key):
        """'Exercise N' if the run `key` was made from an exercise that failed its test, else ''."""
        name = self.from_failed.get(key)
        return f"Exercise {EXERCISES[name]}" if name else ""

    def __missing__(self, key):
        name = RUN_EXERCISES.get(key)
        after = (f' (it trains from Exercise {EXERCISES[name]}, {name}: if that cell failed, fix the exercise '
                 "until the test cell under it passes)" if name else " (if that cell failed, its message says what "
                 "to fix)")
        where = f", {RUN_CELLS[key]}" if key in RUN_CELLS else ""
        raise RunFirstError(f'no trained network runs["{key}"] yet: run the cell that sets runs["{key}"]{where} '
                            f"first{after}")


def _cell_number():
    """The IPython cell being run (its execution count), or None outside IPython: a banner once per cell."""
    shell = _ipython()
    return shell.execution_count if shell is not None else object()


def _ipython():
    """The running IPython shell, or None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


# Names a cell may find undefined because an earlier cell failed or did not run, and what to do.
DEFINED_BY = {name: f"its cell (Exercise {n}, the one with `# GRADED FUNCTION: {name}`)"
              for name, n in EXERCISES.items()}
DEFINED_BY["model"] = "the cell of section 1 that defines model()"


def _name_error_handler(shell, etype, value, tb, tb_offset=None):
    """IPython's handler of NameError: for a name of DEFINED_BY, one message saying which cell to run."""
    name = getattr(value, "name", None)
    if name in DEFINED_BY:
        value.args = (f"{name} is not defined: {DEFINED_BY[name]} has not run, or it failed (a SyntaxError "
                      "shows there). Run that cell, fix the error it shows, then run this cell again",)
        value._render_traceback_ = lambda: [f"\x1b[0;31mNameError\x1b[0m: {value}"]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install_name_error_hint():
    """In IPython, have a NameError for a graded function or model() say which cell defines it."""
    shell = _ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((NameError,), _name_error_handler)


install_name_error_hint()
