"""A vSphere site's VPN appliance pair: two VMs cloned from a template on the ``main`` port group.

vSphere without NSX has no VPN service, so the site's end of every link is the same route-based
pair the OpenStack appliance is — strongSwan, FRR and keepalived, rendered by
:mod:`skyweave.network.appliance` from the link plans — on VMs instead of Nova instances. What
differs is who owns the network around them: on OpenStack skyweave asks Neutron for ports,
floating IPs, security-group rules and router routes; on vSphere the port group's router and the
edge's NAT and firewall are the operator's. So:

* :func:`vpn_appliances`: the addresses are the operator's declaration (``appliance_pair``): the
  public ones (1:1 NAT on the edge), the private ones and the next hop as host numbers in the
  ``main`` port group's subnet; nothing is created before the VMs.
* :func:`allow_peers` and :func:`routes`: no API to call; each link's openings (IKE on UDP 500
  and 4500, ESP, from the link's peer addresses) and routes (the far site's ranges via the next
  hop) are recorded on the pair and written onto the VMs (``guestinfo.skyweave.*`` keys, read by
  the policy reader, and the annotation vCenter shows), for the operator to apply on the edge
  and the router.
* :func:`instances`: the two VMs, each booted with a static address on ``main`` (cloud-init's
  VMware datasource) and the user data the network layer rendered (secret); in two clusters
  where the site has two, else in one cluster with a mandatory DRS anti-affinity rule so the
  pair never shares a host.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi

from ...core.sites import SiteArgs
from ...planning.vpn import APPLIANCE_INSTANCES
from ..base import SiteContext, SiteNetwork
from ..sdk import lazy_sdk
from .inventory import Inventory, clone_vm, guest_metadata
from .site import MAIN, VsphereSiteArgs, host_address

if TYPE_CHECKING:
    import pulumi_vsphere as vsphere
else:
    vsphere = lazy_sdk("pulumi_vsphere")

__all__ = [
    "PARTS",
    "ROLE_KEY",
    "AppliancePair",
    "allow_peers",
    "instances",
    "remote",
    "routes",
    "vpn_appliances",
]

#: The guestinfo keys the appliance VMs carry for the policy reader and the operator.
ROLE_KEY = "guestinfo.skyweave.role"
INGRESS_KEY = "guestinfo.skyweave.ingress"
ROUTES_KEY = "guestinfo.skyweave.routes"
#: What each link's peer addresses must be let through to the appliances (route-based IPsec with
#: NAT traversal: the appliances sit behind the edge's 1:1 NAT).
OPENINGS = (("udp", 500), ("udp", 4500), ("esp", None))


@dataclass
class AppliancePair:
    """The pair's addresses (known before the VMs) and what its links need of the operator."""

    site: VsphereSiteArgs
    subnet: str
    #: The ``main`` port group the VMs are on.
    port_group: Any
    public: tuple[str, str]
    private: tuple[str, str]
    next_hop_ip: str
    peers: list[tuple[str, pulumi.Output[str]]] = field(default_factory=list)
    routed: list[tuple[str, str]] = field(default_factory=list)

    def public_ip(self, index: int) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.public[index])

    def private_ip(self, index: int) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.private[index])

    def next_hop(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.next_hop_ip)


def vpn_appliances(ctx: SiteContext, network: SiteNetwork, transit_cidrs: Sequence[str]) -> AppliancePair:
    """The pair's addresses from the site's declaration and the ``main`` port group's subnet.

    ``transit_cidrs`` needs nothing here: a distributed port group forwards any source address
    (its security policy concerns MAC addresses only, and keepalived's next hop keeps the VM's MAC).
    """
    return _pair(ctx.site, network, network.resources[f"port-group:{MAIN}"])


#: What the VMs read of the pair made in the site's unit: the port group's id.
PARTS = {"port_group": ("id",)}


def remote(site: SiteArgs, network: SiteNetwork, parts: Any) -> AppliancePair:
    """The pair from its :data:`PARTS` read from the site's unit and the site's addresses."""
    return _pair(site, network, parts.port_group)


