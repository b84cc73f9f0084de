#!/usr/bin/env python3
"""How long a learner waits after moving a slider, and for an app's first picture.

    .venv/bin/python benchmarks/bench_widgets.py [--repeat 40] [--no-naive] [--no-first]

For each app, over up to ``--repeat`` values of its first slider, each new to the app: the
median time of one update the way the app does it (recompute, update the artists of the existing
figure, render, encode the PNG the Image widget shows), as wall-clock time and as this process's
CPU time (which a busy shared machine disturbs less), against the naive pattern (recompute,
build a brand-new figure, draw it, encode it). Then, in a fresh Python process per app, the time
to its first picture when a lesson opens: importing the course's apps (once per kernel), then
building the app and rendering its first PNG.
Targets (issues 3 and 13): median update <= 30 ms, and >= 2x faster than the naive pattern.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from marginlab.course.style import RC  # noqa: E402
from marginlab.course.widgets import app_classes  # noqa: E402
from marginlab.course.widgets.base import encode_png  # noqa: E402

TARGET_MS = 30

FIRST_PICTURE = """
import json, time
import matplotlib
matplotlib.use("Agg")
t0 = time.perf_counter()
from marginlab.course import widgets
t1 = time.perf_counter()
app = getattr(widgets, {name!r})()
app.png()
t2 = time.perf_counter()
print(json.dumps({{"import ms": 1000 * (t1 - t0), "first picture ms": 1000 * (t2 - t1)}}))
"""


def on_step(control, value):
    """The slider's value nearest ``value``: a learner's slider only gives its steps."""
    step = getattr(control, "step", None) or 0
    if step:
        value = round(control.min + round((value - control.min) / step) * step, 10)
    return int(round(value)) if isinstance(control.value, int) else float(value)


def slider_values(app, n):
    """Up to ``n`` values across the first numeric control, on its steps, each new to the app
    (not its start value, no repeats): every update is one the app has not answered before,
    so no cache of earlier answers flatters it."""
    for name, control in app.controls.items():
        if hasattr(control, "min") and hasattr(control, "max"):
            lo, hi = control.min, control.max
            span = [on_step(control, lo + (hi - lo) * k / (n - 1)) for k in range(n)]
            return name, [v for v in dict.fromkeys(span) if v != control.value]
    raise RuntimeError(f"{type(app).__name__} has no slider")


def median_ms(samples):
    return statistics.median(samples) * 1000


def measure(cls, repeat: int, naive: bool = True):
    app = cls()
    name, values = slider_values(app, repeat)
    control = app.controls[name]
    app.png()  # warm caches (fonts, text layout) for both patterns alike
    in_place, cpu = [], []
    for v in values:
        start, start_cpu = time.perf_counter(), time.process_time()
        control.value = v
        app.png()
        in_place.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    slow = []
    for v in values if naive else []:
        start = time.perf_counter()
        state = app.compute(**{**app.values(), name: v})
        with plt.rc_context(RC):
            app.fig = app.make_figure()  # what an interactive_output cell does on every change
            app.redraw(state)
            app.fig.canvas.draw()
            encode_png(app.fig)
        slow.append(time.perf_counter() - start)
    return name, median_ms(in_place), median_ms(cpu), (median_ms(slow) if slow else None)


def first_picture(cls) -> dict:
    """Import the apps, build ``cls`` and render its first picture, in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", FIRST_PICTURE.format(name=cls.__name__)],
                         capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive pattern")
    parser.add_argument("--no-first", action="store_true", help="skip the first pictures")
    args = parser.parse_args()
    print(f"{'app':<14} {'control':<10} {'update ms':>9} {'cpu ms':>7} {'naive ms':>9} "
          f"{'ratio':>6} {'first ms':>9}  target")
    worst = 0.0
    for cls in app_classes():
        control, fast, cpu, slow = measure(cls, args.repeat, naive=not args.no_naive)
        first = None if args.no_first else first_picture(cls)
        ok = fast <= TARGET_MS and (slow is None or slow / fast >= 2)
        worst = max(worst, fast)
        naive = f"{slow:>9.1f} {slow / fast:>5.1f}x" if slow else f"{'-':>9} {'-':>6}"
        first_ms = f"{first['first picture ms']:>9.0f}" if first else f"{'-':>9}"
        print(f"{cls.__name__:<14} {control:<10} {fast:>9.1f} {cpu:>7.1f} {naive} {first_ms}"
              f"  {'ok' if ok else 'MISSED'}", flush=True)
        if first:
            imports = first["import ms"]
    print(f"slowest median update: {worst:.1f} ms (target {TARGET_MS} ms)")
    if not args.no_first:
        print(f"importing marginlab.course.widgets in a fresh kernel: {imports:.0f} ms "
              f"(once per kernel, before the first app)")


if __name__ == "__main__":
    main()
