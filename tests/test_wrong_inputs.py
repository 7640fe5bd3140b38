"""What a student who is wrong gets from the lesson's modules: a clear error naming the problem, or the right answer.

Each case is a realistic mistake (a transposed Y, a list, a missing bias, a blank exercise, a typo in
a size). The right answers are computed here by plain formulas (np.logaddexp, the textbook forward
recursion), not by the modules.
"""

import io
import time
import tracemalloc

import numpy as np
import pytest
from matplotlib.colors import to_hex

import init_plots
from init_checks import (
    RunFirstError,
    Runs,
    call_initializer,
    check_layers_dims,
    check_parameters,
    check_training_inputs,
)
from init_data import load_dataset
from init_lab import accuracy, deep_forward, initialize_parameters, layer_statistics
from init_plots import plot_costs, plot_dataset, plot_decision_boundary
from init_utils import compute_loss, cross_entropy_from_logits, predict, predict_dec

DIMS = [2, 10, 5, 1]


@pytest.fixture(scope="module")
def problem():
    """The circles data and a He network for it, with its logits and outputs by the textbook recursion."""
    X, Y, _, _ = load_dataset()
    parameters = initialize_parameters(DIMS, "he", seed=3)
    a = X
    for l in (1, 2):
        a = np.maximum(parameters[f"W{l}"] @ a + parameters[f"b{l}"], 0)
    z3 = parameters["W3"] @ a + parameters["b3"]
    return X, Y, parameters, z3, 1 / (1 + np.exp(-z3))


def without(parameters, key):
    return {k: v for k, v in parameters.items() if k != key}


# --------------------------------------------------------------------------------------------
# check_parameters: what an initializer returned
# --------------------------------------------------------------------------------------------

GOOD = initialize_parameters(DIMS, "he")

BAD_PARAMETERS = {
    "blank exercise": ({k: None for k in GOOD}, "what initialize_parameters_zeros returned: W1 is None (is a line "
                                                "that sets it still blank?): finish Exercise 1"),
    "forgotten biases": ({k: v for k, v in GOOD.items() if k[0] == "W"}, "no b1, b2, b3"),
    "an extra layer": (initialize_parameters([2, 10, 5, 1, 1]), "'W4', 'b4'"),
    "a list, not a dict": ([GOOD["W1"]], "a list, not a dict"),
    "transposed W1": (dict(GOOD, W1=GOOD["W1"].T), "W1 has shape (2, 10); it needs shape (10, 2) (transposed"),
    "1-D bias": (dict(GOOD, b1=np.zeros(10)), "b1 has shape (10,); it needs shape (10, 1)"),
    "a list as W2": (dict(GOOD, W2=GOOD["W2"].tolist()), "W2 is a list, not a numpy array"),
    "integer weights": (dict(GOOD, W1=np.zeros((10, 2), dtype=int)), "W1 holds integers (dtype int64)"),
    "float32 weights": (dict(GOOD, W3=GOOD["W3"].astype(np.float32)), "float32"),
    "NaN weights": (dict(GOOD, W2=np.full((5, 10), np.nan)), "W2 holds 50 NaN or infinite values"),
}


@pytest.mark.parametrize("case", BAD_PARAMETERS)
def test_check_parameters_names_the_problem(case):
    parameters, message = BAD_PARAMETERS[case]
    with pytest.raises(ValueError, match=None) as error:
        check_parameters(parameters, DIMS, source="initialize_parameters_zeros")
    assert message in str(error.value)
    assert str(error.value).endswith("Exercise 1 first")


def test_check_parameters_accepts_right_networks_of_any_depth():
    check_parameters(GOOD, DIMS)
    check_parameters(GOOD)
    check_parameters(initialize_parameters([3] + [4] * 7 + [1]))


def test_check_parameters_without_layers_dims_checks_that_the_layers_fit():
    with pytest.raises(ValueError, match=r"W2 has shape \(10, 5\); it needs shape \(5, 10\) \(transposed"):
        check_parameters(dict(GOOD, W2=GOOD["W2"].T))
    with pytest.raises(ValueError, match=r"b3 has shape \(2, 1\); it needs shape \(1, 1\)"):
        check_parameters(dict(GOOD, b3=np.zeros((2, 1))))


