"""What Explore.ipynb's controls do: settings checked and clamped, the network they describe, the signal's
spread layer by layer, a training of the 3-layer network that can be watched and stopped, and the
figures; and Explorer, the ipywidgets that tie them together.

Everything is computed with the lesson's own functions: init_lab's initializers and deep networks, and
init_utils' forward_propagation, compute_loss, backward_propagation and update_parameters for training,
the four steps of model(). The explorer adds no numerics of its own.
"""

import base64
import dataclasses
import io
import math
import threading

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter

from assignment import GRADED, graded_name
from init_checks import InputError, LessonError, call_initializer, describe
from init_lab import ACTIVATIONS, DISTRIBUTIONS, deep_forward, initialize_parameters, layer_statistics
from init_plots import POINT_COLORS, REGION_COLORS, spread
from init_utils import backward_propagation, compute_loss, forward_propagation, predict_dec, update_parameters

# The starts: label -> (init_lab method, whether the gain slider applies). "c × He" is He's scale times c.
STARTS = {"zeros": ("zeros", False), "× 0.01": ("small", False), "LeCun": ("lecun", False),
          "Glorot": ("xavier", False), "He": ("he", False), "× 10": ("random", False), "c × He": ("he", True)}
# The student's graded functions, offered as starts when they pass their tests (label -> function name).
YOURS = {"your zeros": GRADED[0], "your random": GRADED[1], "your He": GRADED[2]}
DEPTH = (1, 50)          # hidden layers
WIDTH = (8, 256)         # units per hidden layer
GAIN = (1e-3, 1e2)       # c, on a log scale
BATCH = 64               # points the live view propagates: a fraction of a second per change at depth 50
LEARNING_RATE, ITERATIONS, EVERY = 0.01, 15000, 500     # the lesson's training; redrawn every EVERY steps


@dataclasses.dataclass(frozen=True)
class Settings:
    start: str = "He"
    distribution: str = "normal"
    depth: int = 20
    width: int = 256
    activation: str = "relu"
    gain: float = 1.0


def _clamped_integer(name, value, low, high):
    number = isinstance(value, (int, np.integer, float, np.floating)) and not isinstance(value, bool)
    if not number or not np.isfinite(value):
        raise InputError(f"{name} must be a whole number from {low} to {high}; got {describe(value)}")
    return int(min(max(round(value), low), high))


def settings(start="He", distribution="normal", depth=20, width=256, activation="relu", gain=1.0, yours=()):
    """The explorer's settings, checked: names must be among the choices (an InputError lists them),
    numbers are clamped to their ranges (depth 1-50, width 8-256, gain 0.001-100); yours -- the labels
    of the student's functions that may be chosen."""
    starts = tuple(STARTS) + tuple(yours)
    for name, value, choices in (("start", start, starts), ("distribution", distribution, DISTRIBUTIONS),
                                 ("activation", activation, tuple(ACTIVATIONS))):
        if not isinstance(value, str) or value not in choices:
            raise InputError(f"{name} must be one of {', '.join(map(repr, choices))}; got {describe(value)}")
    if isinstance(gain, bool) or not isinstance(gain, (int, float, np.integer, np.floating)) or not gain > 0:
        raise InputError(f"gain must be a positive number; got {describe(gain)}")
    gain = float(min(max(gain, GAIN[0]), GAIN[1])) if np.isfinite(gain) else GAIN[1]
    return Settings(start, distribution, _clamped_integer("depth", depth, *DEPTH),
                    _clamped_integer("width", width, *WIDTH), activation, gain)


def network(s, layers_dims, yours=None):
    """The parameters the settings s give a network of layers_dims: one of the lesson's schemes (seed 3,
    as the lesson draws), or the student's function, called and checked as model() calls it."""
    if s.start in STARTS:
        method, with_gain = STARTS[s.start]
        return initialize_parameters(layers_dims, method, distribution=s.distribution, seed=3,
                                     gain=s.gain if with_gain else 1.0)
    return call_initializer((yours or {})[s.start], layers_dims, quiet=True)


def dims(s, n_x=2):
    """The deep network of the live view: n_x inputs, s.depth hidden layers of s.width units, one output."""
    return [n_x] + [s.width] * s.depth + [1]


def batch(X):
    """The BATCH points the live view propagates: a fixed sample of X's columns (all, if X has fewer)."""
    m = X.shape[1]
    return X if m <= BATCH else X[:, np.sort(np.random.RandomState(0).choice(m, BATCH, replace=False))]


def shown_layers(depth):
    """Up to four hidden layers to draw as histograms: the first, two between, the last."""
    return sorted({1, max(1, round(depth / 3)), max(1, round(2 * depth / 3)), depth})


