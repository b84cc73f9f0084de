"""The pattern every "try it" app follows, so that lessons stay thin and apps stay testable.

An app has **controls** (ipywidgets), a pure **compute** step that turns control values into a
``state`` dict of numbers (all from the engine), and a **redraw** step that updates the artists
of one figure created once. Moving a control runs ``compute`` then ``redraw``; nothing is
re-created, so there is no flicker and no pile of figures. An error in a callback is shown
under the plot, never swallowed. Every picture has a text alternative, ``alt_text(state)``:
the picture's ``title`` for screen readers (the Image widget's tooltip) and the ``alt`` of the
PNG stored in the notebook (what HTML pages of the notebook show).

Without a browser, tests drive an app by setting ``app.controls[name].value`` and reading
``app.state``: ipywidgets fires observers synchronously.
"""

from __future__ import annotations

import base64
import html
import math
import re

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import traitlets
from IPython.display import display
from matplotlib.figure import Figure

from ..style import RC
from .fasttext import CachedTextCanvas
from .png import png_bytes

BACKGROUNDS = 6  # blitted backgrounds an app keeps, one per set of axis limits


class DescribedImage(widgets.Image):
    """An Image widget whose ``tooltip`` becomes the picture's ``title``: the text a screen
    reader gives an image without ``alt``. ipywidgets' front end sets the title only for models
    with a ``description`` (it reads its length), which an Image lacks; an empty one is synced
    so that it can (without it the view fails to render)."""

    description = traitlets.Unicode("").tag(sync=True)


def _interactive_backend() -> bool:
    """True under ipympl (``%matplotlib widget``): the canvas is itself a widget."""
    return "ipympl" in matplotlib.get_backend() or "widget" in matplotlib.get_backend()


