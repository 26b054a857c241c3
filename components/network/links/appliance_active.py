"""An appliance pair (OpenStack ``vpn: appliance``) ↔ active-active gateway (Azure): 2 BGP tunnels.

The appliance pair is two BGP speakers with a public address each, which Azure's active-active
topologies treat as two on-premises devices: one local network gateway per appliance instance
(its floating IP and its BGP address) and one connection to each
(https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-highlyavailable). Appliance instance
``i`` ↔ Azure instance ``i``, as HA VPN interface ``i`` ↔ Azure instance ``i`` in
:mod:`.ha_active`: each tunnel's custom APIPA /30 (169.254.21.0-169.254.22.255) gives the appliance
the first address and the Azure instance the second, so every BGP session is between the two ends
of one /30 and the appliances need no eBGP multihop. Losing an appliance instance, an Azure
instance or a tunnel leaves the other path; both appliances announce the site's ranges.

Why not four tunnels: a local network gateway has one BGP peer address, so both Azure instances
would peer with the same appliance address and the second tunnel's session would need multihop
from an address outside its /30. As in :mod:`.ha_active`, the second instance's attempt on each
connection finds no matching IKE configuration on that appliance and stays down.
"""

from __future__ import annotations

import pulumi

from ...drivers.vpn import ActiveActiveVpnService
from ...planning.vpn import (
    APPLIANCE_INSTANCES,
    Layout,
    LinkPlan,
    Routing,
    Shape,
    SiteEnd,
    VpnEndpoint,
    register_shape,
)
from ..appliance import peer_key
from . import active_active, appliance_pair
from .builder import LinkBuilder, VpnLink, register_builder, register_edge_part

SHAPE = Shape.AZURE_VPN_APPLIANCE


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    active_active.check_asns(a, b)
    # Appliance instance i (side a's gateway i) ↔ Azure instance i (side b's gateway i).
    return SHAPE, Routing.BGP, [(i, 0, i) for i in range(APPLIANCE_INSTANCES)]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    aa_driver = builder.service(b.site, ActiveActiveVpnService)
    gateway = active_active.gateway(builder, b.site, b.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    aa_ctx = builder.context(b.site, parent)
    pending = appliance_pair.pair(builder, a.site)
    by_instance = {t.b_gateway: t for t in link.tunnels}
    peers: dict[str, pulumi.Input[str]] = {}
    for tunnel in link.tunnels:
        assert tunnel.a_inside_ip is not None
        key = f"{a.site}-{tunnel.index}"
        local = aa_driver.local_gateway(
            aa_ctx,
            key,
            gateway,
            appliance_pair.public_ip(builder, pending, tunnel.a_gateway),
            a.asn,
            tunnel.a_inside_ip,
        )
        aa_driver.gateway_connection(
            aa_ctx,
            key,
            gateway,
            local,
            psks[tunnel.index],
            link.ciphers,
            active_active.instance_bgp([by_instance[i] for i in (0, 1)]),
        )
        peers[peer_key(link, tunnel)] = aa_driver.instance_ip(gateway, tunnel.b_gateway)
    appliance_pair.add_link(builder, link, parent, pending, peers, psks)


def edge(builder: LinkBuilder, link: LinkPlan) -> None:
    """The edge: each tunnel's Azure instance address (the Azure site's) and the keys (the link's)."""
    aa_driver = builder.service(link.b.site, ActiveActiveVpnService)
    gateway = active_active.gateway(builder, link.b.site, link.b.asn)
    psks = builder.psks_for(link, builder.parent, len(link.tunnels))
    pending = appliance_pair.pair(builder, link.a.site)
    peers: dict[str, pulumi.Input[str]] = {
        peer_key(link, t): aa_driver.instance_ip(gateway, t.b_gateway) for t in link.tunnels
    }
    appliance_pair.add_link(builder, link, builder.parent, pending, peers, psks)


register_shape(VpnEndpoint.APPLIANCE, VpnEndpoint.ACTIVE_ACTIVE, rule)
register_builder(SHAPE, build)
register_edge_part(SHAPE, edge)
