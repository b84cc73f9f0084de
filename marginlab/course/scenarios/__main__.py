"""Rebuild the answers worked out ahead for the apps (:mod:`.precomputed`):

    python -m marginlab.course.scenarios            # every table
    python -m marginlab.course.scenarios odds       # one of them (odds, cascade)
"""

import sys

from .precomputed import main

sys.exit(main(sys.argv[1:]))
