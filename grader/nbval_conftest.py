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
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import KernelManager

SETTINGS = json.loads((Path(__file__).parent / "sandbox_kernel.json").read_text(encoding="utf-8"))


class SealingClient(BlockingKernelClient):
    """Once the kernel answers, its sockets exist: the directory holding them becomes read-only to it,
    so that no cell can swap a socket for a link to another socket of the host, which this process
    (root, perhaps) would then connect to."""

    def wait_for_ready(self, timeout=None):
        super().wait_for_ready(timeout=timeout)
        if SETTINGS["owner"]:
            os.chmod(os.path.dirname(SETTINGS["connection_file"]), 0o711)


class SandboxedKernelManager(KernelManager):
    """A KernelManager whose kernel is always the sandboxed one, reached through unix sockets."""

    def __init__(self, **kwargs):
        super().__init__(transport="ipc", ip=SETTINGS["ip"], connection_file=SETTINGS["connection_file"],
                         client_factory=SealingClient, **kwargs)

    def write_connection_file(self, **kwargs):
        """Write it, then give it to the sandbox's user (if it is not ours), who must read it."""
        super().write_connection_file(**kwargs)
        if SETTINGS["owner"]:
            os.chown(self.connection_file, *SETTINGS["owner"])

    @property
    def kernel_spec(self):
        return KernelSpec(argv=SETTINGS["argv"], display_name="Python 3 (sandboxed)", language="python")


nbval.kernel.KernelManager = SandboxedKernelManager
