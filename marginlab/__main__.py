"""``python -m marginlab``: see :mod:`marginlab.cli`."""

import sys

from .course.cli import main

sys.exit(main())
