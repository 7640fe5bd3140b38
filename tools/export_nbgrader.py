"""Write the lesson into an nbgrader course as a *source* assignment, ready for `nbgrader generate_assignment`.

    python -m tools.export_nbgrader COURSE_DIR                      # writes COURSE_DIR/source/initialization/
    python -m tools.export_nbgrader COURSE_DIR --assignment ps3 --points 2 --force

What lands in COURSE_DIR/source/NAME/: Initialization.ipynb with nbgrader's cell metadata (schema 3), and
the files it needs beside it (assignment.HELPER_FILES), which nbgrader copies into the release.
- Each graded cell (assignment.GRADED_CELL, "# GRADED FUNCTION: name") becomes an autograded answer cell:
  the lines between "### START CODE HERE ###" and "### END CODE HERE ###" are wrapped in "### BEGIN SOLUTION" /
  "### END SOLUTION", so that nbgrader's ClearSolutions blanks them in the release.
- Each cell that calls a public test ("name_test(name)") becomes an autograded test cell worth --points:
  it keeps the visible call, which prints the diagnoses, and adds after it an assert on public_tests.diagnose
  (nbgrader takes the points away only when a test cell raises), then hidden cases between
  "### BEGIN HIDDEN TESTS" / "### END HIDDEN TESTS": other layers_dims, checked against the formula
  written out in float64, which ClearHiddenTests removes from the release.
- Every other cell, prose and code, becomes read-only: nbgrader restores its source when it autogrades.
nbgrader replaces a solution region with one code stub per course (ClearSolutions.code_stub). So that the
release blanks exactly what student/Initialization.ipynb blanks, the stub is taken from the student
version that tools.make_student_version makes, and written to COURSE_DIR/nbgrader_config.py when the
course has none; when it has one, the script prints the line to add. The stub applies to every
assignment of the course.
Exit codes: 0 written, 2 a usage problem (one line on stderr, nothing written).
"""

import argparse
import math
import re
import shutil
import sys
from pathlib import Path

import nbformat

from tools import make_student_version as student_version

ROOT = student_version.ROOT
HELPERS = student_version.HELPERS
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# nbgrader finds its delimiters anywhere in a line, in any cell: the lesson must not contain them already.
NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
ASSIGNMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
SCHEMA_VERSION = 3

# The weights each graded function must return for layer l, written out independently of init_utils and
# public_tests: rng is numpy.random.RandomState(3), n_prev = layers_dims[l-1], n = layers_dims[l].
HIDDEN_WEIGHTS = {
    "initialize_parameters_zeros": ("numpy.zeros((n, n_prev))", "zeros((n, n_prev))"),
    "initialize_parameters_random": ("rng.randn(n, n_prev) * 10.0", "rng.randn(n, n_prev) * 10"),
    "initialize_parameters_he": ("rng.randn(n, n_prev) * numpy.sqrt(2.0 / n_prev)",
                                 "rng.randn(n, n_prev) * sqrt(2 / n_prev)"),
}
# Not among the public tests' layers_dims; fan-in differs from fan-out in every layer, so a scale taken
# from the wrong layer fails.
HIDDEN_LAYERS_DIMS = ([4, 1, 3], [6, 2, 5, 3, 1])

HIDDEN_TEMPLATE = '''\
def _hidden_tests(function):
    """Other layers_dims, against the formula {formula} in float64."""
    import numpy
    for dims in {dims!r}:
        rng = numpy.random.RandomState(3)
        call = f"{name}({{dims}})"
        got = function(list(dims))
        assert isinstance(got, dict), f"{{call}} returned {{type(got).__name__}}, not a dict"
        keys = {{k + str(l) for l in range(1, len(dims)) for k in "Wb"}}
        assert set(got) == keys, f"{{call}} returned the keys {{sorted(got)}}, expected {{sorted(keys)}}"
        for l in range(1, len(dims)):
            n_prev, n = dims[l - 1], dims[l]
            expected = {{"W": {expression}, "b": numpy.zeros((n, 1))}}
            for k, value in expected.items():
                array, where = numpy.asarray(got[k + str(l)]), f"{{call}}: {{k}}{{l}}"
                assert array.shape == value.shape, f"{{where}} has shape {{array.shape}}, not {{value.shape}}"
                assert array.dtype == numpy.float64, f"{{where}} has dtype {{array.dtype}}, not float64"
                assert numpy.allclose(array, value, rtol=1e-10, atol=0), f"{{where}} has wrong values"


_hidden_tests({name})
del _hidden_tests'''


class UsageError(Exception):
    """A problem with the command line or its inputs: reported in one line, exit code 2."""


