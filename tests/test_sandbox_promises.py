"""The sandbox's promises (docs/grading.md, "What the sandbox promises"), one test or more each, and the
attacks of the grader's second review: a write to a kernel setting, quadratic and memory-hungry
notebooks, text that cannot be saved, deep trees, full spaces and disks, links, and the messages an
honest grader reads. CI runs them as root, as many course servers run grade.py.
"""

import csv
import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_grade import GRADE, ROOT, grade, submission
from test_grader_attacks import RIGHT_HE, before, needs_bwrap

from grader import box, cli, functions_step, sandbox, space
from grader import submission as submission_module

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="this attack matters, and is set up, when grade.py is root")


def run_like_step_1(code, tmp_path, timeout=120):
    """Run Python code as step 1 runs a graded cell (user, sandbox, space, limits): (exit code, its output,
    the host's owner of the file "mine" it may write in its working directory, or None)."""
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with space.space(tmp_path, box.SPACE_DIRS, sandbox.owner()) as room:
        exit_code = box.run_in_box([sys.executable, "-I", "-c", code], room, cli.Settings(), timeout,
                                   stdout=out, stderr=err)
        mine = Path(room) / "box" / "mine"
        owner = mine.stat().st_uid if mine.exists() else None
    return exit_code, out.read_text() + err.read_text(), owner


def he_cell_first(code):
    """An edit of the He cell: run code (at definition time), then define the right function."""
    return before(code)


def graded(folder_or_file, *args, cwd, env=None):
    """grade.py --json on a file or folder: (exit code, parsed JSON, stderr)."""
    run = subprocess.run([sys.executable, str(GRADE), str(folder_or_file), "--json", *map(str, args)],
                         capture_output=True, text=True, cwd=cwd, timeout=900, env={**os.environ, **(env or {})})
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, json.loads(run.stdout), run.stderr


# --------------------------------------------------------------------------------------------
# 1. No one is host root inside; no kernel setting can be changed
# --------------------------------------------------------------------------------------------

WRITE_EVERY_SETTING = """
import os
writable = []
for folder, _, files in os.walk("/proc/sys"):
    for name in files:
        path = os.path.join(folder, name)
        try:
            os.close(os.open(path, os.O_WRONLY))
            writable.append(path)
        except OSError:
            pass
for path in ("/proc/sysrq-trigger", "/proc/sys/kernel/core_pattern"):
    try:
        os.close(os.open(path, os.O_WRONLY))
        writable.append(path)
    except OSError:
        pass
open("mine", "w").close()                  # its owner, seen from the host, is who the sandbox is there
print("writable", len(writable), writable[:3])
"""


def test_no_global_kernel_setting_can_be_changed_and_no_one_inside_is_host_root(tmp_path):
    needs_bwrap()
    code, output, host_uid = run_like_step_1(WRITE_EVERY_SETTING, tmp_path)
    assert code == 0, output
    assert "writable 0 []" in output, output
    assert host_uid != 0 and host_uid == (sandbox.owner() or (os.geteuid(),))[0], output


CORE_PATTERN = """
import os, sys
for path in ("/proc/sys/kernel/core_pattern", "/proc/sys/kernel/pid_max", "/proc/sys/vm/overcommit_memory",
             "/proc/sys/kernel/randomize_va_space"):
    try:
        value = open(path).read()
        with open(path, "w") as f:          # the same value back: harmless, were it to succeed
            f.write(value)
    except OSError:
        continue
    raise RuntimeError("changed " + path)
if "-f" in sys.argv:                        # in the notebook's kernel: its sockets cannot be swapped
    sockets = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
    try:
        os.symlink("/run", os.path.join(sockets, "kernel-link"))
    except OSError:
        pass
    else:
        raise RuntimeError("the directory of the kernel's sockets is writable")
"""


@as_root
def test_a_graded_cell_cannot_set_core_pattern_in_either_step(tmp_path):
    needs_bwrap()
    before_value = Path("/proc/sys/kernel/core_pattern").read_text()
    path = submission(tmp_path, "core.ipynb", **{RIGHT_HE: he_cell_first(CORE_PATTERN)})
    code, result, _ = graded(path, "--notebook", "always", cwd=tmp_path)
    assert result["functions"][RIGHT_HE] == {"passed": True, "messages": []}, result
    assert result["notebook"]["passed"] is True, result["notebook"]            # the kernel could not either
    assert code == 0 and Path("/proc/sys/kernel/core_pattern").read_text() == before_value


