"""Runs in the sandbox, for one graded function: python child.py (in its own directory).

That directory holds copies of the helper files (assignment.HELPER_FILES) and protocol.py, and job.json:
{"name": ..., "setup": the notebook's import cell, "source": the graded cell, "plan": the calls}.
The child runs the import cell, then the graded cell, calls the function on each call of the plan
and writes what happened to result.json as data (see protocol.py). It computes no verdict: the
submitted code runs in this process and could change anything here, so grade.py reads the data and
diagnoses it itself.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))      # absolute: the graded cell may os.chdir
sys.path.insert(0, HERE)


class Shell:
    """Stands in for IPython's shell: magics and shell commands do nothing here."""

    def run_line_magic(self, *args, **kwargs):
        pass

    def run_cell_magic(self, *args, **kwargs):
        pass

    def system(self, *args, **kwargs):
        pass

    getoutput = system


def transformed(source):
    """source with IPython syntax (%magic, !command) turned into Python, as IPython would."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:                   # no IPython, or a cell it cannot transform: compile it as it is
        return source


def run(job):
    """The result of the job, as protocol data.

    The modules that record the outcomes are imported before the submitted cell runs, so that a cell
    replacing their files finds them loaded already. Nothing more is attempted against a cell that
    patches this process: whatever it makes the child write is only data, which grade.py checks.
    """
    import protocol

    import public_tests
    run_call, to_json = public_tests.run_call, protocol.outcome_to_json
    namespace = {"__name__": "__main__", "get_ipython": Shell}
    exec(compile(job["setup"], "<notebook imports>", "exec"), namespace)
    try:
        code = compile(transformed(job["source"]), "<graded cell>", "exec")
    except SyntaxError as error:
        return {"status": "syntax_error", "error": str(error.msg)[:1000], "line": error.lineno,
                "text": error.text.strip()[:1000] if error.text else None}
    try:
        exec(code, namespace)
    except Exception as error:
        return {"status": "cell_raised", "type": type(error).__name__[:1000], "message": str(error)[:1000]}
    function = namespace.get(job["name"])
    if not callable(function):
        return {"status": "no_function"}
    return {"status": "ran", "outcomes": [to_json(run_call(function, dims, seed)) for dims, seed in job["plan"]]}


def main():
    """Run job.json, write result.json."""
    with open(os.path.join(HERE, "job.json"), encoding="utf-8") as f:
        job = json.load(f)
    result = run(job)
    with open(os.path.join(HERE, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
