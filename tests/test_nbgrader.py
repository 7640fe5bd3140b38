"""tools.export_nbgrader, and the lesson as an nbgrader assignment, round trip with the real nbgrader.

The first tests need no nbgrader: the exported notebook's metadata, its test cells run here against
the right functions and against classic mistakes (nbgrader takes a test cell's points exactly when the
cell raises), and the exporter's errors. The round trip runs the installed nbgrader's command-line
tools in a private course directory with its own SQLite gradebook, and with no Jupyter or IPython
configuration of the user's: generate_assignment; four students' submissions (right; one mistake and
an edited test cell; the blank release; a forged pass); autograde, generate_feedback, export. The
scores are read back with nbgrader's Gradebook API. Autograde executes the whole notebook once per
submission, so the round trip runs once per module (about 3 minutes of CPU time on 2 cores). It skips
where nbgrader is not installed, and fails instead when CI is "true", since CI installs
requirements-teachers.txt.
"""

import contextlib
import csv
import functools
import html
import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import public_tests
from assignment import GRADED, HELPER_FILES

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "student" / "Initialization.ipynb"
ASSIGNMENT = "initialization"
# The classic mistakes, each written into one graded function of the solution: (function, old, new).
MISTAKES = {
    "zeros transposed": ("initialize_parameters_zeros", "np.zeros((layers_dims[l], layers_dims[l - 1]))",
                         "np.zeros((layers_dims[l - 1], layers_dims[l]))"),
    "zeros as integers": ("initialize_parameters_zeros", "np.zeros((layers_dims[l], layers_dims[l - 1]))",
                          "np.zeros((layers_dims[l], layers_dims[l - 1]), dtype=int)"),
    "random without x 10": ("initialize_parameters_random", " * 10\n", "\n"),
    "random from rand": ("initialize_parameters_random", "rng.randn(", "rng.rand("),
    "he as LeCun": ("initialize_parameters_he", "np.sqrt(2 / layers_dims[l - 1])", "np.sqrt(1 / layers_dims[l - 1])"),
    "he from the wrong layer": ("initialize_parameters_he", "np.sqrt(2 / layers_dims[l - 1])",
                                "np.sqrt(2 / layers_dims[l])"),
    "he times 10": ("initialize_parameters_he", "np.sqrt(2 / layers_dims[l - 1])",
                    "np.sqrt(2 / layers_dims[l - 1]) * 10"),
}


@pytest.fixture(scope="module")
def tool():
    """tools.export_nbgrader, imported as the package module it is."""
    return importlib.import_module("tools.export_nbgrader")


@pytest.fixture(scope="module")
def exported(tool, tmp_path_factory):
    """A course directory with the assignment exported into it; (course, source notebook)."""
    course = tmp_path_factory.mktemp("course")
    assert tool.main([str(course)]) == 0
    return course, nbformat.read(course / "source" / ASSIGNMENT / "Initialization.ipynb", as_version=4)


@functools.cache
def solution_sources():
    """The source of every cell of the lesson's solution notebook."""
    return tuple(cell.source for cell in nbformat.read(ROOT / "Initialization.ipynb", as_version=4).cells)


def graded_source(name, mistake=None):
    """The solution's graded cell for name, with one MISTAKES entry written into it."""
    source, = [source for source in solution_sources() if source.startswith(f"# GRADED FUNCTION: {name}\n")]
    if mistake:
        _, old, new = MISTAKES[mistake]
        assert old in source, f"the mistake {mistake!r} no longer applies to the solution's {name}"
        source = source.replace(old, new)
    return source


def define(source, namespace):
    """Run a graded cell's source in namespace and return the function it defines."""
    exec(compile(source, "graded cell", "exec"), namespace)
    return namespace[re.match(r"# GRADED FUNCTION: (\w+)", source).group(1)]


def graded_test_cell(notebook, name):
    """The exported autograded test cell of name."""
    cells = [cell for cell in notebook.cells if cell.metadata["nbgrader"].get("grade_id") == f"{name}_tests"]
    assert len(cells) == 1
    return cells[0]


def run_test_cell(source, notebook_namespace, function):
    """Run a test cell as nbgrader would, with function as the graded function; the exception, or None."""
    namespace = dict(notebook_namespace, **{function.__name__: function})
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(source, "test cell", "exec"), namespace)
        except Exception as error:        # what nbgrader counts as a failed test cell
            return error
    return None


