"""Managed gateway (AWS) ↔ an appliance pair: two customer gateways x two tunnels = 4 BGP tunnels.

Instance d of the pair is customer gateway d, with VPN connection d (tunnels 2d and 2d+1 to two
AWS endpoints): AWS's own redundant shape for two customer devices ("customer gateway options",
docs/connectivity.md). Routing is BGP: each instance announces the site's ranges, so AWS moves
traffic to the other when one instance or tunnel is lost.
"""

from __future__ import annotations

from typing import Any

import pulumi

from ...drivers.scope import link_owned
from ...drivers.vpn import GatewayVpnService
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

SHAPE = Shape.AWS_VPN_APPLIANCE


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    return SHAPE, Routing.BGP, [(d, t, d) for d in range(APPLIANCE_INSTANCES) for t in (0, 1)]


#: What the edge reads of each AWS VPN connection: its two tunnels' outside addresses.
CONNECTION_PARTS = (("tunnel1_address", "tunnel2_address"),)


def _connection(builder: LinkBuilder, link: LinkPlan, d: int, make: Any) -> Any:
    """Connection ``d`` of ``link``: made in the link's unit, read by the appliance's edge."""
    a, b = link.a.site, link.b.site
    return link_owned(a, b, f"{builder.component}.vpn-connection.{a}.{b}.{d}", make, CONNECTION_PARTS)


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    gw_driver = builder.service(a.site, GatewayVpnService)
    vgw = builder.gateway(a.site, a.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    gw_ctx = builder.context(a.site, parent)
    pending = appliance_pair.pair(builder, b.site)
    peers: dict[str, pulumi.Input[str]] = {}
    for d in range(APPLIANCE_INSTANCES):
        key = f"{b.site}-{d}"
        cgw = gw_driver.customer_gateway(gw_ctx, key, appliance_pair.public_ip(builder, pending, d), b.asn)
        tunnels = [t for t in link.tunnels if t.a_gateway == d]
        connection = _connection(
            builder,
            link,
            d,
            lambda key=key, cgw=cgw, tunnels=tunnels: gw_driver.vpn_connection(
                gw_ctx, key, vgw, cgw, tunnels, [psks[t.index] for t in tunnels], link.ciphers, None
            ),
        )
        for tunnel, outside in zip(tunnels, gw_driver.tunnel_addresses(connection), strict=True):
            peers[peer_key(link, tunnel)] = outside
    appliance_pair.add_link(builder, link, parent, pending, peers, psks)


def edge(builder: LinkBuilder, link: LinkPlan) -> None:
    """The edge: each connection's tunnel addresses and the keys, read from the link's unit."""
    gw_driver = builder.service(link.a.site, GatewayVpnService)
    psks = builder.psks_for(link, builder.parent, len(link.tunnels))
    pending = appliance_pair.pair(builder, link.b.site)
    peers: dict[str, pulumi.Input[str]] = {}
    for d in range(APPLIANCE_INSTANCES):
        tunnels = [t for t in link.tunnels if t.a_gateway == d]
        connection = _connection(builder, link, d, _made_by_the_link)
        for tunnel, outside in zip(tunnels, gw_driver.tunnel_addresses(connection), strict=True):
            peers[peer_key(link, tunnel)] = outside
    appliance_pair.add_link(builder, link, builder.parent, pending, peers, psks)


def _made_by_the_link() -> Any:
    raise AssertionError("the link's unit makes its connections")  # pragma: no cover


register_shape(VpnEndpoint.GATEWAY, VpnEndpoint.APPLIANCE, rule)
register_builder(SHAPE, build)
register_edge_part(SHAPE, edge)
