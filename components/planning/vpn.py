"""Links between sites: for each pair of vendors, the documented high-availability shape.

Why one planner per vendor pair: the redundant shape is not symmetric or generic. AWS ↔ GCP is
GCP HA VPN (two interfaces) against two AWS VPN connections — four tunnels, four BGP sessions;
AWS ↔ a device is one VPN connection with two tunnels to two AWS endpoints; OpenStack VPNaaS has
no BGP, so anything it joins routes statically and GCP HA VPN (BGP only) cannot reach it. Each
shape is decided here, without Pulumi, down to every tunnel's gateway, interface and inside /30,
so it can be tested exhaustively and a refused pair fails before anything is registered.
The vendor drivers only spell each decision in their own API (docs/connectivity.md cites the
reference for every shape).

Sides are ordered by :data:`SIDE_ORDER` (AWS first, then GCP, OpenStack, on-prem), so side ``a``
of an AWS link is always AWS — it owns the tunnel's first inside address, as AWS requires.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..core.errors import PlanningError
from .topology import LinkId, link_id
from .tunnels import tunnel_cidrs

__all__ = [
    "CIPHERS",
    "SIDE_ORDER",
    "CipherSet",
    "LinkPlan",
    "Routing",
    "Shape",
    "SiteEnd",
    "TunnelPlan",
    "plan_link",
    "safe_psk",
]

#: Which vendor is side ``a`` of a link.
SIDE_ORDER: tuple[str, ...] = ("aws", "gcp", "openstack", "onprem")


class Shape(StrEnum):
    """The documented shape a link is built in."""

    AWS_PEERING = "aws-vpc-peering"
    GCP_PEERING = "gcp-vpc-peering"
    AWS_GCP_HA_VPN = "aws-gcp-ha-vpn"
    """GCP HA VPN + Cloud Router ↔ 2 AWS customer gateways / VPN connections: 4 tunnels, BGP."""
    AWS_SITE_VPN = "aws-site-vpn"
    """AWS VPN gateway ↔ OpenStack VPNaaS or an on-prem device: 2 tunnels per device."""
    GCP_HA_VPN_DEVICE = "gcp-ha-vpn-device"
    """GCP HA VPN + Cloud Router ↔ a BGP-capable on-prem device: 2 tunnels, BGP."""
    VPNAAS = "openstack-vpnaas"
    """Neutron VPNaaS ↔ Neutron VPNaaS or an on-prem device: static routes."""


class Routing(StrEnum):
    PEERING = "peering"
    BGP = "bgp"
    STATIC = "static"


@dataclass(frozen=True)
class CipherSet:
    """One IKE/IPsec proposal both ends of every tunnel are given, in neutral words.

    Neutron's defaults (IKEv1, AES-128, SHA-1, group 5) are refused by AWS and GCP, so nothing is
    left to defaults: IKEv2, AES-256, SHA-256, DH group 14 on both phases, AWS's lifetimes.
    """

    ike_version: int = 2
    encryption: str = "aes256"
    integrity: str = "sha256"
    dh_group: int = 14
    phase1_lifetime: int = 28800
    phase2_lifetime: int = 3600

    def as_dict(self) -> dict[str, Any]:
        return {
            "ike_version": self.ike_version,
            "encryption": self.encryption,
            "integrity": self.integrity,
            "dh_group": self.dh_group,
            "phase1_lifetime_seconds": self.phase1_lifetime,
            "phase2_lifetime_seconds": self.phase2_lifetime,
        }


CIPHERS = CipherSet()


@dataclass(frozen=True)
class SiteEnd:
    """One end of a link, as the planner needs it.

    ``devices`` are an on-prem site's VPN device addresses (one or two); ``bgp`` says whether
    those devices speak BGP. Cloud sites leave both empty.
    """

    site: str
    vendor: str
    asn: int
    cidrs: tuple[str, ...]
    devices: tuple[str, ...] = ()
    bgp: bool = False

    @property
    def ipv4_cidrs(self) -> tuple[str, ...]:
        return tuple(c for c in self.cidrs if ":" not in c)


@dataclass(frozen=True)
class TunnelPlan:
    """One IPsec tunnel.

    Attributes:
        index: the tunnel's number within its link (names derive from it).
        a_gateway: side a's gateway: the AWS VPN connection (one per peer interface/device), the
            GCP HA VPN interface, or 0 for a single VPNaaS service.
        a_tunnel: AWS only: tunnel 1 or 2 of that connection, as 0 or 1.
        b_gateway: side b's gateway: GCP HA VPN interface, on-prem device index, or 0.
        inside_cidr: the /30 BGP runs over; ``None`` where nothing uses one (VPNaaS).
    """

    index: int
    a_gateway: int
    a_tunnel: int
    b_gateway: int
    inside_cidr: ipaddress.IPv4Network | None = None

    @property
    def a_inside_ip(self) -> str | None:
        """Side a's inside address: the /30's first host (AWS takes the first, as its API does)."""
        return str(self.inside_cidr.network_address + 1) if self.inside_cidr else None

    @property
    def b_inside_ip(self) -> str | None:
        return str(self.inside_cidr.network_address + 2) if self.inside_cidr else None


@dataclass(frozen=True)
class LinkPlan:
    """Everything about one link: its ends, shape, routing and tunnels."""

    id: LinkId
    a: SiteEnd
    b: SiteEnd
    shape: Shape
    routing: Routing
    tunnels: tuple[TunnelPlan, ...] = ()
    block: ipaddress.IPv4Network | None = None
    ciphers: CipherSet = field(default=CIPHERS)

    @property
    def redundant(self) -> bool:
        """Peering is the vendor's own redundant fabric; a VPN link needs two tunnels or more."""
        return self.routing is Routing.PEERING or len(self.tunnels) >= 2

    @property
    def inside_cidrs(self) -> tuple[str, ...]:
        return tuple(str(t.inside_cidr) for t in self.tunnels if t.inside_cidr is not None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sites": [self.a.site, self.b.site],
            "vendors": [self.a.vendor, self.b.vendor],
            "shape": self.shape.value,
            "routing": self.routing.value,
            "tunnels": len(self.tunnels),
            "redundant": self.redundant,
            "inside_cidrs": list(self.inside_cidrs),
            **({"tunnel_block": str(self.block)} if self.block else {}),
            "asns": {self.a.site: self.a.asn, self.b.site: self.b.asn},
        }


