"""What the AWS provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code, a policy or a program commonly reads back are given;
everything else stays as the inputs (the SDK mock's default), and an invoke's answer is completed
to its SDK result type by the offline runtime. Values derive from the resource's name (or the
invoke's arguments), so every preview of the same program is the same.
:class:`~skyweave.engine.offline.OfflineMocks` asks each driver, with the provider configuration
that applies (the stack's ``aws:`` keys under an explicit provider's inputs).

Ids are shaped as AWS shapes them: EC2's ``<prefix>-<17 hexadecimal digits>`` (:data:`ID_PREFIXES`),
a load balancer's ARN; any other type keeps the runtime's name-based id, as types AWS identifies
by name (a bucket, a role) have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..stand_ins import DOCUMENTATION_NET_2, certificate_authority, documentation_address
from ..stand_ins import digest as _digest

__all__ = ["ACCOUNT", "ID_PREFIXES", "availability_zones", "preview_call", "preview_outputs"]

#: The account offline resources live in (the shape of an account id: 12 digits).
ACCOUNT = "123456789012"

#: EC2 resource ids: "<prefix>-<17 hexadecimal characters>" since long ids (Source: "Resource IDs",
#: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html). Each prefix is the one
#: pulumi-aws's own import example for the type shows (`pulumi import aws:ec2/vpc:Vpc test_vpc
#: vpc-a01106c2`; tests/test_offline_shapes.py reads them).
ID_PREFIXES: dict[str, str] = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": "eigw",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/eipAssociation:EipAssociation": "eipassoc",
    "aws:ec2/vpnGateway:VpnGateway": "vgw",
    "aws:ec2/customerGateway:CustomerGateway": "cgw",
    "aws:ec2/vpnConnection:VpnConnection": "vpn",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/networkInterface:NetworkInterface": "eni",
    "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment": "eni-attach",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/vpcDhcpOptions:VpcDhcpOptions": "dopt",
    "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation": "vpc-cidr-assoc",
    "aws:ec2/ami:Ami": "ami",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "tgw",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "tgw-attach",
    "aws:ebs/volume:Volume": "vol",
    "aws:ebs/snapshot:Snapshot": "snap",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
}

#: How an AZ ID abbreviates a Region code's words (``us-east-1`` → ``use1``; ``ap-southeast-2``
#: → ``apse2``; ``us-gov-west-1`` → ``usgw1``), as the AZ ID tables of "AWS Availability Zones"
#: show (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html).
_AZ_WORDS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "gov": "g",
}

#: Availability Zones a Region offers offline: AWS documents "Each Region has at least three
#: Availability Zones" and codes them as the Region code plus a letter (same page), so a region
#: answers with its first three.
ZONES_PER_REGION = 3


def _hex_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{_digest('id', *parts)[:17]}"


def preview_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    out = _outputs(type_token, name, inputs)
    if type_token == "aws:eks/cluster:Cluster":
        # EKS's endpoint shape: https://<32 hex>.<label>.<region>.eks.amazonaws.com (EKS User Guide).
        region = str((provider or {}).get("region") or "us-east-1")
        h = _digest("eks", name)
        out.update(
            _unless_given(inputs, name=f"{name}-{h[:7]}"),
            endpoint=f"https://{h[:32].upper()}.gr7.{region}.eks.amazonaws.com",
            certificateAuthority={"data": certificate_authority("eks", name)},
        )
    prefix = ID_PREFIXES.get(type_token)
    if prefix is not None:
        out.setdefault("id", _hex_id(prefix, type_token, name))
    return out


def _outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if type_token == "aws:ec2/vpc:Vpc" and inputs.get("assignGeneratedIpv6CidrBlock"):
        h = _digest("ipv6", name)
        return {"ipv6CidrBlock": f"2600:1f18:{h[:4]}:{h[4:6]}00::/56"}
    if type_token == "aws:lb/loadBalancer:LoadBalancer":
        h = _digest("alb", name)
        arn = f"arn:aws:elasticloadbalancing:mock:{ACCOUNT}:loadbalancer/app/{h[:16]}"
        given = _unless_given(inputs, arn=arn)
        return {
            **given,
            "id": given.get("arn", inputs.get("arn")),  # a load balancer's id is its ARN
            "dnsName": f"{name}-{int(h[:8], 16) % 10**9}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",  # the shape of an ELB hosted zone id
        }
    if type_token == "aws:ec2/eip:Eip":
        # An Elastic IP's address: from 198.51.100.0/24 (RFC 5737 documentation range).
        h = _digest("eip", name)
        address = documentation_address(DOCUMENTATION_NET_2, "eip", name)
        return {"publicIp": address, "allocationId": f"eipalloc-{h[:17]}"}
    if type_token == "aws:ec2/vpnConnection:VpnConnection":
        # AWS's two tunnel endpoints: distinct per connection and tunnel (an appliance's rendered
        # configuration needs them), from 198.18.0.0/15 (RFC 2544 benchmarking range).
        return {f"tunnel{n}Address": _benchmark_ip(name, str(n)) for n in (1, 2)}
    if type_token == "aws:s3/bucket:Bucket":  # auto-named like Pulumi: the name plus a suffix
        return _unless_given(inputs, bucket=f"{name}-{_digest('name', name)[:7]}")
    if type_token == "aws:iam/role:Role":
        return _unless_given(inputs, arn=f"arn:aws:iam::{ACCOUNT}:role/{name}-{_digest('role', name)[:7]}")
    return {}


def _benchmark_ip(*parts: str) -> str:
    n = int(_digest("ip", *parts)[:8], 16) % (2 * 65536 - 2) + 1
    return f"198.{18 + n // 65536}.{n // 256 % 256}.{n % 256}"


def _unless_given(inputs: Mapping[str, Any], **values: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in inputs}


_TLDS = ("com", "net", "org", "co.uk")


def availability_zones(region: str) -> dict[str, Any]:
    """``getAvailabilityZones``' answer for ``region``: names and AZ IDs as AWS codes them."""
    words = region.split("-")
    number = words[-1] if words[-1].isdigit() else ""
    middle = words[1:-1] if number else words[1:]
    abbreviation = words[0] + "".join(_AZ_WORDS.get(w, w[:1]) for w in middle) + number
    letters = "abcdefghijklmnopqrstuvwxyz"[:ZONES_PER_REGION]
    return {
        "id": region,
        "region": region,
        "names": [f"{region}{letter}" for letter in letters],
        "zoneIds": [f"{abbreviation}-az{n}" for n in range(1, ZONES_PER_REGION + 1)],
        "groupNames": [region],
    }


