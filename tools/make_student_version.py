"""Make the notebook students receive, student/Initialization.ipynb, from the solution notebook.

    python tools/make_student_version.py               # (re)write student/Initialization.ipynb
    python tools/make_student_version.py --check       # exit 1 if the committed copy is out of date
    python tools/make_student_version.py --bundle DIR  # also write DIR/ with the notebook and its helpers

What changes, and nothing else:
- In each graded cell (one that starts with "# GRADED FUNCTION: name"), every line between
  "### START CODE HERE ###" and "### END CODE HERE ###" is an assignment; its right-hand side
  becomes None (`parameters['W' + str(l)] = None`). The START line keeps its "(≈ N lines of
  code)" hint. A line in that region that is not a plain assignment stops the script with an
  error, so that no piece of a solution can slip through unnoticed.
- Every code cell loses its outputs and execution count, and the timing metadata of its last
  run. All of them, not only those after the first graded cell: the outputs that follow a
  graded cell were produced by the solution (they would give answers away, and would not be what
  the student's code produces); the few before it would leave a half-run notebook, which
  confuses more than it helps; the student runs the notebook from the top anyway; and the
  expected values a student compares with are in the "Expected output" text cells, which stay.
  Without the solution's figures the file is also a fraction of the size.
The prose, the expected-output cells and the calls to the public tests stay as they are. The
output is a pure function of the solution notebook, so it is byte-for-byte reproducible.
"""

import argparse
import ast
import re
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "Initialization.ipynb"
STUDENT = ROOT / "student" / "Initialization.ipynb"
HELPERS = ("init_utils.py", "public_tests.py")      # the files a student needs beside the notebook

GRADED = re.compile(r"^# GRADED FUNCTION: (\w+)", re.MULTILINE)
START = "### START CODE HERE ###"
END = "### END CODE HERE ###"


def graded_name(cell):
    """The graded function a code cell defines ('# GRADED FUNCTION: name'), or None."""
    match = GRADED.search(cell.source) if cell.cell_type == "code" else None
    return match.group(1) if match else None


def blank_out(source, name):
    """The graded cell's source with each assignment between START and END turned into `target = None`."""
    lines = source.split("\n")
    starts = [i for i, line in enumerate(lines) if START in line]
    ends = [i for i, line in enumerate(lines) if END in line]
    if not starts or len(starts) != len(ends):
        raise ValueError(f"graded cell {name}: expected matching '{START}' / '{END}' lines")
    for start, end in zip(starts, ends):
        for i in range(start + 1, end):
            lines[i] = _blank_line(lines[i], name)
    return "\n".join(lines)


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


def write_bundle(directory, text):
    """Write the student notebook and the helper modules it imports into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Initialization.ipynb").write_text(text, encoding="utf-8")
    for helper in HELPERS:
        shutil.copy(ROOT / helper, directory / helper)


def main(argv=None):
    """Write (or, with --check, compare) the student notebook; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if student/Initialization.ipynb is not up to date")
    parser.add_argument("--bundle", type=Path, metavar="DIR",
                        help="also write the notebook, init_utils.py and public_tests.py into DIR, to hand out")
    args = parser.parse_args(argv)
    try:
        text = student_text()
    except ValueError as error:
        print(f"make_student_version: {error}", file=sys.stderr)
        return 1
    if args.check:
        current = STUDENT.read_text(encoding="utf-8") if STUDENT.exists() else None
        if current != text:
            print(f"{STUDENT.relative_to(ROOT)} is out of date: run python tools/make_student_version.py",
                  file=sys.stderr)
            return 1
        return 0
    STUDENT.parent.mkdir(exist_ok=True)
    STUDENT.write_text(text, encoding="utf-8")
    print(f"wrote {STUDENT.relative_to(ROOT)}")
    if args.bundle:
        write_bundle(args.bundle, text)
        print(f"wrote {args.bundle}/ (notebook, {', '.join(HELPERS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
