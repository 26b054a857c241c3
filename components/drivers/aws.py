"""Amazon Web Services: a VPC per site, public and private subnets per availability zone.

Shape (per site): VPC → internet gateway → one public route table with the default route(s);
per zone a public and a private subnet, and a private route table per zone so each zone can have
its own NAT gateway (``nat: one_per_zone``) and a zone's loss takes only that zone's egress with
it. Dual-stack uses the Amazon-provided /56 and an egress-only internet gateway for private
subnets.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from ..planning.ipam import SitePlan, SubnetSlot, carve
from ..sites import ZONE_SLOTS, CloudSiteArgs, SiteArgs
from ..validation import FieldValueError
from . import aws_app, aws_storage
from .base import Capability, CloudDriver, NetworkLimits, SiteContext, SiteNetwork
from .workloads import (
    AppEndpoint,
    AppSiteSpec,
    BucketHandle,
    BucketSpec,
    DnsSpec,
    EndpointKind,
    FederatedIdentity,
)

__all__ = ["AwsDriver", "AwsSiteArgs", "NatStrategy"]

#: Regions the installed pulumi-aws knows (its ``Region`` enum), so the list follows the SDK.
AWS_REGIONS: frozenset[str] = frozenset(r.value for r in aws.Region)

#: Tiers of subnets per zone, and their slot row in the site block (see ``sites.ZONE_SLOTS``).
TIERS: dict[str, int] = {"public": 0, "private": 1}


class NatStrategy(StrEnum):
    """How private subnets reach the internet (IPv4)."""

    NONE = "none"
    """No NAT gateway: private subnets reach only the estate (cheapest; the default)."""
    SINGLE = "single"
    """One NAT gateway in the first zone: cheap, but that zone is a single point of egress."""
    ONE_PER_ZONE = "one_per_zone"
    """A NAT gateway per zone: losing a zone keeps the others' egress."""


