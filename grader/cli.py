"""grade.py's command line: read submissions, grade them (one, or a folder with --jobs), report."""

import argparse
import dataclasses
import errno
import json
import math
import os
import re
import signal
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from assignment import EXPLORER, GRADED

from . import functions_step, notebook_step, report, sandbox, space
from .submission import Unreadable, graded_sources, read_code_cells

MAX_SECONDS = 86400.0                # a day: longer limits overflow the libraries' timers


class UsageError(Exception):
    """A problem with what grade.py was asked to do: exit code 2, one line on stderr."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, exit code 2."""

    def error(self, message):
        self.exit(2, f"grade.py: error: {message} (see python grade.py --help)\n")


@dataclasses.dataclass(frozen=True)
class Settings:
    """What every step needs to know: limits, and the notebook's import cell."""
    timeout: float = 30.0
    notebook_mode: str = "auto"
    notebook_timeout: float = 900.0
    cell_timeout: float = 120.0
    memory: int = 2 * 2**30
    single_threaded: bool = False
    setup: str = ""


def setup_code():
    """The code a graded cell runs after in the notebook: the reference notebook's first code cell (the imports)."""
    reference = nbformat.read(notebook_step.REFERENCE, as_version=4)
    return next(cell.source for cell in reference.cells if cell.cell_type == "code")


# --------------------------------------------------------------------------------------------
# Grading
# --------------------------------------------------------------------------------------------

def grade(path, settings, follow_links=True):
    """Grade one submission: the JSON-ready result (see docs/grading.md)."""
    try:
        sources = graded_sources(read_code_cells(path, follow_links))
    except Unreadable as error:
        raise UsageError(str(error)) from None
    known = {name: source for name, source in sources.items() if name in GRADED}
    if not known:
        found = f" (it names only {', '.join(sorted(sources))[:200]})" if sources else ""
        raise UsageError(f"{path} has no graded cells (cells starting with '# GRADED FUNCTION: name' for "
                         f"{', '.join(GRADED)}){found}")
    with space.work_directory() as parent:
        return _grade(path, known, parent, settings)


def _grade(path, known, parent, settings):
    """grade()'s work, in the temporary directory parent."""
    with ThreadPoolExecutor(len(GRADED)) as pool:       # three child processes side by side
        try:
            checks = {name: pool.submit(functions_step.check_function, name, known.get(name), parent, settings)
                      for name in GRADED}
            functions = {name: check.result() for name, check in checks.items()}
        except BaseException:           # a signal or Ctrl-C: else the pool waits for the time limits
            sandbox.stop()
            raise
    all_passed = all(result["passed"] for result in functions.values())
    if settings.notebook_mode == "always" or (settings.notebook_mode == "auto" and all_passed):
        notebook = notebook_step.check_notebook(known, parent, settings)
    elif settings.notebook_mode == "never":
        notebook = {"passed": None, "skipped": "--notebook never", "differences": []}
    else:
        # Not run. After a failed function it cannot pass (that function's own printed values
        # differ), so it counts as failed; only an explicit --notebook never leaves it open (null).
        notebook = {"passed": False, "skipped": "a graded function failed its tests", "differences": []}
    score = sum(result["passed"] for result in functions.values())
    return {**environment(), "functions": functions, "notebook": notebook, "score": score, "max_score": len(GRADED)}


def environment():
    """What the reports say about the sandbox: its kind, how its limits apply, whether its space is sized."""
    return {"sandbox": sandbox.mode(), "limits": sandbox.limits_mode(),
            "space": "bounded" if space.private() else "unbounded"}


def grade_or_error(path, settings, follow_links=True):
    """grade(path), or {"error": why} if it cannot be graded, so that one file does not stop a batch."""
    try:
        return grade(path, settings, follow_links)
    except UsageError as error:
        return {"error": " ".join(str(error).split())}
    except sandbox.Stopping:
        raise
    except sandbox.SandboxFailed as error:
        return {"error": f"the sandbox could not start ({error}): a problem of this machine, not of the "
                         "submission; grade it again"}
    except OSError as error:
        if error.errno == errno.ENOSPC:     # the grader's own disk, not the submission's space
            return {"error": f"no space left in the grader's temporary folder ({tempfile.gettempdir()}): free "
                             "some, or point TMPDIR elsewhere, and grade this submission again"}
        return {"error": f"internal error: {type(error).__name__}: {error}"}
    except Exception as error:      # a bug of ours: report it in its row
        return {"error": f"internal error: {type(error).__name__}: {error}"}


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def memory_size(text):
    """'2G', '512M', '1.5G' or a number of bytes, as bytes (at least 256 MiB)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a memory size: {text!r} (write 2G or 512M)")
    size = float(match.group(1)) * 2 ** {"": 0, "K": 10, "M": 20, "G": 30}[match.group(2).upper()]
    if not 256 * 2**20 <= size <= 2**50:
        raise argparse.ArgumentTypeError(f"memory must be between 256M and 1048576G, not {text!r}")
    return int(size)


def job_count(text):
    """A number of submissions graded at once, from 1 to 64."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number from 1 to 64, not {text!r}")
    return int(text)


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
    parser.add_argument("--memory", type=memory_size, default=2 * 2**30, metavar="SIZE",
                        help="address-space limit of each process a submission runs, e.g. 2G (default), 512M")
    parser.add_argument("--jobs", type=job_count, default=os.cpu_count() or 1, metavar="N",
                        help="folder mode: grade N submissions at once (default: the number of cores)")
    args = parser.parse_args(argv)
    limits = (args.timeout, args.notebook_timeout, args.cell_timeout)
    if not all(math.isfinite(limit) and limit > 0 for limit in limits):      # nan <= 0 is False
        parser.error("time limits must be positive, finite numbers of seconds")
    if any(limit > MAX_SECONDS for limit in limits):
        parser.error(f"time limits must be at most {MAX_SECONDS:g} seconds (a day)")
    return args


