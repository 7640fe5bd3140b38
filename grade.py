"""Grade submissions of the Initialization lesson.

    python grade.py SUBMISSION.ipynb [--json]          # one submission: a report, or one JSON object
    python grade.py FOLDER [--csv FILE] [--json]       # every .ipynb in FOLDER: a summary table

Grading a submission takes two steps, and runs none of the submitted code in this process:

1. Public tests. The source of each graded cell ("# GRADED FUNCTION: name") is taken from the
   submission (its stored outputs are ignored) and run in a child process of its own, in a
   temporary directory holding copies of init_utils.py and public_tests.py, with a time limit.
   There public_tests.diagnose names what is wrong, if anything. A function that does not compile,
   raises or never returns fails alone; the others are graded as usual.
2. The notebook. The submitted graded cells replace those of a copy of the reference notebook,
   Initialization.ipynb, which strict nbval then runs (in a child process, in the same temporary
   directory): every downstream output must come back as stored, and the cells that differ are
   named. By default this step (about 30 s) runs only when all three functions passed step 1:
   otherwise the submission has failed already, and the differences would only repeat it.
   --notebook always / never changes that.

The score is the number of graded functions that pass their public tests (out of 3). The notebook
check does not add to it: it is a second line of defence, and its verdict is in the report, the
JSON and the exit code, for a person to look at. A function can pass the tests yet change the
notebook (for example by printing), and stored outputs can differ on an unusual machine: neither
should cost points without someone looking.

Exit code: 0 if everything checked passed, 1 if anything failed, 2 for a usage problem (a missing
file, a file that is not a notebook, a notebook without graded cells, a bad option).

IPython syntax in a graded cell (`%matplotlib inline`, `!ls`) is turned into Python by IPython's own
transformer before step 1 compiles it; the magics and shell commands themselves do nothing there.

When grade.py stops (a time limit, Ctrl-C, SIGTERM or SIGHUP), it kills its child processes and
everything they started, a Jupyter kernel in a session of its own included, and removes its
temporary directory.

The child processes and the temporary directory keep submissions from disturbing the grader and
each other. They are not a security sandbox: submitted code runs with your permissions.
"""

import argparse
import csv
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent
REFERENCE = ROOT / "Initialization.ipynb"
HELPERS = ("init_utils.py", "public_tests.py")
GRADED = ("initialize_parameters_zeros", "initialize_parameters_random", "initialize_parameters_he")
GRADED_CELL = re.compile(r"^[ \t]*#\s*GRADED FUNCTION:\s*(\w+)", re.MULTILINE)
ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")

# Run in a child process, in the grading directory: define one graded function and check it.
# argv: function name, a JSON file holding the setup code and the cell's source, the result file.
CHILD = r'''
import json, sys
name, job_file, result_file = sys.argv[1:4]
with open(job_file) as f:
    job = json.load(f)
namespace = {"__name__": "__main__"}
exec(compile(job["setup"], "<notebook imports>", "exec"), namespace)

class Shell:
    """Stands in for IPython's shell: magics and shell commands do nothing here."""
    def run_line_magic(self, *args, **kwargs): pass
    def run_cell_magic(self, *args, **kwargs): pass
    def system(self, *args, **kwargs): pass
    getoutput = system

namespace["get_ipython"] = Shell      # what IPython's transformer turns %magic and !command into calls to
source = job["source"]
try:
    from IPython.core.inputtransformer2 import TransformerManager
    source = TransformerManager().transform_cell(source)
except Exception:                     # no IPython, or a cell it cannot transform: compile it as it is
    pass
try:
    code = compile(source, "<graded cell>", "exec")
except SyntaxError as error:
    line = f" (line {error.lineno}: {error.text.strip()})" if error.text else ""
    messages = [f"the graded cell does not compile: SyntaxError: {error.msg}{line}"]
else:
    try:
        exec(code, namespace)
    except Exception as error:
        messages = [f"running the graded cell raised {type(error).__name__}: {error}"]
    else:
        if callable(namespace.get(name)):
            import public_tests
            messages = public_tests.diagnose(name, namespace[name])
        else:
            messages = [f"the graded cell does not define a function named {name}"]
with open(result_file, "w") as f:
    json.dump({"messages": messages}, f)
'''


