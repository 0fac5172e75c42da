"""Plots for the HTML report, drawn with matplotlib as inline SVG (no files, no network).

Every function takes plain data from the Report and returns an SVG string, or None when
there is nothing to draw. Only numbers reach the plots; every label is ours.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("svg")
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                            "axes.spines.right": False, "svg.hashsalt": "drill"})
PLANNED, ACTUAL, WARN = "#b6c2cf", "#0969da", "#cf222e"


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # inline: drop the XML prolog and doctype
    return re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r'\1 width="100%"', text, count=1)


def warm_up() -> None:
    """Draw a throwaway figure: loads fonts and the SVG backend's caches, so the real
    plots (drawn after the graders finish) cost only their own drawing."""
    figure = Figure(figsize=(2, 1))
    figure.add_subplot().plot([0, 1], [0, 1], marker="o")
    _svg(figure)


def _numbers(values) -> list[float] | None:
    if not isinstance(values, list) or not values:
        return None
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return None


def timeline(timing: dict) -> str | None:
    phases = timing.get("phases") or []
    if not phases:
        return None
    figure = Figure(figsize=(6.4, 0.45 * len(phases) + 0.9))
    axes = figure.add_subplot()
    names = [p["phase"] for p in phases][::-1]
    for row, phase in enumerate(phases[::-1]):
        axes.barh(row + 0.18, phase["planned_s"] / 60, left=phase["planned_start_s"] / 60,
                  height=0.34, color=PLANNED, label="planned" if row == 0 else None)
        if phase.get("start_s") is not None:
            over = phase["spent_s"] > phase["planned_s"]
            axes.barh(row - 0.18, phase["spent_s"] / 60, left=phase["start_s"] / 60, height=0.34,
                      color=WARN if over else ACTUAL,
                      label=("actual" if not timing.get("boundaries_assumed") else "by the plan's clock")
                      if row == len(phases) - 1 else None)
    for pause in timing.get("pauses") or []:
        axes.axvline(pause["at_s"] / 60, color="#8250df", linestyle=":", linewidth=1)
    for hint in timing.get("hints") or []:
        axes.plot([hint["at_s"] / 60], [-0.6], marker="^", color="#9a6700")
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("minutes into the session")
    axes.legend(loc="lower right", frameon=False, fontsize=8)
    figure.subplots_adjust(left=0.17, right=0.98, bottom=0.8 / figure.get_figheight(), top=0.95)
    return _svg(figure)


def overfit_curves(data: dict) -> str | None:
    if not isinstance(data, dict):
        return None
    figure = Figure(figsize=(6.4, 2.8))
    axes = figure.add_subplot()
    drawn = False
    for label, colour in (("p=0", WARN), ("p=0.5", ACTUAL)):
        curve = data.get(label) or {}
        steps, train, test = (_numbers(curve.get(k)) for k in ("step", "train", "test"))
        if not steps or not train or not test or not len(steps) == len(train) == len(test):
            continue
        axes.plot(steps, train, color=colour, linestyle="--", label=f"train, {label}")
        axes.plot(steps, test, color=colour, label=f"test, {label}")
        drawn = True
    if not drawn:
        return None
    axes.set_yscale("log")
    axes.set_xlabel("training step")
    axes.set_ylabel("MSE (eval mode)")
    axes.set_title("Overfitting demo with your Dropout", fontsize=9)
    axes.legend(frameon=False, fontsize=8, ncol=2)
    figure.subplots_adjust(left=0.11, right=0.98, bottom=0.17, top=0.9)
    return _svg(figure)


def p_sweep(data: dict, curves: dict | None = None) -> str | None:
    if not isinstance(data, dict):
        return None
    ps, train, test = (_numbers(data.get(k)) for k in ("p", "train", "test"))
    if not ps or not train or not test or not len(ps) == len(train) == len(test):
        return None
    points = dict(zip(ps, zip(train, test)))
    for label, p in (("p=0", 0.0), ("p=0.5", 0.5)):  # the benefit check's final losses
        curve = (curves or {}).get(label) if isinstance(curves, dict) else None
        ends = [_numbers(curve.get(k)) for k in ("train", "test")] if isinstance(curve, dict) else []
        if len(ends) == 2 and all(ends):
            points[p] = (ends[0][-1], ends[1][-1])
    ps = sorted(points)
    train, test = [points[p][0] for p in ps], [points[p][1] for p in ps]
    figure = Figure(figsize=(6.4, 2.6))
    axes = figure.add_subplot()
    axes.plot(ps, test, marker="o", color=ACTUAL, label="test loss")
    axes.plot(ps, train, marker=".", linestyle="--", color=PLANNED, label="train loss")
    axes.set_xlabel("drop probability p")
    axes.set_ylabel("MSE (eval mode)")
    axes.set_title("Sweeping p with your Dropout: the paper's U-shape", fontsize=9)
    axes.legend(frameon=False, fontsize=8)
    figure.subplots_adjust(left=0.11, right=0.98, bottom=0.17, top=0.9)
    return _svg(figure)


def attempts(history: list[dict], current: dict) -> str | None:
    points = [a for a in history if isinstance(a.get("score"), (int, float))] + [current]
    if len(points) < 2:
        return None
    figure = Figure(figsize=(6.4, 2.4))
    axes = figure.add_subplot()
    xs = list(range(1, len(points) + 1))
    axes.plot(xs, [p["score"] for p in points], marker="o", color=ACTUAL, label="score")
    flagged = [(x, p["score"]) for x, p in zip(xs, points) if p.get("red_flags")]
    if flagged:
        axes.scatter(*zip(*flagged), color=WARN, zorder=3, label="with red flags")
    axes.axhline(current["max_score"], color=PLANNED, linestyle=":", linewidth=1)
    axes.set_xticks(xs)
    axes.set_xlabel("attempt")
    axes.set_ylabel("score")
    axes.legend(frameon=False, fontsize=8)
    figure.subplots_adjust(left=0.11, right=0.98, bottom=0.17, top=0.9)
    return _svg(figure)


def all_plots(report) -> dict[str, str]:
    data = report.plot_data or {}
    current = {"score": report.score, "max_score": report.max_score,
               "red_flags": [f.id for f in report.red_flags]}
    drawn = {"timeline": timeline(report.timing) if report.timing else None,
             "overfit": overfit_curves(data.get("overfit_curves")),
             "sweep": p_sweep(data.get("p_sweep"), data.get("overfit_curves")),
             "attempts": attempts(report.attempts, current)}
    return {name: svg for name, svg in drawn.items() if svg}
