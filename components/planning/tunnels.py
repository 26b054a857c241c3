"""Tunnel inside addresses: one /30 per tunnel from 169.254.0.0/16, never one a vendor refuses.

Each link gets a /27 block (eight /30s: an AWS↔GCP link uses four, an AWS link to an on-prem site
with two devices four) and its tunnels take the block's /30s in order. A block is placed where
the link's own identity hashes to, so adding or removing *other* links leaves it where it is; only
a hash collision moves a block, and ``skyweave ipam lock`` records every block in the stack file
(``network.tunnel_blocks``) so nothing can move it after that — the same rule as site CIDRs.

Why: BGP over IPsec needs a point-to-point link-local /30 per tunnel. AWS only accepts a /30 from
169.254.0.0/16 and refuses a fixed list of them (cited in docs/connectivity.md: "Tunnel options for
your Site-to-Site VPN connection" and the EC2 API's ``VpnTunnelOptionsSpecification``). Reusing a
/30 on two tunnels that meet one router breaks BGP there. The policy pack checks the same rule with
:func:`inside_cidr_problem`.

How unique (:class:`TunnelBlockScope`, the stack file's ``network.tunnel_block_scope``): ``estate``
(the default) gives every link of the estate its own block, which caps an estate at about 2,041
links with inside addresses; ``site`` only keeps apart the blocks of links that share a site — what
the vendors require (AWS: unique per virtual private gateway / transit gateway; GCP: per Cloud
Router; a device: among its own tunnels) — so the cap is about 2,041 links *per site*.

Some endpoints take inside addresses from only part of the /16 (an Azure VPN gateway accepts custom
BGP addresses only in 169.254.21.0-169.254.22.255). The link module of such an endpoint kind
registers that range (:func:`register_inside_range`, beside its shape rules); a link touching the
kind then gets its block inside the range, hashed over the range's blocks the same way, and a pin
outside it is refused.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..core.errors import PlanningError
from ..core.registry import Registry, caller
from .ipam import BlockRequest, Reservation, allocate_blocks

__all__ = [
    "INSIDE_RANGE",
    "LINK_BLOCK_PREFIX",
    "RESERVED_INSIDE_CIDRS",
    "InsideRange",
    "TunnelBlockScope",
    "inside_cidr_problem",
    "inside_range",
    "plan_tunnel_blocks",
    "register_inside_range",
    "tunnel_cidrs",
]

#: Size of one link's block of tunnel addresses: eight /30s.
LINK_BLOCK_PREFIX = 27
_BLOCKS = 2 ** (LINK_BLOCK_PREFIX - 16)

INSIDE_RANGE = ipaddress.IPv4Network("169.254.0.0/16")
_ALL_BLOCKS = range(_BLOCKS)

#: /30s AWS refuses as tunnel inside CIDRs (the EC2 API reference lists exactly these).
RESERVED_INSIDE_CIDRS: tuple[ipaddress.IPv4Network, ...] = (
    *(ipaddress.IPv4Network(f"169.254.{third}.0/30") for third in range(6)),
    ipaddress.IPv4Network("169.254.169.252/30"),
)


class TunnelBlockScope(StrEnum):
    """Which links' tunnel blocks must differ (``network.tunnel_block_scope``)."""

    ESTATE = "estate"
    """Every link of the estate has its own /27 (at most ~2,041 links with inside addresses)."""
    SITE = "site"
    """A link's /27 differs from those of the links sharing one of its two sites; links with no
    site in common may reuse a block (at most ~2,041 links with inside addresses per site)."""


@functools.lru_cache(maxsize=8192)
def inside_cidr_problem(value: str) -> str | None:
    """Why ``value`` cannot be a tunnel's inside CIDR, or ``None`` when it can.

    Cached: the pack asks it of every tunnel end of the estate on every check, a few thousand
    parses of the same few hundred strings (a third of a prod check's stack rules' time)."""
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return f"{value!r} is not an IPv4 network in CIDR notation"
    if network.prefixlen != 30:
        return f"{value} is a /{network.prefixlen}; a tunnel needs exactly a /30"
    if not network.subnet_of(INSIDE_RANGE):
        return f"{value} is outside {INSIDE_RANGE}, the range AWS and GCP take tunnel inside addresses from"
    for reserved in RESERVED_INSIDE_CIDRS:
        if network == reserved:
            return f"{value} is reserved by AWS (reserved: {', '.join(map(str, RESERVED_INSIDE_CIDRS))})"
    return None


