"""Who a submission runs as, and where it may write: an unprivileged user, and one small tmpfs per sandbox.

At start, while it has a single thread, grade.py moves into a mount namespace of its own (enter()).
Every mount it makes there is invisible to the host and vanishes with grade.py, even if it is killed:
- space(): for each sandbox, a tmpfs of SPACE_BYTES and SPACE_INODES, owned by the sandbox user. It
  holds everything the sandbox may write (its working directory, /tmp, /dev/shm, the kernel's
  sockets), so one submission cannot fill a disk, the host's memory or another submission's space,
  and what it wrote is gone when the mount is (a tree 3 000 deep is not walked: it is unmounted).
- work_directory(): for each submission, a tmpfs of WORK_BYTES for grade.py's own files about it
  (what its processes printed, nbval's copy of the notebook and report): none of it reaches the disk.
- When grade.py runs as root, the submission's processes do not: limits.py drops to SANDBOX_USER
  (or "nobody") before bubblewrap starts, so that inside the sandbox no one is host root (the kernel
  then refuses every write to /proc/sys and the like). That user may not be able to read the Python
  installation (under /root, say): stage() binds it, read-only, where the user can reach it.
Where no private namespace can be made (not Linux, user namespaces forbidden), the space is a plain
directory and only the per-file size limit applies: the reports say so ("space": "unbounded").
"""

import atexit
import contextlib
import ctypes
import ctypes.util
import itertools
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading

SPACE_BYTES = 256 * 2**20           # all a sandbox may write, together (in memory: a tmpfs)
SPACE_INODES = 4096                 # files and directories in it (each costs kernel memory, not bytes)
WORK_BYTES = 256 * 2**20            # grade.py's own files for one submission: logs, nbval's copy and report
SANDBOX_USER = "grade-sandbox"      # made by the README's useradd line; "nobody" when it does not exist

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
MNT_DETACH = 2

_STATE = {"private": False, "runtime": None, "staged": {}}
_NUMBERS = itertools.count()
_LOCK = threading.Lock()


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _mount(source, target, fstype, flags, options=None):
    """mount(2); raises OSError on failure."""
    if _libc().mount(source and source.encode(), str(target).encode(), fstype and fstype.encode(), flags,
                     options and options.encode()) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def enter():
    """Move grade.py into a private mount namespace (a user namespace too when not root), once: before
    any thread starts (a user namespace cannot be made later). Afterwards private() says whether it worked."""
    if _STATE.get("entered") or not sys.platform.startswith("linux") or os.environ.get("GRADE_NO_SANDBOX") == "1":
        return
    _STATE["entered"] = True
    try:
        libc = _libc()
        if os.geteuid() == 0:
            ok = libc.unshare(CLONE_NEWNS) == 0
        else:                               # a user namespace mapping us to ourselves gives the right to mount
            uid, gid = os.geteuid(), os.getegid()
            ok = libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0
            if ok:
                for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
                    with open(f"/proc/self/{name}", "w", encoding="ascii") as f:
                        f.write(text)
        if ok:
            _mount("none", "/", None, MS_REC | MS_PRIVATE)
            runtime = tempfile.mkdtemp(prefix="grade-run-", dir=_reachable_folder())
            _mount("tmpfs", runtime, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0711")
            _STATE.update(private=True, runtime=runtime)
            atexit.register(leave)
    except (OSError, AttributeError):
        _STATE["private"] = False


def _reachable_folder():
    """The temporary folder, or the first of /tmp, /var/tmp, /dev/shm, that any user can walk to (the
    sandbox user must reach the runtime directory made in it: a TMPDIR under /root would not do)."""
    for folder in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        path, walkable = os.path.realpath(folder), True
        while walkable and path != os.path.dirname(path):
            walkable = os.path.isdir(path) and os.stat(path).st_mode & 0o001
            path = os.path.dirname(path)
        if walkable:
            return folder
    return None


def leave():
    """Remove the runtime directory's mount point (the mounts themselves die with the namespace)."""
    runtime = _STATE.get("runtime")
    if runtime:
        with contextlib.suppress(OSError):
            _libc().umount2(runtime.encode(), MNT_DETACH)
            os.rmdir(runtime)


def private():
    """True when every sandbox gets a sized space of its own (see the module's docstring)."""
    return _STATE["private"]


def user():
    """(uid, gid) the submissions run as when grade.py is root, else None (they run as grade.py's user)."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("GRADE_SANDBOX_USER") or SANDBOX_USER, "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            if entry.pw_uid != 0:
                return entry.pw_uid, entry.pw_gid
    return 65534, 65534                 # no "nobody" in /etc/passwd: its usual number, owned by no one


def stage(path):
    """A path the sandbox user can read the directory `path` at: `path` itself, or (root, private
    namespace) a read-only bind of it in the runtime directory, made once. Where the bind cannot be made
    (no such directory), `path`: bubblewrap then names the problem."""
    if not (private() and user()):
        return path
    with _LOCK:
        if path not in _STATE["staged"]:
            target = os.path.join(_STATE["runtime"], f"ro-{next(_NUMBERS)}")     # a new name even after a failure
            try:
                os.mkdir(target, 0o755)
                _mount(path, target, None, MS_BIND | MS_REC)
                _mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC)
            except OSError:
                return path
            _STATE["staged"][path] = target
        return _STATE["staged"][path]


@contextlib.contextmanager
def space(parent, dirs=(), owner=None):
    """A new directory for one sandbox with subdirectories dirs, all owned by owner (uid, gid) if given:
    a tmpfs of SPACE_BYTES and SPACE_INODES in the private namespace, else a plain directory in parent.
    Yields its path; afterwards it is gone, whatever the sandbox left in it."""
    uid, gid = owner or (os.geteuid(), os.getegid())
    options = f"size={SPACE_BYTES},nr_inodes={SPACE_INODES},mode=0700,uid={uid},gid={gid}"
    with _scratch("space", options, parent) as path:
        for name in dirs:
            os.mkdir(os.path.join(path, name), 0o700)
        if owner:
            for name in ("", *dirs):
                os.chown(os.path.join(path, name), *owner)
        yield path


@contextlib.contextmanager
def work_directory():
    """A new directory for grade.py's own files about one submission (the children's stderr, nbval's
    copy of the notebook and its report): a tmpfs of WORK_BYTES in the private namespace, so that what
    a submission prints never reaches the disk, else a temporary directory. Removed afterwards."""
    with _scratch("work", f"size={WORK_BYTES},mode=0700", None) as path:
        yield path


@contextlib.contextmanager
def _scratch(name, options, folder):
    """A new directory: a tmpfs mounted with these options in the private namespace, else a plain
    directory in folder (None: the temporary folder). Yields its path; afterwards it is gone, whatever
    it holds (a tmpfs is unmounted, not walked)."""
    if private():
        path = os.path.join(_STATE["runtime"], f"{name}-{next(_NUMBERS)}")
        os.mkdir(path, 0o700)
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
    else:
        path = tempfile.mkdtemp(prefix=f"grade-{name}-", dir=folder)
    try:
        yield path
    finally:
        if private():
            _libc().umount2(path.encode(), MNT_DETACH)
            with contextlib.suppress(OSError):
                os.rmdir(path)
        else:
            remove_tree(path)


def remove_tree(path):
    """Remove a directory tree, however deep or odd, never raising (rm -rf where shutil gives up)."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except Exception:                   # RecursionError on a very deep tree, permissions, a busy mount
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(["rm", "-rf", "--one-file-system", "--", path], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=False)
