"""Managed gateway (AWS) ↔ a policy-based VPN service or device(s): one connection per peer address.

Each connection is two tunnels to two AWS endpoints (AWS Site-to-Site VPN); a device site with
two devices gets two connections. A policy-based peer (Neutron VPNaaS) gets one site connection
per AWS tunnel; static routes either way unless the devices speak BGP.
"""

from __future__ import annotations

import pulumi

from ...drivers.vpn import GatewayVpnService, PolicyVpnService
from ...planning.vpn import (
    Layout,
    LinkPlan,
    Routing,
    Shape,
    SiteEnd,
    VpnEndpoint,
    device_addresses,
    register_shape,
)
from .builder import LinkBuilder, VpnLink, register_builder
from .policy_vpn import site_connection


def gateway_policy(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    return Shape.AWS_SITE_VPN, Routing.STATIC, [(0, t, 0) for t in (0, 1)]


def gateway_device(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    devices = device_addresses(b, a)
    routing = Routing.BGP if b.bgp and a.bgp else Routing.STATIC
    return Shape.AWS_SITE_VPN, routing, [(d, t, d) for d in range(len(devices)) for t in (0, 1)]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    gw_driver = builder.service(a.site, GatewayVpnService)
    vgw = builder.gateway(a.site, a.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    gw_ctx = builder.context(a.site, parent)
    static = None if link.routing is Routing.BGP else list(b.ipv4_cidrs)
    endpoint = None
    if b.endpoint is VpnEndpoint.POLICY:
        endpoint = builder.policy_endpoint(link, b.site)
        addresses: list[pulumi.Input[str]] = [
            builder.service(b.site, PolicyVpnService).endpoint_address(endpoint)
        ]
    else:
        addresses = list(b.devices)
    # A device's customer gateway names the device site: both devices are that one site.
    cgw_ctx = gw_ctx if endpoint is not None else builder.device_context(a.site, b.site, parent)
    device_rows = []
    for d, address in enumerate(addresses):
        key = f"{b.site}-{d}"
        cgw = gw_driver.customer_gateway(cgw_ctx, key, address, b.asn)
        tunnels = [t for t in link.tunnels if t.a_gateway == d]
        connection = gw_driver.vpn_connection(
            gw_ctx, key, vgw, cgw, tunnels, [psks[t.index] for t in tunnels], link.ciphers, static
        )
        for tunnel, outside in zip(tunnels, gw_driver.tunnel_addresses(connection), strict=True):
            if endpoint is not None:
                site_connection(
                    builder, link, parent, b.site, a, endpoint, outside, psks[tunnel.index], tunnel.index
                )
            else:
                device_rows.append((tunnel.index, outside, tunnel.b_inside_ip, tunnel.a_inside_ip))
    if device_rows:
        builder.device_entries(link, b, a, device_rows)


register_shape(VpnEndpoint.GATEWAY, VpnEndpoint.POLICY, gateway_policy)
register_shape(VpnEndpoint.GATEWAY, VpnEndpoint.DEVICE, gateway_device)
register_builder(Shape.AWS_SITE_VPN, build)
