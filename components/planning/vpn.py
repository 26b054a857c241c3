"""Links between sites: for each pair of VPN endpoint kinds, the documented high-availability shape.

Why shapes are decided per *pair*: the redundant shape is not symmetric or generic. A managed
gateway that makes a two-tunnel connection per peer address (AWS) against a two-interface
BGP-only gateway (GCP HA VPN) is four tunnels and four BGP sessions; the same gateway against a
device is one connection (two tunnels) per device; a policy-based VPN (Neutron VPNaaS) has no
BGP, so anything it joins routes statically and a BGP-only gateway cannot reach it. Each shape is
decided by a pure rule over the two ends, down to every tunnel's gateway, interface and inside
/30, so it can be tested exhaustively and a refused pair fails before anything is registered.

Nothing here names a vendor: each site's driver says what its VPN endpoint *is*
(:class:`VpnEndpoint`), whether it routes by BGP or statically and whether it peers natively
(its capabilities), and what to call its product in messages. A vendor whose endpoint is of a
known kind therefore links to every other site with no edit here. This module is the mechanism
— the ends, the plan, :func:`plan_link` and the table of pair rules — and holds no pair's rule:
each pair's rule is registered (:func:`register_shape`, once per pair) by the module of the shape
it decides, ``skyweave.network.links.<shape>``, beside that shape's builder, because the rule's
tunnel layout is what the builder reads and the two change together; the pairs that have no
redundant shape are refused by ``skyweave.network.links.refused``. The rules stay pure functions
of two ends (:class:`SiteEnd`); tests call :func:`plan_link` directly. The drivers only spell each
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
from ..core.registry import Registry, qualified_name
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
    "ShapeRule",
    "SiteEnd",
    "TunnelPlan",
    "VpnEndpoint",
    "device_addresses",
    "is_shape_name",
    "kind_shape",
    "plan_link",
    "register_shape",
    "registered_pairs",
    "safe_psk",
    "shape_rule",
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
    """The names of the shapes built before shapes were named by endpoint kind, frozen.

    They name vendors, which is wrong for the next vendor of the same kind, but they are in every
    recorded plan (each ``VpnLink``'s ``shape``) and the policy pack reads them, so they stay as
    they are. No member is added: a new shape is named :func:`kind_shape` (its two kinds), as
    ``appliance-device`` already is. Native peering is ``<vendor>-vpc-peering``."""

    AWS_PEERING = "aws-vpc-peering"
    GCP_PEERING = "gcp-vpc-peering"
    AWS_GCP_HA_VPN = "aws-gcp-ha-vpn"
    """gateway ↔ ha-gateway: 4 tunnels, BGP (``network/links/gateway_ha.py``)."""
    AWS_SITE_VPN = "aws-site-vpn"
    """gateway ↔ policy or device: 2 tunnels per peer address (``site_vpn.py``)."""
    GCP_HA_VPN_DEVICE = "gcp-ha-vpn-device"
    """ha-gateway ↔ device: 2 tunnels, BGP (``ha_device.py``)."""
    VPNAAS = "openstack-vpnaas"
    """policy ↔ policy or device: static routes (``policy_vpn.py``)."""
    AWS_VPN_APPLIANCE = "aws-vpn-appliance"
    """gateway ↔ appliance: 4 BGP tunnels (``gateway_appliance.py``)."""
    GCP_HA_VPN_APPLIANCE = "gcp-ha-vpn-appliance"
    """ha-gateway ↔ appliance: 2 BGP tunnels (``ha_appliance.py``)."""
    AWS_AZURE_VPN = "aws-azure-vpn"
    """gateway ↔ active-active: 4 BGP tunnels (``gateway_active.py``)."""
    GCP_AZURE_HA_VPN = "gcp-azure-ha-vpn"
    """ha-gateway ↔ active-active: 2 BGP tunnels (``ha_active.py``)."""
    AZURE_VPN_APPLIANCE = "azure-vpn-appliance"
    """appliance ↔ active-active: 2 BGP tunnels (``appliance_active.py``)."""
    AZURE_VPN_DEVICE = "azure-vpn-device"
    """device ↔ active-active: 2 BGP tunnels per device (``device_active.py``)."""


_LEGACY_NAMES = frozenset(s.value for s in Shape)


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

    def peer_addresses(self, site: str) -> int:
        """How many of the far end's public addresses ``site``'s end of the link talks to.

        Why this unit: a managed gateway makes one connection (and one record of the far end) per
        far address — AWS a VPN connection and customer gateway, Azure a local network gateway
        and connection — so its limits count these. Side ``b`` sees side ``a``'s tunnel ends:
        ``(a_gateway, a_tunnel)`` (each tunnel of an AWS connection has its own outside address;
        elsewhere ``a_tunnel`` is 0); side ``a`` sees side ``b``'s gateways (interface, instance,
        device). 0 for a site that is not an end, or for peering.
        """
        if site == self.a.site:
            return len({t.b_gateway for t in self.tunnels})
        if site == self.b.site:
            return len({(t.a_gateway, t.a_tunnel) for t in self.tunnels})
        return 0

    def bgp_sessions(self, site: str) -> int:
        """BGP sessions at ``site``'s end: one per tunnel of a BGP-routed link (0 otherwise)."""
        if self.routing is not Routing.BGP or site not in (self.a.site, self.b.site):
            return 0
        return len(self.tunnels)

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


