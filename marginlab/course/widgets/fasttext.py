"""Text drawn from cached glyph bitmaps: the same pixels as Agg's, a few times faster.

An app's picture changes a few labels on every move, and matplotlib's Agg renderer lays out each
string and asks FreeType for every glyph's bitmap again each time (about 0.1 ms a glyph: most of
an update). :class:`CachedTextCanvas` is an Agg canvas whose renderer remembers

* each string's layout (the glyphs and their offsets), by string, font, size and hinting, and
* each font's file lookup, by its properties and the font rcParams, and
* each glyph's bitmap, by font, size, glyph, transform and the sub-pixel part (1/64 pixel) of
  its position: FreeType draws a glyph moved by whole pixels as the same bitmap moved by whole
  pixels, so the bitmap is stored relative to the whole-pixel part and reused at any place.

Then it blends the bitmaps exactly as Agg does (``draw_text_image``). A string's anchor is
rounded to a whole pixel first (a label moves by up to half a pixel), so that the sub-pixel
parts, and so the bitmaps, repeat. Apps draw through it both when blitting and when drawing in
full, so the two agree pixel for pixel (tests/test_widget_base.py).

This uses the renderer's private text methods of matplotlib 3.11 (``font._layout``,
``_render_glyph``); with any other matplotlib the canvas draws text as Agg always does.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font
from matplotlib.ft2font import FT2Font, RenderMode

SUPPORTED = all(hasattr(FT2Font, name) for name in ("_layout", "_render_glyph",
                                                    "_set_transform")) and hasattr(
    RendererAgg, "_draw_text_glyphs_and_boxes")
MAX_ENTRIES = 20_000  # glyph bitmaps and layouts kept (a few MB); the cache restarts when full
_glyphs: dict[tuple, tuple[np.ndarray, int, int]] = {}
_layouts: dict[tuple, tuple] = {}
_fonts: dict[tuple, FT2Font] = {}
FONT_RC = ("font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive",
           "font.fantasy", "font.style", "font.variant", "font.weight", "font.stretch",
           "font.size")


def _remember(cache: dict, key, value):
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
    return value


class CachedTextRenderer(RendererAgg):
    """``RendererAgg`` with cached string layouts and glyph bitmaps (see the module)."""

    def _prepare_font(self, font_prop):
        """The font for ``font_prop``, cleared and sized (as Agg's), found once per properties
        and font settings instead of on every string."""
        rc = tuple(tuple(v) if isinstance(v, list) else v
                   for v in (mpl.rcParams[k] for k in FONT_RC))
        key = (font_prop.get_family() and tuple(font_prop.get_family()), font_prop.get_style(),
               font_prop.get_variant(), font_prop.get_weight(), font_prop.get_stretch(),
               font_prop.get_size_in_points(), font_prop.get_file(), rc)
        font = _fonts.get(key)
        if font is None:
            font = _remember(_fonts, key, get_font(fontManager._find_fonts_by_props(font_prop)))
        font.clear()
        font.set_size(font_prop.get_size_in_points(), self.dpi)
        return font

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not SUPPORTED:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        font = self._prepare_font(prop)
        flags = get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        features = tuple(features) if features else None
        language = mtext.get_language() if mtext is not None else None
        size = prop.get_size_in_points()
        key = (s, font.fname, tuple(prop.get_family()), size, self.dpi, flags, features,
               language)  # the family too: it decides the fallback fonts
        items = _layouts.get(key)
        if items is None:
            items = _remember(_layouts, key, tuple(
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=features, language=language)))
        self._draw_text_glyphs_and_boxes(
            gc, round(x), round(y), angle,
            ((ft, size, index, 0, 1, dx, dy) for ft, index, dx, dy in items), [])

    def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
        if not SUPPORTED or boxes:
            return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        flags = get_hinting_flag()
        antialiased = gc.get_antialiased()
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        for font, size, index, slant, extend, dx, dy in glyphs:
            # the 26.6 fixed-point translation Agg gives FreeType, split into whole pixels and
            # the 1/64 remainder (FreeType's y is upwards)
            tx = round(0x40 * (x + dx * cos - dy * sin))
            ty = round(0x40 * (self.height - y + dx * sin + dy * cos))
            key = (font.fname, size, self.dpi, index, slant, extend, cos, sin, flags,
                   antialiased, tx & 63, ty & 63)
            hit = _glyphs.get(key)
            if hit is None:
                font.set_size(size, self.dpi)
                matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])
                          @ [[extend, extend * slant], [0, 1]]).round().astype(int)
                font._set_transform(matrix, [tx & 63, ty & 63])
                bitmap = font._render_glyph(index, flags, mode)
                buffer = np.array(bitmap.buffer, dtype=np.uint8)
                if not antialiased:
                    buffer *= 0xFF
                hit = _remember(_glyphs, key, (buffer, bitmap.left, bitmap.top))
            buffer, left, top = hit
            left, top = left + (tx >> 6), top + (ty >> 6)
            self._renderer.draw_text_image(buffer, left, int(self.height) - top + buffer.shape[0],
                                           0, gc)


class CachedTextCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`CachedTextRenderer`."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedTextRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
