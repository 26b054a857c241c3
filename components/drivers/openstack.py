"""OpenStack private clouds: a Neutron network, subnet(s) and a router to the external network.

A Neutron network spans the cloud's availability zones, so like GCP a site has one ``main``
subnet; the router gives it SNAT egress through the operator's external (provider) network,
found by name at deploy time. IPv6 uses a block planned from ``ipam.ipv6_supernet`` (OpenStack
has no provider-assigned IPv6), announced with SLAAC.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

import pulumi
import pulumi_openstack as openstack
from pydantic import AnyHttpUrl, Field, field_validator

from ..planning.ipam import SitePlan, SubnetSlot
from ..sites import CloudSiteArgs, SiteArgs
from . import openstack_app, openstack_storage
from .base import Capability, CloudDriver, SiteContext, SiteNetwork, regional_subnets
from .workloads import AppEndpoint, AppSiteSpec, BucketHandle, BucketSpec, EndpointKind

__all__ = ["OpenStackDriver", "OpenStackSiteArgs"]

_ZONE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$"


class OpenStackSiteArgs(CloudSiteArgs):
    """An OpenStack cloud region. Credentials come from clouds.yaml or OS_* variables."""

    VENDOR = "openstack"

    vendor: Literal["openstack"] = "openstack"
    auth_url: AnyHttpUrl | None = Field(
        default=None,
        description="Keystone endpoint, e.g. https://keystone.example.net:5000/v3. Omitted: from "
        "the clouds.yaml entry named by `cloud`, or OS_AUTH_URL.",
    )
    cloud: str | None = Field(
        default=None,
        description="Entry in clouds.yaml to authenticate with. Omitted: OS_CLOUD / OS_* variables.",
    )
    external_network: str = Field(
        default="public",
        min_length=1,
        description="Name of the operator's external network the router uses for egress and "
        "floating IPs. Default: public (DevStack's and many distributions' name).",
    )
    dns_nameservers: tuple[ipaddress.IPv4Address, ...] = Field(
        default=(), description="DNS servers handed out by DHCP. Omitted: the cloud's default."
    )

    @field_validator("zones")
    @classmethod
    def _zone_names(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        for zone in zones:
            if not re.match(_ZONE_NAME, zone):
                raise ValueError(
                    f"zone {zone!r} is not a valid availability-zone name "
                    "(letters, digits, '_', '.', ':', '-'; at most 63 characters)"
                )
        return zones

    def default_zones(self) -> tuple[str, ...]:
        return ("nova",)


class OpenStackDriver(CloudDriver):
    vendor = "openstack"
    display_name = "OpenStack"
    site_model = OpenStackSiteArgs
    example = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "cloud": "dc1"}
    capabilities = frozenset(
        {
            Capability.NETWORK,
            Capability.ZONES,
            Capability.IPV6,
            Capability.STATIC_VPN,
            Capability.LOAD_BALANCER,
            Capability.BARE_METAL,
            Capability.OBJECT_STORAGE,
            Capability.INSTANCE_GROUP,
        }
    )

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        return regional_subnets(subnet_prefixlen)

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        assert isinstance(site, OpenStackSiteArgs)
        return 56 if site.ipv6 else None

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource:
        assert isinstance(site, OpenStackSiteArgs)
        provider: pulumi.ProviderResource = openstack.Provider(
            name,
            auth_url=str(site.auth_url) if site.auth_url else None,
            cloud=site.cloud,
            region=site.region,
            opts=opts,
        )
        return provider

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        site = ctx.site
        assert isinstance(site, OpenStackSiteArgs)
        tags = [f"{k}={v}" for k, v in sorted(ctx.tags.items())]
        network = openstack.networking.Network(
            ctx.name("network"),
            admin_state_up=True,
            availability_zone_hints=list(site.zones),
            tags=tags,
            opts=ctx.opts(),
        )
        external = openstack.networking.get_network_output(
            name=site.external_network,
            external=True,
            opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider),
        )
        router = openstack.networking.Router(
            ctx.name("router"),
            admin_state_up=True,
            external_network_id=external.id,
            tags=tags,
            opts=ctx.opts(),
        )
        subnet_ids: dict[str, pulumi.Output[str]] = {}
        resources: dict[str, pulumi.Resource] = {"network": network, "router": router}
        for key, cidr in plan.subnets.items():
            subnet = openstack.networking.Subnet(
                ctx.name("subnet", key),
                network_id=network.id,
                cidr=str(cidr),
                ip_version=4,
                dns_nameservers=[str(d) for d in site.dns_nameservers] or None,
                tags=tags,
                opts=ctx.opts(),
            )
            openstack.networking.RouterInterface(
                ctx.name("router-if", key), router_id=router.id, subnet_id=subnet.id, opts=ctx.opts()
            )
            subnet_ids[key] = subnet.id
            resources[f"subnet:{key}"] = subnet
            v6 = plan.ipv6_subnets.get(key)
            if v6 is not None:
                subnet6 = openstack.networking.Subnet(
                    ctx.name("subnet6", key),
                    network_id=network.id,
                    cidr=str(v6),
                    ip_version=6,
                    ipv6_address_mode="slaac",
                    ipv6_ra_mode="slaac",
                    tags=tags,
                    opts=ctx.opts(),
                )
                openstack.networking.RouterInterface(
                    ctx.name("router-if6", key), router_id=router.id, subnet_id=subnet6.id, opts=ctx.opts()
                )
                resources[f"subnet6:{key}"] = subnet6
        return SiteNetwork.from_plan(self.vendor, plan, network.id, subnet_ids, resources)

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.IP  # a floating IP on the Octavia VIP

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return openstack_app.create_app_site(ctx, network, spec)

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        return openstack_storage.create_bucket(ctx, spec)
