"""Security rules for data: no public buckets, GCS access controls, private and encrypted databases.

Each is a resource rule: a public ACL, a policy granting ``Principal: "*"``, an ``allUsers``
binding or a database open to 0.0.0.0/0 is wrong in itself, whatever else the stack holds. (That
every S3 bucket *has* a public access block needs both ends: storage.py.)
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .rule import Kind, Level, Resource, Rule, Severity, get, items

__all__ = ["RULES"]

S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCS_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
GCS_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
GCS_IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy"
GCS_ACCESS_CONTROLS = (
    "gcp:storage/bucketAccessControl:BucketAccessControl",
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
    "gcp:storage/objectAccessControl:ObjectAccessControl",
)
GCS_ACL = "gcp:storage/bucketACL:BucketACL"
SWIFT_CONTAINER = "openstack:objectstorage/container:Container"
AZ_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZ_BLOB_CONTAINER = "azure-native:storage:BlobContainer"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"

_PUBLIC_CANNED = {"public-read", "public-read-write", "authenticated-read"}
_PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
_PUBLIC_MEMBERS = {"allusers", "allauthenticatedusers"}
_PUBLIC_GCS_ACLS = {"publicread", "publicreadwrite", "authenticatedread"}


def _principal_is_anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any(_principal_is_anyone(get(principal, key)) for key in principal)
    if isinstance(principal, Sequence) and not isinstance(principal, str):
        return any(p == "*" for p in items(principal))
    return False


def _public_statements(policy: Any) -> list[int]:
    """Indexes of Allow statements granting ``Principal: "*"`` with no Condition to narrow them.

    A policy given as an object (not a JSON string) is read through :func:`get`: a part unknown in
    the preview raises :class:`~skyweave.policy.rule.UnknownValue` rather than passing for absent.
    """
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    if not isinstance(policy, Mapping):
        return []
    found = []
    for i, statement in enumerate(items(policy, "Statement")):
        if not isinstance(statement, Mapping) or get(statement, "Effect") != "Allow":
            continue
        if _principal_is_anyone(get(statement, "Principal")) and not get(statement, "Condition"):
            found.append(i)
    return found


def _check_public_buckets(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    props = res.props
    where = f"{res.type} {res.name!r}"
    if res.type in S3_BUCKETS or res.type in S3_ACLS:
        acl = get(props, "acl")
        if isinstance(acl, str) and acl in _PUBLIC_CANNED:
            yield f"{where}: acl is {acl!r}, which makes the bucket readable by anyone"
        grants = [*items(props, "grants"), *items(props, "accessControlPolicy", "grants")]
        for grant in grants:
            uri = get(grant, "uri") or get(grant, "grantee", "uri")
            if isinstance(uri, str) and uri in _PUBLIC_GRANTEES:
                yield f"{where}: a grant gives {uri.rsplit('/', 1)[-1]} access"
    if res.type in S3_BUCKETS or res.type == S3_POLICY:
        for i in _public_statements(get(props, "policy")):
            yield f'{where}: policy Statement[{i}] allows Principal "*" with no Condition'
    if res.type == GCS_IAM_MEMBER:
        member = str(get(props, "member") or "")
        if member.lower() in _PUBLIC_MEMBERS:
            yield f"{where}: grants {get(props, 'role')} to {member}"
    elif res.type == GCS_IAM_BINDING:
        public = [str(m) for m in items(props, "members") if str(m).lower() in _PUBLIC_MEMBERS]
        if public:
            yield f"{where}: grants {get(props, 'role')} to {', '.join(public)}"
    elif res.type == GCS_IAM_POLICY:
        data = get(props, "policyData")
        try:
            bindings = json.loads(data).get("bindings", []) if isinstance(data, str) else []
        except (ValueError, AttributeError):
            bindings = []
        for binding in bindings if isinstance(bindings, list) else []:
            members = binding.get("members", []) if isinstance(binding, Mapping) else []
            public = [m for m in members if isinstance(m, str) and m.lower() in _PUBLIC_MEMBERS]
            if public:
                yield f"{where}: policyData grants {binding.get('role')} to {', '.join(public)}"
    elif res.type in GCS_ACCESS_CONTROLS:
        entity = str(get(props, "entity") or "")
        if entity.lower() in _PUBLIC_MEMBERS:
            yield f"{where}: entity {entity} gets {get(props, 'role')}"
    elif res.type == GCS_ACL:
        predefined = str(get(props, "predefinedAcl") or "")
        if predefined.lower() in _PUBLIC_GCS_ACLS:
            yield f"{where}: predefinedAcl is {predefined!r}"
        for entry in items(props, "roleEntities"):
            if str(entry).split(":", 1)[-1].lower() in _PUBLIC_MEMBERS:
                yield f"{where}: roleEntities grants {entry}"
    elif res.type == SWIFT_CONTAINER:
        read = str(get(props, "containerRead") or "")
        if ".r:*" in read.replace(" ", ""):
            yield f"{where}: containerRead {read!r} lets anyone read it"
    elif res.type == AZ_STORAGE_ACCOUNT:
        if get(props, "allowBlobPublicAccess") is True:
            yield f"{where}: allowBlobPublicAccess is true, so any container may be made public; set false"
    elif res.type == AZ_BLOB_CONTAINER:
        access = get(props, "publicAccess")
        if access is not None and str(access).lower() != "none":
            yield f"{where}: publicAccess is {access}: anyone on the internet can read it; set None"


PUBLIC_BUCKETS = Rule(
    name="skyweave-security-no-public-buckets",
    description="No bucket is readable or writable by anyone: no public canned ACL or AllUsers grant on "
    'S3, no bucket policy allowing Principal "*" without a Condition, no allUsers / '
    "allAuthenticatedUsers binding or ACL on GCS, no `.r:*` read ACL on a Swift container, no Azure "
    "storage account allowing public blob access and no Blob container with a public access level.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_public_buckets,
    types=frozenset(
        {
            *S3_BUCKETS,
            *S3_ACLS,
            S3_POLICY,
            GCS_IAM_MEMBER,
            GCS_IAM_BINDING,
            GCS_IAM_POLICY,
            *GCS_ACCESS_CONTROLS,
            GCS_ACL,
            SWIFT_CONTAINER,
            AZ_STORAGE_ACCOUNT,
            AZ_BLOB_CONTAINER,
        }
    ),
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


def _check_gcs_access(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    where = f"{res.type} {res.name!r}"
    if get(res.props, "uniformBucketLevelAccess") is not True:
        yield (
            f"{where}: uniformBucketLevelAccess is not true, so per-object ACLs can grant access the "
            "bucket's IAM policy does not show"
        )
    prevention = get(res.props, "publicAccessPrevention")
    if prevention != "enforced":
        shown = "unset ('inherited' from the organisation policy)" if prevention is None else repr(prevention)
        yield f"{where}: publicAccessPrevention is {shown}; set it to 'enforced'"


GCS_ACCESS = Rule(
    name="skyweave-security-gcs-access-controlled",
    description="Every GCS bucket uses uniform bucket-level access and enforces public access prevention, "
    "so only its IAM policy grants access and nothing can make it public.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_gcs_access,
    types=frozenset({GCS_BUCKET}),
    remediation="Set uniform_bucket_level_access=True and public_access_prevention='enforced'.",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV_GCP_29, CKV_GCP_114",
        "trivy AVD-GCP-0002 (google-storage-enable-ubla)",
    ),
)

# -- databases ----------------------------------------------------------------------------------


def _world(cidr: Any) -> bool:
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0
    except ValueError:
        return False


def _check_databases(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    props = res.props
    where = f"{res.type} {res.name!r}"
    if res.type in (RDS_INSTANCE, RDS_CLUSTER):
        serverless_v1 = res.type == RDS_CLUSTER and str(get(props, "engineMode") or "") == "serverless"
        encrypted = get(props, "storageEncrypted")
        replica = res.type == RDS_INSTANCE and get(props, "replicateSourceDb")
        if encrypted is not True and not serverless_v1 and not replica:
            shown = "unset (RDS then stores the data unencrypted)" if encrypted is None else repr(encrypted)
            yield f"{where}: storageEncrypted is {shown}; set it to true"
        if get(props, "publiclyAccessible") is True:
            yield f"{where}: publiclyAccessible is true; keep the database on private subnets"
    elif res.type == CLOUD_SQL:
        for i, network in enumerate(items(props, "settings", "ipConfiguration", "authorizedNetworks")):
            value = get(network, "value")
            if _world(value):
                yield f"{where}: settings.ipConfiguration.authorizedNetworks[{i}] is {value}: the world"


DATABASES = Rule(
    name="skyweave-security-databases-private-encrypted",
    description="Managed databases are encrypted at rest and not open to the internet: RDS instances and "
    "clusters set storageEncrypted (the default is unencrypted) and are not publiclyAccessible; no Cloud "
    "SQL instance authorises 0.0.0.0/0.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_databases,
    types=frozenset({RDS_INSTANCE, RDS_CLUSTER, CLOUD_SQL}),
    remediation="Set storage_encrypted=True and publicly_accessible=False (RDS); list only your own ranges "
    "in authorized_networks, or use private IP / the Cloud SQL Auth Proxy (Cloud SQL).",
    severity=Severity.CRITICAL,
    equivalents=(
        "checkov CKV_AWS_16, CKV_AWS_17, CKV_AWS_96, CKV_GCP_11",
        "trivy AVD-AWS-0080 (aws-rds-encrypt-instance-storage-data), AVD-AWS-0079, AVD-AWS-0180, "
        "AVD-GCP-0017 (google-sql-no-public-access)",
    ),
)

RULES: tuple[Rule, ...] = (PUBLIC_BUCKETS, GCS_ACCESS, DATABASES)
