"""Make the notebook students receive, student/Initialization.ipynb, from the solution notebook (and
student/Explore.ipynb, the explorer without its outputs, to open beside it).

    python -m tools.make_student_version               # (re)write student/Initialization.ipynb
    python -m tools.make_student_version --check       # exit 1 if the committed copy is out of date
    python -m tools.make_student_version --bundle DIR  # also write DIR/ to hand out: the notebook, the
                                                       # files it needs (assignment.HELPER_FILES),
                                                       # requirements.txt and a README

What changes, and nothing else:
- In each graded cell (assignment.GRADED_CELL: a line "# GRADED FUNCTION: name"), every line between
  "### START CODE HERE ###" and "### END CODE HERE ###" is an assignment; its right-hand side
  becomes None (`parameters['W' + str(l)] = None`). The START line keeps its "(≈ N lines of
  code)" hint. A line in that region that is not a plain assignment stops the script with an
  error, so that no piece of a solution can slip through unnoticed; so do markers out of order
  (an END before its START, overlapping pairs) and a marker line holding anything but the marker.
- Every code cell loses its outputs and execution count, and the timing metadata of its last
  run. All of them, not only those after the first graded cell: the outputs that follow a
  graded cell were produced by the solution (they would give answers away, and would not be what
  the student's code produces); the few before it would leave a half-run notebook, which
  confuses more than it helps; the student runs the notebook from the top anyway; and the
  expected values a student compares with are in the "Expected output" text cells, which stay.
  Without the solution's figures the file is also a fraction of the size.
The prose, the expected-output cells and the calls to the public tests stay as they are. The
output is a pure function of the solution notebook, so it is byte-for-byte reproducible.

The notebook imports the helper modules (assignment.HELPER_FILES). Its first code cell appends ".." to
sys.path, so it finds them both in a clone of the repository (student/ is one folder below them) and in
a bundle (beside it, which Python searches first). One line in the solution, rather than copies of the modules
in student/ or a student-only import cell: every version of the notebook (solution, student, bundle,
nbgrader release) keeps the same code cells, and there is nothing to keep in sync.
"""

import argparse
import ast
import re
import shutil
import sys
from pathlib import Path

import nbformat

import assignment

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "Initialization.ipynb"
STUDENT = ROOT / "student" / "Initialization.ipynb"
EXPLORER = ROOT / assignment.EXPLORER                    # the explorer, handed out beside the lesson
STUDENT_EXPLORER = ROOT / "student" / assignment.EXPLORER
HELPERS = assignment.HELPER_FILES          # the files a student needs beside the notebook
# What a student installs: the repository's requirements (the lesson's libraries, Jupyter's kernel and
# the test tools, a few MB more) plus JupyterLab to open the notebook in.
BUNDLE_README = """\
# Initialization: a lesson on weight initialization

You need Python 3.10 or newer. In this folder, run once:

    python3 -m venv .venv
    .venv/bin/pip install -r requirements.txt jupyterlab

(on Windows: `py -m venv .venv`, then `.venv\\Scripts\\pip install -r requirements.txt jupyterlab`). Then,
each time:

    .venv/bin/jupyter lab Initialization.ipynb

Keep the other files of this folder (the helper modules and circles.npz, the data) beside the notebook.
Explore.ipynb, beside it, is an interactive explorer of how weights start (open it the same way); once
your exercises pass, your own functions appear there as starts.
Run the cells from the top. The three exercises are the cells marked `# GRADED FUNCTION:`; write your
code between `### START CODE HERE ###` and `### END CODE HERE ###`, then run the cell under it: it says
`All tests passed.` or what is wrong. A later cell that needs an exercise or an earlier cell says which.
"""

START = "### START CODE HERE ###"
END = "### END CODE HERE ###"
# A marker line holds the marker comment and nothing else (START may keep its "(≈ N lines of code)" hint):
# code on a marker line would be outside the region blanked out, and would reach the students.
START_LINE = re.compile(r"[ \t]*" + re.escape(START) + r"(?:[ \t]*\(≈ \d+ lines? of code\))?[ \t]*")
END_LINE = re.compile(r"[ \t]*" + re.escape(END) + r"[ \t]*")


def graded_name(cell):
    """The graded function a code cell defines ('# GRADED FUNCTION: name'), or None."""
    return assignment.graded_name(cell.source) if cell.cell_type == "code" else None


def blank_out(source, name):
    """The graded cell's source with each assignment between START and END turned into `target = None`."""
    lines = source.split("\n")
    for start, end in marker_pairs(lines, name):
        for i in range(start + 1, end):
            lines[i] = _blank_line(lines[i], name)
    return "\n".join(lines)