class UsageError(Exception):
    """A problem with what grade.py was asked to do: exit code 2, one line on stderr."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, exit code 2."""

    def error(self, message):
        self.exit(2, f"grade.py: error: {message} (see python grade.py --help)\n")


# --------------------------------------------------------------------------------------------
# Reading a submission
# --------------------------------------------------------------------------------------------

def read_notebook(path):
    """The notebook at path, or a UsageError saying why it cannot be one."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such file: {path}")
    if not path.is_file():
        raise UsageError(f"not a file: {path}")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path} is not a notebook (not valid JSON: {error})") from None
    if not isinstance(data, dict) or "nbformat" not in data or not isinstance(data.get("cells"), list):
        raise UsageError(f"{path} is not a notebook (no cells, or no nbformat version)")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds of errors for malformed notebooks
        raise UsageError(f"{path} is not a readable notebook ({type(error).__name__}: {error})") from None
    for number, cell in enumerate(notebook.cells):      # nbformat.reads does not check this
        source = cell.get("source", "")
        if not isinstance(source, str) and not _is_list_of_strings(source):
            raise UsageError(f"{path} is not a valid notebook: cell {number} has no source")
    return notebook


def graded_sources(notebook):
    """{name: source} of the cells marked "# GRADED FUNCTION: name" (the last one wins, as in Jupyter)."""
    sources = {}
    for cell in notebook.cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        match = GRADED_CELL.search(source) if cell.get("cell_type") == "code" else None
        if match:
            sources[match.group(1)] = source
    return sources


def _is_list_of_strings(value):
    """True for a list of strings, the other form a cell's source can take."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


# --------------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------------

# The child processes running now, so that a signal or an exception can end them all at once.
LIVE_CHILDREN = set()
LIVE_CHILDREN_LOCK = threading.Lock()


def run_child(command, cwd, timeout, env, keep_stdout=False):
    """Run command in cwd, in a session of its own; after timeout seconds, kill it and all it started.

    stderr goes to cwd/stderr.txt, stdout to cwd/stdout.txt if keep_stdout, else nowhere (submitted
    code may print without end). Returns the exit code, or None if the time ran out. Whatever the
    command started and left running (a kernel, a process of the submission's) is ended with it,
    even in a session of its own (see end_process_tree).
    """
    with open(cwd / "stderr.txt", "wb") as stderr, \
            open(cwd / "stdout.txt" if keep_stdout else os.devnull, "wb") as stdout:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                                   stderr=stderr, start_new_session=True)
        with LIVE_CHILDREN_LOCK:
            LIVE_CHILDREN.add(process)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            end_process_tree(process)
            with LIVE_CHILDREN_LOCK:
                LIVE_CHILDREN.discard(process)


def end_all_children():
    """Kill every child process still running, and all they started (on a signal, Ctrl-C or an error)."""
    with LIVE_CHILDREN_LOCK:
        children = list(LIVE_CHILDREN)
    for process in children:
        end_process_tree(process)


def end_process_tree(process):
    """Kill process, its process group and every descendant's process group, and reap process.

    Killing the group alone is not enough: jupyter_client starts the kernel in a new session, so
    the kernel (and whatever it started) is in another group. The descendants are collected
    first, while their parent is still alive to link them to process. Without /proc (not Linux),
    only the group is killed.
    """
    for pid in descendants(process.pid):
        _kill_group_and_pid(pid)
    _kill_group_and_pid(process.pid)
    process.wait()


