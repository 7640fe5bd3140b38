"""The functions behind Explore.ipynb's controls, and the explorer's widgets without a browser
(tests/test_browser.py moves the controls in JupyterLab and Notebook 7).

Expected values come from elsewhere: the course's He run (0.99333 / 0.96), the formulas of the
initializers' spreads, numpy's RandomState stream for the course's × 10 weights, and the lesson's own
model() trained from He, which the explorer's training must follow bit for bit.
"""

import math
import threading
from pathlib import Path

import numpy as np
import pytest

import init_explore as E
from init_checks import InputError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("start", list(E.STARTS))
@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_every_choice_is_accepted_and_gives_a_view(dataset, start, distribution, activation):
    train_X = dataset[0]
    s = E.settings(start, distribution, depth=5, width=16, activation=activation)
    stats, Z = E.signal(s, train_X)
    assert len(stats["activation_std"]) == len(stats["gradient_std"]) == len(Z) == 5
    assert all(z.shape == (16, E.BATCH) for z in Z)
    fig = E.draw_signal(s, stats, Z)
    assert E.png(fig).startswith(b"\x89PNG")


@pytest.mark.parametrize("given, clamped", [
    ({"depth": 0}, {"depth": 1}), ({"depth": 51}, {"depth": 50}), ({"depth": 3.6}, {"depth": 4}),
    ({"depth": np.int64(7)}, {"depth": 7}), ({"width": 1}, {"width": 8}), ({"width": 1000}, {"width": 256}),
    ({"gain": 1e-9}, {"gain": 1e-3}), ({"gain": 1e9}, {"gain": 100.0}), ({"gain": math.inf}, {"gain": 100.0}),
])
def test_numbers_out_of_range_are_clamped(given, clamped):
    s = E.settings(**given)
    for key, value in clamped.items():
        assert getattr(s, key) == value


