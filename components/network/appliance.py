"""What a VPN appliance pair runs: its tunnels from the link plans, and the user data that boots it.

Why pure and here: the same function turns an appliance site's link plans into device-config
tunnels for the component (inside ``Output.all(...).apply``, once the addresses and keys exist)
and for the namespace lab (with the lab's addresses), so the lab proves the configuration the
instances would boot with, not a copy of it (tests/test_vpn_daemons.py).

Failover (docs/connectivity.md, "The VPN appliance"):

* **Cloud side, by BGP.** Every instance has its own tunnels and BGP sessions (AWS: one customer
  gateway per instance, two tunnels each; GCP HA VPN: one interface per instance; an on-prem
  device: a tunnel from each instance) and both announce the site's ranges, so when an instance
  or a tunnel dies its sessions' hold timers (30 s) withdraw its routes and the peers send to
  the other.
* **Site side, by keepalived (VRRP).** The Neutron router cannot speak BGP and its static routes
  have no health check, so it sends remote ranges to one next-hop address that keepalived keeps
  on a live instance (unicast VRRP, the other instance as peer: tenant networks need not carry
  multicast). An instance whose strongSwan or FRR has stopped gives the address up.
* **Between the two, by iBGP.** The instance holding the next hop may have lost its own tunnels
  to one cloud while the other still has them; iBGP over the site network (``PairPeer``) gives it
  the other's routes as a fallback, so traffic is relayed rather than dropped.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..core.errors import PlanningError
from ..planning.vpn import APPLIANCE_INSTANCES, LinkPlan, Routing, TunnelPlan, VpnEndpoint
from .device_config import DeviceFiles, PairPeer, Side, Tunnel, TunnelSide, render_device, tunnel_interfaces

__all__ = [
    "ApplianceAddress",
    "ApplianceFiles",
    "appliance_device",
    "appliance_tunnels",
    "peer_key",
    "render_appliance",
    "render_keepalived",
    "render_user_data",
    "tunnel_name",
]

#: The packages the instances install at first boot (Debian 12): IKE, BGP, VRRP.
PACKAGES = ("strongswan-swanctl", "charon-systemd", "frr", "keepalived")


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
    gateway; the other end only responds, so the two never race).
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
                )
            )
    return result


@dataclass(frozen=True)
class ApplianceFiles:
    """What one instance boots with: its device files (swanctl.conf, frr.conf, interfaces, as
    the namespace lab runs them), keepalived.conf, and the user data carrying all of them.
    ``user_data`` and the files hold the PSKs: left out of ``repr``."""

    device: str
    files: DeviceFiles
    keepalived_conf: str = ""
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


def _vrid(site: str) -> int:
    """A VRRP router id (1-255) of the site's pair, stable per site name."""
    return sum(site.encode()) % 255 + 1


def render_keepalived(
    site: str, index: int, instances: Sequence[ApplianceAddress], next_hop: str, prefixlen: int
) -> str:
    """keepalived.conf for instance ``index``: VRRP over unicast to the other instance, holding
    ``next_hop`` (the Neutron router's next hop for remote ranges) while charon and bgpd run.

    ``@UPLINK@`` is the site-network interface, found at boot by its address (cloud images name
    it differently: eth0, ens3).
    """
    me, other = instances[index], instances[1 - index]
    return "\n".join(
        [
            f"# keepalived.conf for {appliance_device(site, index)}, rendered by skyweave; do not edit.",
            "global_defs {",
            "    script_user root",
            "    enable_script_security",
            "}",
            "vrrp_script skyweave_daemons {",
            '    script "/usr/bin/pgrep -x charon-systemd"',
            "    interval 2",
            "    fall 2",
            "    rise 2",
            "}",
            "vrrp_script skyweave_bgpd {",
            '    script "/usr/bin/pgrep -x bgpd"',
            "    interval 2",
            "    fall 2",
            "    rise 2",
            "}",
            "vrrp_instance skyweave {",
            "    state BACKUP",
            "    interface @UPLINK@",
            f"    virtual_router_id {_vrid(site)}",
            f"    priority {150 if index == 0 else 100}",
            "    advert_int 1",
            f"    unicast_src_ip {me.private}",
            "    unicast_peer {",
            f"        {other.private}",
            "    }",
            "    virtual_ipaddress {",
            f"        {next_hop}/{prefixlen} dev @UPLINK@",
            "    }",
            "    track_script {",
            "        skyweave_daemons",
            "        skyweave_bgpd",
            "    }",
            "}",
            "",
        ]
    )


