"""AWS rules with no counterpart on other vendors: security groups' egress to the world and their
descriptions (checkov CKV_AWS_382 and CKV_AWS_23), DynamoDB point-in-time recovery (CKV_AWS_28),
EKS API endpoints open to the world (CKV_AWS_38) and EKS secrets under a key of your own (CKV_AWS_58).

What AWS shares with the other vendors (ingress open to the world, public buckets, encryption of
volumes) is judged by the shared rules; the properties these rules read are the AWS reader's part
of them (``drivers/aws/reader.py``, its ``check``). The first two are advisory: an instance that
fetches packages from the internet needs egress to it, and a description is an auditor's aid.
"""

from __future__ import annotations

from .rule import Kind, Level, Rule, Severity
from .topics import topic_rule

__all__ = ["RULES"]


EGRESS = topic_rule(
    "security-aws-egress-restricted",
    description="No security group allows egress on every protocol to the whole internet (0.0.0.0/0 or "
    "::/0): inline egress blocks, egress security group rules and VPC egress rules.",
    level=Level.ADVISORY,
    kind=Kind.RESOURCE,
    remediation="List the protocols, ports and destinations the instances need (HTTPS to package "
    "mirrors, the estate's ranges), or route egress through a proxy or NAT with its own controls.",
    severity=Severity.LOW,
    equivalents=("checkov CKV_AWS_382",),
)


DESCRIBED = topic_rule(
    "security-aws-firewall-rules-described",
    description="Every security group has a description of its own (not the SDK's default 'Managed by "
    "Pulumi'), and every inline rule, security group rule and VPC ingress/egress rule has one.",
    level=Level.ADVISORY,
    kind=Kind.RESOURCE,
    remediation="Set description= on the group and on each rule: what it admits and why. (A group's "
    "description cannot change without replacing the group: waive the rule for an existing one.)",
    severity=Severity.LOW,
    equivalents=("checkov CKV_AWS_23",),
)


PITR = topic_rule(
    "redundancy-aws-dynamodb-point-in-time-recovery",
    description="Every DynamoDB table keeps point-in-time recovery on (the SDK's default is off), so a "
    "bad write or delete can be rolled back to any second of the recovery window.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set point_in_time_recovery={'enabled': True} on the table.",
    severity=Severity.MEDIUM,
    equivalents=("checkov CKV_AWS_28",),
)


EKS_ENDPOINT = topic_rule(
    "security-aws-eks-endpoint-not-public",
    description="No EKS cluster's Kubernetes API endpoint answers the whole internet: the public "
    "endpoint (on by default) is off, or admits only listed ranges (its default is 0.0.0.0/0).",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set vpc_config endpoint_private_access=True and endpoint_public_access=False (reach "
    "the API over the VPN), or public_access_cidrs to your own ranges.",
    severity=Severity.HIGH,
    equivalents=("checkov CKV_AWS_38",),
)


EKS_SECRETS = topic_rule(
    "security-aws-eks-secrets-encrypted",
    description="Every EKS cluster envelope-encrypts its Kubernetes secrets with a KMS key of your own "
    "(encryptionConfig with resources ['secrets']). Since Kubernetes 1.28 EKS encrypts all API data "
    "with an AWS owned key by default, so this is advice: a customer managed key's policy, rotation and "
    "CloudTrail record are yours, and revoking it locks the secrets.",
    level=Level.ADVISORY,
    kind=Kind.RESOURCE,
    remediation="Set encryption_config={'provider': {'key_arn': key.arn}, 'resources': ['secrets']} "
    "with an aws.kms.Key (enable_key_rotation=True).",
    severity=Severity.MEDIUM,
    equivalents=("checkov CKV_AWS_58",),
)

RULES: tuple[Rule, ...] = (EGRESS, DESCRIBED, PITR, EKS_ENDPOINT, EKS_SECRETS)
