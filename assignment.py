"""What the assignment is, defined once for the lesson's checks, the grader, the tools and the tests.

- GRADED_FUNCTIONS: the functions students write, in the lesson's order, each with its exercise number.
- A graded cell is a code cell with a comment line "# GRADED FUNCTION: name" (graded_name finds it).
- HELPER_FILES: the files a copy of the notebook needs beside it (the student bundle, the grader's
  sandbox, the nbgrader release), this one included.
- EXPLORER: the interactive explorer, a supporting notebook handed out beside the lesson (student/, the
  student bundle, the nbgrader release); it is not graded, and the grader skips it in a folder.
"""

import re

GRADED_FUNCTIONS = {"initialize_parameters_zeros": 1, "initialize_parameters_random": 2,
                    "initialize_parameters_he": 3}
GRADED = tuple(GRADED_FUNCTIONS)
MARKER = "# GRADED FUNCTION:"
# Linear in the length of the text: [ \t]* cannot run across lines (a \s* could, and then a cell of many
# blank lines takes quadratic time to search).
GRADED_CELL = re.compile(r"^[ \t]*#[ \t]*GRADED FUNCTION:[ \t]*(\w+)", re.MULTILINE)
HELPER_FILES = ("assignment.py", "init_utils.py", "init_checks.py", "init_data.py", "init_plots.py", "init_lab.py",
                "init_explore.py", "public_tests.py", "circles.npz")
EXPLORER = "Explore.ipynb"


def graded_name(source):
    """The name in the first "# GRADED FUNCTION: name" line of a cell's source, or None."""
    match = GRADED_CELL.search(source)
    return match.group(1) if match else None


def defines(source, name):
    """True if source has a line `def name(` (at any indentation): the cell defines that function."""
    return re.search(rf"^[ \t]*def[ \t]+{re.escape(name)}[ \t]*\(", source, re.MULTILINE) is not None
