"""Reading a submission: its graded cells, in time and memory bounded whatever the file holds.

Only the code cells' sources are kept; outputs and metadata are dropped as soon as the JSON is read.
Before the JSON is parsed, its size and the number of its containers and values are checked on the
raw bytes (a count, linear), so that a file of millions of empty objects cannot take gigabytes of
memory; and one file is parsed at a time (READ_LOCK), so that this bound does not grow with --jobs.
"""

import json
import os
import stat
import threading

from assignment import GRADED, GRADED_CELL, defines

MAX_NOTEBOOK_BYTES = 64 * 2**20
MAX_CONTAINERS = 200_000            # "[" and "{" each, strings included (the lesson has about 400)
MAX_COMMAS = 1_000_000              # a bound on the values (the lesson has about 1 900)
READ_LOCK = threading.Lock()


class Unreadable(Exception):
    """The file cannot be graded: not a notebook, too big, a link... (the message says why)."""


def read_code_cells(path, follow_links=True):
    """The sources of the code cells of the notebook at path (nbformat 3 or 4), as strings."""
    with READ_LOCK:
        raw = _read_bytes(path, follow_links)
        for byte, limit in ((b"[", MAX_CONTAINERS), (b"{", MAX_CONTAINERS), (b",", MAX_COMMAS)):
            if raw.count(byte) > limit:
                raise Unreadable(f"{path} is not a notebook a student could have saved (over {limit:,} "
                                 f"'{byte.decode()}' characters)")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:    # bad JSON, deep nesting, huge numbers
            detail = error if isinstance(error, json.JSONDecodeError) else type(error).__name__
            raise Unreadable(f"{path} is not a notebook (not valid JSON: {detail})") from None
        del raw
        return _code_sources(path, data)


def _read_bytes(path, follow_links):
    """The bytes of a regular file of at most MAX_NOTEBOOK_BYTES (a link is refused unless follow_links)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise Unreadable(f"no such file: {path}") from None
    except OSError as error:
        if not follow_links and os.path.islink(path):
            raise Unreadable(f"{path} is a symbolic link: only regular files are graded") from None
        raise Unreadable(f"cannot read {path}: {error.strerror or error}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, a device...)"
        raise Unreadable(f"{path} is {kind}: only regular files are graded")
    with os.fdopen(fd, "rb") as f:
        try:
            raw = f.read(MAX_NOTEBOOK_BYTES + 1)
        except OSError as error:
            raise Unreadable(f"cannot read {path}: {error.strerror or error}") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise Unreadable(f"{path} is too big for a notebook (over {MAX_NOTEBOOK_BYTES // 2**20} MiB)")
    return raw


def _code_sources(path, data):
    """The code cells' sources of a parsed notebook, or Unreadable naming what is wrong with it."""
    if not isinstance(data, dict) or "nbformat" not in data:
        raise Unreadable(f"{path} is not a notebook (no nbformat version)")
    version = data["nbformat"]
    if type(version) is not int or version not in (3, 4):
        raise Unreadable(f"{path} is not a notebook this grader reads: its \"nbformat\" is {json.dumps(version)[:40]}, "
                         "where Jupyter writes the whole number 4 (or 3)")
    if version == 4:
        cells, source_key = data.get("cells"), "source"
    else:                               # nbformat 3: cells in worksheets, a code cell's source is its "input"
        worksheets = data.get("worksheets")
        if not isinstance(worksheets, list) or not all(isinstance(w, dict) for w in worksheets):
            raise Unreadable(f"{path} is not a valid notebook (nbformat 3 without a list of worksheets)")
        cells, source_key = [c for w in worksheets for c in (w.get("cells") or [])], "input"
    if not isinstance(cells, list):
        raise Unreadable(f"{path} is not a valid notebook (no list of cells)")
    sources = []
    for number, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise Unreadable(f"{path} is not a valid notebook: cell {number} has no cell_type")
        if cell["cell_type"] != "code":
            continue
        source = cell.get(source_key, "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise Unreadable(f"{path} is not a valid notebook: cell {number} has no source")
        sources.append(source)
    return sources


def graded_sources(code_sources):
    """{name: source} of the code cells marked "# GRADED FUNCTION: name" (a comment line).

    Of several cells marked for one name, the last that defines the function wins (as when running
    top to bottom in Jupyter), else the last one: a later scratch cell that merely quotes the
    marker does not replace the student's function. Linear in the length of the sources.
    """
    found = {}
    for source in code_sources:
        match = GRADED_CELL.search(source)
        if match:
            found.setdefault(match.group(1), []).append(source)
    return {name: ([s for s in sources if name in GRADED and defines(s, name)] or sources)[-1]
            for name, sources in found.items()}