_BOOT_SCRIPT = """\
#!/bin/sh
# Rendered by skyweave: the site-network interface, forwarding, one XFRM interface per tunnel.
set -eu
uplink=$(ip -o -4 addr show | awk -v a="@PRIVATE@" '{split($4, p, "/"); if (p[1] == a) print $2}')
[ -n "$uplink" ] || { echo "skyweave: no interface holds @PRIVATE@" >&2; exit 1; }
sed -i "s/@UPLINK@/$uplink/g" /etc/keepalived/keepalived.conf
sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 "net.ipv4.conf.$uplink.rp_filter=2"
"""


def render_user_data(site: str, index: int, files: ApplianceFiles, interfaces: str) -> str:
    """The cloud-init user data: the rendered files (written after the packages are installed:
    ``defer``), a boot script creating the XFRM interfaces, then strongSwan, FRR and keepalived."""

    def entry(path: str, content: str, mode: str, owner: str = "root:root") -> dict[str, object]:
        return {"path": path, "content": content, "permissions": mode, "owner": owner, "defer": True}

    config = {
        "package_update": True,
        "packages": list(PACKAGES),
        "write_files": [
            entry("/etc/swanctl/conf.d/skyweave.conf", files.swanctl_conf, "0600"),
            entry("/etc/frr/frr.conf", files.frr_conf, "0640", "frr:frr"),
            entry("/etc/keepalived/keepalived.conf", files.keepalived_conf, "0600"),
            entry("/usr/local/sbin/skyweave-appliance-up", interfaces, "0755"),
        ],
        "runcmd": [
            ["/usr/local/sbin/skyweave-appliance-up"],
            ["sed", "-i", "s/^bgpd=no/bgpd=yes/", "/etc/frr/daemons"],
            ["systemctl", "restart", "frr"],
            ["systemctl", "enable", "--now", "strongswan"],
            ["swanctl", "--load-all", "--noprompt"],
            ["systemctl", "enable", "--now", "keepalived"],
            ["systemctl", "restart", "keepalived"],
        ],
    }
    # JSON is YAML: no quoting rules to get wrong for a config file's content.
    return "#cloud-config\n" + json.dumps(config, indent=1) + "\n"


def render_appliance(
    site: str,
    links: Sequence[LinkPlan],
    instances: Sequence[ApplianceAddress],
    peers: Mapping[str, str],
    psks: Mapping[str, str],
    next_hop: str,
    subnet: str,
) -> list[ApplianceFiles]:
    """Both instances' files and user data, from the site's link plans and the addresses.

    ``psks``: tunnel name (as :func:`appliance_tunnels` names it) → key; ``subnet``: the site
    network the next hop belongs to.
    """
    tunnels = appliance_tunnels(site, links, instances, peers)
    prefixlen = ipaddress.IPv4Network(subnet).prefixlen
    result = []
    for i in range(APPLIANCE_INSTANCES):
        name = appliance_device(site, i)
        mine = [t for t in tunnels if name in (t.a.device, t.b.device)]
        if not mine:
            raise PlanningError(f"appliance {name!r} terminates no tunnel", path=f"devices[{name!r}]")
        pair = PairPeer(address=instances[1 - i].private, local=instances[i].private)
        files = render_device(name, mine, psks, pair=pair)
        keepalived = render_keepalived(site, i, instances, next_hop, prefixlen)
        script = _BOOT_SCRIPT.replace("@PRIVATE@", instances[i].private) + "".join(
            f'ip link add {x.name} type xfrm dev "$uplink" if_id {x.if_id}\n'
            f"ip link set {x.name} mtu {x.mtu} up\n"
            + (f"ip addr add {x.address} dev {x.name}\n" if x.address else "")
            for x in tunnel_interfaces(files.device)
        )
        partial = ApplianceFiles(name, files, keepalived)
        result.append(
            ApplianceFiles(name, files, keepalived, render_user_data(site, i, partial, script), pair)
        )
    return result
