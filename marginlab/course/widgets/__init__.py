"""Reusable "try it" apps for the lessons (ipywidgets + matplotlib), and self-check quizzes.

Each app is built in one call in a notebook (``LeverageApp()``) and can be driven from code:
``app.controls["leverage"].value = 20; app.state["liquidation price"]``.

=================  ==========================================================  ======
app                what it shows                                               lesson
=================  ==========================================================  ======
``TeaserApp``      drag ETH down: the cross pool drains, the isolated twin     0
                   lives
``LeverageApp``    one position: leverage, mark, liquidation/bankruptcy lines  1
                   and the margin-ratio gauge
``RingFenceApp``   two isolated positions and a free balance                   2
``HedgeApp``       a BTC/ETH hedge in cross vs isolated                        3
``PoolApp``        the same crash over time, cross pool vs isolated twin       4
``WaterfallApp``   where a liquidated position's margin goes, by venue         5
``AdlApp``         insurance fund, ADL queue and socialized loss               6
``SurvivalApp``    how far each mode survives and what it loses                7
``TierApp``        tiers in practice: a bigger position survives a smaller     7
                   fall; the liquidation price jumps at a leverage cap
``CascadeApp``     an ETH shock, forced orders and the cascade, cross vs       8
                   isolated crowd
``OddsApp``        Monte Carlo: liquidation odds and losses vs leverage        9
``UnwindApp``      the same crash under a venue's liquidation policy vs the    10
                   all-at-once teaching model
``FundingApp``     funding eats an isolated margin; the cross pool pays and    11
                   lives
``ProtocolApp``    one market read by a liquidator: Hyperliquid, dYdX v4 or    12
                   Drift v2, health at the oracle and where the money goes
``CaseApp``        a real incident replayed under a venue's rules: who pays    13
``DesignApp``      design a venue; four stress scenarios score it              14
=================  ==========================================================  ======
"""

from ..style import COLORS
from .base import App
from .cascade import CascadeApp
from .cases import CaseApp
from .deleverage import AdlApp
from .designer import DesignApp
from .funding import FundingApp
from .hedge import HedgeApp
from .leverage import LeverageApp
from .odds import OddsApp
from .pool import PoolApp
from .protocols import ProtocolApp
from .quiz import Choice, Number, Quiz
from .ringfence import RingFenceApp
from .survival import SurvivalApp
from .teaser import TeaserApp
from .tiers import TierApp
from .unwinding import UnwindApp
from .waterfall import WaterfallApp

__all__ = ["App", "app_classes", "AdlApp", "CascadeApp", "CaseApp", "DesignApp", "FundingApp",
           "HedgeApp", "LeverageApp", "OddsApp", "PoolApp", "ProtocolApp", "RingFenceApp",
           "SurvivalApp", "TeaserApp", "TierApp", "UnwindApp", "WaterfallApp", "Choice", "Number",
           "Quiz", "COLORS"]



def app_classes() -> list[type[App]]:
    """Every App subclass defined in the ``marginlab.course.widgets`` modules, sorted by name."""
    import importlib
    import inspect
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, App) and cls is not App and cls.__module__ == module.__name__:
                found[cls.__name__] = cls
    return [found[k] for k in sorted(found)]
