"""A deliberately broken estate: one vendor, one zone, SSH open to the world, an
unversioned, unblocked and uncopied bucket, an instance without IMDSv2 or an encrypted root volume,
and a service that cannot survive losing AWS.

`skyweave check --stack broken` (run in this directory) must fail with every one of those; the
test suite holds it to that. Do not copy anything here.
"""

import pulumi
import pulumi_aws as aws
import skyweave

config = skyweave.load_stack_config()
providers = skyweave.SiteProviders(config.sites)
network = skyweave.HybridVpc(config.network.name, config.hybrid_vpc_args(), providers=providers)

site = config.sites[0]
aws_site = pulumi.ResourceOptions(provider=providers[site.name])
vpc_id = network.site_networks[site.name].network_id

# A user's own security group (not a skyweave component): SSH from anywhere.
ssh = aws.ec2.SecurityGroup(
    "ssh-from-anywhere",
    vpc_id=vpc_id,
    ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}],
    opts=aws_site,
)

# Data without versioning or protect=True (S3 encrypts it by default: nothing to ask for).
aws.s3.Bucket("loose-data", opts=aws_site)

# An instance that still answers IMDSv1.
aws.ec2.Instance(
    "legacy-vm",
    ami="ami-0123456789abcdef0",
    instance_type="t3.micro",
    availability_zone=site.zones[0],
    vpc_security_group_ids=[ssh.id],
    opts=aws_site,
)


class Service(pulumi.ComponentResource):
    """Stands in for a MultiCloudApp: the properties the pack reads, and the compute behind them —
    an auto scaling group of ``count`` in one zone, all on one vendor."""

    def __init__(self, name: str, placements: list[dict[str, object]], min_healthy: int) -> None:
        props = {"placements": placements, "minHealthy": min_healthy, "survive": "vendor"}
        super().__init__("skyweave:app:MultiCloudApp", name, props)
        count = sum(int(str(p["count"])) for p in placements)
        aws.autoscaling.Group(
            f"{name}-asg",
            min_size=count,
            max_size=count,
            availability_zones=[str(placements[0]["zone"])],
            launch_template={"id": "lt-0123456789abcdef0", "version": "$Latest"},
            opts=pulumi.ResourceOptions(parent=self, provider=providers[site.name]),
        )
        self.register_outputs(props)


Service(
    "web",
    placements=[
        {"site": site.name, "vendor": "aws", "region": site.region, "zone": site.zones[0], "count": 3}
    ],
    min_healthy=2,
)
