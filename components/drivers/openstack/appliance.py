"""An OpenStack site's VPN appliance pair (``vpn: appliance``): what Neutron and Nova are asked for.

Why an appliance: Neutron VPNaaS is policy-based and static only, so its links have one active
tunnel and it cannot reach GCP HA VPN at all (docs/connectivity.md). Two router instances running
strongSwan (route-based tunnels) and FRR (BGP) give every link two independent paths.

What is built, in the order the API needs it:

1. :func:`vpn_appliances` (the first link of the site): a security group of the pair's own (VRRP
   and iBGP between the two, any traffic from the site's own ranges, which it forwards), a port per
   instance with port security on and ``allowed_address_pairs`` for the ranges it forwards and the
   shared next hop, a floating IP per port — *after* the router's interface on the subnet, or
   Neutron refuses to associate it (the external network is not reachable from a subnet without
   one) — and a port that only reserves the next-hop address the Neutron router's routes use.
   The addresses exist before any instance, so peers' gateways can be given them.
2. per link: :func:`allow_peers` opens IKE (UDP 500, and 4500 for NAT-T: the instances sit behind
   their floating IPs) and ESP from that link's peer addresses; :func:`routes` sends the remote
   site's ranges from the Neutron router to the next hop.
3. :func:`instances` (once every link has added its tunnels): a ``soft-anti-affinity`` server
   group (hard anti-affinity fails outright on a cloud with one compute host, or with several
   Ironic nodes behind one nova-compute), each instance in its own zone where the site has two,
   booted from its port, after it, with the user data the network layer rendered (secret).

Failover between the two is the network layer's decision (``skyweave.network.appliance``:
keepalived moves the next hop, BGP moves the tunnels); here only the openings it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from ...core.sites import SiteArgs
from ...planning.vpn import APPLIANCE_INSTANCES
from ..base import SiteContext, SiteNetwork
from ..scope import depends
from ..sdk import lazy_sdk

if TYPE_CHECKING:
    import pulumi_openstack as openstack
else:
    openstack = lazy_sdk("pulumi_openstack")

__all__ = ["PARTS", "AppliancePair", "allow_peers", "instances", "remote", "routes", "vpn_appliances"]

#: The subnet the pair sits on (OpenStack sites have one regional subnet, ``main``).
_SUBNET = "main"


@dataclass(frozen=True)
class AppliancePair:
    """The pair's pieces made before its instances."""

    site: SiteArgs
    group: openstack.networking.SecGroup
    ports: tuple[openstack.networking.Port, ...]
    floating_ips: tuple[openstack.networking.FloatingIp, ...]
    next_hop_port: openstack.networking.Port
    #: The site's router, which sends the remote ranges to the next hop.
    router: openstack.networking.Router
    #: The ``soft-anti-affinity`` server group the instances are scheduled by.
    server_group: openstack.compute.ServerGroup

    def public_ip(self, index: int) -> pulumi.Output[str]:
        address: pulumi.Output[str] = self.floating_ips[index].address
        return address

    def private_ip(self, index: int) -> pulumi.Output[str]:
        return _first_ip(self.ports[index])

    def next_hop(self) -> pulumi.Output[str]:
        return _first_ip(self.next_hop_port)


def _first_ip(port: openstack.networking.Port) -> pulumi.Output[str]:
    address: pulumi.Output[str] = port.all_fixed_ips.apply(lambda ips: ips[0] if ips else "")
    return address


def _rule(ctx: SiteContext, name: str, group: openstack.networking.SecGroup, **kwargs: object) -> None:
    openstack.networking.SecGroupRule(
        name, direction="ingress", ethertype="IPv4", security_group_id=group.id, opts=ctx.opts(), **kwargs
    )


def vpn_appliances(ctx: SiteContext, network: SiteNetwork, transit_cidrs: Sequence[str]) -> AppliancePair:
    """The pair's security group, ports, floating IPs and next-hop address (see the module doc)."""
    site = ctx.site
    tags = [f"{k}={v}" for k, v in sorted(ctx.tags.items())]
    group = openstack.networking.SecGroup(
        ctx.name("appliance-sg"),
        description="skyweave VPN appliance pair: IKE/ESP from its peers, VRRP and iBGP within the pair",
        tags=tags,
        opts=ctx.opts(),
    )
    # Within the pair: VRRP (keepalived's adverts, unicast to the other instance) and iBGP.
    _rule(ctx, ctx.name("appliance-vrrp"), group, protocol="vrrp", remote_group_id=group.id)
    _rule(ctx, ctx.name("appliance-ibgp"), group, protocol="tcp", port_range_min=179, port_range_max=179,
          remote_group_id=group.id)  # fmt: skip
    # The site's own instances send remote-bound traffic through the pair.
    for i, cidr in enumerate(c for c in network.cidrs if ":" not in c):
        _rule(ctx, ctx.name("appliance-site", str(i)), group, remote_ip_prefix=cidr)
    subnet = network.subnet_ids[_SUBNET]
    next_hop = openstack.networking.Port(
        ctx.name("appliance-vip"),
        network_id=network.network_id,
        fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=subnet)],
        admin_state_up=True,
        description="skyweave VPN appliance pair: the next hop the router sends remote ranges to "
        "(keepalived moves it between the instances)",
        tags=tags,
        opts=ctx.opts(depends_on=[network.resources[f"subnet:{_SUBNET}"]]),
    )
    # Port security stays on (the group above applies); forwarded traffic carries other sites'
    # source addresses, and the next hop is shared, so both are allowed address pairs.
    pairs = [openstack.networking.PortAllowedAddressPairArgs(ip_address=c) for c in transit_cidrs]
    pairs.append(openstack.networking.PortAllowedAddressPairArgs(ip_address=_first_ip(next_hop)))
    router_if = network.resources[f"router-if:{_SUBNET}"]
    ports, fips = [], []
    for i in range(APPLIANCE_INSTANCES):
        port = openstack.networking.Port(
            ctx.name("appliance-port", str(i)),
            network_id=network.network_id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=subnet)],
            security_group_ids=[group.id],
            port_security_enabled=True,
            allowed_address_pairs=pairs,
            admin_state_up=True,
            tags=tags,
            opts=ctx.opts(depends_on=[network.resources[f"subnet:{_SUBNET}"]]),
        )
        fip = openstack.networking.FloatingIp(
            ctx.name("appliance-fip", str(i)),
            pool=_external_network(site),
            port_id=port.id,
            description=f"skyweave VPN appliance {i}: its IKE identity",
            tags=tags,
            opts=ctx.opts(depends_on=[router_if, port]),
        )
        ports.append(port)
        fips.append(fip)
    router = network.resources["router"]
    # Before the instances, with the site's pieces: the edge only adds the instances.
    server_group = openstack.compute.ServerGroup(
        ctx.name("appliance-group"), policies="soft-anti-affinity", opts=ctx.opts()
    )
    return AppliancePair(site, group, tuple(ports), tuple(fips), next_hop, router, server_group)


