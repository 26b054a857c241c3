"""An appliance pair ↔ on-prem BGP device(s): a tunnel from each instance to each device.

One device: 2 tunnels (one per instance), two devices: 4, each a BGP session, so losing an
instance, a device or a tunnel leaves a path. The device's operator gets its entries as for any
cloud (``onprem_devices``), with the instances' public addresses in ``onprem_peer_ips``.
"""

from __future__ import annotations

from ...core.errors import PlanningError
from ...planning.topology import link_id
from ...planning.vpn import (
    APPLIANCE_INSTANCES,
    Layout,
    LinkPlan,
    Routing,
    SiteEnd,
    VpnEndpoint,
    kind_shape,
    register_shape,
)
from ..appliance import peer_key
from . import appliance_pair
from .builder import LinkBuilder, VpnLink, register_builder, register_edge_part

SHAPE = kind_shape(VpnEndpoint.APPLIANCE, VpnEndpoint.DEVICE)


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    if not b.devices or not b.bgp:
        missing = "has no vpn_peer_ip" if not b.devices else "does not declare a BGP-capable device"
        raise PlanningError(
            f"{a.site!r} ({a.product}) routes with BGP and on-prem site {b.site!r} {missing}; set "
            f"vpn_peer_ip and bgp: true on {b.site!r}, or exclude the pair",
            value=link_id(a.site, b.site),
        )
    return SHAPE, Routing.BGP, [(i, 0, d) for i in range(APPLIANCE_INSTANCES) for d in range(len(b.devices))]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    psks = builder.psks_for(link, parent, len(link.tunnels))
    pending = appliance_pair.pair(builder, a.site)
    peers = {peer_key(link, t): b.devices[t.b_gateway] for t in link.tunnels}
    appliance_pair.add_link(builder, link, parent, pending, dict(peers), psks)
    rows = [
        (t.index, appliance_pair.public_ip(builder, pending, t.a_gateway), t.b_inside_ip, t.a_inside_ip)
        for t in link.tunnels
    ]
    builder.device_entries(link, b, a, rows)


def edge(builder: LinkBuilder, link: LinkPlan) -> None:
    """The edge: the devices' addresses (the plan's) and the keys (the link's)."""
    psks = builder.psks_for(link, builder.parent, len(link.tunnels))
    pending = appliance_pair.pair(builder, link.a.site)
    peers = {peer_key(link, t): link.b.devices[t.b_gateway] for t in link.tunnels}
    appliance_pair.add_link(builder, link, builder.parent, pending, dict(peers), psks)


register_shape(VpnEndpoint.APPLIANCE, VpnEndpoint.DEVICE, rule)
register_builder(SHAPE, build)
register_edge_part(SHAPE, edge)
