"""The lesson's figures. Each function draws one figure and shows it through show(): in a notebook as a
PNG only, with no "<Figure size ...>" text (which differs between matplotlib versions and would break the
stored outputs), elsewhere closed and returned, so that it can still be saved.

Each figure also gets an alt text, written here where the figure is made: its title, what it shows, and
the numbers a reader who cannot see it would look for (where a curve starts and ends, how many points
fall on their own side). It goes into the output's metadata, which the offline HTML page
(tools/offline_html.py) turns into the image's alt attribute.
"""

import base64
import io
import logging

import numpy as np

from init_checks import InputError, check_data, check_integer, describe

# On a fresh machine matplotlib logs "building the font cache" to stderr on first import; that line would
# land in the notebook's stored outputs, so it is silenced before the import.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

# One colour per initialization in every figure that compares them (keys: labels, lowercased).
METHOD_COLORS = {"zeros": "C7", "× 0.01": "C1", "small": "C1", "lecun": "C2", "glorot": "C3", "xavier": "C3",
                 "he": "C4", "× 10": "C5", "random": "C5"}
POINT_COLORS = ListedColormap(["#c0392b", "#2b5c9e"])      # label 0 red, label 1 blue
REGION_COLORS = ListedColormap(["#f6d0cb", "#cddcf0"])     # the same, light


def show(fig, alt):
    """Display `fig` in IPython as a PNG only, with the text `alt` in its metadata; elsewhere return it
    (closed, but it can still be saved), with the text as fig.alt_text."""
    fig.alt_text = alt
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        plt.close(fig)
        return fig
    if get_ipython() is None:   # a script or a test: nothing to show on; the figure can still be saved
        plt.close(fig)
        return fig
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    display({"image/png": base64.b64encode(buffer.getvalue()).decode("ascii")}, raw=True,
            metadata={"image/png": {"alt": alt}})
    return None


def _number(value):
    """A number for an alt text: four significant digits, 'infinite' or 'not a number'."""
    value = float(value)
    if not np.isfinite(value):
        return "not a number" if np.isnan(value) else "infinite"
    if value == 0 or 1e-3 <= abs(value) < 1e6:
        return np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-")
    return f"{value:.2e}"


def _curve(costs, every):
    """How a cost curve goes, in words: where it starts and ends, or where it overflows."""
    finite = np.isfinite(costs)
    if not finite.any():
        return "no finite cost at all"
    last = len(costs) - 1 if finite.all() else int(np.argmax(~finite)) - 1
    words = f"from {_number(costs[0])} at iteration 0 to {_number(costs[last])} at iteration {last * every}"
    if not finite.all():
        words += f", then no finite cost from iteration {(last + 1) * every} (overflow)"
    elif np.ptp(costs) <= 0.01 * abs(costs[0]):
        words += ", flat: it never moves by more than 1 % of where it starts"
    return words


def plot_dataset(X, Y, title="Training set"):
    """Scatter plot of the points X (2, m) coloured by their labels Y (1, m)."""
    _check_points(X, Y)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(X[0], X[1], c=Y.ravel(), s=30, cmap=POINT_COLORS, vmin=0, vmax=1, edgecolors="k", linewidths=0.3)
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    labels = np.ravel(Y)
    distance = np.hypot(X[0], X[1])
    alt = (f"{title}: a scatter plot of {X.shape[1]} points in the plane, {int(np.sum(labels == 0))} of label 0 "
           f"in red and {int(np.sum(labels == 1))} of label 1 in blue. Median distance from the origin: "
           + ", ".join(f"{_number(np.median(distance[labels == k]))} for label {k}" for k in (0, 1)
                       if np.any(labels == k)) + ".")
    return show(fig, alt)


def plot_costs(costs, learning_rate, every=100, title=None):
    """Cost against iterations (one value every `every` iterations).

    A log scale when the cost spans more than a factor of 10 (the large-random run starts near 1774);
    otherwise a linear one from 0, so that a flat run looks flat and rounding noise stays invisible.
    A run that overflowed (inf or NaN costs) is drawn up to the overflow, which a dashed line marks.
    """
    costs = _cost_list("plot_costs", "costs", costs)
    check_integer("every", every)
    iterations = np.arange(len(costs)) * every
    finite = np.isfinite(costs)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(iterations, np.where(finite, costs, np.nan))
    shown = costs[finite]
    if shown.size and shown.max() > 10 * shown.min():
        ax.set_yscale("log")
        ax.set_ylabel("cost (log scale)")
    else:
        ax.set_ylim(0, 1.1 * shown.max() if shown.size and shown.max() > 0 else 1)   # none after 0 iterations
        ax.set_ylabel("cost")
    if not finite.all():
        first = iterations[np.argmax(~finite)]
        ax.axvline(first, color="C3", linestyle="--", linewidth=1)
        ax.text(first, 0.5, f" overflow: no finite cost\n from iteration {first}", transform=ax.get_xaxis_transform(),
                color="C3", fontsize=8, va="center")
    ax.set(xlabel="iteration", title=title or f"Learning rate = {learning_rate}")
    ax.grid(True, which="both", alpha=0.3)
    alt = (f"{title or 'Cost'}: the cost against the iteration (learning rate {learning_rate}, "
           f"{'log' if ax.get_yscale() == 'log' else 'linear'} scale), " + _curve(costs, every) + ".")
    return show(fig, alt)


