"""HA gateway (GCP HA VPN, both interfaces) ↔ a BGP-capable device (or two): two tunnels, BGP.

The external gateway lists the device addresses (``SINGLE_IP_INTERNALLY_REDUNDANT`` for one,
``TWO_IPS_REDUNDANCY`` for two); with two devices each HA interface reaches its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from ...core.errors import PlanningError
from ...drivers.vpn import HaVpnService
from ...planning.topology import link_id
from ...planning.vpn import (
    Layout,
    LinkPlan,
    Routing,
    Shape,
    SiteEnd,
    TunnelPlan,
    VpnEndpoint,
    device_addresses,
    register_shape,
)
from .builder import LinkBuilder, VpnLink, register_builder


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    devices = device_addresses(b, a)
    if not b.bgp:
        raise PlanningError(
            f"{a.product} only routes with BGP, and on-prem site {b.site!r} does not declare a "
            f"BGP-capable device; set bgp: true on {b.site!r} if its VPN device speaks BGP, or "
            f"reach {a.site!r} through another site (exclude the pair)",
            value=link_id(a.site, b.site),
        )
    # Both HA interfaces; with two devices each interface reaches its own.
    return Shape.GCP_HA_VPN_DEVICE, Routing.BGP, [(i, 0, i % len(devices)) for i in (0, 1)]


def bgp_tunnels(
    builder: LinkBuilder,
    link: LinkPlan,
    parent: VpnLink,
    gateway: Any,
    router: Any,
    external: Any,
    psks: Sequence[pulumi.Output[str]],
) -> list[tuple[TunnelPlan, pulumi.Output[str]]]:
    """Every tunnel of ``link`` from side a's HA gateway (interface ``a_gateway``) to side b's
    address ``b_gateway`` on ``external``, with its BGP session; each with the HA interface's
    public address, which side b's configuration needs. Shared by every HA-gateway shape."""
    a, b = link.a, link.b
    ha_driver = builder.service(a.site, HaVpnService)
    ha_ctx = builder.context(a.site, parent)
    out = []
    for tunnel in link.tunnels:
        assert tunnel.a_inside_ip is not None and tunnel.b_inside_ip is not None
        ha_driver.bgp_tunnel(
            ha_ctx,
            f"{b.site}-{tunnel.index}",
            gateway,
            router,
            tunnel.a_gateway,
            external,
            tunnel.b_gateway,
            psks[tunnel.index],
            tunnel.a_inside_ip,
            tunnel.b_inside_ip,
            b.asn,
            link.ciphers,
        )
        out.append((tunnel, ha_driver.interface_ip(gateway, tunnel.a_gateway)))
    return out


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    ha_driver = builder.service(a.site, HaVpnService)
    gateway, router = builder.ha_gateway(a.site, a.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    external = ha_driver.external_gateway(builder.context(a.site, parent), b.site, list(b.devices))
    rows = [
        (tunnel.index, address, tunnel.b_inside_ip, tunnel.a_inside_ip)
        for tunnel, address in bgp_tunnels(builder, link, parent, gateway, router, external, psks)
    ]
    builder.device_entries(link, b, a, rows)


register_shape(VpnEndpoint.HA_GATEWAY, VpnEndpoint.DEVICE, rule)
register_builder(Shape.GCP_HA_VPN_DEVICE, build)
