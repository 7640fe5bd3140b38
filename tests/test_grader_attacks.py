"""grade.py against hostile submissions, written here as a student trying to cheat would write them.

Each attack edits the He cell of a copy of the solution notebook: most make the function wrong
(its draws multiplied by 0.5) and then try to hide it; a few leave it right and attack the grader
or the other submissions instead. One folder of them is graded once (module fixture, --jobs 2,
--notebook never); the notebook-step attack (replaying the stored outputs) has one run of its own.

Tests that need the sandbox skip where bubblewrap does not work (a laptop without it), saying so;
on CI (CI=true) they fail instead, since CI installs it.
"""

import csv
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_grade import GRADE, ROOT, grade, replace, submission

from grader import protocol, report, sandbox

MARKER = f"grader-attack-{uuid.uuid4().hex[:12]}"        # in the command line of every daemon started here
WRONG = replace("* np.sqrt(2 / layers_dims[l - 1])", "* 0.5")
RIGHT_HE = "initialize_parameters_he"


def needs_bwrap():
    """Skip (or fail, on CI) where bubblewrap does not work."""
    if sandbox.mode() != "bubblewrap":
        if os.environ.get("CI") == "true":
            pytest.fail("bubblewrap does not work on this CI machine; .ci/run should install it")
        pytest.skip("needs bubblewrap (apt install bubblewrap): grade.py falls back to plain processes here")


def before(code, edit=None):
    """An edit: put code (a string of lines) at the top of the He cell, then apply edit (if any)."""
    def apply(source):
        source = edit(source) if edit else source
        return code.rstrip("\n") + "\n" + source
    return apply


def in_function(code, edit=None):
    """An edit: run code at the start of each call of initialize_parameters_he."""
    def apply(source):
        source = edit(source) if edit else source
        indented = "".join("    " + line + "\n" for line in code.strip("\n").splitlines())
        return source.replace("    check_layers_dims(layers_dims)\n", indented + "    check_layers_dims(layers_dims)\n")
    return apply


DAEMON = f"""
import os, subprocess, sys
code = '''
import glob, os, sys, time
if os.fork():
    os._exit(0)
os.setsid()
end = time.time() + 120
patterns = ("/tmp/grade-*/*/*/public_tests.py", "/tmp/grade-*/*/public_tests.py",
            os.path.join(os.path.dirname(os.getcwd()), "*", "public_tests.py"))
while time.time() < end:          # rewrite the public_tests.py of every other grading it can reach
    for path in [path for pattern in patterns for path in glob.glob(pattern)]:
        try:
            open(path, "w").write("def diagnose(*a, **k): return []")
        except OSError:
            pass
    time.sleep(0.2)
'''
subprocess.Popen([sys.executable, "-c", code, "{MARKER}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""

REACH = """
import glob, os, time
mine = "reach-{me}-" + str(os.getpid())
for folder in ("/tmp", os.getcwd(), os.path.dirname(os.getcwd()), os.path.expanduser("~"), "/dev/shm"):
    try:
        open(os.path.join(folder, mine), "w").write("hello")
    except OSError:
        pass
end = time.time() + 6
folders = ("/tmp", "/dev/shm", os.path.dirname(os.getcwd()), os.path.expanduser("~"))
while time.time() < end:
    found = [path for folder in folders for depth in ("", "*", "*/*")
             for path in glob.glob(os.path.join(folder, depth, "reach-{other}-*"))]
    if found:
        raise RuntimeError("reached the other submission: " + found[0])
    time.sleep(0.3)