@pytest.mark.parametrize("given, words", [
    ({"start": "Xavier"}, "start must be one of 'zeros', '× 0.01', 'LeCun', 'Glorot', 'He'"),
    ({"start": "your He"}, "start must be one of"),                 # not offered: no function of the student's
    ({"start": None}, "start must be one of"),
    ({"distribution": "gaussian"}, "distribution must be one of 'normal', 'uniform'"),
    ({"activation": "sigmoid"}, "activation must be one of 'relu', 'tanh'"),
    ({"depth": "5"}, "depth must be a whole number from 1 to 50"),
    ({"depth": None}, "depth must be a whole number"), ({"depth": True}, "depth must be a whole number"),
    ({"width": math.nan}, "width must be a whole number from 8 to 256"),
    ({"gain": -1}, "gain must be a positive number"), ({"gain": 0}, "gain must be a positive number"),
    ({"gain": math.nan}, "gain must be a positive number"), ({"gain": "1"}, "gain must be a positive number"),
])
def test_bad_values_are_refused_with_a_message(given, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        E.settings(**given)


def test_the_starts_have_the_spreads_of_their_formulas():
    n_in, n_out = 256, 256
    expected = {"He": math.sqrt(2 / n_in), "LeCun": math.sqrt(1 / n_in), "Glorot": math.sqrt(2 / (n_in + n_out)),
                "× 0.01": 0.01, "× 10": 10.0, "zeros": 0.0}
    for start, std in expected.items():
        for distribution in ("normal", "uniform"):
            W = E.network(E.settings(start, distribution), [n_in, n_out, 1])["W1"]
            assert W.std() == pytest.approx(std, rel=0.02, abs=1e-12), (start, distribution)
    W = E.network(E.settings("c × He", gain=0.1), [n_in, n_out, 1])["W1"]
    assert W.std() == pytest.approx(0.1 * math.sqrt(2 / n_in), rel=0.02)
    W = E.network(E.settings("He", gain=0.1), [n_in, n_out, 1])["W1"]       # the gain is only for c × He
    assert W.std() == pytest.approx(math.sqrt(2 / n_in), rel=0.02)


def test_the_course_large_random_weights_are_the_courses():
    W1 = E.network(E.settings("× 10"), [2, 10, 5, 1])["W1"]
    assert np.array_equal(W1, np.random.RandomState(3).randn(10, 2) * 10)


def test_the_live_view_shows_what_section_6_explains(dataset):
    train_X = dataset[0]
    slope = {}
    for start in ("He", "LeCun"):
        stats, _ = E.signal(E.settings(start, depth=50, width=256), train_X)
        spread = stats["activation_std"]
        slope[start] = math.log(spread[-1] / spread[9]) / 40      # per layer, away from the input layer
    assert abs(slope["He"]) < 0.02                                # level
    assert slope["LeCun"] == pytest.approx(-0.5 * math.log(2), abs=0.05)   # half the variance per layer
    tanh = {start: E.signal(E.settings(start, depth=50, width=256, activation="tanh"), train_X)[0]
            for start in ("LeCun", "He")}
    assert tanh["He"]["activation_std"][-1] > 2 * tanh["LeCun"]["activation_std"][-1]


def test_the_histograms_cover_the_first_and_last_layers():
    for depth in range(1, 51):
        layers = E.shown_layers(depth)
        assert layers[0] == 1 and layers[-1] == depth and len(layers) <= 4
        assert layers == sorted(set(layers))


def test_training_follows_the_lessons_model_bit_for_bit(notebook, dataset):
    train_X, train_Y, test_X, test_Y = dataset
    start = E.network(E.settings("He"), [2, 10, 5, 1])
    *_, (iteration, costs, parameters) = E.train(start, train_X, train_Y)
    assert iteration == 15000 and len(costs) == 150
    reference = notebook["model"](train_X, train_Y, initialization="he", print_cost=False)
    for key, value in reference.items():
        assert np.array_equal(parameters[key], value), key
    assert E.accuracy_line(parameters, train_X, train_Y) == "Accuracy: 0.99333 (298/300 correct)"   # the course's
    assert E.accuracy_line(parameters, test_X, test_Y) == "Accuracy: 0.96000 (96/100 correct)"


def test_training_stops_when_asked(dataset):
    train_X, train_Y = dataset[:2]
    stop = threading.Event()
    seen = []
    for iteration, _, _ in E.train(E.network(E.settings("He"), [2, 10, 5, 1]), train_X, train_Y, stop=stop, every=100):
        seen.append(iteration)
        if iteration == 300:
            stop.set()
    assert seen[-1] <= 400 and seen[:3] == [100, 200, 300]


def test_your_functions_come_from_a_solved_lesson_only(tmp_path):
    found, notes = E.find_yours(ROOT / "Initialization.ipynb")
    assert list(found) == list(E.YOURS) and notes == []
    found, notes = E.find_yours(ROOT / "student" / "Initialization.ipynb")
    assert found == {} and len(notes) == 3 and all("does not pass its test yet" in note for note in notes)
    found, notes = E.find_yours(tmp_path / "nowhere.ipynb")
    assert found == {} and "no lesson to take your functions from" in notes[0]


def lesson_with(tmp_path, name, added):
    """A copy of the solution lesson in tmp_path whose graded cell for `name` ends with the code `added`."""
    import nbformat
    lesson = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    for cell in lesson.cells:
        if cell.source.startswith(f"# GRADED FUNCTION: {name}"):
            cell.source += added
    nbformat.write(lesson, tmp_path / "Initialization.ipynb")
    return tmp_path / "Initialization.ipynb"


def test_a_lesson_whose_cell_crashes_gives_a_note(tmp_path):
    found, notes = E.find_yours(lesson_with(tmp_path, "initialize_parameters_he", "\nraise RuntimeError('boom')\n"))
    assert list(found) == ["your zeros", "your random"]
    assert notes == ["your He: initialize_parameters_he does not pass its test yet (its cell raised RuntimeError: "
                     "boom)"]


def test_a_lesson_whose_cell_never_ends_is_stopped(tmp_path):
    found, notes = E.find_yours(lesson_with(tmp_path, "initialize_parameters_zeros", "\nwhile True:\n    pass\n"))
    assert list(found) == ["your random", "your He"]
    assert notes == ["your zeros: initialize_parameters_zeros does not pass its test yet (its cell did not finish "
                     "within 5 seconds)"]


@pytest.fixture
def explorer(dataset):
    pytest.importorskip("ipywidgets")
    train_X, train_Y, test_X, test_Y = dataset
    yours, _ = E.find_yours(ROOT / "Initialization.ipynb")
    yours["your broken"] = lambda layers_dims: None                  # as a student's function that returns nothing
    return E.Explorer(train_X, train_Y, test_X, test_Y, yours)


def test_moving_a_control_redraws_the_view(explorer):
    before = explorer.view.value
    explorer.depth.value = 3
    assert bytes(explorer.view.value) != bytes(before) and bytes(explorer.view.value).startswith(b"\x89PNG")
    assert explorer.gain.disabled
    explorer.start.value = "c × He"
    assert not explorer.gain.disabled
    again = explorer.view.value
    explorer.gain.value = 0.01
    assert bytes(explorer.view.value) != bytes(again)


def test_train_and_stop_buttons(explorer):
    explorer.start_training()
    explorer._thread.join(120)
    assert "Done." in explorer.result.value and "Accuracy: 0.99333 (298/300 correct)" in explorer.result.value
    assert explorer.progress.value == 15000 and not explorer.train_button.disabled and explorer.stop_button.disabled
    explorer.start_training()
    explorer.stop_button.click()
    explorer._thread.join(120)
    assert "Stopped at iteration" in explorer.result.value and explorer.progress.value < 15000


def test_a_broken_function_of_yours_is_named_not_trained(explorer):
    explorer.start.value = "your broken"
    assert "returned None" in explorer.note.value or "None" in explorer.note.value, explorer.note.value
    explorer.start_training()
    assert explorer._thread is None and "None" in explorer.result.value


def test_a_flat_cost_curve_looks_flat_and_a_narrow_spread_keeps_readable_labels():
    """A run stuck at ln 2 is drawn on a linear axis from 0 with no offset label (matplotlib would otherwise
    write '1e-8+6.931472e-1' and ticks that look like a steep fall); a spread that varies little still gets
    two decades, so that its labels are powers of 10."""
    X = np.random.RandomState(0).randn(2, 20)
    Y = (X[:1] > 0).astype(float)
    parameters = E.network(E.settings("He"), [2, 10, 5, 1])
    fig = E.draw_training([math.log(2) + 1e-9 * k for k in range(150)], parameters, X, Y, "flat")
    cost_axis = fig.axes[0]
    assert cost_axis.get_yscale() == "linear" and cost_axis.get_ylim() == (0.0, 1.0)
    assert not cost_axis.yaxis.get_major_formatter().get_useOffset()
    assert E.draw_training([1774.0, 3.0, 0.5], parameters, X, Y, "x 10").axes[0].get_yscale() == "log"
    s = E.settings("He", depth=5)
    stats = {"activation_std": np.array([0.9, 0.8, 0.85, 0.8, 0.75]), "gradient_std": np.full(5, 0.1)}
    fig = E.draw_signal(s, stats, [np.ones((8, 4))] * 5)
    for ax in fig.axes[:2]:
        low, high = ax.get_ylim()
        assert high / low >= 99


def test_drawn_from_is_off_for_a_function_of_yours(explorer):
    explorer.start.value = "your He"
    assert explorer.distribution.disabled
    explorer.start.value = "LeCun"
    assert not explorer.distribution.disabled
