"""What a VPN appliance pair runs: its tunnels from the link plans, and the user data that boots it.

Why pure and here: the same function turns an appliance site's link plans into device-config
tunnels for the component (inside ``Output.all(...).apply``, once the addresses and keys exist)
and for the namespace lab (with the lab's addresses), so the lab proves the configuration the
instances would boot with, not a copy of it (tests/test_vpn_daemons.py).

Failover (docs/connectivity.md, "The VPN appliance"):

* **Cloud side, by BGP.** Every instance has its own tunnels and BGP sessions (AWS: one customer
  gateway per instance, two tunnels each; GCP HA VPN: one interface per instance; an on-prem
  device: a tunnel from each instance) and both announce the site's ranges, so when an instance
  or a tunnel dies its sessions' hold timers withdraw its routes and the peers send to the
  other. Each session gets the timers its far end's vendor documents (``CloudDriver.bgp_timers``:
  AWS 10 s / 30 s, GCP 20 s / 60 s, Azure's fixed 60 s / 180 s; skyweave's 10 s / 30 s where
  there is no document).
* **Site side, by keepalived (VRRP).** The Neutron router cannot speak BGP and its static routes
  have no health check, so it sends remote ranges to one next-hop address that keepalived keeps
  on a live instance (unicast VRRP, the other instance as peer: tenant networks need not carry
  multicast). An instance holds it only while it carries traffic — forwarding on, tunnels up,
  BGP established (:mod:`.appliance_boot`, :mod:`.appliance_check`); one that reboots takes it
  back only once it does.
* **Between the two, by iBGP.** The instance holding the next hop may have lost its own tunnels
  to one cloud while the other still has them; iBGP over the site network (``PairPeer``) gives it
  the other's routes as a fallback, so traffic is relayed rather than dropped.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..core.errors import PlanningError
from ..drivers import get_driver
from ..drivers.base import BgpTimers
from ..drivers.vpn import UserDataLimit
from ..planning.vpn import APPLIANCE_INSTANCES, LinkPlan, Routing, TunnelPlan, VpnEndpoint
from .appliance_boot import render_boot_script, render_keepalived, render_user_data
from .appliance_check import Tunnel as CheckedTunnel
from .device_config import (
    DEFAULT_BGP_TIMERS,
    DeviceFiles,
    PairPeer,
    Side,
    Tunnel,
    TunnelSide,
    render_device,
)

__all__ = [
    "ApplianceAddress",
    "ApplianceFiles",
    "appliance_device",
    "appliance_tunnels",
    "peer_key",
    "peer_timers",
    "render_appliance",
    "tunnel_name",
]


@dataclass(frozen=True)
class ApplianceAddress:
    """One instance's addresses: ``public`` (its floating IP, its IKE identity) and ``private``
    (its port's address on the site network, which IKE runs from behind the 1:1 NAT)."""

    public: str
    private: str


def appliance_device(site: str, index: int) -> str:
    """The device name of instance ``index`` of ``site``'s pair (configs, lab namespaces)."""
    return f"{site}-appliance{index}"


def tunnel_name(link: LinkPlan, site: str, tunnel: TunnelPlan) -> str:
    """The name of one of ``site``'s appliance tunnels (its swanctl connection, its PSK's key)."""
    far = link.b if link.a.site == site else link.a
    return f"{far.site}-{tunnel.index}"


def peer_key(link: LinkPlan, tunnel: TunnelPlan) -> str:
    """The key of one tunnel's far-end address in ``appliance_tunnels``' ``peers`` (``link#n``)."""
    return f"{link.id}#{tunnel.index}"


def peer_timers(vendor: str) -> BgpTimers:
    """The BGP timers of a session with ``vendor`` 's VPN endpoint: what the vendor documents
    for its gateway, or skyweave's own where it documents none (an on-prem device)."""
    return get_driver(vendor).bgp_timers or DEFAULT_BGP_TIMERS


def _peer_device(link: LinkPlan, site: str, tunnel: TunnelPlan) -> str:
    far = link.b if link.a.site == site else link.a
    if far.endpoint is VpnEndpoint.DEVICE:
        return f"{far.site}-dev{tunnel.b_gateway}"
    return far.site


def appliance_tunnels(
    site: str,
    links: Sequence[LinkPlan],
    instances: Sequence[ApplianceAddress],
    peers: Mapping[str, str],
) -> list[Tunnel]:
    """Every tunnel of ``site``'s appliance pair, both ends, from the site's link plans.

    Args:
        site: the appliance site.
        links: its links (any order; each must have the site at one end and be route-based).
        instances: the pair's addresses, instance 0 then 1.
        peers: each tunnel's far-end public address by :func:`peer_key` (AWS tunnel endpoints,
            GCP HA VPN interfaces, on-prem devices).

    Each instance numbers its tunnels' XFRM interfaces 1, 2, … in link-id then tunnel order, and
    so does each far end; the appliance side always initiates (AWS waits for its customer
    gateway; the other end only responds, so the two never race). Each tunnel's BGP timers are
    its far end's vendor's (:func:`peer_timers`).
    """
    if len(instances) != APPLIANCE_INSTANCES:
        raise PlanningError(
            f"an appliance pair has {APPLIANCE_INSTANCES} instances, got {len(instances)} addresses",
            path="instances",
        )
    if_ids: dict[str, int] = {}

    def next_if_id(device: str) -> int:
        if_ids[device] = if_ids.get(device, 0) + 1
        return if_ids[device]

    result = []
    for link in sorted(links, key=lambda x: x.id):
        if site not in (link.a.site, link.b.site) or link.routing is not Routing.BGP:
            raise PlanningError(
                f"link {link.id} is not a route-based BGP link of appliance site {site!r}",
                path=f"links[{link.id!r}]",
            )
        ours: Side = "a" if link.a.site == site else "b"
        for t in link.tunnels:
            instance = t.a_gateway if ours == "a" else t.b_gateway
            address = instances[instance]
            key = peer_key(link, t)
            if key not in peers:
                raise PlanningError(f"no far-end address for tunnel {key}", path=f"peers[{key!r}]")
            near, far_end = (link.a, link.b) if ours == "a" else (link.b, link.a)
            device = appliance_device(site, instance)
            mine = TunnelSide(
                device=device,
                outside=address.public,
                bind=address.private,
                asn=near.asn,
                prefixes=near.ipv4_cidrs,
                inside=t.a_inside_ip if ours == "a" else t.b_inside_ip,
                if_id=next_if_id(device),
            )
            peer_device = _peer_device(link, site, t)
            theirs = TunnelSide(
                device=peer_device,
                outside=peers[key],
                asn=far_end.asn,
                prefixes=far_end.ipv4_cidrs,
                inside=t.b_inside_ip if ours == "a" else t.a_inside_ip,
                if_id=next_if_id(peer_device),
            )
            result.append(
                Tunnel(
                    name=tunnel_name(link, site, t),
                    a=mine if ours == "a" else theirs,
                    b=theirs if ours == "a" else mine,
                    routing=link.routing,
                    inside_cidr=str(t.inside_cidr) if t.inside_cidr else None,
                    ciphers=link.ciphers,
                    initiator=ours,
                    timers=peer_timers(far_end.vendor),
                )
            )
    return result


@dataclass(frozen=True)
class ApplianceFiles:
    """What one instance boots with: its device files (swanctl.conf, frr.conf, interfaces, as
    the namespace lab runs them), its keepalived.conf (``@UPLINK@`` filled in at boot), the boot
    script, and the user data carrying all of them. ``user_data`` and the files hold the PSKs:
    left out of ``repr``."""

    device: str
    files: DeviceFiles
    keepalived_conf: str = ""
    boot_script: str = ""
    user_data: str = ""
    pair: PairPeer | None = None

    @property
    def swanctl_conf(self) -> str:
        return self.files.swanctl_conf

    @property
    def frr_conf(self) -> str:
        return self.files.frr_conf

    def __repr__(self) -> str:
        return f"ApplianceFiles(device={self.device!r})"


def render_appliance(
    site: str,
    links: Sequence[LinkPlan],
    instances: Sequence[ApplianceAddress],
    peers: Mapping[str, str],
    psks: Mapping[str, str],
    next_hop: str,
    subnet: str,
    *,
    limit: UserDataLimit,
) -> list[ApplianceFiles]:
    """Both instances' files and user data, from the site's link plans and the addresses.

    ``psks``: tunnel name (as :func:`appliance_tunnels` names it) → key; ``subnet``: the site
    network the next hop belongs to; ``limit``: the site's vendor's bound on user data.
    """
    tunnels = appliance_tunnels(site, links, instances, peers)
    far_sites = {
        tunnel_name(link, site, t): (link.b if link.a.site == site else link.a).site
        for link in links
        for t in link.tunnels
    }
    prefixlen = ipaddress.IPv4Network(subnet).prefixlen
    private = [a.private for a in instances]
    result = []
    for i in range(APPLIANCE_INSTANCES):
        name = appliance_device(site, i)
        mine = [t for t in tunnels if name in (t.a.device, t.b.device)]
        if not mine:
            raise PlanningError(f"appliance {name!r} terminates no tunnel", path=f"devices[{name!r}]")
        pair = PairPeer(address=private[1 - i], local=private[i])
        files = render_device(name, mine, psks, pair=pair)
        checked = [
            CheckedTunnel(t.name, far_sites[t.name], t.interface, str(t.remote.inside))
            for t in files.device.tunnels
            if t.routing is Routing.BGP
        ]
        keepalived = render_keepalived(name, site, i, private, next_hop, prefixlen)
        boot = render_boot_script(name, private[1 - i], files.interfaces)
        user_data = render_user_data(files.swanctl_conf, files.frr_conf, keepalived, boot, checked)
        encoded = len(base64.b64encode(user_data.encode()))
        if encoded > limit.figure:
            raise PlanningError(
                f"the user data of {name} ({len(files.device.tunnels)} tunnels) would be {encoded} bytes "
                f"base64-encoded; {limit.accepted_by} accepts at most {limit.figure} ({limit.source}). "
                f"Join fewer sites to {site!r} directly (reach the others through a site it links to)",
                path=f"devices[{name!r}].user_data",
                value=encoded,
            )
        result.append(ApplianceFiles(name, files, keepalived, boot, user_data, pair))
    return result
