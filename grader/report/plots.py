"""Plots of the training runs and of a class's grades, as PNG bytes (matplotlib, no display needed)."""
from __future__ import annotations

import io
import math

from grader.facts import Failure, Timeline, BehaviourFacts

YOURS, REFERENCE = "#c0392b", "#7f8c8d"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(figure, tight: bool = True) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight" if tight else None,
                   metadata={"Software": None})
    _pyplot().close(figure)
    return buffer.getvalue()


def _run_panel(figure, slot, timeline: Timeline, reference: Timeline | None, title: str) -> None:
    """Curves above (val_loss, val_accuracy, learning rate), events below: one row yours, one the reference's."""
    from matplotlib.ticker import MaxNLocator

    grid = slot.subgridspec(2, 1, height_ratios=(3, 1.1 if reference is not None else 0.7), hspace=0.08)
    curves = figure.add_subplot(grid[0])
    events = figure.add_subplot(grid[1], sharex=curves)
    epochs = [e.epoch for e in timeline.epochs]
    last = max(timeline.epochs_requested, max(epochs, default=1))
    curves.plot(epochs, [e.val_loss for e in timeline.epochs], "-o", ms=3, color="#2c3e50", label="val_loss")
    curves.plot(epochs, [e.val_accuracy for e in timeline.epochs], "--s", ms=3, color="#27ae60",
                label="val_accuracy")
    curves.set_title(title, fontsize=10, loc="left")
    curves.tick_params(labelbottom=False, labelsize=8)
    rates = curves.twinx()
    rates.step(epochs, [e.learning_rate for e in timeline.epochs], where="post", color=YOURS, alpha=0.7,
               label="learning rate (yours)")
    if reference is not None:
        rates.step([e.epoch for e in reference.epochs], [e.learning_rate for e in reference.epochs], where="post",
                   color=REFERENCE, alpha=0.8, linestyle=":", label="learning rate (reference)")
    if any(e.learning_rate for e in timeline.epochs):
        rates.set_yscale("log")
    rates.tick_params(labelsize=7)
    handles, labels = curves.get_legend_handles_labels()
    more_handles, more_labels = rates.get_legend_handles_labels()
    curves.legend(handles + more_handles, labels + more_labels, fontsize=7, loc="upper right", ncols=2)

    rows = [("yours", timeline, YOURS)] + ([("reference", reference, REFERENCE)] if reference is not None else [])
    for level, (who, run, color) in enumerate(reversed(rows)):
        saves, drops = run.saves(), run.lr_drops()
        events.plot(saves, [level + 0.15] * len(saves), "v", color=color, ms=7,
                    label="checkpoint saved" if who == "yours" else None)
        events.plot(drops, [level - 0.15] * len(drops), "D", color=color, ms=5, mfc="none",
                    label="learning rate lowered" if who == "yours" else None)
        if run.stopped_early:
            events.plot([run.last_epoch], [level], "X", color=color, ms=9,
                        label="training stopped" if who == "yours" else None)
            curves.axvline(run.last_epoch, color=color, linestyle="-" if who == "yours" else "--", lw=1.2)
    events.set_yticks(range(len(rows)), [who for who, _, _ in reversed(rows)], fontsize=8)
    events.set_ylim(-0.6, len(rows) - 0.4)
    events.set_xlim(0.5, last + 0.5)
    events.xaxis.set_major_locator(MaxNLocator(integer=True))
    events.tick_params(labelsize=8)
    events.set_xlabel("epoch", fontsize=8)
    events.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def training_runs_png(student, reference) -> bytes | None:
    """The scripted plateau (yours beside the reference's) and the natural run, one panel each.

    None when the student's callbacks never ran (nothing to draw).
    """
    if isinstance(student, Failure) or not isinstance(student, BehaviourFacts) or student.scripted is None:
        return None
    expected = reference.scripted if isinstance(reference, BehaviourFacts) else None
    panels = [(student.scripted, expected, "Scripted plateau: val_loss and val_accuracy set by the grader")]
    if student.natural is not None:
        panels.append((student.natural, None, "Natural run: labels that cannot be learned"))
    plt = _pyplot()
    width, height = 9.6, 3.4 * len(panels) + 0.3
    figure = plt.figure(figsize=(width, height))
    # Margins in inches, set here rather than found by bbox_inches="tight", which draws the figure
    # twice (half of a report's CPU in batch): room for the tick labels, the events' legend on the right.
    grid = figure.add_gridspec(len(panels), 1, hspace=0.35, left=0.75 / width, right=1 - 1.75 / width,
                               bottom=0.5 / height, top=1 - 0.3 / height)
    for index, (timeline, other, title) in enumerate(panels):
        _run_panel(figure, grid[index], timeline, other, title)
    return _png(figure, tight=False)