def hidden_part(source, tool):
    """The lines between nbgrader's hidden-test delimiters."""
    lines = source.split("\n")
    return "\n".join(lines[lines.index(tool.BEGIN_HIDDEN) + 1:lines.index(tool.END_HIDDEN)])


# ------------------------------------------------------------------------------------------------------------
# The exported notebook (no nbgrader needed)
# ------------------------------------------------------------------------------------------------------------

def test_every_cell_carries_nbgrader_metadata_with_unique_ids(exported):
    _, notebook = exported
    metas = [cell.metadata["nbgrader"] for cell in notebook.cells]
    ids = [meta["grade_id"] for meta in metas]
    assert len(ids) == len(set(ids))
    assert all(meta["schema_version"] == 3 for meta in metas)
    solutions = [meta["grade_id"] for meta in metas if meta["solution"]]
    tests = {meta["grade_id"]: meta["points"] for meta in metas if meta["grade"]}
    assert solutions == list(GRADED)
    assert tests == {f"{name}_tests": 1 for name in GRADED}
    read_only = [meta for meta in metas if not meta["solution"] and not meta["grade"]]
    assert len(read_only) == len(notebook.cells) - 6 and all(meta["locked"] for meta in read_only)
    assert all("execution" not in cell.metadata for cell in notebook.cells)


def test_solution_delimiters_sit_just_inside_the_code_here_markers(exported, tool):
    _, notebook = exported
    for cell in notebook.cells:
        if cell.metadata["nbgrader"]["solution"]:
            lines = [line.strip() for line in cell.source.split("\n")]
            start = next(i for i, line in enumerate(lines) if line.startswith("### START CODE HERE ###"))
            assert lines[start + 1] == tool.BEGIN_SOLUTION
            assert lines[start + 4:start + 6] == [tool.END_SOLUTION, "### END CODE HERE ###"]
        else:
            assert "SOLUTION" not in cell.source


def test_supporting_files_and_config_are_written(exported):
    course, _ = exported
    for helper in HELPER_FILES:
        assert (course / "source" / ASSIGNMENT / helper).read_bytes() == (ROOT / helper).read_bytes()
    config = (course / "nbgrader_config.py").read_text()
    namespace = {"get_config": lambda: _Config()}
    exec(config, namespace)
    stub = namespace["c"].ClearSolutions.code_stub["python"]
    assert stub == "parameters['W' + str(l)] = None\nparameters['b' + str(l)] = None"


class _Config:
    """Enough of traitlets' config object to read the code stub from nbgrader_config.py."""

    def __getattr__(self, name):
        value = _Config()
        setattr(self, name, value)
        return value


@pytest.mark.parametrize("name", GRADED)
def test_test_cell_passes_the_right_function(exported, notebook, name):
    _, exported_notebook = exported
    error = run_test_cell(graded_test_cell(exported_notebook, name).source, notebook, notebook[name])
    assert error is None


@pytest.mark.parametrize("mistake", MISTAKES)
def test_test_cell_fails_a_classic_mistake_with_the_public_diagnoses(exported, notebook, mistake):
    _, exported_notebook = exported
    name = MISTAKES[mistake][0]
    wrong = define(graded_source(name, mistake), dict(notebook))
    expected = public_tests.diagnose(name, wrong)
    assert expected, f"the public tests should diagnose {mistake!r}"
    error = run_test_cell(graded_test_cell(exported_notebook, name).source, notebook, wrong)
    assert isinstance(error, AssertionError)
    assert str(error) == "\n".join(expected)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_hidden_tests_alone_fail_each_classic_mistake(exported, notebook, mistake, tool):
    _, exported_notebook = exported
    name = MISTAKES[mistake][0]
    wrong = define(graded_source(name, mistake), dict(notebook))
    hidden = hidden_part(graded_test_cell(exported_notebook, name).source, tool)
    assert isinstance(run_test_cell(hidden, notebook, wrong), AssertionError)


