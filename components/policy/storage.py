"""Storage rules: buckets are encrypted, versioned, not public, and copied to another vendor.

A stack rule, not a resource rule: with pulumi-aws 7 a bucket's versioning and encryption are
usually separate resources (``s3.BucketVersioning``, ``s3.BucketServerSideEncryptionConfiguration``
and their older ``…V2`` names) that point at the bucket, so the check needs both ends. They are
linked through the engine's (property) dependencies, which hold even when the bucket's name is
unknown in a preview.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .facts import facts, vendor_name
from .index import StackIndex
from .rule import Finding, Kind, Level, Resource, Rule, Severity, UnknownValue, get, items

__all__ = ["RULES"]

S3_BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
S3_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
GCS_BUCKET = "gcp:storage/bucket:Bucket"
SWIFT_CONTAINER = "openstack:objectstorage/container:Container"
AZ_STORAGE_ACCOUNT = frozenset({"azure-native:storage:StorageAccount"})
AZ_BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
AZ_BLOB_CONTAINER = "azure-native:storage:BlobContainer"
_SSE_DEFAULT = "applyServerSideEncryptionByDefault"


def _buckets_configured(index: StackIndex, types: tuple[str, ...], ok: Any) -> tuple[set[str], list[Finding]]:
    """URNs of S3 buckets that a separate resource of ``types`` configures so that ``ok(res)``, or
    may: a configuring resource whose values are unknown in a preview counts for its buckets, and
    says it cannot be checked yet — an unknown never becomes a mandatory finding (issue 16)."""
    done: set[str] = set()
    notes: list[Finding] = []
    for res in index.of_type(*types):
        try:
            good = ok(res)
        except UnknownValue as exc:
            notes.append(Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True))
            done.update(t.urn for t in index.linked(res, "bucket", S3_BUCKETS))  # linked by dependency
            continue
        if good:
            done.update(t.urn for t in index.linked(res, "bucket", S3_BUCKETS))
    return done, notes


def _check_encrypted(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    def encrypts(res: Resource) -> bool:
        rules = items(res.props, "rules")
        return any(get(rule, _SSE_DEFAULT, "sseAlgorithm") for rule in rules)

    done, notes = _buckets_configured(index, S3_ENCRYPTION, encrypts)
    yield from notes
    for bucket in index.of_type(*S3_BUCKETS):
        if bucket.urn in done:
            continue
        try:
            inline = get(bucket.props, "serverSideEncryptionConfiguration", "rule", _SSE_DEFAULT)
            algorithm = get(inline, "sseAlgorithm")
        except UnknownValue as exc:
            yield Finding(f"can't check {bucket.urn} during preview: {exc}", bucket.urn, unknown=True)
            continue
        if not algorithm:
            yield Finding(
                f"S3 bucket {bucket.name!r} has no server-side encryption configuration "
                "(add an s3.BucketServerSideEncryptionConfiguration for it)",
                bucket.urn,
            )


def _check_versioned(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    def versions(res: Resource) -> bool:
        return bool(get(res.props, "versioningConfiguration", "status") == "Enabled")

    done, notes = _buckets_configured(index, S3_VERSIONING, versions)
    yield from notes
    for bucket in index.of_type(*S3_BUCKETS):
        if bucket.urn in done:
            continue
        try:
            enabled = get(bucket.props, "versioning", "enabled")
        except UnknownValue as exc:
            yield Finding(f"can't check {bucket.urn} during preview: {exc}", bucket.urn, unknown=True)
            continue
        if enabled is not True:
            yield Finding(
                f"S3 bucket {bucket.name!r} is not versioned "
                "(add an s3.BucketVersioning with status 'Enabled')",
                bucket.urn,
            )
    for bucket in index.of_type(GCS_BUCKET):
        try:
            enabled = get(bucket.props, "versioning", "enabled")
        except UnknownValue as exc:
            yield Finding(f"can't check {bucket.urn} during preview: {exc}", bucket.urn, unknown=True)
            continue
        if enabled is not True:
            yield Finding(f"GCS bucket {bucket.name!r} is not versioned (versioning.enabled)", bucket.urn)
    for container in index.of_type(SWIFT_CONTAINER):
        try:
            # `versioning` (Swift >= 2.24) or the legacy X-Versions-Location style.
            enabled = get(container.props, "versioning") is True or bool(
                get(container.props, "versioningLegacy")
            )
        except UnknownValue as exc:
            yield Finding(f"can't check {container.urn} during preview: {exc}", container.urn, unknown=True)
            continue
        if not enabled:
            yield Finding(f"Swift container {container.name!r} is not versioned (versioning)", container.urn)
    yield from _blob_versioning(index)


def _blob_versioning(index: StackIndex) -> Iterator[Finding]:
    """Blob versioning is the storage account's: its blob service properties (``default``)."""
    versioned: set[str] = set()
    for service in index.of_type(AZ_BLOB_SERVICE):
        try:
            enabled = get(service.props, "isVersioningEnabled") is True
        except UnknownValue as exc:
            yield Finding(f"can't check {service.urn} during preview: {exc}", service.urn, unknown=True)
            enabled = True  # an unknown never becomes a mandatory finding (issue 16)
        if enabled:
            versioned.update(a.urn for a in index.linked(service, "accountName", AZ_STORAGE_ACCOUNT))
    for container in index.of_type(AZ_BLOB_CONTAINER):
        accounts = index.linked(container, "accountName", AZ_STORAGE_ACCOUNT)
        if not any(a.urn in versioned for a in accounts):
            yield Finding(
                f"Blob container {container.name!r} is not versioned (no BlobServiceProperties with "
                "isVersioningEnabled on its storage account)",
                container.urn,
            )


