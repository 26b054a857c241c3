"""The AWS policy reader: what the pack reads from pulumi-aws resources (every ``aws:`` token the
pack judges is written here, once).

Compute is an Auto Scaling group (its ``minSize``, else ``desiredCapacity``, over the zones of
its subnets) or an instance; a VPN connection is two tunnels towards its customer gateway, which
stands for the peer by its ``ipAddress``; buckets are joined by replication and DataSync tasks
(through their locations). Imports no provider SDK: the pack reads the engine's property maps.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...policy.model import UNSPECIFIED, Contribution, DnsName
from ...policy.reading import Reader
from ...policy.rule import Resource, as_int, get, items

if TYPE_CHECKING:
    from ...policy.facts import EstateFacts

__all__ = ["AwsReader"]

ASG = "aws:autoscaling/group:Group"
INSTANCE = "aws:ec2/instance:Instance"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
EIP = "aws:ec2/eip:Eip"
VPN = "aws:ec2/vpnConnection:VpnConnection"
CUSTOMER_GATEWAY = "aws:ec2/customerGateway:CustomerGateway"
PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
RECORD = "aws:route53/record:Record"
ZONE = "aws:route53/zone:Zone"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")


class AwsReader(Reader):
    vendor = "aws"
    display_name = "AWS"
    packages = frozenset({"aws"})
    compute = {ASG: "auto scaling group", INSTANCE: "instance"}
    serving = frozenset(
        {
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:alb/loadBalancer:LoadBalancer",
            "aws:elb/loadBalancer:LoadBalancer",
            "aws:lb/listener:Listener",
            "aws:alb/listener:Listener",
            "aws:lb/listenerRule:ListenerRule",
            "aws:lb/targetGroup:TargetGroup",
            "aws:alb/targetGroup:TargetGroup",
            "aws:lb/targetGroupAttachment:TargetGroupAttachment",
            "aws:autoscaling/attachment:Attachment",
            EIP,
            "aws:ec2/eipAssociation:EipAssociation",
        }
    )
    addresses = {EIP: ("publicIp",), INSTANCE: ("publicIp", "privateIp")}
    peer_sources = {
        "customerGatewayId": frozenset({CUSTOMER_GATEWAY}),
        "ipAddress": frozenset({EIP}),
        "peerAddress": frozenset({VPN}),
        "peerVpcId": frozenset({VPC}),
        "remoteIpPrefix": frozenset({VPN}),
        "gatewayIpAddress": frozenset({VPN}),  # an Azure local network gateway's: an AWS tunnel
    }
    stand_ins = {CUSTOMER_GATEWAY: ("ipAddress",)}
    links = frozenset({VPN, PEERING})
    networks = frozenset({VPC})
    buckets = dict.fromkeys(BUCKETS, "S3 bucket")
    copiers = frozenset({"aws:s3/bucketReplicationConfig:BucketReplicationConfig", "aws:datasync/task:Task"})
    relays = ("aws:datasync/location",)
    dns_records = {RECORD: "Route 53"}
    also_reads = frozenset({SUBNET, ZONE})

    # -- compute -----------------------------------------------------------------------------

    def capacity(self, estate: EstateFacts, res: Resource) -> tuple[str, int, list[str]]:
        props = res.props
        if res.type == ASG:
            count = as_int(get(props, "minSize"))
            if count is None:
                count = as_int(get(props, "desiredCapacity")) or 0
            zones = self._subnet_zones(estate, res, "vpcZoneIdentifiers") or [
                str(z) for z in items(props, "availabilityZones")
            ]
            return "auto scaling group", count, zones or [UNSPECIFIED]
        zone = get(props, "availabilityZone")
        zones = [str(zone)] if zone else self._subnet_zones(estate, res, "subnetId")[:1]
        return "instance", 1, zones or [UNSPECIFIED]

    @staticmethod
    def _subnet_zones(estate: EstateFacts, res: Resource, prop: str) -> list[str]:
        zones = []
        for subnet in estate.index.linked(res, prop, frozenset({SUBNET})):
            zone = get(subnet.props, "availabilityZone") or get(subnet.props, "availabilityZoneId")
            if zone:
                zones.append(str(zone))
        return sorted(set(zones))

    # -- links -------------------------------------------------------------------------------

    def contributions(self, estate: EstateFacts) -> Iterator[Contribution]:
        for res in estate.index.of_type(VPN):
            resolve = functools.partial(estate.resolve, res, "customerGatewayId")
            yield estate.contribution(res, resolve, 2, res.urn)
        for res in estate.index.of_type(PEERING):
            yield estate.peering(res, "vpcId", "peerVpcId")

    # -- DNS ---------------------------------------------------------------------------------

    def record_name(self, estate: EstateFacts, res: Resource) -> str:
        name = str(get(res.props, "name") or "").strip().rstrip(".").lower()
        for zone in estate.index.linked(res, "zoneId", frozenset({ZONE})):
            zone_name = str(get(zone.props, "name") or "").rstrip(".").lower()
            if zone_name and name != zone_name and not name.endswith("." + zone_name):
                name = f"{name}.{zone_name}" if name else zone_name
        return name

    def record_targets(self, estate: EstateFacts, res: Resource, entry: DnsName) -> None:
        if estate.link_targets(res, ("aliases", "records"), entry):
            return
        estate.literal_targets(res, entry, (("records", None), ("aliases", "name")))

    # -- data --------------------------------------------------------------------------------

    def copies(self, estate: EstateFacts) -> Iterator[tuple[str, str]]:
        """An S3 bucket's inline ``replicationConfiguration`` copies it to the buckets it names."""
        for res in estate.index.of_type(*BUCKETS):
            for urn in res.property_dependencies.get("replicationConfiguration", ()):
                if urn in estate.index.by_urn:
                    yield res.urn, urn
