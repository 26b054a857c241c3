"""Google Cloud: a custom-mode VPC network per site and one regional subnetwork.

GCP subnetworks are regional (they span every zone of the region), so a site has one ``main``
subnetwork; zones matter for compute placement, not addressing. The network uses global dynamic
routing so Cloud Routers in any region learn every VPN route (the HA VPN layer relies on it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import pulumi
import pulumi_gcp as gcp
from pydantic import Field, model_validator

from ..planning.ipam import SitePlan, SubnetSlot
from ..sites import CloudSiteArgs, SiteArgs
from ..validation import FieldValueError
from . import gcp_app, gcp_storage
from .base import Capability, CloudDriver, NetworkLimits, SiteContext, SiteNetwork, regional_subnets
from .workloads import (
    AppEndpoint,
    AppSiteSpec,
    BucketHandle,
    BucketSpec,
    DnsSpec,
    EndpointKind,
    FederatedIdentity,
)

__all__ = ["GCP_ZONES", "GcpDriver", "GcpSiteArgs"]

#: Compute Engine regions and their zone letters.
#: Source: https://cloud.google.com/compute/docs/regions-zones (table "Available regions and zones").
GCP_ZONES: dict[str, str] = {
    "africa-south1": "abc",
    "asia-east1": "abc",
    "asia-east2": "abc",
    "asia-northeast1": "abc",
    "asia-northeast2": "abc",
    "asia-northeast3": "abc",
    "asia-south1": "abc",
    "asia-south2": "abc",
    "asia-southeast1": "abc",
    "asia-southeast2": "abc",
    "australia-southeast1": "abc",
    "australia-southeast2": "abc",
    "europe-central2": "abc",
    "europe-north1": "abc",
    "europe-north2": "abc",
    "europe-southwest1": "abc",
    "europe-west1": "bcd",
    "europe-west2": "abc",
    "europe-west3": "abc",
    "europe-west4": "abc",
    "europe-west6": "abc",
    "europe-west8": "abc",
    "europe-west9": "abc",
    "europe-west10": "abc",
    "europe-west12": "abc",
    "me-central1": "abc",
    "me-central2": "abc",
    "me-west1": "abc",
    "northamerica-northeast1": "abc",
    "northamerica-northeast2": "abc",
    "northamerica-south1": "abc",
    "southamerica-east1": "abc",
    "southamerica-west1": "abc",
    "us-central1": "abcf",
    "us-east1": "bcd",
    "us-east4": "abc",
    "us-east5": "abc",
    "us-south1": "abc",
    "us-west1": "abc",
    "us-west2": "abc",
    "us-west3": "abc",
    "us-west4": "abc",
}


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
                f"not a GCP region; valid: {', '.join(sorted(GCP_ZONES))} "
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


class GcpDriver(CloudDriver):
    vendor = "gcp"
    display_name = "Google Cloud"
    site_model = GcpSiteArgs
    example = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "my-project-123"}
    capabilities = frozenset(
        {
            Capability.NETWORK,
            Capability.ZONES,
            Capability.IPV6,
            Capability.PEERING,
            Capability.BGP_VPN,
            Capability.LOAD_BALANCER,
            Capability.DNS,
            Capability.OBJECT_STORAGE,
            Capability.INSTANCE_GROUP,
        }
    )
    # Primary IPv4 ranges of a subnetwork: /8 to /29.
    # https://cloud.google.com/vpc/docs/subnets#valid-ranges
    limits = NetworkLimits(network_min=8, network_max=29, subnet_min=8, subnet_max=29)

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

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.IP  # the forwarding rule's static address

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return gcp_app.create_app_site(ctx, network, spec)

    def dns_problems(self, dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
        return gcp_app.cloud_dns_problems(dns, endpoints)

    def create_dns(
        self, ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]
    ) -> Mapping[str, pulumi.Resource]:
        return gcp_app.create_dns(ctx, dns, endpoints)

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
