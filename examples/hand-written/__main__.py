"""A small multi-vendor estate written by hand: plain provider resources, no skyweave component.

What it is, so the policy pack has something real to judge (``skyweave check --stack dev`` from
this directory; tests/test_policy_hand_written.py holds it to the verdicts in README.md):

* ``web.example.com`` served from AWS (an auto scaling group of 2 behind an HTTPS ALB, HTTP only
  redirects, with a Network Load Balancer's Elastic IPs in front for fixed addresses) and GCP (a
  regional managed instance group of 2 behind a passthrough load balancer), weighted and
  health-checked alike in Route 53 *and* in Cloud DNS, so neither DNS vendor is alone;
* a VPN mesh: AWS ↔ GCP in the HA shape (two AWS connections, four HA VPN tunnels), AWS ↔
  OpenStack (one AWS connection, two Neutron site connections), and an on-prem pair of devices
  (203.0.113.10/.11) reached from all three, so no site is a hub;
* an S3 bucket copied into GCS by a Storage Transfer job, both private, versioned and protected.

Every value is a literal or another resource's output, as anyone would write it.
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumi_openstack as openstack
import pulumi_random as random

config = pulumi.Config()
certificate_arn = config.require("certificate_arn")
ON_PREM = ["203.0.113.10", "203.0.113.11"]
ESTATE = ["10.0.0.0/8", "192.168.50.0/24"]

aws_use1 = aws.Provider("aws-use1", region="us-east-1")
gcp_euw1 = gcp.Provider("gcp-euw1", project="hand-written-001", region="europe-west1")
os_dc1 = openstack.Provider("os-dc1", auth_url="https://keystone.dc1.example.net:5000/v3", region="RegionOne")
on_aws = pulumi.ResourceOptions(provider=aws_use1)
on_gcp = pulumi.ResourceOptions(provider=gcp_euw1)
on_os = pulumi.ResourceOptions(provider=os_dc1)


def psk(name: str) -> random.RandomPassword:
    return random.RandomPassword(name, length=40, special=False)


# -- AWS: network, web tier -----------------------------------------------------------------------

vpc = aws.ec2.Vpc("vpc", cidr_block="10.1.0.0/16", opts=on_aws)
zones = ["us-east-1a", "us-east-1b"]
private = [
    aws.ec2.Subnet(
        f"private-{z[-1]}", vpc_id=vpc.id, cidr_block=f"10.1.{16 * i}.0/20", availability_zone=z, opts=on_aws
    )
    for i, z in enumerate(zones)
]
public = [
    aws.ec2.Subnet(
        f"public-{z[-1]}",
        vpc_id=vpc.id,
        cidr_block=f"10.1.{128 + 16 * i}.0/20",
        availability_zone=z,
        opts=on_aws,
    )
    for i, z in enumerate(zones)
]
lb_sg = aws.ec2.SecurityGroup(
    "web-lb-sg",
    vpc_id=vpc.id,
    description="web load balancer: HTTPS and the HTTP redirect from anywhere",
    ingress=[
        {
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"],
            "description": "HTTPS",
        },
        {
            "protocol": "tcp",
            "from_port": 80,
            "to_port": 80,
            "cidr_blocks": ["0.0.0.0/0"],
            "description": "redirect",
        },
    ],
    egress=[
        {
            "protocol": "tcp",
            "from_port": 8080,
            "to_port": 8080,
            "cidr_blocks": ["10.1.0.0/16"],
            "description": "to the instances",
        }
    ],
    opts=on_aws,
)
app_sg = aws.ec2.SecurityGroup(
    "web-app-sg",
    vpc_id=vpc.id,
    description="web instances: the service from the load balancer, SSH from the estate",
    ingress=[
        {
            "protocol": "tcp",
            "from_port": 8080,
            "to_port": 8080,
            "security_groups": [lb_sg.id],
            "description": "service from the load balancer",
        },
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ESTATE, "description": "SSH"},
    ],
    egress=[
        {
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"],
            "description": "HTTPS",
        }
    ],
    opts=on_aws,
)
template = aws.ec2.LaunchTemplate(
    "web-lt",
    image_id="ami-0a1b2c3d4e5f60718",
    instance_type="m6i.large",
    vpc_security_group_ids=[app_sg.id],
    metadata_options={
        "http_tokens": "required",
        "http_endpoint": "enabled",
        "http_put_response_hop_limit": 1,
    },
    block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true", "volume_type": "gp3"}}],
    opts=on_aws,
)
target_group = aws.lb.TargetGroup(
    "web-tg", port=8080, protocol="HTTP", vpc_id=vpc.id, health_check={"path": "/healthz"}, opts=on_aws
)
alb = aws.lb.LoadBalancer(
    "web-alb",
    load_balancer_type="application",
    security_groups=[lb_sg.id],
    subnets=[s.id for s in public],
    opts=on_aws,
)
https_listener = aws.lb.Listener(
    "web-https",
    load_balancer_arn=alb.arn,
    port=443,
    protocol="HTTPS",
    certificate_arn=certificate_arn,
    ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
    default_actions=[{"type": "forward", "target_group_arn": target_group.arn}],
    opts=on_aws,
)
aws.lb.Listener(
    "web-http-redirect",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}
    ],
    opts=on_aws,
)
# Fixed addresses for the ALB (Cloud DNS health-checks IP targets only): a Network Load Balancer
# with an Elastic IP per zone, forwarding 443 to the ALB registered as a target of type alb.
nlb_ips = [aws.ec2.Eip(f"web-nlb-ip-{z[-1]}", domain="vpc", opts=on_aws) for z in zones]
nlb = aws.lb.LoadBalancer(
    "web-nlb",
    load_balancer_type="network",
    subnet_mappings=[
        {"subnet_id": s.id, "allocation_id": ip.allocation_id} for s, ip in zip(public, nlb_ips, strict=True)
    ],
    opts=on_aws,
)
nlb_group = aws.lb.TargetGroup(
    "web-nlb-tg",
    port=443,
    protocol="TCP",
    target_type="alb",
    vpc_id=vpc.id,
    health_check={"protocol": "HTTPS", "path": "/healthz"},
    opts=on_aws,
)
aws.lb.TargetGroupAttachment(
    "web-nlb-target",
    target_group_arn=nlb_group.arn,
    target_id=alb.arn,
    port=443,
    opts=pulumi.ResourceOptions(provider=aws_use1, depends_on=[https_listener]),
)
aws.lb.Listener(
    "web-nlb-443",
    load_balancer_arn=nlb.arn,
    port=443,
    protocol="TCP",
    default_actions=[{"type": "forward", "target_group_arn": nlb_group.arn}],
    opts=on_aws,
)
aws.autoscaling.Group(
    "web-asg",
    min_size=2,
    max_size=4,
    desired_capacity=2,
    vpc_zone_identifiers=[s.id for s in private],
    launch_template={"id": template.id, "version": "$Latest"},
    target_group_arns=[target_group.arn],
    health_check_type="ELB",
    opts=on_aws,
)

# -- GCP: network, web tier -----------------------------------------------------------------------

network = gcp.compute.Network("net", auto_create_subnetworks=False, opts=on_gcp)
subnet = gcp.compute.Subnetwork(
    "subnet", network=network.id, ip_cidr_range="10.3.0.0/20", region="europe-west1", opts=on_gcp
)
gcp.compute.Firewall(
    "web-fw",
    network=network.id,
    direction="INGRESS",
    source_ranges=["0.0.0.0/0"],
    allows=[{"protocol": "tcp", "ports": ["443"]}],
    target_tags=["web"],
    opts=on_gcp,
)
instance_template = gcp.compute.InstanceTemplate(
    "web-template",
    machine_type="n2-standard-2",
    disks=[{"source_image": "projects/debian-cloud/global/images/family/debian-12", "boot": True}],
    network_interfaces=[{"subnetwork": subnet.id}],
    metadata={"block-project-ssh-keys": "TRUE", "enable-oslogin": "TRUE"},
    tags=["web"],
    opts=on_gcp,
)
mig = gcp.compute.RegionInstanceGroupManager(
    "web-mig",
    region="europe-west1",
    base_instance_name="web",
    target_size=2,
    distribution_policy_zones=["europe-west1-b", "europe-west1-c"],
    versions=[{"instance_template": instance_template.self_link_unique, "name": "primary"}],
    opts=on_gcp,
)
health = gcp.compute.RegionHealthCheck(
    "web-hc", region="europe-west1", https_health_check={"port": 443, "request_path": "/healthz"}, opts=on_gcp
)
backend = gcp.compute.RegionBackendService(
    "web-backend",
    region="europe-west1",
    load_balancing_scheme="EXTERNAL",
    protocol="TCP",
    health_checks=health.id,
    backends=[{"group": mig.instance_group, "balancing_mode": "CONNECTION"}],
    opts=on_gcp,
)
address = gcp.compute.Address("web-ip", region="europe-west1", opts=on_gcp)
gcp.compute.ForwardingRule(
    "web-fr",
    region="europe-west1",
    ip_address=address.address,
    ip_protocol="TCP",
    ports=["443"],
    load_balancing_scheme="EXTERNAL",
    backend_service=backend.id,
    opts=on_gcp,
)

# -- DNS: the same weighted, health-checked name in Route 53 and Cloud DNS ------------------------
# Both providers answer alike (the registrar lists both): the same addresses, weights, TTL and
# HTTPS checks, so skyweave-redundancy-dns-providers-agree has nothing to say.

answers = {"aws-use1": [ip.public_ip for ip in nlb_ips], "gcp-euw1": [address.address]}
for site, addresses in answers.items():
    check = aws.route53.HealthCheck(
        f"web-check-{site}",
        type="HTTPS",
        ip_address=addresses[0],
        port=443,
        resource_path="/healthz",
        request_interval=30,
        failure_threshold=3,
        opts=on_aws,
    )
    aws.route53.Record(
        f"web-{site}",
        zone_id="Z0123456789EXAMPLE",
        name="web.example.com",
        type="A",
        set_identifier=site,
        health_check_id=check.id,
        weighted_routing_policies=[{"weight": 1}],
        records=addresses,
        ttl=60,
        opts=on_aws,
    )
dns_check = gcp.compute.HealthCheck(
    "web-dns-check",
    check_interval_sec=30,
    unhealthy_threshold=3,
    source_regions=["us-east4", "europe-west1", "asia-southeast1"],
    https_health_check={"port": 443, "request_path": "/healthz"},
    opts=on_gcp,
)
gcp.dns.RecordSet(
    "web-cloud-dns",
    managed_zone="example-com",
    name="web.example.com.",
    type="A",
    ttl=60,
    routing_policy={
        "health_check": dns_check.id,
        "wrrs": [
            {"weight": 1, "rrdatas": addresses, "health_checked_targets": {"external_endpoints": addresses}}
            for addresses in answers.values()
        ],
    },
    opts=on_gcp,
)

# -- VPN: AWS ↔ GCP (HA), AWS ↔ OpenStack, every site ↔ the on-prem pair ---------------------------

vgw = aws.ec2.VpnGateway("vgw", vpc_id=vpc.id, amazon_side_asn="64512", opts=on_aws)
ha = gcp.compute.HaVpnGateway("ha-vpn", network=network.id, region="europe-west1", opts=on_gcp)
router = gcp.compute.Router(
    "router", network=network.id, region="europe-west1", bgp={"asn": 64514}, opts=on_gcp
)
strong = {
    f"tunnel{t}_{key}": value
    for t in (1, 2)
    for key, value in {
        "ike_versions": ["ikev2"],
        "phase1_encryption_algorithms": ["AES256"],
        "phase1_integrity_algorithms": ["SHA2-256"],
        "phase1_dh_group_numbers": [14],
        "phase2_encryption_algorithms": ["AES256"],
        "phase2_integrity_algorithms": ["SHA2-256"],
        "phase2_dh_group_numbers": [14],
    }.items()
}


def aws_connection(
    name: str, peer_ip: pulumi.Input[str], asn: str, keys: list[random.RandomPassword], **extra: object
) -> aws.ec2.VpnConnection:
    cgw = aws.ec2.CustomerGateway(f"{name}-cgw", ip_address=peer_ip, bgp_asn=asn, type="ipsec.1", opts=on_aws)
    return aws.ec2.VpnConnection(
        name,
        vpn_gateway_id=vgw.id,
        customer_gateway_id=cgw.id,
        type="ipsec.1",
        tunnel1_preshared_key=keys[0].result,
        tunnel2_preshared_key=keys[1].result,
        **strong,
        **extra,
        opts=on_aws,
    )


to_gcp = [
    aws_connection(
        f"aws-gcp-{i}",
        ha.vpn_interfaces.apply(lambda interfaces, i=i: interfaces[i].ip_address or ""),
        "64514",
        [psk(f"aws-gcp-{i}-psk-1"), psk(f"aws-gcp-{i}-psk-2")],
        tunnel1_inside_cidr=f"169.254.10.{8 * i}/30",
        tunnel2_inside_cidr=f"169.254.10.{8 * i + 4}/30",
    )
    for i in (0, 1)
]
aws_peer = gcp.compute.ExternalVpnGateway(
    "aws-peer",
    redundancy_type="FOUR_IPS_REDUNDANCY",
    interfaces=[
        {"id": 2 * i + t, "ip_address": addr}
        for i, conn in enumerate(to_gcp)
        for t, addr in enumerate((conn.tunnel1_address, conn.tunnel2_address))
    ],
    opts=on_gcp,
)
for n in range(4):
    gcp.compute.VPNTunnel(
        f"gcp-aws-{n}",
        region="europe-west1",
        vpn_gateway=ha.id,
        vpn_gateway_interface=n // 2,
        peer_external_gateway=aws_peer.id,
        peer_external_gateway_interface=n,
        router=router.id,
        ike_version=2,
        shared_secret=psk(f"gcp-aws-{n}-psk").result,
        opts=on_gcp,
    )

for d, device in enumerate(ON_PREM):
    aws_connection(
        f"aws-onprem-{d}", device, f"6460{d}", [psk(f"aws-onprem-{d}-psk-1"), psk(f"aws-onprem-{d}-psk-2")]
    )
devices = gcp.compute.ExternalVpnGateway(
    "onprem-devices",
    redundancy_type="TWO_IPS_REDUNDANCY",
    interfaces=[{"id": d, "ip_address": ip} for d, ip in enumerate(ON_PREM)],
    opts=on_gcp,
)
for d in range(2):
    gcp.compute.VPNTunnel(
        f"gcp-onprem-{d}",
        region="europe-west1",
        vpn_gateway=ha.id,
        vpn_gateway_interface=d,
        peer_external_gateway=devices.id,
        peer_external_gateway_interface=d,
        router=router.id,
        ike_version=2,
        shared_secret=psk(f"gcp-onprem-{d}-psk").result,
        opts=on_gcp,
    )

os_net = openstack.networking.Network("os-net", opts=on_os)
os_subnet = openstack.networking.Subnet("os-subnet", network_id=os_net.id, cidr="10.4.0.0/20", opts=on_os)
os_router = openstack.networking.Router("os-router", external_network_id="public-net-id", opts=on_os)
openstack.networking.RouterInterface(
    "os-router-if", router_id=os_router.id, subnet_id=os_subnet.id, opts=on_os
)
vpn_service = openstack.vpnaas.Service("os-vpn", router_id=os_router.id, opts=on_os)
ike = openstack.vpnaas.IkePolicy(
    "os-ike",
    ike_version="v2",
    auth_algorithm="sha256",
    encryption_algorithm="aes-256",
    pfs="group14",
    opts=on_os,
)
ipsec = openstack.vpnaas.IpSecPolicy(
    "os-ipsec", auth_algorithm="sha256", encryption_algorithm="aes-256", pfs="group14", opts=on_os
)
local = openstack.vpnaas.EndpointGroup("os-local", type="subnet", endpoints=[os_subnet.id], opts=on_os)
aws_os_keys = [psk("aws-os-psk-1"), psk("aws-os-psk-2")]
to_os = aws_connection(
    "aws-os",
    vpn_service.external_v4_ip,
    "64520",
    aws_os_keys,
    static_routes_only=True,
    tunnel1_inside_cidr="169.254.20.0/30",
    tunnel2_inside_cidr="169.254.20.4/30",
)
peers = {
    "aws": (
        openstack.vpnaas.EndpointGroup("os-peer-aws", type="cidr", endpoints=["10.1.0.0/16"], opts=on_os),
        [(to_os.tunnel1_address, aws_os_keys[0]), (to_os.tunnel2_address, aws_os_keys[1])],
    ),
    "onprem": (
        openstack.vpnaas.EndpointGroup(
            "os-peer-onprem", type="cidr", endpoints=["10.200.0.0/16"], opts=on_os
        ),
        [(ip, psk(f"os-onprem-{d}-psk")) for d, ip in enumerate(ON_PREM)],
    ),
}
for peer_name, (group, targets) in peers.items():
    for n, (peer_ip, key) in enumerate(targets):
        openstack.vpnaas.SiteConnection(
            f"os-{peer_name}-{n}",
            vpnservice_id=vpn_service.id,
            ikepolicy_id=ike.id,
            ipsecpolicy_id=ipsec.id,
            local_ep_group_id=local.id,
            peer_ep_group_id=group.id,
            peer_address=peer_ip,
            peer_id=peer_ip,
            psk=key.result,
            opts=pulumi.ResourceOptions(provider=os_dc1, additional_secret_outputs=["psk"]),
        )

# -- data: S3, copied into GCS ---------------------------------------------------------------------

bucket = aws.s3.Bucket("assets", opts=pulumi.ResourceOptions(provider=aws_use1, protect=True))
aws.s3.BucketVersioning(
    "assets-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=on_aws
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "assets-sse",
    bucket=bucket.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}],
    opts=on_aws,
)
aws.s3.BucketPublicAccessBlock(
    "assets-public-block",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
    opts=on_aws,
)
copy = gcp.storage.Bucket(
    "assets-copy",
    location="EUROPE-WEST1",
    uniform_bucket_level_access=True,
    public_access_prevention="enforced",
    versioning={"enabled": True},
    opts=pulumi.ResourceOptions(provider=gcp_euw1, protect=True),
)
reader = aws.iam.Role(
    "transfer-reader",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {"Federated": "accounts.google.com"},
                }
            ],
        }
    ),
    opts=on_aws,
)
gcp.storage.TransferJob(
    "assets-copy-job",
    description="copy S3 assets into GCS every hour",
    transfer_spec={
        "aws_s3_data_source": {"bucket_name": bucket.bucket, "role_arn": reader.arn},
        "gcs_data_sink": {"bucket_name": copy.name},
    },
    schedule={"schedule_start_date": {"year": 2024, "month": 1, "day": 1}, "repeat_interval": "3600s"},
    opts=on_gcp,
)

pulumi.export("web", {"aws": alb.dns_name, "gcp": address.address})
