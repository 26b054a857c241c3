"""``skyweave inventory``: preview a stack offline and print its bare-metal pools' inventory.

The inventory itself (groups, host variables, formats) is :mod:`skyweave.metal.inventory`; this
command reads the pools' ``nodes`` outputs from an offline run (or from a preview JSON).

A stack without pools has an inventory: an empty one, not an error, so a pipeline that runs the
command on every stack does not fail on the ones without servers (a note goes to stderr).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.naming import BARE_METAL_POOL
from ..engine.offline import OfflineRun
from ..metal.inventory import render
from .style import Status

__all__ = ["inventory_command", "pool_nodes", "print_inventory"]


def pool_nodes(run: OfflineRun) -> dict[str, list[dict[str, Any]]]:
    """Each BareMetalPool's ``nodes`` output from a run, by pool name."""
    out: dict[str, list[dict[str, Any]]] = {}
    for reg in sorted(run.resources, key=lambda r: r.name):
        if reg.type == BARE_METAL_POOL:
            out[reg.name] = list(run.component_outputs.get(reg.urn, {}).get("nodes", []))
    return out


def inventory_command(project: Any, stack: str, fmt: str) -> int:
    """``skyweave inventory``: preview the stack offline and print its pools' inventory."""
    from ..engine.preview import preview_stack

    with Status() as status:
        status.say(f"running the program of stack '{stack}' offline…")
        pools = pool_nodes(preview_stack(project, stack))
    return print_inventory(pools, fmt)


def print_inventory(pools: Mapping[str, Sequence[Mapping[str, Any]]], fmt: str) -> int:
    """Print ``pools`` as an inventory (an empty one, with a note on stderr, when there are none)."""
    if not pools:
        print(
            "note: the stack has no bare-metal pools (see docs/bare-metal.md): empty inventory",
            file=sys.stderr,
        )
    print(render(pools, fmt), end="" if fmt == "yaml" else "\n")
    return 0
