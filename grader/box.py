"""A sandbox's working directory ("the box") and the environment its processes see.

A box holds copies of the files a notebook needs beside it (assignment.HELPER_FILES) and lies in the
sandbox's own space (space.py): inside the sandbox it is INSIDE, writable, with the space's tmp and
shm as /tmp and /dev/shm. run_in_box runs a command there, with the limits of settings.
"""

import os
import shutil
from pathlib import Path

from assignment import HELPER_FILES

from . import sandbox
from . import space as space_module

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
INSIDE = "/grading"                 # where the box is, in the sandbox
SPACE_DIRS = ("box", "tmp", "shm")  # the subdirectories of a space: the box, /tmp and /dev/shm


def threads(settings):
    """The variables that keep a child on one thread when several submissions are graded at once."""
    return {"INIT_UTILS_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"} if settings.single_threaded else {}


def sandbox_environment(settings, **extra):
    """The whole environment inside the sandbox: nothing of ours passes but these variables."""
    return {"HOME": "/tmp", "TMPDIR": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "MALLOC_ARENA_MAX": "2", **threads(settings), **extra}


def host_environment(settings, **extra):
    """The environment of a child outside the sandbox: ours, without settings that change its run."""
    unwanted = ("PYTEST_ADDOPTS", "PYTHONSTARTUP", "MPLBACKEND", "PYTHONPATH")
    return {**{k: v for k, v in os.environ.items() if k not in unwanted}, **threads(settings), **extra}


def fill_box(space, files=()):
    """space/box, holding copies of the helper files (and of files, from this package), and a private
    matplotlib cache seeded with ours, all readable and the cache writable by the space's owner."""
    box = Path(space) / "box"
    for name in HELPER_FILES:
        shutil.copy(ROOT / name, box / name)
    for name in files:
        shutil.copy(HERE / name, box / name)
    mplconfig = box / ".matplotlib"
    mplconfig.mkdir()
    for cache in font_caches():
        shutil.copy(cache, mplconfig / cache.name)
    owner = os.stat(box)
    os.chown(mplconfig, owner.st_uid, owner.st_gid)
    return box


def font_caches():
    """Matplotlib's font list files of the grader's user, if any (so children do not rebuild them)."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    try:
        return [path for path in Path(base).glob("fontlist-*.json") if path.is_file()]
    except OSError:
        return []


def run_in_box(command, space, settings, timeout, stdout=None, stderr=None, env_extra=None):
    """Run command (whose paths are as seen in the sandbox, "{box}" for the box) in space/box, with
    the space as all it may write. Returns the exit code, or None if the time ran out."""
    box = Path(space) / "box"
    sandboxed = sandbox.mode() == "bubblewrap"
    inside = INSIDE if sandboxed else str(box)
    extra = {"MPLCONFIGDIR": f"{inside}/.matplotlib", **(env_extra or {})}
    env = sandbox_environment(settings, **extra) if sandboxed else host_environment(settings, **extra)
    command = [part.replace("{box}", inside) for part in command]
    if sandboxed:
        command = sandbox.wrap(command, [(box, INSIDE)], chdir=INSIDE, env=env,
                               space=space if space_module.private() else None)
    with sandbox.cgroups(settings.memory) as groups:
        return sandbox.run_child(sandbox.limited(command, settings.memory, cgroups=groups, owner=sandbox.owner()),
                                 box, timeout, env, stdout, stderr)
