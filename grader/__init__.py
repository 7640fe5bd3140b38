"""The graders' kit behind grade.py, one module per concern.

- sandbox.py: running a command for a submission (bubblewrap, or plain processes as a fallback),
  with memory and output limits (limits.py), and killing everything it started.
- space.py: the unprivileged user submissions run as, and the sized tmpfs each sandbox writes in.
- box.py: a sandbox's working directory, its files and environment.
- submission.py: reading a submission's graded cells, in bounded time and memory.
- protocol.py: what the sandboxed child may hand back (data only), and its validation.
- child.py: the code that runs a graded cell in the sandbox and records the calls' outcomes.
- functions_step.py: step 1, the public tests; the verdicts are public_tests' checks run here, on data.
- notebook_step.py (+ nbval_conftest.py): step 2, strict nbval with the kernel in the sandbox.
- report.py: the text report, the table, the CSV, with submitted text escaped.
- cli.py: the command line, one submission or a folder (--jobs).
"""
