"""Drive a widget app without a browser: set every control to every value it can take, and look
at what its figure shows (which texts are drawn, and where)."""

import itertools
import math
from unittest import mock

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import Collection
from matplotlib.colors import to_hex
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from marginlab.course.style import COLORS


def on_step(control, value):
    """``value`` moved to the slider's nearest step, as the browser's slider only gives those
    (setting ``.value`` from Python does not round)."""
    step = getattr(control, "step", None) or 0
    if step:
        value = control.min + round((value - control.min) / step) * step
        value = round(value, 10)  # 0.1 + 0.2: no float noise in a slider's value
    value = min(max(value, control.min), control.max)
    return int(value) if isinstance(control.value, int) else float(value)


def control_values(control, points: int = 25):
    """Every option of a selection widget; min, max and evenly spaced values of a slider (on
    its steps, as a learner can set them)."""
    if hasattr(control, "options") and control.options:
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    if hasattr(control, "min") and hasattr(control, "max"):
        values = np.linspace(control.min, control.max, points)
        return sorted({on_step(control, v) for v in values})
    if isinstance(getattr(control, "value", None), bool):
        return [False, True]
    return []


def assert_clean_state(app, where: str) -> None:
    assert app.error is None, f"{where}: {app.error}"
    for key, value in app.state.items():
        if isinstance(value, float):
            assert not math.isnan(value), f"{where}: {key} is NaN"


def drawn_texts(fig) -> list[Text]:
    """Every non-empty text a full draw of ``fig`` puts on the picture (tick labels in view,
    titles, legend entries, labels; not the hidden or empty ones)."""
    drawn, draw = [], Text.draw

    def spy(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return draw(self, renderer)

    with mock.patch.object(Text, "draw", spy):
        fig.canvas.draw()
    return drawn


def layout_problems(fig, tolerance: float = 1.0) -> list[str]:
    """What makes ``fig`` hard to read, in words: texts whose boxes (as rendered, in pixels)
    overlap by more than ``tolerance`` pixels each way, a legend over a text that is not its
    own, a text cut by the edge of the figure. Empty if none."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    boxes = {t: t.get_window_extent(renderer) for t in texts}
    figure = fig.bbox
    problems = []

    def overlap(a, b):
        return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
                and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)

    for a, b in itertools.combinations(texts, 2):
        if overlap(boxes[a], boxes[b]):
            problems.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    for legend in fig.findobj(Legend):
        if not legend.get_visible():
            continue
        own = set(legend.get_texts()) | {legend.get_title()}
        frame = legend.get_window_extent(renderer)
        problems += [f"the legend covers {t.get_text()!r}" for t in texts
                     if t not in own and overlap(frame, boxes[t])]
    problems += [f"{t.get_text()!r} is cut by the edge of the figure" for t in texts
                 if boxes[t].x0 < figure.x0 - tolerance or boxes[t].y0 < figure.y0 - tolerance
                 or boxes[t].x1 > figure.x1 + tolerance or boxes[t].y1 > figure.y1 + tolerance]
    return problems


def _colour_and_cue(artist):
    """(its colour as #rrggbb, what else tells it apart: line style, marker and width for a
    line, hatch for a patch or a band), or None for other artists."""
    if isinstance(artist, Line2D):
        return (to_hex(artist.get_color()),
                ("line", artist.get_linestyle(), artist.get_marker(), artist.get_linewidth()))
    if isinstance(artist, Patch | Collection):
        faces = artist.get_facecolor()
        face = faces if isinstance(artist, Patch) else (faces[0] if len(faces) else None)
        if face is None or face[3] == 0:
            return None
        return to_hex(face, keep_alpha=False), (type(artist).__name__, artist.get_hatch() or "")
    return None


def colour_only_series(fig) -> list[str]:
    """Axes where a cross series and an isolated one differ by colour alone: the same kind of
    artist, the same line style, marker and width or the same hatch, and no tick labels
    naming both modes (as bars under a "cross" and an "isolated" tick are named)."""
    problems = []
    for ax in fig.axes:
        cues = {"cross": set(), "isolated": set()}
        for artist in ax.get_children():
            found = artist.get_visible() and _colour_and_cue(artist)
            for mode in cues:
                if found and found[0] == COLORS[mode]:
                    cues[mode].add(found[1])
        ticks = " ".join(t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels())
        if "cross" in ticks and "isolated" in ticks:
            continue
        shared = cues["cross"] & cues["isolated"]
        if shared:
            problems.append(f"{ax.get_title()!r}: cross and isolated both drawn as {shared}")
    return problems


def assert_readable(app, where: str) -> None:
    problems = layout_problems(app.fig)
    assert not problems, f"{type(app).__name__} at {where}: " + "; ".join(problems)


def sweep(app, points: int = 25, check=None) -> int:
    """Move each control over its whole range (others at their defaults, then at extremes);
    the app must never fail nor show NaN, and must not create figures; ``check(app, where)``,
    if given, runs after every move too. Returns updates made."""
    figures = len(plt.get_fignums())
    start_values = {name: c.value for name, c in app.controls.items()}
    n = 0
    for name, control in app.controls.items():
        start = control.value
        for value in control_values(control, points):
            control.value = value
            n += 1
            assert_clean_state(app, f"{name}={value!r}")
            if check:
                check(app, f"{name}={value!r}")
        control.value = start
    # every pair of extremes
    names = [k for k, c in app.controls.items() if control_values(c)]
    for a in names:
        for b in names:
            if a >= b:
                continue
            for va in control_values(app.controls[a], 2)[:: max(1, len(control_values(
                    app.controls[a], 2)) - 1)]:
                for vb in control_values(app.controls[b], 2)[:: max(1, len(control_values(
                        app.controls[b], 2)) - 1)]:
                    app.controls[a].value, app.controls[b].value = va, vb
                    n += 1
                    assert_clean_state(app, f"{a}={va!r}, {b}={vb!r}")
                    if check:
                        check(app, f"{a}={va!r}, {b}={vb!r}")
    for name, value in start_values.items():
        app.controls[name].value = value
    assert_clean_state(app, "back at the start values")
    assert len(plt.get_fignums()) == figures, "an update created a new figure"
    return n
