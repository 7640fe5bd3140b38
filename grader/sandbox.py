"""Running a command for a submission: in a bubblewrap sandbox when it works, with limits, and
killing everything it started afterwards.

With bubblewrap (`bwrap`), the command gets its own PID namespace (when its first process ends, the
kernel kills every process left in it: nothing survives), no network, a read-only view of the
Python installation and of the system's libraries, a private /tmp, and, writable, only the
directories the caller binds in. The grader's repository, the reference notebook, other
submissions and the host's processes (/proc) are not there.

Without it (macOS, a machine without bwrap, or one whose kernel forbids the namespaces), the
command runs as a plain child process: grade.py becomes a "child subreaper" on Linux, so that the
orphans of a submission are reparented to it and can still be found and killed, and the same
resource limits apply. That is isolation, not security, and the reports say so.

Every command runs through limits.py, which sets RLIMIT_AS (memory) and RLIMIT_FSIZE (output
files) before it becomes the command.
"""

import contextlib
import ctypes
import ctypes.util
import itertools
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import space as space_module

ROOT = Path(__file__).resolve().parent.parent      # the grader's repository
LIMITS = Path(__file__).resolve().parent / "limits.py"
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
OUTPUT_LIMIT = 16 * 2**20           # bytes a child may write to any one file (its stdout, stderr, results)
TAIL_BYTES = 64 * 2**10             # how much of a child's output is ever read back
TMP_BYTES = 256 * 2**20             # the size of a sandbox's private /tmp (a tmpfs, in the host's memory)

# /etc entries programs need to start and resolve names of users and libraries (those present are bound).
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
       "alternatives", "fonts")

# /proc entries a careful sandbox covers (as Docker and bubblewrap itself do): read-only, or hidden.
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs")
PROC_HIDDEN = ("kcore", "keys", "key-users", "timer_list", "sched_debug", "kmsg", "kallsyms")

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36


# --------------------------------------------------------------------------------------------
# Which sandbox
# --------------------------------------------------------------------------------------------

_PROBE = {}
_PROBE_LOCK = threading.Lock()


def bwrap_path():
    """The path of a bwrap that works here (checked once, by running Python in a sandbox), or None.

    GRADE_NO_SANDBOX=1 pretends there is none (to compare, or on a machine where bwrap misbehaves).
    """
    with _PROBE_LOCK:
        if "bwrap" not in _PROBE:
            _PROBE["bwrap"] = _probe()
        return _PROBE["bwrap"]


def _probe():
    """bwrap's path if `import numpy` runs in a sandbox as grade.py builds it, else None.

    First as "nobody" in a user namespace of its own; where the namespace cannot be made (a setuid
    bwrap on a kernel that forbids them to users), as the grader's user, capabilities dropped.
    """
    path = shutil.which("bwrap")
    if path is None or os.environ.get("GRADE_NO_SANDBOX") == "1":
        return None
    for nobody in (True, False):
        _PROBE["nobody"] = nobody
        probe = limited(wrap([sys.executable, "-c", "import numpy"], binds=[], chdir="/", env={}, bwrap=path), 0,
                        owner=space_module.user())
        try:
            done = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode == 0:
            return path
    return None


def mode():
    """'bubblewrap' when submissions run in a bwrap sandbox, 'none' when they run as plain processes."""
    return "bubblewrap" if bwrap_path() else "none"


def owner():
    """(uid, gid) of the unprivileged user the sandboxes run as when grade.py is root, else None.
    Only with bubblewrap: without it a plain process of another user could not read the Python here."""
    return space_module.user() if bwrap_path() else None