def preview_call(
    token: str, args: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    region = str(args.get("region") or (provider or {}).get("region") or "us-east-1")
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return availability_zones(region)
    if token == "aws:index/getRegion:getRegion":
        return {
            "id": region,
            "name": region,
            "region": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region,
        }
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        user = "skyweave-offline"
        return {
            "id": ACCOUNT,
            "accountId": ACCOUNT,
            "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
            "userId": "AIDA" + _digest("user", user)[:17].upper(),
        }
    if token == "aws:route53/getZone:getZone":
        # A delegation set's shape: four servers in four top-level domains, numbered per zone.
        n = int(_digest("zone", str(args.get("zoneId") or args.get("name") or ""))[:6], 16)
        servers = [
            f"ns-{(n + i * 509) % 2048}.awsdns-{(n + i) % 64:02d}.{tld}" for i, tld in enumerate(_TLDS)
        ]
        return {"zoneId": args.get("zoneId") or "Z0", "nameServers": servers}
    if token == "aws:ssm/getParameter:getParameter":  # an image given as resolve:ssm:<name>
        name = str(args.get("name", ""))
        return {"id": name, "name": name, "type": "String", "value": f"ami-resolved-from:{name}"}
    if token == "aws:ec2/getAmi:getAmi":
        # The root device of Amazon Linux and most current AMIs; a real lookup says per AMI.
        filters = args.get("filters") or []
        image = next(
            (f["values"][0] for f in filters if isinstance(f, Mapping) and f.get("name") == "image-id"),
            _hex_id("ami", token, repr(sorted((k, repr(v)) for k, v in args.items())), region),
        )
        owners = [str(o) for o in args.get("owners") or [] if str(o).isdigit()]
        return {
            "id": image,
            "imageId": image,
            "arn": f"arn:aws:ec2:{region}::image/{image}",
            "architecture": "x86_64",
            "rootDeviceName": "/dev/xvda",
            "rootDeviceType": "ebs",
            "virtualizationType": "hvm",
            "ownerId": owners[0] if owners else ACCOUNT,
            "state": "available",
        }
    return None
