"""The ``skyweave`` command's exit codes, one table for every subcommand.

0 success; 1 the configuration or project is wrong (the message says where and how to fix it);
2 the command line is wrong; 3 an internal error (a bug); 4 the command ran fine and found the
estate is not what it must be (``simulate``: a required failure is not survived; ``check``: a
mandatory policy rule is violated; ``ipam lock --check``: a site or link is not pinned; ``export
--check``: the exported files are not what the stack file makes). CI gates
can tell "fix the estate" (4) from "fix the input" (1); 130 the user pressed Ctrl-C.

``preview --diff --detailed-exitcode`` follows ``terraform plan -detailed-exitcode`` instead:
0 no changes, 2 changes, 1 any error (a usage error too, so 2 means only "changes").

:data:`COMMANDS` is the table itself: every ``--help`` screen ends with its command's rows and
``docs/cli.md`` embeds :func:`markdown_table` (a test keeps both in step with this module).
"""

from __future__ import annotations

import os
import sys
from types import FrameType

EXIT_OK = 0
EXIT_CONFIG = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_REQUIREMENT = 4
#: ``preview --diff --detailed-exitcode``: the diff is not empty (terraform's convention).
EXIT_CHANGES = 2
#: Ctrl-C: 128 + SIGINT, as shells report it; the command stops within a second, no traceback.
EXIT_INTERRUPTED = 130


def early_interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C before a command has started anything (while Python imports what the command needs):
    nothing to unwind, so say so and end with the interrupt's exit code, never a traceback. The
    console script installs it first thing; :func:`skyweave.cli.dispatch.main` replaces it."""
    try:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_INTERRUPTED)


#: What each code means, whichever command returns it.
MEANINGS: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_CONFIG: "the stack file, the project or an input file is wrong (the message names it)",
    EXIT_USAGE: "the command line is wrong",
    EXIT_INTERNAL: "internal error: a bug in skyweave (please report it with the traceback)",
    EXIT_REQUIREMENT: "the estate is not what it must be",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}

_STANDARD = (EXIT_CONFIG, EXIT_USAGE, EXIT_INTERNAL)
_ALWAYS = ((EXIT_INTERRUPTED, ""),)

#: command → (code, what it means for that command; "" for the general meaning), in order.
COMMANDS: dict[str, tuple[tuple[int, str], ...]] = {
    "preview": (
        (EXIT_OK, "printed; with `--diff --detailed-exitcode`: no changes"),
        (EXIT_CONFIG, "also: the `--diff` base file is wrong"),
        (EXIT_USAGE, "with `--diff --detailed-exitcode`: changes present (a usage error then exits 1)"),
        (EXIT_INTERNAL, ""),
    ),
    "schema": ((EXIT_OK, "printed"), (EXIT_USAGE, ""), (EXIT_INTERNAL, "")),
    "check": (
        (EXIT_OK, "no mandatory violation (with `--baseline`: no new one); `--create-baseline`: written"),
        *((code, "") for code in _STANDARD),
        (EXIT_REQUIREMENT, "a mandatory policy rule is violated"),
    ),
    "rules": ((EXIT_OK, "printed"), (EXIT_USAGE, ""), (EXIT_INTERNAL, "")),
    "ipam show": ((EXIT_OK, "printed"), *((code, "") for code in _STANDARD)),
    "ipam lock": ((EXIT_OK, "everything pinned"), *((code, "") for code in _STANDARD)),
    "graph": ((EXIT_OK, "printed"), *((code, "") for code in _STANDARD)),
    "stacks": ((EXIT_OK, "printed"), *((code, "") for code in _STANDARD)),
    "simulate": (
        (EXIT_OK, "every required failure survived"),
        *((code, "") for code in _STANDARD),
        (EXIT_REQUIREMENT, "a required failure is not survived"),
    ),
    "inventory": ((EXIT_OK, "printed (empty without pools)"), *((code, "") for code in _STANDARD)),
    "export": (
        (EXIT_OK, "written; with `--check`: the directory holds what export writes"),
        *((code, "") for code in _STANDARD),
        (EXIT_REQUIREMENT, "with `--check`: a file is missing, differs or is left from a removed unit"),
    ),
}
# Every command stops on Ctrl-C the same way.
COMMANDS = {command: (*rows, *_ALWAYS) for command, rows in COMMANDS.items()}


def epilog(command: str) -> str:
    """The exit-code lines of ``command``'s ``--help`` screen."""
    lines = []
    for code, text in COMMANDS[command]:
        meaning = MEANINGS[code] if not text or text.startswith("also") else text
        if text.startswith(("also", "with")):
            meaning = f"{MEANINGS[code]}; {text.removeprefix('also: ')}"
        lines.append(f"  {code}  {meaning.replace('`', '')}")
    return "exit codes:\n" + "\n".join(lines) + "\n(every command: docs/cli.md#exit-codes)"


def markdown_table() -> str:
    """Every command's exit codes as one Markdown table (embedded in docs/cli.md).

    A row per command, a column per code: the cell says what the code means for that command
    when it differs from the general meaning in the header, ``✓`` when it is the general one and
    a dash when the command never returns it.
    """
    codes = sorted(MEANINGS)
    header = [f"`{code}` {MEANINGS[code]}" for code in codes]
    lines = ["| command | " + " | ".join(header) + " |", "|---|" + "---|" * len(codes)]
    for command, rows in COMMANDS.items():
        meaning = dict(rows)
        cells = [("–" if code not in meaning else meaning[code] or "✓") for code in codes]
        lines.append(f"| `skyweave {command}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
