"""Cluster address planning: each Kubernetes cluster's pod and service ranges, from one supernet,
never overlapping each other, any site or anything reserved.

Why: cross-cluster routing (Cilium ClusterMesh, Istio multi-network, a pod reaching another site
over the estate's links) needs every pod and service range unique across the estate, and a range
that moves is a cluster rebuilt (EKS, GKE and AKS fix both ranges at creation). So the ranges are
handed out exactly as site blocks are (:func:`~.ipam.allocate_blocks`): pinned where the
configuration records them, first-fit around everything pinned or reserved otherwise, and the
sites' blocks, their existing ranges and ``ipam.reserved`` are reservations nothing overlaps. A
cluster whose vendor gives pods the site's own addresses (the Amazon VPC CNI) asks for a service
range only. What sizes and blocks a vendor accepts reaches the planner as data
(:class:`RangeRule`, declared by its driver), never as a vendor name.

Pure: no Pulumi, deterministic (requests are served pins first, then in order).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..core.errors import AddressSpaceExhaustedError, PlanningError
from .ipam import PRIVATE_V4, RFC1918, BlockRequest, Network, Reservation, allocate_blocks

__all__ = [
    "PRIVATE_V4",
    "RFC1918",
    "ClusterRanges",
    "RangeRequest",
    "RangeRule",
    "plan_cluster_ranges",
    "site_reservations",
]


@dataclass(frozen=True)
class RangeRule:
    """The sizes (prefix lengths, inclusive) a vendor accepts for a cluster range, the private
    blocks it must lie in (empty: any), and the document saying so."""

    min_prefixlen: int
    max_prefixlen: int
    source: str
    within: tuple[ipaddress.IPv4Network, ...] = ()

    def problems(self, net: Network) -> list[str]:
        """Why ``net`` breaks this rule (empty when it does not)."""
        out = []
        if not self.min_prefixlen <= net.prefixlen <= self.max_prefixlen:
            out.append(
                f"a /{net.prefixlen}, and sizes /{self.min_prefixlen} to /{self.max_prefixlen} are accepted"
            )
        if self.within and not any(net.version == w.version and net.subnet_of(w) for w in self.within):
            out.append(f"outside {', '.join(map(str, self.within))}")
        return out


@dataclass(frozen=True)
class RangeRequest:
    """One cluster's ranges to plan.

    Attributes:
        key: the cluster's identity (its site's name).
        path: its configuration path (``clusters[1]``), for errors.
        service_prefixlen: the service range's size unless pinned.
        pod_prefixlen: the pod range's size unless pinned; ``None`` when pods take the site's
            addresses (no pod range).
        service_pin, pod_pin: the recorded ranges, if any.
        service_rule, pod_rule: what the vendor accepts (``None``: anything IPAM hands out).
        what: the vendor's product, for messages.
    """

    key: str
    path: str
    service_prefixlen: int
    pod_prefixlen: int | None = None
    service_pin: Network | None = None
    pod_pin: Network | None = None
    service_rule: RangeRule | None = None
    pod_rule: RangeRule | None = None
    what: str = "the cluster"


@dataclass(frozen=True)
class ClusterRanges:
    """A cluster's ranges; ``pinned`` when every one came from the configuration."""

    key: str
    service: Network
    pod: Network | None
    pinned: bool

    def pins(self) -> dict[str, str]:
        """What ``skyweave ipam lock`` would record for the cluster."""
        return {"service_cidr": str(self.service), **({"pod_cidr": str(self.pod)} if self.pod else {})}


def plan_cluster_ranges(
    supernet: Network,
    requests: Sequence[RangeRequest],
    reserved: Sequence[Reservation] = (),
    *,
    supernet_path: str = "ranges.supernet",
) -> dict[str, ClusterRanges]:
    """Every cluster's pod range (where it has one) and service range inside ``supernet``,
    disjoint from each other and from ``reserved``, each within its vendor's rule.

    Raises:
        PlanningError: a pin overlapping another range or a reservation, or outside the supernet;
            the supernet full; a range its vendor does not accept (every such problem at once).
    """
    keys = [r.key for r in requests]
    duplicate = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if duplicate is not None:
        raise PlanningError(f"site {duplicate!r} has two clusters; one cluster per site", path="clusters")
    blocks: list[BlockRequest] = []
    for r in requests:
        if r.pod_prefixlen is not None or r.pod_pin is not None:
            blocks.append(
                BlockRequest(f"{r.key} pods", r.pod_prefixlen or 0, r.pod_pin, f"{r.path}.pod_cidr")
            )
        blocks.append(
            BlockRequest(f"{r.key} services", r.service_prefixlen, r.service_pin, f"{r.path}.service_cidr")
        )
    try:
        allocations = allocate_blocks(supernet, blocks, reserved, supernet_path=supernet_path)
    except AddressSpaceExhaustedError as exc:
        raise AddressSpaceExhaustedError(
            f"the clusters' supernet {supernet} is full: the pod and service ranges not yet placed need "
            f"{exc.needed} addresses and {exc.available} are left; widen {supernet_path}, give smaller "
            "ranges (ranges.pod_prefix, ranges.service_prefix) or fewer clusters",
            needed=exc.needed,
            available=exc.available,
            path=supernet_path,
            value=str(supernet),
        ) from exc
    out: dict[str, ClusterRanges] = {}
    problems: list[PlanningError] = []
    for r in requests:
        service = allocations[f"{r.key} services"]
        pod = allocations.get(f"{r.key} pods")
        for rule, allocation, kind, key in (
            (r.service_rule, service, "service", "service_cidr"),
            (r.pod_rule, pod, "pod", "pod_cidr"),
        ):
            if rule is None or allocation is None:
                continue
            for problem in rule.problems(allocation.network):
                how = "pinned" if allocation.pinned else f"planned from {supernet}"
                problems.append(
                    PlanningError(
                        f"{r.what} does not accept the {kind} range {allocation.network} ({how}): it is "
                        f"{problem} ({rule.source})",
                        path=f"{r.path}.{key}" if allocation.pinned else supernet_path,
                        value=str(allocation.network),
                    )
                )
        out[r.key] = ClusterRanges(
            r.key,
            service.network,
            pod.network if pod is not None else None,
            pinned=service.pinned and (pod is None or pod.pinned),
        )
    error = PlanningError.together(problems)
    if error is not None:
        raise error
    return out


def site_reservations(
    site_ranges: Mapping[str, Sequence[Network]], reserved: Sequence[Network] = ()
) -> list[Reservation]:
    """The sites' ranges and the estate's reserved ones, as what no cluster range may overlap."""
    out = [Reservation(net, f"site {name!r}") for name, nets in site_ranges.items() for net in nets]
    out += [Reservation(net, f"ipam.reserved[{i}]") for i, net in enumerate(reserved)]
    return out
