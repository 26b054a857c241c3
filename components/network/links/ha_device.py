"""HA gateway (GCP HA VPN, both interfaces) ↔ a BGP-capable device (or two): two tunnels, BGP.

The external gateway lists the device addresses (``SINGLE_IP_INTERNALLY_REDUNDANT`` for one,
``TWO_IPS_REDUNDANCY`` for two); with two devices each HA interface reaches its own.
"""

from __future__ import annotations

from ...drivers.vpn import HaVpnService
from ...planning.vpn import LinkPlan, Shape
from .builder import LinkBuilder, VpnLink, register_builder


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    ha_driver = builder.service(a.site, HaVpnService)
    gateway, router = builder.ha_gateway(a.site, a.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    ha_ctx = builder.context(a.site, parent)
    external = ha_driver.external_gateway(ha_ctx, b.site, list(b.devices))
    rows = []
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
        rows.append(
            (
                tunnel.index,
                ha_driver.interface_ip(gateway, tunnel.a_gateway),
                tunnel.b_inside_ip,
                tunnel.a_inside_ip,
            )
        )
    builder.device_entries(link, b, a, rows)


register_builder(Shape.GCP_HA_VPN_DEVICE, build)
