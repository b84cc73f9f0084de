"""What every app and quiz must do, checked on all of them; the apps' PNG encoder against an
independent decoder (Pillow)."""

import io

import numpy as np
import PIL.Image
import pytest
from apphelpers import control_values
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from marginlab.course.widgets import Choice, Number, Quiz, app_classes
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
def test_display_gives_a_picture_to_readers_without_a_kernel(cls, monkeypatch):
    app = cls()
    shown = []
    monkeypatch.setattr("marginlab.course.widgets.base.display", lambda b, raw: shown.append(b))
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
    out = pixels(png_bytes(rgba))
    if (rgba[:, :, 3] == 255).all():
        assert out.shape == rgba.shape[:2] + (3,)  # opaque: written as RGB
        assert np.array_equal(out, rgba[:, :, :3])
    else:
        assert np.array_equal(out, rgba)


def test_a_chart_like_picture_compresses_and_round_trips():
    rgba = np.full((300, 700, 4), 255, dtype=np.uint8)
    rgba[100:250, 50:300, :3] = (192, 57, 43)  # a red bar
    rgba[120:250, 400:650, :3] = (31, 111, 178)  # a blue bar
    data = png_bytes(rgba)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(pixels(data), rgba[:, :, :3])
    assert len(data) < rgba.nbytes / 100  # flat areas: runs of zeros after the Up filter


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 4), float),
                                 np.zeros((4, 4), np.uint8)])
def test_anything_but_rgba_bytes_is_refused(bad):
    with pytest.raises(ValueError, match="expected"):
        png_bytes(bad)
