"""``skyweave stacks``: the Pulumi stacks (units) an estate is deployed as, what each holds and
which it needs first (docs/units.md).

Read from the stack file alone (the estate's plan): nothing runs. A stack deployed as one
(``skyweave:deployment: single``) is listed as the units ``units`` would make, with a note.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError, ConfigIssue
from ..estate.config import StackConfig
from ..estate.project import Project
from ..estate.units import find_unit, plan_units
from ..planning.units import Deployment, UnitGraph
from .ipam import load_plan
from .style import fit, table, terminal_width

__all__ = ["HEADER", "migration", "run", "units_data"]

#: The columns of the text listing.
HEADER = ("layer", "unit", "kind", "holds", "needs")


def deployed_units(project: Project, stack: str, *, needs: str) -> tuple[StackConfig, UnitGraph]:
    """The stack's configuration and units, for a command that works on units (``needs`` says
    what it cannot do otherwise, e.g. "there are no units to export"); refused, naming the key,
    the file and how to switch, for an estate deployed as one stack."""
    config, _, label = load_plan(project, stack)
    if config.deployment is not Deployment.UNITS:
        raise ConfigError(
            [
                ConfigIssue(
                    "skyweave:deployment",
                    f"the estate is deployed as one stack, so {needs}; set "
                    f"`skyweave:deployment: {Deployment.UNITS.value}` in {label} to deploy it as one "
                    "stack per unit (docs/units.md: the migration moves the resources without "
                    "replacing them)",
                    config.deployment.value,
                )
            ],
            source=label,
        )
    return config, plan_units(config.plan, stack)


def units_data(graph: UnitGraph, deployment: Deployment) -> dict[str, Any]:
    """The units as plain data (``--format json``): in deployment order, each with its layer."""
    data = graph.as_dict()
    return {"stack": data.pop("stack"), "deployment": deployment.value, **data}


def run(
    project: Project,
    stack: str,
    fmt: str,
    *,
    migrate: bool = False,
    org: str | None = None,
    state: Path | None = None,
) -> int:
    config, _, label = load_plan(project, stack)
    if migrate:
        # the organisation the unit stacks use (skyweave:organization) unless --org says otherwise
        print(migration(project, stack, org or config.organization, state=state), end="")
        return 0
    found = find_unit(config.plan, stack)  # a unit's own stack lists its estate's units
    estate = found[0] if found else stack
    graph = plan_units(config.plan, estate)
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
            f"note: deployed as one stack ({estate}; skyweave:deployment: single); these are the "
            "units `skyweave:deployment: units` would deploy it as"
        )
        for line in fit(note, width):
            print(line)
    prefix = f"{estate}."
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


def qualified(project: Project, stack: str, org: str | None) -> str:
    """A stack's name for ``pulumi state move``: ``org/project/stack`` (without ``org``:
    ``project/stack``, in the backend's default organisation)."""
    return f"{org}/{project.name}/{stack}" if org else f"{project.name}/{stack}"


def migration(project: Project, stack: str, org: str | None, *, state: Path | None = None) -> str:
    """The commands that move the single stack ``stack`` into its units without replacing
    anything (docs/units.md, "Moving a deployed estate into units"): a stack per unit with the
    estate's configuration, then one ``pulumi state move`` per unit listing exactly the resources
    the unit owns in an offline preview of the program (each resource once; providers are copied by
    ``state move`` itself and components stay, each unit registering its own).

    ``state``: a ``pulumi stack export`` of the deployed stack (or any plan ``check --from-json``
    reads) whose resources are moved instead of the preview's: exactly what is deployed."""
    from ..engine.preview import preview_stack
    from ..engine.units import assign_plan, assign_run, check_units
    from .style import Status

    config, _, label = load_plan(project, stack)
    graph = plan_units(config.plan, stack)
    sites = [site.name for site in config.sites]
    if state is not None:
        from ..engine.plans import read_plan

        assignment, resources = assign_plan(read_plan(state), graph, sites)
    else:
        with Status() as status:
            status.say(f"running the program of stack '{stack}' offline…")
            run = preview_stack(project, stack)
        assignment, resources = assign_run(run, graph, sites), run.resources
    check_units(assignment, resources)
    source = qualified(project, stack, org)
    owner = f"{org}/" if org else ""
    lines = [
        f"# Move the estate of {label} (stack {source}, {len(assignment.unit_of)} resources) into "
        f"{len(graph.units)} units without replacing anything: docs/units.md.",
        "# 1. A stack per unit, with the estate's configuration (each unit plans the whole estate).",
    ]
    for unit in graph.units:
        lines.append(
            f"pulumi stack init {shlex.quote(owner + unit.name)} "
            f"--copy-config-from {shlex.quote(owner + stack)} --no-select"
        )
    lines.append(
        "# 2. Each unit's resources, moved once (pulumi copies their providers; components stay in "
        f"{stack} and each unit registers its own)."
    )
    for unit in graph.units:
        urns = assignment.resources(unit.name)
        lines.append(f"# {unit.name} ({unit.kind}): {len(urns)} resources")
        head = (
            f"pulumi state move --source {shlex.quote(source)} "
            f"--dest {shlex.quote(qualified(project, unit.name, org))}"
        )
        lines.append(" \\\n    ".join([head, *(shlex.quote(urn) for urn in urns)]))
    return "\n".join(lines) + "\n"
