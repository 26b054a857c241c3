"""Which unit owns each resource of a run, and whether the planned unit graph agrees with the
resources' real dependencies.

Why: :func:`skyweave.estate.units.plan_units` decides the units and their prerequisites from the
plan alone; the program decides the dependencies. Here every custom resource of a preview (or
of a state: anything with URN, type, name, parent, provider and dependencies) is given to
exactly one unit by where the program built it — never by what it depends on, or the check
below could not fail:

1. under a link's ``VpnLink``: the link's unit (its ``siteA``/``siteB`` properties);
2. a role that reads several units, by the child's name (``{component}-{role}-{site}-{keys}``,
   names are API): a HybridVpc's ``appliance`` instances → the site's edge, an app's
   ``dns-record``/``dns-check`` → global, a bucket's transfer (``copy``, the job; ``bucket-agent``,
   its agent's grants; ``bucket-reader`` and ``…-policy``, the primary's role it reads with) → global;
3. on a site's provider (as the components record it, ``siteProviders``): that site's unit;
4. no site's provider: a database's generated secrets → ``secrets``; a pool's commands on
   servers you bring, a fleet's objects on a cluster's Kubernetes provider → the site named in
   the child's name.

Components, the stack and providers are not owned: each unit that holds one of their children
(or resources on them) registers its own (:attr:`UnitAssignment.shared`).

:func:`disagreements` then lists every dependency (``dependencies``, ``propertyDependencies``,
the parent) that goes from a unit to one that is not among its prerequisites, transitively;
:func:`check_units` raises naming the two resources of the first.
"""

from __future__ import annotations

import graphlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..core.errors import SkyweaveError
from ..core.naming import (
    BARE_METAL_POOL,
    HYBRID_VPC,
    KUBERNETES_FLEET,
    MULTI_CLOUD_APP,
    MULTI_CLOUD_BUCKET,
    MULTI_CLOUD_DATABASE,
    SITE_PROVIDERS,
    VPN_LINK,
    sites_by_provider,
)
from ..estate.units import edge_unit, global_unit, link_unit, secrets_unit, site_unit
from ..planning.units import UnitGraph
from .offline import OfflineRun, Registration
from .plans.model import PlanFile
from .urn import STACK_TYPE

__all__ = [
    "Disagreement",
    "UnitAssignment",
    "UnitDependencyError",
    "assign_plan",
    "assign_run",
    "assign_units",
    "check_units",
    "disagreements",
    "plan_registrations",
    "real_cycle",
]

_PROVIDER_TYPE = "pulumi:providers:"

#: Roles (the part of a child's name after its component's) whose resources read several units:
#: component type → role → the kind of unit that owns them (``edge`` is the site's edge).
ROLE_UNITS: Mapping[str, Mapping[str, str]] = {
    HYBRID_VPC: {"appliance": "edge"},
    MULTI_CLOUD_APP: {"dns-record": "global", "dns-check": "global"},
    KUBERNETES_FLEET: {"dns-record": "global", "dns-check": "global"},  # its workload's DNS
    # a transfer: its job, the copy vendor's agent's grants on the copy and the primary's reader
    # role trusting that agent (whose identity is an invoke on the copy site's provider)
    MULTI_CLOUD_BUCKET: {
        "copy": "global",
        "bucket-agent": "global",
        "bucket-reader": "global",
        "bucket-reader-policy": "global",
    },
}

#: Components whose site-less children (on a component-level provider) are the estate's secrets.
SECRET_COMPONENTS = frozenset({MULTI_CLOUD_DATABASE})
#: Components whose site-less children belong to a site named in their name: a pool's commands
#: over SSH on servers you bring, a fleet's Kubernetes objects on the cluster of a site (each on
#: the cluster's own provider, made from the cluster's kubeconfig).
NAMED_SITE_COMPONENTS = frozenset({BARE_METAL_POOL, KUBERNETES_FLEET})


class UnitDependencyError(SkyweaveError):
    """A resource depends on a resource of a unit its own unit does not (transitively) need, or a
    resource has no unit: the planned units disagree with what the program builds."""


@dataclass(frozen=True)
class Disagreement:
    """One dependency the unit graph does not allow.

    ``via``: ``dependency``, ``property <name>`` or ``parent``.
    """

    resource: str
    unit: str
    dependency: str
    dependency_unit: str
    via: str

    def message(self) -> str:
        return (
            f"{self.resource} (unit {self.unit}) depends on {self.dependency} (unit "
            f"{self.dependency_unit}) through its {self.via}, but {self.dependency_unit} is not a "
            f"prerequisite of {self.unit}"
        )


