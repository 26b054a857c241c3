"""Security rules for data: no public buckets, GCS access controls, private and encrypted databases.

Each is a resource rule: a public ACL, a policy granting ``Principal: "*"``, an ``allUsers``
binding or a database open to 0.0.0.0/0 is wrong in itself, whatever else the stack holds. (That
every S3 bucket *has* a public access block needs both ends: storage.py.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import readers
from .rule import Kind, Level, Resource, Rule, Severity
from .topics import topic_rule

__all__ = ["RULES"]


def _check_public_buckets(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Each reader says what makes its buckets readable or writable by anyone (ACLs, policies,
    bindings, access levels); the rule reports each."""
    reader = readers.reader_of(res.type, "exposure_types")
    if reader is None:
        return
    for clause in reader.exposure(res):
        yield f"{res.type} {res.name!r}: {clause}"


PUBLIC_BUCKETS = Rule(
    name="skyweave-security-no-public-buckets",
    description="No bucket is readable or writable by anyone: no public canned ACL or AllUsers grant on "
    'S3, no bucket policy allowing Principal "*" without a Condition, no allUsers / '
    "allAuthenticatedUsers binding or ACL on GCS, no `.r:*` read ACL on a Swift container, no Azure "
    "storage account allowing public blob access and no Blob container with a public access level.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_public_buckets,
    types=readers.ReaderTypes("exposure_types"),
    remediation="Grant access to named principals (roles, service accounts, Entra ID roles or SAS on "
    "Azure) only; serve public content through a CDN with an origin identity rather than a public "
    "bucket. On Azure set allowBlobPublicAccess: false on the account and publicAccess: None on every "
    "container.",
    severity=Severity.CRITICAL,
    equivalents=(
        "checkov CKV_AWS_20, CKV_AWS_57, CKV_AWS_70, CKV_GCP_28, CKV_AZURE_34, CKV_AZURE_190",
        "trivy AVD-AWS-0092 (aws-s3-no-public-access-with-acl), "
        "AVD-GCP-0001 (google-storage-no-public-access), "
        "AVD-AZU-0007 (azure-storage-no-public-access)",
    ),
)

# -- GCS bucket access controls -----------------------------------------------------------------


GCS_ACCESS = topic_rule(
    "security-gcs-access-controlled",
    description="Every GCS bucket uses uniform bucket-level access and enforces public access prevention, "
    "so only its IAM policy grants access and nothing can make it public.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set uniform_bucket_level_access=True and public_access_prevention='enforced'.",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV_GCP_29, CKV_GCP_114",
        "trivy AVD-GCP-0002 (google-storage-enable-ubla)",
    ),
)

# -- databases ----------------------------------------------------------------------------------


def _check_databases(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Each reader says what leaves its managed databases unencrypted or open to the internet."""
    reader = readers.reader_of(res.type, "database_types")
    if reader is None:
        return
    for clause in reader.databases(res):
        yield f"{res.type} {res.name!r}: {clause}"


DATABASES = Rule(
    name="skyweave-security-databases-private-encrypted",
    description="Managed databases are encrypted at rest and not open to the internet: RDS instances and "
    "clusters set storageEncrypted (the default is unencrypted) and are not publiclyAccessible; Redshift "
    "clusters do not set encrypted to false nor publiclyAccessible to true; no Cloud SQL instance "
    "authorises 0.0.0.0/0, has a public address or accepts connections without TLS.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_databases,
    types=readers.ReaderTypes("database_types"),
    remediation="Set storage_encrypted=True and publicly_accessible=False (RDS); list only your own ranges "
    "in authorized_networks, set ip_configuration ipv4_enabled=False with a private_network and "
    "ssl_mode='ENCRYPTED_ONLY' (Cloud SQL).",
    severity=Severity.CRITICAL,
    equivalents=(
        "checkov CKV_AWS_16, CKV_AWS_17, CKV_AWS_64, CKV_AWS_87, CKV_AWS_96, CKV_GCP_11, CKV_GCP_60",
        "trivy AVD-AWS-0080 (aws-rds-encrypt-instance-storage-data), AVD-AWS-0079, AVD-AWS-0180, "
        "AVD-GCP-0017 (google-sql-no-public-access)",
    ),
)

# -- databases in more than one zone -------------------------------------------------------------


MULTI_ZONE = topic_rule(
    "redundancy-databases-multi-zone",
    description="Every managed database instance has a standby in another zone (RDS multiAz), so a "
    "zone's loss does not take the data offline. A read replica needs none.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set multi_az=True on the RDS instance (or run an Aurora cluster with instances in two "
    "zones).",
    severity=Severity.MEDIUM,
    equivalents=("checkov CKV_AWS_157",),
)

RULES: tuple[Rule, ...] = (PUBLIC_BUCKETS, GCS_ACCESS, DATABASES, MULTI_ZONE)