def test_limits_py_refuses_to_run_a_command_as_root_when_asked_to_drop():
    done = subprocess.run([sys.executable, "-I", "-S", str(sandbox.LIMITS), "0", "0", "--user", "0", "0", "true"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "could not drop privileges" in done.stderr


def test_no_user_namespace_can_be_made_inside(tmp_path):
    needs_bwrap()
    if not sandbox._PROBE.get("nobody"):
        pytest.skip("bwrap runs without a user namespace here: --disable-userns needs one")
    code = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "print('unshare', libc.unshare(0x10000000), ctypes.get_errno())")
    exit_code, output, _ = run_like_step_1(code, tmp_path)
    assert exit_code == 0 and "unshare -1 " in output, output     # refused: no root of its own, no quota used


XFAIL = '''
import sys as _s
if "ipykernel" in _s.modules and hasattr(get_ipython(), "kernel"):   # the kernel: "idle", then never answer
    import signal as _sig, time as _t
    get_ipython().kernel._publish_status("idle", "shell")
    _sig.signal(_sig.SIGINT, _sig.SIG_IGN)
    while True:
        _t.sleep(1000)
'''


def test_a_cell_that_never_answers_fails_the_notebook_step(tmp_path):
    needs_bwrap()
    # nbval counts a timed-out cell as run and expects every later one to fail: without a check of
    # each cell, pytest's exit code 0 read as a passed notebook.
    path = submission(tmp_path, "silent.ipynb", **{RIGHT_HE: he_cell_first(XFAIL)})
    code, result, _ = graded(path, "--notebook", "always", "--cell-timeout", "10", cwd=tmp_path)
    assert result["notebook"]["passed"] is False and code == 1, result["notebook"]


# --------------------------------------------------------------------------------------------
# 2. Bounded work in grade.py's own process
# --------------------------------------------------------------------------------------------

def write_raw(notebook, path):
    """Write a notebook as JSON with every source one string, and non-ASCII text escaped (as a hostile
    file may hold what nbformat would refuse to write, a lone surrogate say)."""
    raw = json.loads(nbformat.writes(notebook))
    for cell, source in zip(raw["cells"], (cell.source for cell in notebook.cells)):
        cell["source"] = source
    path.write_text(json.dumps(raw), encoding="ascii")
    return path


def test_a_million_blank_lines_after_the_marker_take_linear_time(tmp_path):
    notebook = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("# GRADED FUNCTION: initialize_parameters_he\n" + "\n" * 10**6))
    path = write_raw(notebook, tmp_path / "blank.ipynb")       # 2 MB, as in the review
    # The quadratic search took about 15 minutes on this input; a linear one, well under a second.
    code = ("import sys, time; from grader.submission import graded_sources, read_code_cells\n"
            f"start = time.process_time(); graded_sources(read_code_cells({str(path)!r}))\n"
            "print(time.process_time() - start)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and float(done.stdout) < 60, done.stdout + done.stderr


def peak_memory_of_reading(path):
    """(outcome, peak resident MiB) of reading the notebook at path, in a process of its own."""
    code = ("from grader.submission import Unreadable, read_code_cells\n"
            f"try:\n    outcome = str(len(read_code_cells({str(path)!r}))) + ' cells'\n"
            "except Unreadable as error:\n    outcome = str(error)\n"
            "print(outcome)\n"       # the high-water mark of this program's memory (ru_maxrss would count pytest's)
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) // 1024)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    outcome, peak = done.stdout.rsplit("\n", 2)[:2]
    return outcome, int(peak)


def test_millions_of_empty_objects_are_refused_before_they_are_parsed(tmp_path):
    path = tmp_path / "objects.ipynb"
    with open(path, "w") as f:           # 29 MiB: 5.8 GB of memory in the grade.py of the review
        f.write('{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {"x": [')
        f.write("{}," * (10 * 2**20 - 1) + "{}]}}")
    outcome, peak = peak_memory_of_reading(path)
    assert "over 200,000 '{' characters" in outcome and peak < 200, (outcome, peak)


def test_the_largest_notebook_accepted_stays_within_a_fixed_memory_bound(tmp_path):
    path = tmp_path / "largest.ipynb"
    brackets = submission_module.MAX_CONTAINERS - 100
    values = submission_module.MAX_COMMAS - brackets - 100
    head = '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {"a": [' + "[]," * brackets + "0.5," * values
    wide = "\U0001F600" * ((submission_module.MAX_NOTEBOOK_BYTES - len(head) - 100) // 4)   # 4 bytes each
    path.write_text(head + '"' + wide + '"]}}', encoding="utf-8")
    assert path.stat().st_size <= submission_module.MAX_NOTEBOOK_BYTES
    outcome, peak = peak_memory_of_reading(path)
    assert outcome == "0 cells" and peak < 1024, (outcome, peak)


# --------------------------------------------------------------------------------------------
# 3. A report, always
# --------------------------------------------------------------------------------------------

def test_a_lone_surrogate_in_a_magic_line_fails_the_function_with_a_report(tmp_path):
    notebook = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    cell = next(cell for cell in notebook.cells if cell.source.startswith(f"# GRADED FUNCTION: {RIGHT_HE}\n"))
    cell.source = "%time '\ud800'\n" + cell.source
    path = write_raw(notebook, tmp_path / "surrogate.ipynb")
    code, result, _ = graded(path, "--notebook", "always", cwd=tmp_path)
    assert code == 1
    assert result["functions"][RIGHT_HE]["messages"] == [
        "the graded cell holds characters that are not text (a lone surrogate such as \\ud800): it cannot be run "
        "or saved"]
    assert result["score"] == 2 and result["notebook"]["passed"] is False


DEEP_TREE = """
import os
for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")
os.chdir("/grading")
"""


def test_a_tree_3000_deep_is_removed_and_the_report_comes(tmp_path):
    needs_bwrap()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    path = submission(tmp_path, "deep.ipynb", **{RIGHT_HE: before(DEEP_TREE)})
    code, result, _ = graded(path, "--notebook", "never", cwd=tmp_path, env={"TMPDIR": str(temporary)})
    assert result["score"] == 3, result
    assert list(temporary.iterdir()) == []                 # no grade-* directory stays behind


# --------------------------------------------------------------------------------------------
# 4. One submission cannot touch another: each sandbox's space is sized
# --------------------------------------------------------------------------------------------

FILL = """
import os
written = files = 0
for folder in ("/grading", "/tmp", "/dev/shm"):
    try:
        for n in range(100):            # files of 8 MiB, below the limit of one file
            with open(os.path.join(folder, f"fill{n}"), "wb") as f:
                for _ in range(8):
                    f.write(bytes(2**20))
                    written += 1
    except OSError:
        pass
try:
    while True:
        open(f"/tmp/empty{files}", "w").close()
        files += 1
except OSError:
    pass
print("MiB", written, "files", files)
"""


def test_a_sandbox_can_write_no_more_than_its_space(tmp_path):
    needs_bwrap()
    if not space.private():
        pytest.skip("no private mount namespace here: the space is a plain directory")
    code, output, _ = run_like_step_1(FILL, tmp_path)
    words = output.split()
    written, files = int(words[words.index("MiB") + 1]), int(words[words.index("files") + 1])
    assert 200 <= written <= space.SPACE_BYTES // 2**20, output
    assert files < space.SPACE_INODES, output


def test_a_function_that_fills_its_space_is_told_so(tmp_path):
    needs_bwrap()
    if not space.private():
        pytest.skip("no private mount namespace here: the space is a plain directory")
    path = submission(tmp_path, "full.ipynb", **{RIGHT_HE: before(FILL)})
    _, result, _ = graded(path, "--notebook", "never", cwd=tmp_path)
    message, = result["functions"][RIGHT_HE]["messages"]
    assert "used up its writable space (256 MiB and 4096 files in all)" in message, message


HOLD = FILL + "import glob, time\ntime.sleep(15)\nfor name in glob.glob('/grading/fill*') + glob.glob('/tmp/*'):\n" \
              "    os.remove(name)\n"


@as_root
def test_a_submission_that_fills_its_space_does_not_fail_another(tmp_path):
    needs_bwrap()
    if not space.private():
        pytest.skip("no private mount namespace here")
    temporary = tmp_path / "small"
    temporary.mkdir()
    libc = ctypes.CDLL(None, use_errno=True)       # TMPDIR on 64 MiB: the hog's 256 MiB would fill it
    assert libc.mount(b"tmpfs", str(temporary).encode(), b"tmpfs", 0, b"size=64m") == 0
    try:
        folder = tmp_path / "in"
        folder.mkdir()
        submission(folder, "a_hog.ipynb", **{RIGHT_HE: before(HOLD)})
        submission(folder, "b_honest.ipynb")
        code, result, _ = graded(folder, "--jobs", "2", cwd=tmp_path, env={"TMPDIR": str(temporary)})
    finally:
        libc.umount2(str(temporary).encode(), 2)
    honest = result["submissions"]["b_honest.ipynb"]
    assert honest["score"] == 3 and honest["notebook"]["passed"] is True, honest


@as_root
def test_a_full_temporary_folder_does_not_stop_grading(tmp_path):
    temporary = tmp_path / "full"
    temporary.mkdir()
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.mount(b"tmpfs", str(temporary).encode(), b"tmpfs", 0, b"size=1m") == 0
    try:
        # Room for Python's check of TMPDIR, not for the notebook step's copy of the lesson
        (temporary / "filler").write_bytes(bytes(900 * 2**10))
        run = subprocess.run([sys.executable, str(GRADE), str(ROOT / "Initialization.ipynb")],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300,
                             env={**os.environ, "TMPDIR": str(temporary)})
    finally:
        libc.umount2(str(temporary).encode(), 2)
    assert "Traceback" not in run.stderr, run.stderr
    if space.private():             # grade.py's own files are in a tmpfs of its namespace
        assert run.returncode == 0, run.stdout + run.stderr
    else:
        assert run.returncode == 2 and "no space left in the grader's temporary folder" in run.stderr, run.stderr


def test_a_sandbox_that_cannot_start_is_the_machines_problem(tmp_path, monkeypatch):
    stderr = tmp_path / "stderr.txt"
    stderr.write_text("bwrap: Creating new namespace failed: nesting depth or /proc/sys/user/max_*_namespaces "
                      "exceeded (ENOSPC)\n")
    assert sandbox.failed_to_start(stderr).startswith("bwrap: Creating new namespace failed")

    def fail(*args, **kwargs):
        raise sandbox.SandboxFailed(sandbox.failed_to_start(stderr))
    monkeypatch.setattr(cli, "grade", fail)
    error = cli.grade_or_error(tmp_path / "x.ipynb", cli.Settings())["error"]
    assert error.startswith("the sandbox could not start (bwrap: Creating new namespace failed")
    assert error.endswith("a problem of this machine, not of the submission; grade it again")


# --------------------------------------------------------------------------------------------
# 5. Folder mode grades regular files only
# --------------------------------------------------------------------------------------------

def test_links_in_a_folder_are_reported_not_followed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "reference.ipynb").symlink_to(ROOT / "Initialization.ipynb")
    (folder / "zero.ipynb").symlink_to("/dev/zero")
    code, result, _ = graded(folder, "--notebook", "never", cwd=tmp_path)
    assert code == 1
    for name in ("reference.ipynb", "zero.ipynb"):
        assert "is a symbolic link: only regular files are graded" in result["submissions"][name]["error"]


# --------------------------------------------------------------------------------------------
# 6. The honest grader's messages
# --------------------------------------------------------------------------------------------

def test_a_kill_for_memory_says_memory(tmp_path):
    stderr = tmp_path / "stderr.txt"
    stderr.write_text("")
    message = functions_step.why_no_result(137, stderr, 2 * 2**30)
    assert message == ("it was killed (exit code 137), most likely for using too much memory (the limit is 2 GiB "
                       "per process, grade.py --memory)")


def test_a_notebook_without_cell_ids_prints_no_warning(tmp_path):
    notebook = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    raw = json.loads(nbformat.writes(notebook))
    for cell in raw["cells"]:
        cell.pop("id", None)
    path = tmp_path / "no_ids.ipynb"
    path.write_text(json.dumps(raw))
    run = grade(path, "--notebook", "never", cwd=tmp_path)
    assert run.returncode == 0 and run.stderr == "", run.stderr


def test_a_file_named_like_an_option_keeps_its_name_in_the_csv(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    submission(folder, "-rf.ipynb")
    run = grade(folder, "--notebook", "never", "--csv", tmp_path / "out.csv", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        name, = [row["submission"] for row in csv.DictReader(f)]
    assert name == "./-rf.ipynb" and (folder / name).exists()


def test_a_reader_that_goes_away_is_no_traceback(tmp_path):
    process = subprocess.Popen([sys.executable, str(GRADE), str(ROOT / "Initialization.ipynb"), "--notebook", "never"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    process.stdout.close()                  # as `| head` does, before the report is printed
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0 and stderr == "", stderr


def test_a_submission_that_cannot_be_graded_still_gets_its_json(tmp_path):
    path = tmp_path / "text.ipynb"
    path.write_text('{"cells": [], "nbformat": "4", "nbformat_minor": 5}')
    run = grade(path, "--json", cwd=tmp_path)
    assert run.returncode == 2 and "whole number 4" in json.loads(run.stdout)["error"]