def descendants(pid):
    """The pids of all processes below pid in the process tree (from /proc; [] where there is none)."""
    children = {}
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:                     # the process ended meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])     # the name, in (), may hold spaces
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _kill_group_and_pid(pid):
    """SIGKILL the process group of pid (unless it is grade.py's own), then pid; ignore what is gone."""
    try:
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def exit_on_signal(signum, frame):
    """SIGTERM and SIGHUP end grade.py like an exception: the `finally` clauses run and clean up."""
    raise SystemExit(128 + signum)


def install_signal_handlers():
    """Make SIGTERM and SIGHUP raise SystemExit in the main thread (where Python runs handlers)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), exit_on_signal)


def child_env(**extra):
    """The environment for child processes: ours, without settings that would change pytest's or Jupyter's run."""
    unwanted = ("PYTEST_ADDOPTS", "PYTHONSTARTUP", "MPLBACKEND")
    env = {key: value for key, value in os.environ.items() if key not in unwanted}
    env.update(extra)
    return env


def last_lines(path, count=3):
    """The last count non-empty lines of a text file, joined by ' | ' ('' if there is none)."""
    try:
        lines = [line for line in Path(path).read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-count:])


# --------------------------------------------------------------------------------------------
# Step 1: the public tests, one child process per function
# --------------------------------------------------------------------------------------------

def make_workdir(parent, name):
    """Create the directory parent/name holding the reference notebook and its helper modules; return it."""
    workdir = Path(parent) / name
    workdir.mkdir()
    for name in HELPERS + (REFERENCE.name,):
        shutil.copy(ROOT / name, workdir / name)
    (workdir / "pytest.ini").write_text("[pytest]\n")      # makes workdir pytest's root: no outside config
    return workdir


def setup_code():
    """The code a graded cell runs after in the notebook: the reference notebook's first code cell (the imports)."""
    reference = nbformat.read(REFERENCE, as_version=4)
    return next(cell.source for cell in reference.cells if cell.cell_type == "code")


def check_function(name, source, parent, timeout):
    """Run the public tests on one graded function in a child process: {"passed": ..., "messages": [...]}."""
    if source is None:
        return {"passed": False, "messages": [f"the submission has no cell marked '# GRADED FUNCTION: {name}'"]}
    workdir = make_workdir(parent, name)
    job, result = workdir / "job.json", workdir / "result.json"
    job.write_text(json.dumps({"setup": setup_code(), "source": source}))
    code = run_child([sys.executable, "-c", CHILD, name, job.name, result.name], workdir, timeout,
                     child_env(MPLBACKEND="Agg"))
    if code is None:
        messages = [f"the checks did not finish within {timeout:g} s (an endless loop?)"]
    elif result.exists():
        messages = json.loads(result.read_text())["messages"]
    else:
        detail = last_lines(workdir / "stderr.txt")
        messages = [f"the process running the checks stopped without a result (exit code {code})"
                    + (f": {detail}" if detail else "")]
    return {"passed": not messages, "messages": messages}


# --------------------------------------------------------------------------------------------
# Step 2: the reference notebook with the submitted functions, under strict nbval
# --------------------------------------------------------------------------------------------

def insert_functions(workdir, sources):
    """Put the submitted graded cells into the reference copy in workdir (a missing one becomes a stub)."""
    path = workdir / REFERENCE.name
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        match = GRADED_CELL.search(cell.source) if cell.cell_type == "code" else None
        if match:
            name = match.group(1)
            cell.source = sources.get(name, f"# GRADED FUNCTION: {name}\n# (missing from the submission)\n")
    nbformat.write(notebook, path)
    return notebook


