"""Which stack a command reads when ``--stack`` is not given, the way the Pulumi CLI picks one.

``pulumi`` uses the selected stack; offline there is no selection, so skyweave takes, in order:
``--stack``; the ``PULUMI_STACK`` environment variable (what CI systems and ``pulumi`` itself
set, possibly fully qualified as ``org/project/stack``); the only stack file of the project.
With several stack files and nothing else to go by, naming one is the user's job: the command
line is incomplete (exit 2), and the message lists the stacks there are.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..estate.project import Project

__all__ = ["STACK_ENV", "StackNotGiven", "resolve_stack"]

#: The variable the Pulumi CLI reads for the stack to operate on.
STACK_ENV = "PULUMI_STACK"


class StackNotGiven(Exception):
    """No ``--stack``, no ``PULUMI_STACK`` and not exactly one stack file: a usage error."""


def resolve_stack(given: str | None, project: Project) -> str:
    """The stack to read: ``given``, else ``$PULUMI_STACK``, else the project's only stack file."""
    if given is not None:  # an empty --stack "" is a name to refuse, not "no name"
        return given
    from_env = os.environ.get(STACK_ENV, "").strip()
    if from_env:
        return from_env.rsplit("/", 1)[-1]
    stacks = project.stacks()
    if len(stacks) == 1:
        return stacks[0]
    known = ", ".join(stacks) if stacks else "none"
    raise StackNotGiven(
        f"which stack? pass --stack NAME or set {STACK_ENV} (stack files in "
        f"{project.label(project.stack_config_dir) or '.'}: {known})"
    )
