"""Tunnel inside addresses: one /30 per tunnel from 169.254.0.0/16, never one a vendor refuses.

Why: BGP over IPsec needs a point-to-point link-local /30 per tunnel. AWS only accepts a /30 from
169.254.0.0/16 and refuses a fixed list of them (cited in docs/connectivity.md: "Tunnel options for
your Site-to-Site VPN connection" and the EC2 API's ``VpnTunnelOptionsSpecification``). Reusing a
/30 on two tunnels that meet one router breaks BGP there, so every tunnel of the estate gets its
own. The policy pack checks the same rule with :func:`inside_cidr_problem`.
"""

from __future__ import annotations

import ipaddress

__all__ = [
    "INSIDE_RANGE",
    "RESERVED_INSIDE_CIDRS",
    "inside_cidr_problem",
]

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
