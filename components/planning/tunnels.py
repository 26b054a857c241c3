"""Tunnel inside addresses: one /30 per tunnel from 169.254.0.0/16, never one a vendor refuses.

Each link gets a /27 block (eight /30s: an AWS↔GCP link uses four, an AWS link to an on-prem site
with two devices four) and its tunnels take the block's /30s in order. A block is placed where
the link's own identity hashes to, so adding or removing *other* links leaves it where it is; only
a hash collision moves a block, and ``skyweave ipam lock`` records every block in the stack file
(``network.tunnel_blocks``) so nothing can move it after that — the same rule as site CIDRs.

Why: BGP over IPsec needs a point-to-point link-local /30 per tunnel. AWS only accepts a /30 from
169.254.0.0/16 and refuses a fixed list of them (cited in docs/connectivity.md: "Tunnel options for
your Site-to-Site VPN connection" and the EC2 API's ``VpnTunnelOptionsSpecification``). Reusing a
/30 on two tunnels that meet one router breaks BGP there, so every tunnel of the estate gets its
own. The policy pack checks the same rule with :func:`inside_cidr_problem`.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping, Sequence

from ..core.errors import PlanningError
from .ipam import BlockRequest, Reservation, allocate_blocks

__all__ = [
    "INSIDE_RANGE",
    "LINK_BLOCK_PREFIX",
    "RESERVED_INSIDE_CIDRS",
    "inside_cidr_problem",
    "plan_tunnel_blocks",
    "tunnel_cidrs",
]

#: Size of one link's block of tunnel addresses: eight /30s.
LINK_BLOCK_PREFIX = 27
_BLOCKS = 2 ** (LINK_BLOCK_PREFIX - 16)

INSIDE_RANGE = ipaddress.IPv4Network("169.254.0.0/16")

#: /30s AWS refuses as tunnel inside CIDRs (the EC2 API reference lists exactly these).
RESERVED_INSIDE_CIDRS: tuple[ipaddress.IPv4Network, ...] = (
    *(ipaddress.IPv4Network(f"169.254.{third}.0/30") for third in range(6)),
    ipaddress.IPv4Network("169.254.169.252/30"),
)


def inside_cidr_problem(value: str) -> str | None:
    """Why ``value`` cannot be a tunnel's inside CIDR, or ``None`` when it can."""
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
) -> dict[str, ipaddress.IPv4Network]:
    """A /27 per link id: pinned blocks as recorded, the others at their hashed place.

    Raises:
        PlanningError: a pin is not a /27 inside 169.254.0.0/16, or two pins overlap or hit a
            reserved /30, or the range is full.
    """
    for link, pin in pins.items():
        if pin.prefixlen != LINK_BLOCK_PREFIX or not pin.subnet_of(INSIDE_RANGE):
            raise PlanningError(
                f"the tunnel block of link {link!r} must be a /{LINK_BLOCK_PREFIX} inside {INSIDE_RANGE}",
                path=f"{path}.{link}",
                value=str(pin),
            )
    reserved = [
        Reservation(net, "reserved by AWS for tunnel inside addresses") for net in RESERVED_INSIDE_CIDRS
    ]
    taken = {_index(net.supernet(new_prefix=LINK_BLOCK_PREFIX)) for net in RESERVED_INSIDE_CIDRS}
    taken.update(_index(pin) for link, pin in pins.items() if link in links)
    soft: dict[str, ipaddress.IPv4Network] = {}
    for link in sorted(set(links) - set(pins)):
        start = int.from_bytes(hashlib.sha256(link.encode()).digest()[:4], "big") % _BLOCKS
        for step in range(_BLOCKS):
            index = (start + step) % _BLOCKS
            if index not in taken:
                taken.add(index)
                soft[link] = _block(index)
                break
        else:
            raise PlanningError(
                f"169.254.0.0/16 has no free /{LINK_BLOCK_PREFIX} left for link {link!r}", path=path
            )
    requests = [
        BlockRequest(
            key=link, path=f"{path}.{link}", prefixlen=LINK_BLOCK_PREFIX, pin=pins.get(link) or soft[link]
        )
        for link in links
    ]
    allocations = allocate_blocks(INSIDE_RANGE, requests, reserved, supernet_path=path)
    return {link: allocation.network for link, allocation in allocations.items()}  # type: ignore[misc]


def tunnel_cidrs(block: ipaddress.IPv4Network, count: int) -> tuple[ipaddress.IPv4Network, ...]:
    """The first ``count`` /30s of a link's block, one per tunnel, in tunnel order."""
    return tuple(block.subnets(new_prefix=30))[:count]
