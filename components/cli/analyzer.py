"""Deprecated: the Analyzer client moved to :mod:`skyweave.engine.analyzer` (docs/policies.md,
"Testing your own pack", documented this path; it keeps working until the next minor release)."""

import warnings

from ..engine.analyzer import *  # noqa: F403 - the documented names, unchanged
from ..engine.analyzer import __all__ as __all__

warnings.warn(
    "skyweave.cli.analyzer moved to skyweave.engine.analyzer; import it from there",
    DeprecationWarning,
    stacklevel=2,
)
