"""The AWS policy reader: what the pack reads from pulumi-aws resources (every ``aws:`` token the
pack judges is written here, once).

Compute is an Auto Scaling group (its ``minSize``, else ``desiredCapacity``, over the zones of
its subnets) or an instance; a VPN connection is two tunnels towards its customer gateway, which
stands for the peer by its ``ipAddress``; buckets are joined by replication and DataSync tasks
(through their locations). Imports no provider SDK: the pack reads the engine's property maps.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ...policy.model import (
    UNSPECIFIED,
    Contribution,
    DnsAnswer,
    DnsCheck,
    DnsName,
    IkeOffer,
    Ingress,
    group_number,
    is_true,
    is_world,
    ports_admitted,
    referent,
)
from ...policy.reading import Estate, Index, Reader
from ...policy.values import Finding, Resource, UnknownValue, as_int, cant_check, get, items

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
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
_FIREWALL = frozenset({SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE, EGRESS_RULE})
#: The SDK's SecurityGroup.description: "Defaults to `Managed by Pulumi`" (it describes nothing).
_DEFAULT_DESCRIPTION = "Managed by Pulumi"
BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
EBS_VOLUME = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
REDSHIFT = "aws:redshift/cluster:Cluster"
EKS = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
KMS_KEY = "aws:kms/key:Key"
VERSIONING_CONFIGS = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
_S3 = frozenset(BUCKETS)
_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
VPC_CIDR = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LOAD_BALANCERS = frozenset({"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"})
CLASSIC_ELB = "aws:elb/loadBalancer:LoadBalancer"
_R53_POLICIES = (
    "failoverRoutingPolicies",
    "weightedRoutingPolicies",
    "latencyRoutingPolicies",
    "geolocationRoutingPolicies",
    "geoproximityRoutingPolicy",
    "cidrRoutingPolicy",
)
_UNSET_ENCRYPTION = "unset (AWS then encrypts only if the account enables EBS encryption by default)"
_PUBLIC_CANNED = {"public-read", "public-read-write", "authenticated-read"}
_PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


class AwsReader(Reader):
    vendor = "aws"
    display_name = "AWS"
    packages = frozenset({"aws"})
    compute = {ASG: "auto scaling group", INSTANCE: "instance", EKS_NODE_GROUP: "EKS node group"}
    serving = frozenset(
        {
            *LOAD_BALANCERS,
            CLASSIC_ELB,
            *LISTENERS,
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
    ingress_types = frozenset({SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE})
    ike_types = frozenset({VPN})
    exposure_types = frozenset({*BUCKETS, *BUCKET_ACLS, BUCKET_POLICY})
    stateful_types = frozenset(
        {
            RDS_INSTANCE,
            RDS_CLUSTER,
            DYNAMODB_TABLE,
            REDSHIFT,
            EBS_VOLUME,
            "aws:efs/fileSystem:FileSystem",
            *BUCKETS,
            KMS_KEY,  # a key holds data in effect: deleting it loses everything encrypted with it
        }
    )
    volume_types = frozenset({EBS_VOLUME, INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION})
    public_address_types = frozenset({INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION})
    database_types = frozenset({RDS_INSTANCE, RDS_CLUSTER, REDSHIFT})
    encoded_scripts = {LAUNCH_TEMPLATE: frozenset({"userData"})}  # EC2 launch templates take base64
    topics = {
        "security-imdsv2-required": frozenset({INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION}),
        "security-imds-hop-limit": frozenset({INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION}),
        "security-no-plain-http-listeners": frozenset({*LISTENERS, *LOAD_BALANCERS, CLASSIC_ELB}),
        "redundancy-dns-health-checks": frozenset({RECORD}),
        "addresses-no-overlap": frozenset({VPC, VPC_CIDR, SUBNET}),
        "addresses-tunnel-inside-cidrs": frozenset({VPN}),
        "security-storage-versioned": frozenset({*BUCKETS, *VERSIONING_CONFIGS}),
        "security-s3-public-access-blocked": frozenset(
            {*BUCKETS, PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK}
        ),
        "security-aws-egress-restricted": frozenset({SECURITY_GROUP, SECURITY_GROUP_RULE, EGRESS_RULE}),
        "security-aws-firewall-rules-described": _FIREWALL,
        "redundancy-databases-multi-zone": frozenset({RDS_INSTANCE}),
        "redundancy-aws-dynamodb-point-in-time-recovery": frozenset({DYNAMODB_TABLE}),
        "security-aws-eks-endpoint-not-public": frozenset({EKS}),
        "redundancy-kubernetes-cluster-zones": frozenset({EKS, EKS_NODE_GROUP}),
        "security-aws-eks-secrets-encrypted": frozenset({EKS}),
        "security-kms-key-rotation": frozenset({KMS_KEY}),
        "redundancy-databases-backed-up": frozenset({RDS_INSTANCE, RDS_CLUSTER}),
    }
    also_reads = frozenset({SUBNET, ZONE, HEALTH_CHECK})

    # -- compute -----------------------------------------------------------------------------

    def capacity(self, estate: Estate, res: Resource) -> tuple[str, int, list[str]]:
        props = res.props
        if res.type == EKS_NODE_GROUP:  # its floor: the scaling config's minimum
            count = as_int(get(props, "scalingConfig", "minSize"))
            if count is None:
                count = as_int(get(props, "scalingConfig", "desiredSize")) or 0
            return "EKS node group", count, self._subnet_zones(estate, res, "subnetIds") or [UNSPECIFIED]
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
    def _subnet_zones(estate: Estate, res: Resource, prop: str) -> list[str]:
        zones = []
        for subnet in estate.index.linked(res, prop, frozenset({SUBNET})):
            zone = get(subnet.props, "availabilityZone") or get(subnet.props, "availabilityZoneId")
            if zone:
                zones.append(str(zone))
        return sorted(set(zones))

    # -- links -------------------------------------------------------------------------------

    def contributions(self, estate: Estate) -> Iterator[Contribution]:
        for res in estate.index.of_type(VPN):
            resolve = functools.partial(estate.resolve, res, "customerGatewayId")
            yield estate.contribution(res, resolve, 2, res.urn)
        for res in estate.index.of_type(PEERING):
            yield estate.peering(res, "vpcId", "peerVpcId")

    # -- DNS ---------------------------------------------------------------------------------

    def record_name(self, estate: Estate, res: Resource) -> str:
        name = str(get(res.props, "name") or "").strip().rstrip(".").lower()
        for zone in estate.index.linked(res, "zoneId", frozenset({ZONE})):
            zone_name = str(get(zone.props, "name") or "").rstrip(".").lower()
            if zone_name and name != zone_name and not name.endswith("." + zone_name):
                name = f"{name}.{zone_name}" if name else zone_name
        return name

    def record_targets(self, estate: Estate, res: Resource, entry: DnsName) -> None:
        if estate.link_targets(res, ("aliases", "records"), entry):
            return
        estate.literal_targets(res, entry, (("records", None), ("aliases", "name")))

    def dns_answers(self, estate: Estate, res: Resource) -> list[DnsAnswer]:
        """A Route 53 record: its own TTL and records (an alias answers with its target's), its
        routing policy, and the health check its ``healthCheckId`` names."""
        weighted = items(res.props, "weightedRoutingPolicies")
        failover = items(res.props, "failoverRoutingPolicies")
        if weighted:
            routing, weight = "weighted", float(get(weighted[0], "weight") or 0)
        elif failover:
            routing, weight = f"failover-{str(get(failover[0], 'type')).lower()}", None
        else:
            routing, weight = "simple", None
        aliases = [f"alias:{str(get(a, 'name')).rstrip('.').lower()}" for a in items(res.props, "aliases")]
        targets = tuple(sorted(aliases or [str(r) for r in items(res.props, "records")]))
        check = None
        if get(res.props, "healthCheckId"):
            for found in estate.index.linked(res, "healthCheckId", frozenset({HEALTH_CHECK})):
                p = found.props
                check = DnsCheck(
                    protocol=str(get(p, "type")).upper().removesuffix("_STR_MATCH"),
                    port=as_int(get(p, "port")) or 0,
                    path=str(get(p, "resourcePath") or ""),
                    interval=as_int(get(p, "requestInterval")) or 30,
                    failure_threshold=as_int(get(p, "failureThreshold")) or 3,
                )
        ttl = None if aliases else as_int(get(res.props, "ttl"))
        return [DnsAnswer(self.record_kind(res), ttl, routing, weight, targets, check)]

    # -- addresses ---------------------------------------------------------------------------

    def ranges(self, estate: Estate) -> Iterator[tuple[Resource, tuple[str | int, ...]] | Finding]:
        """VPCs, their extra CIDRs, and subnets of VPCs outside the stack (one inside a VPC of the
        stack lies inside that VPC's range, which is checked itself)."""
        index = estate.index
        in_stack = {r.urn for r in index.of_type(VPC)}
        for res in index.of_type(VPC):
            yield res, ("cidrBlock",)
        for res in index.of_type(VPC_CIDR):
            yield res, ("cidrBlock",)
        for res in index.of_type(SUBNET):
            if not any(urn in in_stack for urn in res.property_dependencies.get("vpcId", res.dependencies)):
                yield res, ("cidrBlock",)

    def inside_cidrs(self, estate: Estate) -> Iterator[tuple[tuple[str, ...], Resource, str, Any] | Finding]:
        """Each VPN connection's two tunnels' inside CIDRs, unique per virtual private gateway
        (AWS refuses a /30 twice among a gateway's connections: "Tunnel options for your
        Site-to-Site VPN connection") and per customer gateway (the device ending both tunnels).
        A transit gateway accepts a /30 twice, so it is no scope of its own."""
        for res in estate.index.of_type(VPN):
            scopes = [f"AWS VPN connection {res.name}"]
            for prop, what in (
                ("vpnGatewayId", "AWS virtual private gateway"),
                ("customerGatewayId", "customer gateway"),
            ):
                try:
                    key = referent(res, prop)
                except UnknownValue as exc:
                    yield cant_check(res, exc)
                    continue
                if key is not None:
                    scopes.append(f"{what} {key}")
            for t in (1, 2):
                try:
                    value = get(res.props, f"tunnel{t}InsideCidr")
                except UnknownValue as exc:
                    yield cant_check(res, exc)
                    continue
                yield tuple(scopes), res, f"tunnel{t}InsideCidr", value

    # -- data --------------------------------------------------------------------------------

    def copies(self, estate: Estate) -> Iterator[tuple[str, str]]:
        """An S3 bucket's inline ``replicationConfiguration`` copies it to the buckets it names."""
        for res in estate.index.of_type(*BUCKETS):
            for urn in res.property_dependencies.get("replicationConfiguration", ()):
                if urn in estate.index.by_urn:
                    yield res.urn, urn

    # -- what the shared security rules judge ------------------------------------------------

    def ingress(self, res: Resource) -> Iterator[Ingress]:
        """Security group ingress blocks, rules and ingress rules, per source range."""
        props = res.props
        if res.type == SECURITY_GROUP:
            for i, rule in enumerate(items(props, "ingress")):
                cidrs = [*items(rule, "cidrBlocks"), *items(rule, "ipv6CidrBlocks")]
                for cidr in filter(is_world, cidrs):
                    ports = ports_admitted(get(rule, "fromPort"), get(rule, "toPort"), get(rule, "protocol"))
                    yield Ingress(f"ingress[{i}]", cidr, ports)
            return
        if res.type == SECURITY_GROUP_RULE:
            if get(props, "type") != "ingress":
                return
            cidrs = [*items(props, "cidrBlocks"), *items(props, "ipv6CidrBlocks")]
            protocol_key = "protocol"
        else:
            cidrs = [get(props, "cidrIpv4"), get(props, "cidrIpv6")]
            protocol_key = "ipProtocol"
        for cidr in filter(is_world, cidrs):
            ports = ports_admitted(get(props, "fromPort"), get(props, "toPort"), get(props, protocol_key))
            yield Ingress("the rule", cidr, ports)

    def ike(self, res: Resource) -> Iterator[IkeOffer]:
        """Each tunnel's IKE versions and, per phase, integrity algorithms and DH groups. Left
        unset, AWS offers IKEv1 and IKEv2, SHA1 among the integrity algorithms and DH group 2
        among the groups (Site-to-Site VPN tunnel options), so unset is weak."""
        props = res.props
        for t in (1, 2):
            versions = [str(v).lower() for v in items(props, f"tunnel{t}IkeVersions")]
            yield IkeOffer(
                "version",
                f"tunnel{t}IkeVersions",
                tuple(versions) or None,
                unset="AWS then also accepts IKEv1",
                advice="set ['ikev2']",
            )
            for phase in (1, 2):
                at = f"tunnel{t}Phase{phase}"
                integrity = tuple(str(v) for v in items(props, f"{at}IntegrityAlgorithms"))
                yield IkeOffer(
                    "integrity",
                    f"{at}IntegrityAlgorithms",
                    integrity or None,
                    unset="AWS then also accepts SHA1",
                )
                raw = [str(g) for g in items(props, f"{at}DhGroupNumbers")]
                yield IkeOffer(
                    "dh",
                    f"{at}DhGroupNumbers",
                    tuple(raw) or None,
                    unset="AWS then also accepts DH group 2",
                    groups=tuple(group_number(g) for g in raw),
                    advice="allow only groups >= {min}",
                )

    def exposure(self, res: Resource) -> Iterator[str]:
        """A public canned ACL or AllUsers grant, a policy statement allowing ``Principal: "*"``
        with no Condition."""
        props = res.props
        if res.type in BUCKETS or res.type in BUCKET_ACLS:
            acl = get(props, "acl")
            if isinstance(acl, str) and acl in _PUBLIC_CANNED:
                yield f"acl is {acl!r}, which makes the bucket readable by anyone"
            grants = [*items(props, "grants"), *items(props, "accessControlPolicy", "grants")]
            for grant in grants:
                uri = get(grant, "uri") or get(grant, "grantee", "uri")
                if isinstance(uri, str) and uri in _PUBLIC_GRANTEES:
                    yield f"a grant gives {uri.rsplit('/', 1)[-1]} access"
        if res.type in BUCKETS or res.type == BUCKET_POLICY:
            for i in _public_statements(get(props, "policy")):
                yield f'policy Statement[{i}] allows Principal "*" with no Condition'

    def volumes(self, res: Resource, account_default: bool) -> Iterator[str]:
        """EBS volumes, instances' root and EBS devices, launch templates' block device mappings
        and launch configurations' devices; an omitted ``encrypted`` is AWS's default, unencrypted
        (unless every account encrypts new volumes by default)."""
        props = res.props

        def judge(path: str, value: Any) -> Iterator[str]:
            if is_true(value) or (value is None and account_default):
                return
            yield f"{path} is {_UNSET_ENCRYPTION if value is None else repr(value)}; set it to true"

        if res.type == EBS_VOLUME:
            yield from judge("encrypted", get(props, "encrypted"))
            return
        if res.type == LAUNCH_TEMPLATE:
            mappings = items(props, "blockDeviceMappings")
            if not mappings and not account_default:
                yield (
                    "blockDeviceMappings is unset, so the root volume's encryption is whatever the AMI's "
                    "snapshot and the account default say; map the AMI's root device with "
                    "ebs.encrypted = true"
                )
            for i, mapping in enumerate(mappings):
                if get(mapping, "noDevice") or get(mapping, "virtualName"):
                    continue
                yield from judge(f"blockDeviceMappings[{i}].ebs.encrypted", get(mapping, "ebs", "encrypted"))
            return
        # Instance and launch configuration: the root device and every extra EBS device.
        yield from judge("rootBlockDevice.encrypted", get(props, "rootBlockDevice", "encrypted"))
        for i, device in enumerate(items(props, "ebsBlockDevices")):
            if get(device, "noDevice"):
                continue
            yield from judge(f"ebsBlockDevices[{i}].encrypted", get(device, "encrypted"))

    def public_addresses(self, res: Resource) -> Iterator[str]:
        if res.type == LAUNCH_TEMPLATE:
            for i, nic in enumerate(items(res.props, "networkInterfaces")):
                if is_true(get(nic, "associatePublicIpAddress")):
                    yield f"networkInterfaces[{i}].associatePublicIpAddress is true"
        elif is_true(get(res.props, "associatePublicIpAddress")):
            yield "associatePublicIpAddress is true; reach it through a load balancer or a VPN"

    def databases(self, res: Resource) -> Iterator[str]:
        """RDS: ``storageEncrypted`` (the default is unencrypted; a read replica and Aurora
        Serverless v1 follow their source) and ``publiclyAccessible``. Redshift: ``encrypted`` and
        ``publiclyAccessible``, whose defaults since pulumi-aws 7 are encrypted and private (its
        migration guide: "`encrypted` now defaults to `true`", "`publiclyAccessible` now defaults
        to `false`"), so only what is set otherwise fails."""
        props = res.props
        if res.type == REDSHIFT:
            encrypted = get(props, "encrypted")
            if encrypted is not None and str(encrypted).lower() != "true":
                yield f"encrypted is {encrypted!r}; leave it unset or set it to 'true'"
            if get(props, "publiclyAccessible") is True:
                yield "publiclyAccessible is true; keep the cluster on private subnets"
            return
        serverless_v1 = res.type == RDS_CLUSTER and str(get(props, "engineMode") or "") == "serverless"
        encrypted = get(props, "storageEncrypted")
        replica = res.type == RDS_INSTANCE and get(props, "replicateSourceDb")
        if encrypted is not True and not serverless_v1 and not replica:
            shown = "unset (RDS then stores the data unencrypted)" if encrypted is None else repr(encrypted)
            yield f"storageEncrypted is {shown}; set it to true"
        if get(props, "publiclyAccessible") is True:
            yield "publiclyAccessible is true; keep the database on private subnets"

    def check(self, topic: str, res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
        """The instance metadata service: IMDSv2 required, and a response hop limit of at most
        maxHopLimit; security groups' egress to the world and their descriptions; RDS instances
        in more than one zone, DynamoDB tables' point-in-time recovery, EKS API endpoints."""
        if topic == "security-imdsv2-required":
            if get(res.props, "metadataOptions", "httpEndpoint") == "disabled":
                return
            tokens = get(res.props, "metadataOptions", "httpTokens")
            if tokens != "required":
                shown = "unset (AWS then accepts IMDSv1)" if tokens is None else repr(tokens)
                yield f"metadataOptions.httpTokens is {shown}; it must be 'required'"
        elif topic == "security-aws-egress-restricted":
            yield from _egress_to_the_world(res)
        elif topic == "security-aws-firewall-rules-described":
            yield from _undescribed(res)
        elif topic == "redundancy-databases-multi-zone":
            if get(res.props, "replicateSourceDb"):
                return  # a read replica: losing it loses no data
            multi = get(res.props, "multiAz")
            if multi is not True:
                shown = "unset (RDS then runs one instance in one zone)" if multi is None else repr(multi)
                yield f"multiAz is {shown}; set it to true for a standby in another zone"
        elif topic == "redundancy-aws-dynamodb-point-in-time-recovery":
            enabled = get(res.props, "pointInTimeRecovery", "enabled")
            if enabled is not True:
                shown = (
                    "unset (DynamoDB then keeps no continuous backup)" if enabled is None else repr(enabled)
                )
                yield f"pointInTimeRecovery.enabled is {shown}; set it to true"
        elif topic == "security-aws-eks-endpoint-not-public":
            yield from _eks_endpoint(res)
        elif topic == "security-aws-eks-secrets-encrypted":
            yield from _eks_secrets(res)
        elif topic == "redundancy-databases-backed-up":
            if get(res.props, "replicateSourceDb") or get(res.props, "replicationSourceIdentifier"):
                return  # a read replica: its primary's backups hold the data
            days = as_int(get(res.props, "backupRetentionPeriod"))
            if days == 0:
                yield (
                    "backupRetentionPeriod is 0: RDS keeps no automated backups; leave it unset or set "
                    "1-35 days"
                )
        elif topic == "security-kms-key-rotation":
            spec = get(res.props, "customerMasterKeySpec") or get(res.props, "keySpec")
            if spec is not None and str(spec) != "SYMMETRIC_DEFAULT":
                return  # asymmetric and HMAC keys cannot rotate automatically
            rotation = get(res.props, "enableKeyRotation")
            if rotation is not True:
                shown = "unset (the SDK's default is false)" if rotation is None else repr(rotation)
                yield f"enableKeyRotation is {shown}; set it to true (AWS then rotates the key yearly)"
        elif topic == "security-imds-hop-limit":
            limit = int(cfg["maxHopLimit"])
            hops = as_int(get(res.props, "metadataOptions", "httpPutResponseHopLimit"))
            if hops is not None and hops > limit:
                yield (
                    f"metadataOptions.httpPutResponseHopLimit is {hops}; above {limit} a container or a "
                    "forwarded request on the instance can fetch a metadata token"
                )

    def check_stack(self, topic: str, estate: Estate, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        """S3 buckets' versioning and public access blocks. With pulumi-aws 7 a bucket's
        versioning is usually a separate resource (``s3.BucketVersioning`` and its older
        ``…V2`` name) that points at the bucket, linked through the engine's (property)
        dependencies, which hold even when the bucket's name is unknown in a preview."""
        if topic == "security-storage-versioned":
            yield from _s3_versioned(estate.index)
        elif topic == "security-s3-public-access-blocked":
            yield from _s3_public_access_block(estate.index)
        elif topic == "security-no-plain-http-listeners":
            yield from _plain_http(estate.index)
        elif topic == "redundancy-dns-health-checks":
            yield from _dns_health_checks(estate.index)
        elif topic == "redundancy-kubernetes-cluster-zones":
            yield from self._eks_zones(estate)

    def _eks_zones(self, estate: Estate) -> Iterator[Finding]:
        """Each EKS cluster's node groups, together, in two zones or more (EKS runs the control
        plane in several zones itself): a cluster whose every node is in one zone loses its
        workloads with that zone, however many node groups it has."""
        groups: dict[str, list[Resource]] = {}
        for group in estate.index.of_type(EKS_NODE_GROUP):
            for cluster in estate.index.linked(group, "clusterName", frozenset({EKS})):
                groups.setdefault(cluster.urn, []).append(group)
        for cluster in estate.index.of_type(EKS):
            zones: set[str] = set()
            try:
                for group in groups.get(cluster.urn, []):
                    zones.update(self._subnet_zones(estate, group, "subnetIds"))
            except UnknownValue as exc:
                yield cant_check(cluster, exc)
                continue
            if groups.get(cluster.urn) and len(zones) < 2:
                where = f"zone {next(iter(zones))}" if zones else "zones the plan does not show"
                yield Finding(
                    f"EKS cluster {cluster.name!r} has its nodes in {where} only: losing that zone loses "
                    "every node; give it node groups in two zones or more",
                    cluster.urn,
                )


def _eks_endpoint(res: Resource) -> Iterator[str]:
    """The public API endpoint, when on (the SDK: ``endpointPublicAccess`` "Default is true"),
    admits only listed ranges (``publicAccessCidrs``: "EKS defaults this to a list with
    0.0.0.0/0")."""
    public = get(res.props, "vpcConfig", "endpointPublicAccess")
    if public is False:
        return
    cidrs = items(res.props, "vpcConfig", "publicAccessCidrs")
    world = [str(c) for c in cidrs if is_world(c)]
    if cidrs and not world:
        return
    state = "unset (EKS then enables it)" if public is None else "true"
    opened = ", ".join(world) if world else "0.0.0.0/0 (publicAccessCidrs is unset)"
    yield (
        f"vpcConfig.endpointPublicAccess is {state} and its publicAccessCidrs admit {opened}: the "
        "Kubernetes API answers the whole internet; set endpointPrivateAccess true and "
        "endpointPublicAccess false, or list your own ranges"
    )


def _eks_secrets(res: Resource) -> Iterator[str]:
    """``encryptionConfig`` (the SDK: "resources ... Valid values: `secrets`", and a KMS key in
    ``provider.keyArn``). Kubernetes 1.28 and later get EKS's default envelope encryption with an
    AWS owned key (EKS user guide, "Default envelope encryption for all Kubernetes API data");
    an older ``version`` keeps secrets in etcd unencrypted."""
    config = get(res.props, "encryptionConfig")
    if config is not None and "secrets" in [str(r) for r in items(config, "resources")]:
        return
    version = str(get(res.props, "version") or "")
    major, _, minor = version.partition(".")
    old = major.isdigit() and minor.isdigit() and (int(major), int(minor)) < (1, 28)
    default = (
        f"before 1.28 (version {version!r}) EKS leaves secrets unencrypted in etcd"
        if old
        else "EKS then encrypts them with an AWS owned key, whose policy and rotation are not yours"
    )
    state = "unset" if config is None else "without 'secrets' in its resources"
    yield (
        f"encryptionConfig is {state}: {default}; encrypt secrets with a KMS key of your own "
        "(encryptionConfig resources ['secrets'])"
    )


def _every_protocol(protocol: Any) -> bool:
    """``-1`` (the API's) or ``all`` (SecurityGroupRule's spelling of it)."""
    return str(protocol).strip().lower() in {"-1", "all"}


def _egress_to_the_world(res: Resource) -> Iterator[str]:
    """Egress on every protocol to 0.0.0.0/0 or ::/0: inline ``egress`` blocks, egress
    SecurityGroupRules and VPC egress rules."""
    props = res.props
    if res.type == SECURITY_GROUP:
        rules = [(f"egress[{i}]", rule, "protocol") for i, rule in enumerate(items(props, "egress"))]
    elif res.type == SECURITY_GROUP_RULE:
        rules = [("the rule", props, "protocol")] if get(props, "type") == "egress" else []
    else:
        rules = [("the rule", props, "ipProtocol")]
    for where, rule, key in rules:
        if not _every_protocol(get(rule, key)):
            continue
        cidrs = [*items(rule, "cidrBlocks"), *items(rule, "ipv6CidrBlocks")]
        cidrs += [get(rule, "cidrIpv4"), get(rule, "cidrIpv6")]
        world = [str(c) for c in cidrs if is_world(c)]
        if world:
            yield (
                f"{where} allows every protocol to {', '.join(world)}: list the destinations and ports the "
                "instances need (a compromised instance then cannot reach anywhere it likes)"
            )


def _undescribed(res: Resource) -> Iterator[str]:
    """A security group's ``description`` and each inline rule's; a rule resource's."""
    props = res.props
    if res.type == SECURITY_GROUP:
        described = get(props, "description")
        if described is None or str(described).strip() in {"", _DEFAULT_DESCRIPTION}:
            shown = "unset" if described is None else repr(described)
            default = _DEFAULT_DESCRIPTION
            yield f"description is {shown} (the SDK's default is {default!r}); say what it admits"
        for block in ("ingress", "egress"):
            for i, rule in enumerate(items(props, block)):
                if not str(get(rule, "description") or "").strip():
                    yield f"{block}[{i}] has no description"
        return
    if not str(get(props, "description") or "").strip():
        yield "description is unset; say what the rule admits and why"


def _principal_is_anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any(_principal_is_anyone(get(principal, key)) for key in principal)
    if isinstance(principal, Sequence) and not isinstance(principal, str):
        return any(p == "*" for p in items(principal))
    return False


def _public_statements(policy: Any) -> list[int]:
    """Indexes of Allow statements granting ``Principal: "*"`` with no Condition to narrow them.

    A policy given as an object (not a JSON string) is read through ``get``: a part unknown in
    the preview raises ``UnknownValue`` rather than passing for absent.
    """
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    if not isinstance(policy, Mapping):
        return []
    found = []
    for i, statement in enumerate(items(policy, "Statement")):
        if not isinstance(statement, Mapping) or get(statement, "Effect") != "Allow":
            continue
        if _principal_is_anyone(get(statement, "Principal")) and not get(statement, "Condition"):
            found.append(i)
    return found


def _buckets_configured(index: Index, types: tuple[str, ...], ok: Any) -> tuple[set[str], list[Finding]]:
    """URNs of S3 buckets that a separate resource of ``types`` configures so that ``ok(res)``, or
    may: a configuring resource whose values are unknown in a preview counts for its buckets, and
    says it cannot be checked yet — an unknown never becomes a mandatory finding (issue 16)."""
    done: set[str] = set()
    notes: list[Finding] = []
    for res in index.of_type(*types):
        try:
            good = ok(res)
        except UnknownValue as exc:
            notes.append(cant_check(res, exc))
            done.update(t.urn for t in index.linked(res, "bucket", _S3))  # linked by dependency
            continue
        if good:
            done.update(t.urn for t in index.linked(res, "bucket", _S3))
    return done, notes


def _s3_versioned(index: Index) -> Iterator[Finding]:
    def versions(res: Resource) -> bool:
        return bool(get(res.props, "versioningConfiguration", "status") == "Enabled")

    done, notes = _buckets_configured(index, VERSIONING_CONFIGS, versions)
    yield from notes
    for bucket in index.of_type(*_S3):
        if bucket.urn in done:
            continue
        try:
            enabled = get(bucket.props, "versioning", "enabled")
        except UnknownValue as exc:
            yield cant_check(bucket, exc)
            continue
        if enabled is not True:
            yield Finding(
                f"S3 bucket {bucket.name!r} is not versioned "
                "(add an s3.BucketVersioning with status 'Enabled')",
                bucket.urn,
            )


def _s3_public_access_block(index: Index) -> Iterator[Finding]:
    def blocks(res: Resource) -> bool:
        return all(get(res.props, flag) is True for flag in _BLOCK_FLAGS)

    done, notes = _buckets_configured(index, (PUBLIC_ACCESS_BLOCK,), blocks)
    yield from notes
    partial: dict[str, list[str]] = {}
    for res in index.of_type(PUBLIC_ACCESS_BLOCK):
        try:
            off = [flag for flag in _BLOCK_FLAGS if get(res.props, flag) is not True]
        except UnknownValue:
            continue
        linked = index.linked(res, "bucket", _S3)
        for bucket in linked:
            partial.setdefault(bucket.urn, off)
        if not linked and off:  # a bucket outside the plan: the block is all there is to judge
            try:
                named = get(res.props, "bucket")
            except UnknownValue:
                named = None
            shown = f"bucket {named!r}" if isinstance(named, str) else "a bucket outside this plan"
            yield Finding(
                f"public access block {res.name!r} for {shown} leaves {', '.join(off)} off: "
                "set all four true",
                res.urn,
            )
    account_wide = False
    account_unknown: Resource | None = None  # an account block whose settings a preview cannot know
    for res in index.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK):
        try:
            account_wide = account_wide or blocks(res)
        except UnknownValue as exc:
            account_unknown = account_unknown or res
            yield cant_check(res, exc)
    if account_wide:
        return
    for bucket in index.of_type(*_S3):
        if bucket.urn in done:
            continue
        if account_unknown is not None:  # it may block every bucket's public access (issue 16)
            yield Finding(
                f"can't check {bucket.urn} during preview: the account public access block "
                f"{account_unknown.name!r} may cover it, and its settings are not known until the update "
                "runs",
                bucket.urn,
                unknown=True,
            )
            continue
        left_off = partial.get(bucket.urn)
        if left_off:
            yield Finding(
                f"S3 bucket {bucket.name!r}: its public access block leaves {', '.join(left_off)} off",
                bucket.urn,
            )
        else:
            yield Finding(
                f"S3 bucket {bucket.name!r} has no public access block (add an s3.BucketPublicAccessBlock "
                "with all four settings true, or an s3.AccountPublicAccessBlock)",
                bucket.urn,
            )


def _redirects_to_https(action: Any) -> bool:
    return (
        str(get(action, "type") or "").lower() == "redirect"
        and str(get(action, "redirect", "protocol") or "").upper() == "HTTPS"
    )


def _default_protocol(index: Index, listener: Resource) -> str:
    """What a listener without ``protocol`` serves: HTTP on an application load balancer (the
    SDK's ``Listener.protocol``: "for Application Load Balancers ... a default of HTTP"; the
    provider sends HTTP when the load balancer's ARN is an ALB's), nothing the rule judges on a
    network or gateway load balancer, or on one outside the plan whose ARN does not say."""
    for lb in index.linked(listener, "loadBalancerArn", LOAD_BALANCERS):
        kind = get(lb.props, "loadBalancerType")
        return "HTTP" if kind is None or str(kind).lower() == "application" else ""
    arn = get(listener.props, "loadBalancerArn")
    return "HTTP" if isinstance(arn, str) and ":loadbalancer/app/" in arn else ""


def _plain_http(index: Index) -> Iterator[Finding]:
    """An HTTP listener's only action is a redirect to HTTPS; a classic ELB serves no HTTP."""
    for res in index.of_type(*LISTENERS):
        try:
            protocol = str(get(res.props, "protocol") or "").upper()
            unset = not protocol
            if unset:
                protocol = _default_protocol(index, res)
            actions = items(res.props, "defaultActions")
            if protocol != "HTTP" or (actions and all(_redirects_to_https(a) for a in actions)):
                continue
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        try:
            port = as_int(get(res.props, "port"))
        except UnknownValue:
            port = None  # only the message names it: an HTTP listener serves plain HTTP on any port
        why = " (its protocol is unset, and an application load balancer's default is HTTP)" if unset else ""
        on_port = f" on port {port}" if port else ""
        yield Finding(
            f"load balancer listener {res.name!r} serves plain HTTP{on_port}{why}: "
            "serve HTTPS and make this listener's only action a redirect to HTTPS",
            res.urn,
        )
    for res in index.of_type(CLASSIC_ELB):
        try:
            plain = [
                i
                for i, lst in enumerate(items(res.props, "listeners"))
                if str(get(lst, "lbProtocol")).lower() == "http"
            ]
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        for i in plain:
            yield Finding(f"classic load balancer {res.name!r}: listeners[{i}] serves plain HTTP", res.urn)


def _dns_health_checks(index: Index) -> Iterator[Finding]:
    """A record with a routing policy is health checked (a failover secondary need not be)."""
    for res in index.of_type(RECORD):
        try:
            policies = [p for p in _R53_POLICIES if get(res.props, p)]
            health = get(res.props, "healthCheckId")
            failover = [str(get(f, "type")).upper() for f in items(res.props, "failoverRoutingPolicies")]
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        if failover and all(kind == "SECONDARY" for kind in failover):
            continue  # Route 53 treats a secondary without a health check as healthy: that is the point
        if policies and not health:
            yield Finding(
                f"Route 53 record {res.name!r} uses {policies[0]} but has no healthCheckId, so it never "
                "fails over",
                res.urn,
            )