"""

FAKE_PUBLIC_TESTS = '''
import glob, os, sys
fake = "def diagnose(*args, **kwargs):\\n    return []\\n\\ndef run_call(*args, **kwargs):\\n    return None\\n"
for path in {"public_tests.py", *glob.glob("../*/public_tests.py"), *glob.glob("/grading/*.py")}:
    try:
        open(path, "w").write(fake)
    except OSError:
        pass
sys.modules.pop("public_tests", None)
'''

ATTACKS = {
    # function wrong, and trying to hide it
    "patched_diagnose.ipynb": before("import public_tests\npublic_tests.diagnose = lambda *a, **k: []\n"
                                     "public_tests.diagnose_outcomes = lambda *a, **k: []", WRONG),
    "patched_numpy.ipynb": before("np.allclose = np.array_equal = np.isclose = lambda *a, **k: True\n"
                                  "np.testing.assert_allclose = lambda *a, **k: None", WRONG),
    "lying_subclass.ipynb": before(
        "class Liar(np.ndarray):\n    __eq__ = lambda self, other: True\n    __ne__ = lambda self, other: False\n"
        "    def __array_function__(self, *args, **kwargs):\n        return True\n",
        lambda source: WRONG(source).replace("    return parameters",
                                             "    return {k: v.view(Liar) for k, v in parameters.items()}")),
    "replaced_public_tests.ipynb": before(FAKE_PUBLIC_TESTS, WRONG),
    "atexit_result.ipynb": before(
        "import atexit, json, os, sys\nresult = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "
        "'result.json')\natexit.register(lambda: open(result, 'w').write(json.dumps({'messages': []})))", WRONG),
    "patched_json.ipynb": before("import json\njson.dump = lambda obj, f, **k: f.write('{\"messages\": []}')\n"
                                 "json.dumps = lambda obj, **k: '{\"messages\": []}'", WRONG),
    "exit_after_result.ipynb": in_function(
        "import os, sys\nopen(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), 'result.json'), 'w')"
        ".write('{\"status\": \"ran\", \"outcomes\": []}')\nos._exit(0)", WRONG),
    "result_null.ipynb": in_function(
        "import os, sys\nopen(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), 'result.json'), 'w')"
        ".write('{\"messages\": null}')\nos._exit(0)", WRONG),
    "ansi.ipynb": in_function("raise ValueError('\\x1b[2K\\x1b[1Ginitialize_parameters_he passed\\n"
                              "\\x1b[32mScore: 3/3\\x1b[0m')"),
    "proc_fd.ipynb": before(
        "import os\nfor pid in os.listdir('/proc'):\n    for fd in ('1', '2'):\n        try:\n"
        "            open(f'/proc/{pid}/fd/{fd}', 'w').write('{\"score\": 3, \"max_score\": 3}\\n')\n"
        "        except Exception:\n            pass"),
    "stderr_flood.ipynb": before("import sys\nchunk = 'x' * 2**20\nfor _ in range(1024):\n"
                                 "    sys.stderr.write(chunk)"),
    "big_allocation.ipynb": before("hog = np.ones(2**30)  # 8 GiB"),
    "surrogate.ipynb": in_function("raise RuntimeError('bad \\udc80')"),        # not encodable in UTF-8
    "daemon.ipynb": before(DAEMON),
    "reach_a.ipynb": before(REACH.format(me="a", other="b")),
    "reach_b.ipynb": before(REACH.format(me="b", other="a")),
    # honest students
    "scratch_marker.ipynb": None,
    "chdir.ipynb": before("import os\nos.chdir('/')"),
    "UPPER.IPYNB": {},
    '=HYPERLINK("example.com").ipynb': {},
}


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    """The folder of attacks graded once: (exit code, JSON result, CSV rows by file name, stderr)."""
    needs_bwrap()
    folder = tmp_path_factory.mktemp("attacks")
    for name, edit in ATTACKS.items():
        if edit is None:
            continue
        submission(folder, name, **({RIGHT_HE: edit} if callable(edit) else {}))
    path = submission(folder, "scratch_marker.ipynb")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("# GRADED FUNCTION: initialize_parameters_he is the one above\n"
                                                    "print('scratch')"))
    nbformat.write(notebook, path)
    v3 = nbformat.read(submission(folder, "version3.ipynb"), as_version=4)
    nbformat.write(v3, folder / "version3.ipynb", version=3)
    os.mkfifo(folder / "pipe.ipynb")
    (folder / "folder.ipynb").mkdir()
    csv_path = folder.parent / f"{folder.name}.csv"
    run = subprocess.run([sys.executable, str(GRADE), str(folder), "--json", "--notebook", "never", "--jobs", "2",
                          "--csv", str(csv_path)], capture_output=True, text=True, timeout=900, cwd=folder.parent)
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return run.returncode, json.loads(run.stdout), rows, run.stderr


def he(folder_run, name):
    """The He function's outcome for one submission of the folder."""
    return folder_run[1]["submissions"][name]["functions"][RIGHT_HE]


