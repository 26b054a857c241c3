"""An appliance site's pair, shared by its links: made by the first, finished after the last.

Why a module of its own: the three appliance shapes (:mod:`.gateway_appliance`,
:mod:`.ha_appliance`, :mod:`.appliance_device`) each add tunnels to the *same* two instances,
whose user data must hold every tunnel. So the pair's addresses (ports, floating IPs) are made
the first time a link asks (peers' gateways need them), each link records its plan, far-end
addresses and keys here and opens the pair's firewall to its peers and routes its ranges, and
the instances are created once every link is built (:meth:`LinkBuilder.at_end`), their user data
rendered by :func:`skyweave.network.appliance.render_appliance` inside ``Output.all(...).apply``:
the pre-shared keys stay Pulumi secrets up to the user data, which is secret itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from ...drivers.registry import get_driver
from ...drivers.scope import current_scope, site_owned
from ...drivers.vpn import ApplianceParts, ApplianceVpnService
from ...planning.vpn import APPLIANCE_INSTANCES, LinkPlan, SiteEnd, VpnEndpoint
from ..appliance import ApplianceAddress, peer_key, render_appliance, tunnel_name
from .builder import LinkBuilder, edge_part, register_site_part

__all__ = ["AppliancePending", "add_link", "pair"]


@dataclass
class AppliancePending:
    """One appliance site's pair while its links are being built."""

    site: str
    handle: Any
    links: list[LinkPlan] = field(default_factory=list)
    peers: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    psks: dict[str, pulumi.Output[str]] = field(default_factory=dict)


def pair(builder: LinkBuilder, site: str) -> AppliancePending:
    """``site``'s pair: its addresses made on first use, its instances scheduled for the end.

    In a unit's program the site's unit makes the addresses (and exports what its links and
    instances read, the driver's :class:`~skyweave.drivers.vpn.ApplianceParts`), the links'
    units and the edge read them, and only the edge makes the instances."""

    def make() -> AppliancePending:
        driver = builder.service(site, ApplianceVpnService)

        def addresses() -> Any:
            # The ranges the pair forwards for: the estate's address space, not just today's
            # links', so adding a site changes nothing on the ports.
            transit = list(builder.estate_cidrs) or [
                c for s, n in sorted(builder.networks.items()) if s != site for c in n.cidrs if ":" not in c
            ]
            return driver.vpn_appliances(builder.context(site), builder.networks[site], transit)

        scope = current_scope()
        if scope is None or not isinstance(driver, ApplianceParts):
            handle = addresses()  # (in a unit, refused before anything registers: unit_problem)
        else:
            got = site_owned(
                site, f"{builder.component}.appliance.{site}", addresses, driver.appliance_parts()
            )
            site_args, network = builder.sites[site], builder.site_network(site)
            handle = got if scope.builds_site(site) else driver.appliance_remote(site_args, network, got)
        pending = AppliancePending(site, handle)
        if scope is None or scope.builds_edge(site):
            builder.at_end(lambda: _instances(builder, pending))
        return pending

    found: AppliancePending = builder.once(f"appliance:{site}", make)
    return found


def _site_part(builder: LinkBuilder, link: LinkPlan, end: SiteEnd) -> object:
    return pair(builder, end.site)


def _ready(link: LinkPlan, end: SiteEnd) -> str | None:
    """Whether the pair's vendor says what its links and instances read of it, and the edge
    knows what to read of the link's shape."""
    driver = get_driver(end.vendor)
    if not isinstance(driver, ApplianceParts):
        return (
            f"{driver.vendor}'s appliance pair ({end.site}) does not say what its links read of it "
            "(ApplianceParts)"
        )
    if edge_part(str(link.shape)) is None:
        return f"its appliance end ({end.site}): the edge does not read links of this shape"
    return None


def _idle(end: SiteEnd) -> bool:
    """A pair whose links' openings and routes are recorded on it: its links' units register
    nothing on its site (the edge records them)."""
    driver = get_driver(end.vendor)
    return isinstance(driver, ApplianceParts) and driver.appliance_records_links()


register_site_part(VpnEndpoint.APPLIANCE, _site_part, _ready, _idle)


def public_ip(builder: LinkBuilder, pending: AppliancePending, index: int) -> pulumi.Output[str]:
    return builder.service(pending.site, ApplianceVpnService).appliance_public_ip(pending.handle, index)


def add_link(
    builder: LinkBuilder,
    link: LinkPlan,
    parent: pulumi.Resource,
    pending: AppliancePending,
    peers: dict[str, pulumi.Input[str]],
    psks: list[pulumi.Output[str]],
) -> None:
    """Record one link's tunnels for the instances; open the pair to its peers; route its ranges."""
    site = pending.site
    far = link.b if link.a.site == site else link.a
    driver = builder.service(site, ApplianceVpnService)
    pending.links.append(link)
    pending.peers.update(peers)
    for t in link.tunnels:
        pending.psks[tunnel_name(link, site, t)] = psks[t.index]
    scope = current_scope()
    recorded = isinstance(driver, ApplianceParts) and driver.appliance_records_links()
    if scope is not None and (scope.builds_edge(site) != recorded):
        # registered openings and routes: the link's unit's, never the edge's; recorded ones:
        # the edge's (on the VMs), nothing for the link's unit (it has no provider there)
        return
    ctx = builder.context(site, parent)
    addresses = list({peer_key(link, t): peers[peer_key(link, t)] for t in link.tunnels}.values())
    driver.allow_appliance_peers(ctx, pending.handle, far.site, addresses)
    driver.appliance_routes(ctx, pending.handle, builder.site_network(site), far.site, list(far.ipv4_cidrs))


def _instances(builder: LinkBuilder, pending: AppliancePending) -> None:
    site = pending.site
    driver = builder.service(site, ApplianceVpnService)
    network = builder.site_network(site)
    subnet = next(iter(network.subnet_cidrs.values()))
    handle = pending.handle
    values = pulumi.Output.all(
        public=pulumi.Output.all(
            *(driver.appliance_public_ip(handle, i) for i in range(APPLIANCE_INSTANCES))
        ),
        private=pulumi.Output.all(
            *(driver.appliance_private_ip(handle, i) for i in range(APPLIANCE_INSTANCES))
        ),
        next_hop=driver.appliance_next_hop(handle),
        peers=pulumi.Output.all(**pending.peers),
        psks=pulumi.Output.all(**pending.psks),
    )
    links = tuple(pending.links)
    limit = driver.appliance_user_data_limit()

    def render(v: dict[str, Any]) -> list[str]:
        instances = [ApplianceAddress(pub, priv) for pub, priv in zip(v["public"], v["private"], strict=True)]
        files = render_appliance(
            site, links, instances, v["peers"], v["psks"], v["next_hop"], subnet, limit=limit
        )
        return [f.user_data for f in files]

    rendered: pulumi.Output[list[str]] = pulumi.Output.secret(values.apply(render))
    user_data: list[pulumi.Output[str]] = [
        rendered.apply(lambda texts, i=i: texts[i])  # type: ignore[misc]
        for i in range(APPLIANCE_INSTANCES)
    ]
    driver.appliance_instances(builder.context(site), handle, user_data)