class AwsSiteArgs(CloudSiteArgs):
    """An AWS region. Credentials come from the environment or ``profile``; never from here."""

    VENDOR = "aws"

    vendor: Literal["aws"] = "aws"
    profile: str | None = Field(
        default=None, description="AWS shared-config profile. Omitted: the environment's default."
    )
    assume_role_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$",
        description="Role the provider assumes for this site (cross-account estates). Omitted: none.",
    )
    allowed_account_ids: tuple[str, ...] = Field(
        default=(),
        description="Accounts this site may deploy into; a safety net against the wrong credentials. "
        "Omitted: any.",
    )
    nat: NatStrategy = Field(
        default=NatStrategy.NONE,
        description="Egress for private subnets: none (default), single, or one_per_zone.",
    )
    skip_region_check: bool = Field(
        default=False,
        description="Accept a region the installed pulumi-aws does not list yet (new regions).",
    )

    @field_validator("allowed_account_ids")
    @classmethod
    def _account_ids(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        for account in ids:
            if not re.fullmatch(r"\d{12}", account):
                raise ValueError(f"account id {account!r} must be 12 digits")
        return ids

    @model_validator(mode="after")
    def _region_and_zones(self) -> AwsSiteArgs:
        if not self.skip_region_check and self.region not in AWS_REGIONS:
            raise FieldValueError(
                "region",
                f"not an AWS region; valid: {', '.join(sorted(AWS_REGIONS))} "
                "(set skip_region_check: true for a region newer than the installed pulumi-aws)",
            )
        letters = "".join(chr(ord("a") + i) for i in range(ZONE_SLOTS))
        for i, zone in enumerate(self.zones):
            if not re.fullmatch(re.escape(self.region) + f"[{letters}]", zone):
                raise FieldValueError(
                    f"zones[{i}]",
                    f"not a zone of {self.region}; AWS zones are the region name plus a letter "
                    f"a-{letters[-1]}, e.g. {self.region}a",
                )
        return self

    def default_zones(self) -> tuple[str, ...]:
        return (f"{self.region}a", f"{self.region}b")


def zone_letter(zone: str) -> str:
    return zone[-1]


class AwsDriver(CloudDriver):
    vendor = "aws"
    display_name = "Amazon Web Services"
    site_model = AwsSiteArgs
    example = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1"}
    capabilities = frozenset(
        {
            Capability.NETWORK,
            Capability.ZONES,
            Capability.IPV6,
            Capability.PEERING,
            Capability.BGP_VPN,
            Capability.STATIC_VPN,
            Capability.LOAD_BALANCER,
            Capability.DNS,
            Capability.BARE_METAL,
            Capability.OBJECT_STORAGE,
            Capability.INSTANCE_GROUP,
        }
    )
    # VPC and subnet IPv4 blocks: /16 to /28.
    # https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
    limits = NetworkLimits(network_min=16, network_max=28, subnet_min=16, subnet_max=28)

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        slots = []
        for tier, row in TIERS.items():
            for zone in site.zones:
                index = ord(zone_letter(zone)) - ord("a")
                slots.append(
                    SubnetSlot(
                        key=f"{tier}-{zone_letter(zone)}",
                        slot=row * ZONE_SLOTS + index,
                        prefixlen=subnet_prefixlen,
                        zone=zone,
                        tier=tier,
                    )
                )
        return tuple(slots)

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        return None  # Amazon assigns the VPC's /56

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource:
        assert isinstance(site, AwsSiteArgs)
        provider: pulumi.ProviderResource = aws.Provider(
            name,
            region=site.region,
            profile=site.profile,
            allowed_account_ids=list(site.allowed_account_ids) or None,
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=site.assume_role_arn)]
            if site.assume_role_arn
            else None,
            opts=opts,
        )
        return provider

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        site = ctx.site
        assert isinstance(site, AwsSiteArgs) and plan.cidr is not None

        def tags(name: str) -> dict[str, str]:
            return {**ctx.tags, "Name": name}

        vpc_name = ctx.name("vpc")
        vpc = aws.ec2.Vpc(
            vpc_name,
            cidr_block=str(plan.cidr),
            enable_dns_hostnames=True,
            enable_dns_support=True,
            assign_generated_ipv6_cidr_block=True if site.ipv6 else None,
            tags=tags(vpc_name),
            opts=ctx.opts(),
        )
        vpc_opts = ctx.opts(depends_on=[vpc])
        igw = aws.ec2.InternetGateway(
            ctx.name("igw"), vpc_id=vpc.id, tags=tags(ctx.name("igw")), opts=vpc_opts
        )
        public_rt = aws.ec2.RouteTable(
            ctx.name("rt", "public"), vpc_id=vpc.id, tags=tags(ctx.name("rt", "public")), opts=vpc_opts
        )
        aws.ec2.Route(
            ctx.name("route", "public", "default"),
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=ctx.opts(),
        )
        eigw: aws.ec2.EgressOnlyInternetGateway | None = None
        if site.ipv6:
            aws.ec2.Route(
                ctx.name("route", "public", "default6"),
                route_table_id=public_rt.id,
                destination_ipv6_cidr_block="::/0",
                gateway_id=igw.id,
                opts=ctx.opts(),
            )
            eigw = aws.ec2.EgressOnlyInternetGateway(
                ctx.name("eigw"), vpc_id=vpc.id, tags=tags(ctx.name("eigw")), opts=vpc_opts
            )

        resources: dict[str, pulumi.Resource] = {"vpc": vpc, "igw": igw, "route_table:public": public_rt}
        subnet_ids: dict[str, pulumi.Output[str]] = {}
        nat_ids: dict[str, pulumi.Output[str]] = {}
        slots = plan.slots
        for key, cidr in plan.subnets.items():
            slot = slots[key]
            assert slot.zone is not None
            public = slot.tier == "public"
            subnet = aws.ec2.Subnet(
                ctx.name("subnet", key),
                vpc_id=vpc.id,
                cidr_block=str(cidr),
                availability_zone=slot.zone,
                map_public_ip_on_launch=public,
                ipv6_cidr_block=_ipv6_subnet(vpc, slot.slot) if site.ipv6 else None,
                assign_ipv6_address_on_creation=True if site.ipv6 else None,
                tags={**tags(ctx.name("subnet", key)), "skyweave-tier": slot.tier},
                opts=vpc_opts,
            )
            subnet_ids[key] = subnet.id
            resources[f"subnet:{key}"] = subnet
            letter = zone_letter(slot.zone)
            if public:
                aws.ec2.RouteTableAssociation(
                    ctx.name("rta", key), subnet_id=subnet.id, route_table_id=public_rt.id, opts=ctx.opts()
                )
                if site.nat is NatStrategy.ONE_PER_ZONE or (
                    site.nat is NatStrategy.SINGLE and slot.zone == site.zones[0]
                ):
                    nat_ids[letter] = self._nat_gateway(ctx, letter, subnet, igw)
                continue
            private_rt = aws.ec2.RouteTable(
                ctx.name("rt", key), vpc_id=vpc.id, tags=tags(ctx.name("rt", key)), opts=vpc_opts
            )
            resources[f"route_table:{key}"] = private_rt
            aws.ec2.RouteTableAssociation(
                ctx.name("rta", key), subnet_id=subnet.id, route_table_id=private_rt.id, opts=ctx.opts()
            )
            if eigw is not None:
                aws.ec2.Route(
                    ctx.name("route", key, "default6"),
                    route_table_id=private_rt.id,
                    destination_ipv6_cidr_block="::/0",
                    egress_only_gateway_id=eigw.id,
                    opts=ctx.opts(),
                )
        if site.nat is not NatStrategy.NONE:
            first = zone_letter(site.zones[0])
            for key, slot in slots.items():
                if slot.tier != "private":
                    continue
                assert slot.zone is not None
                letter = zone_letter(slot.zone)
                aws.ec2.Route(
                    ctx.name("route", key, "default"),
                    route_table_id=resources[f"route_table:{key}"].id,  # type: ignore[attr-defined]
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat_ids.get(letter, nat_ids[first]),
                    opts=ctx.opts(),
                )
        return SiteNetwork.from_plan(self.vendor, plan, vpc.id, subnet_ids, resources)

    @staticmethod
    def _nat_gateway(
        ctx: SiteContext,
        letter: str,
        subnet: aws.ec2.Subnet,
        igw: aws.ec2.InternetGateway,
    ) -> pulumi.Output[str]:
        eip = aws.ec2.Eip(ctx.name("nat-eip", letter), domain="vpc", opts=ctx.opts())
        nat = aws.ec2.NatGateway(
            ctx.name("nat", letter),
            allocation_id=eip.id,
            subnet_id=subnet.id,
            tags={**ctx.tags, "Name": ctx.name("nat", letter)},
            opts=ctx.opts(depends_on=[igw]),
        )
        nat_id: pulumi.Output[str] = nat.id
        return nat_id

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.HOSTNAME  # an ALB has a DNS name, not a fixed address

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        if len(site.zones) < 2:
            return [
                f"site {site.name!r} has {len(site.zones)} zone; an Auto Scaling group and an ALB need "
                "at least 2 availability zones"
            ]
        return []

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return aws_app.create_app_site(ctx, network, spec)

    def dns_problems(self, dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
        return aws_app.route53_problems(dns, endpoints)

    def create_dns(
        self, ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]
    ) -> Mapping[str, pulumi.Resource]:
        return aws_app.create_dns(ctx, dns, endpoints)

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        return aws_storage.create_bucket(ctx, spec)

    def grant_bucket_read(
        self, ctx: SiteContext, bucket: BucketHandle, reader: FederatedIdentity
    ) -> pulumi.Output[str]:
        return aws_storage.grant_bucket_read(ctx, bucket, reader)


def _ipv6_subnet(vpc: aws.ec2.Vpc, slot: int) -> pulumi.Output[str]:
    """The subnet's /64 at its slot inside the VPC's Amazon-provided /56."""
    block: pulumi.Output[str] = vpc.ipv6_cidr_block
    return block.apply(lambda value: str(carve(ipaddress.ip_network(value), 64, slot)))
