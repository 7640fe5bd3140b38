"""Set resource limits, then become the command: python -I -S limits.py MEMORY FILE_SIZE [--chdir DIR] COMMAND...

MEMORY bounds the address space (RLIMIT_AS) and FILE_SIZE the size of any file written
(RLIMIT_FSIZE), both in bytes, 0 for no limit. The limits pass to everything the command starts,
a sandbox's processes included. grade.py starts its children through this small script rather than
with Popen(preexec_fn=...), which is unsafe in a process that runs threads. Standard library only.
"""

import os
import resource
import sys


def set_limit(which, value):
    """Lower one limit (soft and hard) to value bytes, where the OS supports it (macOS lacks RLIMIT_AS)."""
    if value > 0 and hasattr(resource, which):
        try:
            resource.setrlimit(getattr(resource, which), (value, value))
        except (ValueError, OSError):
            pass


if __name__ == "__main__":
    set_limit("RLIMIT_AS", int(sys.argv[1]))
    set_limit("RLIMIT_FSIZE", int(sys.argv[2]))
    command = sys.argv[3:]
    if command[0] == "--chdir":                 # for a Jupyter kernel, which jupyter_client starts elsewhere
        os.chdir(command[1])
        command = command[2:]
    os.execvp(command[0], command)
