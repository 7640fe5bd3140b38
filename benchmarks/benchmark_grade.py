"""What the grader's sandbox and --jobs cost, side by side.

    python benchmarks/benchmark_grade.py            # both figures with the notebook step (about 15 minutes)
    python benchmarks/benchmark_grade.py --quick    # --notebook never: step 1 only (about 3 minutes)

Prints two figures, each a ratio of wall-clock times measured on this machine in alternation (best
of --repeat runs each), so that both sides see the same load:
1. one correct submission graded with the bubblewrap sandbox, against the same grade.py without it
   (GRADE_NO_SANDBOX=1: plain child processes) and against the grade.py of commit d9e8754 (before the
   sandbox, verdicts inside the children): goal at most 1.3 times;
2. a folder of 8 correct submissions graded with --jobs 2, against --jobs 1 (one by one): goal at
   most 0.6 times (on 2 cores or more).
The correct submission is a copy of the solution notebook, Initialization.ipynb.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADE = ROOT / "grade.py"
OLD_COMMIT = "d9e8754"          # the last grade.py without the sandbox


def run(command, env=None):
    """Seconds that command took; it must end with exit code 0."""
    start = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def old_grader(directory):
    """The grade.py of OLD_COMMIT in directory, with the files it expects beside it; its path."""
    old = Path(directory) / "old"
    old.mkdir()
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD_COMMIT}:grade.py"], capture_output=True,
                            text=True, check=True).stdout
    (old / "grade.py").write_text(source)
    for name in ("init_utils.py", "public_tests.py", "Initialization.ipynb"):
        shutil.copy(ROOT / name, old / name)
    return old / "grade.py"


def best_of_alternating(commands, repeat):
    """{label: best seconds} for {label: (command, env)}, running them in turn repeat times."""
    best = {label: float("inf") for label in commands}
    for _ in range(repeat):
        for label, (command, env) in commands.items():
            best[label] = min(best[label], run(command, env))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the notebook step (--notebook never)")
    parser.add_argument("--repeat", type=int, default=None, help="runs of each side (default 3, or 2 without --quick)")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 2)
    notebook = ["--notebook", "never"] if args.quick else ["--notebook", "always"]
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="benchmark-grade-") as directory:
        submission = Path(directory) / "alice.ipynb"
        shutil.copy(ROOT / "Initialization.ipynb", submission)
        folder = Path(directory) / "class"
        folder.mkdir()
        for number in range(8):
            shutil.copy(ROOT / "Initialization.ipynb", folder / f"student{number}.ipynb")
        old = old_grader(directory)

        print(f"1. one correct submission ({'step 1 only' if args.quick else 'with the notebook step'}), "
              f"best of {repeat}:")
        one = best_of_alternating({
            "sandbox": ([python, GRADE, submission, *notebook], None),
            "no sandbox": ([python, GRADE, submission, *notebook], {"GRADE_NO_SANDBOX": "1"}),
            f"grade.py of {OLD_COMMIT}": ([python, old, submission, *notebook], None),
        }, repeat)
        for label, seconds in one.items():
            print(f"   {label:<22} {seconds:7.1f} s")
        print(f"   sandbox / no sandbox       {one['sandbox'] / one['no sandbox']:.2f}x   (goal <= 1.3)")
        print(f"   sandbox / before it        {one['sandbox'] / one[f'grade.py of {OLD_COMMIT}']:.2f}x")

        print(f"2. a folder of 8 correct submissions, --jobs 2 against --jobs 1, best of {max(1, repeat - 1)}:")
        folder_times = best_of_alternating({
            "--jobs 2": ([python, GRADE, folder, "--jobs", "2", *notebook], None),
            "--jobs 1": ([python, GRADE, folder, "--jobs", "1", *notebook], None),
        }, max(1, repeat - 1))
        for label, seconds in folder_times.items():
            print(f"   {label:<22} {seconds:7.1f} s")
        print(f"   --jobs 2 / --jobs 1        {folder_times['--jobs 2'] / folder_times['--jobs 1']:.2f}x   "
              f"(goal <= 0.6; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
