#!/usr/bin/env python3
"""How long a learner waits after moving a slider, for every "try it" app.

    .venv/bin/python benchmarks/bench_widgets.py [--repeat 40]

For each app: the median time of one update the way the app does it (recompute, update the
artists of the existing figure, render, encode the PNG the Image widget shows) against the naive
pattern (recompute, build a brand-new figure, draw it, encode it). Prints both, and the ratio.
Targets (issue 3): median update <= 30 ms, and >= 2x faster than the naive pattern.
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from marginlab.course.style import RC  # noqa: E402
from marginlab.course.widgets import app_classes  # noqa: E402
from marginlab.course.widgets.base import encode_png  # noqa: E402


def slider_values(app, n):
    """Alternate between values of the first numeric control, so every update changes it."""
    for name, control in app.controls.items():
        if hasattr(control, "min") and hasattr(control, "max"):
            lo, hi = control.min, control.max
            span = [lo + (hi - lo) * k / (n - 1) for k in range(n)]
            if isinstance(control.value, int):
                span = [int(round(v)) for v in span]
            return name, span
    raise RuntimeError(f"{type(app).__name__} has no slider")


def median_ms(samples):
    return statistics.median(samples) * 1000


def measure(cls, repeat: int):
    app = cls()
    name, values = slider_values(app, repeat)
    control = app.controls[name]
    app.png()  # warm caches (fonts, text layout) for both patterns alike
    in_place = []
    for v in values:
        start = time.perf_counter()
        control.value = v
        app.png()
        in_place.append(time.perf_counter() - start)
    naive = []
    for v in values:
        start = time.perf_counter()
        state = app.compute(**{**app.values(), name: v})
        with plt.rc_context(RC):
            app.fig = app.make_figure()  # what an interactive_output cell does on every change
            app.redraw(state)
            app.fig.canvas.draw()
            encode_png(app.fig)
        naive.append(time.perf_counter() - start)
    return name, median_ms(in_place), median_ms(naive)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    print(f"{'app':<18} {'control':<14} {'update ms':>10} {'naive ms':>10} {'ratio':>7}  target")
    worst = 0.0
    for cls in app_classes():
        control, fast, slow = measure(cls, args.repeat)
        ok = fast <= 30 and slow / fast >= 2
        worst = max(worst, fast)
        print(f"{cls.__name__:<18} {control:<14} {fast:>10.1f} {slow:>10.1f} {slow / fast:>6.1f}x"
              f"  {'ok' if ok else 'MISSED'}")
    print(f"slowest median update: {worst:.1f} ms")


if __name__ == "__main__":
    main()
