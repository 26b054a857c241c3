"""Address planning: per-site and per-subnet CIDRs from one supernet, stable across edits.

Why it is built this way:

* A renumbered subnet is a replaced subnet in a real cloud, so a site's block must never move
  because *another* site was added or removed. Positions in a list cannot give that, so a site's
  block is either **pinned** (recorded in the stack configuration: ``skyweave ipam lock`` writes
  the pins) or, until it is pinned, placed first-fit around everything pinned or reserved. Once
  pinned, nothing anyone adds or removes elsewhere can move it.
* Subnets inside a site are not allocated at all: each has a fixed *slot* derived from its own
  identity (zone letter, tier), so adding a zone never renumbers another zone's subnets.
* Declared ranges (on-prem networks, ``ipam.reserved``) are never handed out, whether they lie
  inside the supernet or not, and nothing may overlap them.

Everything here is pure (no Pulumi) and deterministic: same input, same plan. First-fit keeps a
per-size cursor over a sorted interval list, so planning n sites is O(n log n), not O(n²).
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..core.errors import AddressSpaceExhaustedError, OverlappingCidrError, PlanningError

__all__ = [
    "PRIVATE_V4",
    "RFC1918",
    "AddressPlan",
    "Allocation",
    "BlockRequest",
    "Network",
    "Reservation",
    "SitePlan",
    "SiteSpec",
    "SubnetSlot",
    "allocate_blocks",
    "carve",
    "plan_addresses",
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: RFC 1918's private IPv4 blocks.
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
#: Every private IPv4 block an estate may address from: RFC 1918's and RFC 6598's shared space.
PRIVATE_V4 = (*RFC1918, ipaddress.IPv4Network("100.64.0.0/10"))


@dataclass(frozen=True)
class Reservation:
    """A range nothing may be allocated from or overlap, and why (named in errors)."""

    network: Network
    reason: str


@dataclass(frozen=True)
class BlockRequest:
    """Ask for one block: ``prefixlen`` bits, at ``pin`` if the configuration pinned it.

    ``path`` names the configuration key that asked, so an error can point at it.
    """

    key: str
    prefixlen: int
    pin: Network | None = None
    path: str = ""


@dataclass(frozen=True)
class Allocation:
    """A block handed to ``key``; ``pinned`` is False when first-fit chose it."""

    key: str
    network: Network
    pinned: bool


@dataclass(frozen=True)
class SubnetSlot:
    """A subnet of a site, at a fixed slot (its index among the site's ``prefixlen`` blocks)."""

    key: str
    slot: int
    prefixlen: int
    zone: str | None = None
    tier: str = "main"


@dataclass(frozen=True)
class SiteSpec:
    """What IPAM needs to know about one site, vendor-neutral.

    Attributes:
        name: the unique site name.
        path: the site's configuration path (e.g. ``sites[2]``), for errors.
        prefixlen: size of the site's block when it is not pinned; ``None`` for a site that
            brings its own ranges (on-prem) and takes nothing from the supernet.
        pin: the recorded block, if any.
        existing: ranges the site already uses (on-prem); they become reservations.
        subnets: the subnets to carve from the site's block.
        ipv6_prefixlen: size of an explicitly planned IPv6 block, or ``None`` when the vendor
            assigns IPv6 itself (or the site has no IPv6).
        ipv6_pin: the recorded IPv6 block, if any.
        ipv6_subnet_prefixlen: size of each IPv6 subnet carved at the IPv4 subnet's slot.
    """

    name: str
    path: str
    prefixlen: int | None
    pin: Network | None = None
    existing: tuple[Network, ...] = ()
    subnets: tuple[SubnetSlot, ...] = ()
    ipv6_prefixlen: int | None = None
    ipv6_pin: Network | None = None
    ipv6_subnet_prefixlen: int = 64


@dataclass(frozen=True)
class SitePlan:
    """A site's addresses: its block(s) and every subnet by key."""

    name: str
    cidr: Network | None
    pinned: bool
    existing: tuple[Network, ...] = ()
    subnets: Mapping[str, Network] = field(default_factory=dict)
    slots: Mapping[str, SubnetSlot] = field(default_factory=dict)
    ipv6_cidr: Network | None = None
    ipv6_pinned: bool = True
    ipv6_subnets: Mapping[str, Network] = field(default_factory=dict)

    @property
    def cidrs(self) -> tuple[Network, ...]:
        """Every range the site routes: its block, or its existing ranges."""
        return (self.cidr,) if self.cidr is not None else self.existing


@dataclass(frozen=True)
class AddressPlan:
    """The estate's address plan, by site name, in configuration order."""

    supernet: Network
    sites: Mapping[str, SitePlan]

    @property
    def unpinned(self) -> tuple[str, ...]:
        """Sites whose block would move if an earlier unpinned site changed: pin them."""
        return tuple(name for name, site in self.sites.items() if not site.pinned or not site.ipv6_pinned)

    def pins(self) -> dict[str, dict[str, str]]:
        """The values ``skyweave ipam lock`` records, per site: ``cidr`` and ``ipv6_cidr``."""
        out: dict[str, dict[str, str]] = {}
        for name, site in self.sites.items():
            entry = {}
            if site.cidr is not None:
                entry["cidr"] = str(site.cidr)
            if site.ipv6_cidr is not None:
                entry["ipv6_cidr"] = str(site.ipv6_cidr)
            if entry:
                out[name] = entry
        return out


def carve(parent: Network, prefixlen: int, slot: int) -> Network:
    """The ``slot``-th block of size ``prefixlen`` inside ``parent``.

    >>> str(carve(ipaddress.ip_network("10.1.0.0/16"), 22, 5))
    '10.1.20.0/22'
    """
    if prefixlen < parent.prefixlen or prefixlen > parent.max_prefixlen:
        raise PlanningError(
            f"a /{prefixlen} subnet cannot be carved from {parent}; "
            f"valid sizes are /{parent.prefixlen} to /{parent.max_prefixlen}",
            value=prefixlen,
        )
    count = 1 << (prefixlen - parent.prefixlen)
    if not 0 <= slot < count:
        raise PlanningError(
            f"slot {slot} does not fit: {parent} holds {count} /{prefixlen} subnets (slots 0-{count - 1})",
            value=slot,
        )
    size = 1 << (parent.max_prefixlen - prefixlen)
    return ipaddress.ip_network((int(parent.network_address) + slot * size, prefixlen))


class _Intervals:
    """Disjoint half-open integer intervals, sorted, with first-fit search for aligned blocks."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.owners: list[str] = []

    def overlapping(self, start: int, end: int) -> str | None:
        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0 and self.ends[i] > start:
            return self.owners[i]
        if i + 1 < len(self.starts) and self.starts[i + 1] < end:
            return self.owners[i + 1]
        return None

    def add(self, start: int, end: int, owner: str) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.owners.insert(i, owner)

    def first_fit(self, lo: int, hi: int, size: int, cursor: int) -> int | None:
        """Lowest ``size``-aligned start >= ``cursor`` in [lo, hi) whose block is free."""
        pos = max(lo, cursor)
        pos = -(-pos // size) * size
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0:
            i = 0
        while pos + size <= hi:
            # skip intervals that end before pos
            while i < len(self.starts) and self.ends[i] <= pos:
                i += 1
            if i >= len(self.starts) or self.starts[i] >= pos + size:
                return pos
            pos = -(-self.ends[i] // size) * size
        return None

    def used_within(self, lo: int, hi: int) -> int:
        total = 0
        for s, e in zip(self.starts, self.ends, strict=True):
            s2, e2 = max(s, lo), min(e, hi)
            if e2 > s2:
                total += e2 - s2
        return total


def _span(net: Network) -> tuple[int, int]:
    return int(net.network_address), int(net.broadcast_address) + 1


def allocate_blocks(
    supernet: Network,
    requests: Sequence[BlockRequest],
    reserved: Iterable[Reservation] = (),
    *,
    supernet_path: str = "supernet",
) -> dict[str, Allocation]:
    """Place every request inside ``supernet``: pins where pinned, the rest first-fit in order.

    Raises:
        OverlappingCidrError: a pin overlaps another pin or a reservation, or lies outside the
            supernet.
        AddressSpaceExhaustedError: unpinned requests do not fit; the message says how much is
            needed and how much is left.
    """
    lo, hi = _span(supernet)
    used = _Intervals()
    # Reservations may overlap each other (a reserved /14 around an on-prem /16): merge them.
    spans = sorted(
        (*_span(r.network), f"{r.network} ({r.reason})")
        for r in reserved
        if r.network.version == supernet.version
    )
    for start, end, owner in spans:
        if used.starts and start < used.ends[-1]:
            used.ends[-1] = max(used.ends[-1], end)
        else:
            used.add(start, end, owner)

    out: dict[str, Allocation] = {}
    for req in requests:
        if req.pin is None:
            continue
        pin = req.pin
        if pin.version != supernet.version or not pin.subnet_of(supernet):  # type: ignore[arg-type]
            raise OverlappingCidrError(
                f"the pinned block {pin} for {req.key!r} lies outside the supernet {supernet}; "
                f"pin a block inside {supernet} or widen the supernet",
                path=req.path,
                value=str(pin),
            )
        start, end = _span(pin)
        clash = used.overlapping(start, end)
        if clash is not None:
            raise OverlappingCidrError(
                f"{req.key!r} is pinned to {pin}, which overlaps {clash}; every site needs its own block",
                path=req.path,
                value=str(pin),
            )
        used.add(start, end, f"{pin} (site {req.key!r})")
        out[req.key] = Allocation(req.key, pin, pinned=True)

    cursors: dict[int, int] = {}
    pending = [r for r in requests if r.pin is None]
    for n, req in enumerate(pending):
        if not supernet.prefixlen <= req.prefixlen <= supernet.max_prefixlen:
            raise PlanningError(
                f"a /{req.prefixlen} block for {req.key!r} cannot come from the supernet {supernet}; "
                f"sizes /{supernet.prefixlen} to /{supernet.max_prefixlen} can",
                path=req.path,
                value=req.prefixlen,
            )
        size = 1 << (supernet.max_prefixlen - req.prefixlen)
        placed = used.first_fit(lo, hi, size, cursors.get(size, lo))
        if placed is None:
            rest = pending[n:]
            needed = sum(1 << (supernet.max_prefixlen - r.prefixlen) for r in rest)
            available = (hi - lo) - used.used_within(lo, hi)
            sizes = _describe_sizes(r.prefixlen for r in rest)
            raise AddressSpaceExhaustedError(
                f"the supernet {supernet} is full: {len(rest)} more site block(s) ({sizes}) need "
                f"{needed} addresses, but only {available} are left and no free /{req.prefixlen} "
                f"remains (first unplaced: {req.key!r}); widen the supernet, shrink "
                f"the site blocks, or remove sites",
                path=supernet_path,
                value=str(supernet),
                needed=needed,
                available=available,
            )
        cursors[size] = placed + size
        used.add(placed, placed + size, f"site {req.key!r}")
        net = ipaddress.ip_network((placed, req.prefixlen))
        out[req.key] = Allocation(req.key, net, pinned=False)
    return {r.key: out[r.key] for r in requests}


def _describe_sizes(prefixlens: Iterable[int]) -> str:
    counts: dict[int, int] = {}
    for p in prefixlens:
        counts[p] = counts.get(p, 0) + 1
    return ", ".join(f"{n} × /{p}" for p, n in sorted(counts.items()))


def plan_addresses(
    supernet: Network,
    sites: Sequence[SiteSpec],
    *,
    reserved: Sequence[Reservation] = (),
    ipv6_supernet: Network | None = None,
) -> AddressPlan:
    """Plan every site's block and subnets.

    ``reserved`` and every site's ``existing`` ranges are kept clear. Errors carry the
    configuration path of the site or key at fault.
    """
    reservations = list(reserved)
    for site in sites:
        reservations += [Reservation(net, f"existing range of site {site.name!r}") for net in site.existing]
    _check_existing_disjoint(sites)

    v4 = allocate_blocks(
        supernet,
        [
            BlockRequest(s.name, s.prefixlen, s.pin, f"{s.path}.cidr")
            for s in sites
            if s.prefixlen is not None
        ],
        reservations,
        supernet_path="ipam.supernet",
    )
    v6: dict[str, Allocation] = {}
    v6_requests = [s for s in sites if s.ipv6_prefixlen is not None]
    if v6_requests:
        if ipv6_supernet is None:
            raise PlanningError(
                "sites need planned IPv6 blocks but ipam.ipv6_supernet is not set; "
                "set it to a ULA /48 such as fd12:3456:789a::/48",
                path="ipam.ipv6_supernet",
            )
        v6 = allocate_blocks(
            ipv6_supernet,
            [
                BlockRequest(s.name, s.ipv6_prefixlen, s.ipv6_pin, f"{s.path}.ipv6_cidr")
                for s in v6_requests
                if s.ipv6_prefixlen is not None
            ],
            reservations,
            supernet_path="ipam.ipv6_supernet",
        )

    plans: dict[str, SitePlan] = {}
    for site in sites:
        alloc = v4.get(site.name)
        v6alloc = v6.get(site.name)
        subnets: dict[str, Network] = {}
        v6subnets: dict[str, Network] = {}
        if alloc is not None:
            for sub in site.subnets:
                subnets[sub.key] = _carve_for(site, alloc.network, sub.prefixlen, sub)
                if v6alloc is not None:
                    v6subnets[sub.key] = _carve_for(site, v6alloc.network, site.ipv6_subnet_prefixlen, sub)
        plans[site.name] = SitePlan(
            name=site.name,
            cidr=alloc.network if alloc else None,
            pinned=alloc.pinned if alloc else True,
            existing=site.existing,
            subnets=subnets,
            slots={sub.key: sub for sub in site.subnets} if alloc is not None else {},
            ipv6_cidr=v6alloc.network if v6alloc else None,
            ipv6_pinned=v6alloc.pinned if v6alloc else True,
            ipv6_subnets=v6subnets,
        )
    return AddressPlan(supernet=supernet, sites=plans)


def _carve_for(site: SiteSpec, parent: Network, prefixlen: int, sub: SubnetSlot) -> Network:
    try:
        return carve(parent, prefixlen, sub.slot)
    except PlanningError as exc:
        what = f"zone {sub.zone!r}" if sub.zone else f"subnet {sub.key!r}"
        raise PlanningError(
            f"{what} of site {site.name!r} does not fit its block {parent}: {exc.message}; "
            f"use a larger site block or smaller subnets",
            path=f"{site.path}.zones" if sub.zone else site.path,
            value=sub.zone or sub.key,
        ) from exc


def _check_existing_disjoint(sites: Sequence[SiteSpec]) -> None:
    """Two sites' existing ranges must not overlap: routing between them would be ambiguous."""
    by_version = {4: _Intervals(), 6: _Intervals()}
    for site in sites:
        for i, net in enumerate(site.existing):
            seen = by_version[net.version]
            start, end = _span(net)
            clash = seen.overlapping(start, end)
            if clash is not None:
                raise OverlappingCidrError(
                    f"existing range {net} of site {site.name!r} overlaps {clash}; "
                    "ranges that exist already must be disjoint",
                    path=f"{site.path}.cidrs[{i}]",
                    value=str(net),
                )
            seen.add(start, end, f"{net} (existing range of site {site.name!r})")