def signal(s, X, yours=None):
    """The live view's numbers: (stats, Z) for the settings s on a batch of X: stats as
    init_lab.layer_statistics gives them, for the hidden layers only; Z the hidden pre-activations."""
    points = batch(X)
    parameters = network(s, dims(s, X.shape[0]), yours)
    Z, A = deep_forward(points, parameters, s.activation)
    stats = layer_statistics(points, parameters, forward=(Z, A), activation=s.activation)
    return {key: values[:-1] for key, values in stats.items()}, Z[:-1]


def png(fig):
    """The figure as PNG bytes. The explorer's figures are matplotlib Figures made without pyplot, whose
    registry of open figures is not safe to use from two threads (the training draws in its own)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def describe_settings(s):
    scale = f"c = {s.gain:.3g} × He" if STARTS.get(s.start, ("", False))[1] else s.start
    drawn = "" if s.start in YOURS else f", {s.distribution}"
    return f"{scale}{drawn}, {s.depth} {s.activation} layers of {s.width}"


def draw_signal(s, stats, Z):
    """Spread of Z_l and dZ_l against the layer (log scale), and histograms of a few layers' Z_l."""
    fig = Figure(figsize=(10, 5.6))
    grid = fig.add_gridspec(2, 4, height_ratios=(1.4, 1))
    layers = np.arange(1, s.depth + 1)
    for column, (key, name) in enumerate((("activation_std", "std of $Z_l$ (forward)"),
                                         ("gradient_std", "std of $dZ_l$ (backward)"))):
        ax = fig.add_subplot(grid[0, 2 * column:2 * column + 2])
        values = np.asarray(stats[key], dtype=float)
        drawable = np.isfinite(values) & (values > 0)
        ax.plot(layers[drawable], values[drawable], marker=".", color="C4")
        ax.set(xlabel="hidden layer l", title=name, yscale="log", xlim=(0.5, s.depth + 0.5))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_minor_formatter(NullFormatter())      # labels at powers of 10 only, never crowded
        if drawable.any():                                 # at least two decades, so that powers of 10 show
            low, high = values[drawable].min(), values[drawable].max()
            if high / low < 100:
                middle = np.sqrt(low * high)
                ax.set_ylim(middle / 10, middle * 10)
        zero, overflow = int(np.sum(values == 0)), int(np.sum(~np.isfinite(values)))
        if zero or overflow:
            words = ([f"{zero} layers exactly 0"] if zero else []) + ([f"{overflow} overflow"] if overflow else [])
            ax.text(0.02, 0.04, " and ".join(words) + ": not drawn on a log scale", transform=ax.transAxes,
                    fontsize=9, color="C3")
        ax.grid(True, which="major", alpha=0.3)
    width = 4 * spread(np.ravel(Z[0])) or 1.0       # every histogram on layer 1's scale, as section 6 draws them
    width = width if np.isfinite(width) else 1.0
    for column, l in enumerate(shown_layers(s.depth)):
        ax = fig.add_subplot(grid[1, column])
        values = np.ravel(Z[l - 1])
        inside = np.abs(values) <= width
        ax.hist(values[inside], bins=40, range=(-width, width), color="C4")
        off = 1 - inside.mean()
        note = "\nall off scale" if off == 1 else f"\n{off:.0%} off scale" if off >= 0.005 else ""
        ax.set_title(f"layer {l}: std {spread(values):.2g}{note}", fontsize=9)
        ax.set_xlim(-width, width)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    fig.suptitle(f"At initialization: {describe_settings(s)} ({BATCH} points); histograms on layer 1's scale",
                 fontsize=11)
    fig.subplots_adjust(left=0.06, right=0.98, top=0.88, bottom=0.06, hspace=0.45, wspace=0.35)
    return fig


def train(parameters, X, Y, stop=None, every=EVERY, num_iterations=ITERATIONS, learning_rate=LEARNING_RATE):
    """The lesson's training of the 3-layer network, as model() runs it, in pieces: yields (iteration,
    costs so far (one every 100 iterations), parameters) every `every` iterations and at the end; stops
    early once stop (a threading.Event) is set."""
    costs = []
    for i in range(num_iterations):
        a3, cache = forward_propagation(X, parameters)
        if i % 100 == 0:
            costs.append(compute_loss(a3, Y, z3=cache[8]))
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
        if (i + 1) % every == 0 or i + 1 == num_iterations or (stop is not None and stop.is_set()):
            yield i + 1, costs, parameters
            if stop is not None and stop.is_set():
                return


