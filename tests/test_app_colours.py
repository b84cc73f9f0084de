"""Cross is red and isolated blue throughout: still far apart for colour-blind readers, and never
the only thing that tells two series apart (a hatch, a line style, a marker or a label too).

Distances are CAM02-UCS Delta E (colorspacious) between the two colours as a reader with each
dichromacy sees them (Machado, Oliveira and Fernandes 2009, severity 100). As measured when
written: normal vision 58.3, deuteranopia 48.3, protanopia 41.3, tritanopia 62.0 (a just
noticeable difference is about 1; 20 or more reads as two different colours at a glance).
"""

import numpy as np
import pytest
from apphelpers import colour_only_series

from marginlab.course import plots
from marginlab.course.style import COLORS, HATCHES, LINESTYLES, MARKERS
from marginlab.course.widgets import app_classes

CVD = ("deuteranomaly", "protanomaly", "tritanomaly")


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255


def seen_by(cvd, colour):
    from colorspacious import cspace_convert

    space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
    return np.clip(cspace_convert(rgb(colour), space, "sRGB1"), 0, 1)


@pytest.mark.parametrize("cvd", [None, *CVD])
def test_cross_and_isolated_stay_far_apart_for_every_reader(cvd):
    colorspacious = pytest.importorskip("colorspacious")
    a, b = (rgb(COLORS[m]) if cvd is None else seen_by(cvd, COLORS[m])
            for m in ("cross", "isolated"))
    distance = colorspacious.deltaE(a, b, input_space="sRGB1", uniform_space="CAM02-UCS")
    print(f"{cvd or 'normal vision'}: cross vs isolated, CAM02-UCS Delta E {distance:.1f}")
    assert distance > 35


def test_the_simulation_is_a_real_one():
    """Protanopia folds red onto green: the safe green and the liquidation orange (told apart
    by text in the apps) come much closer than for normal vision."""
    colorspacious = pytest.importorskip("colorspacious")
    normal = colorspacious.deltaE(rgb(COLORS["safe"]), rgb(COLORS["liquidation"]),
                                  input_space="sRGB1")
    protan = colorspacious.deltaE(seen_by("protanomaly", COLORS["safe"]),
                                  seen_by("protanomaly", COLORS["liquidation"]),
                                  input_space="sRGB1")
    assert protan < normal / 2


def test_each_mode_has_a_second_cue():
    for cue in (HATCHES, LINESTYLES, MARKERS):
        assert cue["cross"] != cue["isolated"]


@pytest.mark.parametrize("cls", app_classes(), ids=lambda c: c.__name__)
def test_no_app_tells_cross_from_isolated_by_colour_alone(cls):
    app = cls()
    app.png()
    assert colour_only_series(app.fig) == []


def test_the_lesson_figures_do_not_either():
    import matplotlib.pyplot as plt

    paths = np.array([[100, 95, 90], [100, 101, 102]], float)
    try:
        assert colour_only_series(plots.paths_against_price(paths, 92.0)) == []
        figure = plots.historical_twins_equity("ftx-2022-11", leverages=(3,))
        assert colour_only_series(figure) == []
    finally:
        plt.close("all")


def test_the_check_sees_colour_alone():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], color=COLORS["cross"])
    ax.plot([1, 0], color=COLORS["isolated"])
    assert colour_only_series(fig)
    ax.get_lines()[1].set_linestyle("--")
    assert colour_only_series(fig) == []
    plt.close(fig)
