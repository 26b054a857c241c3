"""``skyweave stacks``: the Pulumi stacks (units) an estate is deployed as, what each holds and
which it needs first (docs/units.md).

Read from the stack file alone (the estate's plan): nothing runs. A stack deployed as one
(``skyweave:deployment: single``) is listed as the units ``units`` would make, with a note.
"""

from __future__ import annotations

import json
from typing import Any

from ..estate.project import Project
from ..estate.units import plan_units
from ..planning.units import Deployment, UnitGraph
from .ipam import load_plan
from .style import fit, table, terminal_width

__all__ = ["HEADER", "run", "units_data"]

#: The columns of the text listing.
HEADER = ("layer", "unit", "kind", "holds", "needs")


def units_data(graph: UnitGraph, deployment: Deployment) -> dict[str, Any]:
    """The units as plain data (``--format json``): in deployment order, each with its layer."""
    data = graph.as_dict()
    return {"stack": data.pop("stack"), "deployment": deployment.value, **data}


def run(project: Project, stack: str, fmt: str) -> int:
    config, _, label = load_plan(project, stack)
    graph = plan_units(config.plan, stack)
    data = units_data(graph, config.deployment)
    if fmt == "json":
        print(json.dumps(data, indent=2))
        return 0
    width = terminal_width()
    count = len(data["units"])
    head = (
        f"Units of {label}: {count} Pulumi stacks in {data['layers']} layers (each after the ones it needs)"
    )
    for line in fit(head, width):
        print(line)
    if config.deployment is Deployment.SINGLE:
        note = (
            f"note: deployed as one stack ({stack}; skyweave:deployment: single); these are the "
            "units `skyweave:deployment: units` would deploy it as"
        )
        for line in fit(note, width):
            print(line)
    prefix = f"{stack}."
    rows = [
        (
            str(row["layer"]),
            row["name"],
            row["kind"],
            ", ".join(row["holds"]),
            ", ".join(p.removeprefix(prefix) for p in row["prerequisites"]) or "-",
        )
        for row in data["units"]
    ]
    for line in table(HEADER, rows, width):
        print(line)
    return 0