def draw_training(costs, parameters, X, Y, title):
    """The cost so far and the decision boundary of the parameters, side by side."""
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    costs = np.asarray(costs, dtype=float)
    left.plot(np.arange(len(costs)) * 100, costs, color="C4")
    if costs.size and costs[0] > 2:         # a confidently wrong start (× 10): log scale from the first draw
        left.set_yscale("log")
    else:                                   # linear from 0, with no offset: a flat run looks flat
        left.set_ylim(0, max(1.0, 1.1 * float(np.max(costs))) if costs.size else 1.0)
        left.ticklabel_format(axis="y", style="plain", useOffset=False)
    left.set(xlabel="iteration", ylabel="cost", title="cost", xlim=(0, ITERATIONS))
    left.grid(True, alpha=0.3)
    low, high = X.min(axis=1) - 0.25, X.max(axis=1) + 0.25
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], 150), np.linspace(low[1], high[1], 150))
    Z = predict_dec(parameters, np.c_[xx.ravel(), yy.ravel()].T).reshape(xx.shape)
    right.contourf(xx, yy, Z, levels=[-0.5, 0.5, 1.5], cmap=REGION_COLORS)
    right.scatter(X[0], X[1], c=np.ravel(Y), s=12, cmap=POINT_COLORS, vmin=0, vmax=1, edgecolors="k", linewidths=0.2)
    right.set(aspect="equal", title="decision boundary", xticks=[], yticks=[])
    fig.suptitle(title, fontsize=11)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.85, bottom=0.12, wspace=0.15)
    return fig


def accuracy_line(parameters, X, Y):
    """'Accuracy: 0.99333 (298/300 correct)', as predict() prints it."""
    correct = int(np.sum(predict_dec(parameters, X) == Y))
    return f"Accuracy: {correct / X.shape[1]:.5f} ({correct}/{X.shape[1]} correct)"


def find_yours(lesson_path):
    """The student's graded functions from the lesson notebook at lesson_path, for those that pass their
    public tests: ({label: function}, [notes on the others, or on a missing lesson])."""
    import nbformat

    import public_tests
    from init_checks import check_layers_dims
    try:
        lesson = nbformat.read(lesson_path, as_version=4)
    except (OSError, ValueError) as error:
        return {}, [f"no lesson to take your functions from ({lesson_path}: {type(error).__name__})"]
    found, notes = {}, []
    for label, name in YOURS.items():
        cells = [c.source for c in lesson.cells if c.cell_type == "code" and graded_name(c.source) == name]
        namespace = {"np": np, "check_layers_dims": check_layers_dims}
        try:
            with public_tests.time_limit(public_tests.TIME_LIMIT):      # a cell that never ends is stopped
                exec(compile(cells[0], f"{lesson_path}: {name}", "exec"), namespace)
            problems = public_tests.problems_of(name, namespace[name])
        except public_tests.TookTooLong:
            problems = [f"its cell did not finish within {public_tests.TIME_LIMIT} seconds"]
        except Exception as error:        # the student's code: whatever it raises is a note, not a crash
            problems = [f"its cell raised {type(error).__name__}: {error}"] if cells else ["its cell is missing"]
        if problems:
            notes.append(f"{label}: {name} does not pass its test yet ({problems[0]})")
        else:
            found[label] = namespace[name]
    return found, notes


