"""Microsoft Azure: a resource group and a VNet per site, a regional subnet and a GatewaySubnet.

Azure subnets are regional (they span the region's availability zones), so a site has one
``main`` subnet, like GCP; zones matter for the VPN gateway (a zone-redundant AZ SKU), the scale
sets and the load balancers' zone-redundant addresses. A second slot is the ``GatewaySubnet`` a
VPN gateway must live in (that exact name; /27 or larger recommended for active-active with BGP).
Dual-stack uses an IPv6 block skyweave plans from ``ipam.ipv6_supernet`` (Azure does not assign
one). ``nat_gateway: true`` puts a NAT gateway on the main subnet: Azure's Standard NAT gateway is zonal,
so losing that zone takes the site's egress (not its inbound traffic) with it.

Connectivity (docs/connectivity.md): the site's end of a VPN is an active-active, BGP-enabled
VPN gateway (``VpnEndpoint.ACTIVE_ACTIVE``) whose two instances speak BGP from custom APIPA
addresses in 169.254.21.0-169.254.22.255, per Microsoft's "How to connect AWS and Azure using a
BGP-enabled VPN gateway" (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-aws-bgp).
Two Azure sites peer their VNets (global VNet peering, both directions).

The SDK is an optional extra: this module imports without it, and validating an ``azure`` site
without it installed fails naming ``pip install 'skyweave[azure]'``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from ...core.sites import SiteArgs
from ...planning.ipam import SitePlan, SubnetSlot
from ...planning.limits import Counted, VpnLimit
from ...planning.vpn import CipherSet, VpnEndpoint
from ..base import BgpTimers, Capability, CloudDriver, ComputeSla, NetworkLimits, SiteContext, SiteNetwork
from ..clusters import ModuleClusters
from ..hosts import HostHandle, HostSpec, HostTerms
from ..sdk import lazy_sdk
from ..workloads import (
    AppEndpoint,
    AppSiteSpec,
    AppTerms,
    AppValue,
    BucketHandle,
    BucketSpec,
    BucketTerms,
    DnsSpec,
    DnsTerms,
    EndpointKind,
)
from . import app as azure_app
from . import cluster as azure_cluster
from . import host as azure_host
from . import preview
from . import storage as azure_storage
from .site import AZURE_ZONES, EXTRA, AzureSiteArgs, sdk_installed

if TYPE_CHECKING:
    import pulumi_azure_native as azure
else:
    azure = lazy_sdk("pulumi_azure_native")

__all__ = [
    "AZURE_ZONES",
    "EXTRA",
    "AzureDriver",
    "AzureSiteArgs",
    "sdk_installed",
]

_ZONE_REDUNDANT = ["1", "2", "3"]


@dataclass(frozen=True)
class ActiveActiveGateway:
    """An active-active VPN gateway as the link builders hand it back: opaque to them.

    Only resources (what a site's unit exports and a link's unit reads back through a stack
    reference, each attribute a driver reads of it: drivers/scope.py); the rest is derived from
    them and the site (:func:`_ip_configuration_ids`, the site's region)."""

    gateway: Any
    public_ips: tuple[Any, Any]
    resource_group: Any


#: The gateway's two IP configurations, one per instance.
_IP_CONFIGURATIONS = ("instance0", "instance1")


def _ip_configuration_ids(
    site: AzureSiteArgs, resource_group_name: pulumi.Input[str], gateway_name: str
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """The ids of the gateway's IP configurations (its custom BGP addresses name them)."""
    ids = tuple(
        pulumi.Output.concat(
            "/subscriptions/",
            site.subscription_id,
            "/resourceGroups/",
            resource_group_name,
            "/providers/Microsoft.Network/virtualNetworkGateways/",
            gateway_name,
            "/ipConfigurations/",
            config,
        )
        for config in _IP_CONFIGURATIONS
    )
    return ids[0], ids[1]


#: S2S tunnels per VPN gateway by SKU ("About gateway SKUs": VpnGw1AZ-VpnGw3AZ "Max. 30",
#: VpnGw4AZ and VpnGw5AZ 100 since 2021). Microsoft counts them per *connection*: the VPN Gateway
#: limits table lists the same figure as "S2S connections — limit depends on the gateway SKU"
#: (azure-subscription-service-limits#vpn-gateway-limits), and an active-active gateway's two
#: tunnels "are actually part of the same connection" ("About active-active mode VPN gateways").
#: So a connection is one, not one per instance; a SKU change, not a quota, raises it.
S2S_TUNNELS_BY_SKU: dict[str, int] = {
    "VpnGw1AZ": 30,
    "VpnGw2AZ": 30,
    "VpnGw3AZ": 30,
    "VpnGw4AZ": 100,
    "VpnGw5AZ": 100,
}
_SKUS = "https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus"
_GATEWAY_LIMITS = (
    "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits"
    "#vpn-gateway-limits"
)


def _sku_limit(sku: str) -> VpnLimit:
    figure = S2S_TUNNELS_BY_SKU.get(sku, min(S2S_TUNNELS_BY_SKU.values()))
    larger = sorted(k for k, v in S2S_TUNNELS_BY_SKU.items() if v > figure)
    remedy = (
        f"choose a SKU with more (sites[…].vpn_gateway_sku: {' or '.join(larger)} carry "
        f"{max(S2S_TUNNELS_BY_SKU.values())}), or join fewer sites to it (network.exclude)"
        if larger
        else "no VPN gateway SKU carries more (Azure Virtual WAN does, not built by skyweave); join "
        "fewer sites to it (network.exclude)"
    )
    return VpnLimit(
        "s2s_tunnels_per_gateway",
        f"S2S tunnels on a {sku} VPN gateway, which Microsoft counts once per connection",
        figure,
        Counted.PEER_ADDRESSES,
        _SKUS,
        remedy=remedy,
    )


#: "Custom APIPA BGP addresses: 32" (VPN Gateway limits): every tunnel's Azure end takes one.
CUSTOM_BGP_ADDRESSES = VpnLimit(
    "custom_bgp_addresses_per_gateway",
    "custom APIPA BGP addresses per VPN gateway",
    32,
    Counted.BGP_SESSIONS,
    _GATEWAY_LIMITS,
    remedy="join fewer sites to it (network.exclude): each tunnel's Azure end speaks BGP from one",
)


class AzureDriver(ModuleClusters, CloudDriver):
    vendor = "azure"
    cluster_module = azure_cluster
    preview_answers = preview
    display_name = "Microsoft Azure"
    site_model = AzureSiteArgs
    packages = ("azure-native",)  # pulumi-azure-native's type tokens: azure-native:<module>:<Type>
    example = {
        "name": "azure-weu1",
        "vendor": "azure",
        "region": "westeurope",
        "subscription_id": "00000000-0000-0000-0000-000000000000",
        "admin_ssh_public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOfAnAzureSite00000000 ops@x",
    }
    capabilities = frozenset({Capability.IPV6, Capability.PEERING, Capability.BGP_VPN})
    # An active-active VPN gateway: two instances, each with its own address, "two IPsec tunnels, one
    # from each instance per connection" (PSRule for Azure, Azure.VNG.VPNActiveActive,
    # https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.VNG.VPNActiveActive/), BGP from
    # custom APIPA addresses, on a zone-redundant AZ SKU
    # (https://learn.microsoft.com/azure/vpn-gateway/about-zone-redundant-vnet-gateways).
    # SLA for VPN Gateway: 99.95% for every VpnGw SKU, 99.9% for Basic
    # (https://azure.microsoft.com/support/legal/sla/vpn-gateway/, the page "About gateway SKUs"
    # links; the current terms are in Microsoft's SLA for Online Services).
    vpn_endpoint = VpnEndpoint.ACTIVE_ACTIVE
    vpn_product = "Azure VPN Gateway (active-active)"
    # SLA for Virtual Machines: 99.99% for two or more instances across two or more availability
    # zones; 99.9% for a single instance on premium SSD (skyweave's scale sets use Premium_LRS).
    compute_sla = ComputeSla(
        0.9999,
        0.999,
        "https://www.microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services",
    )
    # Azure VPN Gateway's BGP timers are fixed — keepalive 60 s, hold 180 s — and Microsoft asks
    # peers to match them (VPN Gateway FAQ, BGP section; Microsoft Tech Community, "Azure VPN
    # Gateway BGP Timer Mismatches").
    bgp_timers = BgpTimers(60, 180, "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq")

    def site_vpn_limits(self, site: SiteArgs) -> tuple[VpnLimit, ...]:
        assert isinstance(site, AzureSiteArgs)
        return (_sku_limit(site.vpn_gateway_sku), CUSTOM_BGP_ADDRESSES)

    # VNet and subnet IPv4 blocks: the smallest supported subnet is /29.
    # https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq
    limits = NetworkLimits(network_min=8, network_max=29, subnet_min=8, subnet_max=29)

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        # The gateway's subnet: /27 recommended for active-active with BGP, never smaller.
        return (
            SubnetSlot(key="main", slot=0, prefixlen=subnet_prefixlen, tier="main"),
            SubnetSlot(key="gateway", slot=1, prefixlen=min(subnet_prefixlen, 27), tier="gateway"),
        )

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        assert isinstance(site, AzureSiteArgs)
        return 56 if site.ipv6 else None  # planned from ipam.ipv6_supernet; subnets are /64s

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource:
        assert isinstance(site, AzureSiteArgs)
        provider: pulumi.ProviderResource = azure.Provider(
            name,
            subscription_id=site.subscription_id,
            tenant_id=site.tenant_id,
            location=site.region,
            opts=opts,
        )
        return provider

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        site = ctx.site
        assert isinstance(site, AzureSiteArgs)
        tags = dict(ctx.tags)
        rg = azure.resources.ResourceGroup(ctx.name("rg"), location=site.region, tags=tags, opts=ctx.opts())
        vnet = azure.network.VirtualNetwork(
            ctx.name("vnet"),
            resource_group_name=rg.name,
            location=site.region,
            address_space=azure.network.AddressSpaceArgs(
                address_prefixes=[str(c) for c in (*plan.cidrs, plan.ipv6_cidr) if c is not None]
            ),
            tags=tags,
            opts=ctx.opts(),
        )
        resources: dict[str, pulumi.Resource] = {"resource_group": rg, "vnet": vnet}
        nat_ref = None
        if site.nat_gateway:
            nat_ip = azure.network.PublicIPAddress(
                ctx.name("nat-ip"),
                resource_group_name=rg.name,
                location=site.region,
                sku=azure.network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                zones=[site.zones[0]],
                tags=tags,
                opts=ctx.opts(),
            )
            nat = azure.network.NatGateway(
                ctx.name("nat"),
                resource_group_name=rg.name,
                location=site.region,
                sku=azure.network.NatGatewaySkuArgs(name="Standard"),
                zones=[site.zones[0]],
                public_ip_addresses=[azure.network.SubResourceArgs(id=nat_ip.id)],
                idle_timeout_in_minutes=4,
                tags=tags,
                opts=ctx.opts(),
            )
            resources["nat"] = nat
            nat_ref = azure.network.SubResourceArgs(id=nat.id)
        subnet_ids: dict[str, pulumi.Output[str]] = {}
        previous: list[pulumi.Resource] = []
        for key, cidr in plan.subnets.items():
            gateway = plan.slots[key].tier == "gateway"
            v6 = plan.ipv6_subnets.get(key) if not gateway else None
            prefixes = [str(cidr), *([str(v6)] if v6 is not None else [])]
            subnet = azure.network.Subnet(
                ctx.name("subnet", key),
                resource_group_name=rg.name,
                virtual_network_name=vnet.name,
                # A VPN gateway must live in a subnet named exactly this.
                subnet_name="GatewaySubnet" if gateway else None,
                address_prefix=prefixes[0] if len(prefixes) == 1 else None,
                address_prefixes=prefixes if len(prefixes) > 1 else None,
                nat_gateway=None if gateway else nat_ref,
                default_outbound_access=None if gateway else False,
                # Azure changes one subnet of a VNet at a time: create them in turn.
                opts=ctx.opts(depends_on=previous),
            )
            previous = [subnet]
            subnet_ids[key] = subnet.id
            resources[f"subnet:{key}"] = subnet
        return SiteNetwork.from_plan(self.vendor, plan, vnet.id, subnet_ids, resources)

    # --- connectivity (docs/connectivity.md) -------------------------------------------------

    def active_active_gateway(
        self, ctx: SiteContext, network: SiteNetwork, asn: int, bgp_addresses: Sequence[Sequence[str]]
    ) -> ActiveActiveGateway:
        """The site's zone-redundant, active-active, BGP-enabled VPN gateway, shared by its links.

        Two Standard zone-redundant public addresses (one per instance); each instance lists
        every custom APIPA address it speaks BGP from, over all the site's links, because a
        connection may only pick addresses the gateway lists.
        """
        site = ctx.site
        assert isinstance(site, AzureSiteArgs)
        rg = network.resources["resource_group"]
        rg_name: pulumi.Output[str] = rg.name  # type: ignore[attr-defined]
        tags = dict(ctx.tags)
        ips = tuple(
            azure.network.PublicIPAddress(
                ctx.name("vpn-ip", str(i)),
                resource_group_name=rg_name,
                location=site.region,
                sku=azure.network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                zones=_ZONE_REDUNDANT,
                tags=tags,
                opts=ctx.opts(),
            )
            for i in (0, 1)
        )
        gateway_name = ctx.name("vpngw")
        configs = _IP_CONFIGURATIONS
        config_ids = _ip_configuration_ids(site, rg_name, gateway_name)
        sku = site.vpn_gateway_sku
        gateway = azure.network.VirtualNetworkGateway(
            gateway_name,
            virtual_network_gateway_name=gateway_name,
            resource_group_name=rg_name,
            location=site.region,
            gateway_type="Vpn",
            vpn_type="RouteBased",
            # VpnGw1(AZ) exists in generation 1 only; the larger SKUs in generation 2.
            vpn_gateway_generation="Generation1" if sku.startswith("VpnGw1") else "Generation2",
            sku=azure.network.VirtualNetworkGatewaySkuArgs(name=sku, tier=sku),
            active_active=True,
            enable_bgp=True,
            bgp_settings=azure.network.BgpSettingsArgs(
                asn=asn,
                bgp_peering_addresses=[
                    azure.network.IPConfigurationBgpPeeringAddressArgs(
                        ipconfiguration_id=config_ids[i],
                        custom_bgp_ip_addresses=sorted(bgp_addresses[i], key=ipaddress.ip_address),
                    )
                    for i in (0, 1)
                ],
            ),
            ip_configurations=[
                azure.network.VirtualNetworkGatewayIPConfigurationArgs(
                    name=configs[i],
                    private_ip_allocation_method="Dynamic",
                    subnet=azure.network.SubResourceArgs(id=network.subnet_ids["gateway"]),
                    public_ip_address=azure.network.SubResourceArgs(id=ips[i].id),
                )
                for i in (0, 1)
            ],
            tags=tags,
            opts=ctx.opts(depends_on=[network.resources["subnet:gateway"]]),
        )
        return ActiveActiveGateway(gateway=gateway, public_ips=(ips[0], ips[1]), resource_group=rg)

    @staticmethod
    def instance_ip(gateway: ActiveActiveGateway, instance: int) -> pulumi.Output[str]:
        """The public address of one gateway instance (known once the address exists)."""
        address: pulumi.Output[str] = gateway.public_ips[instance].ip_address
        return address

    def local_gateway(
        self,
        ctx: SiteContext,
        key: str,
        gateway: ActiveActiveGateway,
        address: pulumi.Input[str],
        asn: int,
        bgp_address: str,
    ) -> Any:
        """Azure's record of one peer address (an AWS tunnel, a GCP HA VPN interface, a device)
        and the BGP speaker behind it; with BGP no address space is needed (routes are learnt)."""
        return azure.network.LocalNetworkGateway(
            ctx.name("lng", key),
            resource_group_name=gateway.resource_group.name,
            location=ctx.site.region,
            gateway_ip_address=address,
            bgp_settings=azure.network.BgpSettingsArgs(asn=asn, bgp_peering_address=bgp_address),
            tags=dict(ctx.tags),
            opts=ctx.opts(),
        )

    def gateway_connection(
        self,
        ctx: SiteContext,
        key: str,
        gateway: ActiveActiveGateway,
        local: Any,
        psk: pulumi.Output[str],
        ciphers: CipherSet,
        instance_bgp_addresses: Sequence[str],
    ) -> Any:
        """One IPsec connection (IKEv2, BGP) to ``local`` from both instances, with the explicit
        IPsec/IKE policy both ends share and the custom APIPA address each instance uses on it."""
        site = ctx.site
        assert isinstance(site, AzureSiteArgs)
        rg_name: pulumi.Output[str] = gateway.resource_group.name
        config_ids = _ip_configuration_ids(site, rg_name, ctx.name("vpngw"))
        return azure.network.VirtualNetworkGatewayConnection(
            ctx.name("vpn", key),
            resource_group_name=rg_name,
            location=site.region,
            connection_type="IPsec",
            connection_protocol="IKEv2" if ciphers.ike_version == 2 else "IKEv1",
            virtual_network_gateway1=azure.network.VirtualNetworkGatewayArgs(id=gateway.gateway.id),
            local_network_gateway2=azure.network.LocalNetworkGatewayArgs(id=local.id),
            shared_key=psk,
            enable_bgp=True,
            ipsec_policies=[ipsec_policy(ciphers)],
            gateway_custom_bgp_ip_addresses=[
                azure.network.GatewayCustomBgpIpAddressIpConfigurationArgs(
                    ip_configuration_id=config_ids[i], custom_bgp_ip_address=address
                )
                for i, address in enumerate(instance_bgp_addresses)
            ],
            tags=dict(ctx.tags),
            opts=ctx.opts(additional_secret_outputs=["sharedKey"]),
        )

    @staticmethod
    def peering_reads(plan: SitePlan) -> dict[str, tuple[str, ...]]:
        """The VNet (its id and name) and its resource group's name."""
        return {"vnet": ("id", "name"), "resource_group": ("name",)}

    def peering(
        self,
        ctx: SiteContext,
        peer: SiteContext,
        network: SiteNetwork,
        peer_network: SiteNetwork,
        after: Sequence[pulumi.Resource] = (),
    ) -> Any:
        """Global VNet peering (also across regions), one peering per direction, each on its own
        site's provider. Azure changes one VNet's peerings one operation at a time, so the reverse
        peering waits for the first and the first for ``after`` (the last peering already made on
        either network). Returns the last of the two."""
        previous: list[pulumi.Resource] = list(after)
        peering: Any = None
        for here, there, net, other in (
            (ctx, peer, network, peer_network),
            (peer, ctx, peer_network, network),
        ):
            peering = azure.network.VirtualNetworkPeering(
                here.name("peering", there.site.name),
                resource_group_name=net.resources["resource_group"].name,  # type: ignore[attr-defined]
                virtual_network_name=net.resources["vnet"].name,  # type: ignore[attr-defined]
                remote_virtual_network=azure.network.SubResourceArgs(id=other.network_id),
                allow_virtual_network_access=True,
                allow_forwarded_traffic=True,
                allow_gateway_transit=False,
                use_remote_gateways=False,
                opts=here.opts(depends_on=previous) if previous else here.opts(),
            )
            previous = [peering]
        return peering

    # --- services ----------------------------------------------------------------------------

    def app_terms(self) -> AppTerms:
        return azure_app.APP_TERMS

    def dns_terms(self) -> DnsTerms:
        return azure_app.DNS_TERMS

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.IP  # the load balancer's static zone-redundant address

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        assert isinstance(site, AzureSiteArgs)
        problems = []
        if len(site.zones) < 2:
            problems.append(
                f"site {site.name!r} has {len(site.zones)} zone; a zone-spread scale set needs at "
                "least 2 availability zones"
            )
        if site.admin_ssh_public_key is None:
            problems.append(
                f"site {site.name!r} has no admin_ssh_public_key; Azure Linux scale sets need an SSH "
                "key (skyweave leaves password login off): set sites[…].admin_ssh_public_key"
            )
        return problems

    def app_value_problems(self, value: AppValue) -> list[str]:
        return azure_app.app_value_problems(value)

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return azure_app.create_app_site(ctx, network, spec)

    def host_terms(self) -> HostTerms:
        return azure_host.HOST_TERMS

    def host_problems(self, site: SiteArgs) -> list[str]:
        assert isinstance(site, AzureSiteArgs)
        if site.admin_ssh_public_key is None:
            return [
                f"site {site.name!r} has no admin_ssh_public_key; an Azure Linux VM needs an SSH key "
                "(skyweave leaves password login off): set sites[…].admin_ssh_public_key"
            ]
        return []

    def host_subnet(self, site: SiteArgs, zone: str) -> str:
        return "main"

    def reserved_tail(self) -> int:
        return azure_host.RESERVED_TAIL

    def create_host(self, ctx: SiteContext, network: SiteNetwork, spec: HostSpec) -> HostHandle:
        return azure_host.create_host(ctx, network, spec)

    def dns_problems(self, dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
        return azure_app.traffic_manager_problems(dns, endpoints)

    def create_dns(
        self, ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]
    ) -> Mapping[str, pulumi.Resource]:
        return azure_app.create_dns(ctx, dns, endpoints)

    def dns_name_servers(self, ctx: SiteContext, dns: DnsSpec) -> pulumi.Output[list[str]]:
        return azure_app.name_servers(ctx, dns)

    def bucket_terms(self) -> BucketTerms:
        return azure_storage.BUCKET_TERMS

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        return azure_storage.create_bucket(ctx, spec)


#: Azure's IKE SA lifetime is fixed (28,800 s); the IPsec SA's is configurable. The neutral
#: cipher words of :class:`~skyweave.planning.vpn.CipherSet` in Azure's spelling
#: (https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto): DHGroup14 and PFS2048
#: are both the 2048-bit MODP group 14.
AZURE_IKE_LIFETIME = 28800
_ENCRYPTION = {"aes256": "AES256", "aes128": "AES128"}
_IKE_INTEGRITY = {"sha256": "SHA256", "sha384": "SHA384"}
_IPSEC_INTEGRITY = {"sha256": "SHA256"}
_DH_GROUP = {14: "DHGroup14", 24: "DHGroup24"}
_PFS_GROUP = {14: "PFS2048", 24: "PFS24"}
#: Azure's default IPsec SA payload limit (KB), stated so nothing is left to a default.
SA_DATA_SIZE_KB = 102400000


def ipsec_policy(ciphers: CipherSet) -> Any:
    """The explicit IPsec/IKE policy of an Azure connection for ``ciphers`` (the other end's set).

    Raises:
        ValueError: ``ciphers`` asks for something Azure cannot match (the other end would then
            negotiate a different proposal or none).
    """
    missing = [
        what
        for what, ok in (
            (f"encryption {ciphers.encryption}", ciphers.encryption in _ENCRYPTION),
            (f"integrity {ciphers.integrity}", ciphers.integrity in _IPSEC_INTEGRITY),
            (f"DH group {ciphers.dh_group}", ciphers.dh_group in _DH_GROUP),
            (f"IKE lifetime {ciphers.phase1_lifetime} s", ciphers.phase1_lifetime == AZURE_IKE_LIFETIME),
        )
        if not ok
    ]
    if missing:
        raise ValueError(f"an Azure VPN connection cannot use {', '.join(missing)}")
    return azure.network.IpsecPolicyArgs(
        ike_encryption=_ENCRYPTION[ciphers.encryption],
        ike_integrity=_IKE_INTEGRITY[ciphers.integrity],
        dh_group=_DH_GROUP[ciphers.dh_group],
        ipsec_encryption=_ENCRYPTION[ciphers.encryption],
        ipsec_integrity=_IPSEC_INTEGRITY[ciphers.integrity],
        pfs_group=_PFS_GROUP[ciphers.dh_group],
        sa_life_time_seconds=ciphers.phase2_lifetime,
        sa_data_size_kilobytes=SA_DATA_SIZE_KB,
    )
