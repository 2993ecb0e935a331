"""An experiment's result as plain-text tables for a terminal (``hebbgui run``), drawn from its views as
the window draws plots: a heatmap is a grid with its axis values, curves are columns over their x, bars
and tables are rows. Where a view names the seed's own numbers they stand beside ours: a heatmap's
extra {"beside": key} prints that table to the right of the measured one (seed 001's basin tables), and
a curve's ``theory`` (named by extra {"theory_label"}) is a column when it has a value at each x (seed
001's spurious counts, Onsager's curve) or a list of marks when it is vertical lines (the capacity
limits). Images are left to the window.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from engine.model import Experiment, ViewSpec

MISSING = "—"   # a cell no finished task has filled yet
GAP = "   |   "


def fmt(value) -> str:
    """A number as a short cell: 4 significant digits, ints as ints, NaN as a dash."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(v):
        return MISSING
    return f"{v:.4g}"


def grid(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    """A titled table: the first column left-aligned, the others right-aligned, columns as wide as needed."""
    cells = [header] + rows
    widths = [max(len(r[c]) for r in cells) for c in range(len(header))]
    lines = [title]
    for r in cells:
        lines.append("  ".join(r[0].ljust(widths[0]) if c == 0 else r[c].rjust(widths[c])
                               for c in range(len(r))).rstrip())
    return lines


def side_by_side(left: list[str], right: list[str]) -> list[str]:
    """Two blocks of lines next to each other, the left padded to its widest line."""
    width = max((len(x) for x in left), default=0)
    n = max(len(left), len(right))
    left, right = left + [""] * (n - len(left)), right + [""] * (n - len(right))
    return [(a.ljust(width) + GAP + b).rstrip() for a, b in zip(left, right)]


def _axis(data: Mapping[str, Any], key: str | None, n: int, label: str) -> list[str]:
    """The n cell labels of an axis: the values ``data[key]`` when there are n, else "label = i" (as the
    window's heatmap does)."""
    if key and key in data and len(np.ravel(data[key])) == n:
        return [fmt(v) for v in np.ravel(data[key])]
    return [f"{label} = {i}" if label else str(i) for i in range(n)]


def heatmap(view: ViewSpec, data: Mapping[str, Any], title: str | None = None) -> list[str]:
    """Rows of the matrix under its x values, each row named by its y value."""
    m = np.atleast_2d(np.asarray(data[view.key], dtype=np.float64))
    xs = _axis(data, view.extra.get("x_values_key"), m.shape[1], "")
    ys = _axis(data, view.extra.get("y_values_key"), m.shape[0], view.y_label)
    if view.extra.get("y_values_key"):
        ys = [f"{view.y_label} = {y}" if view.y_label else y for y in ys]
    head = [f"{view.y_label or 'row'} \\ {view.x_label or 'column'}"] + xs
    return grid(title or view.title, head, [[ys[i]] + [fmt(v) for v in m[i]] for i in range(m.shape[0])])


def _theory_column(theory: np.ndarray, x: np.ndarray) -> np.ndarray | None:
    """The theory's value at each x: its own where it lists those x, else interpolated along a finite
    increasing curve; None for vertical marks (NaN-separated segments)."""
    tx, ty = theory
    if np.all(np.isin(x, tx)):
        return np.array([ty[np.flatnonzero(tx == v)[0]] for v in x])
    if np.all(np.isfinite(tx)) and np.all(np.diff(tx) > 0):
        return np.interp(x, tx, ty, left=np.nan, right=np.nan)
    return None


def curve(view: ViewSpec, data: Mapping[str, Any]) -> list[str]:
    """One column per curve (per series key, per row of a 2-D key), over the x values; the theory beside."""
    ys = []
    for k in (view.key,) + tuple(view.series):
        if k not in data:
            continue
        a = np.asarray(data[k], dtype=np.float64)
        ys += list(np.atleast_2d(a))
    labels = list(view.labels)
    if view.extra.get("labels_key") in data:
        labels = [str(s) for s in np.ravel(data[view.extra["labels_key"]])]
    names = [labels[i] if i < len(labels) else (view.y_label or view.key) for i in range(len(ys))]
    n = len(ys[0])
    x = np.asarray(data[view.x_key], dtype=np.float64) if view.x_key in data else np.arange(n, dtype=np.float64)
    notes = []
    if view.theory and view.theory in data and np.ndim(data[view.theory]) == 2:
        column = _theory_column(np.asarray(data[view.theory], dtype=np.float64), x)
        if column is not None:
            # a label past the curves' own names the theory (the Ising view's "Onsager")
            names.append(view.extra.get("theory_label") or (labels[len(ys)] if len(labels) > len(ys) else "theory"))
            ys.append(column)
        else:
            marks = np.unique(np.asarray(data[view.theory])[0][np.isfinite(data[view.theory][0])])
            notes.append(f"theory marks at {view.x_label or 'x'} = " + ", ".join(fmt(v) for v in marks))
    head = [view.x_label or "x"] + names
    rows = [[fmt(x[i])] + [fmt(y[i]) for y in ys] for i in range(n)]
    return grid(view.title, head, rows) + notes


def bars(view: ViewSpec, data: Mapping[str, Any]) -> list[str]:
    a = np.atleast_2d(np.asarray(data[view.key], dtype=np.float64))
    ticks = [str(t) for t in view.extra.get("ticks", range(a.shape[1]))]
    names = list(view.labels) or [view.y_label or "value"]
    rows = [[ticks[j]] + [fmt(a[i, j]) for i in range(a.shape[0])] for j in range(a.shape[1])]
    return grid(view.title, [""] + [names[i] if i < len(names) else str(i) for i in range(a.shape[0])], rows)


def table(view: ViewSpec, data: Mapping[str, Any]) -> list[str]:
    a = np.atleast_2d(np.asarray(data[view.key], dtype=np.float64))
    columns = [str(c) for c in view.extra.get("columns", range(a.shape[1]))]
    labels = _axis(data, view.extra.get("row_labels_key"), a.shape[0], "")
    return grid(view.title, [""] + columns, [[labels[i]] + [fmt(v) for v in a[i]] for i in range(a.shape[0])])


PRINTERS = {"heatmap": heatmap, "curve": curve, "bars": bars, "table": table}


def format_result(experiment: Experiment, data: Mapping[str, Any]) -> str:
    """Every view of ``experiment`` that holds numbers, as text tables (see the module docstring)."""
    by_key = {v.key: v for v in experiment.views}
    shown_beside = {v.extra["beside"] for v in experiment.views if v.extra.get("beside") in data}
    blocks = []
    for view in experiment.views:
        if view.key not in data or view.key in shown_beside:
            continue
        if view.kind not in PRINTERS:
            blocks.append([f"{view.title}: an image, shown in the window (or saved with --save)"])
            continue
        lines = PRINTERS[view.kind](view, data)
        other = view.extra.get("beside")
        if other in data:
            seed_view = by_key.get(other, view)
            lines = side_by_side(lines, heatmap(seed_view, data, title=seed_view.title if other in by_key else other))
        blocks.append(lines)
    return "\n\n".join("\n".join(b) for b in blocks)
