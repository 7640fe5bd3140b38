"""Checks for the three graded functions of Initialization.ipynb, with diagnoses.

Each ``*_test(target)`` below prints ``All tests passed.`` when ``target`` is right. Otherwise it
prints one line per problem, naming the mistake: a transposed shape, ``rand`` used for ``randn``,
the scale taken from the wrong layer, LeCun's factor used for He's, and so on. It prints nothing
else, and it never raises, so that "Run All" goes on and shows what the mistake does downstream.

``diagnose(name, target)`` returns the same messages as a list (empty when the function is right).
It works in two stages, so that grade.py can use the same checks without running a submission's code
in its own process: the calls of ``call_plan(name)`` are made (``run_call``) and what they returned
is turned into data (``describe``: key names, dtypes, shapes, plain values, or an exception's type
and message); ``diagnose_outcomes`` then reads only that data. grade.py makes the calls in a
sandboxed child process and diagnoses the recorded outcomes in its own.

How a function is checked: it is called on several ``layers_dims``, the course's own example
first, then others whose layers all have a different fan-in and fan-out, so that neither a
hard-coded answer nor a scale taken from the wrong layer can pass. Each result is compared
with the expected parameters; when they differ, the checks work out *why*, from the most basic
problem (the call raised, no dict came back) to the most specific (right draws, wrong scale).
"""

import contextlib
import math
import signal
import threading
from typing import NamedTuple

import numpy as np

GRADED_FUNCTIONS = {
    "initialize_parameters_zeros": "zeros",
    "initialize_parameters_random": "random",
    "initialize_parameters_he": "he",
}

SEED = 3

# The course's published answers: an independent check of the formulas below (the tests
# verify that the formulas reproduce them), and the expected values for these layers_dims.
COURSE_EXAMPLES = {
    "zeros": ([3, 2, 1], {
        "W1": np.zeros((2, 3)), "b1": np.zeros((2, 1)),
        "W2": np.zeros((1, 2)), "b2": np.zeros((1, 1)),
    }),
    "random": ([3, 2, 1], {
        "W1": np.array([[17.88628473, 4.36509851, 0.96497468],
                        [-18.63492703, -2.77388203, -3.54758979]]),
        "b1": np.zeros((2, 1)),
        "W2": np.array([[-0.82741481, -6.27000677]]),
        "b2": np.zeros((1, 1)),
    }),
    "he": ([2, 4, 1], {
        "W1": np.array([[1.78862847, 0.43650985],
                        [0.09649747, -1.8634927],
                        [-0.2773882, -0.35475898],
                        [-0.08274148, -0.62700068]]),
        "b1": np.zeros((4, 1)),
        "W2": np.array([[-0.03098412, -0.33744411, -0.92904268, 0.62552248]]),
        "b2": np.zeros((1, 1)),
    }),
}

# Checked after the course's example. In [5, 3, 6, 1] every layer has a fan-in different from
# its fan-out, so a scale computed from layers_dims[l] instead of layers_dims[l-1] shows.
OTHER_LAYERS_DIMS = ([3, 2, 1], [2, 4, 1], [5, 3, 6, 1])

