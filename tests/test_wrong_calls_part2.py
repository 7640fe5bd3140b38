"""The wrong calls of issue 16 (the helper modules probed with a student's mistakes): each gets a clear
error naming what was passed and what is needed, never numpy's or matplotlib's, never a wrong number.
The lesson's own errors are LessonErrors, which IPython shows as their message alone."""

import numpy as np
import pytest

from init_checks import LessonError, Runs, call_initializer
from init_lab import initialize_parameters, num_layers, train_many
from init_plots import plot_cost_curves, plot_costs, plot_decision_boundary, plot_layer_histograms
from init_utils import backward_propagation, compute_loss, forward_propagation, predict_dec, sigmoid

X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
Y = np.array([[1, 0, 1]])
NET = initialize_parameters([2, 4, 3, 1], "he")


def test_compute_loss_refuses_logits_that_are_not_those_of_a3():
    a3, cache = forward_propagation(X, NET)
    exact = compute_loss(a3, Y, z3=cache[8])
    by_hand = float(-np.mean(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)))     # the textbook formula, in float64
    assert exact == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError, match="a3 is not sigmoid\\(z3\\)"):
        compute_loss(a3, Y, z3=cache[8] + 1.0)
    with pytest.raises(ValueError, match="z3 has shape \\(1, 2\\) but a3 has shape \\(1, 3\\)"):
        compute_loss(a3, Y, z3=cache[8][:, :2])


@pytest.mark.parametrize("label", [2, 0.3])
def test_backward_propagation_refuses_labels_other_than_0_and_1(label):
    a3, cache = forward_propagation(X, NET)
    with pytest.raises(ValueError, match="only the labels 0 and 1"):
        backward_propagation(X, np.array([[1, label, 0]]), cache)


@pytest.mark.parametrize("bad", [np.array([[np.nan, 1.0, 2.0], [0.0, 0.0, 0.0]]), X.astype(complex)])
def test_forward_propagation_refuses_nan_and_complex_inputs(bad):
    with pytest.raises(ValueError, match="X must (be finite|hold real numbers)"):
        forward_propagation(bad, NET)


def test_sigmoid_refuses_text():
    assert sigmoid(0.0) == 0.5
    with pytest.raises(ValueError, match="z must hold real numbers"):
        sigmoid("1.0")


def test_num_layers_names_a_missing_bias():
    assert num_layers(NET) == 3
    broken = {key: value for key, value in NET.items() if key != "b3"}
    with pytest.raises(ValueError, match="there is no b3"):
        num_layers(broken)


def test_train_many_settings_are_keyword_only():
    with pytest.raises(TypeError, match="positional"):
        train_many(X, Y, [NET], 200)


@pytest.mark.parametrize("call, message", [
    (lambda: plot_cost_curves({"he": [0.7, 0.6]}, every=0, title="t"), "every must be a positive integer; got 0"),
    (lambda: plot_cost_curves([0.7, 0.6], every=1, title="t"), "curves must be a dict"),
    (lambda: plot_costs([[0.7, 0.6], [0.5, 0.4]], 0.01), "one list of costs"),
    (lambda: plot_costs("0.7", 0.01), "one list of costs"),
    (lambda: plot_layer_histograms({"he": [X, X, X]}, layers=(0, 3)), "layers must be layer numbers from 1 to 3"),
    (lambda: plot_layer_histograms({"he": [X, X, X]}, layers=(1, 4)), "layers must be layer numbers from 1 to 3"),
    (lambda: plot_decision_boundary(NET, X, Y), "pass lambda x: predict_dec\\(parameters, x.T\\)"),
    (lambda: plot_decision_boundary(lambda x: predict_dec(NET, x), X, Y), "one point per column: .*x.T"),
    (lambda: call_initializer("he", [2, 1]), "must be a function"),
])
def test_the_plot_and_lab_functions_name_a_wrong_argument(call, message):
    with pytest.raises(LessonError, match=message) as error:
        call()
    assert isinstance(error.value, ValueError)


def test_a_lesson_error_renders_as_its_message_alone():
    error = LessonError("fix Exercise 2 first")
    assert error._render_traceback_() == ["\x1b[0;31mLessonError\x1b[0m: fix Exercise 2 first"]


def test_a_run_from_a_failed_exercise_is_flagged(capsys):
    import public_tests

    def wrong(layers_dims):
        return initialize_parameters(layers_dims, "small")
    wrong.__name__ = "initialize_parameters_random"
    parameters = call_initializer(wrong, [2, 10, 5, 1])
    assert capsys.readouterr().out.startswith("\u26a0 Exercise 2 (initialize_parameters_random) did not pass")
    runs = Runs()
    runs["random"] = parameters
    assert runs.failed("random") == "Exercise 2"
    assert runs["random"] is parameters
    assert capsys.readouterr().out.startswith("\u26a0 Exercise 2")
    public_tests._verdicts.pop("initialize_parameters_random")