def check_notebook(sources, parent, timeout, cell_timeout):
    """Run strict nbval on the reference notebook holding the submitted functions."""
    workdir = make_workdir(parent, "notebook")
    notebook = insert_functions(workdir, sources)
    report = workdir / "nbval.xml"
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
               "-o", "addopts=", "-q", f"--junitxml={report.name}", f"--nbval-cell-timeout={cell_timeout:g}",
               REFERENCE.name]
    code = run_child(command, workdir, timeout, child_env(), keep_stdout=True)
    if code == 0:
        return {"passed": True, "skipped": None, "differences": []}
    if code is None:
        problem = f"the notebook did not finish within {timeout:g} s"
        return {"passed": False, "skipped": None, "differences": [_general_difference(problem)]}
    differences = read_differences(report, notebook) if report.exists() else []
    if not differences:
        detail = last_lines(workdir / "stdout.txt") or last_lines(workdir / "stderr.txt")
        differences = [_general_difference(f"nbval could not run the notebook (pytest exit code {code})", detail)]
    return {"passed": False, "skipped": None, "differences": differences}


def _general_difference(problem, detail=""):
    """A difference that belongs to no single cell."""
    return {"cell": None, "notebook_cell": None, "source": "", "problem": problem,
            "details": [detail] if detail else []}


def read_differences(report, notebook):
    """One dict per failed cell of nbval's JUnit XML report, naming the cell and what differs.

    nbval numbers code cells from 0 ("Cell 4" is the fifth code cell); "notebook_cell" is the
    index among all cells, markdown included, and "source" the cell's first line.
    """
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    differences = []
    cases = list(ET.parse(report).iter("testcase"))
    for case in cases:
        failure = case.find("failure")
        failure = failure if failure is not None else case.find("error")
        match = re.fullmatch(r"Cell (\d+)", case.get("name", ""))
        if failure is None:
            continue
        if not match:
            differences.append(_general_difference(f"{case.get('name')}: failed", _clean(failure.get("message", ""))))
            continue
        number = int(match.group(1))
        index = code_cells[number] if number < len(code_cells) else None
        source = _shorten(notebook.cells[index].source.strip().split("\n")[0]) if index is not None else ""
        problem, details = describe_failure(_clean(failure.text or failure.get("message", "")))
        differences.append({"cell": number, "notebook_cell": index, "source": source,
                            "problem": problem, "details": details})
    unchecked = sum(case.find("skipped") is not None for case in cases)
    if unchecked:
        differences.append(_general_difference(f"{unchecked} cells were not checked (after a cell times out, "
                                               "nbval expects all later cells to fail)"))
    return differences


def describe_failure(text):
    """(problem, detail lines) from nbval's text for one failed cell."""
    lines = [line.rstrip() for line in text.splitlines()]
    if "Cell execution caused an exception" in text:
        errors = [line for line in lines if re.match(r"^\w+(Error|Exception|Exit|Interrupt)\b", line)]
        return "raised " + (errors[-1] if errors else "an exception"), []
    if "Cell outputs differ" in text or "mismatch" in text:
        kinds = sorted(set(re.findall(r"mismatch '([^']+)'", text)))
        # pytest's diff of `stored == new`: "+" lines are the stored output, "-" lines the new one
        cut = "..." if "identical leading characters" in text else ""      # pytest cut the common start
        changed = [("expected: " if line.lstrip()[0] == "+" else "got:      ") + cut + line.strip()[2:]
                   for line in lines if re.match(r"^\s+[-+] ", line)]
        return f"output differs ({', '.join(kinds) or 'outputs'})", changed[:6]
    if "imeout" in text or "timed out" in text:
        return "timed out", []
    first = next((line for line in lines if line.strip()), "failed")
    return first.strip(), []


def _shorten(line, width=70):
    """line, cut to width characters with '...' if longer."""
    return line if len(line) <= width else line[:width - 3] + "..."


def _clean(text):
    """nbval's text without its colour codes."""
    return ANSI.sub("", text)


# --------------------------------------------------------------------------------------------
# Grading
# --------------------------------------------------------------------------------------------