@pytest.mark.parametrize("name", ("initialize_parameters_random", "initialize_parameters_he"))
def test_hidden_tests_catch_a_function_right_only_on_the_public_layers_dims(exported, notebook, name, tool):
    """Right for every layers_dims the public tests use, and scaled by 1 elsewhere."""
    _, exported_notebook = exported
    right = notebook[name]
    public = [list(dims) for dims in public_tests.OTHER_LAYERS_DIMS]

    def initialize(layers_dims):
        if list(layers_dims) in public:
            return right(layers_dims)
        rng = notebook["np"].random.RandomState(3)
        parameters = {}
        for l in range(1, len(layers_dims)):
            parameters[f"W{l}"] = rng.randn(layers_dims[l], layers_dims[l - 1])
            parameters[f"b{l}"] = notebook["np"].zeros((layers_dims[l], 1))
        return parameters

    initialize.__name__ = name
    assert public_tests.diagnose(name, initialize) == []
    hidden = hidden_part(graded_test_cell(exported_notebook, name).source, tool)
    error = run_test_cell(hidden, notebook, initialize)
    assert isinstance(error, AssertionError) and "W1 has wrong values" in str(error)
    assert run_test_cell(hidden, notebook, right) is None


def test_hidden_he_formula_reproduces_the_course_figures(tool, notebook):
    """The hidden tests' He formula, on the course's example, gives the course's published weights."""
    numpy = notebook["np"]
    expression, _ = tool.HIDDEN_WEIGHTS["initialize_parameters_he"]
    rng = numpy.random.RandomState(3)
    dims, course = public_tests.COURSE_EXAMPLES["he"]
    for l in range(1, len(dims)):
        value = eval(expression, {"numpy": numpy, "rng": rng, "n_prev": dims[l - 1], "n": dims[l]})
        assert numpy.allclose(value, course[f"W{l}"], rtol=0, atol=1e-8)


# ------------------------------------------------------------------------------------------------------------
# The exporter's errors: one line on stderr, exit code 2, nothing written
# ------------------------------------------------------------------------------------------------------------

def notebook_file(path, cells):
    """Write a notebook with the given (cell_type, source) cells to path."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
                      for kind, source in cells]
    nbformat.write(notebook, path)
    return path


def lesson_with(tmp_path, change):
    """The lesson's notebook with change(notebook) applied, written under tmp_path."""
    notebook = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    change(notebook)
    path = tmp_path / "Initialization.ipynb"
    nbformat.write(notebook, path)
    return path


def drop_he_test(notebook):
    notebook.cells = [cell for cell in notebook.cells if "initialize_parameters_he_test(" not in cell.source
                      or "import" in cell.source]


def rename_he(notebook):
    for cell in notebook.cells:
        cell.source = cell.source.replace("initialize_parameters_he", "initialize_parameters_glorot")


def add_solution_marker(notebook):
    notebook.cells[0].source += "\n\n### BEGIN SOLUTION"


def graded_cell_without_end(notebook):
    cell = next(cell for cell in notebook.cells if cell.source.startswith("# GRADED FUNCTION"))
    cell.source = cell.source.replace("### END CODE HERE ###", "")


def changed_lesson(change):
    """The command-line arguments that export the lesson with change(notebook) applied."""
    return lambda tmp: [str(tmp / "c"), "--notebook", str(lesson_with(tmp, change))]


