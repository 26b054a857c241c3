"""Links between sites: for each pair of VPN endpoint kinds, the documented high-availability shape.

Why shapes are decided per *pair*: the redundant shape is not symmetric or generic. A managed
gateway that makes a two-tunnel connection per peer address (AWS) against a two-interface
BGP-only gateway (GCP HA VPN) is four tunnels and four BGP sessions; the same gateway against a
device is one connection (two tunnels) per device; a policy-based VPN (Neutron VPNaaS) has no
BGP, so anything it joins routes statically and a BGP-only gateway cannot reach it. Each shape is
decided here, without Pulumi, down to every tunnel's gateway, interface and inside /30, so it can
be tested exhaustively and a refused pair fails before anything is registered.

Nothing here names a vendor: each site's driver says what its VPN endpoint *is*
(:class:`VpnEndpoint`), whether it routes by BGP or statically and whether it peers natively
(its capabilities), and what to call its product in messages. A vendor whose endpoint is of a
known kind therefore links to every other site with no edit here; a new *kind* of endpoint adds
its pairs with :func:`register_shape` (docs/architecture.md). The drivers only spell each
decision in their own API (docs/connectivity.md cites the reference for every shape).

Sides are ordered by endpoint kind (:data:`SIDE_ORDER`): a managed gateway is side ``a`` of its
links — it owns each tunnel's first inside address, as AWS requires.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ..core.errors import PlanningError
from .topology import LinkId, link_id
from .tunnels import tunnel_cidrs

__all__ = [
    "APPLIANCE_INSTANCES",
    "CIPHERS",
    "SIDE_ORDER",
    "SINGLE_SA_ENDPOINTS",
    "CipherSet",
    "Layout",
    "LinkPlan",
    "Routing",
    "Shape",
    "SiteEnd",
    "TunnelPlan",
    "VpnEndpoint",
    "plan_link",
    "register_shape",
    "safe_psk",
    "with_tunnel_block",
]


class VpnEndpoint(StrEnum):
    """What a site's end of a VPN is, whatever the vendor calls it (a driver declares it)."""

    GATEWAY = "gateway"
    """A managed gateway that makes one connection — two tunnels to two provider endpoints — per
    peer address, routing by BGP or statically (AWS virtual private gateway)."""
    HA_GATEWAY = "ha-gateway"
    """A managed gateway with two interfaces that routes only by BGP (GCP HA VPN + Cloud Router)."""
    POLICY = "policy"
    """Policy-based IPsec on one public address, static routes only (Neutron VPNaaS)."""
    DEVICE = "device"
    """Devices the site's operator runs and configures from skyweave's output (on-prem)."""
    ACTIVE_ACTIVE = "active-active"
    """A managed gateway of two instances, each with its own public address, routing only by BGP
    from custom link-local (APIPA) addresses; one local gateway and one connection per peer
    address, each connection terminating on both instances (Azure VPN gateway, active-active)."""
    APPLIANCE = "appliance"
    """A pair of route-based router instances skyweave builds and configures itself (strongSwan
    + FRR, BGP), each with its own public address known only once it exists (an OpenStack site's
    ``vpn: appliance``)."""


#: Endpoint kinds whose tunnels share one pair of traffic selectors (policy-based IPsec): a link
#: with such an end has one active path however many tunnels it has (:attr:`LinkPlan.active_paths`).
SINGLE_SA_ENDPOINTS: frozenset[VpnEndpoint] = frozenset({VpnEndpoint.POLICY})

#: Which endpoint kind is side ``a`` of a link (then the site name).
#: An appliance comes before a device: skyweave configures both of its ends, and the device's
#: operator gets the far end's settings as for any other cloud (``b`` is the device, as elsewhere).
#: An active-active gateway is not listed: kinds outside the tuple come after every listed one, so
#: it is side ``b`` of all its links and takes each /30's second address (Azure's custom BGP rules).
SIDE_ORDER: tuple[VpnEndpoint, ...] = (
    VpnEndpoint.GATEWAY,
    VpnEndpoint.HA_GATEWAY,
    VpnEndpoint.POLICY,
    VpnEndpoint.APPLIANCE,
    VpnEndpoint.DEVICE,
)