@dataclass(frozen=True)
class InsideRange:
    """The part of 169.254.0.0/16 an endpoint kind takes tunnel inside addresses from, and why."""

    networks: tuple[ipaddress.IPv4Network, ...]
    why: str

    def blocks(self) -> tuple[int, ...]:
        """The indices of the /27 blocks lying wholly inside the range, in address order."""
        found: set[int] = set()
        for net in self.networks:
            if net.prefixlen <= LINK_BLOCK_PREFIX:
                found.update(_index(b) for b in net.subnets(new_prefix=LINK_BLOCK_PREFIX))
        return tuple(sorted(found))

    def holds(self, block: ipaddress.IPv4Network) -> bool:
        return any(block.subnet_of(net) for net in self.networks)

    def __str__(self) -> str:
        return " or ".join(str(n) for n in self.networks)


#: Endpoint kind → the narrower range its tunnels' inside addresses must come from.
_KIND_RANGES: Registry[str, InsideRange] = Registry("the tunnel inside range of endpoint kind")


def register_inside_range(kind: str, networks: Sequence[ipaddress.IPv4Network], why: str) -> None:
    """Links touching an endpoint of ``kind`` take their /30s from ``networks`` only (``why``
    says whose rule that is). Called by the kind's link module, as it registers its shapes.

    Raises:
        RegistrationError: ``kind`` already has a range (both registering modules are named).
    """
    for net in networks:
        if not net.subnet_of(INSIDE_RANGE) or net.prefixlen > LINK_BLOCK_PREFIX:
            raise ValueError(f"{net} must be a /{LINK_BLOCK_PREFIX} or larger inside {INSIDE_RANGE}")
    _KIND_RANGES.register(str(kind), InsideRange(tuple(networks), why), caller())


def inside_range(*kinds: str | None) -> InsideRange | None:
    """The range a link between endpoints of ``kinds`` must take its /30s from; ``None``: anywhere."""
    found = [r for k in kinds if k is not None and (r := _KIND_RANGES.get(str(k))) is not None]
    if not found:
        return None
    first = found[0]
    if all(r == first for r in found):
        return first
    # Two different narrow kinds: only the blocks both accept.
    common = set(first.blocks()).intersection(*(r.blocks() for r in found[1:]))
    return InsideRange(tuple(_block(i) for i in sorted(common)), "; ".join(r.why for r in found))


def _block(index: int) -> ipaddress.IPv4Network:
    base = int(INSIDE_RANGE.network_address) + index * 2 ** (32 - LINK_BLOCK_PREFIX)
    return ipaddress.IPv4Network((base, LINK_BLOCK_PREFIX))


def _index(block: ipaddress.IPv4Network) -> int:
    return (int(block.network_address) - int(INSIDE_RANGE.network_address)) >> (32 - LINK_BLOCK_PREFIX)


def plan_tunnel_blocks(
    links: Sequence[str],
    pins: Mapping[str, ipaddress.IPv4Network],
    *,
    path: str = "network.tunnel_blocks",
    ranges: Mapping[str, InsideRange] | None = None,
    sites: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, ipaddress.IPv4Network]:
    """A /27 per link id: pinned blocks as recorded, the others at their hashed place.

    ``ranges`` narrows some links (by id) to part of the /16 (:func:`inside_range`): their blocks
    are hashed over that part's blocks only, and a pin outside it is refused.

    ``sites`` (every link's two sites) plans in :attr:`TunnelBlockScope.SITE` scope: a block need
    only differ from the blocks of the links sharing one of its link's sites, so a link probes past
    those only, and only such pins may not be equal. ``None``: every block of the estate differs.

    Raises:
        PlanningError: a pin is not a /27 inside 169.254.0.0/16 (or inside its link's range), or
            two pins overlap (in site scope: two pins of links sharing a site) or hit a reserved
            /30, or the range (in site scope: what a link's sites leave of it) is full.
    """
    ranges = ranges or {}
    for link, pin in pins.items():
        if pin.prefixlen != LINK_BLOCK_PREFIX or not pin.subnet_of(INSIDE_RANGE):
            raise PlanningError(
                f"the tunnel block of link {link!r} must be a /{LINK_BLOCK_PREFIX} inside {INSIDE_RANGE}",
                path=f"{path}.{link}",
                value=str(pin),
            )
        narrow = ranges.get(link)
        if link in links and narrow is not None and not narrow.holds(pin):
            raise PlanningError(
                f"the tunnel block of link {link!r} must lie inside {narrow}: {narrow.why}",
                path=f"{path}.{link}",
                value=str(pin),
            )
    if sites is not None:
        return _plan_per_site(links, pins, path=path, ranges=ranges, sites=sites)
    reserved = [
        Reservation(net, "reserved by AWS for tunnel inside addresses") for net in RESERVED_INSIDE_CIDRS
    ]
    taken = {_index(net.supernet(new_prefix=LINK_BLOCK_PREFIX)) for net in RESERVED_INSIDE_CIDRS}
    taken.update(_index(pin) for link, pin in pins.items() if link in links)
    soft: dict[str, ipaddress.IPv4Network] = {}
    for link in sorted(set(links) - set(pins)):
        narrow = ranges.get(link)
        found = _probe(link, narrow, taken)
        if found is not None:
            taken.add(found)
            soft[link] = _block(found)
        else:
            where = f"{narrow} ({narrow.why})" if narrow is not None else str(INSIDE_RANGE)
            raise PlanningError(f"{where} has no free /{LINK_BLOCK_PREFIX} left for link {link!r}", path=path)
    requests = [
        BlockRequest(
            key=link, path=f"{path}.{link}", prefixlen=LINK_BLOCK_PREFIX, pin=pins.get(link) or soft[link]
        )
        for link in links
    ]
    allocations = allocate_blocks(INSIDE_RANGE, requests, reserved, supernet_path=path)
    return {link: allocation.network for link, allocation in allocations.items()}  # type: ignore[misc]


