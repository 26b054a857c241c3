"""A BGP-capable device (or two) ↔ active-active gateway (Azure): two tunnels per device.

Microsoft's active-active topologies (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-highlyavailable):
one local network gateway per device address and one connection to it, which both gateway
instances terminate ("two IPsec tunnels, one from each instance per connection": PSRule for Azure,
Azure.VNG.VPNActiveActive) — so each device has a tunnel to each instance (two devices: the "dual
redundancy" full mesh of four). BGP over custom APIPA /30s in 169.254.21.0-169.254.22.255: a
device's BGP address is the first address of its first tunnel's /30, and it peers from there
with both instances (each the second address of its own tunnel's /30), so the device needs eBGP
multihop; the device entries say all of this. Both tunnels of a device share its connection's
key. A device that does not speak BGP is refused: an active-active gateway to a static device is
two tunnels the device cannot fail over between by itself.
"""

from __future__ import annotations

import pulumi

from ...core.errors import PlanningError
from ...drivers.vpn import ActiveActiveVpnService
from ...planning.topology import link_id
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
from . import active_active
from .builder import LinkBuilder, VpnLink, register_builder

SHAPE = Shape.AZURE_VPN_DEVICE


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    devices = device_addresses(a, b)
    if not a.bgp:
        raise PlanningError(
            f"{b.product} on {b.site!r} routes its two instances' tunnels with BGP, and on-prem site "
            f"{a.site!r} does not declare a BGP-capable device; set bgp: true on {a.site!r} if its VPN "
            "device speaks BGP, or exclude the pair",
            value=link_id(a.site, b.site),
        )
    active_active.check_asns(a, b)
    return SHAPE, Routing.BGP, [(d, 0, i) for d in range(len(devices)) for i in (0, 1)]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    aa_driver = builder.service(b.site, ActiveActiveVpnService)
    gateway = active_active.gateway(builder, b.site, b.asn)
    keys = builder.psks_for(link, parent, len(a.devices))
    aa_ctx = builder.context(b.site, parent)
    device_ctx = builder.device_context(b.site, a.site, parent)  # its local gateways name the device site
    by_position = {(t.a_gateway, t.b_gateway): t for t in link.tunnels}
    per_tunnel: list[pulumi.Output[str]] = []
    rows = []
    for d, address in enumerate(a.devices):
        first = by_position[d, 0]
        assert first.a_inside_ip is not None
        local = aa_driver.local_gateway(
            device_ctx, f"{a.site}-{d}", gateway, address, a.asn, first.a_inside_ip
        )
        aa_driver.gateway_connection(
            aa_ctx,
            f"{a.site}-{d}",
            gateway,
            local,
            keys[d],
            link.ciphers,
            active_active.instance_bgp([by_position[d, i] for i in (0, 1)]),
        )
        for instance in (0, 1):
            tunnel = by_position[d, instance]
            rows.append(
                (
                    tunnel.index,
                    aa_driver.instance_ip(gateway, instance),
                    first.a_inside_ip,
                    tunnel.b_inside_ip,
                )
            )
    for tunnel in link.tunnels:  # the device's entries name one key per tunnel: its connection's
        per_tunnel.append(keys[tunnel.a_gateway])
    builder.psks[link.id] = per_tunnel
    builder.device_entries(link, a, b, rows)


register_shape(VpnEndpoint.DEVICE, VpnEndpoint.ACTIVE_ACTIVE, rule)
register_builder(SHAPE, build)
