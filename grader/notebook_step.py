"""Step 2: the reference notebook with the submitted functions, under strict nbval.

pytest and nbval run in a child process outside the sandbox: they read the notebook with its stored
outputs and compare. The Jupyter kernel that executes the cells runs in the sandbox (see
nbval_conftest.py), in a directory holding only copies of the helper files (assignment.HELPER_FILES),
so that no cell can read the stored outputs (and replay them), the repository or another submission.
"""

import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

from assignment import graded_name

from . import box as box_module
from . import sandbox
from . import space as space_module
from .box import INSIDE
from .functions_step import is_text

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "Initialization.ipynb"
ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")
MAX_REPORT_BYTES = 16 * 2**20
PYTEST_MEMORY = 4 * 2**30           # pytest itself (outside the sandbox) keeps what the kernel sends


def insert_functions(path, sources):
    """Put the submitted graded cells into the notebook at path (a missing one becomes a stub)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        name = graded_name(cell.source) if cell.cell_type == "code" else None
        if name:
            source = sources.get(name)
            if source is None or not is_text(source):
                why = "missing from the submission" if source is None else "not text: it cannot be run"
                source = f"# GRADED FUNCTION: {name}\n# ({why})\n"
            cell.source = source
    nbformat.write(notebook, path)
    return notebook


def kernel_command(space, settings):
    """The command that starts the kernel (in the sandbox when there is one), {connection_file} left to fill."""
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    box, ipc = Path(space) / "box", Path(space) / "ipc"
    if sandbox.mode() == "bubblewrap":
        env = box_module.sandbox_environment(settings, MPLCONFIGDIR=f"{INSIDE}/.matplotlib",
                                             IPYTHONDIR="/tmp/ipython", JUPYTER_RUNTIME_DIR="/tmp/jupyter")
        wrapped = sandbox.wrap(kernel, [(box, INSIDE), (ipc, ipc)], chdir=INSIDE, env=env,
                               space=space if space_module.private() else None)
        return sandbox.limited(wrapped, settings.memory, owner=sandbox.owner())
    return sandbox.limited(["--chdir", str(box), *kernel], settings.memory)


def check_notebook(sources, parent, settings):
    """Run strict nbval on the reference notebook holding the submitted functions."""
    workdir = Path(parent) / "notebook"
    runner = workdir / "nbval"
    runner.mkdir(parents=True)
    with space_module.space(workdir, (*box_module.SPACE_DIRS, "ipc"), sandbox.owner()) as space:
        return _run_nbval(sources, workdir, runner, space, settings)


def _run_nbval(sources, workdir, runner, space, settings):
    """check_notebook's work, with the kernel's space made."""
    ipc = Path(space) / "ipc"
    box_module.fill_box(space)
    shutil.copy(REFERENCE, runner / REFERENCE.name)
    shutil.copy(Path(__file__).parent / "nbval_conftest.py", runner / "conftest.py")
    (runner / "pytest.ini").write_text("[pytest]\n")      # makes runner pytest's root: no outside config
    owner = sandbox.owner()
    if owner:       # the kernel may create its sockets here, but not replace them once it runs (nbval_conftest.py)
        os.chown(ipc, os.geteuid(), os.getegid())
        os.chmod(ipc, 0o733)
    (runner / "sandbox_kernel.json").write_text(json.dumps({
        "argv": kernel_command(space, settings), "ip": str(ipc / "kernel"),
        "connection_file": str(ipc / "kernel.json"), "owner": owner}))
    notebook = insert_functions(runner / REFERENCE.name, sources)
    report, stdout = runner / "nbval.xml", workdir / "stdout.txt"
    # xfail_strict: after a cell times out, nbval marks every later cell "expected to fail"; a cell
    # that then passes must not count as a pass (nor, below, one that is skipped or expected to fail).
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
               "-o", "addopts=", "-o", "xfail_strict=True", "-q", f"--junitxml={report}",
               f"--nbval-cell-timeout={settings.cell_timeout:g}", REFERENCE.name]
    with sandbox.cgroups(PYTEST_MEMORY + settings.memory) as groups:       # pytest and the kernel together
        code = sandbox.run_child(sandbox.limited(command, PYTEST_MEMORY, cgroups=groups), runner,
                                 settings.notebook_timeout, box_module.host_environment(settings), stdout,
                                 workdir / "stderr.txt")
    sandbox_error = sandbox.failed_to_start(workdir / "stderr.txt")
    if sandbox_error:
        raise sandbox.SandboxFailed(sandbox_error)
    data = sandbox.read_bounded(report, MAX_REPORT_BYTES)
    if code == 0:
        unchecked = cells_not_passed(data, notebook)
        if not unchecked:
            return {"passed": True, "skipped": None, "differences": []}
        problem = (f"{unchecked} code cells did not pass as themselves (skipped, expected to fail after a "
                   "timeout, or missing from nbval's report)")
        return {"passed": False, "skipped": None, "differences": [general_difference(problem)]}
    if code is None:
        problem = f"the notebook did not finish within {settings.notebook_timeout:g} s"
        return {"passed": False, "skipped": None, "differences": [general_difference(problem)]}
    differences = read_differences(data, notebook) if data else []
    if not differences:
        detail = sandbox.tail(stdout) or sandbox.tail(workdir / "stderr.txt")
        differences = [general_difference(f"nbval could not run the notebook (pytest exit code {code})", detail)]
    return {"passed": False, "skipped": None, "differences": differences}


def cells_not_passed(data, notebook):
    """How many code cells of the notebook nbval's JUnit report (bytes, or None) does not show as plainly
    passed: a pytest exit code of 0 alone is not enough (a cell that forges "idle" and never answers
    times out, and nbval then only expects the later cells to fail)."""
    count = sum(cell.cell_type == "code" for cell in notebook.cells)
    try:
        cases = list(ET.fromstring(data).iter("testcase")) if data else []
    except ET.ParseError:
        return count
    passed = {case.get("name") for case in cases if len(case) == 0 or all(child.tag in ("system-out", "system-err")
                                                                         for child in case)}
    return sum(f"Cell {number}" not in passed for number in range(count))


def general_difference(problem, detail=""):
    """A difference that belongs to no single cell."""
    return {"cell": None, "notebook_cell": None, "source": "", "problem": problem,
            "details": [detail] if detail else []}


def read_differences(data, notebook):
    """One dict per failed cell of nbval's JUnit XML report, naming the cell and what differs.

    nbval numbers code cells from 0 ("Cell 4" is the fifth code cell); "notebook_cell" is the
    index among all cells, markdown included, and "source" the cell's first line.
    """
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    differences = []
    try:
        cases = list(ET.fromstring(data).iter("testcase"))
    except ET.ParseError:
        return []
    for case in cases:
        failure = case.find("failure")
        failure = failure if failure is not None else case.find("error")
        match = re.fullmatch(r"Cell (\d+)", case.get("name", ""))
        if failure is None:
            continue
        if not match:
            differences.append(general_difference(f"{case.get('name')}: failed", _clean(failure.get("message", ""))))
            continue
        number = int(match.group(1))
        index = code_cells[number] if number < len(code_cells) else None
        source = _shorten(notebook.cells[index].source.strip().split("\n")[0]) if index is not None else ""
        problem, details = describe_failure(_clean(failure.text or failure.get("message", "")))
        differences.append({"cell": number, "notebook_cell": index, "source": source,
                            "problem": problem, "details": details})
    unchecked = sum(case.find("skipped") is not None for case in cases)
    if unchecked:
        differences.append(general_difference(f"{unchecked} cells were not checked (after a cell times out, "
                                              "nbval expects all later cells to fail)"))
    return differences


def describe_failure(text):
    """(problem, detail lines) from nbval's text for one failed cell."""
    lines = [line.rstrip() for line in text.splitlines()]
    if "Cell execution caused an exception" in text:
        errors = [line for line in lines if re.match(r"^\w+(Error|Exception|Exit|Interrupt)\b", line)]
        return "raised " + _shorten(errors[-1] if errors else "an exception", 300), []
    if "Cell outputs differ" in text or "mismatch" in text:
        kinds = sorted(set(re.findall(r"mismatch '([^']+)'", text)))
        # pytest's diff of `stored == new`: "+" lines are the stored output, "-" lines the new one
        cut = "..." if "identical leading characters" in text else ""      # pytest cut the common start
        changed = [("expected: " if line.lstrip()[0] == "+" else "got:      ") + cut + _shorten(line.strip()[2:], 300)
                   for line in lines if re.match(r"^\s+[-+] ", line)]
        return f"output differs ({', '.join(kinds[:5]) or 'outputs'})", changed[:6]
    if "imeout" in text or "timed out" in text:
        return "timed out", []
    first = next((line for line in lines if line.strip()), "failed")
    return _shorten(first.strip(), 300), []


def _shorten(line, width=70):
    """line, cut to width characters with '...' if longer."""
    return line if len(line) <= width else line[:width - 3] + "..."


def _clean(text):
    """nbval's text without its colour codes."""
    return ANSI.sub("", text)
