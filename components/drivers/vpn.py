"""The VPN half of the driver contract: one protocol per kind of VPN endpoint, plus peering.

A driver says what its site's end of a VPN *is* (``CloudDriver.vpn_endpoint``, a
:class:`~skyweave.planning.vpn.VpnEndpoint`) and implements that kind's protocol here
(:data:`ENDPOINT_PROTOCOLS`); the link builders in :mod:`skyweave.network.links` call only these
methods, never a vendor's class, so a new vendor whose endpoint is of a known kind needs no edit
outside its own folder. A device endpoint (on-prem) has no protocol: skyweave configures nothing
in a cloud for it and exports what its operator must set instead.

A driver that declares a kind without its protocol would plan cleanly and fail half-way through
building (after a few dozen resources); so planning checks both ends of every link against
:data:`ENDPOINT_PROTOCOLS` (:func:`link_end_problem`) and refuses the configuration before anything
is registered, and ``skyweave.testing``'s driver contract checks every driver's declaration.

Handles (a gateway, a connection) are the vendor's own resources, opaque to the builders: they
only pass them back to the driver that made them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import pulumi

from ..core.registry import qualified_name
from ..planning.ipam import SitePlan
from ..planning.vpn import CipherSet, TunnelPlan, VpnEndpoint
from .base import CloudDriver, SiteContext, SiteNetwork, missing_methods

__all__ = [
    "ENDPOINT_PROTOCOLS",
    "ActiveActiveVpnService",
    "ApplianceVpnService",
    "GatewayVpnService",
    "HaVpnService",
    "PeeringReads",
    "PeeringService",
    "PolicyVpnService",
    "UserDataLimit",
    "link_end_problem",
]


@runtime_checkable
class PeeringService(Protocol):
    """Native private peering between two networks of one vendor (``Capability.PEERING``)."""

    def peering(
        self,
        ctx: SiteContext,
        peer: SiteContext,
        network: SiteNetwork,
        peer_network: SiteNetwork,
        after: Sequence[pulumi.Resource] = (),
    ) -> Any:
        """Peer ``network`` (on ``ctx``'s site) with ``peer_network``, both directions, routes included.

        ``after``: the last peering made on either network. A vendor that runs one peering
        operation per network at a time (GCP) makes its first peering depend on them; every
        vendor returns its last peering resource for the next link's ``after``; a vendor without
        that limit (AWS) ignores them.
        """
        ...


@runtime_checkable
class PeeringReads(Protocol):
    """A peering vendor that says what :meth:`PeeringService.peering` reads of a site's network,
    so a link's unit can read it from the site's unit (docs/units.md): without it, its peerings
    are built in one stack only."""

    def peering_reads(self, plan: SitePlan) -> Mapping[str, Sequence[str]]:
        """The resources of the site's network (``SiteNetwork.resources`` keys) ``peering`` reads,
        each with the attributes it reads; the first is the network itself (its ``id`` is the
        network's id)."""
        ...


@runtime_checkable
class GatewayVpnService(Protocol):
    """``VpnEndpoint.GATEWAY``: a managed gateway making one two-tunnel connection per peer address."""

    def vpn_gateway(self, ctx: SiteContext, network: SiteNetwork, asn: int) -> Any:
        """The site's gateway, shared by all its links (created once per site)."""
        ...

    def customer_gateway(self, ctx: SiteContext, key: str, ip_address: pulumi.Input[str], asn: int) -> Any:
        """The gateway's record of one peer address."""
        ...

    def vpn_connection(
        self,
        ctx: SiteContext,
        key: str,
        vgw: Any,
        cgw: Any,
        tunnels: Sequence[TunnelPlan],
        psks: Sequence[pulumi.Output[str]],
        ciphers: CipherSet,
        static_cidrs: Sequence[str] | None,
    ) -> Any:
        """One connection (two tunnels) to ``cgw``; ``static_cidrs`` ``None`` means BGP."""
        ...

    def tunnel_addresses(self, connection: Any) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The provider's outside addresses of the connection's two tunnels (known after apply)."""
        ...


@runtime_checkable
class HaVpnService(Protocol):
    """``VpnEndpoint.HA_GATEWAY``: a two-interface gateway with a BGP router."""

    def ha_vpn_gateway(self, ctx: SiteContext, network: SiteNetwork, asn: int) -> tuple[Any, Any]:
        """The site's (gateway, router), shared by all its links."""
        ...

    def interface_ip(self, gateway: Any, interface: int) -> pulumi.Output[str]:
        """The public address of one interface."""
        ...

    def external_gateway(self, ctx: SiteContext, key: str, addresses: Sequence[pulumi.Input[str]]) -> Any:
        """The gateway's record of the far end's public addresses."""
        ...

    def bgp_tunnel(
        self,
        ctx: SiteContext,
        key: str,
        gateway: Any,
        router: Any,
        interface: int,
        external: Any,
        external_interface: int,
        psk: pulumi.Output[str],
        inside_ip: str,
        peer_inside_ip: str,
        peer_asn: int,
        ciphers: CipherSet,
    ) -> Any:
        """One tunnel with its router interface and BGP session."""
        ...


@runtime_checkable
class PolicyVpnService(Protocol):
    """``VpnEndpoint.POLICY``: policy-based IPsec on one public address, static routes."""

    def vpn_service(self, ctx: SiteContext, network: SiteNetwork, ciphers: CipherSet) -> Any:
        """The site's VPN service with an explicit IKE/IPsec policy, shared by all its links."""
        ...

    def endpoint_address(self, endpoint: Any) -> pulumi.Output[str]:
        """The service's public address (what peers connect to)."""
        ...

    def peer_group(self, ctx: SiteContext, key: str, cidrs: Sequence[str]) -> Any:
        """The ranges one peer routes (the static routes of one link)."""
        ...

    def site_connection(
        self,
        ctx: SiteContext,
        key: str,
        endpoint: Any,
        peer_group: Any,
        peer_address: pulumi.Input[str],
        psk: pulumi.Output[str],
    ) -> Any:
        """One IPsec connection from the site's service to a peer address."""
        ...


@runtime_checkable
class ActiveActiveVpnService(Protocol):
    """``VpnEndpoint.ACTIVE_ACTIVE``: a gateway of two instances with a public address each,
    speaking BGP from custom link-local addresses; one local gateway and one connection per peer
    address, each connection terminating on both instances (Azure VPN gateway, active-active)."""

    def active_active_gateway(
        self, ctx: SiteContext, network: SiteNetwork, asn: int, bgp_addresses: Sequence[Sequence[str]]
    ) -> Any:
        """The site's gateway, shared by all its links. ``bgp_addresses[i]``: every address instance
        ``i`` speaks BGP from, over all the site's links (the gateway must list them all)."""
        ...

    def instance_ip(self, gateway: Any, instance: int) -> pulumi.Output[str]:
        """The public address of one instance (0 or 1)."""
        ...

    def local_gateway(
        self, ctx: SiteContext, key: str, gateway: Any, address: pulumi.Input[str], asn: int, bgp_address: str
    ) -> Any:
        """The gateway's record of one peer address and of the BGP speaker behind it."""
        ...

    def gateway_connection(
        self,
        ctx: SiteContext,
        key: str,
        gateway: Any,
        local: Any,
        psk: pulumi.Output[str],
        ciphers: CipherSet,
        instance_bgp_addresses: Sequence[str],
    ) -> Any:
        """One BGP connection from both instances to ``local``, with an explicit IPsec/IKE policy;
        instance ``i`` speaks BGP from ``instance_bgp_addresses[i]`` on it."""
        ...


@dataclass(frozen=True)
class UserDataLimit:
    """How much user data (bytes, base64-encoded) the vendor hands an appliance instance, who
    says so and where: the one bound on an appliance pair, checked when the pair is rendered."""

    figure: int
    accepted_by: str
    source: str


@runtime_checkable
class ApplianceVpnService(Protocol):
    """``VpnEndpoint.APPLIANCE``: an HA pair of route-based router instances the driver builds.

    The order is the API's: the pair's addresses first (:meth:`vpn_appliances`: ports and
    floating IPs, so peers' gateways can be given the addresses), then each link's firewall
    openings and routes, and the instances last (:meth:`appliance_instances`), once every link
    has added its tunnels to the configuration their user data carries.
    """

    def vpn_appliances(self, ctx: SiteContext, network: SiteNetwork, transit_cidrs: Sequence[str]) -> Any:
        """The site's pair before its instances (shared by all its links): a security group, a
        port and a public address per instance, and the site-side next hop both may hold.
        ``transit_cidrs``: the ranges the appliances forward for (the ports must allow them)."""
        ...

    def appliance_user_data_limit(self) -> UserDataLimit:
        """The most user data the vendor passes to an instance: a pair needing more is refused
        while rendering, naming this limit, rather than by the vendor's API at apply."""
        ...

    def appliance_public_ip(self, pair: Any, index: int) -> pulumi.Output[str]:
        """Instance ``index``'s public address: its IKE identity, what peers connect to."""
        ...

    def appliance_private_ip(self, pair: Any, index: int) -> pulumi.Output[str]:
        """Instance ``index``'s address on the site network (IKE runs from it, behind the NAT)."""
        ...

    def appliance_next_hop(self, pair: Any) -> pulumi.Output[str]:
        """The address the site's router sends remote ranges to (held by one instance at a time)."""
        ...

    def allow_appliance_peers(
        self, ctx: SiteContext, pair: Any, key: str, addresses: Sequence[pulumi.Input[str]]
    ) -> None:
        """Open IKE (UDP 500, 4500) and ESP to the pair from one link's peer addresses."""
        ...

    def appliance_routes(
        self, ctx: SiteContext, pair: Any, network: SiteNetwork, key: str, cidrs: Sequence[str]
    ) -> None:
        """Route ``cidrs`` (one remote site's ranges) from the site's router to the pair."""
        ...

    def appliance_instances(
        self, ctx: SiteContext, pair: Any, user_data: Sequence[pulumi.Output[str]]
    ) -> Any:
        """The two instances, each booted with its user data (secret: it holds the PSKs)."""
        ...


#: Endpoint kind → the protocol the site's driver must implement: every shape with an end of that
#: kind builds it through these methods. ``None``: skyweave builds nothing at that end (a device,
#: configured by its operator from the ``onprem_devices`` output). A new kind adds its row.
ENDPOINT_PROTOCOLS: Mapping[VpnEndpoint, type | None] = MappingProxyType(
    {
        VpnEndpoint.GATEWAY: GatewayVpnService,
        VpnEndpoint.HA_GATEWAY: HaVpnService,
        VpnEndpoint.POLICY: PolicyVpnService,
        VpnEndpoint.DEVICE: None,
        VpnEndpoint.ACTIVE_ACTIVE: ActiveActiveVpnService,
        VpnEndpoint.APPLIANCE: ApplianceVpnService,
    }
)


def link_end_problem(driver: CloudDriver, kind: VpnEndpoint | None, *, peering: bool = False) -> str | None:
    """Why ``driver`` cannot build its end of a link (``None``: it can): a peering end needs
    :class:`PeeringService`, a VPN end the protocol of its endpoint ``kind``; the words name the
    vendor, the kind, the protocol and the methods the driver lacks."""
    if peering:
        protocol: type | None = PeeringService
        what = f"declares {driver.vendor} networks peer natively (Capability.PEERING)"
    elif kind is None:
        return None
    elif kind not in ENDPOINT_PROTOCOLS:
        return (
            f"vendor {driver.vendor!r} declares VPN endpoint kind {str(kind)!r}, which has no row in "
            "skyweave.drivers.vpn.ENDPOINT_PROTOCOLS (a new kind adds its protocol there)"
        )
    else:
        protocol = ENDPOINT_PROTOCOLS[kind]
        what = f"declares VPN endpoint kind {str(kind)!r}"
    if protocol is None:
        return None
    missing = missing_methods(type(driver), protocol)
    if not missing:
        return None
    return (
        f"vendor {driver.vendor!r} {what}, whose links are built through "
        f"{qualified_name(protocol)}, and its driver {qualified_name(type(driver))} does not "
        f"implement it (missing: {', '.join(missing)})"
    )
