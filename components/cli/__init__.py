"""The `skyweave` command: every subcommand, its reports, project discovery, the offline runtime
and the Analyzer harness. Nothing outside this package imports it (tests/test_layers.py).

Importing this package stays cheap (``skyweave --help`` loads no provider SDK): each command
imports what it needs when it runs.
"""

from .exit_codes import EXIT_CONFIG, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from .main import main

__all__ = ["EXIT_CONFIG", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main"]