class Explorer:
    """The controls, the live view and the training, as ipywidgets."""

    def __init__(self, X, Y, test_X=None, test_Y=None, yours=None):
        import ipywidgets as w
        self.X, self.Y, self.test_X, self.test_Y, self.yours = X, Y, test_X, test_Y, dict(yours or {})
        layout = {"width": "420px"}
        style = {"description_width": "90px"}
        self.start = w.Dropdown(options=list(STARTS) + list(self.yours), value="He", description="start",
                                layout=layout, style=style)
        self.distribution = w.ToggleButtons(options=list(DISTRIBUTIONS), value="normal", description="drawn from",
                                            style=style)
        self.depth = w.IntSlider(value=20, min=DEPTH[0], max=DEPTH[1], description="depth", continuous_update=False,
                                 layout=layout, style=style)
        self.width = w.IntSlider(value=256, min=WIDTH[0], max=WIDTH[1], description="width", continuous_update=False,
                                 layout=layout, style=style)
        self.activation = w.ToggleButtons(options=list(ACTIVATIONS), value="relu", description="activation",
                                          style=style)
        self.gain = w.FloatLogSlider(value=1.0, base=10, min=math.log10(GAIN[0]), max=math.log10(GAIN[1]), step=0.1,
                                     description="gain c", continuous_update=False, disabled=True, layout=layout,
                                     style=style)
        self.note = w.HTML()
        self.view = w.Image(format="png")
        self.train_button = w.Button(description="Train", button_style="primary", icon="play")
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.progress = w.IntProgress(value=0, min=0, max=ITERATIONS, description="iterations")
        self.result = w.HTML()
        self.trained = w.Image(format="png")
        self._stop, self._thread = threading.Event(), None
        for control in (self.start, self.distribution, self.depth, self.width, self.activation, self.gain):
            control.observe(self.redraw, names="value")
        self.train_button.on_click(self.start_training)
        self.stop_button.on_click(lambda _: self._stop.set())
        self.widget = w.VBox([
            w.HTML("<b>Start</b>: the weights' scheme, drawn as the lesson draws them (seed 3)."),
            self.start, self.gain, self.distribution,
            w.HTML("<b>Network</b> of the live view: hidden layers and their width; the activation. "
                   "(In Notebook 7, type a value into a slider's number or drag it: the arrow keys go to the "
                   "notebook there.)"),
            self.depth, self.width, self.activation, self.note, self.view,
            w.HTML(f"<b>Train</b> the lesson's 3-layer network [2, 10, 5, 1] from this start on the circles "
                   f"(ReLU, as model()): learning rate {LEARNING_RATE}, {ITERATIONS} iterations, redrawn every "
                   f"{EVERY}."),
            w.HBox([self.train_button, self.stop_button, self.progress]), self.result, self.trained])
        self.redraw()

    def settings(self):
        return settings(self.start.value, self.distribution.value, self.depth.value, self.width.value,
                        self.activation.value, self.gain.value, yours=tuple(self.yours))

    def redraw(self, change=None):
        """Recompute and redraw the live view for the controls' values."""
        s = self.settings()
        self.gain.disabled = not STARTS.get(s.start, ("", False))[1]
        self.distribution.disabled = s.start in self.yours          # a function of yours draws its own
        try:
            stats, Z = signal(s, self.X, self.yours)
        except LessonError as error:
            self.note.value = f"<span style='color:#c0392b'>{error}</span>"
            return
        self.note.value = (f"Computed on {BATCH} of the {self.X.shape[1]} training points, so that it redraws "
                           "quickly." + (" Your function draws its own weights: 'drawn from' does not apply."
                                         if s.start in self.yours else ""))
        self.view.value = png(draw_signal(s, stats, Z))

    def start_training(self, _=None):
        """Train in a thread of its own, so that Stop (and the other controls) answer while it runs."""
        if self._thread is not None and self._thread.is_alive():
            return
        s = self.settings()
        try:     # the student's function is called here, in the kernel's main thread, with model()'s checks
            parameters = network(s, [self.X.shape[0], 10, 5, 1], self.yours)
        except LessonError as error:
            self.result.value = f"<span style='color:#c0392b'>{error}</span>"
            return
        self._stop.clear()
        self.train_button.disabled, self.stop_button.disabled = True, False
        self.progress.value, self.result.value = 0, "Training..."
        self._thread = threading.Thread(target=self._train, args=(s, parameters), daemon=True)
        self._thread.start()

    def _train(self, s, start):
        title = f"Training from {s.start}" + (f" (c = {s.gain:.3g})" if STARTS.get(s.start, ("", False))[1] else "")
        try:
            for i, costs, parameters in train(start, self.X, self.Y, stop=self._stop):
                self.progress.value = i
                self.trained.value = png(draw_training(costs, parameters, self.X, self.Y,
                                                       f"{title}: iteration {i}"))
            lines = ["On the train set: " + accuracy_line(parameters, self.X, self.Y)]
            if self.test_X is not None:
                lines.append("On the test set: " + accuracy_line(parameters, self.test_X, self.test_Y))
            stopped = f"Stopped at iteration {self.progress.value}. " if self._stop.is_set() else "Done. "
            self.result.value = stopped + "<br>".join(lines)
        except Exception as error:       # shown where the student looks, not lost in a thread
            self.result.value = f"<span style='color:#c0392b'>Training failed: {type(error).__name__}: {error}</span>"
        finally:
            self.train_button.disabled, self.stop_button.disabled = False, True

    def show(self):
        """Display the explorer: the live widgets in Jupyter; elsewhere (nbconvert, a web page) the default
        view as a static picture, in the same output."""
        from IPython.display import display
        print("The controls below need a live Jupyter (JupyterLab or Notebook 7, with ipywidgets); where there is "
              "none, as in an exported page, the picture shows the default settings.")
        display({"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                              "model_id": self.widget.model_id},
                 "image/png": base64.b64encode(self.view.value).decode("ascii"),
                 "text/plain": "Explorer (controls need a live Jupyter)"}, raw=True,
                metadata={"image/png": {"alt": "The explorer's default view: " + describe_settings(self.settings())
                                        + "; the spread of Z_l and dZ_l against the layer, and histograms."}})
