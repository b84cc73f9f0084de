"""Drive a widget app without a browser: set every control to every value it can take."""

import math

import matplotlib.pyplot as plt
import numpy as np


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


def sweep(app, points: int = 25) -> int:
    """Move each control over its whole range (others at their defaults, then at extremes);
    the app must never fail nor show NaN, and must not create figures. Returns updates made."""
    figures = len(plt.get_fignums())
    start_values = {name: c.value for name, c in app.controls.items()}
    n = 0
    for name, control in app.controls.items():
        start = control.value
        for value in control_values(control, points):
            control.value = value
            n += 1
            assert_clean_state(app, f"{name}={value!r}")
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
    for name, value in start_values.items():
        app.controls[name].value = value
    assert_clean_state(app, "back at the start values")
    assert len(plt.get_fignums()) == figures, "an update created a new figure"
    return n
