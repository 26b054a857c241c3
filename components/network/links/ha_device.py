"""HA gateway (GCP HA VPN, both interfaces) ↔ a BGP-capable device (or two): two tunnels, BGP.

The external gateway lists the device addresses (``SINGLE_IP_INTERNALLY_REDUNDANT`` for one,
``TWO_IPS_REDUNDANCY`` for two); with two devices each HA interface reaches its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from ...drivers.vpn import HaVpnService
from ...planning.vpn import LinkPlan, Shape, TunnelPlan
from .builder import LinkBuilder, VpnLink, register_builder


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


register_builder(Shape.GCP_HA_VPN_DEVICE, build)