def _pair(site: SiteArgs, network: SiteNetwork, port_group: Any) -> AppliancePair:
    assert isinstance(site, VsphereSiteArgs) and site.appliance_pair is not None
    settings = site.appliance_pair
    subnet = network.subnet_cidrs[MAIN]
    return AppliancePair(
        site=site,
        subnet=subnet,
        port_group=port_group,
        public=(str(settings.public_ips[0]), str(settings.public_ips[1])),
        private=(host_address(subnet, settings.hosts[0]), host_address(subnet, settings.hosts[1])),
        next_hop_ip=host_address(subnet, settings.next_hop_host),
    )


def allow_peers(
    ctx: SiteContext, pair: AppliancePair, key: str, addresses: Sequence[pulumi.Input[str]]
) -> None:
    """Record one link's peer addresses: the edge must let IKE and ESP from them through."""
    pair.peers.extend((key, pulumi.Output.from_input(a)) for a in addresses)


def routes(
    ctx: SiteContext, pair: AppliancePair, network: SiteNetwork, key: str, cidrs: Sequence[str]
) -> None:
    """Record one remote site's ranges: the site's router must send them to the next hop."""
    pair.routed.extend((key, c) for c in cidrs)


def _ingress(addresses: Sequence[str]) -> str:
    rules = [
        {"protocol": proto, **({"port": port} if port else {}), "source": f"{a}/32"}
        for a in sorted(set(addresses))
        for proto, port in OPENINGS
    ]
    return json.dumps(rules, sort_keys=True)


def _annotation(site: str, index: int, pair: AppliancePair, routed: str) -> Callable[[str], str]:
    """What vCenter shows on appliance ``index``: what the operator's edge and router must do."""

    def text(rules: str) -> str:
        return (
            f"skyweave VPN appliance {index} of {site}. Your edge: 1:1 NAT {pair.public[index]} -> "
            f"{pair.private[index]}, letting through {rules}. Your router on {MAIN}: {routed}."
        )

    return text


def instances(
    ctx: SiteContext, pair: AppliancePair, user_data: Sequence[pulumi.Output[str]]
) -> list[vsphere.VirtualMachine]:
    """The two VMs (see the module doc), each after nothing but its inventory lookups."""
    site = pair.site
    settings = site.appliance_pair
    assert settings is not None and settings.template is not None
    inventory = Inventory(ctx)
    prefixlen = ipaddress.IPv4Network(pair.subnet).prefixlen
    gateway = host_address(pair.subnet, 1)
    clusters = tuple(site.zones)
    ingress = pulumi.Output.all(*(a for _, a in pair.peers)).apply(lambda a: _ingress([str(x) for x in a]))
    routed = json.dumps([{"to": c, "via": pair.next_hop_ip} for _, c in sorted(pair.routed)])
    made = []
    for i, data in enumerate(user_data):
        name = ctx.name("appliance", str(i))
        annotation = ingress.apply(_annotation(site.name, i, pair, routed))
        made.append(
            clone_vm(
                ctx,
                inventory,
                name,
                cluster=clusters[i % len(clusters)],
                template=settings.template,
                network_id=pair.port_group.id,
                cpus=settings.cpus,
                memory_mb=settings.memory_mb,
                metadata=guest_metadata(name, f"{pair.private[i]}/{prefixlen}", gateway),
                user_data=data,
                annotation=annotation,
                guestinfo={ROLE_KEY: "vpn-appliance", INGRESS_KEY: ingress, ROUTES_KEY: routed},
                secret_user_data=True,
                # A change of the user data (a link added) would reconfigure both VMs at once; it
                # is ignored and applied by replacing them one at a time, as on OpenStack
                # (docs/connectivity.md, "Changing an appliance's user data").
                ignore=["extra_config"],
            )
        )
    if len(clusters) < APPLIANCE_INSTANCES:
        # One cluster: DRS keeps the two apart (mandatory: a placement that would put them on
        # one host is refused, not merely avoided).
        vsphere.ComputeClusterVmAntiAffinityRule(
            ctx.name("appliance-anti-affinity"),
            name=ctx.name("appliance-anti-affinity"),
            compute_cluster_id=inventory.cluster(clusters[0]).id,
            virtual_machine_ids=[vm.id for vm in made],
            mandatory=True,
            opts=ctx.opts(),
        )
    return made
