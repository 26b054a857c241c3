"""Managed gateway (AWS) ↔ HA gateway (GCP HA VPN): four tunnels, four BGP sessions.

HA interface c ↔ customer gateway c ↔ VPN connection c (tunnels 2c and 2c+1); the HA side's
external gateway lists the four AWS tunnel endpoints (``FOUR_IPS_REDUNDANCY``). Google's
"Create HA VPN connections between Google Cloud and AWS" is the reference (docs/connectivity.md).
"""

from __future__ import annotations

from ...drivers.vpn import GatewayVpnService, HaVpnService
from ...planning.vpn import Layout, LinkPlan, Routing, Shape, SiteEnd, VpnEndpoint, register_shape
from .builder import LinkBuilder, VpnLink, register_builder


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    # HA interface c ↔ gateway connection c (one customer gateway per interface), tunnels 1 and 2.
    return Shape.AWS_GCP_HA_VPN, Routing.BGP, [(c, t, c) for c in (0, 1) for t in (0, 1)]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    gw_driver = builder.service(a.site, GatewayVpnService)
    ha_driver = builder.service(b.site, HaVpnService)
    vgw = builder.gateway(a.site, a.asn)
    gateway, router = builder.ha_gateway(b.site, b.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    gw_ctx, ha_ctx = builder.context(a.site, parent), builder.context(b.site, parent)
    connections = []
    for c in (0, 1):
        cgw = gw_driver.customer_gateway(gw_ctx, f"{b.site}-{c}", ha_driver.interface_ip(gateway, c), b.asn)
        tunnels = [t for t in link.tunnels if t.a_gateway == c]
        connections.append(
            gw_driver.vpn_connection(
                gw_ctx,
                f"{b.site}-{c}",
                vgw,
                cgw,
                tunnels,
                [psks[t.index] for t in tunnels],
                link.ciphers,
                None,
            )
        )
    outside = [addr for conn in connections for addr in gw_driver.tunnel_addresses(conn)]
    external = ha_driver.external_gateway(ha_ctx, a.site, outside)
    for tunnel in link.tunnels:
        assert tunnel.a_inside_ip is not None and tunnel.b_inside_ip is not None
        ha_driver.bgp_tunnel(
            ha_ctx,
            f"{a.site}-{tunnel.index}",
            gateway,
            router,
            tunnel.b_gateway,
            external,
            2 * tunnel.a_gateway + tunnel.a_tunnel,
            psks[tunnel.index],
            tunnel.b_inside_ip,
            tunnel.a_inside_ip,
            a.asn,
            link.ciphers,
        )


register_shape(VpnEndpoint.GATEWAY, VpnEndpoint.HA_GATEWAY, rule)
register_builder(Shape.AWS_GCP_HA_VPN, build)
