"""Speed of the lesson's code against the course's loop written plainly and without waste, side by side.

    python benchmarks/benchmark.py                       # the five figures (about 3 minutes)
    python benchmarks/benchmark.py --quick               # skip the whole-notebook measurement
    python benchmarks/benchmark.py --notebook copy.ipynb # time another version of the notebook

The yardstick is benchmarks/lean_course.py: the course's formulas with np.dot, a dict of parameters and
the cost computed only every 1 000 iterations. Prints five figures, the first four as ratios against it:
1. the whole notebook, executed by `jupyter nbconvert --execute`, against `python lean_course.py` (which
   trains the three course models): goal at most 5 times the time;
2. model()'s training (the notebook's own model() through init_utils' course functions, He, 15 000
   iterations) against the lean loop: goal at most 1.1 times the time (the price of the functions' entry
   checks), with the same He costs (to 1e-12 relative); it also says whether the final weights are
   bit-identical to the lean loop's (they should be: both use the course's arithmetic);
3. train_many on 16 networks (all workers) against one lean run: goal at most 3 times the time;
4. the sweep cell of section 7 alone (39 networks, 15 000 iterations): its time per network-iteration
   with all workers, next to one core's (the same call with threads=1, 1 500 iterations) and numpy's
   elementwise floor on one core (the ufunc passes of a step alone, on 16 stacked networks);
5. Explore.ipynb's live view: one redraw (the network, the signal through it, the figure, its PNG) at the
   largest settings (50 layers of 256 units) and at the default ones (20 layers), in seconds (it has no
   yardstick); goal at most 0.5 s, so that the view keeps up with a control moved by hand.
Each timing is the best of several runs, alternating with its yardstick, so that both see the same
machine load; the ratios are steadier than the seconds on a busy machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
os.environ.setdefault("MPLBACKEND", "Agg")

import lean_course  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402

import init_data  # noqa: E402
import init_explore  # noqa: E402
import init_lab  # noqa: E402
from assignment import graded_name  # noqa: E402


def lesson_namespace(notebook):
    """The notebook's imports, model() and graded functions, executed into one namespace."""
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    wanted = cells[:1] + [s for s in cells[1:] if "\ndef model(" in "\n" + s or graded_name(s)]
    namespace = {"__name__": "Initialization_notebook"}
    for source in wanted:
        exec(source, namespace)
    return namespace


def alternate(functions, rounds):
    """Best wall-clock time of each function over `rounds` rounds, run alternately; and their last results."""
    times, results = [float("inf")] * len(functions), [None] * len(functions)
    for _ in range(rounds):
        for i, function in enumerate(functions):
            start = time.perf_counter()
            results[i] = function()
            times[i] = min(times[i], time.perf_counter() - start)
    return times, results


def report(name, figure, goal, ok, detail=""):
    verdict = "" if ok is None else "MET" if ok else "NOT MET"
    print(f"{name:<42} {figure:>9}   goal {goal:<9} {verdict:<7} {detail}", flush=True)
    return ok is not False


def lean_run(X, Y, kind="he"):
    return lean_course.train(X, Y, lean_course.initialize([2, 10, 5, 1], kind))


def measure_notebook(notebook, rounds):
    """The whole notebook executed headless against the lean script training the three course models."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        execute = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", str(notebook),
                   "--output-dir", tmp, "--output", "executed"]
        script = [sys.executable, str(ROOT / "benchmarks" / "lean_course.py")]
        run = lambda command: subprocess.run(command, cwd=tmp, env=env, check=True, capture_output=True)  # noqa: E731
        (t_script, t_notebook), _ = alternate([lambda: run(script), lambda: run(execute)], rounds)
    ratio = t_notebook / t_script
    return report("1. whole notebook vs lean 3-model script", f"{ratio:.2f}x", "<= 5x", ratio <= 5,
                  f"(script {t_script:.1f} s, notebook {t_notebook:.1f} s)")


def measure_model(notebook, X, Y, rounds):
    """The notebook's model() against the lean loop, He initialization; also compares their costs and weights."""
    lesson = lesson_namespace(notebook)
    recorded = []
    lesson["plot_costs"] = lambda costs, *args, **kwargs: recorded.append(list(costs))    # keep the costs
    run_model = lambda: lesson["model"](X, Y, print_cost=False, initialization="he")      # noqa: E731
    (t_lean, t_model), ((lean_parameters, lean_costs), parameters) = alternate(
        [lambda: lean_run(X, Y), run_model], rounds)
    ours = np.array(recorded[-1][::10])                 # model() records every 100 iterations, lean every 1000
    worst = float(np.max(np.abs(ours - lean_costs) / np.abs(lean_costs)))
    same = all(np.array_equal(parameters[key], lean_parameters[key]) for key in lean_parameters)
    ratio = t_model / t_lean
    return report("2. model() training vs lean loop", f"{ratio:.2f}x", "<= 1.1x", ratio <= 1.1 and worst <= 1e-12,
                  f"(lean {t_lean:.2f} s, model {t_model:.2f} s; costs agree to {worst:.0e} relative; "
                  f"final weights {'bit-identical' if same else 'DIFFERENT'})")


