"""student/Initialization.ipynb run where it lies, as a student runs it: Jupyter's Run All, which stops
at the first cell that raises, then (in some scenarios) the cells below run one by one, as a student who
goes on with Shift-Enter runs them.

What is checked is what the student sees FIRST in each cell: under each exercise, the public test's
diagnosis, never an error (Run All goes on past it); in a later cell that uses an exercise that failed
its test, a one-line warning naming the exercise before any number; in a later cell that cannot run, one
short message naming the exercise, not a traceback through the helper modules; for an exercise that never
returns, a message after the time limit; for an exercise whose cell does not compile, Python's own
SyntaxError there, and below it a NameError that names the exercise. The expected texts are written here
from the lesson's promises, not read from the modules. Each scenario runs the notebook once (10-40 s).
"""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from assignment import GRADED_FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "student" / "Initialization.ipynb"
GRADED = tuple(GRADED_FUNCTIONS)
ZEROS, RANDOM, HE = GRADED
BLANK_W = "        parameters['W' + str(l)] = None\n"
BLANK_B = "        parameters['b' + str(l)] = None\n"
LOOP = "    for l in range(1, L):\n"
RIGHT_W = {
    ZEROS: "np.zeros((layers_dims[l], layers_dims[l - 1]))",
    RANDOM: "rng.randn(layers_dims[l], layers_dims[l - 1]) * 10",
    HE: "rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])",
}
RIGHT_B = "np.zeros((layers_dims[l], 1))"
RIGHT = (RIGHT_W[ZEROS], RIGHT_B)

# What a student may have written in each exercise: {function: (W line, b line or None to leave it out,
# and optionally a replacement for the loop line)}. "go on": after Run All stops, run the cells below one by one.
SCENARIOS = {
    "blank": ({}, False),
    "wrong values": ({ZEROS: RIGHT,
                      RANDOM: ("rng.randn(layers_dims[l], layers_dims[l - 1]) * 0.01", RIGHT_B),
                      HE: ("rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(1 / layers_dims[l - 1])",
                           RIGHT_B)}, True),
    "crashing mistakes": ({ZEROS: RIGHT,
                           RANDOM: ("rng.randn((layers_dims[l], layers_dims[l - 1])) * 10", RIGHT_B),
                           HE: (RIGHT_W[HE], None)}, True),                    # forgot the biases
    "never returns": ({ZEROS: (RIGHT_W[ZEROS], RIGHT_B, "    l = 1\n    while l < L:\n")}, False),
    "syntax error": ({ZEROS: RIGHT, RANDOM: (RIGHT_W[RANDOM] + ")", RIGHT_B)}, True),
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def student_notebook(answers):
    """The student notebook with each graded cell's blanks replaced by answers[name]."""
    notebook = nbformat.read(STUDENT, as_version=4)
    for cell in notebook.cells:
        name = next((n for n in GRADED if cell.source.startswith(f"# GRADED FUNCTION: {n}\n")), None)
        if name in answers:
            W, b, *loop = answers[name]
            assert BLANK_W in cell.source and BLANK_B in cell.source and LOOP in cell.source
            cell.source = cell.source.replace(BLANK_W, f"        parameters['W' + str(l)] = {W}\n").replace(
                BLANK_B, f"        parameters['b' + str(l)] = {b}\n" if b else "").replace(LOOP, "".join(loop) or LOOP)
    return notebook


# Run All with nbclient in a Python process of its own (a kernel started in the test process once failed
# under load with "ZMQError: Socket operation on non-socket"). Without "go on", it stops at the first cell
# that raises, as Jupyter's Run All does: the cells below keep no outputs and no execution count.
RUN_ALL = """
import sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
notebook = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(notebook, timeout=600, allow_errors=sys.argv[3] == "go on", kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}})
try:
    client.execute()
except CellExecutionError:
    pass
nbformat.write(notebook, sys.argv[1])
"""


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module", params=list(SCENARIOS))
def executed(request, monkeypatch_module, tmp_path_factory):
    """(scenario, notebook) after Run All in student/ (and the cells below, one by one, if the scenario goes on)."""
    monkeypatch_module.delenv("PYTHONPATH", raising=False)       # the notebook must find its modules itself
    answers, go_on = SCENARIOS[request.param]
    path = tmp_path_factory.mktemp("student") / "Initialization.ipynb"
    nbformat.write(student_notebook(answers), path)
    subprocess.run([sys.executable, "-c", RUN_ALL, str(path), str(STUDENT.parent), "go on" if go_on else "stop"],
                   check=True, timeout=900, stdout=subprocess.DEVNULL)
    return request.param, nbformat.read(path, as_version=4)


def cell(notebook, start):
    """The one code cell whose source starts with `start`."""
    found = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(start)]
    assert len(found) == 1, (start, len(found))
    return found[0]


