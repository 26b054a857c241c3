"""The ``skyweave`` command's exit codes, one table for every subcommand.

0 success; 1 the configuration or project is wrong (the message says where and how to fix it);
2 the command line is wrong; 3 an internal error (a bug); 4 the command ran fine and found the
estate is not what it must be (``simulate``: a required failure is not survived; ``check``: a
mandatory policy rule is violated). CI gates can tell "fix the estate" (4) from "fix the input" (1);
130 the user pressed Ctrl-C.
"""

EXIT_OK = 0
EXIT_CONFIG = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_REQUIREMENT = 4
#: Ctrl-C: 128 + SIGINT, as shells report it; the command stops within a second, no traceback.
EXIT_INTERRUPTED = 130
