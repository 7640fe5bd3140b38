"""Copied as conftest.py next to the notebook that grade.py runs under nbval (outside the sandbox).

It makes nbval start its Jupyter kernel with the command in sandbox_kernel.json (bubblewrap and
the resource limits, set by grade.py) and talk to it over unix sockets in a directory the sandbox
shares (transport "ipc"): a kernel without a network cannot be reached over TCP. The notebook with
its stored outputs stays here, where nbval compares them; the kernel only receives each cell's source.
"""

import json
import os
from pathlib import Path

import nbval.kernel
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import KernelManager

SETTINGS = json.loads((Path(__file__).parent / "sandbox_kernel.json").read_text(encoding="utf-8"))


class SandboxedKernelManager(KernelManager):
    """A KernelManager whose kernel is always the sandboxed one, reached through unix sockets."""

    def __init__(self, **kwargs):
        super().__init__(transport="ipc", ip=SETTINGS["ip"], connection_file=SETTINGS["connection_file"], **kwargs)

    def write_connection_file(self, **kwargs):
        """Write it, then give it to the owner of its directory: the sandbox's user must read it."""
        super().write_connection_file(**kwargs)
        owner = os.stat(os.path.dirname(self.connection_file))
        os.chown(self.connection_file, owner.st_uid, owner.st_gid)

    @property
    def kernel_spec(self):
        return KernelSpec(argv=SETTINGS["argv"], display_name="Python 3 (sandboxed)", language="python")


nbval.kernel.KernelManager = SandboxedKernelManager
