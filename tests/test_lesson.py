"""The notebook's own graded functions and model() against the course's published figures, and
model()'s refusal of bad input before any training starts."""

import math
import re
import time

import numpy as np
import pytest

from assignment import GRADED

COST_LINE = re.compile(r"Cost after iteration (\d+): (\d+\.\d{10})")
ACCURACY_LINE = re.compile(r"Accuracy: (\d\.\d{5}) \((\d+)/(\d+) correct\)")


def plain_logits(X, parameters):
    """Logits of the trained 3-layer network, by the textbook recursion (no init_utils code)."""
    a1 = np.maximum(parameters["W1"] @ X + parameters["b1"], 0)
    a2 = np.maximum(parameters["W2"] @ a1 + parameters["b2"], 0)
    return parameters["W3"] @ a2 + parameters["b3"]


def correct_count(X, Y, parameters):
    return int(np.sum((plain_logits(X, parameters) > 0).astype(int) == Y))


# --------------------------------------------------------------------------------------------
# The graded functions against the course's figures
# --------------------------------------------------------------------------------------------

def test_initialize_parameters_random_course_figures(notebook):
    parameters = notebook["initialize_parameters_random"]([3, 2, 1])
    assert list(parameters) == ["W1", "b1", "W2", "b2"]
    W1 = np.array([[17.88628473, 4.36509851, 0.96497468], [-18.63492703, -2.77388203, -3.54758979]])
    W2 = np.array([[-0.82741481, -6.27000677]])
    assert parameters["W1"].shape == (2, 3) and parameters["W2"].shape == (1, 2)
    assert np.allclose(parameters["W1"], W1, rtol=0, atol=5e-9)
    assert np.allclose(parameters["W2"], W2, rtol=0, atol=5e-9)
    assert parameters["b1"].shape == (2, 1) and parameters["b2"].shape == (1, 1)
    assert not parameters["b1"].any() and not parameters["b2"].any()
    for value in parameters.values():
        assert value.dtype == np.float64


def test_initialize_parameters_he_course_figures(notebook):
    parameters = notebook["initialize_parameters_he"]([2, 4, 1])
    assert list(parameters) == ["W1", "b1", "W2", "b2"]
    W1 = np.array([[1.78862847, 0.43650985], [0.09649747, -1.8634927], [-0.2773882, -0.35475898],
                   [-0.08274148, -0.62700068]])
    W2 = np.array([[-0.03098412, -0.33744411, -0.92904268, 0.62552248]])
    assert parameters["W1"].shape == (4, 2) and parameters["W2"].shape == (1, 4)
    assert np.allclose(parameters["W1"], W1, rtol=0, atol=5e-9)
    assert np.allclose(parameters["W2"], W2, rtol=0, atol=5e-9)
    assert parameters["b1"].shape == (4, 1) and parameters["b2"].shape == (1, 1)
    assert not parameters["b1"].any() and not parameters["b2"].any()
    for value in parameters.values():
        assert value.dtype == np.float64


@pytest.mark.parametrize("dims", [[3, 2, 1], [2, 10, 5, 1], [4, 7, 3, 1]])
def test_initialize_parameters_zeros(notebook, dims):
    parameters = notebook["initialize_parameters_zeros"](dims)
    assert len(parameters) == 2 * (len(dims) - 1)
    for l in range(1, len(dims)):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        assert W.shape == (dims[l], dims[l - 1]) and b.shape == (dims[l], 1)
        assert W.dtype == np.float64 and b.dtype == np.float64
        assert not W.any() and not b.any()


@pytest.mark.parametrize("name", GRADED[1:])
def test_graded_random_functions_give_the_same_weights_on_every_call(notebook, name):
    first = notebook[name]([4, 7, 3, 1])
    np.random.seed(0)                     # the global generator plays no part
    second = notebook[name]([4, 7, 3, 1])
    for key in first:
        assert np.array_equal(first[key], second[key])


BAD_LAYERS_DIMS = [[], [2], [2, 0, 1], [2, -1], [2.5, 3], "23", None, 5, [2, True], (3,), {2: 1, 3: 1}, {2, 3}]


def initializer(notebook, name):
    """A graded function of the notebook, or the lab's initialize_parameters."""
    from init_lab import initialize_parameters

    return initialize_parameters if name == "initialize_parameters" else notebook[name]


@pytest.mark.parametrize("dims", BAD_LAYERS_DIMS, ids=repr)
@pytest.mark.parametrize("name", GRADED + ("initialize_parameters",))
def test_initializers_reject_bad_layers_dims(notebook, name, dims):
    function = initializer(notebook, name)
    with pytest.raises(ValueError, match="layers_dims"):
        function(dims)