def first(code_cell):
    """What the student sees first in a cell: ("stream", its first line) or ("error", ename, the rendered
    traceback as plain text); None for a cell with no output."""
    if not code_cell.outputs:
        return None
    out = code_cell.outputs[0]
    if out.output_type == "stream":
        return ("stream", out.text.splitlines()[0])
    if out.output_type == "error":
        return ("error", out.ename, ANSI.sub("", "\n".join(out.traceback)))
    return (out.output_type,)


def error_cells(notebook):
    """Indices of the code cells that raised."""
    return [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"
            and any(out.output_type == "error" for out in c.outputs)]


TEST_CELL = {name: f"{name}_test({name})" for name in GRADED}
MODEL_CELL = {name: f'parameters = runs["{kind}"] = model(train_X, train_Y, initialization="{kind}"'
              for name, kind in zip(GRADED, ("zeros", "random", "he"))}
INITIAL_COST = "initial = call_initializer(initialize_parameters_random"
PLOT_RANDOM = 'parameters = runs["random"]\nplot_decision_boundary'
PLOT_HE = 'parameters = runs["he"]\nplot_decision_boundary'
FAMILY = "for method, graded in"
TABLE = "def final_cost("
CONCLUSIONS = "notes = {"


def banner(n, name):
    return f"\u26a0 Exercise {n} ({name}) did not pass its test"


def assert_one_message(seen, ename, *fragments):
    """seen is an error shown as one short message (at most 2 lines, no traceback) holding the fragments."""
    assert seen is not None and seen[0] == "error", seen
    assert seen[1] == ename, seen
    assert len(seen[2].splitlines()) <= 2 and "Traceback" not in seen[2] and "File " not in seen[2], seen[2]
    for fragment in fragments:
        assert fragment in seen[2], (fragment, seen[2])


def test_the_imports_succeed_in_place(executed):
    _, notebook = executed
    assert first(cell(notebook, "import sys")) is None


