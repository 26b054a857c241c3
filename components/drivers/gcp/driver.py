"""Google Cloud: a custom-mode VPC network per site and one regional subnetwork.

GCP subnetworks are regional (they span every zone of the region), so a site has one ``main``
subnetwork; zones matter for compute placement, not addressing. The network uses global dynamic
routing so Cloud Routers in any region learn every VPN route (the HA VPN layer relies on it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import pulumi
from pydantic import Field, model_validator

from ...core.errors import did_you_mean
from ...core.sites import CloudSiteArgs, SiteArgs
from ...core.validation import FieldValueError
from ...planning.ipam import SitePlan, SubnetSlot
from ...planning.limits import Counted, VpnLimit
from ...planning.vpn import CipherSet, VpnEndpoint
from ..base import (
    BgpTimers,
    Capability,
    CloudDriver,
    ComputeSla,
    NetworkLimits,
    SiteContext,
    SiteNetwork,
    regional_subnets,
)
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
    CopyTerms,
    DnsSpec,
    DnsTerms,
    EndpointKind,
    FederatedIdentity,
)
from . import app as gcp_app
from . import cluster as gcp_cluster
from . import host as gcp_host
from . import preview
from . import storage as gcp_storage
from .zones import GCP_ZONES

if TYPE_CHECKING:
    import pulumi_gcp as gcp
else:
    gcp = lazy_sdk("pulumi_gcp")

__all__ = ["GCP_ZONES", "GcpDriver", "GcpSiteArgs"]


class GcpSiteArgs(CloudSiteArgs):
    """A Google Cloud region in one project. Credentials come from the environment (ADC)."""

    VENDOR = "gcp"

    vendor: Literal["gcp"] = "gcp"
    project: str = Field(
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
        description="The GCP project id (required: there is no sensible default).",
    )
    skip_region_check: bool = Field(
        default=False,
        description="Accept a region (and zones) missing from skyweave's table of GCP regions.",
    )

    @model_validator(mode="after")
    def _region_and_zones(self) -> GcpSiteArgs:
        if self.skip_region_check:
            for i, zone in enumerate(self.zones):
                if not re.fullmatch(re.escape(self.region) + r"-[a-z]", zone):
                    raise FieldValueError(f"zones[{i}]", f"not a zone of {self.region}, e.g. {self.region}-b")
            return self
        if self.region not in GCP_ZONES:
            raise FieldValueError(
                "region",
                f"not a GCP region{did_you_mean(self.region, GCP_ZONES) or ';'} "
                f"valid: {', '.join(sorted(GCP_ZONES))} "
                "(set skip_region_check: true for a region newer than this table)",
            )
        valid = [f"{self.region}-{letter}" for letter in GCP_ZONES[self.region]]
        for i, zone in enumerate(self.zones):
            if zone not in valid:
                raise FieldValueError(
                    f"zones[{i}]", f"not a zone of {self.region}; valid: {', '.join(valid)}"
                )
        return self

    def default_zones(self) -> tuple[str, ...]:
        letters = GCP_ZONES.get(self.region, "bc")
        return tuple(f"{self.region}-{letter}" for letter in letters[:2])


class GcpDriver(ModuleClusters, CloudDriver):
    vendor = "gcp"
    cluster_module = gcp_cluster
    preview_answers = preview
    display_name = "Google Cloud"
    site_model = GcpSiteArgs
    example = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "my-project-123"}
    capabilities = frozenset({Capability.IPV6, Capability.PEERING, Capability.BGP_VPN})
    # HA VPN: two interfaces, BGP only (Cloud Router). https://cloud.google.com/network-connectivity/docs/vpn/concepts/topologies
    vpn_endpoint = VpnEndpoint.HA_GATEWAY
    vpn_product = "GCP HA VPN"
    # Compute Engine SLA: 99.99% for instances in multiple zones, 99.9% for a single instance
    # (general-purpose machine types).
    compute_sla = ComputeSla(0.9999, 0.999, "https://cloud.google.com/compute/sla")
    # Cloud Router's BGP keepalive interval: 20 s by default (skyweave leaves it so), hold time
    # three times it; "BGP will use the smaller of either the local hold time value or the peer's"
    # (Compute API, ``RouterBgp.keepaliveInterval``).
    bgp_timers = BgpTimers(
        20, 60, "https://cloud.google.com/compute/docs/reference/rest/v1/routers (bgp.keepaliveInterval)"
    )
    # Primary IPv4 ranges of a subnetwork: /8 to /29.
    # https://cloud.google.com/vpc/docs/subnets#valid-ranges
    limits = NetworkLimits(network_min=8, network_max=29, subnet_min=8, subnet_max=29)
    # Cloud Router "Limits" (system limits, not quotas): 128 BGP peers per Cloud Router; skyweave
    # makes one router per site and one peer per tunnel. Cloud VPN documents no tunnels-per-gateway
    # limit; its "VPN tunnels" quota is per project with no published default (the console shows
    # it), so the plan cannot check it (https://cloud.google.com/network-connectivity/quotas).
    vpn_limits = (
        VpnLimit(
            "bgp_peers_per_router",
            "BGP peers per Cloud Router",
            128,
            Counted.BGP_SESSIONS,
            "https://cloud.google.com/network-connectivity/docs/router/quotas#limits",
            remedy="join fewer sites to it (network.exclude); skyweave makes one Cloud Router per site",
        ),
    )

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        return regional_subnets(subnet_prefixlen)

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        return None  # GCP assigns dual-stack subnetwork ranges itself

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource:
        assert isinstance(site, GcpSiteArgs)
        provider: pulumi.ProviderResource = gcp.Provider(
            name, project=site.project, region=site.region, opts=opts
        )
        return provider

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        site = ctx.site
        assert isinstance(site, GcpSiteArgs)
        network = gcp.compute.Network(
            ctx.name("network"),
            project=site.project,
            auto_create_subnetworks=False,
            routing_mode="GLOBAL",
            description=f"skyweave {ctx.component} network for site {site.name}",
            opts=ctx.opts(),
        )
        subnet_ids: dict[str, pulumi.Output[str]] = {}
        resources: dict[str, pulumi.Resource] = {"network": network}
        for key, cidr in plan.subnets.items():
            subnetwork = gcp.compute.Subnetwork(
                ctx.name("subnet", key),
                project=site.project,
                region=site.region,
                network=network.id,
                ip_cidr_range=str(cidr),
                private_ip_google_access=True,
                stack_type="IPV4_IPV6" if site.ipv6 else "IPV4_ONLY",
                ipv6_access_type="EXTERNAL" if site.ipv6 else None,
                opts=ctx.opts(),
            )
            subnet_ids[key] = subnetwork.id
            resources[f"subnet:{key}"] = subnetwork
        return SiteNetwork.from_plan(self.vendor, plan, network.id, subnet_ids, resources)

    # --- connectivity (docs/connectivity.md) -------------------------------------------------

    def ha_vpn_gateway(
        self, ctx: SiteContext, network: SiteNetwork, asn: int
    ) -> tuple[gcp.compute.HaVpnGateway, gcp.compute.Router]:
        """The site's HA VPN gateway (two interfaces) and the Cloud Router that speaks BGP for it.

        One pair per site, shared by all its VPN links. The router advertises the site's subnets
        (the default advertisement), which is how every peer learns this site's ranges.
        """
        site = ctx.site
        assert isinstance(site, GcpSiteArgs)
        gateway = gcp.compute.HaVpnGateway(
            ctx.name("ha-vpn"),
            project=site.project,
            region=site.region,
            network=network.network_id,
            opts=ctx.opts(),
        )
        router = gcp.compute.Router(
            ctx.name("router"),
            project=site.project,
            region=site.region,
            network=network.network_id,
            bgp=gcp.compute.RouterBgpArgs(asn=asn, advertise_mode="DEFAULT"),
            opts=ctx.opts(),
        )
        return gateway, router

    @staticmethod
    def interface_ip(gateway: gcp.compute.HaVpnGateway, interface: int) -> pulumi.Output[str]:
        """The public address of one HA VPN interface (known once the gateway exists)."""
        address: pulumi.Output[str] = gateway.vpn_interfaces.apply(
            lambda interfaces: interfaces[interface].ip_address or ""
        )
        return address

    def external_gateway(
        self, ctx: SiteContext, key: str, addresses: Sequence[pulumi.Input[str]]
    ) -> gcp.compute.ExternalVpnGateway:
        """GCP's record of the far end's public addresses, with the matching redundancy type."""
        site = ctx.site
        assert isinstance(site, GcpSiteArgs)
        redundancy = _EXTERNAL_REDUNDANCY[len(addresses)]
        return gcp.compute.ExternalVpnGateway(
            ctx.name("peer-gw", key),
            project=site.project,
            redundancy_type=redundancy,
            interfaces=[
                gcp.compute.ExternalVpnGatewayInterfaceArgs(id=i, ip_address=address)
                for i, address in enumerate(addresses)
            ],
            description=f"skyweave {ctx.component}: far end of link {key}",
            opts=ctx.opts(),
        )

    def bgp_tunnel(
        self,
        ctx: SiteContext,
        key: str,
        gateway: gcp.compute.HaVpnGateway,
        router: gcp.compute.Router,
        interface: int,
        external: gcp.compute.ExternalVpnGateway,
        external_interface: int,
        psk: pulumi.Output[str],
        inside_ip: str,
        peer_inside_ip: str,
        peer_asn: int,
        ciphers: CipherSet,
    ) -> gcp.compute.VPNTunnel:
        """One HA VPN tunnel with its Cloud Router interface and BGP session."""
        site = ctx.site
        assert isinstance(site, GcpSiteArgs)
        tunnel = gcp.compute.VPNTunnel(
            ctx.name("tunnel", key),
            project=site.project,
            region=site.region,
            vpn_gateway=gateway.id,
            vpn_gateway_interface=interface,
            peer_external_gateway=external.id,
            peer_external_gateway_interface=external_interface,
            shared_secret=psk,
            router=router.id,
            ike_version=ciphers.ike_version,
            cipher_suite=gcp.compute.VPNTunnelCipherSuiteArgs(
                phase1=gcp.compute.VPNTunnelCipherSuitePhase1Args(
                    encryptions=[_GCP_ENCRYPTION[ciphers.encryption]],
                    integrities=[_GCP_INTEGRITY[ciphers.integrity]],
                    prves=[_GCP_PRF[ciphers.integrity]],
                    dhs=[f"Group-{ciphers.dh_group}"],
                ),
                phase2=gcp.compute.VPNTunnelCipherSuitePhase2Args(
                    encryptions=[_GCP_ENCRYPTION[ciphers.encryption]],
                    integrities=[_GCP_INTEGRITY[ciphers.integrity]],
                    pfs=[f"Group-{ciphers.dh_group}"],
                ),
            ),
            opts=ctx.opts(additional_secret_outputs=["sharedSecret"]),
        )
        interface_resource = gcp.compute.RouterInterface(
            ctx.name("bgp-if", key),
            project=site.project,
            region=site.region,
            router=router.name,
            ip_range=f"{inside_ip}/30",
            vpn_tunnel=tunnel.name,
            opts=ctx.opts(),
        )
        gcp.compute.RouterPeer(
            ctx.name("bgp-peer", key),
            project=site.project,
            region=site.region,
            router=router.name,
            interface=interface_resource.name,
            ip_address=inside_ip,
            peer_ip_address=peer_inside_ip,
            peer_asn=peer_asn,
            advertised_route_priority=100,
            opts=ctx.opts(),
        )
        return tunnel

    @staticmethod
    def peering_reads(plan: SitePlan) -> dict[str, tuple[str, ...]]:
        """The network (peerings name it by id)."""
        return {"network": ("id",)}

    def peering(
        self,
        ctx: SiteContext,
        peer: SiteContext,
        network: SiteNetwork,
        peer_network: SiteNetwork,
        after: Sequence[pulumi.Resource] = (),
    ) -> gcp.compute.NetworkPeering:
        """VPC network peering: one peering per direction, each in its own project/provider.

        GCP runs one peering operation per network at a time and refuses a second ("There is a
        peering operation in progress on the local or peer network"). The provider serialises its
        own operations, but each direction uses its site's provider — a separate process — so the
        reverse peering depends on the first, and the first on ``after``: the last peering already
        made on either network (the caller keeps that per network). Returns the last of the two.
        """
        previous: list[pulumi.Resource] = list(after)
        for here, there, net, other in (
            (ctx, peer, network, peer_network),
            (peer, ctx, peer_network, network),
        ):
            peering = gcp.compute.NetworkPeering(
                here.name("peering", there.site.name),
                network=net.network_id,
                peer_network=other.network_id,
                export_custom_routes=True,
                import_custom_routes=True,
                opts=here.opts(depends_on=previous) if previous else here.opts(),
            )
            previous = [peering]
        return peering

    def app_terms(self) -> AppTerms:
        return gcp_app.APP_TERMS

    def dns_terms(self) -> DnsTerms:
        return gcp_app.DNS_TERMS

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.IP  # the forwarding rule's static address

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        return []

    def app_value_problems(self, value: AppValue) -> list[str]:
        return []  # images (a family, a URL, project/image) and machine types: no list in the SDK

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return gcp_app.create_app_site(ctx, network, spec)

    def host_terms(self) -> HostTerms:
        return gcp_host.HOST_TERMS

    def host_problems(self, site: SiteArgs) -> list[str]:
        return []

    def host_subnet(self, site: SiteArgs, zone: str) -> str:
        return "main"

    def reserved_tail(self) -> int:
        return gcp_host.RESERVED_TAIL

    def create_host(self, ctx: SiteContext, network: SiteNetwork, spec: HostSpec) -> HostHandle:
        return gcp_host.create_host(ctx, network, spec)

    def dns_problems(self, dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
        return gcp_app.cloud_dns_problems(dns, endpoints)

    def create_dns(
        self, ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]
    ) -> Mapping[str, pulumi.Resource]:
        return gcp_app.create_dns(ctx, dns, endpoints)

    def dns_name_servers(self, ctx: SiteContext, dns: DnsSpec) -> pulumi.Output[list[str]]:
        return gcp_app.name_servers(ctx, dns)

    def bucket_terms(self) -> BucketTerms:
        return gcp_storage.BUCKET_TERMS

    def copy_terms(self) -> CopyTerms:
        return gcp_storage.COPY_TERMS

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        return gcp_storage.create_bucket(ctx, spec)

    def copy_identity(self, ctx: SiteContext) -> FederatedIdentity:
        return gcp_storage.copy_identity(ctx)

    def create_bucket_copy(
        self,
        ctx: SiteContext,
        sink: BucketHandle,
        source: BucketHandle,
        source_access: pulumi.Output[str],
        interval_seconds: int,
        identity: FederatedIdentity,
    ) -> Mapping[str, pulumi.Resource]:
        return gcp_storage.create_bucket_copy(ctx, sink, source, source_access, interval_seconds, identity)


#: HA VPN's external gateway redundancy type by the far end's number of public addresses.
_EXTERNAL_REDUNDANCY = {
    1: "SINGLE_IP_INTERNALLY_REDUNDANT",
    2: "TWO_IPS_REDUNDANCY",
    4: "FOUR_IPS_REDUNDANCY",
}
#: The neutral cipher words of :class:`~skyweave.planning.vpn.CipherSet` in GCP's spelling
#: (https://cloud.google.com/network-connectivity/docs/vpn/concepts/supported-ike-ciphers).
_GCP_ENCRYPTION = {"aes256": "AES-CBC-256", "aes128": "AES-CBC-128"}
_GCP_INTEGRITY = {"sha256": "HMAC-SHA2-256-128", "sha384": "HMAC-SHA2-384-192", "sha512": "HMAC-SHA2-512-256"}
_GCP_PRF = {"sha256": "PRF-HMAC-SHA2-256", "sha384": "PRF-HMAC-SHA2-384", "sha512": "PRF-HMAC-SHA2-512"}
