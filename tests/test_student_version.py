"""tools.make_student_version and the committed student/Initialization.ipynb it makes."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "student" / "Initialization.ipynb"
if str(ROOT) not in sys.path:          # public_tests lives in the repository root
    sys.path.insert(0, str(ROOT))
from assignment import GRADED, HELPER_FILES  # noqa: E402


@pytest.fixture(scope="module")
def tool():
    from tools import make_student_version

    return make_student_version


@pytest.fixture(scope="module")
def solution():
    return nbformat.read(ROOT / "Initialization.ipynb", as_version=4)


@pytest.fixture(scope="module")
def student():
    return nbformat.read(STUDENT, as_version=4)


def code_sources(notebook):
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def solution_lines(solution, tool):
    """The lines between START and END in the solution's graded cells."""
    lines = []
    for source in code_sources(solution):
        inside = False
        for line in source.split("\n"):
            if tool.END in line:
                inside = False
            if inside and line.strip():
                lines.append(line.strip())
            if tool.START in line:
                inside = True
    return lines


def test_committed_student_notebook_is_up_to_date(tool):
    """Fails when Initialization.ipynb changed without `python tools/make_student_version.py`."""
    assert STUDENT.read_text(encoding="utf-8") == tool.student_text(), \
        "student/Initialization.ipynb is out of date: run python tools/make_student_version.py"


def test_generation_is_deterministic_and_leaves_the_solution_alone(tool, solution):
    before = nbformat.writes(solution)
    first, second = tool.make_student_notebook(solution), tool.make_student_notebook(solution)
    assert nbformat.writes(first) == nbformat.writes(second)
    assert nbformat.writes(solution) == before


def test_each_graded_cell_has_the_course_style_blanks(student, tool):
    graded = {tool.graded_name(cell): cell.source for cell in student.cells if tool.graded_name(cell)}
    assert sorted(graded) == sorted(GRADED)
    for name, source in graded.items():
        assert f"def {name}(layers_dims):" in source
        assert "        ### START CODE HERE ### (≈ 2 lines of code)\n" \
               "        parameters['W' + str(l)] = None\n" \
               "        parameters['b' + str(l)] = None\n" \
               "        ### END CODE HERE ###" in source, source


def test_no_solution_line_is_left(student, solution, tool):
    lines = solution_lines(solution, tool)
    assert len(lines) == 6
    student_code = "\n".join(code_sources(student))
    for line in lines:
        assert line not in student_code
    assert "rng.randn" not in student_code and "np.sqrt(2 / layers_dims" not in student_code


def test_public_test_calls_prose_and_other_code_stay(student, solution, tool):
    code = "\n".join(code_sources(student))
    for name in GRADED:
        assert f"{name}_test({name})" in code
    markdown = [cell.source for cell in student.cells if cell.cell_type == "markdown"]
    assert markdown == [cell.source for cell in solution.cells if cell.cell_type == "markdown"]
    assert sum("**Expected output**" in text for text in markdown) >= 3
    ungraded = [(a.source, b.source) for a, b in zip(solution.cells, student.cells)
                if a.cell_type == "code" and not tool.graded_name(a)]
    assert ungraded and all(a == b for a, b in ungraded)
    assert student.metadata == solution.metadata


def test_outputs_and_run_metadata_are_cleared(student):
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "execution" not in cell.metadata


def test_blank_functions_fail_the_public_tests_with_a_clear_message(student, tool):
    """What a student sees before writing anything: the blanks named, no crash."""
    import public_tests

    namespace = {}
    exec(code_sources(student)[0], namespace)                     # the imports cell
    for cell in student.cells:
        if tool.graded_name(cell):
            exec(cell.source, namespace)
    for name in GRADED:
        problems = public_tests.diagnose(name, namespace[name])
        assert len(problems) == 1 and "W1, b1, W2 and b2 are None" in problems[0], problems


def test_a_line_that_is_not_an_assignment_stops_the_generator(tool):
    source = "# GRADED FUNCTION: f\n### START CODE HERE ###\nx = 1\nprint(x)\n### END CODE HERE ###"
    with pytest.raises(ValueError, match="not one assignment"):
        tool.blank_out(source, "f")
    assert tool.blank_out(source.replace("print(x)", "y[0] = x + 1"), "f").split("\n")[2:4] == ["x = None",
                                                                                             "y[0] = None"]


BAD_MARKERS = {
    "END before START": "### END CODE HERE ###\nx = secret()\n### START CODE HERE ###",
    "overlapping pairs": "### START CODE HERE ###\nx = 1\n### START CODE HERE ###\ny = secret()\n"
                         "### END CODE HERE ###\nz = 2\n### END CODE HERE ###",
    "code on the START line": "x = secret()  ### START CODE HERE ###\ny = 1\n### END CODE HERE ###",
    "code on the END line": "### START CODE HERE ###\ny = 1\nz = secret()  ### END CODE HERE ###",
    "no markers": "x = secret()",
}


@pytest.mark.parametrize("case", BAD_MARKERS)
def test_badly_placed_markers_stop_the_generator(tool, case):
    source = "# GRADED FUNCTION: f\n" + BAD_MARKERS[case]
    with pytest.raises(ValueError, match="graded cell f: "):
        tool.blank_out(source, "f")


def test_the_start_marker_may_keep_its_hint(tool):
    source = "    ### START CODE HERE ### (≈ 1 line of code)\n    x = secret()\n    ### END CODE HERE ###"
    assert tool.blank_out(source, "f").split("\n")[1] == "    x = None"


def test_script_check_mode_and_bundle(tool, tmp_path):
    check = subprocess.run([sys.executable, "-m", "tools.make_student_version", "--check"], capture_output=True,
                           text=True, cwd=ROOT)
    assert check.returncode == 0, check.stderr
    tool.write_bundle(tmp_path / "handout", tool.student_text())
    handout = tmp_path / "handout"
    assert sorted(p.name for p in handout.iterdir()) == sorted(
        ["Initialization.ipynb", "Explore.ipynb", "README.md", "requirements.txt", "assignment.py", "init_utils.py",
         "init_checks.py", "init_data.py", "init_plots.py", "init_lab.py", "init_explore.py", "public_tests.py",
         "circles.npz"])
    explorer = nbformat.read(handout / "Explore.ipynb", as_version=4)       # handed out without outputs
    assert all(not c.outputs for c in explorer.cells if c.cell_type == "code") and "widgets" not in explorer.metadata
    assert set(HELPER_FILES) < {p.name for p in handout.iterdir()}
    assert (handout / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    readme = (handout / "README.md").read_text()
    assert "pip install -r requirements.txt jupyterlab" in readme and "jupyter lab Initialization.ipynb" in readme


def test_pytest_from_the_root_does_not_collect_the_student_notebook():
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                               capture_output=True, text=True, cwd=ROOT)
    assert "Initialization.ipynb::" in collected.stdout, collected.stdout[-2000:] + collected.stderr[-2000:]
    assert "student/" not in collected.stdout


def test_floor_pins_are_the_lower_bounds_of_requirements():
    """tools/floors.txt (what `check_portability.sh --floors` installs) pins each requirement at its lower bound."""
    def entries(path, operator):
        lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
        return dict(line.split(operator) for line in lines if line)

    floors = entries(ROOT / "tools" / "floors.txt", "==")
    lower = entries(ROOT / "requirements.txt", ">=")
    assert sorted(floors) == sorted(lower)
    for package, version in lower.items():
        assert (floors[package] + ".").startswith(version + "."), (package, floors[package], version)
    assert lower["matplotlib"] >= "3.9"        # 3.8 cannot be imported in a kernel with IPython >= 9.16