def python_paths():
    """The directories a sandboxed Python needs to read: the installation, and the virtual environment."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                  os.path.dirname(os.path.realpath(sys.executable))}
    paths = sorted(path for path in candidates if not path.startswith(("/usr/", "/lib")) and path != "/usr")
    # a path inside another one is already bound (a venv inside a prefix, or the reverse)
    return [path for path in paths if not any(path.startswith(other + os.sep) for other in paths)]


def wrap(command, binds, chdir, env, bwrap=None, space=None):
    """command as run in a bwrap sandbox: binds are (host path, sandbox path) pairs, writable; env the
    whole environment inside (nothing else of ours passes); space the sandbox's own writable space
    (space.space(), with subdirectories tmp and shm), or None for sized tmpfs mounts of bwrap's."""
    # --cap-drop ALL: nothing privileged inside, even where bwrap itself is (a setuid bwrap).
    # --uid/--gid: inside, the submission is "nobody" of a user namespace of its own. On the host it is
    # the sandbox user (space.user(), when grade.py is root) or grade.py's own user: never root.
    args = [bwrap or bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
            "--cap-drop", "ALL"]
    if _PROBE.get("nobody", True):
        # --disable-userns: no user namespace of its own inside, where a submission would be root again
        # (mounting a tmpfs of any size past its space) and could use up the namespaces its host user
        # may make, which every other sandbox then fails to start for.
        args += ["--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534"]
    # /tmp first: bwrap mounts in order, so a venv or repository lying under /tmp, bound below, stays
    # visible instead of being hidden by this mount.
    args += ["--bind", f"{space}/tmp", "/tmp"] if space else ["--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for path in SYSTEM_PATHS:
        args += ["--ro-bind-try", path, path]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    # The repository (the reference notebook) must stay out of sight even if it lies in a bound
    # path (a clone under /usr/local, say): an empty directory covers it, the venv in it stays bound.
    inside_root = [path for path in python_paths() if _is_within(path, ROOT)]
    for path in python_paths():
        if path not in inside_root:
            args += ["--ro-bind", space_module.stage(path), path]
    cover = any(_is_within(ROOT, path) for path in (*SYSTEM_PATHS, *python_paths()))
    if cover:
        args += ["--size", str(2**20), "--tmpfs", str(ROOT)]
    for path in inside_root:
        args += ["--ro-bind", space_module.stage(path), path]
    if cover:
        args += ["--remount-ro", str(ROOT)]         # the cover is no place to write either
    args += ["--proc", "/proc"]
    for name in PROC_READ_ONLY:         # kernel settings and interfaces: read-only, whoever runs inside
        if os.path.exists(f"/proc/{name}"):
            args += ["--ro-bind", f"/proc/{name}", f"/proc/{name}"]
    for name in PROC_HIDDEN:
        if os.path.exists(f"/proc/{name}"):
            args += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    args += ["--dev", "/dev"]
    args += ["--bind", f"{space}/shm", "/dev/shm"] if space else ["--size", str(TMP_BYTES), "--tmpfs", "/dev/shm"]
    args += ["--remount-ro", "/dev"]
    for host, inside in binds:
        args += ["--bind", str(host), str(inside)]
    args += ["--remount-ro", "/", "--chdir", str(chdir)]     # the sandbox's own root: read-only, not a tmpfs to fill
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args + ["--", *map(str, command)]


def _is_within(path, directory):
    """True if path is directory or inside it (both absolute)."""
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def limited(command, memory, file_size=OUTPUT_LIMIT, cgroups=(), owner=None):
    """command run through limits.py: at most memory bytes of address space, file_size bytes per file,
    in the cgroups given (directories, see cgroups()), as the user owner = (uid, gid) if given."""
    joins = [part for path in cgroups for part in ("--cgroup", str(path))]
    drop = ["--user", str(owner[0]), str(owner[1])] if owner else []
    return [sys.executable, "-I", "-S", str(LIMITS), str(int(memory)), str(int(file_size)), *joins, *drop,
            *map(str, command)]


# --------------------------------------------------------------------------------------------
# Control groups: a bound on all of a sandbox's processes together
# --------------------------------------------------------------------------------------------

CGROUP_ROOT = "/sys/fs/cgroup"
# processes and threads a command may have at once, all together (BLAS starts one thread per core)
PIDS_MAX = max(256, 8 * (os.cpu_count() or 1))
_CGROUP_NUMBERS = itertools.count()


@contextlib.contextmanager
def cgroups(memory):
    """New cgroups below grade.py's own, bounding the processes of one command together: at most
    PIDS_MAX of them (a fork bomb stops there) and memory bytes (tmpfs pages included). Yields their
    directories, for limited(); removes them afterwards. Where none can be made (no cgroup file system
    we may write, cgroup v2 without delegated controllers, not Linux), yields [] and the rlimits of
    limits.py are all there is."""
    made = [path for path in (_make_cgroup(*candidate) for candidate in _cgroup_candidates(memory)) if path]
    try:
        yield made
    finally:
        for path in made:
            _remove_cgroup(path)


def limits_mode():
    """'cgroup' when each sandbox's processes are bounded together (cgroups() works here), 'rlimits'
    when only the per-process limits apply. Checked once, by making a cgroup and removing it."""
    with _PROBE_LOCK:
        if "limits" not in _PROBE:
            with cgroups(2**30) as made:
                together = any(os.path.exists(os.path.join(path, "pids.max")) for path in made)
            _PROBE["limits"] = "cgroup" if together else "rlimits"
        return _PROBE["limits"]


def _cgroup_candidates(memory):
    """(directory of grade.py's own cgroup, {limit file: value}, {optional file: value}) for the pids and
    memory controllers, and the cpu controller where it may be used: a cgroup of its own gives each
    sandbox an equal share of the processors, however many processes it starts."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        _, controllers, own = line.split(":", 2)
        own = own.lstrip("/")
        if controllers == "" and os.path.exists(f"{CGROUP_ROOT}/cgroup.controllers"):       # cgroup v2
            found.append((os.path.join(CGROUP_ROOT, own), {"pids.max": PIDS_MAX, "memory.max": memory},
                          {"cpu.weight": 100}))
        elif controllers == "pids":
            found.append((os.path.join(CGROUP_ROOT, "pids", own), {"pids.max": PIDS_MAX}, {}))
        elif controllers == "memory":
            found.append((os.path.join(CGROUP_ROOT, "memory", own), {"memory.limit_in_bytes": memory}, {}))
        elif "cpu" in controllers.split(","):
            found.append((os.path.join(CGROUP_ROOT, controllers, own), {"cpu.shares": 1024}, {}))
    return found


def _make_cgroup(base, values, optional=None):
    """A new cgroup below base with these limits written (and those of optional where they can be), or
    None where that cannot be done."""
    path = os.path.join(base, f"grade-{os.getpid()}-{next(_CGROUP_NUMBERS)}")
    try:
        os.mkdir(path)
    except OSError:
        return None
    try:
        for name, value in values.items():
            with open(os.path.join(path, name), "w", encoding="ascii") as f:
                f.write(str(int(value)))
    except OSError:
        _remove_cgroup(path)
        return None
    for name, value in (optional or {}).items():
        with contextlib.suppress(OSError):
            with open(os.path.join(path, name), "w", encoding="ascii") as f:
                f.write(str(int(value)))
    return path


def _remove_cgroup(path):
    """Remove a cgroup once its processes are gone (those killed may take a moment to exit)."""
    for _ in range(100):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


# --------------------------------------------------------------------------------------------
# The grader's own process
# --------------------------------------------------------------------------------------------

def protect_grader():
    """On Linux: adopt orphaned descendants (to kill them), and forbid others of our uid from opening
    /proc/<our pid>/fd/* (a child writing to our stdout). A no-op elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


# --------------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------------

# The child processes running now, so that a signal or an exception can end them all at once. The
# lock also keeps the orphan hunt from seeing a child between its start and its registration.
LIVE_CHILDREN = set()
LIVE_CHILDREN_LOCK = threading.Lock()
STOPPING = threading.Event()            # set once grade.py is stopping: no new child may start


class SandboxFailed(Exception):
    """bubblewrap could not start a sandbox: a problem of the grading machine, not of the submission."""


def failed_to_start(stderr):
    """bubblewrap's own error line, if the end of the stderr file says the sandbox could not start."""
    lines = [line.strip() for line in tail(stderr, 20).split(" | ")]
    return next((line for line in lines if line.startswith("bwrap: ")), None)


class Stopping(Exception):
    """Raised instead of starting a child once grade.py is stopping (a signal, Ctrl-C)."""


def stop():
    """Start no more children, and kill those running (and all they started)."""
    STOPPING.set()
    end_all_children()


def run_child(command, cwd, timeout, env, stdout=None, stderr=None):
    """Run command in cwd, in a session of its own; after timeout seconds, kill it and all it started.

    stdout and stderr are file paths (None: discarded); limits.py bounds their size. Returns the exit
    code, or None if the time ran out. Whatever the command started and left running (a kernel, a
    process of the submission's, an orphan reparented to us) is ended with it.
    """
    with open(stdout or os.devnull, "wb") as out, open(stderr or os.devnull, "wb") as err:
        with LIVE_CHILDREN_LOCK:
            if STOPPING.is_set():
                raise Stopping("grade.py is stopping")
            process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=err, start_new_session=True)
            LIVE_CHILDREN.add(process)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            end_process_tree(process)
            with LIVE_CHILDREN_LOCK:
                LIVE_CHILDREN.discard(process)
            end_orphans()


def end_all_children():
    """Kill every child process still running, all they started, and every orphan we adopted."""
    with LIVE_CHILDREN_LOCK:
        children = list(LIVE_CHILDREN)
    for process in children:
        end_process_tree(process)
    end_orphans()


def end_process_tree(process):
    """Kill process, its process group and every descendant's process group, and reap process.

    Killing the group alone is not enough: jupyter_client starts the kernel in a new session, so
    the kernel (and whatever it started) is in another group. The descendants are collected
    first, while their parent is still alive to link them to process. Without /proc (not Linux),
    only the group is killed. In a bwrap sandbox, killing bwrap ends its whole PID namespace.
    """
    for pid in descendants(process.pid):
        _kill_group_and_pid(pid)
    _kill_group_and_pid(process.pid)
    process.wait()


def end_orphans():
    """Kill and reap the processes reparented to us (we are a subreaper) that are not our children.

    Only processes whose parent died end up here: a daemon that a submission double-forked. They
    are killed whichever submission they came from, since none may outlive its grading.
    """
    with LIVE_CHILDREN_LOCK:
        ours = {process.pid for process in LIVE_CHILDREN}
        orphans = [pid for pid in children_of(os.getpid()) if pid not in ours]
        for pid in orphans:
            for below in descendants(pid):
                _kill_group_and_pid(below)
            _kill_group_and_pid(pid)
    for pid in orphans:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _process_table():
    """{parent pid: [child pids]} from /proc ({} where there is none)."""
    children = {}
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return {}
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:                     # the process ended meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])     # the name, in (), may hold spaces
        children.setdefault(parent, []).append(int(entry))
    return children


def children_of(pid):
    """The pids of the direct children of pid."""
    return _process_table().get(pid, [])


def descendants(pid):
    """The pids of all processes below pid in the process tree (from /proc; [] where there is none)."""
    children = _process_table()
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _kill_group_and_pid(pid):
    """SIGKILL the process group of pid (unless it is grade.py's own), then pid; ignore what is gone."""
    try:
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def tail(path, count=3):
    """The last count non-empty lines of the end of a file (at most TAIL_BYTES read), joined by ' | '."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - TAIL_BYTES))
            text = f.read(TAIL_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-count:])


def read_bounded(path, limit):
    """The bytes of path, or None if it is missing, not a regular file (a FIFO, a symbolic link to a
    file of ours) or longer than limit. A child may have put anything at that path."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = f.read(limit + 1)
    return data if len(data) <= limit else None
