"""``skyweave inventory``: preview a stack offline and print its bare-metal pools' inventory.

The inventory itself (groups, host variables, formats) is :mod:`skyweave.metal.inventory`; this
command reads the pools' ``nodes`` outputs from an offline run.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import ConfigError, ConfigIssue
from ..metal.inventory import POOL_TYPE, render
from .offline import OfflineRun

__all__ = ["inventory_command", "pool_nodes"]


def pool_nodes(run: OfflineRun) -> dict[str, list[dict[str, Any]]]:
    """Each BareMetalPool's ``nodes`` output from a run, by pool name."""
    out: dict[str, list[dict[str, Any]]] = {}
    for reg in sorted(run.resources, key=lambda r: r.name):
        if reg.type == POOL_TYPE:
            out[reg.name] = list(run.component_outputs.get(reg.urn, {}).get("nodes", []))
    return out


def inventory_command(project: Any, stack: str, fmt: str) -> int:
    """``skyweave inventory``: preview the stack offline and print its pools' inventory."""
    from ..cli.preview import preview_stack

    run = preview_stack(project, stack)
    pools = pool_nodes(run)
    if not pools:
        raise ConfigError(
            [
                ConfigIssue(
                    "skyweave:pools",
                    "the stack has no bare-metal pools; see docs/bare-metal.md",
                    has_value=False,
                )
            ],
            source=project.label(project.stack_path(stack)),
        )
    print(render(pools, fmt), end="" if fmt == "yaml" else "\n")
    return 0