# Wrong factors for the standard-normal draws, each with what it tells about the mistake.
# f(n_prev, n) is the factor for layer l, with n_prev = layers_dims[l-1] and n = layers_dims[l].
WRONG_SCALES = (
    (lambda n_prev, n: 10.0, "by 10, the factor of initialize_parameters_random"),
    (lambda n_prev, n: np.sqrt(2 / n_prev), "by sqrt(2 / layers_dims[l-1]), He's factor (Exercise 3)"),
    (lambda n_prev, n: np.sqrt(2 / n),
     "by sqrt(2 / layers_dims[l]): the scale is taken from layers_dims[l] instead of layers_dims[l-1] "
     "(the fan-in, the number of inputs of each unit of layer l)"),
    (lambda n_prev, n: np.sqrt(1 / n_prev),
     "by sqrt(1 / layers_dims[l-1]): that is LeCun's scaling (the one the course calls \"Xavier\"), "
     "not He's, which has a 2 in it"),
    (lambda n_prev, n: np.sqrt(1 / n),
     "by sqrt(1 / layers_dims[l]): that is LeCun's scaling (the course's \"Xavier\"), not He's, and "
     "taken from layers_dims[l] instead of layers_dims[l-1]"),
    (lambda n_prev, n: 2 / n_prev,
     "by 2 / layers_dims[l-1]: that is the variance He's rule asks for; the factor is its square root"),
    (lambda n_prev, n: np.sqrt(2 // n_prev),
     "by np.sqrt(2 // layers_dims[l-1]): // is integer division, which rounds 2 / n down to 0 or 1; use /"),
    (lambda n_prev, n: np.sqrt(2 / (n_prev + n)),
     "by sqrt(2 / (layers_dims[l-1] + layers_dims[l])): that is Glorot's (Xavier's) scaling, not He's"),
    (lambda n_prev, n: 1.0, "by 1: the scaling factor is missing"),
    (lambda n_prev, n: 0.01, "by 0.01"),
)

EXPECTED_SCALE_TEXT = {
    "random": "this exercise multiplies them by 10",
    "he": "He's factor is np.sqrt(2 / layers_dims[l - 1])",
}

# Hints for errors that students often meet in these two lines.
ERROR_HINTS = (
    ("Cannot interpret", "np.zeros takes the shape as one tuple: np.zeros((rows, columns))"),
    ("'tuple' object cannot be interpreted as an integer",
     "rng.randn takes the sizes as separate numbers: rng.randn(rows, columns), not a tuple"),
)


# --------------------------------------------------------------------------------------------
# The tests called from the notebook
# --------------------------------------------------------------------------------------------

def initialize_parameters_zeros_test(target):
    """Check initialize_parameters_zeros; print 'All tests passed.' or what is wrong."""
    _report("initialize_parameters_zeros", target)


def initialize_parameters_random_test(target):
    """Check initialize_parameters_random; print 'All tests passed.' or what is wrong."""
    _report("initialize_parameters_random", target)


def initialize_parameters_he_test(target):
    """Check initialize_parameters_he; print 'All tests passed.' or what is wrong."""
    _report("initialize_parameters_he", target)


def _report(name, target):
    """Print 'All tests passed.' if diagnose finds nothing, else one line per problem."""
    problems = _timed_diagnose(name, target)
    _verdicts[name] = (target, problems)
    if not problems:
        print("All tests passed.")
        return
    print(f"{name}: {len(problems)} problem{'s' if len(problems) > 1 else ''} found.")
    for problem in problems:
        print(" -", problem)


# --------------------------------------------------------------------------------------------
# In the notebook: a time limit on each call, and what the last test of each exercise found
# --------------------------------------------------------------------------------------------

# Seconds a graded function may take in the notebook before it is stopped (the right answer takes
# microseconds). grade.py sets its own limits and calls run_call without one.
TIME_LIMIT = 5
TIMED_OUT = "<timed out>"        # the type name of the Raised outcome of a call that was stopped
_verdicts = {}                   # name: (the function last checked, its problems)
_seconds = None                  # the time limit of run_call while _timed_diagnose runs


class TookTooLong(BaseException):
    """Raised inside a call that ran past its time limit (not an Exception: `except Exception` in the
    student's function does not catch it)."""


@contextlib.contextmanager
def time_limit(seconds):
    """Stop the code inside the block with TookTooLong after `seconds` (where SIGALRM exists, in the main
    thread, as in a Jupyter kernel; elsewhere the block runs without a limit)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TookTooLong

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def problems_of(name, target):
    """diagnose(name, target) with the time limit, remembered for that function object: what the lesson's
    later cells ask before they use an exercise."""
    known, problems = _verdicts.get(name, (None, None))
    if known is not target:
        problems = _timed_diagnose(name, target)
        _verdicts[name] = (target, problems)
    return problems


def _timed_diagnose(name, target):
    """diagnose(name, target), each call of target stopped after TIME_LIMIT seconds."""
    global _seconds
    _seconds = TIME_LIMIT
    try:
        return diagnose(name, target)
    finally:
        _seconds = None


def last_verdict(name):
    """The problems the last check of the graded function `name` found ([] if it passed), None if unchecked."""
    return _verdicts.get(name, (None, None))[1]


def timed_out(problems):
    """True if these problems say the function was stopped by the time limit."""
    return bool(problems) and "did not return within" in problems[0]


# --------------------------------------------------------------------------------------------
# The expected answers
# --------------------------------------------------------------------------------------------

def layers(layers_dims):
    """(l, n_prev, n) for every layer l = 1 .. L-1: its index, fan-in and size."""
    return [(l, layers_dims[l - 1], layers_dims[l]) for l in range(1, len(layers_dims))]


def weight_scale(kind, n_prev):
    """The factor the standard-normal draws of a layer with n_prev inputs are multiplied by."""
    return 10.0 if kind == "random" else np.sqrt(2 / n_prev)


def standard_normal_draws(layers_dims, seed=SEED):
    """What rng.randn(n, n_prev) gives for W1, W2, ... in that order, rng = RandomState(seed)."""
    rng = np.random.RandomState(seed)
    return [rng.randn(n, n_prev) for _, n_prev, n in layers(layers_dims)]


def reference_parameters(kind, layers_dims):
    """The right answer for 'zeros', 'random' or 'he', computed from the formula in float64."""
    draws = standard_normal_draws(layers_dims)
    parameters = {}
    for l, n_prev, n in layers(layers_dims):
        if kind == "zeros":
            parameters["W" + str(l)] = np.zeros((n, n_prev))
        else:
            parameters["W" + str(l)] = draws[l - 1] * weight_scale(kind, n_prev)
        parameters["b" + str(l)] = np.zeros((n, 1))
    return parameters


def expected_parameters(kind, layers_dims):
    """The course's published values for its example, the formula's for any other layers_dims."""
    course_dims, course_values = COURSE_EXAMPLES[kind]
    if list(layers_dims) == course_dims:
        return {key: value.copy() for key, value in course_values.items()}
    return reference_parameters(kind, layers_dims)


def checked_layers_dims(kind):
    """The layers_dims a function is checked on, its course example first."""
    course_dims = COURSE_EXAMPLES[kind][0]
    return [course_dims] + [dims for dims in OTHER_LAYERS_DIMS if dims != course_dims]


# --------------------------------------------------------------------------------------------
# Diagnosis
# --------------------------------------------------------------------------------------------

def diagnose(name, target):
    """Return a list of messages, each naming one mistake of target; empty when it is right.

    name is the graded function's name, e.g. "initialize_parameters_he". target is called live, on
    the calls of call_plan(name) that the diagnosis asks for; what it returns is first copied into
    plain data (see describe), so the checks never run code that came with the result. Under
    _timed_diagnose, a call that does not return in time is stopped (see time_limit) and reported.
    """
    _kind(name)                         # ValueError for an unknown name, before anything runs
    if not callable(target):
        return [f"{name} should be a function; got {type(target).__name__} {_safe_text(repr, target)}"]
    outcomes = {}

    def outcome_of(layers_dims, global_seed):
        key = (tuple(layers_dims), global_seed)
        if key not in outcomes:
            outcomes[key] = run_call(target, layers_dims, global_seed)
        return outcomes[key]

    return diagnose_outcomes(name, outcome_of)


def diagnose_outcomes(name, outcome_of):
    """The messages of diagnose, computed from data: outcome_of(layers_dims, global_seed) gives the
    outcome (Raised, Mapping or Other, see describe) of one call of call_plan(name).

    This is the one implementation of the checks: the notebook's tests feed it live calls, grade.py
    feeds it the outcomes a sandboxed child recorded. The checks stop at the first layers_dims with a
    problem: one clear diagnosis is worth more than a cascade.
    """
    kind = _kind(name)
    right_for = []
    for layers_dims in checked_layers_dims(kind):
        problems = _diagnose_call(name, kind, outcome_of, layers_dims)
        if problems:
            if right_for:
                problems[-1] += (f" (it was right for layers_dims={right_for[0]}: are sizes or values written "
                                 "into the code instead of read from layers_dims?)")
            return problems
        right_for.append(layers_dims)
    return []


def _kind(name):
    """'zeros', 'random' or 'he' for a graded function's name; ValueError for any other name."""
    if name not in GRADED_FUNCTIONS:
        raise ValueError(f"unknown graded function {name!r}; expected one of {', '.join(GRADED_FUNCTIONS)}")
    return GRADED_FUNCTIONS[name]


def _diagnose_call(name, kind, outcome_of, layers_dims):
    """The problems of the call target(layers_dims), each message starting with the call."""
    call = f"{name}({layers_dims})"
    result = outcome_of(layers_dims, GLOBAL_SEEDS[0])
    if isinstance(result, Raised) and result.type_name == TIMED_OUT:
        return [f"{call} did not return within {result.message} and was stopped: is there a loop that never "
                "ends (a `while` whose condition stays true)? The loop of this exercise is `for l in range(1, L):`"]
    if isinstance(result, Raised):
        return [f"{call} raised {result.type_name}: {result.message}{_error_hint(result)}"]
    expected = expected_parameters(kind, layers_dims)
    with np.errstate(all="ignore"):      # the arrays may hold anything, inf and nan included
        problems = structure_problems(result, expected, layers_dims, lambda: _deeper_keys(outcome_of))
        if not problems:
            values = {key: result[key].values for key in expected}
            if not _all_close(values, expected):
                problems = value_problems(kind, outcome_of, layers_dims, values)
    return [f"{call}: {problem}" for problem in problems]


# --------------------------------------------------------------------------------------------
# The calls, and their outcomes as data
# --------------------------------------------------------------------------------------------

# Each layers_dims is called with numpy's global generator seeded by the first seed, then again by
# the second: a function drawing from the unseeded global generator gives different weights. The
# seeds are never 3, the one the exercise asks for.
GLOBAL_SEEDS = (1, 2)

# Bounds on what an outcome holds (a hostile function may return anything): longer texts are cut,
# more keys are dropped, and only arrays this small carry their values (the expected ones have at
# most 18 entries; a bigger array is wrong by its shape alone).
MAX_TEXT = 1000
MAX_KEYS = 64
MAX_VALUES = 256


class Raised(NamedTuple):
    """The call raised: the exception's type name and message."""
    type_name: str
    message: str


class Other(NamedTuple):
    """The call returned (or a dict held) something that is neither a dict nor an ndarray: its type name."""
    type_name: str


class Array(NamedTuple):
    """An ndarray, as data: dtype name and kind ('f', 'i', 'u', 'b', or '?' for any other), shape, and
    for a small array of kind f, i, u or b its values as a plain ndarray of that dtype (else None)."""
    dtype: str
    kind: str
    shape: tuple
    values: object


class Mapping(dict):
    """A returned dict, as data: {key text: Array or Other}. key_labels gives each key as messages show
    it (repr for a string key, as the key was written for any other)."""

    def __init__(self, items, labels):
        super().__init__(items)
        self.key_labels = labels


def call_plan(name):
    """The calls a graded function is checked with: [(layers_dims, global_seed), ...] in order."""
    return [(dims, seed) for dims in checked_layers_dims(_kind(name)) for seed in GLOBAL_SEEDS]


def run_call(target, layers_dims, global_seed, seconds=None):
    """The outcome of target(layers_dims) with numpy's global generator seeded: Raised, or describe(result).
    With seconds (by default the limit _timed_diagnose sets), a call still running after that long is
    stopped: Raised(TIMED_OUT, ...)."""
    seconds = seconds or _seconds
    try:
        with time_limit(seconds) if seconds else contextlib.nullcontext():
            result = call_with_global_seed(target, layers_dims, global_seed)
    except TookTooLong:
        return Raised(TIMED_OUT, f"{seconds} seconds")
    except Exception as error:  # the student's code may raise anything: report it, don't crash
        return Raised(type(error).__name__[:MAX_TEXT], _safe_text(str, error))
    return describe(result)


def describe(value):
    """What a call returned, as data only (Mapping or Other): no object of the student's survives.

    Arrays are copied into plain ndarrays (np.array with subok=False: a subclass's own __eq__,
    __array_function__ or properties are gone), and a dict is read with dict's own methods.
    """
    if not isinstance(value, dict):
        return Other(type(value).__name__[:MAX_TEXT])
    items, labels = {}, {}
    for key, item in list(dict.items(value))[:MAX_KEYS]:
        text = key[:MAX_TEXT] if isinstance(key, str) else _safe_text(repr, key)
        items[text] = describe_array(item) if isinstance(item, np.ndarray) else Other(type(item).__name__[:MAX_TEXT])
        labels[text] = repr(text) if isinstance(key, str) else text
    return Mapping(items, labels)


def describe_array(array):
    """An ndarray (or subclass) as an Array: its values copied only for small numeric arrays."""
    dtype = np.ndarray.__getattribute__(array, "dtype")
    shape = tuple(int(n) for n in np.ndarray.__getattribute__(array, "shape"))
    kind = dtype.kind if dtype.kind in "fiub" else "?"
    values = None
    if kind != "?" and math.prod(shape) <= MAX_VALUES:
        values = np.array(array, dtype=dtype, subok=False, copy=True)
    return Array(str(dtype.name if kind != "?" else dtype)[:MAX_TEXT], kind, shape, values)


def _safe_text(function, value):
    """function(value) (str or repr), cut to MAX_TEXT characters; a placeholder if it raises."""
    try:
        text = function(value)
        return text[:MAX_TEXT] if isinstance(text, str) else "<unprintable>"
    except Exception:
        return "<unprintable>"


def call_with_global_seed(target, layers_dims, global_seed):
    """Call target on a copy of layers_dims with numpy's global generator seeded, then restore it.

    The global seed is never 3, so a function that draws from np.random without seeding it
    gets numbers other than the expected ones (and different ones for different global seeds).
    """
    state = np.random.get_state()
    try:
        np.random.seed(global_seed)
        return target(list(layers_dims))
    finally:
        np.random.set_state(state)


def _deeper_keys(outcome_of):
    """The keys returned for the 3-layer layers_dims (the last of OTHER_LAYERS_DIMS), or None: they tell
    a loop that stops one layer early from a `return` inside the loop."""
    outcome = outcome_of(OTHER_LAYERS_DIMS[-1], GLOBAL_SEEDS[0])
    return sorted(map(str, outcome)) if isinstance(outcome, Mapping) else None


def structure_problems(result, expected, layers_dims, deeper_keys=None):
    """Problems with what came back: not a dict, keys missing or extra, non-float arrays, shapes.
    deeper_keys: None, or a function giving the keys returned for OTHER_LAYERS_DIMS[-1] (see _key_problems)."""
    if not isinstance(result, Mapping):
        hint = " (is the line `return parameters` still there?)" if result.type_name == "NoneType" else ""
        return [f"it returned {result.type_name} instead of a dict of parameters{hint}"]
    problems = _key_problems(result, expected, layers_dims, deeper_keys)
    present = [key for key in expected if key in result]
    blanks = [key for key in present if result[key] == Other("NoneType")]
    others = [key for key in present if isinstance(result[key], Other) and key not in blanks]
    arrays = [key for key in present if isinstance(result[key], Array)]
    booleans = [key for key in arrays if result[key].kind == "b"]
    integers = [key for key in arrays if result[key].kind in "iu"]
    # float32 can pass the value checks, yet the notebook's stored outputs (float64) would differ
    narrow = [key for key in arrays if result[key].kind == "f" and result[key].dtype != "float64"]
    odd = [key for key in arrays if result[key].kind == "?"]
    if blanks:
        problems.append(_about(blanks, "is None: the line that sets it is still a blank",
                               "are None: the lines that set them are still blanks"))
    if others:
        kinds = sorted({result[key].type_name for key in others})
        problems.append(_about(others, "is not a numpy array", "are not numpy arrays") + f" (got {', '.join(kinds)})")
    if booleans:
        problems.append(_about(booleans, "holds", "hold") + " booleans (dtype bool), not floats")
    if integers:
        problems.append(_about(integers, "holds", "hold") + f" integers (dtype {result[integers[0]].dtype}), not "
                        "floats: np.zeros and rng.randn give floats unless told otherwise")
    if narrow:
        problems.append(_about(narrow, "has", "have") + f" dtype {result[narrow[0]].dtype}, expected float64 "
                        "(np.zeros and rng.randn give float64; do not convert)")
    if odd:
        problems.append(_about(odd, "has", "have") + f" dtype {result[odd[0]].dtype}; floats are expected")
    return problems + [_shape_problem(key, result[key].shape, expected[key].shape)
                       for key in arrays if result[key].shape != expected[key].shape]


def _about(keys, singular, plural):
    """'W1 <singular>' or 'W1, b1 and W2 <plural>': one message about one or several keys."""
    names = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
    return f"{names} {singular if len(keys) == 1 else plural}"


def _key_problems(result, expected, layers_dims, deeper_keys=None):
    """Missing and unexpected keys, with a hint for the usual causes. On 2 layers, a loop that stops one
    layer early and a `return` inside the loop both return layer 1 alone; deeper_keys() (the keys returned
    for 3 layers: W1, W2 and their biases, or W1 and b1 alone) tells which."""
    problems = []
    missing = [key for key in expected if key not in result]
    extra = [key for key in result if key not in expected]
    if missing:
        problem = "missing key" + ("s " if len(missing) > 1 else " ") + ", ".join(map(repr, missing))
        last = len(layers_dims) - 1
        one_short = sorted([f"W{l}" for l in range(1, last)] + [f"b{l}" for l in range(1, last)])
        if sorted(map(str, result)) == ["W1", "b1"] and len(layers_dims) > 2 and (
                deeper_keys is None or deeper_keys() == ["W1", "b1"]):
            problem += " (only layer 1 is there: is `return parameters` indented inside the loop?)"
        elif sorted(map(str, result)) == one_short and len(layers_dims) > 2:
            problem += (f" (the last layer, {last}, is missing: the loop stops one layer early. range(1, L) "
                        "already stops before L, at the last layer L - 1: use range(1, L), not range(1, L - 1))")
        elif any(str(key).lower() != key and str(key).lower() in map(str, result) for key in missing):
            problem += " (keys are case-sensitive: 'W1', not 'w1')"
        problems.append(problem)
    if extra:
        problems.append("unexpected key" + ("s " if len(extra) > 1 else " ")
                        + ", ".join(result.key_labels[key] for key in extra)
                        + f" (the keys are W1, b1, ..., W{len(layers_dims) - 1}, b{len(layers_dims) - 1})")
    return problems


def _shape_problem(key, shape, expected_shape):
    """Name a wrong shape, and say what the right one is made of."""
    l = key[1:]
    made_of = f"(layers_dims[{l}], layers_dims[{int(l) - 1}])" if key[0] == "W" else f"(layers_dims[{l}], 1)"
    if key[0] == "b" and shape == expected_shape[:1]:
        return (f"{key} should be a column vector of shape {expected_shape} = {made_of}, not a 1-D array "
                f"of shape {shape}")
    problem = f"{key} has shape {shape}, expected {expected_shape} = {made_of}"
    if shape == expected_shape[::-1]:
        problem += ": it is transposed (one row per unit of layer " + l + ")"
    return problem


def value_problems(kind, outcome_of, layers_dims, result):
    """Right keys, types and shapes, wrong values: say which values are wrong, and why.

    result: {key: plain float64 ndarray}, the expected keys only.
    """
    biases = [key for key, value in result.items() if key[0] == "b" and np.any(value != 0)]
    weights = [result["W" + str(l)] for l, _, _ in layers(layers_dims)]
    problems = [_about(biases, "is", "are") + " not zero: biases start at zero, np.zeros((layers_dims[l], 1))"
                ] if biases else []
    nonzero = [key for key, value in result.items() if key[0] == "W" and np.any(value != 0)]
    not_finite = ["W" + str(l) for l, W in enumerate(weights, start=1) if not np.all(np.isfinite(W))]
    if not_finite:                  # before the draws and the seed: NaN equals nothing, not even itself
        problems.append(_about(not_finite, "holds", "hold") + " NaN or infinite values")
    elif kind == "zeros" and nonzero:
        example = f"{nonzero[0]} holds {_preview(result[nonzero[0]])}"
        problems.append(_about(nonzero, "is", "are") + f" not zero ({example}): every weight of this exercise "
                        "starts at zero")
    elif kind != "zeros" and not problems:        # with the biases right, only the weights can be wrong
        problems = weight_problems(kind, outcome_of, layers_dims, weights)
    return problems or [f"the values differ from the expected ones: {_preview(result)}"]


def weight_problems(kind, outcome_of, layers_dims, weights):
    """Why random weights differ from the expected ones: the draws, the seed, or the scale."""
    if all(np.all(W == 0) for W in weights):
        return ["every weight is zero: this exercise draws them at random with rng.randn"]
    if all(np.all(W >= 0) for W in weights):
        return ["every weight is non-negative: np.random.rand (or rng.rand) draws from the uniform "
                "distribution on [0, 1); rng.randn draws from the standard normal distribution"]
    for draws, mistake in _draw_schemes(layers_dims):
        scales = fitted_scales(weights, draws)
        if scales is not None:
            return ([mistake] if mistake else []) + scale_problems(kind, layers_dims, scales)
    if _depends_on_global_generator(outcome_of, layers_dims, weights):
        return ["two calls gave different weights: they come from numpy's global generator, which nobody "
                "seeded. Draw with rng.randn (rng = np.random.RandomState(3) is created before the loop)"]
    seed = find_seed(weights, layers_dims)
    if seed is not None:
        return [f"these are the draws of seed {seed}, not of seed {SEED}: keep np.random.RandomState({SEED})"]
    return [_mismatch(kind, layers_dims, weights)]


def _draw_schemes(layers_dims):
    """The right standard-normal draws, then common wrong ones, each with its diagnosis (None if right)."""
    yield standard_normal_draws(layers_dims), None
    yield ([np.random.RandomState(SEED).randn(n, n_prev) for _, n_prev, n in layers(layers_dims)],
           "every layer's draws start over from seed 3: the generator is created or seeded inside the loop; "
           "use the one rng created before the loop")
    generator = np.random.default_rng(SEED)
    yield ([generator.standard_normal((n, n_prev)) for _, n_prev, n in layers(layers_dims)],
           "these numbers come from np.random.default_rng(3), a Generator, whose draws differ from those of "
           "np.random.RandomState(3): draw with the rng created before the loop, rng.randn(...)")
    yield (_transposed_draws(layers_dims),
           "the numbers are drawn with shape (layers_dims[l-1], layers_dims[l]) and then transposed: draw "
           "rng.randn(layers_dims[l], layers_dims[l-1]) directly, so each number lands where it is expected")


def _transposed_draws(layers_dims):
    """What rng.randn(n_prev, n).T gives for W1, W2, ... in order, rng = RandomState(3)."""
    rng = np.random.RandomState(SEED)
    return [rng.randn(n_prev, n).T for _, n_prev, n in layers(layers_dims)]


def fitted_scales(weights, draws):
    """The factor c_l with W_l = c_l * draws_l for every layer, or None if some W_l is not such a multiple."""
    scales = []
    for W, Z in zip(weights, draws):
        if W.shape != Z.shape:
            return None
        c = float(np.sum(W * Z) / np.sum(Z * Z))           # least squares: the best c for W ~ c Z
        if not np.allclose(W, c * Z, rtol=1e-6, atol=1e-12):
            return None
        scales.append(c)
    return scales


def scale_problems(kind, layers_dims, scales):
    """Name the factor the draws were multiplied by, when it is not the expected one."""
    shapes = layers(layers_dims)
    expected = [weight_scale(kind, n_prev) for _, n_prev, _ in shapes]
    if np.allclose(scales, expected, rtol=1e-6):
        return []
    for factor, meaning in WRONG_SCALES:
        candidate = [factor(n_prev, n) for _, n_prev, n in shapes]
        if not np.allclose(candidate, expected, rtol=1e-6) and np.allclose(scales, candidate, rtol=1e-6):
            return [f"the weights are the right draws, multiplied {meaning}; {EXPECTED_SCALE_TEXT[kind]}"]
    return [f"W{l} is the right draw multiplied by {c:.6g} instead of {e:.6g}"
            for (l, _, _), c, e in zip(shapes, scales, expected) if not np.isclose(c, e, rtol=1e-6)]


def _depends_on_global_generator(outcome_of, layers_dims, weights):
    """True if the call with the second global seed gave other weights (or none: not deterministic either)."""
    again = outcome_of(layers_dims, GLOBAL_SEEDS[1])
    for l, W in enumerate(weights, start=1):
        other = again.get("W" + str(l)) if isinstance(again, Mapping) else None
        if not isinstance(other, Array) or other.values is None or other.shape != W.shape:
            return True
        if not np.array_equal(W, np.asarray(other.values, dtype=float), equal_nan=True):   # NaN or not
            return True
    return False


def find_seed(weights, layers_dims, seeds=range(1000)):
    """The seed whose RandomState draws, scaled layer by layer, give these weights; None if none does."""
    for seed in seeds:
        if seed != SEED and fitted_scales(weights, standard_normal_draws(layers_dims, seed)) is not None:
            return seed
    return None


def _mismatch(kind, layers_dims, weights):
    """The catch-all message: which weight differs, what it holds and what it should hold."""
    expected = reference_parameters(kind, layers_dims)
    for l, W in enumerate(weights, start=1):
        if not np.allclose(W, expected["W" + str(l)], rtol=1e-7, atol=1e-8):
            return (f"W{l} has the right shape but not the expected values: it holds {_preview(W)}, "
                    f"expected {_preview(expected['W' + str(l)])}")
    return "the weights differ from the expected ones"


def _all_close(result, expected):
    """True if every expected entry is matched to float precision (no more, no less)."""
    return all(np.allclose(result[key], value, rtol=1e-7, atol=1e-8) for key, value in expected.items())


def _error_hint(error):
    """A hint for the errors (Raised) students often meet here, or ''."""
    for fragment, hint in ERROR_HINTS:
        if error.type_name == "TypeError" and fragment in error.message:
            return f" ({hint})"
    return ""


def _preview(value):
    """A short one-line picture of an array (or of a dict of arrays)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_preview(v)}" for key, v in value.items()) + "}"
    text = np.array2string(np.asarray(value), precision=4, separator=", ", threshold=8, edgeitems=2)
    return " ".join(text.split())