def measure_train_many(X, Y, rounds):
    """train_many of 16 networks, with every thread it may use, against one lean run."""
    networks = [init_lab.initialize_parameters([2, 10, 5, 1], "he", seed=s) for s in range(16)]
    (t_lean, t_many), _ = alternate([lambda: lean_run(X, Y), lambda: init_lab.train_many(X, Y, networks)], rounds)
    ratio = t_many / t_lean
    threads = init_lab._thread_count(None)
    return report("3. train_many(16 networks) vs one lean run", f"{ratio:.2f}x", "<= 3x", ratio <= 3,
                  f"(lean {t_lean:.2f} s, train_many {t_many:.2f} s with {threads} worker{'s' * (threads > 1)})")


def elementwise_floor(X, Y, repeats=400):
    """Seconds per network-iteration of the elementwise passes one step of the 3-layer network makes
    (ReLU, sigmoid, dz3, the ReLU masks), on 16 stacked networks, one thread, no matrix products."""
    k, m = 16, X.shape[1]
    rng = np.random.RandomState(0)
    Z1, Z2, Z3 = rng.randn(k, 10, m), rng.randn(k, 5, m), rng.randn(k, 1, m)
    A1, A2, S3, D1, D2 = np.empty_like(Z1), np.empty_like(Z2), np.empty_like(Z3), Z1.copy(), Z2.copy()
    zeros1, zeros2, ones3 = np.zeros_like(Z1), np.zeros_like(Z2), np.ones_like(Z3)
    M1, M2 = np.empty(Z1.shape, bool), np.empty(Z2.shape, bool)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            np.maximum(Z1, zeros1, out=A1)
            np.maximum(Z2, zeros2, out=A2)
            np.negative(Z3, out=S3)
            np.exp(S3, out=S3)
            np.add(ones3, S3, out=S3)
            np.divide(ones3, S3, out=S3)
            S3 -= Y
            S3 *= 1. / m
            np.greater(A2, 0, out=M2)
            D2 *= M2
            np.greater(A1, 0, out=M1)
            D1 *= M1
        best = min(best, (time.perf_counter() - start) / repeats / k)
    return best


def measure_sweep(X, Y, rounds):
    """The sweep cell's train_many call (39 networks, 15 000 iterations), per network-iteration."""
    networks = [init_lab.initialize_parameters([2, 10, 5, 1], "he", seed=s, gain=c)
                for c in np.logspace(-2, 1, 13) for s in (1, 2, 3)]
    short = 1500
    (t_all, t_one), _ = alternate([lambda: init_lab.train_many(X, Y, networks),
                                   lambda: init_lab.train_many(X, Y, networks, num_iterations=short, threads=1)],
                                  rounds)
    per_all, per_one = t_all / (39 * 15000), t_one / (39 * short)
    floor = elementwise_floor(X, Y)
    threads = init_lab._thread_count(None)
    return report("4. sweep cell, per network-iteration", f"{per_all * 1e6:.1f} us", "(shown)", None,
                  f"({threads} workers, {t_all:.1f} s; one core {per_one * 1e6:.1f} us; "
                  f"elementwise floor on one core {floor * 1e6:.1f} us)")


def measure_explorer(X, rounds):
    """One redraw of the explorer's live view, at the largest and at the default settings."""
    def redraw(s):
        stats, Z = init_explore.signal(s, X)
        init_explore.png(init_explore.draw_signal(s, stats, Z))

    largest, default = init_explore.settings(depth=50, width=256), init_explore.settings()
    (t_largest, t_default), _ = alternate([lambda: redraw(largest), lambda: redraw(default)], rounds)
    return report("5. explorer redraw, 50 layers of 256", f"{t_largest:.2f} s", "<= 0.5 s", t_largest <= 0.5,
                  f"(default settings, 20 layers of 256: {t_default:.2f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the whole-notebook measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per measurement")
    parser.add_argument("--notebook", type=Path, default=ROOT / "Initialization.ipynb",
                        help="the notebook to time (default: the lesson)")
    args = parser.parse_args()
    X, Y, _, _ = init_data.load_dataset()
    print(f"{os.cpu_count()} CPUs; numpy {np.__version__}; best of {args.rounds} alternating rounds", flush=True)
    results = []
    if not args.quick:
        results.append(measure_notebook(args.notebook.resolve(), args.rounds))
    results += [measure_model(args.notebook, X, Y, args.rounds), measure_train_many(X, Y, args.rounds),
                measure_sweep(X, Y, args.rounds), measure_explorer(X, args.rounds)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