#: How many instances (public addresses) an appliance endpoint has: an HA pair.
APPLIANCE_INSTANCES = 2


class Shape(StrEnum):
    """The documented shapes a link is built in (their names predate endpoint kinds; they are
    read by the policy pack and stay as they are). Native peering is ``<vendor>-vpc-peering``."""

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
    """One end of a link, as the planner needs it: what its site's driver says it can do.

    Attributes:
        endpoint: the kind of VPN endpoint the site has, ``None`` when it has no VPN.
        product: what the vendor calls that endpoint, for messages ("GCP HA VPN").
        bgp: the endpoint routes by BGP (for a device: the site says its device speaks BGP).
        static: the endpoint routes by static routes.
        peering: the vendor peers two of its own networks natively.
        devices: a device endpoint's public addresses (one or two).
    """

    site: str
    vendor: str
    asn: int
    cidrs: tuple[str, ...]
    devices: tuple[str, ...] = ()
    bgp: bool = False
    endpoint: VpnEndpoint | None = None
    product: str = ""
    static: bool = False
    peering: bool = False

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
    shape: str
    routing: Routing
    tunnels: tuple[TunnelPlan, ...] = ()
    block: ipaddress.IPv4Network | None = None
    ciphers: CipherSet = field(default=CIPHERS)

    @property
    def active_paths(self) -> int | None:
        """How many of the link's tunnels can carry traffic at the same time (``None``: peering,
        the vendor's own fabric, which has no tunnels to count).

        A route-based tunnel is its own path: routing (BGP, or static routes into its interface)
        moves traffic to another tunnel when it fails. A policy-based end
        (:data:`SINGLE_SA_ENDPOINTS`) is not: Neutron VPNaaS writes one strongSwan ``conn`` per
        site connection with the *same* local and peer subnets, and the kernel holds one IPsec
        policy per pair of selectors, so however many site connections it has, one carries the
        traffic and the others stand by until dead-peer detection restarts them
        (docs/connectivity.md, "How many paths a link has").
        """
        if self.routing is Routing.PEERING:
            return None
        if self.a.endpoint in SINGLE_SA_ENDPOINTS or self.b.endpoint in SINGLE_SA_ENDPOINTS:
            return min(1, len(self.tunnels))
        return len(self.tunnels)

    @property
    def redundant(self) -> bool:
        """Peering is the vendor's own redundant fabric; a VPN link needs two *active* paths."""
        paths = self.active_paths
        return paths is None or paths >= 2

    @property
    def single_path_reason(self) -> str | None:
        """Why the link is not redundant, in words for warnings and reports (``None``: it is)."""
        if self.redundant:
            return None
        policy = next((e for e in (self.a, self.b) if e.endpoint in SINGLE_SA_ENDPOINTS), None)
        if policy is not None:
            return (
                f"{policy.site!r} is policy-based ({policy.product or policy.endpoint}): its "
                f"{len(self.tunnels)} tunnel(s) share one pair of traffic selectors, so one is active "
                "and the others stand by until dead-peer detection restarts them"
            )
        return f"it has {len(self.tunnels)} tunnel(s)"

    @property
    def needs_inside_addresses(self) -> bool:
        """Its tunnels need inside /30s: BGP shapes, and every managed-gateway tunnel."""
        return _needs_inside(self.a, self.b, self.routing)

    @property
    def inside_cidrs(self) -> tuple[str, ...]:
        return tuple(str(t.inside_cidr) for t in self.tunnels if t.inside_cidr is not None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sites": [self.a.site, self.b.site],
            "vendors": [self.a.vendor, self.b.vendor],
            "shape": str(self.shape),
            "routing": self.routing.value,
            "tunnels": len(self.tunnels),
            "active_paths": self.active_paths,
            "redundant": self.redundant,
            "inside_cidrs": list(self.inside_cidrs),
            **({"tunnel_block": str(self.block)} if self.block else {}),
            "asns": {self.a.site: self.a.asn, self.b.site: self.b.asn},
        }