def test_call_initializer_reports_a_crash_with_the_exercise_and_the_line():
    def initialize_parameters_zeros(layers_dims):
        parameters = {}
        for l in range(1, len(layers_dims)):
            parameters["W" + str(l)] = np.zeros(layers_dims[l], layers_dims[l - 1])
        return parameters

    with pytest.raises(RuntimeError) as error:
        call_initializer(initialize_parameters_zeros, [3, 2, 1])
    message = str(error.value)
    assert message.startswith("initialize_parameters_zeros([3, 2, 1]) raised TypeError: ")
    assert "np.zeros(layers_dims[l], layers_dims[l - 1])" in message
    assert "fix Exercise 1 first" in message
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_call_initializer_returns_a_right_result_unchanged():
    def initialize_parameters_he(layers_dims):
        return initialize_parameters(layers_dims, "he")

    result = call_initializer(initialize_parameters_he, DIMS)
    assert all(np.array_equal(result[k], GOOD[k]) for k in GOOD) and list(result) == list(GOOD)


def test_runs_names_the_cell_to_run_instead_of_a_key_error():
    runs = Runs()
    runs["he"] = GOOD
    assert runs["he"] is GOOD
    with pytest.raises(RunFirstError, match=r'run the cell that sets runs\["zeros"\] first') as error:
        runs["zeros"]
    assert not isinstance(error.value, LookupError)
    assert "Exercise 1, initialize_parameters_zeros" in str(error.value)


# --------------------------------------------------------------------------------------------
# The silent wrong numbers of the issue, one by one
# --------------------------------------------------------------------------------------------

def test_predict_with_a_transposed_Y_raises(problem, capsys):
    X, Y, parameters, _, _ = problem
    with pytest.raises(ValueError, match=r"Y has shape \(300, 1\); it needs shape \(1, m\) \(use Y.reshape\(1, -1\)\)"):
        predict(X, Y.T, parameters)
    assert capsys.readouterr().out == ""            # no accuracy line was printed


def test_accuracy_with_a_transposed_Y_raises(problem):
    X, Y, parameters, z3, _ = problem
    with pytest.raises(ValueError, match=r"Y has shape \(300, 1\); it needs shape \(1, m\)"):
        accuracy(X, Y.T, parameters)
    assert accuracy(X, Y, parameters) == pytest.approx(np.mean((z3 > 0) == Y), abs=0)


@pytest.mark.parametrize("call", [
    lambda a3, z3, Y: compute_loss(a3, Y.T, z3=z3),
    lambda a3, z3, Y: compute_loss(a3, Y.T),
    lambda a3, z3, Y: cross_entropy_from_logits(z3, Y.T),
    lambda a3, z3, Y: cross_entropy_from_logits(z3.T, Y),
], ids=["compute_loss-z3", "compute_loss-a3", "cross_entropy-Y.T", "cross_entropy-z.T"])
def test_losses_refuse_to_broadcast_to_m_by_m(problem, call):
    _, Y, _, z3, a3 = problem
    with pytest.raises(ValueError, match="shape"):
        call(a3, z3, Y)


def test_compute_loss_with_labels_as_a_list_gives_the_right_cost(problem):
    _, Y, _, z3, a3 = problem
    expected = np.mean(np.logaddexp(0, np.where(Y == 1, -z3, z3)))
    assert compute_loss(a3, Y.tolist()) == pytest.approx(expected, rel=1e-9)
    assert compute_loss(a3, Y.tolist(), z3=z3) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", [1.5, -0.2, np.nan])
def test_compute_loss_on_values_that_are_not_probabilities_says_so(problem, bad):
    _, Y, _, _, a3 = problem
    a3 = a3.copy()
    a3[0, 7] = bad
    with pytest.raises(ValueError, match="a3 must hold probabilities between 0 and 1; 1 of its values are not"):
        compute_loss(a3, Y)


def test_losses_refuse_labels_other_than_0_and_1(problem):
    _, Y, _, z3, a3 = problem
    with pytest.raises(ValueError, match=r"only the labels 0 and 1; it also holds \[2\]"):
        compute_loss(a3, Y * 2, z3=z3)
    with pytest.raises(ValueError, match="NaN"):
        cross_entropy_from_logits(np.full_like(z3, np.nan), Y)


