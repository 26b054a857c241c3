"""The Pulumi twin of main.tf: the same resources, the same names, the same settings."""

import pulumi_aws as aws

GROUP = "sg-0123456789abcdef0"


def ingress(description: str, port: int, cidr: str, protocol: str = "tcp") -> dict:
    return {
        "description": description,
        "from_port": port,
        "to_port": port,
        "protocol": protocol,
        "cidr_blocks": [cidr],
    }


aws.ec2.SecurityGroup(
    "ssh_open", description="web servers", ingress=[ingress("ssh from anywhere", 22, "0.0.0.0/0")]
)
aws.ec2.SecurityGroup(
    "rdp_open", description="windows hosts", ingress=[ingress("rdp from anywhere", 3389, "0.0.0.0/0")]
)
aws.ec2.SecurityGroup(
    "all_open", description="everything", ingress=[ingress("every port from anywhere", 0, "0.0.0.0/0", "-1")]
)
aws.ec2.SecurityGroupRule(
    "rule_ssh_open",
    description="ssh from anywhere",
    type="ingress",
    security_group_id=GROUP,
    from_port=22,
    to_port=22,
    protocol="tcp",
    cidr_blocks=["0.0.0.0/0"],
)
aws.vpc.SecurityGroupIngressRule(
    "vpc_rule_rdp_open",
    description="rdp from anywhere",
    security_group_id=GROUP,
    from_port=3389,
    to_port=3389,
    ip_protocol="tcp",
    cidr_ipv4="0.0.0.0/0",
)
aws.ec2.SecurityGroup(
    "ssh_private",
    description="ssh from the estate",
    ingress=[ingress("ssh from the estate's ranges", 22, "10.0.0.0/8")],
)
aws.ec2.SecurityGroup(
    "egress_open",
    description="outbound",
    egress=[ingress("every protocol to anywhere", 0, "0.0.0.0/0", "-1")],
)
aws.ec2.SecurityGroup(
    "undescribed",
    ingress=[{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}],
)
aws.ec2.SecurityGroup(
    "ftp_open", description="file transfer", ingress=[ingress("ftp from anywhere", 21, "0.0.0.0/0")]
)
aws.ec2.SecurityGroup(
    "http_open", description="public web", ingress=[ingress("http from anywhere", 80, "0.0.0.0/0")]
)
