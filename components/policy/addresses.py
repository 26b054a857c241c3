"""Address rules: no two networks of the estate overlap, and tunnel inside addresses are valid.

Why estate-wide: two sites joined by a VPN route to each other by address. If an AWS VPC and an
OpenStack subnet share a range, traffic for one lands in the other — a failure no single
vendor's console shows. The overlap check sorts every range once and sweeps (O(n log n)).
"""

from __future__ import annotations

import functools
import ipaddress
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.naming import HYBRID_VPC, VPN_LINK
from ..planning.tunnels import inside_cidr_problem
from . import readers
from .facts import facts
from .index import StackIndex
from .rule import Finding, Kind, Level, Resource, Rule, UnknownValue, cant_check, get, items

__all__ = ["RULES", "Interval", "overlaps"]


@dataclass(frozen=True)
class Interval:
    """One IPv4 range owned by one resource."""

    start: int
    end: int
    cidr: str
    urn: str
    label: str


def overlaps(intervals: list[Interval]) -> list[tuple[Interval, Interval]]:
    """Pairs that overlap, each later range paired with the widest-reaching earlier one.

    Sort by start (widest first on ties) and sweep, keeping the range that reaches furthest so
    far: a range starting before that reach overlaps it. Every overlapping range is reported
    at least once; O(n log n).
    """
    ordered = sorted(intervals, key=lambda i: (i.start, -i.end, i.urn))
    found: list[tuple[Interval, Interval]] = []
    reach: Interval | None = None
    for current in ordered:
        if reach is not None and current.start <= reach.end:
            found.append((reach, current))
        if reach is None or current.end > reach.end:
            reach = current
    return found


def _interval(cidr: Any, res: Resource, label: str) -> Interval | None:
    if not isinstance(cidr, str):
        return None
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    if network.version != 4:
        return None
    start, end = int(network.network_address), int(network.broadcast_address)
    return Interval(start, end, str(network), res.urn, label)


def _check_overlap(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    ranges: list[Interval] = []

    def add(res: Resource, *path: str | int) -> Iterator[Finding]:
        try:
            value = get(res.props, *path)
        except UnknownValue as exc:
            yield cant_check(res, exc)
            return
        site = index.site(res)
        label = f"{res.type.rsplit(':', 1)[-1]} {res.name!r}" + (f" (site {site})" if site else "")
        interval = _interval(value, res, label)
        if interval is not None:
            ranges.append(interval)

    estate = facts(index)
    for reader in estate.readers:
        for read in reader.ranges(estate):
            if isinstance(read, Finding):
                yield read
            else:
                yield from add(read[0], *read[1])
    # Sites with no cloud resources of their own (on-prem) exist only in a HybridVpc's outputs:
    # `networks.<site>.cidrs`. Cloud sites are already counted through their VPCs and subnets.
    for res in index.of_type(HYBRID_VPC):
        try:
            networks = get(res.props, "networks")
            sites = [(site, get(networks, site, "vendor")) for site in (networks or {})]
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        for site, vendor in sites:
            if str(vendor) in readers.cloud_vendors():
                continue
            try:
                cidrs = items(networks, site, "cidrs")
            except UnknownValue as exc:
                yield cant_check(res, exc)
                continue
            for cidr in cidrs:
                interval = _interval(cidr, res, f"{vendor} site {site!r} of HybridVpc {res.name!r}")
                if interval is not None:
                    ranges.append(interval)

    for first, second in overlaps(ranges):
        yield Finding(
            f"{second.label} uses {second.cidr}, which overlaps {first.cidr} of {first.label}",
            second.urn,
        )


CIDR_OVERLAP = Rule(
    name="skyweave-addresses-no-overlap",
    description="No two networks anywhere in the estate overlap (AWS VPCs and their extra CIDRs, subnets "
    "of VPCs outside the stack, GCP subnetworks and their secondary ranges, OpenStack subnets, Azure "
    "VNets' address spaces and subnets of VNets outside the stack, on-prem ranges of a HybridVpc).",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_overlap,
    remediation="Let skyweave's IPAM plan the ranges (skyweave ipam show), or pick ranges outside "
    "every other site's.",
)


def _inside(value: Any) -> str | None:
    """A tunnel address as its /30 network (GCP gives a host address with a prefix)."""
    return _network_of(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=8192)
def _network_of(value: str) -> str:
    try:
        return str(ipaddress.ip_interface(value).network)
    except ValueError:
        return value


def _check_inside(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    # A /30 must not be used twice where the vendors refuse it, and no wider: among the VPN
    # connections of one AWS virtual private gateway (or one customer gateway: one device), the
    # interfaces of one Cloud Router, the links of one site (skyweave's VpnLink components, by each
    # of their two sites). Each end of a tunnel names the same /30, so uniqueness is checked within
    # a scope of one kind of source, never across the two ends.
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    reported: set[tuple[str, str, str]] = set()

    def use(scopes: tuple[str, ...], res: Resource, where: str, value: Any) -> Iterator[Finding]:
        cidr = _inside(value)
        if cidr is None:
            return
        problem = inside_cidr_problem(cidr)
        if problem:
            yield Finding(f"{res.type.rsplit(':', 1)[-1]} {res.name!r} {where}: {problem}", res.urn)
        this = f"{res.name} {where}"
        for scope in scopes:
            users = seen[scope][cidr]
            if this in users:
                continue
            users.append(this)
            if len(users) == 2 and (cidr, users[0], this) not in reported:
                reported.add((cidr, users[0], this))
                yield Finding(
                    f"tunnel inside CIDR {cidr} is used twice on {scope}: {' and '.join(users)}", res.urn
                )

    estate = facts(index)
    for reader in estate.readers:
        for tunnel in reader.inside_cidrs(estate):
            if isinstance(tunnel, Finding):
                yield tunnel
            else:
                yield from use(*tunnel)
    for res in index.of_type(VPN_LINK):
        try:
            cidrs = items(res.props, "insideCidrs")
            sites = tuple(f"site {site}" for key in ("siteA", "siteB") if (site := get(res.props, key)))
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        for i, value in enumerate(cidrs):
            yield from use((f"link {res.name}", *sites), res, f"insideCidrs[{i}]", value)


TUNNEL_INSIDE = Rule(
    name="skyweave-addresses-tunnel-inside-cidrs",
    description="Every tunnel's inside CIDR is a /30 from 169.254.0.0/16 that AWS accepts, and no two "
    "tunnels on one gateway, router or site share one.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_inside,
    remediation="Let skyweave's VPN planner assign inside CIDRs, or pick unused /30s outside the "
    "reserved 169.254.0.0/30-169.254.5.0/30 and 169.254.169.252/30.",
)

RULES: tuple[Rule, ...] = (CIDR_OVERLAP, TUNNEL_INSIDE)