def test_what_the_student_sees_first(executed):
    scenario, notebook = executed
    failing = error_cells(notebook)
    if scenario == "blank":
        seen = first(cell(notebook, TEST_CELL[ZEROS]))
        assert seen == ("stream", "initialize_parameters_zeros: 1 problem found."), seen
        assert "W1, b1, W2 and b2 are None: the lines that set them are still blanks" in cell(
            notebook, TEST_CELL[ZEROS]).outputs[0].text
        assert_one_message(first(cell(notebook, MODEL_CELL[ZEROS])), "InputError", "W1 is None", "Exercise 1")
        assert failing == [notebook.cells.index(cell(notebook, MODEL_CELL[ZEROS]))]    # Run All stops there
        assert first(cell(notebook, TEST_CELL[RANDOM])) is None                           # not reached

    elif scenario == "wrong values":
        assert failing == [], "Run All must go through: wrong values train and plot, flagged"
        assert first(cell(notebook, TEST_CELL[RANDOM])) == ("stream", "initialize_parameters_random: 1 problem found.")
        assert "multiplied by 0.01" in cell(notebook, TEST_CELL[RANDOM]).outputs[0].text
        assert "LeCun" in cell(notebook, TEST_CELL[HE]).outputs[0].text
        for start in (INITIAL_COST, MODEL_CELL[RANDOM], PLOT_RANDOM, TABLE, CONCLUSIONS):
            seen = first(cell(notebook, start))
            assert seen[0] == "stream" and seen[1].startswith(banner(2, RANDOM)), (start, seen)
        for start in (MODEL_CELL[HE], PLOT_HE):
            seen = first(cell(notebook, start))
            assert seen[0] == "stream" and seen[1].startswith(banner(3, HE)), (start, seen)
        family = "".join(o.text for o in cell(notebook, FAMILY).outputs if o.output_type == "stream").splitlines()
        assert [line[:10] for line in family] == ["\u26a0 Exercise", "initialize", "\u26a0 Exercise", "initialize"]
        assert family[0].startswith(banner(3, HE)) and family[2].startswith(banner(2, RANDOM)), family
        for start in (TABLE, CONCLUSIONS):          # both banners, above the table's header
            lines = "".join(o.text for o in cell(notebook, start).outputs if o.output_type == "stream").splitlines()
            assert lines[0].startswith(banner(2, RANDOM)) and lines[1].startswith(banner(3, HE)), lines[:3]
            assert lines[2].startswith("initialization"), lines[:3]
        rows = "".join(o.text for o in cell(notebook, CONCLUSIONS).outputs if o.output_type == "stream").splitlines()
        marked = {row.split()[0] for row in rows if "your Exercise" in row}
        assert marked == {"random", "he"}, rows
        assert not any("keeps the signal's size" in row for row in rows), rows
        for start in (MODEL_CELL[ZEROS], 'parameters = runs["zeros"]\npredicted'):       # Exercise 1 passed: no banner
            assert "\u26a0" not in str(cell(notebook, start).outputs), start

    elif scenario == "crashing mistakes":
        test_cell = cell(notebook, TEST_CELL[RANDOM])
        assert first(test_cell) == ("stream", "initialize_parameters_random: 1 problem found.")
        assert "rng.randn takes the sizes as separate numbers" in test_cell.outputs[0].text
        assert not any(o.output_type == "error" for o in test_cell.outputs)        # the test cell never raises
        assert "(nothing to show until the problem above is fixed)" in test_cell.outputs[0].text
        initial = notebook.cells.index(cell(notebook, INITIAL_COST))
        assert failing[0] == initial                                                 # where Run All stops
        assert_one_message(first(notebook.cells[initial]), "ExerciseError", "TypeError", "Exercise 2")
        assert_one_message(first(cell(notebook, MODEL_CELL[RANDOM])), "ExerciseError", "Exercise 2")
        assert_one_message(first(cell(notebook, PLOT_RANDOM)), "RunFirstError", 'runs["random"]', "Exercise 2")
        he_test = cell(notebook, TEST_CELL[HE])
        assert first(he_test)[0] == "stream" and "missing key" in he_test.outputs[0].text
        assert not any(o.output_type == "error" for o in he_test.outputs)
        assert_one_message(first(cell(notebook, MODEL_CELL[HE])), "InputError", "there is no b1", "Exercise 3")
        for start in ("deep_dims = ", "gains = np.logspace", 'runs["lecun"], runs["xavier"] = train_many'):
            assert notebook.cells.index(cell(notebook, start)) not in failing, start

    elif scenario == "never returns":
        test_cell = cell(notebook, TEST_CELL[ZEROS])
        assert first(test_cell) == ("stream", "initialize_parameters_zeros: 1 problem found.")
        assert "did not return within 5 seconds and was stopped" in test_cell.outputs[0].text
        assert not any(o.output_type == "error" for o in test_cell.outputs)
        assert_one_message(first(cell(notebook, MODEL_CELL[ZEROS])), "ExerciseError", "did not return within 5 seconds",
                           "Exercise 1")
        assert failing == [notebook.cells.index(cell(notebook, MODEL_CELL[ZEROS]))]

    elif scenario == "syntax error":
        graded = cell(notebook, f"# GRADED FUNCTION: {RANDOM}")
        assert failing[0] == notebook.cells.index(graded)                         # Run All stops at the student's cell
        seen = first(graded)
        assert seen[0] == "error" and seen[1] == "SyntaxError", seen                # Python's own error, as it is
        for start in (TEST_CELL[RANDOM], INITIAL_COST, MODEL_CELL[RANDOM]):          # then, one by one
            assert_one_message(first(cell(notebook, start)), "NameError", f"{RANDOM} is not defined", "Exercise 2",
                               "SyntaxError")
        assert_one_message(first(cell(notebook, PLOT_RANDOM)), "RunFirstError", "Exercise 2")


def test_the_training_cells_print_no_cost_from_an_unusable_exercise(executed):
    scenario, notebook = executed
    for name in GRADED:
        model_cell = cell(notebook, MODEL_CELL[name])
        if any(o.output_type == "error" for o in model_cell.outputs):
            assert not any(o.get("name") == "stdout" and "Cost after" in o.text for o in model_cell.outputs), scenario
