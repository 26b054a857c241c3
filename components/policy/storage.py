"""Storage rules (area "security"): buckets are encrypted and versioned.

A stack rule, not a resource rule: with pulumi-aws 7 a bucket's versioning and encryption are
usually separate resources (``s3.BucketVersioning``, ``s3.BucketServerSideEncryptionConfiguration``
and their older ``…V2`` names) that point at the bucket, so the check needs both ends. They are
linked through the engine's (property) dependencies, which hold even when the bucket's name is
unknown in a preview.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .index import StackIndex
from .rule import Finding, Kind, Level, Resource, Rule, UnknownValue, get, items

__all__ = ["RULES"]

S3_BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
S3_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
GCS_BUCKET = "gcp:storage/bucket:Bucket"
SWIFT_CONTAINER = "openstack:objectstorage/container:Container"
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
        except UnknownValue as exc:
            yield Finding(f"can't check {bucket.urn} during preview: {exc}", bucket.urn, unknown=True)
            continue
        if not get(inline, "sseAlgorithm"):
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


ENCRYPTED = Rule(
    name="skyweave-security-storage-encrypted",
    description="Every S3 bucket declares server-side encryption (inline or with a "
    "BucketServerSideEncryptionConfiguration), so its encryption is explicit and auditable.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_encrypted,
    remediation="Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[...]) with "
    "sse_algorithm 'aws:kms' or 'AES256'. (GCS encrypts every object at rest and needs nothing.)",
)
VERSIONED = Rule(
    name="skyweave-security-storage-versioned",
    description="Every S3 bucket, GCS bucket and Swift container keeps object versions, so an overwrite "
    "or delete can be undone.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_versioned,
    remediation="Add aws.s3.BucketVersioning(bucket=bucket.id, versioning_configuration={'status': "
    "'Enabled'}); for GCS set versioning={'enabled': True}; for Swift versioning=True.",
)

RULES: tuple[Rule, ...] = (ENCRYPTED, VERSIONED)
