"""Reusable "try it" apps for the lessons (ipywidgets + matplotlib), and self-check quizzes.

Each app is built in one call in a notebook (``LeverageApp()``) and can be driven from code:
``app.controls["leverage"].value = 20; app.state["liquidation price"]``.
"""

from .base import App
from .leverage import LeverageApp
from .quiz import Choice, Number, Quiz
from .style import COLORS

__all__ = ["App", "LeverageApp", "Choice", "Number", "Quiz", "COLORS"]
