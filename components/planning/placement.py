"""Where each node of a bare-metal pool goes: spread over failure domains, stable as the pool grows.

A pool draws nodes from several sources (an OpenStack Ironic cloud, AWS metal instances,
servers someone brought themselves); each source offers failure domains (availability zones,
racks, rooms), some with a limited number of machines (a rack holds the servers it holds).

The planner places node ``0, 1, 2 …`` one at a time, each on the least-loaded domain that still
has room (ties go to the earlier domain in a fixed order that alternates between sources, so a
small pool already spans vendors). Three properties follow and are property-tested:

* **Spread:** no domain holds more than ``ceil(count / domains)`` nodes; when capacity makes that
  impossible the planner raises instead of silently piling nodes onto fewer domains.
* **Stable growth:** node ``i``'s domain depends only on nodes ``0 … i-1``, so the plan for ``n``
  nodes is a prefix of the plan for ``n + k``: growing a pool never moves or renames a node.
* **Survival (when asked):** losing any one domain of the chosen kind (zone, site, region,
  vendor) leaves at least ``min_healthy`` nodes. The check is :mod:`skyweave.planning.failure`'s,
  the same model the policy pack and the simulate report use.

Pure: no Pulumi, deterministic, O(count log domains).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..core.errors import PlanningError
from .failure import FailureKind, Placement, worst_loss

__all__ = [
    "Domain",
    "PlacedNode",
    "PlacementPlan",
    "interleave",
    "plan_placement",
]


@dataclass(frozen=True)
class Domain:
    """One failure domain a source can put nodes in.

    Attributes:
        source: the source's key (stable identity within the pool, e.g. ``os-dc1``).
        site: the site name.
        vendor: the site's vendor.
        region: the site's region.
        zone: the narrowest failure domain: an availability zone, a rack or a room.
        capacity: how many nodes fit, or ``None`` for a cloud that provisions on demand.
    """

    source: str
    site: str
    vendor: str
    region: str
    zone: str
    capacity: int | None = None

    @property
    def key(self) -> str:
        return f"{self.site}/{self.zone}"


@dataclass(frozen=True)
class PlacedNode:
    """Node ``index`` of the pool, in ``domain``, the ``ordinal``-th node placed there (from 0)."""

    index: int
    domain: Domain
    ordinal: int


@dataclass(frozen=True)
class PlacementPlan:
    """Every node's domain, plus the failure-model rows the policy pack reads."""

    nodes: tuple[PlacedNode, ...]
    domains: tuple[Domain, ...]
    min_healthy: int
    survive: FailureKind

    def placements(self) -> list[Placement]:
        """One :class:`Placement` per domain holding at least one node, in domain order."""
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.domain.key] = counts.get(node.domain.key, 0) + 1
        return [
            Placement(site=d.site, vendor=d.vendor, region=d.region, zone=d.zone, count=counts[d.key])
            for d in self.domains
            if d.key in counts
        ]

    def per_domain(self) -> dict[str, int]:
        counts = {d.key: 0 for d in self.domains}
        for node in self.nodes:
            counts[node.domain.key] += 1
        return counts


def interleave(groups: Sequence[Sequence[Domain]]) -> tuple[Domain, ...]:
    """Domains of several sources in the order ``a0, b0, c0, a1, b1, …`` (each source's own order).

    >>> a = [Domain("a", "s1", "aws", "r", z) for z in ("x", "y")]
    >>> b = [Domain("b", "s2", "onprem", "r", "k")]
    >>> [d.key for d in interleave([a, b])]
    ['s1/x', 's2/k', 's1/y']
    """
    out: list[Domain] = []
    for i in range(max((len(g) for g in groups), default=0)):
        out += [g[i] for g in groups if i < len(g)]
    return tuple(out)


def plan_placement(
    count: int,
    domains: Iterable[Domain],
    *,
    min_healthy: int = 0,
    survive: FailureKind = FailureKind.ZONE,
) -> PlacementPlan:
    """Place ``count`` nodes over ``domains`` (see the module docstring for the guarantees).

    Raises:
        PlanningError: no domains, duplicate domains, not enough capacity to keep the spread,
            or losing one ``survive`` domain would leave fewer than ``min_healthy`` nodes.
    """
    ordered = tuple(domains)
    if count < 0:
        raise PlanningError(f"count must be 0 or more, got {count}", path="count", value=count)
    if not ordered:
        raise PlanningError("the pool has no failure domain to place nodes in", path="sources")
    seen: set[str] = set()
    for domain in ordered:
        if domain.key in seen:
            raise PlanningError(
                f"failure domain {domain.key} is offered twice; each site/zone may appear once",
                path="sources",
                value=domain.key,
            )
        seen.add(domain.key)
    bound = math.ceil(count / len(ordered)) if count else 0
    room = sum(min(d.capacity, bound) if d.capacity is not None else bound for d in ordered)
    if room < count:
        limited = ", ".join(f"{d.key} ({d.capacity})" for d in ordered if d.capacity is not None)
        raise PlanningError(
            f"{count} nodes over {len(ordered)} failure domains may put at most {bound} in each, "
            f"but the domains with a fixed number of servers ({limited}) leave room for only "
            f"{room}; add servers or sources, or lower count",
            path="count",
            value=count,
        )

    # The least-loaded domain with room, the earlier one on ties: the top of a heap of
    # (load, position), so placing n nodes over d domains is O(n log d), not O(n * d).
    heap = [(0, i) for i, domain in enumerate(ordered) if domain.capacity is None or domain.capacity > 0]
    nodes: list[PlacedNode] = []
    for index in range(count):
        # `room >= count` guarantees a domain below the bound has room: filling the least-loaded
        # one first never lifts any domain above `bound` (the property tests check it).
        load, best = heap[0]
        nodes.append(PlacedNode(index=index, domain=ordered[best], ordinal=load))
        capacity = ordered[best].capacity
        if capacity is None or load + 1 < capacity:
            heapq.heapreplace(heap, (load + 1, best))
        else:
            heapq.heappop(heap)

    plan = PlacementPlan(nodes=tuple(nodes), domains=ordered, min_healthy=min_healthy, survive=survive)
    if min_healthy > 0:
        if min_healthy > count:
            raise PlanningError(
                f"min_healthy ({min_healthy}) cannot exceed count ({count})",
                path="min_healthy",
                value=min_healthy,
            )
        worst = worst_loss(plan.placements(), survive)
        if worst is not None and worst.remaining < min_healthy:
            raise PlanningError(
                f"losing {survive.value} {worst.domain} leaves {worst.remaining} of {count} nodes, "
                f"fewer than min_healthy ({min_healthy}); add failure domains or sources, raise "
                f"count, or lower min_healthy",
                path="min_healthy",
                value=min_healthy,
            )
    return plan
