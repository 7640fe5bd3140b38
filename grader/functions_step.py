"""Step 1: the public tests, one sandboxed child per graded function, verdicts computed here.

Each graded cell runs in a child of its own (child.py) in a sandbox of its own, whose box holds copies
of the helper files, child.py and protocol.py. The child records what the function returned on the
fixed calls of public_tests.call_plan; this process reads that data (protocol.read_result) and runs
public_tests.diagnose_outcomes on it. A cell that does not compile, raises, never returns, runs out of
memory or space, hands back a malformed result or none fails alone; the others are graded as usual.
"""

import json
import sys
from pathlib import Path

import public_tests

from . import box as box_module
from . import protocol, sandbox
from . import space as space_module


def check_function(name, source, parent, settings):
    """Run the public tests on one graded function: {"passed": ..., "messages": [...]}."""
    if source is None:
        return {"passed": False, "messages": [f"the submission has no cell marked '# GRADED FUNCTION: {name}'"]}
    if not is_text(source):
        return {"passed": False, "messages": ["the graded cell holds characters that are not text (a lone "
                                              "surrogate such as \\ud800): it cannot be run or saved"]}
    workdir = Path(parent) / name
    workdir.mkdir()
    plan = public_tests.call_plan(name)
    stderr = workdir / "stderr.txt"             # outside the sandbox: the child cannot replace it
    with space_module.space(workdir, box_module.SPACE_DIRS, sandbox.owner()) as space:
        box = box_module.fill_box(space, files=("child.py", "protocol.py"))
        (box / "job.json").write_text(json.dumps({"name": name, "setup": settings.setup, "source": source,
                                                  "plan": plan}), encoding="utf-8")
        code = box_module.run_in_box([sys.executable, "-I", "{box}/child.py"], space, settings, settings.timeout,
                                     stderr=stderr, env_extra={"MPLBACKEND": "Agg"})
        data = None if code is None else sandbox.read_bounded(box / "result.json", protocol.MAX_RESULT_BYTES)
    sandbox_error = sandbox.failed_to_start(stderr)
    if sandbox_error and data is None:
        raise sandbox.SandboxFailed(sandbox_error)
    if code is None:
        messages = [f"the checks did not finish within {settings.timeout:g} s (an endless loop?)"]
    else:
        messages = messages_from(name, data, plan, code, stderr, settings.memory)
    return {"passed": not messages, "messages": messages}


def is_text(source):
    """True if source can be written as UTF-8 (JSON can carry lone surrogates, which cannot)."""
    try:
        source.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def why_no_result(code, stderr, memory):
    """Why a child ended without a result, from its exit code and the end of its stderr."""
    detail = sandbox.tail(stderr)
    limit = f"the limit is {memory / 2**30:g} GiB per process, grade.py --memory"
    if "MemoryError" in detail:
        return f"it ran out of memory ({limit}): {detail}"
    if code in (137, -9):
        return f"it was killed (exit code {code}), most likely for using too much memory ({limit})"
    if "No space left on device" in detail or "[Errno 28]" in detail:
        return (f"it used up its writable space ({space_module.SPACE_BYTES // 2**20} MiB and "
                f"{space_module.SPACE_INODES} files in all): {detail}")
    return f"exit code {code}" + (f": {detail}" if detail else "")


def messages_from(name, data, plan, code, stderr, memory):
    """The diagnosis of a child's result bytes (None: no result), or why there is none."""
    try:
        status, details = protocol.read_result(data, plan)
    except protocol.MalformedResult as error:
        if data is None:
            return [f"the process running the checks stopped without a result: {why_no_result(code, stderr, memory)}"]
        return [f"the process running the checks handed back a malformed result (the submitted code may have "
                f"tampered with it): {error}"]
    if status == "syntax_error":
        line = f" (line {details['line']}: {details['text']})" if details["text"] else ""
        return [f"the graded cell does not compile: SyntaxError: {details['error']}{line}"]
    if status == "cell_raised":
        return [f"running the graded cell raised {details['type']}: {details['message']}"]
    if status == "no_function":
        return [f"the graded cell does not define a function named {name}"]
    return public_tests.diagnose_outcomes(name, lambda dims, seed: details[(tuple(dims), seed)])