def device_addresses(end: SiteEnd, other: SiteEnd) -> tuple[str, ...]:
    """A device end's public addresses, or the :class:`PlanningError` saying the site has none
    (``other`` is the site that cannot reach it). Shared by every shape with a device end."""
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
Pair = tuple[VpnEndpoint, VpnEndpoint]
_RULES: Registry[Pair, ShapeRule] = Registry("the link shape rule for", lambda p: f"{p[0]} ↔ {p[1]}")


def register_shape(a: VpnEndpoint, b: VpnEndpoint, rule: ShapeRule) -> None:
    """Teach the planner a pair of endpoint kinds (``a`` comes first in :data:`SIDE_ORDER`, or is
    a new kind, ordered after the known ones). A pair's rule lives in the module of the shape it
    decides (``skyweave.network.links.<shape>``, beside its builder), or in
    ``skyweave.network.links.refused`` when the pair has no redundant shape.

    Raises:
        RegistrationError: the pair already has a rule (both registrants are named).
    """
    _RULES.register((a, b), rule, qualified_name(rule))


def shape_rule(a: VpnEndpoint, b: VpnEndpoint) -> tuple[ShapeRule, str] | None:
    """The rule registered for the ordered pair and who registered it (``None``: no rule)."""
    rule = _RULES.get((a, b))
    return None if rule is None else (rule, _RULES.registrant((a, b)))


def registered_pairs() -> tuple[Pair, ...]:
    """Every ordered pair of endpoint kinds a rule is registered for, in registration order."""
    return tuple(_RULES)


def kind_shape(a: VpnEndpoint, b: VpnEndpoint) -> str:
    """The name of a shape added from now on: its two endpoint kinds, side ``a`` first.

    >>> kind_shape(VpnEndpoint.APPLIANCE, VpnEndpoint.DEVICE)
    'appliance-device'

    Why: a shape is chosen by the kinds of its ends, so naming it by vendor (``aws-gcp-ha-vpn``)
    is wrong for the next vendor with the same kind. The names in :class:`Shape` predate this and
    stay (they are in every recorded plan and read by the policy pack).
    """
    return f"{a.value}-{b.value}"


def is_shape_name(name: str) -> bool:
    """Whether ``name`` may name a link shape: one of :class:`Shape` or a :func:`kind_shape`."""
    if name in _LEGACY_NAMES:
        return True
    return any(name == kind_shape(a, b) for a in VpnEndpoint for b in VpnEndpoint)


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


_PSK_FIRST = "0"


def safe_psk(value: str) -> str:
    """AWS refuses a pre-shared key that starts with ``0``; swap that one character for a letter.

    The generator already limits length (8 to 64) and characters (letters, digits, ``.``, ``_``).
    """
    return "Z" + value[1:] if value.startswith(_PSK_FIRST) else value
