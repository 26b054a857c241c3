"""VMware vSphere: a vCenter's datacenter, its compute clusters as zones, distributed port groups.

A site's networks are distributed port groups (one VLAN each, on an existing distributed switch)
addressed from the estate's IPAM: each port group is one subnet at the slot the stack file gives
it. The routers on those VLANs are the operator's; skyweave plans their subnets and tells them
what to route. The site's VPN end is the route-based appliance pair (:mod:`.appliance`). The SDK
is an optional extra: this module imports without it, and validating a ``vsphere`` site without
it installed fails naming ``pip install 'skyweave[vsphere]'``.

What fails together (docs/vsphere.md): a host < a cluster (the site's zone: vSphere HA restarts
VMs within it) < the vCenter (control plane only: clones, DRS and rule changes stop, running VMs
keep running, so no capacity is lost) < the site (the datacenter). No SLA is published for a
private vSphere estate: the operator states the figure (apps' ``availability``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from ...core.errors import PlanningError
from ...core.sites import SiteArgs
from ...planning.ipam import SitePlan, SubnetSlot
from ...planning.vpn import VpnEndpoint
from ..base import Capability, CloudDriver, SiteContext, SiteNetwork
from ..sdk import lazy_sdk
from ..vpn import UserDataLimit
from ..workloads import AppEndpoint, AppSiteSpec, AppTerms, AppValue, EndpointKind
from . import app as vsphere_app
from . import appliance as vsphere_appliance
from . import preview
from .inventory import Inventory
from .site import EXTRA, MAIN, VsphereSiteArgs, sdk_installed

_GUESTINFO_LIMITS = (
    "https://techdocs.broadcom.com/us/en/vmware-cis/vsphere/vsphere-sdks-tools/8-0/"
    "guest-sdk-and-ha-programming-guide/datasets-for-guest-management/in-guest-communication-limits.html"
)

if TYPE_CHECKING:
    import pulumi_vsphere as vsphere
else:
    vsphere = lazy_sdk("pulumi_vsphere")

__all__ = ["EXTRA", "VsphereDriver", "VsphereSiteArgs", "sdk_installed"]


class VsphereDriver(CloudDriver):
    vendor = "vsphere"
    preview_answers = preview
    display_name = "VMware vSphere"
    site_model = VsphereSiteArgs
    example = {
        "name": "vs-dc1",
        "vendor": "vsphere",
        "region": "dc1",
        "vcenter": "vcenter.dc1.example.net",
        "datacenter": "DC1",
        "distributed_switch": "dvs-main",
        "datastore": "vsan-dc1",
        "zones": ["cluster-a", "cluster-b"],
        "port_groups": [{"name": "main", "vlan_id": 110, "slot": 0}],
        "ingress_ip": "203.0.113.42",
        "appliance_pair": {
            "template": "debian-12-cloud",
            "public_ips": ["203.0.113.40", "203.0.113.41"],
            "next_hop_host": 6,
        },
    }
    capabilities = frozenset({Capability.BGP_VPN})
    # No NSX: the site's end is skyweave's appliance pair (route-based, BGP), on VMs.
    vpn_endpoint = VpnEndpoint.APPLIANCE
    vpn_product = "a skyweave VPN appliance pair"
    # No SLA is published for a private vSphere estate: the operator states the figure (apps'
    # `availability`). No VPN limits either: the pair's one bound, the user data's size
    # (appliance_user_data_limit), is checked where it is rendered (network/appliance.py).

    # --- the site's VPN end: the appliance pair, when declared ---------------------------------

    def failure_hosts(self, site: SiteArgs) -> tuple[str, ...]:
        """A hosted site (``hosted_on``) fails with its host's vendor and region."""
        assert isinstance(site, VsphereSiteArgs)
        return site.host()

    def site_vpn_endpoint(self, site: SiteArgs) -> VpnEndpoint | None:
        return VpnEndpoint.APPLIANCE if _appliance(site) else None

    def site_capabilities(self, site: SiteArgs) -> frozenset[Capability]:
        return self.capabilities if _appliance(site) else self.capabilities - {Capability.BGP_VPN}

    def vpn_appliances(
        self, ctx: SiteContext, network: SiteNetwork, transit_cidrs: Sequence[str]
    ) -> vsphere_appliance.AppliancePair:
        return vsphere_appliance.vpn_appliances(ctx, network, transit_cidrs)

    @staticmethod
    def appliance_parts() -> Mapping[str, Sequence[str]]:
        return vsphere_appliance.PARTS

    @staticmethod
    def appliance_remote(site: SiteArgs, network: SiteNetwork, parts: Any) -> vsphere_appliance.AppliancePair:
        return vsphere_appliance.remote(site, network, parts)

    @staticmethod
    def appliance_records_links() -> bool:
        return True  # the edge's NAT, firewall and router are the operator's: written onto the VMs

    @staticmethod
    def appliance_user_data_limit() -> UserDataLimit:
        # The user data travels as the VM's guestinfo.userdata (base64), which cloud-init reads
        # through VMware Tools: "The VMX sends back at most about 1MB" (vSphere Guest SDK,
        # In-Guest Communication Limits). "About": skyweave takes 1,000,000 bytes, below 1 MiB.
        return UserDataLimit(1_000_000, "the VMX's guestinfo reply to the guest", _GUESTINFO_LIMITS)

    @staticmethod
    def appliance_public_ip(pair: vsphere_appliance.AppliancePair, index: int) -> pulumi.Output[str]:
        return pair.public_ip(index)

    @staticmethod
    def appliance_private_ip(pair: vsphere_appliance.AppliancePair, index: int) -> pulumi.Output[str]:
        return pair.private_ip(index)

    @staticmethod
    def appliance_next_hop(pair: vsphere_appliance.AppliancePair) -> pulumi.Output[str]:
        return pair.next_hop()

    def allow_appliance_peers(
        self,
        ctx: SiteContext,
        pair: vsphere_appliance.AppliancePair,
        key: str,
        addresses: Sequence[pulumi.Input[str]],
    ) -> None:
        vsphere_appliance.allow_peers(ctx, pair, key, addresses)

    def appliance_routes(
        self,
        ctx: SiteContext,
        pair: vsphere_appliance.AppliancePair,
        network: SiteNetwork,
        key: str,
        cidrs: Sequence[str],
    ) -> None:
        vsphere_appliance.routes(ctx, pair, network, key, cidrs)

    def appliance_instances(
        self,
        ctx: SiteContext,
        pair: vsphere_appliance.AppliancePair,
        user_data: Sequence[pulumi.Output[str]],
    ) -> list[vsphere.VirtualMachine]:
        return vsphere_appliance.instances(ctx, pair, user_data)

    # --- MultiCloudApp: VMs per cluster, a DRS anti-affinity rule per cluster (see .app) ------

    def app_terms(self) -> AppTerms:
        return vsphere_app.APP_TERMS

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.IP  # the operator's load balancer (`ingress_ip`)

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        assert isinstance(site, VsphereSiteArgs)
        return vsphere_app.app_site_problems(site)

    def app_value_problems(self, value: AppValue) -> list[str]:
        return vsphere_app.app_value_problems(value)

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return vsphere_app.create_app_site(ctx, network, spec)

    # --- the network: one port group per declared VLAN, one IPAM subnet each -------------------

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        """One subnet per port group at its declared slot, ``main`` first (the appliance's)."""
        assert isinstance(site, VsphereSiteArgs)
        settings = site.appliance_pair
        hosts = 2 ** (32 - subnet_prefixlen) - 2
        if settings is not None:
            for key, host in (
                ("hosts[0]", settings.hosts[0]),
                ("hosts[1]", settings.hosts[1]),
                ("next_hop_host", settings.next_hop_host),
            ):
                if host > hosts:
                    raise PlanningError(
                        f"site {site.name!r}: host {host} does not fit a /{subnet_prefixlen} subnet "
                        f"(hosts 1-{hosts}; ipam.subnet_prefix sets the size)",
                        path=f"appliance_pair.{key}",
                        value=host,
                    )
        groups = sorted(site.port_groups, key=lambda g: (g.name != MAIN, g.name))
        return tuple(
            SubnetSlot(key=g.name, slot=g.slot, prefixlen=subnet_prefixlen, tier=g.name) for g in groups
        )

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        return None

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource:
        """The site's vCenter; the user and password come from ``VSPHERE_USER`` and
        ``VSPHERE_PASSWORD`` (or ``vsphere:user`` / ``vsphere:password`` config), never the stack file."""
        assert isinstance(site, VsphereSiteArgs)
        provider: pulumi.ProviderResource = vsphere.Provider(
            name,
            vsphere_server=site.vcenter,
            allow_unverified_ssl=site.allow_unverified_ssl,
            opts=opts,
        )
        return provider

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        """A distributed port group per declared VLAN on the site's switch, named by its key."""
        site = ctx.site
        assert isinstance(site, VsphereSiteArgs)
        switch = Inventory(ctx).switch_id()
        vlans = {g.name: g.vlan_id for g in site.port_groups}
        ids: dict[str, pulumi.Output[str]] = {}
        resources: dict[str, pulumi.Resource] = {}
        for key, cidr in plan.subnets.items():
            name = ctx.name("port-group", key)
            group = vsphere.DistributedPortGroup(
                name,
                name=name,
                distributed_virtual_switch_uuid=switch,
                vlan_id=vlans[key],
                description=f"skyweave {ctx.component}: {cidr} (VLAN {vlans[key]})",
                # The switch's defaults, stated: no VM may sniff the VLAN or send as another MAC.
                allow_promiscuous=False,
                allow_mac_changes=False,
                allow_forged_transmits=False,
                opts=ctx.opts(),
            )
            ids[key] = group.id
            resources[f"port-group:{key}"] = group
        return SiteNetwork.from_plan(self.vendor, plan, ids[MAIN], ids, resources)


def _appliance(site: SiteArgs) -> bool:
    return isinstance(site, VsphereSiteArgs) and site.appliance_pair is not None
