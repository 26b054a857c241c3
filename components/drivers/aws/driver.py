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
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

import pulumi
from pydantic import Field, field_validator, model_validator

from ...core.errors import did_you_mean
from ...core.sites import ZONE_SLOTS, CloudSiteArgs, SiteArgs
from ...core.validation import FieldValueError
from ...planning.ipam import SitePlan, SubnetSlot, carve
from ...planning.limits import Counted, Scope, VpnLimit
from ...planning.placement import Domain
from ...planning.vpn import CipherSet, TunnelPlan, VpnEndpoint
from ..bare_metal import BareMetalNode, BareMetalRequest, BareMetalSourceArgs, SourceIssue, zone_issues
from ..base import BgpTimers, Capability, CloudDriver, ComputeSla, NetworkLimits, SiteContext, SiteNetwork
from ..clusters import ModuleClusters
from ..hosts import HostHandle, HostSpec, HostTerms
from ..sdk import lazy_sdk, sdk_enum_values
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
    FederatedIdentity,
)
from . import app as aws_app
from . import cluster as aws_cluster
from . import host as aws_host
from . import preview
from . import storage as aws_storage

if TYPE_CHECKING:
    import pulumi_aws as aws
else:
    aws = lazy_sdk("pulumi_aws")

__all__ = [
    "METAL_INSTANCE_TYPES",
    "SPREAD_GROUP_LIMIT",
    "AwsDriver",
    "AwsMetalSourceArgs",
    "AwsSiteArgs",
    "NatStrategy",
]