def uses_inside_addresses(a: SiteEnd, b: SiteEnd) -> bool:
    """Whether the pair's tunnels need inside /30s: BGP shapes, and every gateway tunnel."""
    try:
        _, routing, _ = _shape(*_orient(a, b))
    except PlanningError:
        return False
    return _needs_inside(a, b, routing)


def with_tunnel_block(link: LinkPlan, block: ipaddress.IPv4Network | None) -> LinkPlan:
    """``link`` with its tunnels' inside /30s carved from ``block`` (the shape is not decided again).

    Planning decides every link's shape first, then hands out blocks only to the links that need
    them (:attr:`LinkPlan.needs_inside_addresses`); this places them.
    """
    if block is None or not link.needs_inside_addresses:
        return link
    cidrs = tunnel_cidrs(block, len(link.tunnels))
    tunnels = tuple(replace(t, inside_cidr=c) for t, c in zip(link.tunnels, cidrs, strict=True))
    return replace(link, tunnels=tunnels, block=block)


def _needs_inside(a: SiteEnd, b: SiteEnd, routing: Routing) -> bool:
    # A managed gateway gives every tunnel an inside /30 even when it routes statically.
    gateway = VpnEndpoint.GATEWAY in (a.endpoint, b.endpoint)
    return routing is Routing.BGP or (routing is Routing.STATIC and gateway)


def plan_link(a: SiteEnd, b: SiteEnd, block: ipaddress.IPv4Network | None = None) -> LinkPlan:
    """The link between ``a`` and ``b`` in its documented shape, or a :class:`PlanningError` saying
    why the pair cannot be joined redundantly and what to do instead."""
    a, b = _orient(a, b)
    shape, routing, layout = _shape(a, b)
    cidrs: Sequence[ipaddress.IPv4Network | None]
    if block is not None and _needs_inside(a, b, routing):
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
        rank = SIDE_ORDER.index(end.endpoint) if end.endpoint in SIDE_ORDER else len(SIDE_ORDER)
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


#: Per tunnel: (side a's gateway, side a's tunnel within it, side b's gateway); see TunnelPlan.
Layout = list[tuple[int, int, int]]
#: Decides one pair's shape: (shape, routing, layout), or raises PlanningError saying why not.
ShapeRule = Callable[[SiteEnd, SiteEnd], tuple[str, Routing, Layout]]
_RULES: dict[tuple[VpnEndpoint, VpnEndpoint], ShapeRule] = {}


def register_shape(a: VpnEndpoint, b: VpnEndpoint, rule: ShapeRule) -> None:
    """Teach the planner a pair of endpoint kinds (``a`` comes first in :data:`SIDE_ORDER`, or is
    a new kind, ordered after the known ones). A new pair is a new module in
    ``skyweave.network.links`` that registers its rule here and its builder there."""
    _RULES[(a, b)] = rule