def test_predict_without_b3_raises_instead_of_printing_a_wrong_accuracy(problem, capsys):
    X, Y, parameters, _, _ = problem
    with pytest.raises(ValueError, match="predict: there is no b3"):
        predict(X, Y, without(parameters, "b3"))
    assert capsys.readouterr().out == ""


def test_a_1d_bias_is_refused_even_when_m_equals_its_length(problem):
    X, Y, parameters, _, _ = problem
    broken = dict(parameters, b1=np.full(10, 0.3))
    for call in (lambda: predict_dec(broken, X[:, :10]), lambda: deep_forward(X[:, :10], broken),
                 lambda: accuracy(X[:, :10], Y[:, :10], broken)):
        with pytest.raises(ValueError, match=r"b1 has shape \(10,\); it needs shape \(10, 1\)"):
            call()


def test_predict_of_a_deeper_network_points_to_the_lab(problem, capsys):
    """predict is the course's, for the 3-layer network: a deeper one is named, with where to go instead."""
    X, Y, _, _, _ = problem
    parameters = initialize_parameters([2, 10, 5, 4, 1], "he", seed=5)
    with pytest.raises(ValueError, match=r"forward_propagation: .*also holds W4, b4 \(init_lab.deep_forward takes"):
        predict(X, Y, parameters)
    assert capsys.readouterr().out == ""


def test_inputs_with_the_wrong_number_of_rows_or_transposed(problem):
    X, Y, parameters, _, _ = problem
    with pytest.raises(ValueError, match=r"looks like \(m, n_x\).*pass X.T"):
        predict_dec(parameters, X.T)
    with pytest.raises(ValueError, match="X has 3 rows but the network takes 2 inputs"):
        deep_forward(np.vstack([X, X[:1]]), parameters)


@pytest.mark.parametrize("X_as, Y_as", [(list, None), (None, list), (tuple, None)])
def test_check_training_inputs_refuses_lists_it_used_to_accept(problem, X_as, Y_as):
    X, Y, _, _, _ = problem
    X = X_as(X.tolist()) if X_as else X
    Y = Y_as(Y.tolist()) if Y_as else Y
    with pytest.raises(ValueError, match=r"model: [XY] is a (list|tuple), not a numpy array \(np.array\([XY]\) makes"):
        check_training_inputs(X, Y, 0.01, 10)


@pytest.mark.parametrize("seed", [3.5, "3", -1, 2**32, True])
def test_initialize_parameters_refuses_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be an integer from 0 to 2"):
        initialize_parameters(DIMS, "he", seed=seed)


@pytest.mark.parametrize("gain", [np.nan, np.inf, -1.0, 0, "2", True])
def test_initialize_parameters_refuses_bad_gains(gain):
    with pytest.raises(ValueError, match="gain must be a positive finite number"):
        initialize_parameters(DIMS, "he", gain=gain)


@pytest.mark.parametrize("dims", [[2, 10**9, 1], [2] + [40000] * 3 + [1], [10**6, 10**6]])
def test_huge_networks_are_refused_before_anything_is_allocated(dims):
    expected_gb = 8 * sum(n * (n_prev + 1) for n_prev, n in zip(dims[:-1], dims[1:])) / 1e9
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"would take {expected_gb:,.1f} GB as float64; the limit is 1 GB"):
            initialize_parameters(dims, "he")
        with pytest.raises(ValueError, match="GB"):
            check_layers_dims(dims)               # what the graded functions call first
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10**6


def test_the_lessons_largest_network_is_allowed():
    check_layers_dims([2] + [256] * 50 + [1])
    check_layers_dims([2] + [11000] * 2 + [1])    # 0.97 GB: just under the limit


def test_layer_statistics_checks_its_network_seed_and_forward(problem):
    X, _, parameters, _, _ = problem
    with pytest.raises(ValueError, match="parameters: there is no b2"):
        layer_statistics(X, without(parameters, "b2"))
    with pytest.raises(ValueError, match="seed must be"):
        layer_statistics(X, parameters, seed=0.5)
    other = initialize_parameters([2, 10, 5, 4, 1])
    with pytest.raises(ValueError, match="forward must be the"):
        layer_statistics(X, parameters, forward=deep_forward(X, other))


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------

