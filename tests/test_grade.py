"""grade.py, run as graders run it: a subprocess, its exit code, its stdout and stderr.

Two tests run the whole notebook under strict nbval (about 30 s each): a correct submission, and one
whose functions pass their tests but change the notebook's outputs. All others skip that step
(--notebook never), or never reach it because a function failed (the default, --notebook auto).
"""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from assignment import GRADED
from grader import cli, notebook_step, report, sandbox, space

ROOT = Path(__file__).resolve().parent.parent
GRADE = ROOT / "grade.py"

# As root, this process probes the sandbox as grade.py does: from a private mount namespace, where the
# Python installation is staged for the unprivileged sandbox user (see grader/space.py).
if os.geteuid() == 0:
    space.enter()

# The answers, written out here rather than read from the solution notebook.
ANSWERS = {
    "initialize_parameters_zeros": "np.zeros((layers_dims[l], layers_dims[l - 1]))",
    "initialize_parameters_random": "rng.randn(layers_dims[l], layers_dims[l - 1]) * 10",
    "initialize_parameters_he": "rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])",
}


def grade(*args, cwd):
    """Run grade.py with args in cwd: the CompletedProcess (text)."""
    return subprocess.run([sys.executable, str(GRADE), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def graded_json(*args, cwd):
    """Run grade.py --json; check that stdout is exactly one JSON object; return (exit code, result)."""
    run = grade(*args, "--json", cwd=cwd)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)


def filled_student_notebook():
    """student/Initialization.ipynb with its blanks filled in, as a student would."""
    notebook = nbformat.read(ROOT / "student" / "Initialization.ipynb", as_version=4)
    for cell in notebook.cells:
        for name, answer in ANSWERS.items():
            if cell.cell_type == "code" and cell.source.startswith(f"# GRADED FUNCTION: {name}\n"):
                cell.source = cell.source.replace("parameters['W' + str(l)] = None",
                                                  f"parameters['W' + str(l)] = {answer}")
                cell.source = cell.source.replace("parameters['b' + str(l)] = None",
                                                  "parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))")
    return notebook


def submission(directory, file_name, **edits):
    """Write a copy of the solution notebook (stored outputs included) with graded cells edited.

    edits maps a graded function's name to a function of its cell source returning the new source,
    or to None to delete the cell.
    """
    notebook = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    for name, edit in edits.items():
        index = next(i for i, cell in enumerate(notebook.cells)
                     if cell.cell_type == "code" and cell.source.startswith(f"# GRADED FUNCTION: {name}\n"))
        if edit is None:
            del notebook.cells[index]
        else:
            notebook.cells[index].source = edit(notebook.cells[index].source)
    path = Path(directory) / file_name
    nbformat.write(notebook, path)
    return path


def replace(old, new):
    """An edit: replace old by new in the cell (which must contain old)."""
    def edit(source):
        assert old in source
        return source.replace(old, new)
    return edit


# --------------------------------------------------------------------------------------------
# The two full runs
# --------------------------------------------------------------------------------------------

def test_correct_student_submission_passes_everything(tmp_path):
    path = tmp_path / "student.ipynb"
    nbformat.write(filled_student_notebook(), path)
    code, result = graded_json(path, cwd=tmp_path)
    assert result == {
        "sandbox": sandbox.mode(),
        "limits": sandbox.limits_mode(),
        "space": "bounded" if space.private() else "unbounded",
        "functions": {name: {"passed": True, "messages": []} for name in GRADED},
        "notebook": {"passed": True, "skipped": None, "differences": []},
        "score": 3,
        "max_score": 3,
    }
    assert code == 0


def test_functions_that_pass_but_change_the_notebook_are_reported(tmp_path):
    """A debugging print left in: the public tests pass, the notebook's outputs do not."""
    path = submission(tmp_path, "chatty.ipynb", initialize_parameters_he=replace(
        "    return parameters", "    print('layers:', len(layers_dims))\n    return parameters"))
    run = grade(path, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "Score: 3/3" in run.stdout
    assert "notebook (strict nbval)        FAILED" in run.stdout
    # the cells that call the He function print more than stored (which cells: the notebook decides)
    assert re.search(r"code cell \d+ \(`[^`]*initialize_parameters_he[^`]*`\): output differs \(stdout\)", run.stdout)
    assert re.search(r"got:      layers: [34]\b", run.stdout), run.stdout
    assert "initialize_parameters_zeros([3, 2, 1])" not in run.stdout     # untouched cells are not listed


# --------------------------------------------------------------------------------------------
# Failing functions (the notebook step is skipped by default when a function fails)
# --------------------------------------------------------------------------------------------

def test_wrong_functions_get_their_diagnoses_whatever_their_stored_outputs_say(tmp_path):
    path = submission(tmp_path, "wrong.ipynb",
                      initialize_parameters_zeros=replace("layers_dims[l - 1]))", "layers_dims[l - 1]), dtype=int)"),
                      initialize_parameters_random=replace("* 10", "* np.sqrt(2 / layers_dims[l - 1])"))
    assert json.dumps(nbformat.read(path, as_version=4)).count("All tests passed.") >= 3    # stored, not trusted
    code, result = graded_json(path, cwd=tmp_path)
    assert code == 1
    functions = result["functions"]
    assert functions["initialize_parameters_he"] == {"passed": True, "messages": []}
    assert not functions["initialize_parameters_zeros"]["passed"]
    assert "W1 and W2 hold integers" in functions["initialize_parameters_zeros"]["messages"][0]
    assert "He's factor" in functions["initialize_parameters_random"]["messages"][0]
    assert result["notebook"] == {"passed": False, "skipped": "a graded function failed its tests", "differences": []}
    assert (result["score"], result["max_score"]) == (1, 3)


def test_syntax_error_and_endless_loop_fail_alone(tmp_path):
    path = submission(tmp_path, "broken.ipynb",
                      initialize_parameters_zeros=replace("parameters = {}", "parameters = {"),
                      initialize_parameters_random=replace("    for l in range", "    while True:\n        pass\n"
                                                                                   "    for l in range"))
    start = time.monotonic()
    code, result = graded_json(path, "--timeout", 10, cwd=tmp_path)
    assert time.monotonic() - start < 60
    assert code == 1
    zeros, random, he = (result["functions"][name] for name in GRADED)
    assert len(zeros["messages"]) == 1
    assert zeros["messages"][0].startswith("the graded cell does not compile: SyntaxError: ")
    assert random["messages"] == ["the checks did not finish within 10 s (an endless loop?)"]
    assert he == {"passed": True, "messages": []}
    assert result["score"] == 1


def test_missing_function_fails_and_cell_errors_are_reported(tmp_path):
    path = submission(tmp_path, "partial.ipynb",
                      initialize_parameters_random=None,
                      initialize_parameters_zeros=lambda source: "import no_such_module\n" + source)
    code, result = graded_json(path, "--notebook", "never", cwd=tmp_path)
    assert code == 1
    assert result["functions"]["initialize_parameters_random"]["messages"] == [
        "the submission has no cell marked '# GRADED FUNCTION: initialize_parameters_random'"]
    assert result["functions"]["initialize_parameters_zeros"]["messages"] == [
        "running the graded cell raised ModuleNotFoundError: No module named 'no_such_module'"]
    assert result["functions"]["initialize_parameters_he"]["passed"]


def test_submitted_code_runs_elsewhere_than_the_graders_directory(tmp_path):
    path = submission(tmp_path, "writer.ipynb", initialize_parameters_he=lambda source:
                      "open('written_by_the_submission.txt', 'w').close()\n" + source)
    run = grade(path, "--notebook", "never", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not (tmp_path / "written_by_the_submission.txt").exists()
    assert not (ROOT / "written_by_the_submission.txt").exists()


def test_readable_report_of_the_solution_notebook(tmp_path):
    run = grade(ROOT / "Initialization.ipynb", "--notebook", "never", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"Grading {ROOT / 'Initialization.ipynb'}"
    assert all(f"  {name:<30} passed" in lines for name in GRADED)
    assert lines[-1] == "Score: 3/3"
    assert run.stderr == ""


# --------------------------------------------------------------------------------------------
# Folders
# --------------------------------------------------------------------------------------------

def test_folder_summary_table_and_csv(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    submission(folder, "alice.ipynb")
    submission(folder, "bob.ipynb", initialize_parameters_he=replace("2 /", "1 /"))
    (folder / "carol.ipynb").write_text("this is not a notebook")
    (folder / "notes.txt").write_text("ignored: not a notebook file name")
    shutil.copy(ROOT / "Explore.ipynb", folder / "Explore.ipynb")      # the explorer: not a submission
    run = grade(folder, "--notebook", "never", "--csv", tmp_path / "grades.csv", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    table = run.stdout.splitlines()
    assert table[0].split() == ["submission", "zeros", "random", "he", "notebook", "score"]
    assert table[1].split() == ["alice.ipynb", "pass", "pass", "pass", "skipped", "3/3"]
    assert table[2].split() == ["bob.ipynb", "pass", "pass", "FAIL", "skipped", "2/3"]
    assert table[3].startswith("carol.ipynb") and "not a notebook" in table[3]
    assert table[4:] == ["", f"({report.SANDBOX_LINES[sandbox.mode()]})"]
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == ["alice.ipynb", "bob.ipynb", "carol.ipynb"]
    assert rows["alice.ipynb"]["score"] == "3" and rows["alice.ipynb"]["error"] == ""
    assert rows["bob.ipynb"]["initialize_parameters_he"] == "FAIL" and "LeCun" in rows["bob.ipynb"]["messages"]
    assert rows["carol.ipynb"]["score"] == "" and "not a notebook" in rows["carol.ipynb"]["error"]


def test_folder_without_notebooks_is_a_usage_error(tmp_path):
    run = grade(tmp_path, cwd=tmp_path)
    assert run.returncode == 2 and run.stderr.startswith("grade.py: error: no .ipynb files")


# --------------------------------------------------------------------------------------------
# Usage problems: exit code 2, one line on stderr, no traceback
# --------------------------------------------------------------------------------------------

USAGE_CASES = {
    "missing file": (None, "no such file"),
    "not JSON": ("print('hello')\n", "is not a notebook (not valid JSON"),
    "JSON, not a notebook": ('{"name": "x"}', "is not a notebook (no nbformat version)"),
    "cells but no nbformat": ('{"cells": []}', "is not a notebook (no nbformat version)"),
    "no cells": ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "is not a valid notebook (no list of cells)"),
    "nbformat as text": ('{"cells": [], "nbformat": "4", "nbformat_minor": 5}',
                         '"nbformat" is "4", where Jupyter writes the whole number 4'),
    "nbformat as a float": ('{"cells": [], "nbformat": 4.0, "nbformat_minor": 5}',
                            '"nbformat" is 4.0, where Jupyter writes the whole number 4'),
    "a cell without source": ('{"cells": [{"cell_type": "code", "source": null, "metadata": {}, "outputs": [], '
                              '"execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}',
                              "is not a valid notebook: cell 0 has no source"),
    "invalid notebook": ('{"cells": [{"x": 1}], "nbformat": 4, "nbformat_minor": 5}', "cell 0 has no cell_type"),
    "no graded cells": (nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])),
                        "has no graded cells"),
}


@pytest.mark.parametrize("case", USAGE_CASES)
def test_usage_problems_exit_2_with_one_line(case, tmp_path):
    content, message = USAGE_CASES[case]
    path = tmp_path / "submission.ipynb"
    if content is not None:
        path.write_text(content)
    run = grade(path, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("grade.py: error: "), run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr


def test_bad_command_line_exits_2_with_one_line(tmp_path):
    for args in ([], ["x.ipynb", "--timeout", "0"], ["x.ipynb", "--notebook", "sometimes"]):
        run = grade(*args, cwd=tmp_path)
        assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr


@pytest.mark.parametrize("option", ["--timeout", "--notebook-timeout", "--cell-timeout"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_time_limits_must_be_finite(option, value, tmp_path):
    run = grade(ROOT / "Initialization.ipynb", "--notebook", "never", option, value, cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == "", run.stdout
    assert "time limits must be positive, finite numbers" in run.stderr and run.stderr.count("\n") == 1


def test_unwritable_csv_is_a_usage_error_before_grading(tmp_path):
    run = grade(ROOT / "Initialization.ipynb", "--notebook", "never", "--csv", tmp_path / "no" / "such" / "dir.csv",
                cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == "", run.stdout
    assert run.stderr.startswith("grade.py: error: cannot write the CSV file") and run.stderr.count("\n") == 1


# --------------------------------------------------------------------------------------------
# IPython syntax, odd files in a folder, messages
# --------------------------------------------------------------------------------------------

def test_magics_and_shell_escapes_in_a_graded_cell_are_accepted(tmp_path):
    path = submission(tmp_path, "magic.ipynb", initialize_parameters_he=replace(
        "    return parameters", "    return parameters\n\n%matplotlib inline\n!echo hi\nfiles = !ls\n"))
    code, result = graded_json(path, "--notebook", "never", cwd=tmp_path)
    assert result["functions"]["initialize_parameters_he"] == {"passed": True, "messages": []}
    assert code == 0


def test_folder_rows_report_unexpected_errors_instead_of_stopping(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "grade", lambda *args: {}["no such key"])
    expected = {"error": "internal error: KeyError: 'no such key'"}
    assert cli.grade_or_error(tmp_path / "x.ipynb", cli.Settings()) == expected


def test_differences_without_a_cell_say_notebook():
    difference = notebook_step.general_difference("the notebook did not finish within 5 s")
    result = {"functions": {name: {"passed": True, "messages": []} for name in GRADED}, "score": 3, "max_score": 3,
              "notebook": {"passed": False, "skipped": None, "differences": [difference]}}
    assert report.summary_row("a.ipynb", result)["messages"] == "notebook: the notebook did not finish within 5 s"


# --------------------------------------------------------------------------------------------
# Ending child processes and everything they started
# --------------------------------------------------------------------------------------------

def alive(pid):
    """True if pid is a running process (a zombie is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for_pid(path, seconds=20):
    """The pid written into path by a child, waiting for it to appear."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_time_limit_kills_descendants_in_sessions_of_their_own(tmp_path):
    """Like a Jupyter kernel: a grandchild in a new session is not in the child's process group."""
    pid_file = tmp_path / "grandchild.pid"
    parent = ("import subprocess, sys, time\n"
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
              f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
              "time.sleep(60)\n")
    assert sandbox.run_child([sys.executable, "-c", parent], tmp_path, 3, os.environ.copy()) is None
    grandchild = wait_for_pid(pid_file)
    time.sleep(0.2)
    assert not alive(grandchild)


def descendants_running(pid, fragment):
    """The pids below pid whose command line contains fragment."""
    found = []
    for child in sandbox.descendants(pid):
        try:
            if fragment in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"):
                found.append(child)
        except OSError:
            pass
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_sigterm_kills_the_children_and_removes_the_temporary_directory(tmp_path):
    """The submission's endless loop is found from outside (a sandboxed child cannot write where we look)."""
    path = submission(tmp_path, "endless.ipynb", initialize_parameters_random=replace(
        "    for l in range", "    while True:\n        pass\n    for l in range"))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, str(GRADE), str(path), "--timeout", "300"], cwd=tmp_path,
                               env={**os.environ, "TMPDIR": str(temporary)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not descendants_running(process.pid, "child.py"):
        time.sleep(0.1)
    time.sleep(8)                   # the other two functions are done by now; the endless one runs
    children = descendants_running(process.pid, "child.py")
    assert children, "no child running the checks was found"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM, process.stderr.read()
    time.sleep(0.2)
    assert not any(alive(pid) for pid in children)
    assert list(temporary.iterdir()) == []