def _shape(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    """(shape, routing, [(a_gateway, a_tunnel, b_gateway) per tunnel]) for an oriented pair."""
    if a.vendor == b.vendor and a.peering and b.peering:
        return f"{a.vendor}-vpc-peering", Routing.PEERING, []
    if a.endpoint is None or b.endpoint is None:
        raise PlanningError(
            f"no link shape is known for {a.vendor} ↔ {b.vendor} ({a.site!r}, {b.site!r}): "
            f"{(a if a.endpoint is None else b).vendor} sites have no VPN endpoint; exclude the pair",
            value=link_id(a.site, b.site),
        )
    rule = _RULES.get((a.endpoint, b.endpoint))
    if rule is None:
        raise PlanningError(
            f"no link shape is known for {a.vendor} ↔ {b.vendor} ({a.site!r}, {b.site!r}); exclude the pair",
            value=link_id(a.site, b.site),
        )
    return rule(a, b)


def _gateway_ha(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    # HA interface c ↔ gateway connection c (one customer gateway per interface), tunnels 1 and 2.
    return Shape.AWS_GCP_HA_VPN, Routing.BGP, [(c, t, c) for c in (0, 1) for t in (0, 1)]


def _gateway_policy(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    return Shape.AWS_SITE_VPN, Routing.STATIC, [(0, t, 0) for t in (0, 1)]


def _gateway_device(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    devices = _devices(b, a)
    routing = Routing.BGP if b.bgp and a.bgp else Routing.STATIC
    return Shape.AWS_SITE_VPN, routing, [(d, t, d) for d in range(len(devices)) for t in (0, 1)]


def _ha_device(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    devices = _devices(b, a)
    if not b.bgp:
        raise PlanningError(
            f"{a.product} only routes with BGP, and on-prem site {b.site!r} does not declare a "
            f"BGP-capable device; set bgp: true on {b.site!r} if its VPN device speaks BGP, or "
            f"reach {a.site!r} through another site (exclude the pair)",
            value=link_id(a.site, b.site),
        )
    # Both HA interfaces; with two devices each interface reaches its own.
    return Shape.GCP_HA_VPN_DEVICE, Routing.BGP, [(i, 0, i % len(devices)) for i in (0, 1)]


def _ha_policy(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    raise PlanningError(
        f"{a.site!r} and {b.site!r} cannot be joined: {a.product} requires BGP "
        f"and {b.product} has none, and a classic single-tunnel VPN would be a single point of "
        "failure. Exclude the pair (network.exclude) and let both reach a site that joins them, "
        "e.g. an AWS hub, or give the policy-based site a route-based BGP appliance pair "
        "(an OpenStack site's `vpn: appliance`)",
        value=link_id(a.site, b.site),
    )


def _policy_policy(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    # One VPN service per router: one tunnel, configured on both ends (two site connections).
    return Shape.VPNAAS, Routing.STATIC, [(0, 0, 0)]


def _policy_device(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    devices = _devices(b, a)
    return Shape.VPNAAS, Routing.STATIC, [(0, 0, d) for d in range(len(devices))]


def _device_device(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    raise PlanningError(
        f"{a.site!r} and {b.site!r} are both on-prem: skyweave has no device to configure between "
        "them (join them with your own WAN) — exclude the pair",
        value=link_id(a.site, b.site),
    )


for _a, _b, _rule in (
    (VpnEndpoint.GATEWAY, VpnEndpoint.HA_GATEWAY, _gateway_ha),
    (VpnEndpoint.GATEWAY, VpnEndpoint.POLICY, _gateway_policy),
    (VpnEndpoint.GATEWAY, VpnEndpoint.DEVICE, _gateway_device),
    (VpnEndpoint.HA_GATEWAY, VpnEndpoint.POLICY, _ha_policy),
    (VpnEndpoint.HA_GATEWAY, VpnEndpoint.DEVICE, _ha_device),
    (VpnEndpoint.POLICY, VpnEndpoint.POLICY, _policy_policy),
    (VpnEndpoint.POLICY, VpnEndpoint.DEVICE, _policy_device),
    (VpnEndpoint.DEVICE, VpnEndpoint.DEVICE, _device_device),
):
    register_shape(_a, _b, _rule)


_PSK_FIRST = "0"


def safe_psk(value: str) -> str:
    """AWS refuses a pre-shared key that starts with ``0``; swap that one character for a letter.

    The generator already limits length (8 to 64) and characters (letters, digits, ``.``, ``_``).
    """
    return "Z" + value[1:] if value.startswith(_PSK_FIRST) else value
