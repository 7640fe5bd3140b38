"""Set resource limits, then become the command.

    python -I -S limits.py MEMORY FILE_SIZE [--cgroup DIR]... [--user UID GID] [--chdir DIR] COMMAND...

MEMORY bounds the memory a process allocates (RLIMIT_DATA: heap and private writable mappings,
which is what an allocation uses) and FILE_SIZE the size of any file written (RLIMIT_FSIZE), both in
bytes, 0 for no limit. The address space (RLIMIT_AS) is capped too, at MEMORY plus ADDRESS_MARGIN:
it also counts the shared libraries and the reservations of threads (glibc arenas, OpenBLAS buffers),
1.8 GiB for the lesson's kernel on 2 cores while it uses 1 GiB of data, and grows with the cores.
Each --cgroup DIR is a cgroup it joins first (made by grade.py; its limits bound all the processes
of the command together). --user makes the command run as that user, with no supplementary groups:
grade.py started as root starts the submission's processes as an unprivileged user, and only after
the steps that need root (joining a cgroup). No core dumps are written (RLIMIT_CORE 0). The command is
killed if grade.py dies, even by SIGKILL (PR_SET_PDEATHSIG, set after the change of user, which clears it).
The limits pass to everything the command starts, a sandbox's processes included. grade.py starts
its children through this small script rather than with Popen(preexec_fn=...), which is unsafe in a
process that runs threads. Standard library only.
"""

import ctypes
import os
import resource
import signal
import sys

ADDRESS_MARGIN = 2 * 2**30


def set_limit(which, value):
    """Lower one limit (soft and hard) to value bytes, where the OS supports it (macOS lacks RLIMIT_AS)."""
    if value > 0 and hasattr(resource, which):
        try:
            resource.setrlimit(getattr(resource, which), (value, value))
        except (ValueError, OSError):
            pass


if __name__ == "__main__":
    memory = int(sys.argv[1])
    set_limit("RLIMIT_DATA", memory)
    set_limit("RLIMIT_AS", memory + ADDRESS_MARGIN if memory > 0 else 0)
    set_limit("RLIMIT_FSIZE", int(sys.argv[2]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    command = sys.argv[3:]
    while command[0] == "--cgroup":             # join a cgroup (grade.py made it) before anything starts
        try:
            with open(os.path.join(command[1], "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        except OSError:
            pass
        command = command[2:]
    if command[0] == "--user":                  # root no more: for good, and before anything of theirs runs
        uid, gid = int(command[1]), int(command[2])
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid or uid == 0:
            sys.exit("limits.py: could not drop privileges")
        command = command[3:]
    try:                                        # PR_SET_PDEATHSIG: die with the thread of grade.py that started us
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if command[0] == "--chdir":                 # for a Jupyter kernel, which jupyter_client starts elsewhere
        os.chdir(command[1])
        command = command[2:]
    os.execvp(command[0], command)
