"""Exceptions raised by marginlab.

Every error a learner can cause has its own class and a message that says what was wrong and
what to do instead. When one is raised, the exchange and every account are left exactly as they
were before the call.
"""


class MarginLabError(Exception):
    """Base class of every marginlab error: ``except MarginLabError`` catches them all."""


class InvalidPriceError(MarginLabError, ValueError):
    """A price that is not a finite number above zero, or not on the contract's tick size."""


class InvalidQuantityError(MarginLabError, ValueError):
    """A quantity that is zero, negative, not finite, or not a multiple of the lot size."""


class InvalidAmountError(MarginLabError, ValueError):
    """A money amount (deposit, margin, fee rate...) that is negative, NaN or infinite."""


class InvalidLeverageError(MarginLabError, ValueError):
    """Leverage below 1 or above what the contract's tier allows for this position size."""


class UnknownSymbolError(MarginLabError, KeyError):
    """A symbol that is not listed on the exchange."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class UnknownTraderError(MarginLabError, KeyError):
    """A trader name that has no account on the exchange."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NoPositionError(MarginLabError):
    """An action on a position that does not exist (closing or adding margin with nothing open)."""


class ReduceTooLargeError(MarginLabError):
    """Closing more than is open."""


class InsufficientMarginError(MarginLabError):
    """Not enough available balance for the initial margin and fee, or for a withdrawal."""


class WouldLiquidateError(MarginLabError):
    """An action (removing margin, a trade away from the mark) that would leave equity at or
    below maintenance margin, i.e. trigger an immediate liquidation."""


class MarginModeError(MarginLabError):
    """Mixing margin modes on one position, or an isolated-only action on a cross position."""


class PositionModeError(MarginModeError):
    """An order that does not fit the account's position mode: a position side named in one-way
    mode, none named in hedge mode, or a change of position mode with positions open."""


class ConfigurationError(MarginLabError, ValueError):
    """A contract specification, tier table or venue rule that does not make sense."""


class InvalidPathError(MarginLabError, ValueError):
    """A price path that cannot be simulated: a price that is not a finite number above zero,
    shapes that do not match, a volatility below zero or a correlation outside [-1, 1]."""


class PriceDataError(MarginLabError, ValueError):
    """A price file (OHLC CSV) with a missing column, a value that is not a number, a missing
    value, or timestamps that are missing, repeated or out of order."""


class InvalidTraderError(MarginLabError, ValueError):
    """A trader name that is not a non-empty text without ':' (``open_account(5)``), or a name
    already taken by another account."""


class InvalidSideError(MarginLabError, ValueError):
    """A side that is neither long ('long', 'buy', +1) nor short ('short', 'sell', -1)."""


class SimulationSettingError(MarginLabError, ValueError):
    """A simulation setting that does not make sense: a chunk size, a funding interval or a
    number of steps that is not a whole number above zero, a count above its total..."""


class SimulationTooLargeError(SimulationSettingError):
    """A simulation that would need more memory than the machine can spare: refused before any
    array is allocated, with the size it would take."""
