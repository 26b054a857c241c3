"""The Pulumi twin of main.tf: the same resources, the same names, the same settings.
Every bucket is versioned and blocks public access except where its name says otherwise."""

import json

import pulumi
import pulumi_aws as aws

KEEP = pulumi.ResourceOptions(protect=True)
BLOCK_ALL = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}

kept = aws.s3.Bucket("bucket_kept", bucket="twin-kept", opts=KEEP)
aws.s3.BucketVersioning("versioning_kept", bucket=kept.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketPublicAccessBlock("block_kept", bucket=kept.id, **BLOCK_ALL)

unversioned = aws.s3.Bucket("bucket_unversioned", bucket="twin-unversioned", opts=KEEP)
aws.s3.BucketPublicAccessBlock("block_unversioned", bucket=unversioned.id, **BLOCK_ALL)

unblocked = aws.s3.Bucket("bucket_unblocked", bucket="twin-unblocked", opts=KEEP)
aws.s3.BucketVersioning(
    "versioning_unblocked", bucket=unblocked.id, versioning_configuration={"status": "Enabled"}
)

aws.s3.BucketAcl("acl_public_read", bucket=kept.id, acl="public-read")
aws.s3.BucketAcl("acl_public_write", bucket=kept.id, acl="public-read-write")
aws.s3.BucketPolicy(
    "policy_public",
    bucket=kept.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::twin-kept/*",
                }
            ],
        }
    ),
)
aws.s3.BucketPublicAccessBlock(
    "block_open_outside",
    bucket="legacy-assets",
    block_public_acls=False,
    block_public_policy=False,
    ignore_public_acls=False,
    restrict_public_buckets=False,
)
