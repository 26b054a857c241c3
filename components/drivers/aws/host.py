"""AWS shape of a single server (a database member): a security group admitting exactly the
spec's rules, and an EC2 instance at its fixed private address (IMDSv2 only) whose root EBS
volume is sized, encrypted (EBS encryption with the account's key: AWS's default is
unencrypted) and kept when the instance goes (``delete_on_termination`` false), with API
termination disabled and the instance protected in Pulumi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hosts import HostHandle, HostSpec, HostTerms
from ..sdk import lazy_sdk
from ..site import SiteContext, SiteNetwork

if TYPE_CHECKING:
    import pulumi_aws as aws
else:
    aws = lazy_sdk("pulumi_aws")

__all__ = ["HOST_TERMS", "RESERVED_TAIL", "create_host"]

HOST_TERMS = HostTerms(
    image="AMI id (the site's region's)",
    size="EC2 instance type",
    encryption="EBS encryption of the root volume (encrypted: true, the account's default KMS key)",
)
#: AWS keeps the last address of every subnet (the broadcast address; "Subnet CIDR reservations",
#: Amazon VPC User Guide).
RESERVED_TAIL = 1


def create_host(ctx: SiteContext, network: SiteNetwork, spec: HostSpec) -> HostHandle:
    vpc_id = network.network_id
    assert vpc_id is not None
    sg_name = ctx.name("sg", spec.key)
    tags = {**ctx.tags, **spec.tags}
    group = aws.ec2.SecurityGroup(
        sg_name,
        vpc_id=vpc_id,
        description=f"{ctx.component} {spec.key}: its peers' ports only",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp",
                from_port=rule.port,
                to_port=rule.port,
                cidr_blocks=list(rule.sources),
                description=rule.description,
            )
            for rule in spec.ingress
        ],
        # Security groups do not filter the VPC's DNS resolver nor the Time Sync Service ("Security
        # group rules", Amazon VPC User Guide), so these are all a member needs.
        egress=[
            aws.ec2.SecurityGroupEgressArgs(
                protocol="tcp",
                from_port=rule.port,
                to_port=rule.port,
                cidr_blocks=list(rule.sources),
                description=rule.description,
            )
            for rule in spec.egress
        ],
        tags={**tags, "Name": sg_name},
        opts=ctx.opts(),
    )
    name = ctx.name("vm", spec.key)
    instance = aws.ec2.Instance(
        name,
        ami=spec.image,
        instance_type=spec.size,
        availability_zone=spec.zone,
        subnet_id=network.subnet_ids[spec.subnet],
        private_ip=spec.address,
        vpc_security_group_ids=[group.id],
        metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_endpoint="enabled", http_tokens="required"),
        root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
            volume_size=spec.disk_gb,
            volume_type="gp3",
            encrypted=True,
            delete_on_termination=False,
            tags={**tags, "Name": name},
        ),
        user_data=spec.user_data,
        disable_api_termination=True,
        tags={**tags, "Name": name},
        opts=ctx.opts(protect=True, depends_on=[network.resources[f"subnet:{spec.subnet}"]]),
    )
    return HostHandle(spec.key, instance.private_ip, {"security_group": group, "instance": instance})