def _probe(link: str, narrow: InsideRange | None, *taken: Container[int]) -> int | None:
    """The first block index in none of ``taken`` among the link's allowed blocks (its range's,
    or the whole /16's), probing on from the link's hashed place; ``None`` when all are taken."""
    allowed: Sequence[int] = narrow.blocks() if narrow is not None else _ALL_BLOCKS
    count = len(allowed)
    start = _hashed_place(link, count)
    for step in range(count):
        index = allowed[(start + step) % count]
        if not any(index in held for held in taken):
            return index
    return None


def _hashed_place(link: str, count: int) -> int:
    """Where a link's probe for a free block starts among ``count`` allowed blocks: its id's hash."""
    return int.from_bytes(hashlib.sha256(link.encode()).digest()[:4], "big") % max(count, 1)


def _plan_per_site(
    links: Sequence[str],
    pins: Mapping[str, ipaddress.IPv4Network],
    *,
    path: str,
    ranges: Mapping[str, InsideRange],
    sites: Mapping[str, tuple[str, str]],
) -> dict[str, ipaddress.IPv4Network]:
    """:func:`plan_tunnel_blocks` in site scope: per site, the blocks its links hold (and which link
    holds each), so a link probes past its two sites' blocks only; linear in the links."""
    reserved = {_index(net.supernet(new_prefix=LINK_BLOCK_PREFIX)): net for net in RESERVED_INSIDE_CIDRS}
    held: dict[str, dict[int, str]] = {}
    wanted = set(links)
    for link in sorted(wanted & set(pins)):  # sorted: the same clash is reported whatever the order
        pin = pins[link]
        index = _index(pin)
        if index in reserved:
            raise PlanningError(
                f"{link!r} is pinned to {pin}, which overlaps {reserved[index]} (reserved by AWS for "
                "tunnel inside addresses)",
                path=f"{path}.{link}",
                value=str(pin),
            )
        for site in sites[link]:
            other = held.setdefault(site, {}).setdefault(index, link)
            if other != link:
                raise PlanningError(
                    f"{link!r} is pinned to {pin}, which overlaps the block of {other!r}: links "
                    f"sharing site {site!r} need their own blocks (tunnel_block_scope: site)",
                    path=f"{path}.{link}",
                    value=str(pin),
                )
    soft: dict[str, int] = {}
    for link in sorted(wanted - set(pins)):
        a, b = sites[link]
        at_a, at_b = held.setdefault(a, {}), held.setdefault(b, {})
        narrow = ranges.get(link)
        found = _probe(link, narrow, reserved, at_a, at_b)
        if found is not None:
            at_a[found] = at_b[found] = link
            soft[link] = found
        else:
            where = f"{narrow} ({narrow.why})" if narrow is not None else str(INSIDE_RANGE)
            raise PlanningError(
                f"{where} has no free /{LINK_BLOCK_PREFIX} left for link {link!r}: the links of its "
                f"sites {a!r} ({len(at_a)}) and {b!r} ({len(at_b)}) hold the rest",
                path=path,
            )
    return {link: pins[link] if link in pins else _block(soft[link]) for link in links}


def tunnel_cidrs(block: ipaddress.IPv4Network, count: int) -> tuple[ipaddress.IPv4Network, ...]:
    """The first ``count`` /30s of a link's block, one per tunnel, in tunnel order."""
    return tuple(block.subnets(new_prefix=30))[:count]