def settings_from(args, folder):
    """The Settings for these options (one thread per child when several submissions run at once)."""
    return Settings(timeout=args.timeout, notebook_mode=args.notebook, notebook_timeout=args.notebook_timeout,
                    cell_timeout=args.cell_timeout, memory=args.memory,
                    single_threaded=folder and args.jobs > 1, setup=setup_code())


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


def write_csv_or_say(path, rows):
    """Write the CSV (after the report is out); on failure one line on stderr. True if written."""
    try:
        report.write_csv(path, rows)
        return True
    except (OSError, ValueError) as error:      # ValueError: a text nothing foresaw cannot be encoded
        print(f"grade.py: error: cannot write the CSV file {path}: {getattr(error, 'strerror', None) or error} "
              "(the report above is complete)", file=sys.stderr)
        return False


def grade_one(args):
    """Grade args.submission, print the report or the JSON, write the CSV; return the exit code
    (2 and one line on stderr, or the JSON {"error": ...}, when it cannot be graded)."""
    result = grade_or_error(args.submission, settings_from(args, folder=False))
    if "error" in result:
        if args.json:
            emit(json.dumps(result, indent=2))
        raise UsageError(result["error"])
    emit(json.dumps(result, indent=2) if args.json else report.format_report(args.submission, result))
    if args.csv and not write_csv_or_say(args.csv, [report.summary_row(args.submission.name, result)]):
        return 2
    return 0 if report.passed(result) else 1


def emit(text):
    """Print text to stdout; a reader that went away (grade.py ... | head) ends the output quietly."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())      # no second error at exit


def folder_entries(folder):
    """Every entry of folder whose name ends in .ipynb, in any case (a FIFO or unreadable one too), but the
    explorer (assignment.EXPLORER: handed out beside the lesson, not a submission)."""
    try:
        return sorted((path for path in folder.iterdir() if path.name.lower().endswith(".ipynb")
                       and path.name != EXPLORER), key=lambda path: path.name)
    except OSError as error:
        raise UsageError(f"cannot list {folder}: {error.strerror or error}") from None


def grade_folder(args):
    """Grade every .ipynb in args.submission; print a table (or JSON), write the CSV; return the exit code."""
    paths = folder_entries(args.submission)
    if not paths:
        raise UsageError(f"no .ipynb files in {args.submission}")
    settings = settings_from(args, folder=True)
    lock = threading.Lock()

    def one(path):
        if not args.json:
            with lock:
                print(f"grading {report.escape(path.name)} ...", file=sys.stderr, flush=True)
        return grade_or_error(path, settings, follow_links=False)    # a link is reported, not followed

    with ThreadPoolExecutor(args.jobs) as pool:
        try:
            results = dict(zip((path.name for path in paths), pool.map(one, paths)))
        except BaseException:
            sandbox.stop()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    rows = [report.summary_row(name, result) for name, result in results.items()]
    if args.json:
        emit(json.dumps({**environment(), "submissions": results}, indent=2))
    else:
        emit(report.format_table(rows, sandbox.mode()))
    if args.csv and not write_csv_or_say(args.csv, rows):
        return 2
    return 0 if all("error" not in r and report.passed(r) for r in results.values()) else 1


def exit_on_signal(signum, frame):
    """SIGTERM and SIGHUP end grade.py like an exception: the `finally` clauses run and clean up."""
    raise SystemExit(128 + signum)


def install_signal_handlers():
    """Make SIGTERM and SIGHUP raise SystemExit in the main thread (where Python runs handlers)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), exit_on_signal)


def main(argv=None):
    """Entry point: grade a submission or a folder; return the exit code."""
    args = parse_args(argv)
    space.enter()                       # first, while grade.py has one thread
    install_signal_handlers()
    sandbox.protect_grader()
    sandbox.mode()                      # probe bwrap once, before any thread starts a child
    sandbox.limits_mode()
    try:
        check_writable(args.csv)
        return grade_folder(args) if args.submission.is_dir() else grade_one(args)
    except UsageError as error:
        print("grade.py: error: " + report.escape(" ".join(str(error).split())), file=sys.stderr)   # one line
        return 2
    except KeyboardInterrupt:
        print("grade.py: interrupted; every process of the submissions was ended", file=sys.stderr)
        return 130
    finally:
        sandbox.stop()
        space.leave()
