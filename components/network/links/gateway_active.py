"""Managed gateway (AWS) ↔ active-active gateway (Azure): four tunnels, four BGP sessions.

Microsoft's "How to connect AWS and Azure using a BGP-enabled VPN gateway"
(https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-aws-bgp): on AWS a virtual
private gateway with one customer gateway per Azure instance address and one VPN connection each
(two tunnels apiece: four); on Azure one local network gateway per AWS tunnel address and one
connection to each (four), every /30 inside 169.254.21.0-169.254.22.255. AWS connection ``c``
ends on Azure instance ``c``: tunnel ``(c, t)``'s /30 gives AWS the first address and instance
``c`` the second, and Azure connection ``(c, t)`` names, for each instance ``i``, the address of
tunnel ``(i, t)`` — so connections 1 and 3 (and 2 and 4) carry the same custom BGP addresses, as
in the guide, and the instance whose address is not in a tunnel's /30 simply has no session there.
"""

from __future__ import annotations

from ...core.errors import PlanningError
from ...drivers.vpn import ActiveActiveVpnService, GatewayVpnService
from ...planning.topology import link_id
from ...planning.vpn import Layout, LinkPlan, Routing, Shape, SiteEnd, VpnEndpoint, register_shape
from . import active_active
from .builder import LinkBuilder, VpnLink, register_builder

SHAPE = Shape.AWS_AZURE_VPN


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    if not a.bgp:
        raise PlanningError(
            f"{b.product} routes only with BGP and {a.product} on {a.site!r} does not; exclude the pair",
            value=link_id(a.site, b.site),
        )
    active_active.check_asns(a, b)
    # Connection c (to instance c's address), tunnels 1 and 2 of it, end on instance c.
    return SHAPE, Routing.BGP, [(c, t, c) for c in (0, 1) for t in (0, 1)]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    gw_driver = builder.service(a.site, GatewayVpnService)
    aa_driver = builder.service(b.site, ActiveActiveVpnService)
    vgw = builder.gateway(a.site, a.asn)
    gateway = active_active.gateway(builder, b.site, b.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    gw_ctx, aa_ctx = builder.context(a.site, parent), builder.context(b.site, parent)
    by_position = {(t.a_gateway, t.a_tunnel): t for t in link.tunnels}
    for c in (0, 1):
        key = f"{b.site}-{c}"
        cgw = gw_driver.customer_gateway(gw_ctx, key, aa_driver.instance_ip(gateway, c), b.asn)
        tunnels = [by_position[c, t] for t in (0, 1)]
        connection = gw_driver.vpn_connection(
            gw_ctx, key, vgw, cgw, tunnels, [psks[t.index] for t in tunnels], link.ciphers, None
        )
        for tunnel, outside in zip(tunnels, gw_driver.tunnel_addresses(connection), strict=True):
            assert tunnel.a_inside_ip is not None
            local = aa_driver.local_gateway(
                aa_ctx, f"{a.site}-{tunnel.index}", gateway, outside, a.asn, tunnel.a_inside_ip
            )
            aa_driver.gateway_connection(
                aa_ctx,
                f"{a.site}-{tunnel.index}",
                gateway,
                local,
                psks[tunnel.index],
                link.ciphers,
                active_active.instance_bgp([by_position[i, tunnel.a_tunnel] for i in (0, 1)]),
            )


register_shape(VpnEndpoint.GATEWAY, VpnEndpoint.ACTIVE_ACTIVE, rule)
register_builder(SHAPE, build)