class App:
    """Subclasses define ``make_controls``, ``make_figure``, ``compute`` and ``redraw``."""

    height = "480px"  # fixed output height: the page does not jump while dragging

    def __init__(self):
        self.controls: dict[str, widgets.Widget] = self.make_controls()
        for control in self.controls.values():  # show descriptions in full ("ETH crash %")
            if getattr(control, "description", ""):
                control.style.description_width = "initial"
        with plt.rc_context(RC):
            self.fig = self.make_figure()
        # inline backend: the picture is an Image widget whose PNG is swapped on each update
        # (no output capture, no flicker); under ipympl the canvas itself is the widget.
        self.view = (self.fig.canvas if _interactive_backend() else
                     DescribedImage(format="png", layout=widgets.Layout(height=self.height)))
        self.message = widgets.HTML()
        self.alt = ""  # the picture's text alternative (see alt_text)
        self.state: dict = {}
        self.error: str | None = None
        self.updates = 0
        self._shown = False
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.update()

    # --- to implement ----------------------------------------------------------------------
    def make_controls(self) -> dict[str, widgets.Widget]:
        raise NotImplementedError

    def make_figure(self):
        """Build the figure once with :meth:`new_figure` and keep the artists to update."""
        raise NotImplementedError

    @staticmethod
    def new_figure(figsize=(9, 4.4)):
        """A figure outside pyplot's list (inline backend), so the notebook never shows a stray
        copy and nothing piles up; under ipympl a pyplot figure, whose canvas is a widget."""
        if _interactive_backend():
            with plt.ioff():
                return plt.figure(figsize=figsize)
        fig = Figure(figsize=figsize)
        CachedTextCanvas(fig)  # Agg: pixels without any GUI or pyplot, text from cached glyphs
        return fig

    def compute(self, **values) -> dict:
        raise NotImplementedError

    def redraw(self, state: dict) -> None:
        raise NotImplementedError

    def describe(self, state: dict) -> str:
        """One line of HTML under the plot (numbers from ``state``)."""
        return ""

    def alt_text(self, state: dict) -> str:
        """What the picture shows, in words, for readers who cannot see it (plain text, numbers
        from ``state``). Every course app says it in its own words; by default, the line under
        the plot without its markup."""
        words = " ".join(re.sub(r"<[^>]+>", " ", self.describe(state)).split())
        return html.unescape(words) or f"The picture of {type(self).__name__}."

    # --- the loop --------------------------------------------------------------------------
    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items() if hasattr(c, "value")}

    def _on_change(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        """Recompute, redraw the same figure, show it; report any error under the plot."""
        try:
            state = self.compute(**self.values())
            check_finite(state)
            with plt.rc_context(RC):
                self.redraw(state)
            self.state, self.error = state, None
            self.message.value = self.describe(state)
            self.alt = self.alt_text(state)
        except Exception as err:  # shown to the learner, and kept for tests
            self.error = f"{type(err).__name__}: {err}"
            self.message.value = (f"<div style='color:#b00020'><b>Could not update:</b> "
                                  f"{html.escape(self.error)}</div>")
            self.alt = f"The picture could not be updated: {self.error}"
        if hasattr(self.view, "tooltip"):  # the Image widget: its title, read by screen readers
            self.view.tooltip = self.alt
        self.updates += 1
        self.render()

    def render(self) -> None:
        """Put the updated figure on screen (only once the app is displayed)."""
        if not self._shown:
            return
        if _interactive_backend():
            self.fig.canvas.draw_idle()
        else:
            self.view.value = self.png()

    # --- layout ------------------------------------------------------------------------------
    def widget(self) -> widgets.Widget:
        panel = widgets.VBox(list(self.controls.values()),
                             layout=widgets.Layout(min_width="300px", width="32%"))
        return widgets.HBox([panel, widgets.VBox([self.view, self.message])],
                            layout=widgets.Layout(align_items="flex-start"))

    def animated(self) -> list:
        """Artists that ``redraw`` changes. When an app lists them, an update repaints only
        these over a cached picture of everything else (blitting); otherwise the whole figure
        is drawn again. Axis limits may change (:meth:`draw` keeps a background per set of
        limits); call :meth:`invalidate` after changing anything else (a legend, a new line)."""
        return []

    def invalidate(self) -> None:
        """The static part of the figure changed: redraw it fully next time."""
        self._backgrounds = {}

    def set_limits(self, ax, xlim=None, ylim=None) -> None:
        """Set ``ax``'s limits where given. An app that moves its axes by whole steps finds the
        background of each step it has shown before (:meth:`draw`) and repaints just its
        artists most of the time."""
        for new, get, put in ((xlim, ax.get_xlim, ax.set_xlim), (ylim, ax.get_ylim, ax.set_ylim)):
            if new is not None and tuple(map(float, get())) != tuple(map(float, new)):
                put(*new)

    def _limits(self) -> tuple:
        """Every axes' limits: what, besides :meth:`invalidate`, changes the background."""
        return tuple((*map(float, ax.get_xlim()), *map(float, ax.get_ylim()))
                     for ax in self.fig.axes)

    def draw(self) -> None:
        """Render the figure into the Agg buffer, blitting when the app allows it: the static
        part is drawn once per set of axis limits (the last :data:`BACKGROUNDS` are kept, about
        1 MB each), then only the animated artists are painted over it."""
        canvas, artists = self.fig.canvas, self.animated()
        if not artists or not hasattr(canvas, "copy_from_bbox"):
            canvas.draw()
            return
        if getattr(self, "_backgrounds_of", None) is not canvas:  # a new canvas: start again
            self._backgrounds, self._backgrounds_of = {}, canvas
        kept, key = self._backgrounds, self._limits()
        if key not in kept:
            for a in artists:
                a.set_animated(True)
            canvas.draw()  # everything but the animated artists
            if len(kept) >= BACKGROUNDS:
                del kept[next(iter(kept))]  # the oldest
            kept[key] = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(kept[key])
        for a in sorted(artists, key=lambda a: a.get_zorder()):  # stacked as a full draw would
            if a.get_visible():
                self.fig.draw_artist(a)

    def png(self) -> bytes:
        """The figure as it is now, as PNG bytes: one render, fast zlib level."""
        self.draw()
        return encode_png(self.fig)

    def snapshot(self, **values):
        """Set some controls (``snapshot(leverage=50)``) and return the figure as an image:
        a fixed picture for the lesson text, readable without a kernel."""
        for name, value in values.items():
            self.controls[name].value = value
        from IPython.display import Image

        return Image(self.png(), alt=self.alt)

    def _ipython_display_(self):
        """The live app; readers without a kernel (GitHub, HTML export) get the picture."""
        bundle = self.widget()._repr_mimebundle_()
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        bundle["text/plain"] = f"<{type(self).__name__}: run the notebook to move the controls>"
        self._shown = True
        self.render()
        display(bundle, raw=True, metadata={"image/png": {"alt": self.alt}})


def encode_png(fig) -> bytes:
    """The pixels already rendered on ``fig``'s Agg canvas, as PNG (:mod:`.png`)."""
    return png_bytes(np.asarray(fig.canvas.buffer_rgba()))


def signed(value: float, digits: int = 2) -> str:
    """``value`` with its sign and thousands separators, never "-0.00" for a tiny loss."""
    return f"{round(value, digits) + 0.0:+,.{digits}f}"


def check_finite(state: dict) -> None:
    """No NaN or infinity may reach the learner's eyes unannounced."""
    for key, value in state.items():
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(f"{key} is not a number")