#: What links (ports' addresses, openings, routes) and the instances read of the pair, per resource.
PARTS = {
    "group": ("id",),
    "ports.0": ("id", "all_fixed_ips"),
    "ports.1": ("id", "all_fixed_ips"),
    "floating_ips.0": ("address",),
    "floating_ips.1": ("address",),
    "next_hop_port": ("all_fixed_ips",),
    "router": ("id",),
    "server_group": ("id",),
}


def remote(site: SiteArgs, parts: Any) -> AppliancePair:
    """The pair from its :data:`PARTS` read from the site's unit."""
    ports, fips = tuple(parts.ports), tuple(parts.floating_ips)
    return AppliancePair(
        site, parts.group, ports, fips, parts.next_hop_port, parts.router, parts.server_group
    )


def _external_network(site: SiteArgs) -> str:
    name: str = getattr(site, "external_network", "public")
    return name


def allow_peers(
    ctx: SiteContext, pair: AppliancePair, key: str, addresses: Sequence[pulumi.Input[str]]
) -> None:
    """IKE (UDP 500 and 4500) and ESP from each of one link's peer addresses."""
    for i, address in enumerate(addresses):
        prefix = pulumi.Output.from_input(address).apply(lambda a: f"{a}/32")
        for role, extra in (
            ("appliance-ike", {"protocol": "udp", "port_range_min": 500, "port_range_max": 500}),
            ("appliance-natt", {"protocol": "udp", "port_range_min": 4500, "port_range_max": 4500}),
            ("appliance-esp", {"protocol": "esp"}),
        ):
            _rule(ctx, ctx.name(role, key, str(i)), pair.group, remote_ip_prefix=prefix, **extra)


def routes(
    ctx: SiteContext, pair: AppliancePair, network: SiteNetwork, key: str, cidrs: Sequence[str]
) -> None:
    """The site's router sends each of ``cidrs`` to the pair's next hop."""
    for i, cidr in enumerate(cidrs):
        openstack.networking.RouterRoute(
            ctx.name("appliance-route", key, str(i)),
            router_id=pair.router.id,
            destination_cidr=cidr,
            next_hop=pair.next_hop(),
            opts=ctx.opts(depends_on=depends(pair.next_hop_port)),
        )


def instances(
    ctx: SiteContext, pair: AppliancePair, user_data: Sequence[pulumi.Output[str]]
) -> list[openstack.compute.Instance]:
    """The two instances, spread by a soft-anti-affinity server group and over two zones when the
    site has them, each booted from its port (and after it) with its user data."""
    site = ctx.site
    settings = getattr(site, "vpn_appliance", None)
    assert settings is not None, "vpn: appliance sites carry vpn_appliance (validated)"
    zones = tuple(site.zones)
    made = []
    for i, (port, data) in enumerate(zip(pair.ports, user_data, strict=True)):
        made.append(
            openstack.compute.Instance(
                ctx.name("appliance", str(i)),
                name=ctx.name("appliance", str(i)),
                flavor_name=settings.flavor,
                image_name=settings.image,
                key_pair=settings.key_pair,
                availability_zone=zones[i % len(zones)] if len(zones) >= 2 else None,
                config_drive=True,
                networks=[openstack.compute.InstanceNetworkArgs(port=port.id)],
                scheduler_hints=[openstack.compute.InstanceSchedulerHintArgs(group=pair.server_group.id)],
                user_data=data,
                metadata={"skyweave-role": "vpn-appliance", "skyweave-appliance": str(i)},
                tags=[f"{k}={v}" for k, v in sorted(ctx.tags.items())],
                # The user data holds the PSKs: secret. A change of it (a link added, a new
                # skyweave's boot configuration) forces a new server (terraform-provider-openstack:
                # user_data is ForceNew) and would replace both instances at once; it is ignored
                # instead and applied by replacing them one at a time (docs/connectivity.md,
                # "Changing an appliance's user data"). Replacing deletes first: each instance boots
                # from its own fixed port, and Nova refuses a port another server holds
                # (PortInUse, nova/network/neutron.py), so Pulumi's default create-then-delete fails.
                opts=ctx.opts(
                    depends_on=depends(port, pair.floating_ips[i]),
                    additional_secret_outputs=["user_data"],
                    ignore_changes=["user_data"],
                    delete_before_replace=True,
                ),
            )
        )
    return made