ENCRYPTED = Rule(
    name="skyweave-security-storage-encrypted",
    description="Every S3 bucket declares server-side encryption (inline or with a "
    "BucketServerSideEncryptionConfiguration), so its encryption is explicit and auditable.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_encrypted,
    remediation="Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[...]) with "
    "sse_algorithm 'aws:kms' or 'AES256'. (GCS encrypts every object at rest and needs nothing.)",
    severity=Severity.HIGH,
    equivalents=("checkov CKV_AWS_19", "trivy AVD-AWS-0088 (aws-s3-enable-bucket-encryption)"),
)
VERSIONED = Rule(
    name="skyweave-security-storage-versioned",
    description="Every S3 bucket, GCS bucket, Swift container and Blob container keeps object versions, "
    "so an overwrite or delete can be undone.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_versioned,
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

S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _check_public_access_block(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    def blocks(res: Resource) -> bool:
        return all(get(res.props, flag) is True for flag in _BLOCK_FLAGS)

    done, notes = _buckets_configured(index, (S3_PUBLIC_ACCESS_BLOCK,), blocks)
    yield from notes
    partial: dict[str, list[str]] = {}
    for res in index.of_type(S3_PUBLIC_ACCESS_BLOCK):
        try:
            off = [flag for flag in _BLOCK_FLAGS if get(res.props, flag) is not True]
        except UnknownValue:
            continue
        for bucket in index.linked(res, "bucket", S3_BUCKETS):
            partial.setdefault(bucket.urn, off)
    account_wide = False
    account_unknown: Resource | None = None  # an account block whose settings a preview cannot know
    for res in index.of_type(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK):
        try:
            account_wide = account_wide or blocks(res)
        except UnknownValue as exc:
            account_unknown = account_unknown or res
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
    if account_wide:
        return
    for bucket in index.of_type(*S3_BUCKETS):
        if bucket.urn in done:
            continue
        if account_unknown is not None:  # it may block every bucket's public access (issue 16)
            yield Finding(
                f"can't check {bucket.urn} during preview: the account public access block "
                f"{account_unknown.name!r} may cover it, and its settings are not known until the update "
                "runs",
                bucket.urn,
                unknown=True,
            )
            continue
        left_off = partial.get(bucket.urn)
        if left_off:
            yield Finding(
                f"S3 bucket {bucket.name!r}: its public access block leaves {', '.join(left_off)} off",
                bucket.urn,
            )
        else:
            yield Finding(
                f"S3 bucket {bucket.name!r} has no public access block (add an s3.BucketPublicAccessBlock "
                "with all four settings true, or an s3.AccountPublicAccessBlock)",
                bucket.urn,
            )


PUBLIC_ACCESS_BLOCK = Rule(
    name="skyweave-security-s3-public-access-blocked",
    description="Every S3 bucket has a public access block with blockPublicAcls, blockPublicPolicy, "
    "ignorePublicAcls and restrictPublicBuckets all true (its own, or the account's in the plan), so no "
    "ACL or policy can make it public later.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_public_access_block,
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

RULES: tuple[Rule, ...] = (ENCRYPTED, VERSIONED, PUBLIC_ACCESS_BLOCK, CROSS_VENDOR_COPY)
