"""HybridVpc: one logical network over AWS, GCP, OpenStack and on-prem sites.

Order of work, so a mistake never leaves half an estate: validate the args (pydantic) → plan
every address (pure, :func:`plan_hybrid_vpc`) → register the component → let each site's driver
turn its slice of the plan into resources → ``register_outputs``. Anything the plan cannot
satisfy raises :class:`~skyweave.core.errors.InvalidArgsError` before the first registration.

Connectivity between sites (VPN, peering) is planned in the same pass
(:mod:`skyweave.network.connectivity`), and built over the
:class:`~skyweave.drivers.base.SiteNetwork` records each driver returns: ``site_networks``.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pydantic import ConfigDict, Field, field_validator

from ..core.errors import ConfigIssue, InvalidArgsError, PlanningError
from ..core.naming import HYBRID_VPC, child_name
from ..core.sites import AnyNetwork, CloudSiteArgs, IPv4Block, IPv6Block, Tags, resource_tags
from ..core.validation import ArgsModel
from ..drivers.base import Capability, SiteNetwork
from ..drivers.component import Component
from ..drivers.providers import SiteProviders, require_providers
from ..drivers.registry import get_driver
from ..drivers.scope import UNIT_RESOURCES, current_scope
from ..drivers.site_models import Sites
from ..planning.ipam import PRIVATE_V4, AddressPlan, Reservation, SiteSpec, plan_addresses
from .connectivity import ConnectivityArgs, ConnectivityPlan, LinkBuilder, plan_connectivity

__all__ = [
    "NAME_LIMIT",
    "HybridVpc",
    "HybridVpcArgs",
    "HybridVpcPlan",
    "IpamArgs",
    "Sites",
    "plan_hybrid_vpc",
]

_PRIVATE_V4 = PRIVATE_V4


class IpamArgs(ArgsModel):
    """How the estate's addresses are planned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    supernet: IPv4Block = Field(
        default=ipaddress.IPv4Network("10.0.0.0/8"),
        description="The private IPv4 range every cloud site's block comes from. Default 10.0.0.0/8.",
    )
    site_prefix: int = Field(
        default=16,
        ge=8,
        le=28,
        description="Prefix length of an unpinned site's block. Default 16 (65,536 addresses).",
    )
    subnet_prefix: int = Field(
        default=20,
        ge=9,
        le=29,
        description="Prefix length of each subnet. Default 20: in a /16 that leaves a slot for "
        "2 tiers × 8 zones on AWS.",
    )
    reserved: tuple[AnyNetwork, ...] = Field(
        default=(),
        description="Ranges never to allocate (e.g. a partner's network, a future site). Default none.",
    )
    ipv6_supernet: IPv6Block | None = Field(
        default=None,
        description="IPv6 range (e.g. a ULA /48) for sites whose vendor does not assign IPv6 "
        "(OpenStack). Required only when such a site sets ipv6: true.",
    )
    require_pins: bool = Field(
        default=False,
        description="Refuse any cloud site without a pinned `cidr`. Recommended for production: "
        "an unpinned block can move when an earlier unpinned site changes.",
    )

    @field_validator("supernet")
    @classmethod
    def _private(cls, net: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not any(net.subnet_of(p) for p in _PRIVATE_V4):
            raise ValueError(
                "the supernet must be a private range inside 10.0.0.0/8, 172.16.0.0/12, "
                "192.168.0.0/16 or 100.64.0.0/10"
            )
        return net

    @field_validator("ipv6_supernet")
    @classmethod
    def _v6_size(cls, net: ipaddress.IPv6Network | None) -> ipaddress.IPv6Network | None:
        if net is not None and net.prefixlen > 52:
            raise ValueError(
                "the IPv6 supernet must be /52 or larger to hold /56 site blocks, e.g. a ULA /48"
            )
        return net


class HybridVpcArgs(ArgsModel):
    """Arguments of :class:`HybridVpc`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sites: Sites = Field(description="The sites the network spans (at least one, unique names).")
    ipam: IpamArgs = Field(default_factory=IpamArgs, description="Address planning. Default: IpamArgs().")
    tags: Tags = Field(
        default_factory=dict,
        description="Tags/labels on every resource, before each site's own tags. Default none.",
    )
    connectivity: ConnectivityArgs = Field(
        default_factory=ConnectivityArgs,
        description="How sites are joined (VPN, peering). Default: full mesh.",
    )


@dataclass(frozen=True)
class HybridVpcPlan:
    """Everything :class:`HybridVpc` will build, decided before it registers anything."""

    args: HybridVpcArgs
    addresses: AddressPlan
    connectivity: ConnectivityPlan

    def as_dict(self, sites: Collection[str] | None = None) -> dict[str, Any]:
        """The plan as plain data (a stack output, and what ``skyweave ipam`` prints); with
        ``sites``, theirs only (a unit's part: the union of every unit's is the whole)."""
        chosen = self.args.sites if sites is None else [s for s in self.args.sites if s.name in sites]
        out: dict[str, Any] = {}
        for site in chosen:
            plan = self.addresses.sites[site.name]
            out[site.name] = {
                "vendor": site.vendor,
                "region": site.region,
                "zones": list(site.zones),
                "cidrs": [str(c) for c in plan.cidrs],
                "pinned": plan.pinned and plan.ipv6_pinned,
                "subnets": {
                    key: {
                        "cidr": str(net),
                        "zone": plan.slots[key].zone,
                        "tier": plan.slots[key].tier,
                        **({"ipv6_cidr": str(plan.ipv6_subnets[key])} if key in plan.ipv6_subnets else {}),
                    }
                    for key, net in plan.subnets.items()
                },
                **({"ipv6_cidr": str(plan.ipv6_cidr)} if plan.ipv6_cidr else {}),
            }
        return {"supernet": str(self.addresses.supernet), "sites": out}

    def estate_ranges(self, *, ipv6: bool = True) -> tuple[str, ...]:
        """The estate's address space: the IPAM supernets plus every site range outside them.

        What admin ports open to and what a forwarding end (an appliance's ports) accepts, rather
        than each site's block, so adding a cloud site (whose block comes from the supernet)
        changes no existing rule; an on-prem range outside the supernet is listed itself.
        Vendor-assigned IPv6 (AWS, GCP) is not known before deployment and is not included;
        ``ipv6=False``: the IPv4 ranges only. Worked out once per plan (every unit of an estate
        asks, from a plan made once: ``estate.stack.plan_once``).
        """
        return self._estate_ranges[ipv6]

    @functools.cached_property
    def _estate_ranges(self) -> dict[bool, tuple[str, ...]]:
        return {ipv6: self._ranges(ipv6) for ipv6 in (True, False)}

    def _ranges(self, ipv6: bool) -> tuple[str, ...]:
        ipam = self.args.ipam
        supernets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = [ipam.supernet]
        if ipv6 and ipam.ipv6_supernet is not None:
            supernets.append(ipam.ipv6_supernet)
        ranges = [str(n) for n in supernets]
        for plan in self.addresses.sites.values():
            for cidr in plan.cidrs:
                if not ipv6 and cidr.version != 4:
                    continue
                if not any(cidr.version == n.version and cidr.subnet_of(n) for n in supernets):  # type: ignore[arg-type]
                    ranges.append(str(cidr))
        return tuple(dict.fromkeys(ranges))


def plan_hybrid_vpc(
    args: HybridVpcArgs, *, connectivity_path: str = "connectivity", stack: str | None = None
) -> HybridVpcPlan:
    """Plan the network without Pulumi; raise :class:`InvalidArgsError` listing every problem.

    ``connectivity_path`` is where the connectivity arguments live in the caller's input (the
    stack file calls them ``network``), so errors name the key the user wrote. ``stack``: the
    stack being planned, so the ``require_pins`` hint is a command the user can paste.
    """
    issues: list[ConfigIssue] = []
    specs: list[SiteSpec] = []
    ipam = args.ipam
    for i, site in enumerate(args.sites):
        path = f"sites[{i}]"
        driver = get_driver(site.vendor)
        limits = driver.limits
        if isinstance(site, CloudSiteArgs):
            if site.ipv6 and not driver.supports(Capability.IPV6):
                issues.append(
                    ConfigIssue(f"{path}.ipv6", f"{driver.display_name} sites cannot be dual-stack", True)
                )
            prefixlen = site.cidr.prefixlen if site.cidr is not None else ipam.site_prefix
            if not limits.network_min <= prefixlen <= limits.network_max:
                where = f"{path}.cidr" if site.cidr is not None else "ipam.site_prefix"
                issues.append(
                    ConfigIssue(
                        where,
                        f"{driver.display_name} networks must be /{limits.network_min} to "
                        f"/{limits.network_max} (site {site.name!r})",
                        str(site.cidr) if site.cidr is not None else prefixlen,
                    )
                )
            if not limits.subnet_min <= ipam.subnet_prefix <= limits.subnet_max:
                issues.append(
                    ConfigIssue(
                        "ipam.subnet_prefix",
                        f"{driver.display_name} subnets must be /{limits.subnet_min} to "
                        f"/{limits.subnet_max} (site {site.name!r})",
                        ipam.subnet_prefix,
                    )
                )
            if ipam.subnet_prefix < prefixlen:
                # Blame what the user wrote: a pinned block that is too small, or the two sizes.
                if site.cidr is not None:
                    issue = ConfigIssue(
                        f"{path}.cidr",
                        f"site {site.name!r}'s block (/{prefixlen}) is smaller than one subnet "
                        f"(ipam.subnet_prefix /{ipam.subnet_prefix}); give the site a larger block",
                        str(site.cidr),
                    )
                else:
                    issue = ConfigIssue(
                        "ipam.subnet_prefix",
                        f"subnets (/{ipam.subnet_prefix}) cannot be larger than a site block "
                        f"(ipam.site_prefix /{prefixlen})",
                        ipam.subnet_prefix,
                    )
                issues.append(issue)
                continue
            ipv6_prefixlen = driver.ipv6_prefixlen(site)
            if site.ipv6_cidr is not None and ipv6_prefixlen is None:
                issues.append(
                    ConfigIssue(
                        f"{path}.ipv6_cidr",
                        f"{driver.display_name} assigns IPv6 itself"
                        + ("" if site.ipv6 else " and the site is not dual-stack (ipv6: false)")
                        + "; remove ipv6_cidr",
                        str(site.ipv6_cidr),
                    )
                )
            for key, pinned, planned in (
                ("cidr", site.cidr, True),
                ("ipv6_cidr", site.ipv6_cidr, ipv6_prefixlen),
            ):
                if ipam.require_pins and planned and pinned is None:
                    issues.append(
                        ConfigIssue(
                            f"{path}.{key}",
                            f"site {site.name!r} has no pinned block and ipam.require_pins is true; "
                            f"run `skyweave ipam lock --stack {stack or '<stack>'}` to record it",
                            has_value=False,
                        )
                    )
            specs.append(
                SiteSpec(
                    name=site.name,
                    path=path,
                    prefixlen=prefixlen,
                    pin=site.cidr,
                    subnets=driver.subnet_slots(site, ipam.subnet_prefix),
                    ipv6_prefixlen=ipv6_prefixlen,
                    ipv6_pin=site.ipv6_cidr,
                )
            )
        else:
            specs.append(SiteSpec(name=site.name, path=path, prefixlen=None, existing=site.existing_cidrs()))
    if issues:
        raise InvalidArgsError(issues)
    try:
        addresses = plan_addresses(
            ipam.supernet,
            specs,
            reserved=[Reservation(net, f"ipam.reserved[{i}]") for i, net in enumerate(ipam.reserved)],
            ipv6_supernet=ipam.ipv6_supernet,
        )
        cidrs = {name: [str(c) for c in plan.cidrs] for name, plan in addresses.sites.items()}
        connectivity = plan_connectivity(args.sites, cidrs, args.connectivity, path=connectivity_path)
    except PlanningError as exc:
        raise InvalidArgsError(exc.as_issues()) from exc
    return HybridVpcPlan(args=args, addresses=addresses, connectivity=connectivity)


#: The network's name prefixes every network resource's name.
NAME_LIMIT = 24


class HybridVpc(Component[HybridVpcArgs, HybridVpcPlan], token=HYBRID_VPC, name_limit=NAME_LIMIT):
    """One logical network over every site, addressed from one plan.

    Args:
        name: the component's name; every child's name starts with it.
        args: a :class:`HybridVpcArgs` (or a mapping validated into one).
        opts: resource options for the component.
        providers: the sites' providers (see :class:`~skyweave.drivers.providers.SiteProviders`). Omitted:
            the component creates one per site as its own child.

    Attributes:
        plan: the plan the network was built from (pure data).
        providers: site name → the provider every resource of that site uses: the ``providers``
            given, or the ones the component created. MultiCloudApp and BareMetalPool built on this
            network use them too unless given others, so one site has one provider.
        site_networks: per site, what the driver built (for connectivity and apps).
        networks: output, per site: vendor, region, network id, CIDRs, subnets (id, cidr, zone).
        cidrs: output, per site: the ranges it routes.
        layout: output, the address plan as plain data.
        links: output, every link (sites, shape, routing, tunnels, inside CIDRs) and each site's ASN.
        onprem_devices: output, per on-prem site, what its VPN device must be configured with.
        onprem_peer_ips: output, the cloud ends' public addresses the device entries refer to.
        vpn_psks: secret output, the pre-shared keys by link id (the devices' ``psk`` references).
    """

    networks: pulumi.Output[dict[str, Any]]
    cidrs: pulumi.Output[dict[str, list[str]]]
    layout: pulumi.Output[dict[str, Any]]
    links: pulumi.Output[dict[str, Any]]
    onprem_devices: pulumi.Output[dict[str, Any]]
    onprem_peer_ips: pulumi.Output[dict[str, Any]]
    vpn_psks: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        args: HybridVpcArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        providers: Mapping[str, pulumi.ProviderResource | None] | None = None,
        plan: HybridVpcPlan | None = None,
    ) -> None:
        args = self.prepare(
            name, HybridVpcArgs, args, plan, lambda a: plan_hybrid_vpc(a, stack=pulumi.get_stack())
        )
        if providers is not None:
            require_providers(providers, (s.name for s in args.sites))
        self.register(name, None, opts)
        for site_name in self.plan.addresses.unpinned:
            site_plan = self.plan.addresses.sites[site_name]
            blocks = ", ".join(str(b) for b in (site_plan.cidr, site_plan.ipv6_cidr) if b is not None)
            pulumi.log.warn(
                f"site {site_name!r} uses {blocks} but its block is not pinned: an edit to an earlier "
                "unpinned site could renumber it. Run `skyweave ipam lock --stack <stack>` to record it.",
                resource=self,
            )
        if providers is None:
            providers = SiteProviders(
                args.sites,
                name=lambda site: child_name(name, "provider", site.name),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.providers = providers
        scope = current_scope()
        # A unit tags what it builds: its own sites' and its links' ends (not the estate's).
        touched = args.sites if scope is None else [s for s in args.sites if scope.touches(s.name)]
        tags = {site.name: resource_tags(site, args.tags, site.tags) for site in touched}
        self.site_networks: dict[str, SiteNetwork] = {}
        for site in args.sites:
            if scope is not None and not scope.builds_site(site.name):
                continue  # another unit's site (drivers/scope.py)
            self.site_networks[site.name] = get_driver(site.vendor).create_network(
                self.site_context(site, tags[site.name]), self.plan.addresses.sites[site.name]
            )
        links = LinkBuilder(
            component=name,
            parent=self,
            sites={site.name: site for site in args.sites},
            networks=self.site_networks,
            providers={site: providers[site] for site in tags},
            tags=tags,
            plans=self.plan.addresses.sites,
            estate_cidrs=self.plan.estate_ranges(ipv6=False),
        )
        connectivity = self.plan.connectivity
        links.build(
            connectivity.links,
            only=None if scope is None else connectivity.links_of(scope.sites, scope.links),
        )
        # In a unit, the plan's part of its own sites and links (the estate's whole plan in every
        # unit would cost each unit the estate: 5 s a link unit at 100 sites, docs/units.md).
        self.links = pulumi.Output.from_input(
            self.plan.connectivity.as_dict()
            if scope is None
            else self.plan.connectivity.as_dict(scope.sites, scope.links)
        )
        self.onprem_devices = pulumi.Output.from_input(links.devices)
        self.onprem_peer_ips = pulumi.Output.from_input(links.peer_ips)
        self.vpn_psks = pulumi.Output.secret(links.psks)
        layout = self.plan.as_dict(None if scope is None else scope.sites)
        self.layout = pulumi.Output.from_input(layout)
        self.cidrs = pulumi.Output.from_input({s: list(n.cidrs) for s, n in self.site_networks.items()})
        self.networks = pulumi.Output.from_input(
            {
                s: {
                    "vendor": n.vendor,
                    "region": layout["sites"][s]["region"],
                    "network_id": n.network_id,
                    "cidrs": list(n.cidrs),
                    "subnets": {
                        key: {
                            "id": n.subnet_ids[key],
                            "cidr": n.subnet_cidrs[key],
                            "zone": n.subnet_zones.get(key),
                        }
                        for key in n.subnet_ids
                    },
                }
                for s, n in self.site_networks.items()
            }
        )
        self.register_outputs(
            {
                "networks": self.networks,
                "cidrs": self.cidrs,
                "layout": self.layout,
                "links": self.links,
                "onpremDevices": self.onprem_devices,
                "onpremPeerIps": self.onprem_peer_ips,
                "vpnPsks": self.vpn_psks,
                # In a unit: what it exports of this network's resources (drivers/scope.py).
                **({UNIT_RESOURCES: scope.owned_by(name)} if scope is not None else {}),
            }
        )
