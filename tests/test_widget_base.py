"""What every app and quiz must do, checked on all of them; the apps' PNG encoder against an
independent decoder (Pillow), and their cached text drawing against Agg's own."""

import io

import numpy as np
import PIL.Image
import pytest
from apphelpers import control_values
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

from marginlab.course.widgets import Choice, DesignApp, Number, Quiz, app_classes, base, fasttext
from marginlab.course.widgets.fasttext import CachedTextCanvas
from marginlab.course.widgets.png import png_bytes


def pixels(png: bytes):
    return np.asarray(PIL.Image.open(io.BytesIO(png)))


@pytest.mark.parametrize("cls", app_classes(), ids=lambda c: c.__name__)
def test_in_place_update_draws_exactly_what_a_full_redraw_draws(cls):
    app = cls()
    first = app.png()
    for control in app.controls.values():
        values = [v for v in control_values(control, 3) if v != control.value]
        if values:
            control.value = values[-1]
    fast = app.png()
    app.invalidate()
    full = app.png()
    assert np.array_equal(pixels(fast), pixels(full)), "blitting left stale pixels"
    assert not np.array_equal(pixels(first), pixels(full)), "the picture did not change"


@pytest.mark.parametrize("cls", app_classes(), ids=lambda c: c.__name__)
def test_a_background_kept_for_earlier_axis_limits_leaves_no_stale_pixels(cls):
    """Out along the first slider and back: each picture is the one a full redraw gives, even
    when the axes went back to limits whose background the app kept."""
    app = cls()
    name, control = next((n, c) for n, c in app.controls.items() if hasattr(c, "min"))
    start = control.value
    for value in [*control_values(control, 5), start]:
        control.value = value
        fast = app.png()
        app.invalidate()
        assert np.array_equal(pixels(fast), pixels(app.png())), f"{name}={value}: stale pixels"
        assert len(getattr(app, "_backgrounds", {})) <= base.BACKGROUNDS


def test_backgrounds_are_kept_per_axis_limits_and_the_oldest_is_dropped():
    app = DesignApp()
    app.png()
    limits = set()
    for leverage in (2, 50, 2, 50):       # two scales of the x axis, each drawn once
        app.controls["max_leverage"].value = leverage
        app.png()
        limits.add(app.ax.get_xlim())
    assert len(limits) == 2 and len(app._backgrounds) == 3   # the start's, and the two
    for k in range(1, 3 * base.BACKGROUNDS):  # many scales: only the last BACKGROUNDS stay
        app.ax.set_xlim(0, k * 100_000)
        app.png()
    assert len(app._backgrounds) == base.BACKGROUNDS
    assert list(app._backgrounds)[-1] == app._limits()


@pytest.mark.parametrize("cls", app_classes(), ids=lambda c: c.__name__)
def test_display_gives_a_picture_to_readers_without_a_kernel(cls, monkeypatch):
    app = cls()
    shown = []
    monkeypatch.setattr("marginlab.course.widgets.base.display",
                        lambda b, raw, metadata=None: shown.append(b))
    app._ipython_display_()
    bundle = shown[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"] and app.view.value  # the live view got the same picture


def test_quiz_feedback():
    quiz = Quiz([
        Choice("2 + 2?", ["4", "5"], answer=0, why="Arithmetic.", hints={1: "Count again."}),
        Number("Liquidation price?", answer=1809.05, tolerance=0.5, unit="USDT",
               hint="Solve equity = MM."),
    ])
    assert quiz.answer(0, 1) is False and "Count again" in quiz.feedback[0].value
    assert quiz.answer(0, 0) is True and "Right" in quiz.feedback[0].value
    assert quiz.answer(1, "1,809.2") is True
    assert quiz.answer(1, "-1809") is False and "sign" in quiz.feedback[1].value
    assert quiz.answer(1, "180905") is False and "size" in quiz.feedback[1].value
    assert quiz.answer(1, "1750") is False and "low" in quiz.feedback[1].value
    assert quiz.answer(1, "abc") is False and "number" in quiz.feedback[1].value
    assert quiz.answer(1, "") is None and quiz.feedback[1].value == ""
    quiz.inputs[0].value = 0  # the widget path gives the same verdict
    assert quiz.verdicts[0] is True
    assert quiz.score == "1 of 2 right"
    assert "<ol>" in quiz._repr_html_() and "Liquidation price?" in quiz._repr_html_()


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(4))))
def test_any_picture_decodes_to_the_same_pixels(rgba):
    assert np.array_equal(pixels(png_bytes(rgba)), rgba)


def test_a_chart_like_picture_compresses_and_round_trips():
    rgba = np.full((300, 700, 4), 255, dtype=np.uint8)
    rgba[100:250, 50:300, :3] = (192, 57, 43)  # a red bar
    rgba[120:250, 400:650, :3] = (31, 111, 178)  # a blue bar
    data = png_bytes(rgba)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(pixels(data), rgba)
    assert len(data) < rgba.nbytes / 100  # flat areas: runs of zeros after the Up filter


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 4), float),
                                 np.zeros((4, 4), np.uint8)])
def test_anything_but_rgba_bytes_is_refused(bad):
    with pytest.raises(ValueError, match="expected"):
        png_bytes(bad)


class SnappedAgg(RendererAgg):
    """Agg's own text drawing, at the whole-pixel anchor the cached renderer uses."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if not ismath:
            x, y = round(x), round(y)
        return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)


class SnappedCanvas(FigureCanvasAgg):
    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        if self._lastKey != (w, h, self.figure.dpi):
            self.renderer = SnappedAgg(w, h, self.figure.dpi)
            self._lastKey = (w, h, self.figure.dpi)
        return self.renderer


def labelled_figure(canvas, shift: float = 0.0):
    fig = Figure(figsize=(6, 3), dpi=80)
    canvas(fig)
    ax = fig.add_subplot()
    for i in range(6):
        ax.text(0.05 + shift, 0.15 * i + shift, f"label {i}: 1,{i}34.56 USDT\nsecond line",
                fontsize=8 + 2 * i, color=f"C{i}", rotation=90 * (i == 3), ha="left",
                va=("top", "center", "bottom")[i % 3], alpha=1 - 0.1 * i)
    ax.set_title("mathtext too: $\\sigma\\sqrt{t}$", fontsize=12)
    ax.set_xlabel("a", fontsize=9)
    return fig


@pytest.mark.skipif(not fasttext.SUPPORTED, reason="this matplotlib's text API is not 3.11's")
@pytest.mark.parametrize("shift", [0.0, 0.0123, 0.31])
def test_cached_glyphs_draw_exactly_what_agg_draws(shift):
    labelled_figure(CachedTextCanvas, shift + 0.5).canvas.draw()  # other places: fill the caches
    drawn = {}
    for name, canvas in (("agg", SnappedCanvas), ("cached", CachedTextCanvas)):
        fig = labelled_figure(canvas, shift)
        fig.canvas.draw()
        drawn[name] = np.asarray(fig.canvas.buffer_rgba()).copy()
    assert np.array_equal(drawn["agg"], drawn["cached"])
    assert (drawn["agg"][:, :, :3] < 200).sum() > 2_000  # there is text on the picture
