"""One look for the whole course: the same colours for cross and isolated everywhere, sizes
readable on a workshop projector. Plain data (no matplotlib import): the drawing helpers that
use it are in :mod:`marginlab.course.plots`."""

from __future__ import annotations

COLORS = {
    "cross": "#c0392b",       # red: one shared pool
    "isolated": "#1f6fb2",    # blue: separate rings
    "price": "#333333",
    "entry": "#7f7f7f",
    "liquidation": "#e67e22",
    "bankruptcy": "#8e44ad",
    "safe": "#27ae60",
    "free": "#a9cce3",
    "used": "#f5b7b1",
    "insurance": "#16a085",
}

# Cross red and isolated blue stay far apart for colour-blind readers: CAM02-UCS Delta E 58 for
# normal vision, 48 deuteranopia, 41 protanopia, 62 tritanopia (tests/test_app_colours.py).
# A second cue all the same, where no label names the series: isolated series are hatched
# (bars, bands) and dashed with square markers (lines); cross ones are plain.
HATCHES = {"cross": "", "isolated": "//"}
LINESTYLES = {"cross": "-", "isolated": "--"}
MARKERS = {"cross": "o", "isolated": "s"}

RC = {
    "figure.figsize": (9, 4.6),
    "figure.dpi": 80,
    "font.size": 12,
    "axes.titlesize": 14,
    "axes.labelsize": 12,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 2.5,
}
