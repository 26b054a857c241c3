"""Storage rules: buckets are versioned, not public, and copied to another vendor.

No rule asks for a bucket's encryption at rest: every vendor the pack reads encrypts every object
by default and none can be switched off. S3 applies SSE-S3 to every bucket since 5 January 2023
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html), GCS and
Azure Storage encrypt at rest always; checkov passes a bucket without an encryption
configuration, and so does the pack (issue 24: five false positives were that one demand).

Stack rules, not resource rules: a bucket's versioning and encryption are often separate resources
that point at the bucket (S3's ``BucketVersioning``; Azure's blob service properties of its storage
account), so a check needs both ends. What each vendor's buckets need is its reader's part of the
rule (``check_stack``, e.g. ``drivers/aws/reader.py`` for S3); the copy to another vendor is judged
here, over the buckets every reader names and the copies between them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .facts import facts, vendor_name
from .index import StackIndex
from .rule import Finding, Kind, Level, Rule, Severity
from .topics import topic_rule

__all__ = ["RULES"]


VERSIONED = topic_rule(
    "security-storage-versioned",
    description="Every S3 bucket, GCS bucket, Swift container and Blob container keeps object versions, "
    "so an overwrite or delete can be undone.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    remediation="Add aws.s3.BucketVersioning(bucket=bucket.id, versioning_configuration={'status': "
    "'Enabled'}); for GCS set versioning={'enabled': True}; for Swift versioning=True; for Blob "
    "containers azure_native.storage.BlobServiceProperties(account_name=account.name, "
    "resource_group_name=group.name, blob_services_name='default', is_versioning_enabled=True).",
    severity=Severity.MEDIUM,
    equivalents=(
        "checkov CKV_AWS_21, CKV_GCP_78",
        "trivy AVD-AWS-0090 (aws-s3-enable-versioning), "
        "AVD-GCP-0078 (google-storage-enable-bucket-versioning)",
    ),
)

# -- S3 public access block ---------------------------------------------------------------------


PUBLIC_ACCESS_BLOCK = topic_rule(
    "security-s3-public-access-blocked",
    description="Every S3 bucket has a public access block with blockPublicAcls, blockPublicPolicy, "
    "ignorePublicAcls and restrictPublicBuckets all true (its own, or the account's in the plan), so no "
    "ACL or policy can make it public later.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    remediation="Add aws.s3.BucketPublicAccessBlock(bucket=bucket.id, block_public_acls=True, "
    "block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True).",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV2_AWS_6, CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56",
        "trivy AVD-AWS-0094 (aws-s3-specify-public-access-block), AVD-AWS-0086, AVD-AWS-0087, "
        "AVD-AWS-0091, AVD-AWS-0093",
    ),
)

# -- a copy on another vendor -------------------------------------------------------------------


def _check_cross_vendor_copy(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    estate = facts(index)
    for members in estate.datasets.values():
        vendors = {index.vendor(b) or b.package for b in members}
        if len(vendors) > 1:
            continue
        for bucket in members:
            vendor = index.vendor(bucket) or bucket.package
            others = [b.name for b in members if b is not bucket]
            copies = f" (its copies, {', '.join(others)}, are on {vendor_name(vendor)} too)" if others else ""
            kind = estate.bucket_kinds.get(bucket.type, "bucket")
            yield Finding(
                f"{kind} {bucket.name!r} on {estate.node(bucket)} has no "
                f"copy on another vendor{copies}: nothing in the plan (a GCS transfer job, a DataSync task, "
                f"a replication to another vendor) copies its objects out of {vendor_name(vendor)}",
                bucket.urn,
            )


CROSS_VENDOR_COPY = Rule(
    name="skyweave-redundancy-bucket-copied-to-another-vendor",
    description="Every bucket's data has a copy on another vendor: an S3 bucket, GCS bucket or Swift "
    "container is joined by a copy in the plan (a GCS Storage Transfer job, an AWS DataSync task, a "
    "replication) to a bucket of a different vendor.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_cross_vendor_copy,
    remediation="Use skyweave.MultiCloudBucket, or add a gcp.storage.TransferJob from the S3 bucket into a "
    "GCS bucket (or an AWS DataSync task the other way). A copy the application writes itself is not in "
    "the plan: waive the rule for that bucket with the reason.",
    severity=Severity.MEDIUM,
)

RULES: tuple[Rule, ...] = (VERSIONED, PUBLIC_ACCESS_BLOCK, CROSS_VENDOR_COPY)