def nbgrader_metadata(grade_id, solution=False, grade=False, locked=False, points=None):
    """The cell metadata nbgrader reads (schema version 3)."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def tested_name(cell, names):
    """The graded function whose public test a code cell calls ("name_test(name)"), or None."""
    if cell.cell_type != "code":
        return None
    called = [name for name in names if re.search(rf"^\s*{name}_test\(\s*{name}\s*\)", cell.source, re.MULTILINE)]
    return called[0] if len(called) == 1 else None


def wrap_solution(source, name):
    """The graded cell's source with nbgrader's solution delimiters just inside each START / END pair."""
    lines = source.split("\n")
    pairs = student_version.marker_pairs(lines, name)          # a ValueError when the markers are malformed
    for start, end in reversed(pairs):
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        lines[end:end] = [indent + END_SOLUTION]
        lines[start + 1:start + 1] = [indent + BEGIN_SOLUTION]
    return "\n".join(lines)


def code_stub(student_sources):
    """The one stub that turns every solution region into the student version's blanks.

    student_sources: {name: source of the graded cell in the student version}. nbgrader writes its stub
    at the indentation of the "### BEGIN SOLUTION" line, which wrap_solution puts at the START line's.
    """
    stubs = {}
    for name, source in student_sources.items():
        lines = source.split("\n")
        for start, end in student_version.marker_pairs(lines, name):
            indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
            region = lines[start + 1:end]
            if not region or not all(line.startswith(indent) and line.strip() for line in region):
                raise UsageError(f"graded cell {name}: nbgrader cannot reproduce its blanks (a region that is "
                                 "empty, holds a blank line or is indented less than its START marker)")
            stubs.setdefault("\n".join(line[len(indent):] for line in region), []).append(name)
    if len(stubs) != 1:
        raise UsageError("nbgrader has one code stub per course, but the graded cells blank to different lines: "
                         + "; ".join(f"{', '.join(names)}: {stub!r}" for stub, names in stubs.items()))
    return next(iter(stubs))


def autograde_lines(name, points):
    """The lines a test cell gains: the assert that fails it, then the hidden cases."""
    expression, formula = HIDDEN_WEIGHTS[name]
    hidden = HIDDEN_TEMPLATE.format(name=name, dims=HIDDEN_LAYERS_DIMS, expression=expression, formula=formula)
    return [
        f"# Autograded ({points:g} point{'s' if points != 1 else ''}): the cell fails when the public tests find "
        "a problem.",
        "from public_tests import diagnose as _diagnose",
        f"_problems = _diagnose({name!r}, {name})",
        'assert not _problems, "\\n".join(_problems)',
        BEGIN_HIDDEN,
        *hidden.split("\n"),
        END_HIDDEN,
    ]


def test_source(source, name, points):
    """A public-test cell's source with autograde_lines right after the call to the public test.

    Right after it, so that the cell fails with the public tests' diagnoses before the lines that follow
    the call (which may use the function's result) can fail it with a less helpful error.
    """
    lines = source.split("\n")
    call = next(i for i, line in enumerate(lines) if re.match(rf"\s*{name}_test\(\s*{name}\s*\)", line))
    lines[call + 1:call + 1] = autograde_lines(name, points)
    return "\n".join(lines)


def nbgrader_notebook(solution, points):
    """(the source notebook for nbgrader, the code stub) from the lesson's solution notebook."""
    for index, cell in enumerate(solution.cells):
        found = [marker for marker in NBGRADER_MARKERS if marker in cell.source]
        if found:
            raise UsageError(f"cell {index} already contains nbgrader's delimiter {found[0]!r}")
    student = student_version.make_student_notebook(solution)   # ValueError: no graded cell, bad markers
    source = nbformat.from_dict(solution)
    names = [student_version.graded_name(cell) for cell in source.cells]
    graded = [name for name in names if name]
    unknown = [name for name in graded if name not in HIDDEN_WEIGHTS]
    if unknown:
        raise UsageError(f"graded function {unknown[0]} is not one of this lesson's ({', '.join(HIDDEN_WEIGHTS)})")
    duplicates = sorted({name for name in graded if graded.count(name) > 1})
    if duplicates:
        raise UsageError(f"more than one graded cell defines {', '.join(duplicates)}")
    tested = set()
    for index, (cell, name) in enumerate(zip(source.cells, names)):
        test = tested_name(cell, graded)
        if name:
            cell.source = wrap_solution(cell.source, name)
            meta = nbgrader_metadata(name, solution=True)
        elif test:
            if test in tested:
                raise UsageError(f"more than one cell calls {test}_test({test})")
            tested.add(test)
            cell.source = test_source(cell.source, test, points)
            meta = nbgrader_metadata(f"{test}_tests", grade=True, locked=True, points=points)
        else:
            meta = nbgrader_metadata(f"{cell.cell_type}_{index:02d}", locked=True)
        cell.metadata["nbgrader"] = meta
        cell.metadata.pop("execution", None)                 # the timings of the lesson's last run
    untested = [name for name in graded if name not in tested]
    if untested:
        raise UsageError(f"no cell calls the public test of {', '.join(untested)} (expected {untested[0]}_test("
                         f"{untested[0]}))")
    nbformat.validate(source)
    student_graded = {name: cell.source for cell in student.cells if (name := student_version.graded_name(cell))}
    solution_graded = {name: cell.source for cell in solution.cells if (name := student_version.graded_name(cell))}
    if student_graded == solution_graded:
        raise UsageError("its graded cells hold only blanks (`= None`): this is a student version; export the "
                         "solution notebook")
    return source, code_stub(student_graded)


def config_line(stub):
    """The nbgrader_config.py line that sets the code stub."""
    return f"c.ClearSolutions.code_stub = {{'python': {stub!r}}}"


def config_text(stub):
    """A course nbgrader_config.py holding the code stub."""
    return "\n".join([
        "# nbgrader configuration of this course (written by tools/export_nbgrader.py of the Initialization lesson).",
        "c = get_config()  # noqa: F821",
        "",
        "# What generate_assignment writes in place of each solution region: the blanks of the lesson's student",
        "# version. It applies to every assignment of the course.",
        config_line(stub),
        "",
    ])


def check_arguments(course, name, points, force):
    """Raise UsageError unless the course directory, the assignment name and the points are usable."""
    if not ASSIGNMENT_NAME.fullmatch(name):
        raise UsageError(f"assignment name {name!r}: use letters, digits, '_' and '-' (starting with a letter or "
                         "digit)")
    if not (math.isfinite(points) and points > 0):
        raise UsageError(f"--points must be a positive number; got {points:g}")
    if course.exists() and not course.is_dir():
        raise UsageError(f"{course} is not a directory")
    target = course / "source" / name
    if target.exists() and not force:
        raise UsageError(f"{target} already exists (--force replaces it)")


def read_notebook(path):
    """The notebook at path, or a UsageError saying why it cannot be read."""
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a notebook") from None
    except (ValueError, UnicodeDecodeError) as error:         # nbformat's NotJSONError is a ValueError
        raise UsageError(f"{path} is not a notebook ({str(error).splitlines()[0][:120]})") from None


def export(course, name="initialization", points=1.0, force=False, notebook=student_version.SOLUTION):
    """Write course/source/name/ (and course/nbgrader_config.py if missing); return the messages to print."""
    course = Path(course)
    check_arguments(course, name, points, force)
    points = int(points) if float(points).is_integer() else float(points)
    solution = read_notebook(notebook)
    try:
        source, stub = nbgrader_notebook(solution, points)
    except (ValueError, UsageError) as error:
        raise UsageError(f"{notebook}: {error}") from None
    target = course / "source" / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    nbformat.write(source, target / Path(notebook).name)
    for helper in HELPERS:
        shutil.copy(ROOT / helper, target / helper)
    # The explorer rides along as a supporting notebook: no graded cells, so nbgrader releases it as it is.
    (target / student_version.EXPLORER.name).write_text(student_version.explorer_text(), encoding="utf-8")
    messages = [f"wrote {target}/ ({Path(notebook).name}, {student_version.EXPLORER.name}, {', '.join(HELPERS)})"]
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(config_text(stub), encoding="utf-8")
        messages.append(f"wrote {config} (the code stub for the release)")
    elif config_line(stub) not in config.read_text(encoding="utf-8", errors="replace"):
        messages.append(f"{config} exists: add this line to it, or the release will show nbgrader's default "
                        f"stub instead of the lesson's blanks:\n    {config_line(stub)}")
    return messages


def main(argv=None):
    """Parse the command line, export, print what was written; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("course", type=Path, metavar="COURSE_DIR", help="the nbgrader course directory")
    parser.add_argument("--assignment", default="initialization", metavar="NAME",
                        help="the assignment's name in the course (default: initialization)")
    parser.add_argument("--points", type=float, default=1.0, help="points of each test cell (default: 1)")
    parser.add_argument("--force", action="store_true", help="replace source/NAME/ if it exists")
    parser.add_argument("--notebook", type=Path, default=student_version.SOLUTION,
                        help="the solution notebook (default: the repository's Initialization.ipynb)")
    args = parser.parse_args(argv)
    try:
        messages = export(args.course, args.assignment, args.points, args.force, args.notebook)
    except (UsageError, OSError) as error:
        print(f"export_nbgrader: {error}", file=sys.stderr)
        return 2
    print("\n".join(messages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
