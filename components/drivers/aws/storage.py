"""AWS object storage for MultiCloudBucket: a private, versioned, encrypted S3 bucket, and a role
that lets another vendor's copy service read it.

The bucket is protected (``protect=True``): deleting it takes an explicit unprotect first. ACLs
are disabled (``BucketOwnerEnforced``) and every public access path is blocked. Encryption is
SSE-S3 (AES-256) unless a KMS key is given. The reader role trusts one OIDC subject only
(e.g. one GCP project's Storage Transfer agent) and grants ``s3:ListBucket`` and
``s3:GetObject`` on this bucket — what Storage Transfer Service needs to copy current versions.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pulumi

from ..base import SiteContext
from ..sdk import lazy_sdk
from ..workloads import BucketHandle, BucketSpec, BucketTerms, FederatedIdentity

if TYPE_CHECKING:
    import pulumi_aws as aws
else:
    aws = lazy_sdk("pulumi_aws")

__all__ = ["BUCKET_TERMS", "create_bucket", "grant_bucket_read"]

BUCKET_TERMS = BucketTerms(
    product="S3 bucket", encryption_key="a KMS key id, ARN or alias (SSE-KMS; omitted: SSE-S3, AES-256)"
)


def create_bucket(ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
    name = ctx.name("bucket")
    bucket = aws.s3.Bucket(
        name, force_destroy=False, tags={**ctx.tags, "Name": name}, opts=ctx.opts(protect=True)
    )
    versioning = aws.s3.BucketVersioning(
        ctx.name("bucket-versioning"),
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=ctx.opts(),
    )
    by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm="aws:kms" if spec.kms_key_id else "AES256", kms_master_key_id=spec.kms_key_id
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        ctx.name("bucket-sse"),
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=by_default, bucket_key_enabled=bool(spec.kms_key_id)
            )
        ],
        opts=ctx.opts(),
    )
    public_block = aws.s3.BucketPublicAccessBlock(
        ctx.name("bucket-public-block"),
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=ctx.opts(),
    )
    ownership = aws.s3.BucketOwnershipControls(
        ctx.name("bucket-ownership"),
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=ctx.opts(),
    )
    return BucketHandle(
        site=ctx.site.name,
        vendor="aws",
        name=bucket.bucket,
        resources={
            "bucket": bucket,
            "versioning": versioning,
            "encryption": encryption,
            "public_access_block": public_block,
            "ownership": ownership,
        },
    )


def grant_bucket_read(
    ctx: SiteContext, bucket: BucketHandle, reader: FederatedIdentity
) -> pulumi.Output[str]:
    trust = reader.subject.apply(
        lambda subject: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": reader.issuer},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {"StringEquals": {f"{reader.issuer}:sub": subject}},
                    }
                ],
            }
        )
    )
    role = aws.iam.Role(
        ctx.name("bucket-reader"),
        assume_role_policy=trust,
        description=f"{ctx.component}: lets {reader.issuer} subject copy the bucket",
        tags={**ctx.tags, "Name": ctx.name("bucket-reader")},
        opts=ctx.opts(),
    )
    policy = bucket.name.apply(
        lambda name: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": f"arn:aws:s3:::{name}"},
                    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::{name}/*"},
                ],
            }
        )
    )
    grant = aws.iam.RolePolicy(ctx.name("bucket-reader-policy"), role=role.id, policy=policy, opts=ctx.opts())
    # The reader presents the role's ARN; carrying the policy as a dependency makes whatever uses
    # the ARN (a transfer job that starts on creation) wait until the role may read the bucket.
    arn: pulumi.Output[str] = pulumi.Output.all(role.arn, grant.id).apply(lambda values: str(values[0]))
    return arn