BAD_INPUTS = {
    "course is a file": (lambda tmp: [str(tmp / "file")], "is not a directory"),
    "bad assignment name": (lambda tmp: [str(tmp / "c"), "--assignment", "../up"], "assignment name '../up'"),
    "points zero": (lambda tmp: [str(tmp / "c"), "--points", "0"], "--points must be a positive number"),
    "points nan": (lambda tmp: [str(tmp / "c"), "--points", "nan"], "--points must be a positive number"),
    "no such notebook": (lambda tmp: [str(tmp / "c"), "--notebook", str(tmp / "missing.ipynb")], "no such file"),
    "not a notebook": (lambda tmp: [str(tmp / "c"), "--notebook", str(tmp / "file")], "is not a notebook"),
    "no graded cell": (lambda tmp: [str(tmp / "c"), "--notebook", str(notebook_file(
        tmp / "plain.ipynb", [("markdown", "# Title"), ("code", "x = 1")]))], "no graded cells"),
    "the student version": (lambda tmp: [str(tmp / "c"), "--notebook", str(STUDENT)], "this is a student version"),
    "graded cell without its test": (changed_lesson(drop_he_test),
                                     "no cell calls the public test of initialize_parameters_he"),
    "a graded function of another lesson": (changed_lesson(rename_he),
                                            "graded function initialize_parameters_glorot is not one of"),
    "nbgrader marker already there": (changed_lesson(add_solution_marker), "already contains nbgrader's delimiter"),
    "unpaired code-here markers": (changed_lesson(graded_cell_without_end),
                                   "expected '### START CODE HERE ###' / '### END CODE HERE ###' pairs"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_a_one_line_usage_error(tool, tmp_path, capsys, case):
    arguments, expected = BAD_INPUTS[case]
    (tmp_path / "file").write_text("not a notebook")
    argv = arguments(tmp_path)
    assert tool.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("export_nbgrader: ") and err.count("\n") == 1 and expected in err, err
    assert not (tmp_path / "c").exists()


def test_existing_assignment_needs_force(tool, tmp_path, capsys):
    course = tmp_path / "course"
    assert tool.main([str(course)]) == 0
    marker = course / "source" / ASSIGNMENT / "teacher's notes.txt"
    marker.write_text("keep me")
    capsys.readouterr()
    assert tool.main([str(course)]) == 2
    out, err = capsys.readouterr()
    assert "already exists (--force replaces it)" in err and err.count("\n") == 1
    assert marker.exists()
    assert tool.main([str(course), "--force", "--points", "2.5"]) == 0
    assert not marker.exists()
    notebook = nbformat.read(course / "source" / ASSIGNMENT / "Initialization.ipynb", as_version=4)
    assert {cell.metadata["nbgrader"].get("points") for cell in notebook.cells} == {None, 2.5}


def test_existing_config_is_left_alone_and_the_line_to_add_is_printed(tool, tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    config = course / "nbgrader_config.py"
    config.write_text("c = get_config()\nc.CourseDirectory.course_id = 'ml101'\n")
    assert tool.main([str(course)]) == 0
    out, _ = capsys.readouterr()
    assert config.read_text() == "c = get_config()\nc.CourseDirectory.course_id = 'ml101'\n"
    stub = "parameters['W' + str(l)] = None\\nparameters['b' + str(l)] = None"
    line = f"c.ClearSolutions.code_stub = {{'python': \"{stub}\"}}"
    assert "exists: add this line to it" in out and line in out
    config.write_text(config.read_text() + line + "\n")
    assert tool.main([str(course), "--force"]) == 0
    assert "add this line" not in capsys.readouterr().out


def test_command_line_exit_code(tmp_path):
    (tmp_path / "file").write_text("")
    result = subprocess.run([sys.executable, "-m", "tools.export_nbgrader", str(tmp_path / "file")],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.strip() == f"export_nbgrader: {tmp_path / 'file'} is not a directory"


# ------------------------------------------------------------------------------------------------------------
# The round trip with the real nbgrader
# ------------------------------------------------------------------------------------------------------------

NBGRADER_MISSING = "nbgrader is not installed (pip install -r requirements-teachers.txt; it needs Python >= 3.11)"


def nbgrader_bin():
    """The bin/ directory holding the nbgrader command; skip where nbgrader is missing, fail on CI."""
    on_ci = os.environ.get("CI") == "true"          # CI installs requirements-teachers.txt: missing is a failure
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        pytest.fail(f"CI is true, yet {NBGRADER_MISSING}") if on_ci else pytest.skip(NBGRADER_MISSING)
    bin_dir = Path(sys.executable).parent          # the venv's bin/, not resolved: its scripts live there
    if not (bin_dir / "nbgrader").exists():
        message = f"nbgrader is importable but {bin_dir / 'nbgrader'} does not exist"
        pytest.fail(message) if on_ci else pytest.skip(message)
    return bin_dir


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_nbgrader_skips_with_its_reason_but_fails_on_ci(monkeypatch, ci, outcome):
    monkeypatch.setitem(sys.modules, "nbgrader", None)          # makes `import nbgrader` raise ImportError
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="requirements-teachers.txt"):
        nbgrader_bin()


def private_environment(home, bin_dir):
    """os.environ without the caller's Jupyter / IPython / Python settings, with a HOME of its own."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JUPYTER", "IPYTHON", "PYTHON", "MPL", "VIRTUAL_ENV"))}
    env.update({
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",   # nbgrader runs alembic and jupyter from PATH
        "HOME": str(home),
        "JUPYTER_NO_CONFIG": "1",                  # no user or system Jupyter config; the course's own still loads
        "JUPYTER_CONFIG_DIR": str(home / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(home / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(home / "jupyter-runtime"),
        "IPYTHONDIR": str(home / "ipython"),       # no startup files of the teacher's profile in the kernels
        "MPLCONFIGDIR": str(home / "matplotlib"),
        "MPLBACKEND": "Agg",
    })
    return env


def nbgrader(course, env, *arguments):
    """Run `nbgrader ARGUMENTS` in the course directory; its log on failure."""
    result = subprocess.run(["nbgrader", *arguments], cwd=course, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, f"nbgrader {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    return result


def submission(release, graded):
    """The released notebook with the sources of the cells whose grade_id is in graded replaced."""
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        name = cell.metadata.get("nbgrader", {}).get("grade_id")
        if name in graded:
            cell.source = graded[name]
    return notebook


# A graded cell that makes every test cell pass, from inside the student's kernel (nbgrader's trust model).
FORGERY = ("import numpy\nimport public_tests\n"
           "public_tests.diagnose = lambda name, function: []\nnumpy.allclose = lambda *args, **kwargs: True\n")
LECUN_HE = graded_source("initialize_parameters_he", "he as LeCun")
STUDENTS = {
    "alice": {name: graded_source(name) for name in GRADED},                   # right
    "bob": {**{name: graded_source(name) for name in GRADED}, "initialize_parameters_he": LECUN_HE,
            # and the He test cell cut down to its printout: nbgrader puts the cell back before it runs it
            "initialize_parameters_he_tests": "initialize_parameters_he_test(initialize_parameters_he)"},
    "carol": {},                                                                # the blank release, handed back
    "dave": {**{name: graded_source(name) for name in GRADED},                  # bob's mistake, and a forged pass
             "initialize_parameters_he": LECUN_HE.replace("\n", "\n" + FORGERY, 1)},
}
# What each student deserves, per function: the points of each test cell (1).
DESERVED = {
    "alice": dict.fromkeys(GRADED, 1.0),
    "bob": {**dict.fromkeys(GRADED, 1.0), "initialize_parameters_he": 0.0},
    "carol": dict.fromkeys(GRADED, 0.0),
    "dave": {**dict.fromkeys(GRADED, 1.0), "initialize_parameters_he": 0.0},
}


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, tool):
    """A course taken through generate_assignment, autograde and generate_feedback by the real nbgrader."""
    bin_dir = nbgrader_bin()
    base = tmp_path_factory.mktemp("nbgrader")
    course, home = base / "course", base / "home"
    home.mkdir()
    assert tool.main([str(course)]) == 0
    env = private_environment(home, bin_dir)
    nbgrader(course, env, "generate_assignment", ASSIGNMENT)
    (base / "students.csv").write_text("id\n" + "\n".join(STUDENTS) + "\n")
    nbgrader(course, env, "db", "student", "import", str(base / "students.csv"))
    release = course / "release" / ASSIGNMENT
    for student, graded in STUDENTS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(release, folder)
        nbformat.write(submission(release / "Initialization.ipynb", graded), folder / "Initialization.ipynb")
    nbgrader(course, env, "autograde", ASSIGNMENT)
    nbgrader(course, env, "generate_feedback", ASSIGNMENT)
    nbgrader(course, env, "export")                  # grades.csv
    return course


def test_release_blanks_exactly_what_the_student_version_blanks(round_trip, tool):
    """Every cell as in student/Initialization.ipynb; the test cells with the visible assert added."""
    release = nbformat.read(round_trip / "release" / ASSIGNMENT / "Initialization.ipynb", as_version=4)
    student = nbformat.read(STUDENT, as_version=4)
    assert len(release.cells) == len(student.cells)
    for ours, theirs in zip(release.cells, student.cells):
        meta = ours.metadata["nbgrader"]
        expected = theirs.source
        if meta["grade"]:
            name = meta["grade_id"].removesuffix("_tests")
            added = tool.autograde_lines(name, 1)
            visible = "\n".join(added[:added.index(tool.BEGIN_HIDDEN)])
            call = f"{name}_test({name})"
            assert call in expected
            expected = expected.replace(call, f"{call}\n{visible}")
        assert ours.source == expected, meta["grade_id"]
    assert "HIDDEN" not in "".join(cell.source for cell in release.cells)


def test_release_holds_no_solution_line(round_trip):
    release = nbformat.read(round_trip / "release" / ASSIGNMENT / "Initialization.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in release.cells if cell.cell_type == "code")
    for name in GRADED:
        lines = graded_source(name).split("\n")
        start = next(i for i, line in enumerate(lines) if "### START CODE HERE ###" in line)
        for line in lines[start + 1:start + 3]:
            assert line.strip() not in code


def test_autograded_notebooks_ran_the_hidden_tests(round_trip):
    for student in STUDENTS:
        path = round_trip / "autograded" / student / ASSIGNMENT / "Initialization.ipynb"
        notebook = nbformat.read(path, as_version=4)
        hidden = [cell for cell in notebook.cells if "### BEGIN HIDDEN TESTS" in cell.source]
        assert len(hidden) == 3 and all(cell.execution_count for cell in hidden)
        assert all("assert not _problems" in cell.source for cell in hidden), student    # bob's edit undone


def gradebook_scores(course):
    """{student: {function: score}} and {student: (score, max_score)}, read with nbgrader's Gradebook API."""
    from nbgrader.api import Gradebook

    functions, totals = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            notebook = gradebook.find_submission_notebook("Initialization", ASSIGNMENT, student)
            functions[student] = {grade.name.removesuffix("_tests"): grade.score for grade in notebook.grades}
            submitted = gradebook.find_submission(ASSIGNMENT, student)
            totals[student] = (submitted.score, submitted.max_score)
    return functions, totals


def test_gradebook_scores(round_trip):
    functions, totals = gradebook_scores(round_trip)
    for student in ("alice", "bob", "carol"):
        assert functions[student] == DESERVED[student], student
        assert totals[student] == (sum(DESERVED[student].values()), 3.0)


def test_a_forged_pass_gets_full_marks_in_nbgrader(round_trip):
    """What the README says of nbgrader's trust model: code in the answer cell can pass every test cell."""
    functions, totals = gradebook_scores(round_trip)
    assert functions["dave"] == dict.fromkeys(GRADED, 1.0) != DESERVED["dave"]
    assert totals["dave"] == (3.0, 3.0)


def test_nbgrader_export_writes_the_scores(round_trip):
    with open(round_trip / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    _, totals = gradebook_scores(round_trip)
    assert {student: (float(row["score"]), float(row["max_score"])) for student, row in rows.items()} == totals


def test_grade_py_rechecks_the_submissions_nbgrader_collected(round_trip, tmp_path):
    """The README's recipe: copy submitted/<student>/NAME/Initialization.ipynb to <student>.ipynb, run grade.py."""
    for student in STUDENTS:
        submitted = round_trip / "submitted" / student / ASSIGNMENT / "Initialization.ipynb"
        shutil.copy(submitted, tmp_path / f"{student}.ipynb")
    result = subprocess.run([sys.executable, str(ROOT / "grade.py"), str(tmp_path), "--notebook", "never", "--json"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1) and result.stdout, result.stderr
    reports = json.loads(result.stdout)["submissions"]
    for student, deserved in DESERVED.items():
        verdicts = {name: report["passed"] for name, report in reports[f"{student}.ipynb"]["functions"].items()}
        assert verdicts == {name: points == 1.0 for name, points in deserved.items()}, student


def feedback_text(course, student):
    """The feedback HTML of student as plain text."""
    page = (course / "feedback" / student / ASSIGNMENT / "Initialization.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_feedback_shows_the_public_tests_diagnoses(round_trip, notebook):
    text = feedback_text(round_trip, "bob")
    wrong = define(STUDENTS["bob"]["initialize_parameters_he"], dict(notebook))
    messages = public_tests.diagnose("initialize_parameters_he", wrong)
    assert messages and all(f"AssertionError: {message}" in text for message in messages)
    assert "Score: 2.0 / 3.0" in text

    text = feedback_text(round_trip, "carol")
    release = nbformat.read(round_trip / "release" / ASSIGNMENT / "Initialization.ipynb", as_version=4)
    for cell in release.cells:
        if cell.metadata["nbgrader"]["solution"]:
            blank = define(cell.source, dict(notebook))
            messages = public_tests.diagnose(blank.__name__, blank)
            assert messages and all(message in text for message in messages)
