"""What a child may hand back to grade.py, and how grade.py reads it.

The child (child.py, in the sandbox) runs one graded cell and calls the function on the calls of
public_tests.call_plan(name). It writes one JSON file, data only:

    {"status": "ran", "outcomes": [OUTCOME, ...]}              one per call of the plan, in order
    {"status": "syntax_error", "error": "...", "line": 3 or null, "text": "..." or null}
    {"status": "cell_raised", "type": "NameError", "message": "..."}
    {"status": "no_function"}

    OUTCOME = {"raised": {"type": "...", "message": "..."}}
            | {"other": "type name"}                           not a dict
            | {"dict": [[key text, key is a str, VALUE], ...]}
    VALUE   = {"other": "type name"}
            | {"array": {"dtype": "float64", "kind": "f", "shape": [2, 3], "values": [...] or null}}

The parent trusts none of it: read_result checks every field's type, every size against the bounds
of public_tests (MAX_TEXT, MAX_KEYS, MAX_VALUES), and that each array's values match its dtype and
shape, then rebuilds public_tests' outcome objects, on which the diagnosis runs. Anything else is a
MalformedResult, which fails the function with a message; it never crashes grade.py.

This module is also copied into the sandbox, where child.py uses outcome_to_json: it needs only the
standard library, numpy and public_tests.
"""

import json
import math

import numpy as np

import public_tests as pt

MAX_RESULT_BYTES = 4 * 2**20
STATUSES = ("ran", "syntax_error", "cell_raised", "no_function")
# The dtypes whose values may travel, by name; any other dtype is only named (kind "?").
DTYPES = {np.dtype(code).name: np.dtype(code) for code in "efdgbhilqBHILQ?"}
ELEMENT_TYPES = {"f": (float, int), "i": (int,), "u": (int,), "b": (bool,)}


class MalformedResult(Exception):
    """The child's result does not follow the protocol (the message says where)."""


# --------------------------------------------------------------------------------------------
# Child side
# --------------------------------------------------------------------------------------------

def outcome_to_json(outcome):
    """A public_tests outcome (Raised, Other or Mapping) as the JSON-ready data above."""
    if isinstance(outcome, pt.Raised):
        return {"raised": {"type": outcome.type_name, "message": outcome.message}}
    if isinstance(outcome, pt.Other):
        return {"other": outcome.type_name}
    return {"dict": [[key, label == repr(key), _value_to_json(value)]
                     for key, label in outcome.key_labels.items() for value in [outcome[key]]]}


def _value_to_json(value):
    """An Array or Other as JSON-ready data; values as Python numbers (NaN and infinities included)."""
    if isinstance(value, pt.Other):
        return {"other": value.type_name}
    values = None
    if value.values is not None:
        convert = {"f": float, "i": int, "u": int, "b": bool}[value.kind]
        values = [convert(x) for x in value.values.ravel().tolist()]
    return {"array": {"dtype": value.dtype, "kind": value.kind, "shape": list(value.shape), "values": values}}


# --------------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------------

def read_result(data, plan):
    """The child's result bytes, checked: (status, details) where details is, for "ran", the dict
    {(tuple(layers_dims), global_seed): outcome} over the plan, else the dict of the status's fields.

    Raises MalformedResult for anything that does not follow the protocol.
    """
    if data is None:
        raise MalformedResult(f"no result file, or not a regular file of at most {MAX_RESULT_BYTES} bytes")
    try:
        result = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:      # deep nesting, huge integers
        raise MalformedResult(f"not valid JSON ({type(error).__name__})") from None
    _expect(isinstance(result, dict) and result.get("status") in STATUSES, "no known status")
    status = result["status"]
    if status == "ran":
        outcomes = result.get("outcomes")
        _expect(isinstance(outcomes, list) and len(outcomes) == len(plan), "not one outcome per call")
        return status, {(tuple(dims), seed): _outcome(item) for (dims, seed), item in zip(plan, outcomes)}
    if status == "syntax_error":
        line = result.get("line")
        _expect(line is None or (type(line) is int and 0 <= line < 10**9), "a bad line number")
        return status, {"error": _text(result.get("error")), "line": line,
                        "text": None if result.get("text") is None else _text(result.get("text"))}
    if status == "cell_raised":
        return status, {"type": _text(result.get("type")), "message": _text(result.get("message"))}
    return status, {}


def _expect(condition, problem):
    """Raise MalformedResult(problem) unless condition."""
    if not condition:
        raise MalformedResult(problem)


def _text(value):
    """value if it is a string of at most MAX_TEXT characters."""
    _expect(isinstance(value, str) and len(value) <= pt.MAX_TEXT, "a text field is missing or too long")
    return value


def _outcome(item):
    """One call's outcome as public_tests' Raised, Other or Mapping."""
    _expect(isinstance(item, dict) and len(item) == 1, "an outcome is not a one-key object")
    (what, body), = item.items()
    if what == "raised":
        _expect(isinstance(body, dict), "a bad exception record")
        return pt.Raised(_text(body.get("type")), _text(body.get("message")))
    if what == "other":
        return pt.Other(_text(body))
    _expect(what == "dict" and isinstance(body, list) and len(body) <= pt.MAX_KEYS, "a bad or too big dict")
    items, labels = {}, {}
    for entry in body:
        _expect(isinstance(entry, list) and len(entry) == 3 and type(entry[1]) is bool, "a bad dict entry")
        key = _text(entry[0])
        _expect(key not in items, "a key given twice")
        items[key] = _value(entry[2])
        labels[key] = repr(key) if entry[1] else key
    return pt.Mapping(items, labels)


def _value(item):
    """One dict value as public_tests' Array or Other, its values checked against dtype and shape."""
    _expect(isinstance(item, dict) and len(item) == 1, "a dict value is not a one-key object")
    (what, body), = item.items()
    if what == "other":
        return pt.Other(_text(body))
    _expect(what == "array" and isinstance(body, dict), "a bad dict value")
    dtype, kind, shape = _text(body.get("dtype")), body.get("kind"), body.get("shape")
    _expect(isinstance(shape, list) and len(shape) <= 32
            and all(type(n) is int and 0 <= n < 2**40 for n in shape), "a bad shape")
    size = math.prod(shape)
    if kind == "?":
        _expect(body.get("values") is None and dtype not in DTYPES, "values for an unknown dtype")
        return pt.Array(dtype, kind, tuple(shape), None)
    _expect(dtype in DTYPES and DTYPES[dtype].kind == kind, "a dtype that does not match its kind")
    values = body.get("values")
    if size > pt.MAX_VALUES:
        _expect(values is None, "values for a big array")
        return pt.Array(dtype, kind, tuple(shape), None)
    _expect(isinstance(values, list) and len(values) == size, "values that do not match the shape")
    _expect(all(type(x) in ELEMENT_TYPES[kind] for x in values), "values that do not match the dtype")
    try:
        array = np.array(values, dtype=np.float64 if kind == "f" else DTYPES[dtype]).astype(DTYPES[dtype])
    except (OverflowError, ValueError):
        raise MalformedResult("values out of the dtype's range") from None
    return pt.Array(dtype, kind, tuple(shape), array.reshape(shape))
