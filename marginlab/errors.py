"""``marginlab.errors`` is :mod:`marginlab.engine.errors`: the exceptions a learner meets."""

import sys

from .engine import errors as _errors

sys.modules[__name__] = _errors