@pytest.mark.parametrize("name", ["patched_diagnose.ipynb", "patched_numpy.ipynb", "lying_subclass.ipynb",
                                  "replaced_public_tests.ipynb", "atexit_result.ipynb", "patched_json.ipynb"])
def test_a_wrong_function_fails_whatever_the_cell_patches(folder_run, name):
    outcome = he(folder_run, name)
    assert not outcome["passed"]
    assert any("multiplied by 0.5" in message or "malformed" in message or "without a result" in message
               for message in outcome["messages"]), outcome
    assert folder_run[1]["submissions"][name]["score"] == 2


@pytest.mark.parametrize("name, fragment", [("exit_after_result.ipynb", "not one outcome per call"),
                                            ("result_null.ipynb", "no known status")])
def test_a_forged_result_file_is_a_failed_function_not_a_crash(folder_run, name, fragment):
    outcome = he(folder_run, name)
    assert outcome["messages"] == ["the process running the checks handed back a malformed result (the submitted "
                                   f"code may have tampered with it): {fragment}"]


def test_escape_sequences_in_messages_are_shown_not_run(folder_run):
    message = he(folder_run, "ansi.ipynb")["messages"][0]
    assert "\x1b" in message                                  # JSON keeps the text (escaped by json itself)
    result = folder_run[1]["submissions"]["ansi.ipynb"]
    text = report.format_report("ansi.ipynb", result)
    assert "\x1b" not in text and "\\x1b[32mScore: 3/3" in text and "\\x0a" in text
    assert text.splitlines()[-1] == "Score: 2/3  (not everything passed)"


def test_the_json_stream_holds_one_object_whatever_children_write(folder_run):
    assert he(folder_run, "proc_fd.ipynb") == {"passed": True, "messages": []}     # the parse in the fixture
    assert folder_run[1]["sandbox"] == "bubblewrap"
    assert folder_run[1]["limits"] in ("cgroup", "rlimits")


def test_output_floods_and_huge_allocations_fail_the_function_only(folder_run):
    flood = he(folder_run, "stderr_flood.ipynb")["messages"]       # Python ignores SIGXFSZ: write fails
    assert "File too large" in flood[0] or "stopped without a result" in flood[0], flood
    hog = he(folder_run, "big_allocation.ipynb")["messages"]
    assert hog[0].startswith("running the graded cell raised MemoryError"), hog


def test_no_process_survives_and_no_submission_reaches_another(folder_run):
    survivors = [pid for pid in os.listdir("/proc") if pid.isdigit() and MARKER in _cmdline(pid)]
    assert survivors == []
    submissions = folder_run[1]["submissions"]
    for name in ("daemon.ipynb", "reach_a.ipynb", "reach_b.ipynb"):
        assert submissions[name]["score"] == 3, submissions[name]
    assert not list(Path("/tmp").glob("reach-*")) and not list(Path("/dev/shm").glob("reach-*"))


def test_honest_oddities_pass(folder_run):
    for name in ("scratch_marker.ipynb", "chdir.ipynb", "UPPER.IPYNB", "version3.ipynb"):
        assert folder_run[1]["submissions"][name]["score"] == 3, folder_run[1]["submissions"][name]


def test_every_file_gets_a_row_and_csv_formulas_are_defused(folder_run):
    code, result, rows, _ = folder_run
    assert code == 1
    assert "not a regular file" in result["submissions"]["pipe.ipynb"]["error"]
    assert "is a directory: only regular files are graded" in result["submissions"]["folder.ipynb"]["error"]
    assert len(rows) == len(result["submissions"]) == len(ATTACKS) + 3
    formula = '=HYPERLINK("example.com").ipynb'
    assert rows["./" + formula]["score"] == "3"          # still names the file, and is no formula