@pytest.mark.parametrize("name", GRADED + ("initialize_parameters",))
def test_initializers_accept_numpy_integers_and_tuples(notebook, name):
    parameters = initializer(notebook, name)(np.array([3, 2, 1]))
    assert parameters["W1"].shape == (2, 3) and parameters["W2"].shape == (1, 2)
    parameters = initializer(notebook, name)((np.int64(3), 2, 1))
    assert parameters["W1"].shape == (2, 3) and parameters["W2"].shape == (1, 2)


# --------------------------------------------------------------------------------------------
# The three course trainings (each run once per session, by the course_runs fixture)
# --------------------------------------------------------------------------------------------

def printed_costs(stdout):
    lines = stdout.splitlines()
    matches = [COST_LINE.fullmatch(line) for line in lines]
    assert all(matches), f"unexpected lines in model()'s output: {[l for l, m in zip(lines, matches) if not m]}"
    return [(int(m.group(1)), float(m.group(2))) for m in matches]


@pytest.mark.parametrize("initialization", ["zeros", "random", "he"])
def test_model_prints_the_cost_every_1000_iterations(course_runs, initialization):
    run = course_runs[initialization]
    printed = printed_costs(run["stdout"])
    assert [i for i, _ in printed] == list(range(0, 15000, 1000))       # 15 lines
    assert len(run["costs"]) == 150                                      # one cost every 100 iterations
    for i, value in printed:
        assert abs(value - run["costs"][i // 100]) <= 5.1e-11, f"iteration {i}"


def test_he_costs_are_the_course_figures(course_runs):
    costs = course_runs["he"]["costs"]
    course = {0: 0.8830537463419761, 1000: 0.6879825919728063, 5000: 0.5304944491717495, 14000: 0.07357895962677369}
    for i, expected in course.items():
        assert costs[i // 100] == pytest.approx(expected, rel=1e-9), f"cost after iteration {i}"


def test_zeros_cost_is_ln2_throughout_and_weights_stay_zero(course_runs):
    costs = course_runs["zeros"]["costs"]
    assert max(abs(c - math.log(2)) for c in costs) < 1e-12
    # With zero weights every gradient of a weight is 0, and the balanced labels make db3 = mean(0.5 - y) = 0.
    for name, value in course_runs["zeros"]["parameters"].items():
        assert np.all(np.abs(value) < 1e-12), name


def test_random_cost_starts_at_1773_586_not_inf(course_runs):
    costs = course_runs["random"]["costs"]
    assert all(math.isfinite(c) for c in costs)
    assert costs[0] == pytest.approx(1773.586, abs=5e-4)
    printed = dict(printed_costs(course_runs["random"]["stdout"]))
    assert printed[0] == pytest.approx(1773.586, abs=5e-4)
    assert costs[-1] < 0.5


# Course figures: (train correct / 300, test correct / 100).
COURSE_ACCURACY = {"zeros": ((150, 300), (50, 100)), "random": ((249, 300), (86, 100)), "he": ((298, 300), (96, 100))}


@pytest.mark.parametrize("initialization", list(COURSE_ACCURACY))
def test_course_accuracies(course_runs, dataset, initialization):
    train_X, train_Y, test_X, test_Y = dataset
    parameters = course_runs[initialization]["parameters"]
    (train_ok, m_train), (test_ok, m_test) = COURSE_ACCURACY[initialization]
    assert correct_count(train_X, train_Y, parameters) == train_ok
    assert correct_count(test_X, test_Y, parameters) == test_ok


def test_he_accuracy_figures(course_runs, dataset):
    train_X, train_Y, test_X, test_Y = dataset
    parameters = course_runs["he"]["parameters"]
    assert correct_count(train_X, train_Y, parameters) / 300 == pytest.approx(0.9933333, abs=1e-7)
    assert correct_count(test_X, test_Y, parameters) / 100 == pytest.approx(0.96, abs=1e-12)


@pytest.mark.parametrize("initialization", list(COURSE_ACCURACY))
def test_predict_prints_the_course_accuracy(notebook, course_runs, dataset, capsys, initialization):
    train_X, train_Y, test_X, test_Y = dataset
    parameters = course_runs[initialization]["parameters"]
    notebook["predict"](train_X, train_Y, parameters)
    notebook["predict"](test_X, test_Y, parameters)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line, (ok, m) in zip(lines, COURSE_ACCURACY[initialization]):
        match = ACCURACY_LINE.fullmatch(line)
        assert match, line
        assert (int(match.group(2)), int(match.group(3))) == (ok, m)
        assert float(match.group(1)) == pytest.approx(ok / m, abs=5e-6)


def test_model_print_format_short_run(notebook, dataset, capsys):
    """A short He run prints the course's first costs, one line per 1000 iterations, to 10 decimals."""
    train_X, train_Y, _, _ = dataset
    parameters = notebook["model"](train_X, train_Y, num_iterations=2001, initialization="he")
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["Cost after iteration 0: 0.8830537463", "Cost after iteration 1000: 0.6879825920"]
    printed = printed_costs(out)
    assert [i for i, _ in printed] == [0, 1000, 2000]
    assert set(parameters) == {"W1", "b1", "W2", "b2", "W3", "b3"}


def test_model_print_cost_false_prints_nothing(notebook, dataset, capsys):
    train_X, train_Y, _, _ = dataset
    notebook["model"](train_X, train_Y, num_iterations=1001, initialization="he", print_cost=False)
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------------------------
# Bad input: a ValueError naming the problem, before any training
# --------------------------------------------------------------------------------------------

@pytest.fixture
def no_training(notebook, monkeypatch):
    """model() with the first step of training replaced by a trap: reaching it means training started."""
    def trapped(X, parameters):
        raise AssertionError("model() started training instead of rejecting its input")

    monkeypatch.setitem(notebook, "forward_propagation", trapped)
    return notebook["model"]


def test_the_trap_is_reached_by_a_training(no_training, dataset):
    """The fixture above guards something: a model() that trains meets the trap."""
    train_X, train_Y, _, _ = dataset
    with pytest.raises(AssertionError, match="started training"):
        no_training(train_X, train_Y, num_iterations=1, initialization="he")


def run_bad(model, *args, **kwargs):
    """Call model with bad input and a huge num_iterations (unless given); return the ValueError's message."""
    kwargs.setdefault("num_iterations", 10**9)
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        model(*args, **kwargs)
    assert time.perf_counter() - start < 5
    return str(info.value)


@pytest.mark.parametrize("initialization", ["glorot", "He", "", None, 3, "lecun", "xavier"])
def test_model_rejects_unknown_initialization(no_training, dataset, initialization):
    train_X, train_Y, _, _ = dataset
    message = run_bad(no_training, train_X, train_Y, initialization=initialization)
    assert "initialization" in message
    assert repr(initialization) in message
    for name in ("zeros", "random", "he"):
        assert repr(name) in message, f"the message should list {name!r}: {message}"


def test_model_rejects_different_example_counts(no_training, dataset):
    train_X, train_Y, _, _ = dataset
    message = run_bad(no_training, train_X, train_Y[:, :299])
    assert "X" in message and "Y" in message
    assert "(2, 300)" in message and "(1, 299)" in message


@pytest.mark.parametrize("bad_label", [2, -1, 0.5])
def test_model_rejects_labels_other_than_0_and_1(no_training, dataset, bad_label):
    train_X, train_Y, _, _ = dataset
    Y = train_Y.astype(float) if isinstance(bad_label, float) else train_Y.copy()
    Y[0, 17] = bad_label
    message = run_bad(no_training, train_X, Y)
    assert "Y" in message and str(bad_label) in message


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_model_rejects_non_finite_X(no_training, dataset, bad_value):
    train_X, train_Y, _, _ = dataset
    X = train_X.copy()
    X[1, 42] = bad_value
    message = run_bad(no_training, X, train_Y)
    assert "X" in message and "finite" in message


def test_model_rejects_X_with_examples_as_rows(no_training, dataset):
    train_X, train_Y, _, _ = dataset
    message = run_bad(no_training, train_X.T, train_Y)
    assert "X" in message and "(300, 2)" in message


def test_model_rejects_Y_of_the_wrong_shape(no_training, dataset):
    train_X, train_Y, _, _ = dataset
    message = run_bad(no_training, train_X, train_Y.ravel())
    assert "Y" in message and "(300,)" in message


@pytest.mark.parametrize("num_iterations", [-1, -1000])
def test_model_rejects_negative_num_iterations(no_training, dataset, num_iterations):
    train_X, train_Y, _, _ = dataset
    message = run_bad(no_training, train_X, train_Y, num_iterations=num_iterations)
    assert "num_iterations" in message and str(num_iterations) in message


@pytest.mark.parametrize("learning_rate", [0, 0.0, -0.01, float("nan"), float("inf")])
def test_model_rejects_bad_learning_rate(no_training, dataset, learning_rate):
    train_X, train_Y, _, _ = dataset
    message = run_bad(no_training, train_X, train_Y, learning_rate=learning_rate)
    assert "learning_rate" in message and repr(learning_rate) in message