def grade(path, timeout=30.0, notebook_mode="auto", notebook_timeout=900.0, cell_timeout=120.0):
    """Grade one submission: the JSON-ready result (see the module docstring and README)."""
    sources = graded_sources(read_notebook(path))
    if not sources:
        raise UsageError(f"{path} has no graded cells (cells starting with '# GRADED FUNCTION: name')")
    with tempfile.TemporaryDirectory(prefix="grade-", ignore_cleanup_errors=True) as parent:
        with ThreadPoolExecutor(len(GRADED)) as pool:       # three child processes side by side
            try:
                checks = {name: pool.submit(check_function, name, sources.get(name), parent, timeout)
                          for name in GRADED}
                functions = {name: check.result() for name, check in checks.items()}
            except BaseException:           # a signal or Ctrl-C: else the pool waits for the time limits
                end_all_children()
                raise
        all_passed = all(result["passed"] for result in functions.values())
        if notebook_mode == "always" or (notebook_mode == "auto" and all_passed):
            notebook = check_notebook(sources, parent, notebook_timeout, cell_timeout)
        else:
            # Not run. After a failed function it cannot pass (that function's own printed values
            # differ), so it counts as failed; only an explicit --notebook never leaves it open (null).
            if notebook_mode == "never":
                notebook = {"passed": None, "skipped": "--notebook never", "differences": []}
            else:
                notebook = {"passed": False, "skipped": "a graded function failed its tests", "differences": []}
    score = sum(result["passed"] for result in functions.values())
    return {"functions": functions, "notebook": notebook, "score": score, "max_score": len(GRADED)}


def passed(result):
    """True if every check that ran passed (a skipped notebook step does not fail a submission by itself)."""
    return result["score"] == result["max_score"] and result["notebook"]["passed"] is not False


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

def format_report(path, result):
    """A readable report of one graded submission."""
    lines = [f"Grading {path}", ""]
    for name, outcome in result["functions"].items():
        lines.append(f"  {name:<30} {'passed' if outcome['passed'] else 'FAILED'}")
        lines += [f"      - {message}" for message in outcome["messages"]]
    notebook = result["notebook"]
    if notebook["skipped"]:
        lines.append(f"  {'notebook (strict nbval)':<30} not run: {notebook['skipped']}")
    else:
        lines.append(f"  {'notebook (strict nbval)':<30} {'passed' if notebook['passed'] else 'FAILED'}")
    for difference in notebook["differences"]:
        where = (f"code cell {difference['cell']} (`{difference['source']}`)"
                 if difference["cell"] is not None else "notebook")
        lines.append(f"      - {where}: {difference['problem']}")
        lines += [f"            {detail}" for detail in difference["details"]]
    lines += ["", f"Score: {result['score']}/{result['max_score']}"
              + ("" if passed(result) else "  (not everything passed)")]
    return "\n".join(lines)


def summary_row(name, result):
    """One row of the folder summary: pass/FAIL per function, the notebook, the score, messages."""
    if "error" in result:
        return {"submission": name, **{f: "" for f in GRADED}, "notebook": "", "score": "",
                "max_score": len(GRADED), "error": result["error"], "messages": ""}
    notebook = result["notebook"]
    row = {"submission": name}
    row.update({f: "pass" if outcome["passed"] else "FAIL" for f, outcome in result["functions"].items()})
    row["notebook"] = "skipped" if notebook["skipped"] else ("pass" if notebook["passed"] else "FAIL")
    messages = [m for outcome in result["functions"].values() for m in outcome["messages"]]
    messages += [(f"code cell {d['cell']}" if d["cell"] is not None else "notebook") + f": {d['problem']}"
                 for d in notebook["differences"]]
    row.update(score=result["score"], max_score=result["max_score"], error="", messages=" | ".join(messages))
    return row