@dataclass(frozen=True)
class UnitAssignment:
    """Every custom resource's unit, and the units that register their own copy of each
    component, provider and the stack."""

    graph: UnitGraph
    unit_of: Mapping[str, str]
    shared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def resources(self, unit: str) -> list[str]:
        """The custom resources ``unit`` owns, in the run's order."""
        return list(self._by_unit.get(unit, ()))

    @cached_property
    def _by_unit(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for urn, owner in self.unit_of.items():
            grouped.setdefault(owner, []).append(urn)
        return grouped


def assign_units(
    resources: Sequence[Registration],
    graph: UnitGraph,
    *,
    site_providers: Iterable[Mapping[str, object]] = (),
    sites: Iterable[str] = (),
) -> UnitAssignment:
    """Give each custom resource of ``resources`` its unit of ``graph`` (module docstring).

    ``site_providers``: the components' ``siteProviders`` records; ``sites``: the estate's site
    names (for names that carry a site). Raises :class:`UnitDependencyError` naming a resource
    no rule places, or placed in a unit the graph does not have.
    """
    stack = graph.estate
    site_names = frozenset(sites)
    by_provider = sites_by_provider(site_providers)
    by_urn = {r.urn: r for r in resources}
    unit_of: dict[str, str] = {}
    for res in resources:
        if not res.custom or res.type.startswith(_PROVIDER_TYPE):
            continue
        unit = _unit(res, by_urn, by_provider, site_names, stack)
        if unit not in graph:
            names = graph.names()
            shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
            raise UnitDependencyError(
                f"{res.urn} belongs to unit {unit!r}, which is not one of the units of {stack!r} ({shown})"
            )
        unit_of[res.urn] = unit
    shared: dict[str, set[str]] = {}
    for urn, unit in unit_of.items():
        res = by_urn[urn]
        if res.provider:
            shared.setdefault(res.provider, set()).add(unit)
        parent = res.parent
        while parent and parent in by_urn:
            shared.setdefault(parent, set()).add(unit)
            parent = by_urn[parent].parent
    order = {name: i for i, name in enumerate(graph.names())}
    return UnitAssignment(
        graph, unit_of, {urn: tuple(sorted(units, key=order.__getitem__)) for urn, units in shared.items()}
    )


def assign_run(run: OfflineRun, graph: UnitGraph, sites: Iterable[str]) -> UnitAssignment:
    """:func:`assign_units` over an offline run, with its components' ``siteProviders``."""
    records = [
        record
        for outputs in run.component_outputs.values()
        if isinstance(record := outputs.get(SITE_PROVIDERS), Mapping)
    ]
    return assign_units(run.resources, graph, site_providers=records, sites=sites)


def plan_registrations(plan: PlanFile) -> list[Registration]:
    """A plan file's rows (``pulumi stack export``, ``pulumi preview --json``, skyweave's preview)
    as the registrations :func:`assign_units` and :func:`check_units` read."""
    return [
        Registration(
            urn=row["urn"],
            type=row["type"],
            name=row["name"],
            custom=bool(row["custom"]),
            parent=row.get("parent") or None,
            provider=row.get("provider") or None,
            dependencies=list(row.get("dependencies") or ()),
            protect=bool(row.get("protect")),
            inputs=dict(row.get("inputs") or {}),
            property_dependencies={
                k: list(v) for k, v in plan.property_dependencies.get(row["urn"], {}).items()
            },
        )
        for row in plan.rows
    ]


def assign_plan(
    plan: PlanFile, graph: UnitGraph, sites: Iterable[str]
) -> tuple[UnitAssignment, list[Registration]]:
    """:func:`assign_units` over a plan file: the components' ``siteProviders`` from its component
    outputs, or from the components' recorded outputs in a state."""
    resources = plan_registrations(plan)
    records: list[Mapping[str, object]] = []
    for row in plan.rows:
        outputs = plan.component_outputs.get(row["urn"]) or (
            row.get("outputs") if not row["custom"] else None
        )
        record = outputs.get(SITE_PROVIDERS) if isinstance(outputs, Mapping) else None
        if isinstance(record, Mapping):
            records.append(record)
    return assign_units(resources, graph, site_providers=records, sites=sites), resources


def _unit(
    res: Registration,
    by_urn: Mapping[str, Registration],
    by_provider: Mapping[str, str],
    sites: frozenset[str],
    stack: str,
) -> str:
    ancestors = []
    parent = res.parent
    while parent and parent in by_urn:
        ancestors.append(by_urn[parent])
        parent = by_urn[parent].parent
    link = next((a for a in ancestors if a.type == VPN_LINK), None)
    if link is not None:
        return link_unit(stack, str(link.inputs.get("siteA")), str(link.inputs.get("siteB")))
    component = next((a for a in reversed(ancestors) if a.type != STACK_TYPE), None)
    if component is not None:
        for role, kind in ROLE_UNITS.get(component.type, {}).items():
            site = _role_site(res.name, component.name, role, sites)
            if site is None:
                continue
            if kind == "edge" and site:
                return edge_unit(stack, site)
            if kind == "global":
                return global_unit(stack)
    site = by_provider.get(res.provider or "")
    if site is None and res.provider:
        named = res.provider.rsplit("::", 1)[-1]
        site = named if named in sites else None
    if site is not None:
        return site_unit(stack, site)
    if component is not None and component.type in SECRET_COMPONENTS:
        return secrets_unit(stack)
    if component is not None and component.type in NAMED_SITE_COMPONENTS:
        named_site = _site_in_name(res.name, component.name, sites)
        if named_site is not None:
            return site_unit(stack, named_site)
    raise UnitDependencyError(
        f"{res.urn} has no unit: it is on no site's provider ({res.provider or 'none'}), under no "
        f"link, and no rule places a child of {component.type if component else 'the stack'} there"
    )


def _role_site(name: str, component: str, role: str, sites: frozenset[str]) -> str | None:
    """The site after ``{component}-{role}`` in ``name`` ("" when the role ends the name), or
    ``None`` when ``name`` is not of that role."""
    head = f"{component}-{role}"
    if name == head:
        return ""
    if not name.startswith(head + "-"):
        return None
    return _site_at_start(name[len(head) + 1 :], sites)


def _site_at_start(text: str, sites: frozenset[str]) -> str | None:
    """The longest site ``text`` starts with, followed by ``-`` or the end (a set lookup per
    ``-`` in ``text``, so an estate of 10,000 sites costs what one of 10 does)."""
    found = text if text in sites else None
    if found is None:
        cuts = [i for i, char in enumerate(text) if char == "-"]
        found = next((text[:i] for i in reversed(cuts) if text[:i] in sites), None)
    return found


def _site_in_name(name: str, component: str, sites: frozenset[str]) -> str | None:
    """The first site named in ``{component}-{role…}-{site}-{keys}`` (longest at a position)."""
    if not name.startswith(component + "-"):
        return None
    rest = name[len(component) + 1 :]
    for i, char in enumerate(rest):
        if char == "-":
            found = _site_at_start(rest[i + 1 :], sites)
            if found is not None:
                return found
    return None


def disagreements(assignment: UnitAssignment, resources: Sequence[Registration]) -> list[Disagreement]:
    """Every dependency of an owned resource on another unit's resource that is not among its
    unit's prerequisites (transitively), in the run's order."""
    graph = assignment.graph
    reach = _reach(graph)
    unit_of = assignment.unit_of
    found: list[Disagreement] = []
    for res in resources:
        unit = unit_of.get(res.urn)
        if unit is None:
            continue
        edges: list[tuple[str, str]] = [(dep, "dependency") for dep in res.dependencies]
        edges += [(dep, f"property {key}") for key, deps in res.property_dependencies.items() for dep in deps]
        if res.parent:
            edges.append((res.parent, "parent"))
        seen: set[tuple[str, str]] = set()
        for dep, via in edges:
            other = unit_of.get(dep)
            if other is None or other == unit or other in reach[unit] or (dep, via) in seen:
                continue
            seen.add((dep, via))
            found.append(Disagreement(res.urn, unit, dep, other, via))
    return found


def real_cycle(assignment: UnitAssignment, resources: Sequence[Registration]) -> str | None:
    """A cycle in the dependencies between units as the resources have them (whatever the plan
    says), each step named by one resource and the resource it depends on; ``None`` if none."""
    unit_of = assignment.unit_of
    witness: dict[tuple[str, str], tuple[str, str]] = {}
    needs: dict[str, set[str]] = {unit: set() for unit in assignment.graph.names()}
    for res in resources:
        unit = unit_of.get(res.urn)
        if unit is None:
            continue
        deps = [*res.dependencies, *(d for ds in res.property_dependencies.values() for d in ds)]
        for dep in deps:
            other = unit_of.get(dep)
            if other is not None and other != unit:
                needs[unit].add(other)
                witness.setdefault((unit, other), (res.urn, dep))
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(needs)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle: list[str] = list(exc.args[1])
        steps = []
        for later, earlier in itertools.pairwise(cycle):  # graphlib lists a cycle against its edges
            resource, dependency = witness[(later, earlier)]
            steps.append(f"{resource} (unit {later}) needs {dependency} (unit {earlier})")
        return "; ".join(steps)
    return None


def check_units(assignment: UnitAssignment, resources: Sequence[Registration]) -> None:
    """Raise :class:`UnitDependencyError` naming the two resources of every dependency the unit
    graph does not allow, and first the resources that make the units depend on each other in a
    circle (then no graph of these units could be deployed)."""
    cycle = real_cycle(assignment, resources)
    if cycle is not None:
        raise UnitDependencyError(
            f"the resources of {assignment.graph.estate!r} make its units depend on each other in a "
            f"circle: {cycle}; no order of the units can deploy them"
        )
    found = disagreements(assignment, resources)
    if found:
        shown = "\n  ".join(d.message() for d in found[:10])
        more = f"\n  … and {len(found) - 10} more" if len(found) > 10 else ""
        raise UnitDependencyError(
            f"the units of {assignment.graph.estate!r} disagree with the resources' dependencies "
            f"({len(found)}):\n  {shown}{more}"
        )


def _reach(graph: UnitGraph) -> dict[str, frozenset[str]]:
    """Each unit's prerequisites, transitively."""
    reach: dict[str, frozenset[str]] = {}
    for unit in graph.units:  # topological: prerequisites first
        found: set[str] = set()
        for prerequisite in unit.prerequisites:
            found.add(prerequisite)
            found |= reach[prerequisite]
        reach[unit.name] = frozenset(found)
    return reach
