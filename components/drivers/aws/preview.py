"""What the AWS provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

__all__ = ["preview_call", "preview_outputs"]


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def preview_outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if type_token == "aws:ec2/vpc:Vpc" and inputs.get("assignGeneratedIpv6CidrBlock"):
        h = _digest("ipv6", name)
        return {"ipv6CidrBlock": f"2600:1f18:{h[:4]}:{h[4:6]}00::/56"}
    if type_token == "aws:lb/loadBalancer:LoadBalancer":
        h = _digest("alb", name)
        arn = f"arn:aws:elasticloadbalancing:mock:123456789012:loadbalancer/app/{h[:16]}"
        return {
            **_unless_given(inputs, arn=arn),
            "dnsName": f"{name}-{int(h[:8], 16) % 10**9}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",  # the shape of an ELB hosted zone id
        }
    if type_token == "aws:ec2/eip:Eip":
        # An Elastic IP's address: from 198.51.100.0/24 (RFC 5737 documentation range).
        h = _digest("eip", name)
        return {"publicIp": f"198.51.100.{int(h[:4], 16) % 254 + 1}", "allocationId": f"eipalloc-{h[:17]}"}
    if type_token == "aws:ec2/vpnConnection:VpnConnection":
        # AWS's two tunnel endpoints: distinct per connection and tunnel (an appliance's rendered
        # configuration needs them), from 198.18.0.0/15 (RFC 2544 benchmarking range).
        return {f"tunnel{n}Address": _benchmark_ip(name, str(n)) for n in (1, 2)}
    if type_token == "aws:s3/bucket:Bucket":  # auto-named like Pulumi: the name plus a suffix
        return _unless_given(inputs, bucket=f"{name}-{_digest('name', name)[:7]}")
    if type_token == "aws:iam/role:Role":
        return _unless_given(inputs, arn=f"arn:aws:iam::123456789012:role/{name}-{_digest('role', name)[:7]}")
    return {}


def _benchmark_ip(*parts: str) -> str:
    n = int(_digest("ip", *parts)[:8], 16) % (2 * 65536 - 2) + 1
    return f"198.{18 + n // 65536}.{n // 256 % 256}.{n % 256}"


def _unless_given(inputs: Mapping[str, Any], **values: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in inputs}


_TLDS = ("com", "net", "org", "co.uk")


def preview_call(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {"names": [], "zoneIds": []}
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
            (f["values"][0] for f in filters if isinstance(f, Mapping) and f.get("name") == "image-id"), "ami"
        )
        return {"id": image, "imageId": image, "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs"}
    return None