#: Tiers of subnets per zone, and their slot row in the site block (see ``sites.ZONE_SLOTS``).
TIERS: dict[str, int] = {"public": 0, "private": 1}
#: The tag marking a public subnet as one for internet-facing load balancers: what the AWS Load
#: Balancer Controller discovers subnets by ("Subnet auto-discovery": ``kubernetes.io/role/elb``,
#: ``1`` or empty) and what EKS's built-in cloud provider breaks a tie between two public subnets
#: of a zone with (kubernetes/cloud-provider-aws ``TagNameSubnetPublicELB``). Untagged for any
#: cluster (no ``kubernetes.io/cluster/<name>``), the subnets serve every cluster of the VPC.
PUBLIC_ELB_TAG: dict[str, str] = {"kubernetes.io/role/elb": "1"}


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
        regions = sdk_enum_values("pulumi_aws", "_enums", "Region")  # the SDK's own list
        if not self.skip_region_check and self.region not in regions:
            raise FieldValueError(
                "region",
                f"not an AWS region{did_you_mean(self.region, regions) or ';'} "
                f"valid: {', '.join(sorted(regions))} "
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


#: Bare-metal instance types the installed pulumi-aws knows (its ``InstanceType`` enum): names
#: ``<family>.metal`` or ``<family>.metal-<size>``, so the list follows the SDK.
METAL_INSTANCE_TYPES: frozenset[str] = frozenset(
    t
    for t in sdk_enum_values("pulumi_aws", "ec2._enums", "InstanceType")
    if re.fullmatch(r"[a-z0-9-]+\.metal(-[a-z0-9]+)?", t)
)
_METAL_PATTERN = r"[a-z][a-z0-9-]*\.metal(-[0-9]+xl)?"

#: A rack-level spread placement group holds at most seven running instances per availability
#: zone (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html).
SPREAD_GROUP_LIMIT = 7


class AwsMetalSourceArgs(BareMetalSourceArgs):
    """Whole EC2 machines (``*.metal`` types), spread over racks and availability zones."""

    VENDOR = "aws"

    kind: Literal["aws_metal"] = "aws_metal"
    instance_type: str = Field(description="A bare-metal instance type, e.g. m5.metal or c7i.metal-24xl.")
    image: str = Field(pattern=r"^ami-[0-9a-f]{8,17}$", description="AMI id to boot. Required.")
    zones: tuple[str, ...] = Field(
        default=(), description="Availability zones to spread over. Omitted: all the site's zones."
    )
    key_name: str | None = Field(default=None, description="EC2 key pair name. Omitted: none.")
    security_group_ids: tuple[str, ...] = Field(
        default=(), description="Security groups of the servers. Omitted: the VPC's default group."
    )
    root_volume_gb: int | None = Field(
        default=None,
        ge=8,
        le=16384,
        description="Root EBS volume size (GiB); the volume is encrypted either way. Omitted: the AMI's.",
    )
    allow_unlisted_type: bool = Field(
        default=False,
        description="Accept a `<family>.metal[-<n>xl]` type the installed pulumi-aws does not list yet.",
    )

    @field_validator("instance_type")
    @classmethod
    def _metal(cls, value: str) -> str:
        if value in METAL_INSTANCE_TYPES or re.fullmatch(_METAL_PATTERN, value):
            return value
        families = sorted({t.split(".")[0] for t in METAL_INSTANCE_TYPES})[:12]
        raise ValueError(
            f"{value!r} is not a bare-metal instance type; use a `.metal` type such as "
            f"{', '.join(f + '.metal' for f in families[:6])} … ({len(METAL_INSTANCE_TYPES)} known)"
        )

    @model_validator(mode="after")
    def _listed(self) -> AwsMetalSourceArgs:
        if self.instance_type not in METAL_INSTANCE_TYPES and not self.allow_unlisted_type:
            raise FieldValueError(
                "instance_type",
                "not a bare-metal type the installed pulumi-aws lists; set allow_unlisted_type: "
                "true for a type newer than it",
            )
        return self

    def check(self, site: SiteArgs) -> list[SourceIssue]:
        return zone_issues(self.zones, site)


def zone_letter(zone: str) -> str:
    return zone[-1]


#: "Site-to-Site VPN quotas" (each quota per account and Region, adjustable through Service
#: Quotas): virtual private gateways per Region 5, Site-to-Site VPN connections per Region 50,
#: customer gateways per Region 50, Site-to-Site VPN connections per virtual private gateway 10.
_VPN_QUOTAS = "https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html"
VPN_LIMITS: tuple[VpnLimit, ...] = tuple(
    VpnLimit(key, what, figure, counted, _VPN_QUOTAS, scope=scope, adjustable=True)
    for key, what, figure, counted, scope in (
        (
            "vpn_connections_per_gateway",
            "Site-to-Site VPN connections per virtual private gateway",
            10,
            Counted.PEER_ADDRESSES,
            Scope.GATEWAY,
        ),
        (
            "vpn_connections_per_region",
            "Site-to-Site VPN connections per Region",
            50,
            Counted.PEER_ADDRESSES,
            Scope.REGION,
        ),
        (
            "customer_gateways_per_region",
            "customer gateways per Region",
            50,
            Counted.PEER_ADDRESSES,
            Scope.REGION,
        ),
        (
            "virtual_private_gateways_per_region",
            "virtual private gateways per Region",
            5,
            Counted.GATEWAYS,
            Scope.REGION,
        ),
    )
)


class AwsDriver(ModuleClusters, CloudDriver):
    vendor = "aws"
    cluster_module = aws_cluster
    preview_answers = preview
    display_name = "Amazon Web Services"
    site_model = AwsSiteArgs
    example = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1"}
    capabilities = frozenset({Capability.IPV6, Capability.PEERING, Capability.BGP_VPN, Capability.STATIC_VPN})
    # A virtual private gateway: one VPN connection (two tunnels, two AWS endpoints) per peer.
    # https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html
    vpn_endpoint = VpnEndpoint.GATEWAY
    vpn_product = "AWS Site-to-Site VPN"
    # Amazon Compute Service Level Agreement: 99.99% Region-Level SLA for EC2 deployed in two or
    # more AZs, 99.5% Instance-Level SLA.
    compute_sla = ComputeSla(0.9999, 0.995, "https://aws.amazon.com/compute/sla/")
    # AWS's customer-gateway configurations: "Neighbor Hold Time : 30", and ``timers 10 30 30`` in
    # its BGP device examples ("The BGP timers are adjusted to provide more rapid detection of
    # outages"): Network Administrator Guide, "Example: Generic Customer Gateway Using BGP" and the
    # Cisco IOS example (awsdocs/amazon-vpc-network-administrator-guide, merged into the AWS
    # Site-to-Site VPN User Guide).
    bgp_timers = BgpTimers(
        10,
        30,
        "https://github.com/awsdocs/amazon-vpc-network-administrator-guide/blob/master/doc_source/GenericConfig.md",
    )
    bare_metal_sources = (AwsMetalSourceArgs,)
    # VPC and subnet IPv4 blocks: /16 to /28.
    # https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
    limits = NetworkLimits(network_min=16, network_max=28, subnet_min=16, subnet_max=28)
    vpn_limits = VPN_LIMITS

    def quota_account(self, site: SiteArgs) -> str:
        # Sites reaching AWS with the same role or profile share an account (and its quotas).
        assert isinstance(site, AwsSiteArgs)
        return site.assume_role_arn or site.profile or ""

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

    def bare_metal_domains(self, site: SiteArgs, source: BareMetalSourceArgs) -> tuple[Domain, ...]:
        assert isinstance(source, AwsMetalSourceArgs)
        zones = source.zones or site.zones
        return tuple(Domain(source.site, site.name, self.vendor, site.region, z) for z in zones)

    def create_bare_metal(self, ctx: SiteContext, request: BareMetalRequest) -> list[BareMetalNode]:
        """Metal instances in the private subnets, in rack-spread placement groups (IMDSv2 only).

        The k-th node of a zone joins group ``k // 7``: a group never exceeds AWS's seven running
        instances per zone, and growing the pool adds groups without moving anyone.
        """
        source = request.source
        network = request.network
        assert isinstance(source, AwsMetalSourceArgs) and network is not None
        per_zone = max((p.ordinal + 1 for p in request.nodes), default=0)
        groups = [
            aws.ec2.PlacementGroup(
                ctx.name("pg", str(g)),
                strategy="spread",
                spread_level="rack",
                tags={**ctx.tags, "Name": ctx.name("pg", str(g))},
                opts=ctx.opts(),
            )
            for g in range(-(-per_zone // SPREAD_GROUP_LIMIT))
        ]
        subnets = {network.subnet_zones[key]: key for key in network.subnet_ids if key.startswith("private-")}
        nodes: list[BareMetalNode] = []
        for placed in request.nodes:
            zone = placed.domain.zone
            name = request.node_name(placed)
            subnet_key = subnets[zone]
            server = aws.ec2.Instance(
                ctx.name("server", str(placed.index)),
                ami=source.image,
                instance_type=source.instance_type,
                availability_zone=zone,
                subnet_id=network.subnet_ids[subnet_key],
                # A placement group's id is its name.
                placement_group=groups[placed.ordinal // SPREAD_GROUP_LIMIT].id,
                key_name=source.key_name,
                vpc_security_group_ids=list(source.security_group_ids) or None,
                metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                    http_endpoint="enabled", http_tokens="required"
                ),
                # encrypted whatever the size: without root_volume_gb the AMI's size is kept
                root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                    volume_size=source.root_volume_gb, encrypted=True
                ),
                user_data=request.user_data(placed, ctx.site.name),
                # cloud-init runs the bootstrap once per instance: a changed bootstrap means a new
                # instance (as on Ironic, where user-data forces a new server).
                user_data_replace_on_change=True if request.bootstrap.enabled else None,
                tags={**ctx.tags, "Name": name, "skyweave-pool": request.pool, "skyweave-role": request.role},
                opts=ctx.opts(depends_on=[network.resources[f"subnet:{subnet_key}"]]),
            )
            nodes.append(request.cloud_node(ctx, placed, server, server.private_ip))
        return nodes

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
                tags={
                    **tags(ctx.name("subnet", key)),
                    "skyweave-tier": slot.tier,
                    # Where an internet-facing load balancer of a cluster's Service may go (EKS
                    # User Guide; AWS Load Balancer Controller, "Subnet auto-discovery").
                    **(PUBLIC_ELB_TAG if public else {}),
                },
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

    # --- connectivity (docs/connectivity.md) -------------------------------------------------

    def vpn_gateway(self, ctx: SiteContext, network: SiteNetwork, asn: int) -> aws.ec2.VpnGateway:
        """The site's virtual private gateway, attached to its VPC, propagating into every route table.

        One per site, shared by all its VPN links (up to 10 connections per gateway): propagation
        is how every route table learns the peers' ranges, whether from BGP or static routes.
        """
        vgw = aws.ec2.VpnGateway(
            ctx.name("vgw"),
            vpc_id=network.network_id,
            amazon_side_asn=str(asn),
            tags={**ctx.tags, "Name": ctx.name("vgw")},
            opts=ctx.opts(),
        )
        for key, table in network.resources.items():
            if key.startswith("route_table:"):
                aws.ec2.VpnGatewayRoutePropagation(
                    ctx.name("vgw-propagation", key.removeprefix("route_table:")),
                    vpn_gateway_id=vgw.id,
                    route_table_id=table.id,  # type: ignore[attr-defined]
                    opts=ctx.opts(),
                )
        return vgw

    def customer_gateway(
        self, ctx: SiteContext, key: str, ip_address: pulumi.Input[str], asn: int
    ) -> aws.ec2.CustomerGateway:
        """AWS's record of the far end (a GCP HA VPN interface, a Neutron router, a device)."""
        return aws.ec2.CustomerGateway(
            ctx.name("cgw", key),
            type="ipsec.1",
            ip_address=ip_address,
            bgp_asn=str(asn) if asn <= 2147483647 else None,
            bgp_asn_extended=str(asn) if asn > 2147483647 else None,
            tags={**ctx.tags, "Name": ctx.name("cgw", key)},
            opts=ctx.opts(),
        )

    def vpn_connection(
        self,
        ctx: SiteContext,
        key: str,
        vgw: aws.ec2.VpnGateway,
        cgw: aws.ec2.CustomerGateway,
        tunnels: Sequence[TunnelPlan],
        psks: Sequence[pulumi.Output[str]],
        ciphers: CipherSet,
        static_cidrs: Sequence[str] | None,
    ) -> aws.ec2.VpnConnection:
        """One VPN connection (two tunnels to two AWS endpoints) with both tunnels' options pinned.

        ``static_cidrs`` None means BGP; otherwise the far end's ranges become static routes.
        """
        options: dict[str, object] = {}
        for number, (tunnel, psk) in enumerate(zip(tunnels, psks, strict=True), start=1):
            prefix = f"tunnel{number}_"
            options.update(
                {
                    prefix + "inside_cidr": str(tunnel.inside_cidr) if tunnel.inside_cidr else None,
                    prefix + "preshared_key": psk,
                    prefix + "ike_versions": [f"ikev{ciphers.ike_version}"],
                    prefix + "phase1_encryption_algorithms": [_AWS_ENCRYPTION[ciphers.encryption]],
                    prefix + "phase2_encryption_algorithms": [_AWS_ENCRYPTION[ciphers.encryption]],
                    prefix + "phase1_integrity_algorithms": [_AWS_INTEGRITY[ciphers.integrity]],
                    prefix + "phase2_integrity_algorithms": [_AWS_INTEGRITY[ciphers.integrity]],
                    prefix + "phase1_dh_group_numbers": [ciphers.dh_group],
                    prefix + "phase2_dh_group_numbers": [ciphers.dh_group],
                    prefix + "phase1_lifetime_seconds": ciphers.phase1_lifetime,
                    prefix + "phase2_lifetime_seconds": ciphers.phase2_lifetime,
                }
            )
        connection = aws.ec2.VpnConnection(
            ctx.name("vpn", key),
            type="ipsec.1",
            vpn_gateway_id=vgw.id,
            customer_gateway_id=cgw.id,
            static_routes_only=static_cidrs is not None,
            tags={**ctx.tags, "Name": ctx.name("vpn", key)},
            opts=ctx.opts(additional_secret_outputs=["tunnel1PresharedKey", "tunnel2PresharedKey"]),
            **options,
        )
        for cidr in static_cidrs or ():
            aws.ec2.VpnConnectionRoute(
                ctx.name("vpn-route", key, cidr.replace("/", "-").replace(".", "-")),
                vpn_connection_id=connection.id,
                destination_cidr_block=cidr,
                opts=ctx.opts(),
            )
        return connection

    @staticmethod
    def tunnel_addresses(connection: aws.ec2.VpnConnection) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """AWS's two tunnel endpoints of a connection (two devices in two AZs)."""
        return connection.tunnel1_address, connection.tunnel2_address

    @staticmethod
    def peering_reads(plan: SitePlan) -> dict[str, tuple[str, ...]]:
        """The VPC and every route table (the public one, one per private subnet)."""
        private = [f"route_table:{key}" for key in plan.subnets if plan.slots[key].tier != "public"]
        return {"vpc": ("id",), "route_table:public": ("id",), **dict.fromkeys(private, ("id",))}

    def peering(
        self,
        ctx: SiteContext,
        peer: SiteContext,
        network: SiteNetwork,
        peer_network: SiteNetwork,
        after: Sequence[pulumi.Resource] = (),
    ) -> aws.ec2.VpcPeeringConnection:
        """VPC peering (also across regions), accepted on the peer side, routes in every route table.

        AWS takes concurrent peering requests on one VPC: ``after`` is not waited on."""
        same_region = ctx.site.region == peer.site.region
        request = aws.ec2.VpcPeeringConnection(
            ctx.name("peering", peer.site.name),
            vpc_id=network.network_id,
            peer_vpc_id=peer_network.network_id,
            peer_region=None if same_region else peer.site.region,
            auto_accept=True if same_region else None,
            tags={**ctx.tags, "Name": ctx.name("peering", peer.site.name)},
            opts=ctx.opts(),
        )
        if not same_region:
            aws.ec2.VpcPeeringConnectionAccepter(
                peer.name("peering-accept", ctx.site.name),
                vpc_peering_connection_id=request.id,
                auto_accept=True,
                tags={**peer.tags, "Name": peer.name("peering-accept", ctx.site.name)},
                opts=peer.opts(),
            )
        for here, there, net, other in (
            (ctx, peer, network, peer_network),
            (peer, ctx, peer_network, network),
        ):
            for key, table in net.resources.items():
                if not key.startswith("route_table:"):
                    continue
                for cidr in other.cidrs:
                    if ":" in cidr:
                        continue
                    aws.ec2.Route(
                        here.name("peer-route", key.removeprefix("route_table:"), there.site.name),
                        route_table_id=table.id,  # type: ignore[attr-defined]
                        destination_cidr_block=cidr,
                        vpc_peering_connection_id=request.id,
                        opts=here.opts(),
                    )
        return request

    def app_terms(self) -> AppTerms:
        return aws_app.APP_TERMS

    def dns_terms(self) -> DnsTerms:
        return aws_app.DNS_TERMS

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.HOSTNAME  # an ALB has a DNS name, not a fixed address

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        if len(site.zones) < 2:
            return [
                f"site {site.name!r} has {len(site.zones)} zone; an Auto Scaling group and an ALB need "
                "at least 2 availability zones"
            ]
        return []

    def app_value_problems(self, value: AppValue) -> list[str]:
        return aws_app.app_value_problems(value)

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return aws_app.create_app_site(ctx, network, spec)

    def host_terms(self) -> HostTerms:
        return aws_host.HOST_TERMS

    def host_problems(self, site: SiteArgs) -> list[str]:
        return []

    def host_subnet(self, site: SiteArgs, zone: str) -> str:
        return f"private-{zone_letter(zone)}"

    def reserved_tail(self) -> int:
        return aws_host.RESERVED_TAIL

    def create_host(self, ctx: SiteContext, network: SiteNetwork, spec: HostSpec) -> HostHandle:
        return aws_host.create_host(ctx, network, spec)

    def dns_problems(self, dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
        return aws_app.route53_problems(dns, endpoints)

    def create_dns(
        self, ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]
    ) -> Mapping[str, pulumi.Resource]:
        return aws_app.create_dns(ctx, dns, endpoints)

    def dns_name_servers(self, ctx: SiteContext, dns: DnsSpec) -> pulumi.Output[list[str]]:
        return aws_app.name_servers(ctx, dns)

    def bucket_terms(self) -> BucketTerms:
        return aws_storage.BUCKET_TERMS

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        return aws_storage.create_bucket(ctx, spec)

    def grant_bucket_read(
        self, ctx: SiteContext, bucket: BucketHandle, reader: FederatedIdentity
    ) -> pulumi.Output[str]:
        return aws_storage.grant_bucket_read(ctx, bucket, reader)


#: The neutral cipher words of :class:`~skyweave.planning.vpn.CipherSet` in AWS's spelling.
_AWS_ENCRYPTION = {"aes256": "AES256", "aes128": "AES128"}
_AWS_INTEGRITY = {"sha256": "SHA2-256", "sha384": "SHA2-384", "sha512": "SHA2-512"}


def _ipv6_subnet(vpc: aws.ec2.Vpc, slot: int) -> pulumi.Output[str]:
    """The subnet's /64 at its slot inside the VPC's Amazon-provided /56."""
    block: pulumi.Output[str] = vpc.ipv6_cidr_block
    return block.apply(lambda value: str(carve(ipaddress.ip_network(value), 64, slot)))