def marker_pairs(lines, name):
    """The (START, END) line indexes of each region; a ValueError if the markers are not well formed.

    Well formed: at least one region, each START followed by its END before the next START (no END
    first, no nesting or overlap), and each marker alone on its line.
    """
    markers = []
    for number, line in enumerate(lines, start=1):
        if START not in line and END not in line:
            continue
        is_start = START in line
        if not (START_LINE if is_start else END_LINE).fullmatch(line):
            raise ValueError(f"graded cell {name}: line {number} should hold only the marker comment: "
                             f"{line.strip()!r}")
        markers.append((number - 1, is_start))
    kinds = [is_start for _, is_start in markers]
    if not markers or kinds != [True, False] * (len(markers) // 2):
        order = ", ".join("START" if kind else "END" for kind in kinds) or "none"
        raise ValueError(f"graded cell {name}: expected '{START}' / '{END}' pairs, each START before its END "
                         f"and not overlapping; found, in order: {order}")
    return [(markers[i][0], markers[i + 1][0]) for i in range(0, len(markers), 2)]


def _blank_line(line, name):
    """`target = expression` becomes `target = None`; a blank line stays; anything else is an error."""
    code = line.strip()
    if not code:
        return line
    try:
        statement, = ast.parse(code).body
    except (SyntaxError, ValueError):
        statement = None
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        raise ValueError(f"graded cell {name}: cannot blank out a line that is not one assignment: {code!r}")
    indent = line[:len(line) - len(line.lstrip())]
    return f"{indent}{ast.get_source_segment(code, statement.targets[0])} = None"


def clear_outputs(cell):
    """Remove a code cell's outputs, its execution count and the timings of its last run."""
    cell.outputs = []
    cell.execution_count = None
    cell.metadata.pop("execution", None)


def make_student_notebook(solution):
    """The student version of a solution notebook (a NotebookNode, which is left unchanged)."""
    student = nbformat.from_dict(solution)       # a deep copy
    names = []
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        name = graded_name(cell)
        if name:
            cell.source = blank_out(cell.source, name)
            names.append(name)
        clear_outputs(cell)
    if not names:
        raise ValueError("the solution notebook has no graded cells")
    nbformat.validate(student)
    return student


def student_text(solution_path=SOLUTION):
    """The exact text of the student notebook made from the solution notebook at solution_path."""
    solution = nbformat.read(solution_path, as_version=4)
    return nbformat.writes(make_student_notebook(solution)) + "\n"


def explorer_text(explorer_path=EXPLORER):
    """The explorer as students get it: its code cells without outputs, and without the widget state."""
    explorer = nbformat.read(explorer_path, as_version=4)
    for cell in explorer.cells:
        if cell.cell_type == "code":
            clear_outputs(cell)
    explorer.metadata.pop("widgets", None)
    return nbformat.writes(explorer) + "\n"


def write_bundle(directory, text):
    """Write the student notebook, the explorer, the helper modules they import, requirements.txt and a
    README into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Initialization.ipynb").write_text(text, encoding="utf-8")
    (directory / assignment.EXPLORER).write_text(explorer_text(), encoding="utf-8")
    for helper in HELPERS + ("requirements.txt",):
        shutil.copy(ROOT / helper, directory / helper)
    (directory / "README.md").write_text(BUNDLE_README, encoding="utf-8")


def main(argv=None):
    """Write (or, with --check, compare) the student notebook; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if student/Initialization.ipynb is not up to date")
    parser.add_argument("--bundle", type=Path, metavar="DIR",
                        help="also write the notebook, the files it needs beside it (assignment.HELPER_FILES), "
                             "requirements.txt and a README (how to start) into DIR, to hand out")
    args = parser.parse_args(argv)
    try:
        text = student_text()
    except ValueError as error:
        print(f"make_student_version: {error}", file=sys.stderr)
        return 1
    made = {STUDENT: text, STUDENT_EXPLORER: explorer_text()}
    if args.check:
        for path, wanted in made.items():
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != wanted:
                print(f"{path.relative_to(ROOT)} is out of date: run python -m tools.make_student_version",
                      file=sys.stderr)
                return 1
        return 0
    STUDENT.parent.mkdir(exist_ok=True)
    for path, wanted in made.items():
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    if args.bundle:
        write_bundle(args.bundle, text)
        print(f"wrote {args.bundle}/ (notebook, {assignment.EXPLORER}, {', '.join(HELPERS)}, requirements.txt, "
              "README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
