"""`python -m skyweave.cli`: the same as the `skyweave` console script."""

import sys

from . import main

sys.exit(main())
