"""The reports: text for a person, one JSON object, a CSV table; none of them can be spoofed by a
submission's text.

Every text that comes from a submission (messages, cell sources, file names) has its control and
formatting characters escaped in the text report and the table (an ANSI escape cannot repaint the
terminal, a bidirectional override cannot reorder a line), and CSV cells that a spreadsheet would
read as a formula get a leading apostrophe; a file name that would is written as ./NAME, the same
file. JSON escapes control characters itself.
"""

import csv
import unicodedata

from assignment import GRADED

SANDBOX_LINES = {
    "bubblewrap": "sandbox: bubblewrap (own PID namespace, no network, no view of the grader's files)",
    "none": "sandbox: NONE - bubblewrap is not available here: submitted code ran as plain processes, "
            "with your permissions (see README)",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(text):
    """text with control, formatting and separator characters written as \\xNN or \\uNNNN escapes."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() or character == " " else _escaped(character)
                   for character in text)


def _escaped(character):
    """One character as a visible escape."""
    code = ord(character)
    if unicodedata.category(character) == "Zs":          # other spaces print as a space
        return " "
    return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def passed(result):
    """True if every check that ran passed (a skipped notebook step does not fail a submission by itself)."""
    return result["score"] == result["max_score"] and result["notebook"]["passed"] is not False


def format_report(path, result):
    """A readable report of one graded submission."""
    lines = [f"Grading {escape(path)}", f"  ({SANDBOX_LINES[result['sandbox']]})", ""]
    for name, outcome in result["functions"].items():
        lines.append(f"  {name:<30} {'passed' if outcome['passed'] else 'FAILED'}")
        lines += [f"      - {escape(message)}" for message in outcome["messages"]]
    notebook = result["notebook"]
    if notebook["skipped"]:
        lines.append(f"  {'notebook (strict nbval)':<30} not run: {notebook['skipped']}")
    else:
        lines.append(f"  {'notebook (strict nbval)':<30} {'passed' if notebook['passed'] else 'FAILED'}")
    for difference in notebook["differences"]:
        where = (f"code cell {difference['cell']} (`{escape(difference['source'])}`)"
                 if difference["cell"] is not None else "notebook")
        lines.append(f"      - {where}: {escape(difference['problem'])}")
        lines += [f"            {escape(detail)}" for detail in difference["details"]]
    lines += ["", f"Score: {result['score']}/{result['max_score']}"
              + ("" if passed(result) else "  (not everything passed)")]
    return "\n".join(lines)


def summary_row(name, result):
    """One row of the folder summary: pass/FAIL per function, the notebook, the score, messages."""
    if "error" in result:
        return {"submission": name, **{f: "" for f in GRADED}, "notebook": "", "score": "",
                "max_score": len(GRADED), "error": result["error"], "messages": ""}
    notebook = result["notebook"]
    row = {"submission": name}
    row.update({f: "pass" if outcome["passed"] else "FAIL" for f, outcome in result["functions"].items()})
    row["notebook"] = "skipped" if notebook["skipped"] else ("pass" if notebook["passed"] else "FAIL")
    messages = [m for outcome in result["functions"].values() for m in outcome["messages"]]
    messages += [(f"code cell {d['cell']}" if d["cell"] is not None else "notebook") + f": {d['problem']}"
                 for d in notebook["differences"]]
    row.update(score=result["score"], max_score=result["max_score"], error="", messages=" | ".join(messages))
    return row


def csv_cell(value):
    """A CSV cell that no spreadsheet runs as a formula: a leading ' before = + - @ tab or CR."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_csv(path, rows):
    """Write summary rows to a CSV file, with a header line (OSError if it cannot be written).

    A submission's text may hold what UTF-8 cannot encode (a lone surrogate in a message, a file name
    that is not UTF-8): it is written as a \\udc80-style escape."""
    with open(path, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({key: csv_cell(csv_name(value) if key == "submission" else value)
                          for key, value in row.items()} for row in rows)


def csv_name(name):
    """A file name as the CSV gives it: ./NAME when NAME starts like a formula (still that file)."""
    return "./" + name if name.startswith(FORMULA_STARTS) else name


def format_table(rows, sandbox_mode):
    """The folder summary as an aligned text table, with the sandbox line last."""
    columns = ["submission", "zeros", "random", "he", "notebook", "score"]
    cells = [[escape(row["submission"]), *(row[f] for f in GRADED), row["notebook"],
              f"{row['score']}/{row['max_score']}" if row["score"] != "" else escape(row["error"])] for row in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(columns, *cells)]
    table = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in [columns, *cells]]
    return "\n".join(table + ["", f"({SANDBOX_LINES[sandbox_mode]})"])
