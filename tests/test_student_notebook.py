"""student/Initialization.ipynb run where it lies, as a student runs it ("Run All" in Jupyter, from
student/ in a clone), with its exercises blank and with the mistakes students make most.

Every cell that fails must fail with a message that names the exercise to finish or the cell to
run, never a bare numpy error, NameError, KeyError or IndexError; under each exercise the public
test's diagnosis comes before any traceback. Each scenario runs the whole notebook (about 30 s).
Wrong shapes, dtypes and values are checked without a notebook, in test_wrong_inputs.py.
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
BLANK_W = "        parameters['W' + str(l)] = None\n"
BLANK_B = "        parameters['b' + str(l)] = None\n"
RIGHT_W = {
    "initialize_parameters_zeros": "np.zeros((layers_dims[l], layers_dims[l - 1]))",
    "initialize_parameters_random": "rng.randn(layers_dims[l], layers_dims[l - 1]) * 10",
    "initialize_parameters_he": "rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])",
}
RIGHT_B = "np.zeros((layers_dims[l], 1))"

# What a student may have written in each exercise: {function: (W line, b line or None to leave it out)}
SCENARIOS = {
    "blank": {},
    "crashing mistakes": {
        "initialize_parameters_zeros": ("np.zeros(layers_dims[l], layers_dims[l - 1])", RIGHT_B),
        "initialize_parameters_random": ("rng.randn((layers_dims[l], layers_dims[l - 1])) * 10", RIGHT_B),
        "initialize_parameters_he": (RIGHT_W["initialize_parameters_he"], None),          # forgot the biases
    },
}
# The exercise a failure must point back to.
EXERCISE = GRADED_FUNCTIONS
POINTS_BACK = re.compile(r'Exercise [123]|run the cell that sets runs\["')


def student_notebook(answers):
    """The student notebook with each graded cell's blanks replaced by answers[name] (W line, b line)."""
    notebook = nbformat.read(STUDENT, as_version=4)
    for cell in notebook.cells:
        name = next((n for n in GRADED if cell.source.startswith(f"# GRADED FUNCTION: {n}\n")), None)
        if name in answers:
            W, b = answers[name]
            assert BLANK_W in cell.source and BLANK_B in cell.source
            cell.source = cell.source.replace(BLANK_W, f"        parameters['W' + str(l)] = {W}\n").replace(
                BLANK_B, f"        parameters['b' + str(l)] = {b}\n" if b else "")
    return notebook


@pytest.fixture(scope="module", params=list(SCENARIOS))
def executed(request, monkeypatch_module, tmp_path_factory):
    """(scenario, notebook) after Run All in student/, errors allowed (as Jupyter shows them)."""
    monkeypatch_module.delenv("PYTHONPATH", raising=False)       # the notebook must find its modules itself
    notebook = student_notebook(SCENARIOS[request.param])
    return request.param, run_all(notebook, tmp_path_factory.mktemp("student"))


# Run All with nbclient in a Python process of its own: each process then has its own ZeroMQ context,
# so a kernel started by one test cannot meet sockets left over from another's (under heavy load a
# kernel started in this process once failed with "ZMQError: Socket operation on non-socket").
RUN_ALL = """
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=600, allow_errors=True, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(notebook, sys.argv[1])
"""


def run_all(notebook, folder):
    """notebook after Run All with student/ as the working directory, errors allowed (as Jupyter shows them)."""
    path = folder / "Initialization.ipynb"
    nbformat.write(notebook, path)
    subprocess.run([sys.executable, "-c", RUN_ALL, str(path), str(STUDENT.parent)], check=True, timeout=900,
                   stdout=subprocess.DEVNULL)
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def errors(notebook):
    """[(cell index, source, ename, evalue)] of every cell that raised."""
    return [(i, cell.source, out.ename, out.evalue) for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]


def test_the_imports_succeed_in_place(executed):
    _, notebook = executed
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert "from init_utils import" in first.source
    assert not [out for out in first.outputs if out.output_type == "error"]


def test_every_failing_cell_says_which_exercise_or_cell(executed):
    scenario, notebook = executed
    failures = errors(notebook)
    assert failures, f"{scenario}: nothing failed"
    for index, source, ename, evalue in failures:
        assert ename not in ("NameError", "KeyError", "IndexError", "AttributeError", "TypeError"), \
            (scenario, index, source, ename, evalue)
        assert POINTS_BACK.search(evalue), (scenario, index, source, ename, evalue)


def test_training_cells_fail_before_training_with_the_exercise(executed):
    scenario, notebook = executed
    by_cell = {index: (ename, evalue) for index, _, ename, evalue in errors(notebook)}
    for index, cell in enumerate(notebook.cells):
        match = re.search(r'model\(train_X, train_Y, initialization="(\w+)"', cell.source)
        if cell.cell_type != "code" or not match:
            continue
        name = f"initialize_parameters_{match.group(1)}"
        assert index in by_cell, (scenario, cell.source)
        assert f"Exercise {EXERCISE[name]}" in by_cell[index][1]
        assert not any(out.get("name") == "stdout" and "Cost after" in out.text for out in cell.outputs)


def test_the_public_test_speaks_first(executed):
    """Under each exercise, the diagnosis is printed before the error (if any) and names the function."""
    scenario, notebook = executed
    for cell in notebook.cells:
        name = next((n for n in GRADED if cell.source.startswith(f"{n}_test({n})")), None)
        if cell.cell_type != "code" or name is None:
            continue
        kinds = [out.output_type for out in cell.outputs]
        assert kinds and kinds[0] == "stream", (scenario, name, kinds)
        diagnosis = cell.outputs[0].text
        assert name in diagnosis and "All tests passed." not in diagnosis, (scenario, diagnosis)
        assert kinds[-1] == "error", (scenario, name, kinds)
        if scenario == "crashing mistakes" and name.endswith("zeros"):
            assert "np.zeros takes the shape as one tuple" in diagnosis


def test_cells_that_do_not_need_the_exercises_still_run(executed):
    scenario, notebook = executed
    failing = {index for index, *_ in errors(notebook)}
    independent = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and
                   ("deep_dims = " in cell.source or "gains = np.logspace" in cell.source
                    or "train_many(train_X, train_Y, [initialize_parameters([2, 10, 5, 1], \"lecun\")" in cell.source)]
    assert len(independent) == 3
    assert not failing & set(independent), scenario