# The decision-boundary grid has this many points along the longer side of the plotted region,
# whatever the data's extent, so drawing it takes the same time and memory at any scale.
BOUNDARY_GRID = 320


def plot_decision_boundary(model, X, y, title=None):
    """Colour the plane by the class `model` predicts and scatter the points X (2, m), y (1, m).

    model -- a function from points (k, 2) to predictions of size k, e.g.
             lambda x: predict_dec(parameters, x.T)
    The region shown is the data's extent plus a quarter of it on every side, on a grid of at most
    BOUNDARY_GRID x BOUNDARY_GRID points.
    """
    _check_points(X, y)
    if not callable(model):
        hint = " (for parameters, pass lambda x: predict_dec(parameters, x.T))" if isinstance(model, dict) else ""
        raise InputError(f"plot_decision_boundary: model must be a function from points (k, 2) to predictions; "
                         f"got {describe(model)}{hint}")
    low, high = X.min(axis=1), X.max(axis=1)
    margin = 0.25 * max(float(np.max(high - low)), 1e-9 * max(1.0, float(np.max(np.abs(X)))))
    low, high = low - margin, high + margin
    sides = np.maximum(2, np.round(BOUNDARY_GRID * (high - low) / np.max(high - low))).astype(int)
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], sides[0]), np.linspace(low[1], high[1], sides[1]))
    points = np.c_[xx.ravel(), yy.ravel()]
    try:
        Z = np.asarray(model(points), dtype=float)
    except ValueError as error:
        if X.shape[0] != 2 or "shape" not in str(error):
            raise
        raise InputError("plot_decision_boundary: model failed on the points it was given, an array of shape "
                         f"(k, 2), one point per row ({error}); networks take one point per column: "
                         "lambda x: predict_dec(parameters, x.T), with .T") from None
    if Z.size != xx.size:
        raise InputError(f"model returned {Z.size} values for {xx.size} points: it must give one prediction per "
                         "point, e.g. lambda x: predict_dec(parameters, x.T)")
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(xx, yy, Z.reshape(xx.shape), levels=[-0.5, 0.5, 1.5], cmap=REGION_COLORS)
    ax.scatter(X[0], X[1], c=np.ravel(y), s=30, cmap=POINT_COLORS, vmin=0, vmax=1, edgecolors="k", linewidths=0.3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal", title=title)
    ones = float(np.mean(Z > 0.5))
    region = ("the model predicts label 0 everywhere" if ones == 0 else "the model predicts label 1 everywhere"
              if ones == 1 else f"the model predicts label 1 (blue) on {ones * 100:.0f} % of the area shown")
    labels = np.ravel(y)
    ix = np.clip(np.searchsorted(xx[0], X[0]), 0, xx.shape[1] - 1)
    iy = np.clip(np.searchsorted(yy[:, 0], X[1]), 0, yy.shape[0] - 1)
    own = int(np.sum((Z.reshape(xx.shape)[iy, ix] > 0.5) == (labels == 1)))
    alt = (f"{title or 'Decision boundary'}: the plane coloured by the class the model predicts, light red for "
           f"label 0 and light blue for label 1, under the {X.shape[1]} points (red 0, blue 1); {region}. "
           f"About {own} of the {X.shape[1]} points lie in the region of their own colour.")
    return show(fig, alt)


def _cost_list(where, name, costs):
    """costs as a 1-D float array: an InputError for anything else (a list of runs, text, a scalar)."""
    try:
        array = np.asarray(costs, dtype=float)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 1:
        raise InputError(f"{where}: {name} must be one list of costs (numbers), one per recorded iteration; got "
                         f"{describe(costs)}" + (" (one run at a time: plot_cost_curves draws several)"
                                                 if array is not None and array.ndim == 2 else ""))
    return array


def _check_points(X, Y):
    """Raise a ValueError unless X (2, m) and Y (1, m) can be drawn as points of the plane."""
    check_data(X, Y, where="plot")
    if X.shape[0] != 2:
        raise InputError(f"plot: X has shape {X.shape}; it needs shape (2, m), one point of the plane per column")


def spread(values):
    """Standard deviation, inf if any value overflowed (np.std would give nan, with a warning)."""
    if not np.all(np.isfinite(values)):
        return np.inf
    scale = np.max(np.abs(values))
    if scale == 0:
        return 0.0
    return float(np.std(values / scale) * scale)   # scaled first, so the squares cannot overflow


def _color(label, i):
    """The colour of an initialization's label (METHOD_COLORS), else matplotlib's i-th colour."""
    return METHOD_COLORS.get(str(label).lower(), f"C{i % 10}")


def plot_layer_statistics(stats, title="At initialization", ylim=(1e-12, 1e12)):
    """Two panels, activation std and gradient std against layer, on a log scale.

    stats -- dict {label: layer_statistics(...) result}; each label keeps its colour (METHOD_COLORS)
    ylim -- the range shown; curves that leave it are cut off (the legend says which), so that the
            small slopes that matter (a factor of 2 per layer) are not flattened by huge ones
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, key, name in zip(axes, ("activation_std", "gradient_std"),
                             ("std of $Z_l$ (forward)", "std of $dZ_l$ (backward)")):
        for i, (label, s) in enumerate(stats.items()):
            values = np.asarray(s[key], dtype=float)
            layers = np.arange(1, len(values) + 1)
            shown = np.isfinite(values) & (values >= ylim[0]) & (values <= ylim[1])
            if not values.any():
                off = " (all 0: not drawn)"
            else:
                off = "" if shown.all() else " (partly off scale)" if shown.any() else " (off scale)"
            ax.plot(layers, np.where(shown, values, np.nan), marker=".", color=_color(label, i), label=label + off)
        ax.set_yscale("log")
        ax.set(xlabel="layer l", title=name, ylim=ylim)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("standard deviation (log scale)")
    axes[1].legend(fontsize=8, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    alt = (f"{title}: two panels, the standard deviation of the pre-activations Z_l (left) and of their "
           "gradients dZ_l (right) against the layer l, on a log scale, one line per initialization. "
           + " ".join(f"{label}: Z from {_number(s['activation_std'][0])} at layer 1 to "
                      f"{_number(s['activation_std'][-1])} at layer {len(s['activation_std'])}, dZ from "
                      f"{_number(s['gradient_std'][0])} to {_number(s['gradient_std'][-1])}."
                      for label, s in stats.items()))
    return show(fig, alt)


def plot_layer_histograms(pre_activations, layers):
    """A grid of histograms of Z_l: one row per initialization, one column per layer.

    Each row keeps the x-range of its first layer (±4 standard deviations), so a signal that
    shrinks becomes a spike and one that grows runs off the panel.

    pre_activations -- dict {label: list [Z_1, ..., Z_L]} as deep_forward returns it
    layers -- the layer numbers l to show, e.g. (1, 10, 25, 50)
    """
    if not isinstance(pre_activations, dict) or not pre_activations:
        raise InputError("plot_layer_histograms: pre_activations must be a dict {label: [Z_1, ..., Z_L]}; got "
                         f"{describe(pre_activations)}")
    depth = min(len(Z) for Z in pre_activations.values())
    if (isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__") or not layers
            or any(isinstance(l, bool) or not isinstance(l, (int, np.integer)) or not 1 <= l <= depth for l in layers)):
        raise InputError(f"plot_layer_histograms: layers must be layer numbers from 1 to {depth}, e.g. (1, 10); got "
                         f"{describe(layers)} (layer l is Z[l - 1])")
    rows = len(pre_activations)
    fig, axes = plt.subplots(rows, len(layers), figsize=(2.6 * len(layers), 1.8 * rows), squeeze=False)
    for r, (label, Z) in enumerate(pre_activations.items()):
        width = 4 * spread(np.ravel(Z[layers[0] - 1]))
        for c, l in enumerate(layers):
            ax = axes[r, c]
            values = np.ravel(Z[l - 1])
            inside = np.abs(values) <= width
            ax.hist(values[inside], bins=60, range=(-width, width), color=_color(label, r), histtype="stepfilled")
            off = 1 - inside.mean()
            note = ", all off scale" if off == 1 else f", {off:.0%} off scale" if off >= 0.005 else ""
            ax.set_title(f"layer {l}: std {spread(values):.1e}{note}", fontsize=8)
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label)
            ax.set_xlim(-width, width)
            ax.tick_params(labelsize=8)
    fig.suptitle("Pre-activations $Z_l$ at initialization (each row on the scale of its layer 1)", fontsize=10)
    fig.tight_layout()
    alt = ("Pre-activations Z_l at initialization: histograms, one row per initialization, for the layers "
           + ", ".join(map(str, layers)) + ", each row on the scale of its first layer. "
           + " ".join(f"{label}: standard deviation " + ", ".join(f"{_number(spread(np.ravel(Z[l - 1])))} at layer {l}"
                                                                    for l in layers) + "."
                      for label, Z in pre_activations.items()))
    return show(fig, alt)


def plot_cost_curves(curves, every, title, ylim=(0, 1)):
    """Cost against iterations for several runs, with ln 2 (the cost of guessing 0.5) marked.

    curves -- {label: list of costs, one every `every` iterations}
    ylim -- the cost range shown; a run that leaves it (or overflows) says so in the legend
    """
    check_integer("every", every)
    if not isinstance(curves, dict) or not curves:
        raise InputError(f"plot_cost_curves: curves must be a dict {{label: costs}}; got {describe(curves)}")
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, (label, costs) in enumerate(curves.items()):
        costs = _cost_list("plot_cost_curves", f"the curve {label!r}", costs)
        shown = np.isfinite(costs) & (costs >= ylim[0]) & (costs <= ylim[1])
        off = "" if shown.all() else " (partly off scale)" if shown.any() else " (off scale)"
        ax.plot(np.arange(len(costs)) * every, np.where(shown, costs, np.nan), color=_color(label, i),
                label=label + off)
    ax.axhline(np.log(2), color="gray", linestyle=":", linewidth=1)
    ax.text(1, np.log(2), "ln 2 ", transform=ax.get_yaxis_transform(), ha="right", va="bottom",
            fontsize=8, color="gray")
    ax.set(xlabel="iteration", ylabel="cost", title=title, ylim=ylim)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    alt = (f"{title}: the cost against the iteration for {len(curves)} runs, with ln 2 = 0.693 (the cost of "
           "guessing 0.5) marked. " + " ".join(f"{label}: {_curve(np.asarray(costs, dtype=float), every)}."
                                              for label, costs in curves.items()))
    return show(fig, alt)


def plot_sweep(gains, train_acc, test_acc, final_cost, marks):
    """Results of the "how small?" sweep against the gain c (log scale).

    gains -- the c values, (g,)
    train_acc, test_acc, final_cost -- (g, s) arrays, one column per seed
    marks -- {label: c} vertical lines to draw (e.g. He at c = 1)
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for values, label, color in ((train_acc, "train", "C0"), (test_acc, "test", "C1")):
        median = np.median(values, axis=1)
        axes[0].plot(gains, median, marker="o", color=color, label=f"{label} (median of {values.shape[1]} seeds)")
        axes[0].fill_between(gains, values.min(axis=1), values.max(axis=1), color=color, alpha=0.2)
    axes[0].set(ylabel="accuracy after training", ylim=(0.4, 1.02))
    axes[1].plot(gains, np.median(final_cost, axis=1), marker="o", color="C2", label="median over seeds")
    axes[1].fill_between(gains, final_cost.min(axis=1), final_cost.max(axis=1), color="C2", alpha=0.2)
    axes[1].set(ylabel="final cost (log scale)", yscale="log")
    for ax in axes:
        for i, (label, c) in enumerate(marks.items()):
            ax.axvline(c, color="gray", linestyle=("--", ":", "-.")[i % 3], linewidth=1, label=label)
        ax.set(xscale="log", xlabel="c: weights drawn from N(0, (c · σ_He)²)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title("Accuracy (band: min to max over seeds)")
    axes[1].set_title("Cost after 15 000 iterations")
    fig.tight_layout()
    median_test = np.median(test_acc, axis=1)
    good = np.asarray(gains)[median_test >= 0.9]
    alt = (f"Results of the sweep against the gain c, from {_number(np.min(gains))} to {_number(np.max(gains))} "
           f"on a log scale, median over {test_acc.shape[1]} seeds: left the accuracy after training (train and "
           "test), right the final cost. The median test accuracy is highest, "
           f"{median_test.max() * 100:.0f} %, at c = {_number(gains[int(np.argmax(median_test))])}; "
           + (f"it is at least 90 % from c = {_number(good.min())} to c = {_number(good.max())}. "
              if good.size else "it never reaches 90 %. ")
           + "Marked: " + ", ".join(label if "c =" in label else f"{label} (c = {_number(c)})"
                                 for label, c in marks.items()) + ".")
    return show(fig, alt)
