"""The `skyweave` command: argument parsing, which stack a command reads, every subcommand and its
reports. What the Pulumi engine would do (the offline runtime, plan files, the Analyzer client,
the diff) is :mod:`skyweave.engine`. Nothing outside this package imports it (tests/test_layers.py).

Importing this package stays cheap (``skyweave --help`` loads no provider SDK): each command
imports what it needs when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from .exit_codes import EXIT_CONFIG, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_CONFIG", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skyweave`` console script; returns the exit code.

    Ctrl-C is handled from here on, before anything heavy is imported (the command's own modules,
    pydantic, Pulumi and gRPC take up to ~2 s under load): until :func:`skyweave.cli.dispatch.main`
    installs the handler that unwinds a running command, an interrupt ends the process quietly
    with exit 130. Only the interpreter's start and this package's import (the standard library
    and :mod:`.exit_codes`) come before it.
    """
    import signal
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        from .exit_codes import early_interrupt

        signal.signal(signal.SIGINT, early_interrupt)
    from .dispatch import main as run

    return run(argv)
