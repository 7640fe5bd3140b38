"""Step 1: the public tests, one sandboxed child per graded function, verdicts computed here.

Each graded cell runs in a child of its own (child.py) in a fresh directory holding copies of
init_utils.py, public_tests.py (with circles.npz) and protocol.py. The child records what the function returned on the
fixed calls of public_tests.call_plan; this process reads that data (protocol.read_result) and runs
public_tests.diagnose_outcomes on it. A cell that does not compile, raises, never returns, hands
back a malformed result or none fails alone; the other functions are graded as usual.
"""

import json
import os
import shutil
import sys
from pathlib import Path

import public_tests

from . import protocol, sandbox

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
HELPERS = ("init_utils.py", "public_tests.py", "circles.npz")   # circles.npz: the data, as students have it
INSIDE = "/grading"                 # where a child's directory is, in the sandbox


def threads(settings):
    """The variables that keep a child on one thread when several submissions are graded at once."""
    return {"INIT_UTILS_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"} if settings.single_threaded else {}


def sandbox_environment(settings, **extra):
    """The whole environment inside the sandbox: nothing of ours passes but these variables."""
    return {"HOME": "/tmp", "TMPDIR": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "MALLOC_ARENA_MAX": "2",
            **threads(settings), **extra}


def host_environment(settings, **extra):
    """The environment of a child outside the sandbox: ours, without settings that change its run."""
    unwanted = ("PYTEST_ADDOPTS", "PYTHONSTARTUP", "MPLBACKEND", "PYTHONPATH")
    return {**{k: v for k, v in os.environ.items() if k not in unwanted}, **threads(settings), **extra}


def prepare_box(box, files=()):
    """Create the directory box holding copies of the helper modules (and of files, from this package)."""
    box.mkdir(parents=True)
    for name in HELPERS:
        shutil.copy(ROOT / name, box / name)
    for name in files:
        shutil.copy(HERE / name, box / name)
    mplconfig = box / ".matplotlib"                 # a private matplotlib cache, seeded with ours
    mplconfig.mkdir()
    for cache in font_caches():
        shutil.copy(cache, mplconfig / cache.name)
    return box


def font_caches():
    """Matplotlib's font list files of the grader's user, if any (so children do not rebuild them)."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    try:
        return [path for path in Path(base).glob("fontlist-*.json") if path.is_file()]
    except OSError:
        return []


def run_in_box(command, box, settings, timeout, stdout=None, stderr=None, env_extra=None, binds=()):
    """Run command (whose paths are as seen in the sandbox) with box as its writable working directory."""
    sandboxed = sandbox.mode() == "bubblewrap"
    inside = INSIDE if sandboxed else str(box)
    extra = {"MPLCONFIGDIR": f"{inside}/.matplotlib", **(env_extra or {})}
    env = sandbox_environment(settings, **extra) if sandboxed else host_environment(settings, **extra)
    command = [part.replace("{box}", inside) for part in command]
    if sandboxed:
        command = sandbox.wrap(command, [(box, INSIDE), *binds], chdir=INSIDE, env=env)
    with sandbox.cgroups(settings.memory) as groups:
        return sandbox.run_child(sandbox.limited(command, settings.memory, cgroups=groups), box, timeout, env,
                                 stdout, stderr)


def check_function(name, source, parent, settings):
    """Run the public tests on one graded function: {"passed": ..., "messages": [...]}."""
    if source is None:
        return {"passed": False, "messages": [f"the submission has no cell marked '# GRADED FUNCTION: {name}'"]}
    workdir = Path(parent) / name
    box = prepare_box(workdir / "box", files=("child.py", "protocol.py"))
    plan = public_tests.call_plan(name)
    (box / "job.json").write_text(json.dumps({"name": name, "setup": settings.setup, "source": source,
                                              "plan": plan}))
    stderr = workdir / "stderr.txt"             # outside the box: the child cannot replace it
    code = run_in_box([sys.executable, "-I", "{box}/child.py"], box, settings, settings.timeout,
                      stderr=stderr, env_extra={"MPLBACKEND": "Agg"})
    if code is None:
        messages = [f"the checks did not finish within {settings.timeout:g} s (an endless loop?)"]
    else:
        messages = messages_from(name, sandbox.read_bounded(box / "result.json", protocol.MAX_RESULT_BYTES),
                                 plan, code, stderr, settings.memory)
    return {"passed": not messages, "messages": messages}


def messages_from(name, data, plan, code, stderr, memory):
    """The diagnosis of a child's result bytes (None: no result), or why there is none."""
    try:
        status, details = protocol.read_result(data, plan)
    except protocol.MalformedResult as error:
        if data is None:
            detail = sandbox.tail(stderr)
            if "MemoryError" in detail:
                detail = f"out of memory (the limit is {memory / 2**30:g} GiB): {detail}"
            return [f"the process running the checks stopped without a result (exit code {code})"
                    + (f": {detail}" if detail else "")]
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
