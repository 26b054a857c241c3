"""Policy-based VPN (Neutron VPNaaS) ↔ another one (one tunnel) or ↔ device(s): static routes.

Each end is a site connection from the site's VPN service to the peer's address, with the
peer's ranges as its endpoint group.
"""

from __future__ import annotations

from typing import Any

import pulumi

from ...drivers.vpn import PolicyVpnService
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


def policy_policy(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    # One VPN service per router: one tunnel, configured on both ends (two site connections).
    return Shape.VPNAAS, Routing.STATIC, [(0, 0, 0)]


def policy_device(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    devices = device_addresses(b, a)
    return Shape.VPNAAS, Routing.STATIC, [(0, 0, d) for d in range(len(devices))]


def site_connection(
    builder: LinkBuilder,
    link: LinkPlan,
    parent: VpnLink,
    site: str,
    peer: SiteEnd,
    endpoint: Any,
    peer_address: pulumi.Input[str],
    psk: pulumi.Output[str],
    index: int,
) -> None:
    """One site connection from ``site``'s VPN service to ``peer`` (its ranges made once per link)."""
    driver = builder.service(site, PolicyVpnService)
    ctx = builder.context(site, parent)
    group = builder.once(
        f"policy-peer:{link.id}:{site}", lambda: driver.peer_group(ctx, peer.site, list(peer.ipv4_cidrs))
    )
    driver.site_connection(ctx, f"{peer.site}-{index}", endpoint, group, peer_address, psk)


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    psks = builder.psks_for(link, parent, len(link.tunnels))
    a_end = builder.policy_endpoint(link, a.site)
    a_address = builder.service(a.site, PolicyVpnService).endpoint_address(a_end)
    if b.endpoint is VpnEndpoint.POLICY:
        b_end = builder.policy_endpoint(link, b.site)
        b_address = builder.service(b.site, PolicyVpnService).endpoint_address(b_end)
        site_connection(builder, link, parent, a.site, b, a_end, b_address, psks[0], 0)
        site_connection(builder, link, parent, b.site, a, b_end, a_address, psks[0], 0)
        return
    for tunnel in link.tunnels:
        device = b.devices[tunnel.b_gateway]
        site_connection(builder, link, parent, a.site, b, a_end, device, psks[tunnel.index], tunnel.index)
    builder.device_entries(link, b, a, [(t.index, a_address, None, None) for t in link.tunnels])


register_shape(VpnEndpoint.POLICY, VpnEndpoint.POLICY, policy_policy)
register_shape(VpnEndpoint.POLICY, VpnEndpoint.DEVICE, policy_device)
register_builder(Shape.VPNAAS, build)
