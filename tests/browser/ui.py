"""What a learner does in the browser: find the app, move its first slider, time the redraw."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# every request that would leave the machine (a regular expression is matched inside the
# browser driver, so only those requests reach Python)
NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/]|data:|blob:)")
WIDGET_ERRORS = ("Error displaying widget", "Traceback (most recent call last)")
IMAGE = "img.widget-image"  # an app's picture: its src changes on each redraw
SLIDER = ".widget-slider"  # its handle is the first element with role "slider"
# the picture has arrived and has been decoded
IMAGE_SHOWN = "(img) => img.src && img.complete && img.naturalWidth > 0"

# window.__latency: ms from the keydown to the app image's next src change
ARM_LATENCY = """(img) => {
    window.__latency = null;
    let t0 = null;
    document.addEventListener('keydown', () => { t0 = performance.now(); },
                              {capture: true, once: true});
    const obs = new MutationObserver(() => {
        if (t0 !== null) { window.__latency = performance.now() - t0; obs.disconnect(); }
    });
    obs.observe(img, {attributes: true, attributeFilter: ['src']});
}"""


class AppOnPage:
    """The first "try it" app of a page: its first slider, its picture and its message line."""

    def __init__(self, page, root=None):
        self.page = page
        root = root or page  # JupyterLab: the notebook panel on show
        self.image = root.locator(IMAGE).first
        self.handle = root.get_by_role("slider").first
        self.slider = root.locator(SLIDER).first
        self.message = self.image.locator("xpath=following-sibling::*[1]")

    def wait_ready(self, timeout=90_000) -> None:
        self.slider.wait_for(state="attached", timeout=timeout)
        self.image.wait_for(state="attached", timeout=timeout)
        self.image.scroll_into_view_if_needed()  # JupyterLab renders only what is in view
        self.slider.wait_for(state="visible", timeout=timeout)
        self.image.wait_for(state="visible", timeout=timeout)
        self.page.wait_for_function(
            IMAGE_SHOWN, arg=self.image.element_handle(), timeout=timeout)

    def value(self) -> float:
        return float(self.handle.get_attribute("aria-valuenow"))

    def src(self) -> str:
        return self.image.get_attribute("src") or ""

    def alt(self) -> str:
        """The picture's title: its text alternative for screen readers."""
        return self.image.get_attribute("title") or ""

    def text(self) -> str:
        return self.message.inner_text().strip()

    def press(self, key: str, timeout=20_000) -> float:
        """Press ``key`` on the focused slider; wait for the picture to change; return the
        latency in ms (key down to new picture)."""
        for attempt in range(2):  # on a loaded machine a key press can go before the focus
            self.handle.focus()
            self.page.evaluate(ARM_LATENCY, self.image.element_handle())
            self.page.keyboard.press(key)
            try:
                self.page.wait_for_function("window.__latency !== null", timeout=timeout)
                break
            except PlaywrightTimeout:
                if attempt:
                    raise
        return self.page.evaluate("window.__latency")

    def drag(self, dx: float) -> None:
        """Drag the slider's handle ``dx`` pixels to the right with the mouse."""
        box = self.handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        for i in range(1, 11):
            self.page.mouse.move(x + dx * i / 10, y)
        self.page.mouse.up()

    def latencies(self, presses: int = 7) -> list[float]:
        """Alternate right and left presses (so each one changes the value)."""
        return [self.press("ArrowRight" if i % 2 == 0 else "ArrowLeft") for i in range(presses)]


def widget_errors(page) -> list[str]:
    body = page.locator("body").inner_text()
    return [e for e in WIDGET_ERRORS if e in body]


def plain(html: str) -> str:
    """The text a browser shows for an app's message HTML."""
    text = re.sub(r"<br\s*/?>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[ \t]+", " ", text.replace("&amp;", "&")).strip()


def median(values) -> float:
    return statistics.median(values)
