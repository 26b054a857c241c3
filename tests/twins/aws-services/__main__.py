"""The Pulumi twin of main.tf: the same resources, the same names, the same settings."""

import pulumi
import pulumi_aws as aws

ROLE = "arn:aws:iam::123456789012:role/eks"
SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
TARGETS = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/50dc6c495c0c9188"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f4e6f1c-3c3e-4a4e-9d3b-6b4c1d2e3f40"
SECRETS_UNDER_KEY = {"provider": {"key_arn": KEY}, "resources": ["secrets"]}

aws.eks.Cluster(
    "cluster_world",
    name="world",
    role_arn=ROLE,
    vpc_config={
        "subnet_ids": SUBNETS,
        "endpoint_public_access": True,
        "endpoint_private_access": True,
        "public_access_cidrs": ["0.0.0.0/0"],
    },
    encryption_config=SECRETS_UNDER_KEY,
)
aws.eks.Cluster(
    "cluster_office",
    name="office",
    role_arn=ROLE,
    vpc_config={
        "subnet_ids": SUBNETS,
        "endpoint_public_access": True,
        "endpoint_private_access": True,
        "public_access_cidrs": ["198.51.100.0/24"],
    },
    encryption_config=SECRETS_UNDER_KEY,
)
aws.eks.Cluster(
    "cluster_plain_secrets",
    name="plain",
    role_arn=ROLE,
    vpc_config={"subnet_ids": SUBNETS, "endpoint_public_access": False, "endpoint_private_access": True},
)
web = aws.lb.LoadBalancer("web", name="web", load_balancer_type="application", subnets=SUBNETS)
aws.lb.Listener(
    "web_http",
    load_balancer_arn=web.arn,
    port=80,
    default_actions=[
        {
            "type": "forward",
            "target_group_arn": TARGETS,
        }
    ],
)
# Terraform's lifecycle prevent_destroy is Pulumi's protect.
aws.kms.Key(
    "key_unrotated",
    description="application data",
    enable_key_rotation=False,
    opts=pulumi.ResourceOptions(protect=True),
)
aws.kms.Key("key_unprotected", description="logs", enable_key_rotation=True)
