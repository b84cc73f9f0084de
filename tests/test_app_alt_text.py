"""Every app picture has a text alternative that says what it shows: for screen readers (the
Image widget's title) and for the static pages (the stored PNG's ``alt``); it follows the
controls, and its numbers are the state's."""

import re

import pytest
from apphelpers import control_values

from marginlab.course.widgets import LeverageApp, OddsApp, TeaserApp, app_classes


@pytest.mark.parametrize("cls", app_classes(), ids=lambda c: c.__name__)
def test_every_picture_has_words_that_follow_the_controls(cls):
    app = cls()
    seen = {app.alt}
    for control in app.controls.values():
        start = control.value
        for value in control_values(control, 3):
            control.value = value
            assert app.error is None
            assert len(app.alt) > 40 and not re.search(r"\bnan\b", app.alt, re.I), app.alt
            assert app.view.tooltip == app.alt  # what the live picture offers a screen reader
            seen.add(app.alt)
        control.value = start
    assert len(seen) >= len(app.controls)  # each control changes what is said, at least once


@pytest.mark.parametrize("cls", app_classes(), ids=lambda c: c.__name__)
def test_stored_pictures_carry_the_alt_text(cls, monkeypatch):
    app = cls()
    shown = []
    monkeypatch.setattr("marginlab.course.widgets.base.display",
                        lambda bundle, raw, metadata: shown.append(metadata))
    app._ipython_display_()
    assert shown == [{"image/png": {"alt": app.alt}}]
    name, control = next((n, c) for n, c in app.controls.items() if control_values(c))
    other = [v for v in control_values(control, 3) if v != control.value][-1]
    snap = app.snapshot(**{name: other})
    _, metadata = snap._repr_png_()
    assert metadata["alt"] == app.alt and app.alt != shown[0]["image/png"]["alt"]


def test_the_image_widget_can_show_its_title():
    """ipywidgets' front end reads the model's ``description`` before it sets the title: the
    view's state must carry one (empty), or the picture fails to render at all."""
    state = TeaserApp().view.get_state()
    assert state["description"] == "" and state["tooltip"].startswith("Bar chart")
    assert state["_model_name"] == "ImageModel"


def test_the_words_carry_the_engines_numbers():
    app = LeverageApp(entry=2000, quantity=1)
    app.controls["leverage"].value = 20
    app.controls["move"].value = -2.0
    # 1 ETH long at 20x: liquidation 1,900 / 0.995 = 1,909.55, bankruptcy 1,900, mark 1,960
    assert ("long of 1 ETH entered at 2,000.00 USDT with 20x leverage: mark 1,960.00, "
            "liquidation price 1,909.55, bankruptcy price 1,900.00") in app.alt
    teaser = TeaserApp()
    teaser.controls["eth"].value = 1450.0
    assert "cross account 0 USDT" in teaser.alt and "holds nothing" in teaser.alt
    odds = OddsApp()
    assert f"At 10x: cross liquidated on {odds.state['cross liquidated %']:.1f} %" in odds.alt


def test_a_failed_update_says_so_in_the_words_too():
    app = LeverageApp(entry=2000, quantity=1)
    app.compute = lambda **values: 1 / 0
    app.update()
    assert app.alt.startswith("The picture could not be updated: ZeroDivisionError")


def test_an_app_of_ones_own_gets_words_from_its_message_line():
    from marginlab.course.widgets import App

    class Mine(LeverageApp):
        alt_text = App.alt_text

    app = Mine(entry=2000, quantity=1)
    assert app.alt.startswith("Notional 2,000.00 USDT · initial margin 200.00")
    assert "<" not in app.alt and app.error is None