def uses_inside_addresses(a: SiteEnd, b: SiteEnd) -> bool:
    """Whether the pair's tunnels need inside /30s: BGP shapes, and every AWS tunnel."""
    try:
        shape, routing, _ = _shape(*_orient(a, b))
    except PlanningError:
        return False
    return routing is Routing.BGP or shape is Shape.AWS_SITE_VPN


def plan_link(a: SiteEnd, b: SiteEnd, block: ipaddress.IPv4Network | None = None) -> LinkPlan:
    """The link between ``a`` and ``b`` in its documented shape, or a :class:`PlanningError` saying
    why the pair cannot be joined redundantly and what to do instead."""
    a, b = _orient(a, b)
    shape, routing, layout = _shape(a, b)
    cidrs: Sequence[ipaddress.IPv4Network | None]
    if block is not None and (routing is Routing.BGP or shape is Shape.AWS_SITE_VPN):
        cidrs = tunnel_cidrs(block, len(layout))
    else:
        cidrs = [None] * len(layout)
        block = None
    tunnels = tuple(
        TunnelPlan(index=i, a_gateway=ag, a_tunnel=at, b_gateway=bg, inside_cidr=cidr)
        for i, ((ag, at, bg), cidr) in enumerate(zip(layout, cidrs, strict=True))
    )
    return LinkPlan(link_id(a.site, b.site), a, b, shape, routing, tunnels, block)


def _orient(a: SiteEnd, b: SiteEnd) -> tuple[SiteEnd, SiteEnd]:
    def key(end: SiteEnd) -> tuple[int, str]:
        rank = SIDE_ORDER.index(end.vendor) if end.vendor in SIDE_ORDER else len(SIDE_ORDER)
        return (rank, end.site)

    return (a, b) if key(a) <= key(b) else (b, a)