def test_plot_costs_of_a_diverged_run_plots_and_marks_the_overflow():
    costs = [1773.6, 12.0, 3.5, 0.9, np.inf, np.nan, np.nan]
    fig = plot_costs(costs, 0.01, every=100)
    ax = fig.axes[0]
    curve, marker = ax.lines[0], ax.lines[1]
    assert np.array_equal(curve.get_xdata(), np.arange(7) * 100)
    assert np.allclose(curve.get_ydata()[:4], costs[:4]) and np.isnan(curve.get_ydata()[4:]).all()
    assert list(marker.get_xdata()) == [400, 400]                        # the dashed line at the overflow
    assert any("from iteration 400" in text.get_text() for text in ax.texts)
    assert ax.get_yscale() == "log"
    fig.savefig(io.BytesIO(), format="png")                             # it draws without error


def test_plot_costs_of_a_run_that_overflowed_at_once():
    fig = plot_costs([np.inf, np.nan], 0.01)
    assert fig.axes[0].get_ylim() == (0.0, 1.0)
    assert any("from iteration 0" in text.get_text() for text in fig.axes[0].texts)


def test_decision_boundary_grid_is_bounded_and_covers_the_data(problem):
    X, Y, parameters, _, _ = problem
    for scale in (1, 30, 1e-3, 1e4):
        seen = []

        def model(points, scale=scale, seen=seen):
            seen.append(points.shape)
            assert points[:, 0].min() < scale * X[0].min() and points[:, 0].max() > scale * X[0].max()
            assert points[:, 1].min() < scale * X[1].min() and points[:, 1].max() > scale * X[1].max()
            return predict_dec(parameters, points.T / scale)

        start = time.perf_counter()
        plot_decision_boundary(model, scale * X, Y)
        assert seen[0][0] <= init_plots.BOUNDARY_GRID ** 2 and seen[0][1] == 2
        assert time.perf_counter() - start < 20          # a bound on runaway grids, not a benchmark


def test_decision_boundary_refuses_a_model_that_does_not_predict_per_point(problem):
    X, Y, _, _, _ = problem
    with pytest.raises(ValueError, match="one prediction per point"):
        plot_decision_boundary(lambda points: np.zeros(3), X, Y)


@pytest.mark.parametrize("plot", [lambda X, Y: plot_dataset(X, Y), lambda X, Y: plot_decision_boundary(None, X, Y)])
def test_point_plots_check_their_data(problem, plot):
    X, Y, _, _, _ = problem
    with pytest.raises(ValueError, match=r"plot: X has shape \(4, 300\); it needs shape \(2, m\)"):
        plot(np.vstack([X, X]), Y)
    with pytest.raises(ValueError, match=r"plot: Y has shape \(300, 1\); it needs shape \(1, m\)"):
        plot(X, Y.T)


def test_one_colour_per_method_in_every_depth_plot(problem):
    X, _, _, _, _ = problem
    nets = {label: initialize_parameters([2, 8, 8, 1], method, seed=1)
            for label, method in (("× 0.01", "small"), ("LeCun", "lecun"), ("He", "he"), ("× 10", "random"))}
    stats = init_plots.plot_layer_statistics({k: layer_statistics(X, p) for k, p in nets.items()})
    histograms = init_plots.plot_layer_histograms({k: deep_forward(X, p)[0] for k, p in reversed(nets.items())},
                                                  layers=(1, 2))
    curves = init_plots.plot_cost_curves({"He": [0.7, 0.6], "LeCun": [0.69, 0.69]}, every=50, title="t")
    def colours(lines):
        return {line.get_label().split(" (")[0]: to_hex(line.get_color()) for line in lines
                if not line.get_label().startswith("_")}

    in_stats = colours(stats.axes[0].lines)
    in_curves = colours(curves.axes[0].lines)
    in_histograms = {ax.get_ylabel(): to_hex(ax.patches[0].get_facecolor()) for ax in histograms.axes
                     if ax.get_ylabel()}
    assert in_stats == in_histograms
    assert in_curves == {label: in_stats[label] for label in in_curves}
    assert len(set(in_stats.values())) == 4


def test_no_examples_is_an_error_not_a_nan(problem):
    X, Y, parameters, _, _ = problem
    with pytest.raises(ValueError, match="no examples"):
        accuracy(X[:, :0], Y[:, :0], parameters)
    with pytest.raises(ValueError, match="no examples"):
        compute_loss(np.zeros((1, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match="no examples"):
        cross_entropy_from_logits(np.zeros((1, 0)), np.zeros((1, 0)))
