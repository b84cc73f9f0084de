"""``python -m marginlab``: see :mod:`marginlab.cli`."""

import sys

from .cli import main

sys.exit(main())