def _devices(end: SiteEnd, other: SiteEnd) -> tuple[str, ...]:
    if not end.devices:
        raise PlanningError(
            f"on-prem site {end.site!r} has no vpn_peer_ip, so {other.site!r} cannot reach it by VPN; "
            f"set sites[…].vpn_peer_ip (and vpn_secondary_peer_ip for a second device) on {end.site!r}, "
            "or leave the pair out of the topology",
            value=end.site,
        )
    return end.devices


def _shape(a: SiteEnd, b: SiteEnd) -> tuple[Shape, Routing, list[tuple[int, int, int]]]:
    """(shape, routing, [(a_gateway, a_tunnel, b_gateway) per tunnel]) for an oriented pair."""
    pair = (a.vendor, b.vendor)
    if pair == ("aws", "aws"):
        return Shape.AWS_PEERING, Routing.PEERING, []
    if pair == ("gcp", "gcp"):
        return Shape.GCP_PEERING, Routing.PEERING, []
    if pair == ("aws", "gcp"):
        # HA VPN interface c ↔ AWS customer gateway / VPN connection c, each with tunnels 1 and 2.
        return Shape.AWS_GCP_HA_VPN, Routing.BGP, [(c, t, c) for c in (0, 1) for t in (0, 1)]
    if pair == ("aws", "openstack"):
        return Shape.AWS_SITE_VPN, Routing.STATIC, [(0, t, 0) for t in (0, 1)]
    if pair == ("aws", "onprem"):
        devices = _devices(b, a)
        routing = Routing.BGP if b.bgp else Routing.STATIC
        return Shape.AWS_SITE_VPN, routing, [(d, t, d) for d in range(len(devices)) for t in (0, 1)]
    if pair == ("gcp", "onprem"):
        devices = _devices(b, a)
        if not b.bgp:
            raise PlanningError(
                f"GCP HA VPN only routes with BGP, and on-prem site {b.site!r} does not declare a "
                f"BGP-capable device; set bgp: true on {b.site!r} if its VPN device speaks BGP, or "
                f"reach {a.site!r} through another site (exclude the pair)",
                value=link_id(a.site, b.site),
            )
        # Both HA VPN interfaces; with two devices each interface reaches its own.
        return Shape.GCP_HA_VPN_DEVICE, Routing.BGP, [(i, 0, i % len(devices)) for i in (0, 1)]
    if pair == ("gcp", "openstack"):
        raise PlanningError(
            f"{a.site!r} (GCP) and {b.site!r} (OpenStack) cannot be joined: GCP HA VPN requires BGP "
            "and Neutron VPNaaS has none, and a classic single-tunnel VPN would be a single point of "
            "failure. Exclude the pair (network.exclude) and let both reach a site that joins them, "
            "e.g. an AWS hub, or run a BGP-capable router VM on the OpenStack side",
            value=link_id(a.site, b.site),
        )
    if pair == ("openstack", "openstack"):
        # One VPN service per router: one tunnel, configured on both ends (two site connections).
        return Shape.VPNAAS, Routing.STATIC, [(0, 0, 0)]
    if pair == ("openstack", "onprem"):
        devices = _devices(b, a)
        return Shape.VPNAAS, Routing.STATIC, [(0, 0, d) for d in range(len(devices))]
    if pair == ("onprem", "onprem"):
        raise PlanningError(
            f"{a.site!r} and {b.site!r} are both on-prem: skyweave has no device to configure between "
            "them (join them with your own WAN) — exclude the pair",
            value=link_id(a.site, b.site),
        )
    raise PlanningError(
        f"no link shape is known for {a.vendor} ↔ {b.vendor} ({a.site!r}, {b.site!r}); exclude the pair",
        value=link_id(a.site, b.site),
    )


_PSK_FIRST = "0"


def safe_psk(value: str) -> str:
    """AWS refuses a pre-shared key that starts with ``0``; swap that one character for a letter.

    The generator already limits length (8 to 64) and characters (letters, digits, ``.``, ``_``).
    """
    return "Z" + value[1:] if value.startswith(_PSK_FIRST) else value
