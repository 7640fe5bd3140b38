"""Speed of the lesson's code against the plain course-style loop, measured side by side.

    python benchmarks/benchmark.py            # all three measurements (about 80 seconds)
    python benchmarks/benchmark.py --quick    # skip the whole-notebook measurement

Prints three ratios and whether each meets its goal:
1. model()'s training (the notebook's own model(), He initialization, 15 000 iterations) against
   the plain loop of plain_course.py: goal at least 1.25 times faster, with the same He costs
   (to 1e-12 relative).
2. train_many on 16 networks against one plain run: goal at most 5 times the time (16 runs of
   model() one after another would be about 11 times).
3. The whole notebook, executed by `jupyter nbconvert --execute`, against `python plain_course.py`
   (which trains the three course models with the plain loop): goal at most 6 times the time.
Each timing is the best of several alternating runs, which keeps the ratios steady on a busy machine.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import plain_course  # noqa: E402

import init_utils  # noqa: E402


def lesson_namespace():
    """The notebook's imports, model() and graded functions, executed into one namespace."""
    cells = json.loads((ROOT / "Initialization.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    wanted = [s for s in sources if s.startswith("import numpy") or "def model(" in s
              or s.startswith("# GRADED FUNCTION:")]
    namespace = {}
    for source in wanted:
        exec(source, namespace)
    return namespace


def best_time(function, repeats):
    """Shortest wall-clock time of `repeats` calls, and the last call's result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def alternate(first, second, rounds):
    """Best times of two functions, run alternately so that both see the same machine load."""
    times = [float("inf"), float("inf")]
    results = [None, None]
    for _ in range(rounds):
        for i, function in enumerate((first, second)):
            elapsed, results[i] = best_time(function, 1)
            times[i] = min(times[i], elapsed)
    return times, results


def report(name, ratio, goal, ok, detail=""):
    print(f"{name:<44} {ratio:6.2f}x   goal {goal:<14} {'MET' if ok else 'NOT MET'} {detail}")
    return ok


def measure_model(X, Y, rounds):
    """model() against the plain loop, He initialization; also compares their costs."""
    lesson = lesson_namespace()
    recorded = []
    lesson["plot_costs"] = lambda costs, *args, **kwargs: recorded.append(list(costs))  # keep the costs
    run_model = lambda: lesson["model"](X, Y, print_cost=False, initialization="he")   # noqa: E731
    run_plain = lambda: plain_course.p_model(X, Y, plain_course.p_initialize([2, 10, 5, 1], "he"))  # noqa: E731
    (t_plain, t_model), (plain_result, _) = alternate(run_plain, run_model, rounds)
    ours = np.array(recorded[-1][::10])                  # model() records every 100, plain every 1000
    theirs = np.array(plain_result[1])
    worst = float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
    return report("model() training vs plain loop (speed-up)", t_plain / t_model, ">= 1.25x",
                  t_plain / t_model >= 1.25 and worst <= 1e-12,
                  f"(plain {t_plain:.2f} s, model {t_model:.2f} s; costs agree to {worst:.1e} relative)")


def measure_train_many(X, Y, rounds):
    """train_many of 16 networks against one plain run."""
    networks = [init_utils.initialize_parameters([2, 10, 5, 1], "he", seed=s) for s in range(16)]
    run_many = lambda: init_utils.train_many(X, Y, networks)                  # noqa: E731
    run_plain = lambda: plain_course.p_model(X, Y, plain_course.p_initialize([2, 10, 5, 1], "he"))  # noqa: E731
    (t_plain, t_many), _ = alternate(run_plain, run_many, rounds)
    return report("train_many(16 networks) vs one plain run", t_many / t_plain, "<= 5x",
                  t_many / t_plain <= 5, f"(plain {t_plain:.2f} s, train_many {t_many:.2f} s)")


def measure_notebook(rounds):
    """The whole notebook executed headless against the plain script training the three models."""
    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / "executed.ipynb"
        notebook = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    str(ROOT / "Initialization.ipynb"), "--output", str(executed)]
        script = [sys.executable, str(ROOT / "benchmarks" / "plain_course.py")]
        run = lambda command: subprocess.run(command, cwd=ROOT, check=True, capture_output=True)  # noqa: E731
        (t_script, t_notebook), _ = alternate(lambda: run(script), lambda: run(notebook), rounds)
    return report("whole notebook vs plain 3-model script", t_notebook / t_script, "<= 6x",
                  t_notebook / t_script <= 6, f"(script {t_script:.1f} s, notebook {t_notebook:.1f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the whole-notebook measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per measurement")
    args = parser.parse_args()
    X, Y, _, _ = init_utils.load_dataset()
    results = [measure_model(X, Y, args.rounds), measure_train_many(X, Y, args.rounds)]
    if not args.quick:
        results.append(measure_notebook(max(2, args.rounds - 1)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
