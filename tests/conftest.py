"""Shared fixtures: the notebook's own functions, the data set, and the three course trainings.

The lesson's graded functions and model() live in Initialization.ipynb, so the tests run the
notebook's code, not a copy of it: the `notebook` fixture reads the notebook and executes, into one
namespace, the first code cell (the imports), the cell defining model() and the three graded
cells, and nothing else (no training cells, no plots).
"""

import os

# Before anything imports matplotlib: no display is needed (init_utils closes its figures when it is
# not running under IPython).
os.environ.setdefault("MPLBACKEND", "Agg")

import contextlib  # noqa: E402
import io  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402

import nbformat  # noqa: E402
import pytest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "Initialization.ipynb"
if str(ROOT) not in sys.path:          # init_utils and public_tests live in the repository root
    sys.path.insert(0, str(ROOT))

from assignment import GRADED, graded_name  # noqa: E402


def _notebook_cells():
    """The code cells to execute, in notebook order, as (index, source) pairs."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [(i, cell.source) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    assert code, f"{NOTEBOOK.name} has no code cells"
    wanted = {"imports": [code[0]]}
    wanted["model"] = [(i, s) for i, s in code if "\ndef model(" in "\n" + s]
    for name in GRADED:
        wanted[name] = [(i, s) for i, s in code if graded_name(s) == name]
    for what, cells in wanted.items():
        assert len(cells) == 1, f"expected exactly one notebook cell for {what}, found {len(cells)}"
    assert wanted["model"][0][1].lstrip().startswith("runs = "), "the model() cell should start with `runs = ...`"
    return sorted({cell for cells in wanted.values() for cell in cells})


@pytest.fixture(scope="session")
def notebook():
    """Namespace dict holding the notebook's imports, model() and the three graded functions."""
    namespace = {"__name__": "Initialization_notebook"}
    for index, source in _notebook_cells():
        exec(compile(source, f"{NOTEBOOK.name}[cell {index}]", "exec"), namespace)
    for name in ("model",) + GRADED:
        assert callable(namespace.get(name)), f"the notebook does not define {name}()"
    return namespace


@pytest.fixture(scope="session")
def dataset():
    """train_X (2, 300), train_Y (1, 300), test_X (2, 100), test_Y (1, 100), from init_data.load_dataset."""
    from init_data import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def course_runs(notebook, dataset):
    """The notebook's model() trained once per session for "zeros", "random" and "he" (the course's
    settings: learning rate 0.01, 15 000 iterations, print_cost=True).

    Returns {initialization: {"parameters": dict, "stdout": str, "costs": [float, ...]}} where
    "costs" holds, at full precision, every cost model() computed (one every 100 iterations): the list
    it hands to plot_costs, recorded by wrapping the namespace's plot_costs for the duration of the run.
    """
    train_X, train_Y, _, _ = dataset
    runs = {}
    original = notebook["plot_costs"]
    for initialization in ("zeros", "random", "he"):
        costs = []

        def recording(recorded, *args, _costs=costs, **kwargs):
            _costs.extend(recorded)
            return original(recorded, *args, **kwargs)

        out = io.StringIO()
        notebook["plot_costs"] = recording
        try:
            with contextlib.redirect_stdout(out):
                parameters = notebook["model"](train_X, train_Y, initialization=initialization, print_cost=True)
        finally:
            notebook["plot_costs"] = original
        runs[initialization] = {"parameters": parameters, "stdout": out.getvalue(), "costs": costs}
    return runs
