"""Grade submissions of the Initialization lesson.

    python grade.py SUBMISSION.ipynb [--json]          # one submission: a report, or one JSON object
    python grade.py FOLDER [--csv FILE] [--json] [--jobs N]   # every .ipynb in FOLDER: a summary table

Grading a submission takes two steps, and runs none of the submitted code in this process:

1. Public tests. The source of each graded cell ("# GRADED FUNCTION: name") is taken from the
   submission (its stored outputs are ignored) and run in a sandboxed child process of its own, in a
   directory holding copies of the helper files (assignment.HELPER_FILES), with a time limit.
   The child calls the function on public_tests' fixed calls and hands back what came out, as data;
   public_tests.diagnose_outcomes, run here, names what is wrong, if anything. A function that does not compile,
   raises or never returns fails alone; the others are graded as usual.
2. The notebook. The submitted graded cells replace those of a copy of the reference notebook,
   Initialization.ipynb, which strict nbval then runs (pytest outside the sandbox, the kernel in it,
   unable to read the stored outputs): every downstream output must come back as stored, and the cells that differ are
   named. By default this step (about 30 s) runs only when all three functions passed step 1:
   otherwise the submission has failed already, and the differences would only repeat it.
   --notebook always / never changes that.

The score is the number of graded functions that pass their public tests (out of 3). The notebook
check does not add to it: it is a second line of defence, and its verdict is in the report, the
JSON and the exit code, for a person to look at. A function can pass the tests yet change the
notebook (for example by printing), and stored outputs can differ on an unusual machine: neither
should cost points without someone looking.

Exit code: 0 if everything checked passed, 1 if anything failed, 2 when the submission cannot be
graded or for a usage problem (a missing file, a file that is not a notebook, a notebook without
graded cells, a bad option).

IPython syntax in a graded cell (`%matplotlib inline`, `!ls`) is turned into Python by IPython's own
transformer before step 1 compiles it; the magics and shell commands themselves do nothing there.

When grade.py stops (a time limit, Ctrl-C, SIGTERM or SIGHUP), it kills its child processes and
everything they started, a Jupyter kernel in a session of its own included; what the submissions
wrote lived in tmpfs mounts of grade.py's own mount namespace, which vanish with it.

Everything a submission runs (the step-1 children, the notebook's Jupyter kernel) runs in a
bubblewrap sandbox when `bwrap` works here: never as root (started as root, grade.py drops to the
user grade-sandbox, or nobody), its own PID namespace, no network, kernel settings read-only, a
read-only view of Python, one writable tmpfs of fixed size of its own, a memory limit (--memory). The
verdicts are computed in this process, from data the children hand back. Without bwrap the children
are plain processes, and the report says so. --jobs N grades N submissions of a folder at once. What
the sandbox promises, and the tests of each promise: docs/grading.md. The code is in grader/.
"""

import sys

from grader import space

if __name__ == "__main__":
    space.enter()                       # first, while this process has one thread: numpy's BLAS starts more
    from grader.cli import main
    sys.exit(main())