def check_writable(path):
    """Raise a UsageError now, before grading, if a CSV file cannot be written at path (None: no CSV)."""
    if path is None:
        return
    try:
        existed = path.exists()
        with open(path, "a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()                   # do not leave an empty file behind if grading fails
    except OSError as error:
        raise UsageError(f"cannot write the CSV file {path}: {error.strerror or error}") from None


def write_csv(path, rows):
    """Write summary rows to a CSV file, with a header line."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def format_table(rows):
    """The folder summary as an aligned text table."""
    columns = ["submission", "zeros", "random", "he", "notebook", "score"]
    cells = [[row["submission"], *(row[f] for f in GRADED), row["notebook"],
              f"{row['score']}/{row['max_score']}" if row["score"] != "" else row["error"]] for row in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(columns, *cells)]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in [columns, *cells])


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def parse_args(argv):
    """The command-line options."""
    parser = OneLineParser(description="Grade submissions of the Initialization lesson (see README.md).")
    parser.add_argument("submission", type=Path, help="a submitted .ipynb, or a folder of them")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the summary table to FILE, as CSV")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="time limit of each function's public tests, imports included (default 30)")
    parser.add_argument("--notebook", choices=("auto", "always", "never"), default="auto",
                        help="run the notebook under strict nbval: auto (default) only when all functions "
                             "passed, always, or never")
    parser.add_argument("--notebook-timeout", type=float, default=900.0, metavar="SECONDS",
                        help="time limit of the notebook run (default 900)")
    parser.add_argument("--cell-timeout", type=float, default=120.0, metavar="SECONDS",
                        help="time limit of each notebook cell (default 120; the slowest takes about 12)")
    args = parser.parse_args(argv)
    limits = (args.timeout, args.notebook_timeout, args.cell_timeout)
    if not all(math.isfinite(limit) and limit > 0 for limit in limits):      # nan <= 0 is False
        parser.error("time limits must be positive, finite numbers of seconds")
    return args


def grade_one(args):
    """Grade args.submission, print the report or the JSON, write the CSV; return the exit code."""
    result = grade(args.submission, args.timeout, args.notebook, args.notebook_timeout, args.cell_timeout)
    if args.csv:
        write_csv(args.csv, [summary_row(args.submission.name, result)])
    print(json.dumps(result, indent=2) if args.json else format_report(args.submission, result))
    return 0 if passed(result) else 1


def grade_or_error(path, args):
    """grade(path), or {"error": why} if it cannot be graded, so that one file does not stop a batch."""
    try:
        return grade(path, args.timeout, args.notebook, args.notebook_timeout, args.cell_timeout)
    except UsageError as error:
        return {"error": " ".join(str(error).split())}
    except Exception as error:      # a bug, or a file nothing foresaw: report it in its row
        return {"error": f"internal error: {type(error).__name__}: {error}"}


def grade_folder(args):
    """Grade every .ipynb in args.submission; print a table (or JSON), write the CSV; return the exit code."""
    paths = sorted(path for path in args.submission.glob("*.ipynb") if path.is_file())
    if not paths:
        raise UsageError(f"no .ipynb files in {args.submission}")
    results = {}
    for path in paths:
        if not args.json:
            print(f"grading {path.name} ...", file=sys.stderr, flush=True)
        results[path.name] = grade_or_error(path, args)
    rows = [summary_row(name, result) for name, result in results.items()]
    if args.csv:
        write_csv(args.csv, rows)
    if args.json:
        print(json.dumps({"submissions": results}, indent=2))
    else:
        print(format_table(rows))
    return 0 if all("error" not in r and passed(r) for r in results.values()) else 1


def main(argv=None):
    """Entry point: grade a submission or a folder; return the exit code."""
    args = parse_args(argv)
    install_signal_handlers()
    try:
        check_writable(args.csv)
        return grade_folder(args) if args.submission.is_dir() else grade_one(args)
    except UsageError as error:
        print("grade.py: error: " + " ".join(str(error).split()), file=sys.stderr)     # one line, always
        return 2
    finally:
        end_all_children()


if __name__ == "__main__":
    sys.exit(main())
