"""Deployment units: the Pulumi stacks one estate is deployed as, and the order they depend on.

Why: one stack for a whole estate stops scaling (one change re-plans every site, one stuck
provider blocks everything, whoever deploys needs rights on every vendor). Pulumi's answer is
micro-stacks joined by stack references; an engine that runs many stacks (the Pulumi Kubernetes
Operator's ``prerequisites``, a CI workflow's ``needs``) needs them to form an acyclic graph. This
module is that graph's vocabulary and its invariants, independent of how units are chosen:
every unit name is a valid Pulumi stack name *and* a valid Kubernetes object name (an operator
``Stack`` is named after its unit), prerequisites name units of the graph, and there is no cycle.

Pure: no Pulumi; deterministic (units keep a topological order, ties broken by name).
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..core.errors import PlanningError

__all__ = [
    "DNS1123_SUBDOMAIN",
    "MAX_UNIT_NAME",
    "PULUMI_NAME",
    "Deployment",
    "Unit",
    "UnitCycleError",
    "UnitGraph",
    "UnitKind",
    "unit_name_problems",
]

#: A Pulumi organisation or project name: letters, digits, '-', '_' and '.' (Pulumi's
#: ``tokens.IsName``: "project names may only contain alphanumerics, hyphens, underscores, and
#: periods"); a stack's full name is ``<org>/<project>/<stack>``, which Pulumi's backends split on
#: '/' (``ParseStackReference``), so a '/' in an organisation would name another stack.
PULUMI_NAME = re.compile(r"[A-Za-z0-9_.-]+")

#: Pulumi refuses stack names over 100 characters
#: (pulumi/pkg/backend/... ``ValidateStackName``); a Kubernetes object name may be longer (253).
MAX_UNIT_NAME = 100

#: Pulumi: "stack names may only contain alphanumeric, hyphens, underscores, or periods".
_PULUMI_STACK = re.compile(r"[A-Za-z0-9_.-]+")
#: Kubernetes object names (metadata.name of a custom resource) are DNS-1123 subdomains:
#: lowercase alphanumerics, '-' and '.', starting and ending alphanumeric
#: (k8s.io/apimachinery/pkg/util/validation ``IsDNS1123Subdomain``).
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


class Deployment(StrEnum):
    """How an estate stack is deployed (the stack file's ``skyweave:deployment``)."""

    SINGLE = "single"
    """One Pulumi stack holds the whole estate (the default)."""
    UNITS = "units"
    """One Pulumi stack per unit (a site, a link, an appliance site's edge, the estate's secrets, the
    global DNS and copies), joined by stack references; ``skyweave stacks`` lists them."""


class UnitKind(StrEnum):
    """What a unit holds; a layer of the graph each kind's prerequisites come from."""

    SECRETS = "secrets"
    """What components generate without a site (a database's passwords, CA and certificates)."""
    SITE = "site"
    """A site's network and compute: every component's part on it."""
    LINK = "link"
    """The resources joining two sites (gateways' connections, tunnels, their keys)."""
    EDGE = "edge"
    """An appliance site's VPN instances, whose configuration carries every link of the site."""
    GLOBAL = "global"
    """What reads several sites at once: apps' DNS, buckets' copies filled by a transfer service."""


def unit_name_problems(name: str) -> list[str]:
    """Why ``name`` cannot name a unit (empty when it can): it must be a Pulumi stack name and a
    Kubernetes object name at once."""
    problems = []
    if not name or len(name) > MAX_UNIT_NAME:
        problems.append(f"a unit name is 1 to {MAX_UNIT_NAME} characters long ({len(name)} given)")
    if name and not _PULUMI_STACK.fullmatch(name):
        problems.append("a Pulumi stack name holds only letters, digits, '-', '_' and '.'")
    if name and not DNS1123_SUBDOMAIN.fullmatch(name):
        problems.append(
            "a Kubernetes object name (the operator's Stack) holds only lowercase letters, digits, "
            "'-' and '.', and starts and ends with a letter or digit"
        )
    return problems


class UnitCycleError(PlanningError):
    """Units depend on each other in a circle: no engine could deploy them in any order."""


@dataclass(frozen=True)
class Unit:
    """One Pulumi stack of an estate.

    Attributes:
        name: the stack's name (``<estate stack>.<unit>``, e.g. ``prod.link.aws-use1.gcp-euw1``).
        kind: what the unit holds, e.g. ``site``, ``link``, ``edge``, ``global``.
        holds: what of the estate it builds, in words a reader knows (site, link and component names).
        prerequisites: the units whose outputs this one reads (by stack reference), by name.
    """

    name: str
    kind: str
    holds: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitGraph:
    """The units of one estate stack, in an order every prerequisite comes before its dependants.

    Build with :meth:`of`, which checks names, prerequisites and cycles.
    """

    estate: str
    units: tuple[Unit, ...]
    _by_name: Mapping[str, Unit] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, estate: str, units: Iterable[Unit]) -> UnitGraph:
        """The graph of ``units`` for the estate stack ``estate``; raises :class:`PlanningError`
        for a bad or repeated name or an unknown prerequisite, :class:`UnitCycleError` for a cycle."""
        given = list(units)
        by_name: dict[str, Unit] = {}
        for unit in given:
            problems = unit_name_problems(unit.name)
            if problems:
                raise PlanningError(
                    f"unit {unit.name!r} cannot be deployed: {'; '.join(problems)}",
                    path="units",
                    value=unit.name,
                )
            if unit.name in by_name:
                raise PlanningError(f"two units are named {unit.name!r}", path="units", value=unit.name)
            by_name[unit.name] = unit
        for unit in given:
            for prerequisite in unit.prerequisites:
                if prerequisite not in by_name:
                    raise PlanningError(
                        f"unit {unit.name!r} depends on {prerequisite!r}, which is not a unit of "
                        f"{estate!r} (units: {', '.join(sorted(by_name))})",
                        path=f"units.{unit.name}.prerequisites",
                        value=prerequisite,
                    )
        order = _topological(by_name)
        return cls(estate, tuple(by_name[name] for name in order), by_name)

    def __getitem__(self, name: str) -> Unit:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> tuple[str, ...]:
        return tuple(unit.name for unit in self.units)

    def layers(self) -> list[tuple[Unit, ...]]:
        """Units that can run together: each layer's prerequisites all lie in earlier layers
        (what a CI matrix per layer, or ``-j N`` previews, run side by side)."""
        depth: dict[str, int] = {}
        for unit in self.units:  # topological: prerequisites already have a depth
            depth[unit.name] = 1 + max((depth[p] for p in unit.prerequisites), default=-1)
        out: list[list[Unit]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for unit in self.units:
            out[depth[unit.name]].append(unit)
        return [tuple(layer) for layer in out]

    def as_dict(self) -> dict[str, Any]:
        """The graph as plain data, units layer by layer: ``skyweave stacks --format json``, which
        is also the ``units.json`` a plan directory carries so ``check --from-json DIR`` knows every
        unit it must find (``layer`` is derived, never read back)."""
        layers = self.layers()
        return {
            "stack": self.estate,
            "layers": len(layers),
            "units": [
                {
                    "name": unit.name,
                    "kind": str(unit.kind),
                    "layer": depth,
                    "holds": list(unit.holds),
                    "prerequisites": list(unit.prerequisites),
                }
                for depth, layer in enumerate(layers)
                for unit in layer
            ],
        }

    def dependants(self, name: str) -> tuple[str, ...]:
        """The units that read ``name``'s outputs directly."""
        return tuple(unit.name for unit in self.units if name in unit.prerequisites)


def _topological(units: Mapping[str, Unit]) -> Sequence[str]:
    """A deterministic topological order (ties by name); raises :class:`UnitCycleError`."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(
        {name: unit.prerequisites for name, unit in units.items()}
    )
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle: list[str] = list(exc.args[1])
        raise UnitCycleError(
            f"units depend on each other in a circle: {' -> '.join(cycle)}; no engine can deploy "
            "them in any order (each prerequisite must be deployable before its dependants)",
            path="units",
            value=cycle[0],
        ) from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order
