"""HA gateway (GCP HA VPN) ↔ an appliance pair: HA interface i ↔ instance i, 2 BGP tunnels.

The external VPN gateway lists the pair's two public addresses (``TWO_IPS_REDUNDANCY``), Google's
topology for "two peer VPN devices" that qualifies for the 99.99% SLA (HA VPN topologies,
docs/connectivity.md). HA VPN routes only with BGP, which the appliances speak: this is how an
OpenStack site reaches GCP.
"""

from __future__ import annotations

import pulumi

from ...drivers.vpn import HaVpnService
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
from . import appliance_pair
from .builder import LinkBuilder, VpnLink, register_builder, register_edge_part
from .ha_device import bgp_tunnels

SHAPE = Shape.GCP_HA_VPN_APPLIANCE


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    return SHAPE, Routing.BGP, [(i, 0, i) for i in range(APPLIANCE_INSTANCES)]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    ha_driver = builder.service(a.site, HaVpnService)
    gateway, router = builder.ha_gateway(a.site, a.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    ha_ctx = builder.context(a.site, parent)
    pending = appliance_pair.pair(builder, b.site)
    addresses = [appliance_pair.public_ip(builder, pending, i) for i in range(APPLIANCE_INSTANCES)]
    external = ha_driver.external_gateway(ha_ctx, b.site, addresses)
    peers: dict[str, pulumi.Input[str]] = {
        peer_key(link, tunnel): address
        for tunnel, address in bgp_tunnels(builder, link, parent, gateway, router, external, psks)
    }
    appliance_pair.add_link(builder, link, parent, pending, peers, psks)


register_shape(VpnEndpoint.HA_GATEWAY, VpnEndpoint.APPLIANCE, rule)


def edge(builder: LinkBuilder, link: LinkPlan) -> None:
    """The edge: each tunnel's HA VPN interface address (the GCP site's) and the keys (the link's)."""
    ha_driver = builder.service(link.a.site, HaVpnService)
    gateway, _ = builder.ha_gateway(link.a.site, link.a.asn)
    psks = builder.psks_for(link, builder.parent, len(link.tunnels))
    pending = appliance_pair.pair(builder, link.b.site)
    peers: dict[str, pulumi.Input[str]] = {
        peer_key(link, t): ha_driver.interface_ip(gateway, t.a_gateway) for t in link.tunnels
    }
    appliance_pair.add_link(builder, link, builder.parent, pending, peers, psks)


register_builder(SHAPE, build)
register_edge_part(SHAPE, edge)
