"""The Pulumi twin of main.tf: the same resources, the same names, the same settings."""

import pulumi
import pulumi_aws as aws

AMI = "ami-0123456789abcdef0"
ENCRYPTED_ROOT = [{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}]
IMDSV2 = {"http_endpoint": "enabled", "http_tokens": "required"}

aws.ec2.LaunchTemplate(
    "template_imdsv1",
    image_id=AMI,
    instance_type="t3.micro",
    metadata_options={"http_endpoint": "enabled", "http_tokens": "optional"},
    block_device_mappings=ENCRYPTED_ROOT,
)
aws.ec2.LaunchTemplate(
    "template_hops",
    image_id=AMI,
    instance_type="t3.micro",
    metadata_options={**IMDSV2, "http_put_response_hop_limit": 3},
    block_device_mappings=ENCRYPTED_ROOT,
)
aws.ec2.LaunchTemplate(
    "template_public",
    image_id=AMI,
    instance_type="t3.micro",
    metadata_options=IMDSV2,
    network_interfaces=[{"associate_public_ip_address": "true"}],
    block_device_mappings=ENCRYPTED_ROOT,
)
aws.ec2.LaunchConfiguration(
    "config_unencrypted",
    image_id=AMI,
    instance_type="t3.micro",
    metadata_options=IMDSV2,
    root_block_device={"encrypted": False},
)
aws.ebs.Volume(
    "volume_unencrypted",
    availability_zone="us-east-1a",
    size=20,
    encrypted=False,
    opts=pulumi.ResourceOptions(protect=True),
)
aws.ec2.Instance(
    "instance_imdsv1",
    ami=AMI,
    instance_type="t3.micro",
    metadata_options={"http_endpoint": "enabled", "http_tokens": "optional"},
    root_block_device={"encrypted": True},
)
aws.ec2.Instance(
    "instance_secret_user_data",
    ami=AMI,
    instance_type="t3.micro",
    user_data="""#!/bin/sh
export AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
aws s3 sync s3://site /var/www
""",
    metadata_options=IMDSV2,
    root_block_device={"encrypted": True},
)
aws.lambda_.Function(
    "function_secret_environment",
    name="resize",
    role="arn:aws:iam::123456789012:role/lambda",
    handler="index.handler",
    runtime="python3.12",
    code=pulumi.FileArchive("function.zip"),
    environment={
        "variables": {
            "AWS_ACCESS_KEY_ID": "AKIAQWERTYUIOPASDFGH",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
        }
    },
)