def histogram_png(scores: list[float], max_score: float) -> bytes:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7, 3))
    # Bins of a 20th of the total, and as many more as extra credit reaches beyond it.
    width = max_score / 20 if max_score else 1
    bins = [width * i for i in range(max(20, math.ceil(max(scores, default=0) / width)) + 1)]
    axis.hist(scores, bins=bins, color="#2980b9", edgecolor="white")
    from matplotlib.ticker import MaxNLocator

    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("score")
    axis.set_ylabel("submissions")
    axis.set_title(f"Scores ({len(scores)} submissions, out of {max_score:g})", fontsize=10, loc="left")
    return _png(figure)


def pass_rates_png(rates: list[tuple[str, float]]) -> bytes:
    """Horizontal bars: the share of submissions that earned each item, hardest at the top."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7, 0.24 * len(rates) + 1))
    names = [name for name, _ in rates]
    values = [100 * rate for _, rate in rates]
    axis.barh(names, values, color=["#c0392b" if v < 50 else "#f39c12" if v < 80 else "#27ae60" for v in values])
    axis.invert_yaxis()
    axis.set_xlim(0, 100)
    axis.set_xlabel("% of submissions that earned the item")
    axis.tick_params(axis="y", labelsize=7)
    return _png(figure)


def explore_rates_png(student, reference) -> bytes | None:
    """The explore step's real fit: the learning rate each epoch began with, yours against the reference's
    (the warm-up's climb, then ReduceLROnPlateau's drop, which a warm-up that returns a constant undoes).

    None when the fit did not run (nothing to draw)."""
    from grader.facts import ExploreFacts

    if not isinstance(student, ExploreFacts) or student.run is None or not student.run.epochs:
        return None
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    width, height = 9.6, 3.0
    figure = plt.figure(figsize=(width, height))
    axis = figure.add_axes((0.75 / width, 0.5 / height, 1 - 2.55 / width, 1 - 0.85 / height))
    runs = [("yours", student.run, YOURS, "-")]
    if isinstance(reference, ExploreFacts) and reference.run is not None:
        runs.append(("reference", reference.run, REFERENCE, ":"))
    for who, run, color, style in runs:
        epochs = [e.epoch for e in run.epochs if e.learning_rate]
        rates = [e.learning_rate for e in run.epochs if e.learning_rate]
        axis.step(epochs, rates, where="post", color=color, linestyle=style, lw=1.8, marker="o", ms=3,
                  label=f"learning rate ({who})")
        if run.stopped_early:
            axis.axvline(run.last_epoch, color=color, linestyle=style, lw=1, alpha=0.7)
    if any(rate for _, run, _, _ in runs for rate in (e.learning_rate for e in run.epochs)):
        axis.set_yscale("log")
    axis.set_title("Explore: learning rate in the fit with your warm-up, StopAtTarget and the three callbacks",
                   fontsize=10, loc="left")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("epoch", fontsize=8)
    axis.tick_params(labelsize=8)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(figure, tight=False)