def test_text_that_utf8_cannot_encode_reaches_the_csv_escaped(folder_run):
    assert folder_run[2]["surrogate.ipynb"]["messages"].endswith("RuntimeError: bad \\udc80")
    assert "Traceback" not in folder_run[3]


def test_a_file_name_that_is_not_utf8_gets_its_row(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"\xff.ipynb")).write_text("not a notebook")
    run = grade(folder, "--csv", str(tmp_path / "out.csv"), cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [row["submission"] for row in rows] == ["\\udcff.ipynb"] and "not a notebook" in rows[0]["error"]


def _cmdline(pid):
    """The command line of a process ('' if it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------
# Without the sandbox: orphans are still found and killed
# --------------------------------------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fallback's subreaper is Linux only")
def test_without_bubblewrap_a_daemon_is_still_killed(tmp_path):
    sleeper = DAEMON.replace("+ 120", "+ 30").replace("patterns = (", "patterns = () and (")     # no writes
    path = submission(tmp_path, "daemon.ipynb", **{RIGHT_HE: before(sleeper)})
    run = subprocess.run([sys.executable, str(GRADE), str(path), "--json", "--notebook", "never"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "GRADE_NO_SANDBOX": "1"})
    result = json.loads(run.stdout)
    assert result["sandbox"] == "none" and result["score"] == 3
    assert "sandbox: NONE" in report.format_report(path, result)
    time.sleep(0.5)
    assert [pid for pid in os.listdir("/proc") if pid.isdigit() and MARKER in _cmdline(pid)] == []


# --------------------------------------------------------------------------------------------
# The notebook step: the kernel cannot read the stored outputs to replay them
# --------------------------------------------------------------------------------------------

REPLAY = '''
import glob, json, os
from IPython import get_ipython
from IPython.display import publish_display_data

def _stored_notebooks():
    here = os.getcwd()
    patterns = [os.path.join(here, "*.ipynb"), os.path.join(os.path.dirname(here), "*", "*.ipynb"), "/tmp/*/*.ipynb"]
    for pattern in patterns:
        for path in glob.glob(pattern, recursive=True):
            try:
                notebook = json.load(open(path))
                if any(cell.get("outputs") for cell in notebook["cells"]):
                    return notebook
            except Exception:
                pass

_reference = _stored_notebooks()
if _reference is not None:
    _cells = {"".join(c["source"]).strip(): c.get("outputs", []) for c in _reference["cells"]
              if c["cell_type"] == "code"}

    class _Shown:
        def __init__(self, data):
            self.data = data
        def _repr_mimebundle_(self, include=None, exclude=None):
            return self.data

    def _replay(lines):
        outputs = _cells.get("".join(lines).strip())
        if outputs is None:
            return lines
        code = ["import sys", "from IPython.display import publish_display_data"]
        last = None
        for output in outputs:
            if output["output_type"] == "stream":
                code.append(f"sys.{output['name']}.write({''.join(output['text'])!r})")
            elif output["output_type"] == "display_data":
                code.append(f"publish_display_data({output['data']!r})")
            elif output["output_type"] == "execute_result":
                last = output["data"]
        code.append(f"_Shown({last!r})" if last is not None else "None")
        get_ipython().user_ns["_Shown"] = _Shown
        return [line + "\\n" for line in code]

    get_ipython().input_transformers_post.append(_replay)
'''


def test_the_kernel_cannot_replay_the_stored_outputs(tmp_path):
    """Garbage functions plus a transformer replacing every later cell by its stored outputs, if it can
    find them. Outside the sandbox this passes strict nbval; in it, the notebook must fail."""
    needs_bwrap()
    path = submission(tmp_path, "replay.ipynb", **{RIGHT_HE: before(REPLAY + DAEMON, WRONG)})
    run = grade(path, "--json", "--notebook", "always", cwd=tmp_path)
    result = json.loads(run.stdout)
    assert run.returncode == 1
    assert result["notebook"]["passed"] is False and result["notebook"]["differences"], result["notebook"]
    assert result["functions"][RIGHT_HE]["passed"] is False
    assert [pid for pid in os.listdir("/proc") if pid.isdigit() and MARKER in _cmdline(pid)] == []


# --------------------------------------------------------------------------------------------
# Usage errors: exit 2, one line
# --------------------------------------------------------------------------------------------

def _unknown_names_notebook():
    cell = nbformat.v4.new_code_cell("# GRADED FUNCTION: initialize_parameters_lecun\ndef f(): pass")
    return nbformat.writes(nbformat.v4.new_notebook(cells=[cell]))


USAGE = {
    "100 000-deep JSON": ("[" * 100000 + "]" * 100000, "not valid JSON"),
    "5 000-digit integer": ('{"nbformat": 4, "cells": [], "x": ' + "9" * 5000 + "}", "not valid JSON"),
    "unknown graded names": (_unknown_names_notebook(), "it names only initialize_parameters_lecun"),
}


@pytest.mark.parametrize("case", USAGE)
def test_hostile_files_are_usage_errors(case, tmp_path):
    content, fragment = USAGE[case]
    path = tmp_path / "x.ipynb"
    path.write_text(content)
    run = grade(path, cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and fragment in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_a_fifo_and_a_huge_cell_timeout_are_usage_errors(tmp_path):
    os.mkfifo(tmp_path / "pipe.ipynb")
    run = grade(tmp_path / "pipe.ipynb", cwd=tmp_path)
    assert run.returncode == 2 and "not a regular file" in run.stderr and run.stderr.count("\n") == 1
    run = grade(ROOT / "Initialization.ipynb", "--cell-timeout", "3000000", cwd=tmp_path)
    assert run.returncode == 2 and "at most 86400 seconds" in run.stderr and run.stderr.count("\n") == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to simulate a full disk")
def test_csv_on_a_full_disk_still_prints_the_report(tmp_path):
    run = grade(ROOT / "Initialization.ipynb", "--notebook", "never", "--csv", "/dev/full", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout.splitlines()[-1] == "Score: 3/3"
    assert run.stderr.startswith("grade.py: error: cannot write the CSV file /dev/full") and \
        run.stderr.count("\n") == 1


# --------------------------------------------------------------------------------------------
# What a child may hand back
# --------------------------------------------------------------------------------------------

PLAN = [([2, 4, 1], 1), ([2, 4, 1], 2)]
ARRAY = {"array": {"dtype": "float64", "kind": "f", "shape": [1, 2], "values": [1.0, 2.0]}}

MALFORMED = {
    "nothing": None,
    "not JSON": b"{",
    "deep nesting": b"[" * 100000 + b"]" * 100000,
    "huge integer": b'{"status": "ran", "outcomes": [' + b"9" * 5000 + b"]}",
    "old format": b'{"messages": []}',
    "null messages": b'{"messages": null}',
    "too few outcomes": json.dumps({"status": "ran", "outcomes": [{"other": "dict"}]}).encode(),
    "strings as values": json.dumps({"status": "ran", "outcomes": [{"dict": [["W1", True, {"array": {
        "dtype": "float64", "kind": "f", "shape": [1, 2], "values": ["1", "2"]}}]]}] * 2}).encode(),
    "fewer values than the shape": json.dumps({"status": "ran", "outcomes": [{"dict": [["W1", True, {"array": {
        "dtype": "float64", "kind": "f", "shape": [2, 2], "values": [1.0, 2.0]}}]]}] * 2}).encode(),
    "object dtype with values": json.dumps({"status": "ran", "outcomes": [{"dict": [["W1", True, {"array": {
        "dtype": "object", "kind": "?", "shape": [1], "values": [1]}}]]}] * 2}).encode(),
    "a dtype lying about its kind": json.dumps({"status": "ran", "outcomes": [{"dict": [["W1", True, {"array": {
        "dtype": "int64", "kind": "f", "shape": [1, 2], "values": [1.0, 2.0]}}]]}] * 2}).encode(),
    "negative shape": json.dumps({"status": "ran", "outcomes": [{"dict": [["W1", True, {"array": {
        "dtype": "float64", "kind": "f", "shape": [-1, 2], "values": None}}]]}] * 2}).encode(),
    "a key twice": json.dumps({"status": "ran", "outcomes": [{"dict": [["W1", True, ARRAY], ["W1", True, ARRAY]]}]
                               * 2}).encode(),
    "a long message": json.dumps({"status": "cell_raised", "type": "E", "message": "x" * 100000}).encode(),
    "too big": b" " * (protocol.MAX_RESULT_BYTES + 1),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_results_are_rejected(case):
    data = MALFORMED[case]
    if case == "too big":
        data = None                 # what sandbox.read_bounded gives for a file over the limit
    with pytest.raises(protocol.MalformedResult):
        protocol.read_result(data, PLAN)


def test_a_recorded_outcome_comes_back_as_the_same_data():
    import public_tests

    outcome = public_tests.describe({"W1": np.float32(2) * np.ones((2, 1), np.float32), "b1": None, 3: "x",
                                     "W2": np.arange(3), "b2": np.zeros((300, 2))})
    data = json.dumps({"status": "ran", "outcomes": [protocol.outcome_to_json(outcome)] * 2}).encode()
    status, outcomes = protocol.read_result(data, PLAN)
    back = outcomes[((2, 4, 1), 1)]
    assert status == "ran"
    assert back.key_labels == {"W1": "'W1'", "b1": "'b1'", "3": "3", "W2": "'W2'", "b2": "'b2'"}
    assert back["W1"].dtype == "float32" and back["W1"].values.dtype == np.float32
    assert back["W1"].values.tolist() == [[2.0], [2.0]]
    assert back["W2"].values.tolist() == [0, 1, 2] and back["W2"].kind == "i"
    assert back["b1"] == public_tests.Other("NoneType") and back["3"] == public_tests.Other("str")
    assert back["b2"] == public_tests.Array("float64", "f", (300, 2), None)


def test_report_escapes_and_csv_guard():
    assert report.escape("a\x1b[31mb\u202ec\rd") == "a\\x1b[31mb\\u202ec\\x0dd"
    assert [report.csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "pass", 3)] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "pass", 3]



# --------------------------------------------------------------------------------------------
# The sandbox's view
# --------------------------------------------------------------------------------------------

def test_inside_the_sandbox_the_repository_host_processes_and_network_are_gone(tmp_path):
    needs_bwrap()
    probe = ("import os, socket\n"
             f"print(os.path.exists({str(ROOT / 'Initialization.ipynb')!r}), os.path.exists({str(tmp_path)!r}))\n"
             "print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit())[:1], os.getpid() < 10)\n"
             "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\nexcept OSError:\n    print('offline')\n")
    command = sandbox.limited(sandbox.wrap([sys.executable, "-c", probe], [], chdir="/tmp", env={}), 0,
                              owner=sandbox.owner())
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.stdout.split("\n")[:3] == ["False False", "[1] True", "offline"], done.stdout + done.stderr


def in_sandbox(code):
    """What Python code prints, run in a sandbox as grade.py builds it (no limits but the user)."""
    command = sandbox.wrap([sys.executable, "-c", code], [], chdir="/tmp", env={"PATH": "/usr/bin:/bin"})
    command = sandbox.limited(command, 0, owner=sandbox.owner())
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_inside_the_sandbox_no_capability_is_left_and_the_venv_cannot_be_remounted():
    needs_bwrap()
    done = in_sandbox("import os, subprocess, sys\n"
                      "print([l for l in open('/proc/self/status') if l.startswith('CapEff')][0].strip())\n"
                      "mount = subprocess.run(['mount', '-o', 'remount,rw,bind', sys.prefix], capture_output=True)\n"
                      "print(mount.returncode != 0, os.access(sys.prefix, os.W_OK), os.getuid())")
    lines = done.stdout.splitlines()
    assert lines[0] == "CapEff:\t0000000000000000", done.stdout + done.stderr
    refused, writable, uid = lines[1].split()
    assert (refused, writable) == ("True", "False")
    if sandbox._PROBE.get("nobody"):
        assert uid == "65534"


def test_the_sandbox_tmp_is_bounded():
    needs_bwrap()
    done = in_sandbox("import errno\nwritten = 0\ntry:\n    for n in range(64):\n"          # files of 8 MiB
                      "        with open(f'/tmp/fill{n}', 'wb') as f:\n            for _ in range(8):\n"
                      "                f.write(bytes(2**20))\n                written += 1\n"
                      "except OSError as error:\n    print(error.errno == errno.ENOSPC, written)")
    full, written = done.stdout.split()
    assert full == "True" and 200 < int(written) <= 256, done.stdout + done.stderr      # MiB


def test_a_python_installation_under_tmp_stays_visible(tmp_path, monkeypatch):
    needs_bwrap()
    (tmp_path / "marker").write_text("seen")
    tmp_path.chmod(0o755)                   # as an installation is: readable by the sandbox's user
    paths = sandbox.python_paths()
    monkeypatch.setattr(sandbox, "python_paths", lambda: [*paths, str(tmp_path)])
    done = in_sandbox(f"print(open({str(tmp_path / 'marker')!r}).read())")
    assert done.stdout == "seen\n", done.stderr


def test_a_fork_bomb_stops_at_the_process_limit(tmp_path):
    needs_bwrap()
    forks = ("import os, time\nn = 0\ntry:\n    for n in range(1000):\n        if os.fork() == 0:\n"
             "            time.sleep(30)\n            os._exit(0)\nexcept OSError:\n    pass\nprint(n)")
    with sandbox.cgroups(2**30) as groups:
        if not any((Path(path) / "pids.max").exists() for path in groups):
            pytest.skip("no writable cgroup with a pids controller here: grade.py cannot bound the processes")
        command = sandbox.wrap([sys.executable, "-c", forks], [], chdir="/tmp", env={})
        command = sandbox.limited(command, 2**30, cgroups=groups, owner=sandbox.owner())
        code = sandbox.run_child(command, tmp_path, 60, {},
                                 tmp_path / "out", tmp_path / "err")
    assert code == 0 and 100 < int((tmp_path / "out").read_text()) < sandbox.PIDS_MAX, (tmp_path / "err").read_text()
    assert not any(Path(path).exists() for path in groups)


def test_the_memory_of_a_sandbox_is_bounded_as_a_whole(tmp_path):
    needs_bwrap()
    hog = "data = bytearray(400 * 2**20)\ndata[::4096] = b'x' * len(data[::4096])\nprint('allocated')"
    with sandbox.cgroups(300 * 2**20) as groups:         # the limit of the group, below each process's own
        if not any(Path(path, "memory.limit_in_bytes").exists() or Path(path, "memory.max").exists()
                   for path in groups):
            pytest.skip("no writable cgroup with a memory controller here: only per-process limits apply")
        command = sandbox.wrap([sys.executable, "-c", hog], [], chdir="/tmp", env={})
        command = sandbox.limited(command, 2**31, cgroups=groups, owner=sandbox.owner())
        code = sandbox.run_child(command, tmp_path, 60, {},
                                 tmp_path / "out", tmp_path / "err")
    assert code != 0 and (tmp_path / "out").read_text() == ""


def test_a_repository_under_a_bound_system_path_is_covered(monkeypatch):
    monkeypatch.setattr(sandbox, "ROOT", Path("/usr/local/src/course"))
    monkeypatch.setattr(sandbox, "python_paths", lambda: ["/usr/local/src/course/.venv", "/opt/python"])
    args = sandbox.wrap(["true"], [], chdir="/tmp", env={}, bwrap="bwrap")
    cover = args.index("--tmpfs", args.index("/usr"))
    assert args[cover + 1] == "/usr/local/src/course"
    assert args.index("/usr/local/src/course/.venv") > cover > args.index("/opt/python")
    assert args[cover - 2:cover] == ["--size", str(2**20)]          # sized, and then read-only: no place to write
    remount = [i for i in range(len(args) - 1) if args[i:i + 2] == ["--remount-ro", "/usr/local/src/course"]]
    assert remount and remount[0] > args.index("/usr/local/src/course/.venv")


@pytest.mark.parametrize("option", [["--jobs", "0"], ["--jobs", "two"], ["--memory", "1K"], ["--memory", "lots"],
                                    ["--timeout", "1e9"]])
def test_bad_jobs_memory_and_limits_are_usage_errors(option, tmp_path):
    run = grade(ROOT / "Initialization.ipynb", *option, cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == "" and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
