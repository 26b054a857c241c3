"""The `skyweave` command: argument parsing, which stack a command reads, every subcommand and its
reports. What the Pulumi engine would do (the offline runtime, plan files, the Analyzer client,
the diff) is :mod:`skyweave.engine`. Nothing outside this package imports it (tests/test_layers.py).

Importing this package stays cheap (``skyweave --help`` loads no provider SDK): each command
imports what it needs when it runs.
"""

from .exit_codes import EXIT_CONFIG, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from .main import main

__all__ = ["EXIT_CONFIG", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main"]
