"""MultiCloudBucket under Pulumi's mocks: S3, the GCS copy and its access, Swift, validation."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pulumi
import pytest
from conftest import run
from skyweave import HybridVpcArgs, InvalidArgsError, SiteProviders
from skyweave.engine.offline import OfflineRun
from skyweave.storage.multi_cloud_bucket import (
    MultiCloudBucket,
    MultiCloudBucketArgs,
    plan_multi_cloud_bucket,
)

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1"}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
OPENSTACK = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne"}
SITES = [AWS, GCP, OPENSTACK]
FULL = {"s3_site": "aws-use1", "gcs_site": "gcp-euw1", "swift_site": "os-dc1", "swift_storage_policy": "ec42"}


def build(args: dict[str, Any]) -> OfflineRun:
    def program() -> None:
        sites = HybridVpcArgs.model_validate({"sites": SITES}).sites
        store = MultiCloudBucket("assets", args, sites=sites, providers=SiteProviders(sites))
        pulumi.export("buckets", store.buckets)

    return run(program)


def test_shape_and_protection() -> None:
    result = build(FULL)
    (component,) = [r for r in result.resources if r.type == "skyweave:storage:MultiCloudBucket"]
    children = [r for r in result.resources if r.parent == component.urn]
    assert Counter(r.type for r in children) == Counter(
        {
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "gcp:storage/bucket:Bucket": 1,
            "gcp:storage/bucketIAMMember:BucketIAMMember": 2,
            "gcp:storage/transferJob:TransferJob": 1,
            "openstack:objectstorage/container:Container": 1,
        }
    )
    stateful = {
        "aws:s3/bucket:Bucket",
        "gcp:storage/bucket:Bucket",
        "openstack:objectstorage/container:Container",
    }
    assert {r.type for r in children if r.protect} == stateful
    res = {r.name: r.inputs for r in children}
    assert res["assets-bucket-versioning-aws-use1"]["versioningConfiguration"] == {"status": "Enabled"}
    rule = res["assets-bucket-sse-aws-use1"]["rules"][0]["applyServerSideEncryptionByDefault"]
    assert rule == {"sseAlgorithm": "AES256"}
    block = res["assets-bucket-public-block-aws-use1"]
    assert all(
        block[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    gcs = res["assets-bucket-gcp-euw1"]
    assert gcs["versioning"] == {"enabled": True} and gcs["publicAccessPrevention"] == "enforced"
    container = res["assets-container-os-dc1"]
    assert container["storagePolicy"] == "ec42" and container["versioning"] is True
    assert result.outputs["buckets"]["os-dc1"] == "assets-container-os-dc1"


def test_the_copy_reads_s3_through_a_role_trusting_only_the_transfer_agent() -> None:
    result = build(FULL)
    res = {r.name: r.inputs for r in result.resources}
    trust = json.loads(res["assets-bucket-reader-aws-use1"]["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": "accounts.google.com"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    (subject,) = statement["Condition"]["StringEquals"].values()
    assert subject.isdigit()
    policy = json.loads(res["assets-bucket-reader-policy-aws-use1"]["policy"])
    bucket = result.outputs["buckets"]["aws-use1"]
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        (["s3:ListBucket"], f"arn:aws:s3:::{bucket}"),
        (["s3:GetObject"], f"arn:aws:s3:::{bucket}/*"),
    ]
    job = res["assets-copy-gcp-euw1"]
    source = job["transferSpec"]["awsS3DataSource"]
    assert source["bucketName"] == bucket and source["roleArn"].startswith("arn:aws:iam::")
    assert job["transferSpec"]["gcsDataSink"]["bucketName"] == result.outputs["buckets"]["gcp-euw1"]
    assert job["transferSpec"]["transferOptions"]["deleteObjectsUniqueInSink"] is False
    assert job["schedule"]["repeatInterval"] == "3600s"
    members = {r["role"]: r["member"] for r in (res[n] for n in res if n.startswith("assets-bucket-agent-"))}
    assert set(members) == {"roles/storage.legacyBucketWriter", "roles/storage.objectViewer"}
    assert all(m.startswith("serviceAccount:project-") for m in members.values())


def test_kms_encryption_and_no_swift() -> None:
    result = build({"s3_site": "aws-use1", "gcs_site": "gcp-euw1", "kms_key_id": "alias/assets"})
    assert not [
        r for r in result.resources if r.package == "openstack" and r.custom and "container" in r.name
    ]
    (sse,) = [r.inputs for r in result.resources if r.name == "assets-bucket-sse-aws-use1"]
    assert sse["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": "alias/assets",
    }


@pytest.mark.parametrize(
    ("args", "path", "match"),
    [
        (
            {"s3_site": "gcp-euw1", "gcs_site": "gcp-euw1"},
            "s3_site",
            "must be a aws site, and 'gcp-euw1' is gcp",
        ),
        ({"s3_site": "aws-use1"}, "gcs_site", "a bucket on one vendor does not survive that vendor"),
        ({"s3_site": "aws-use1", "gcs_site": "gcp-x"}, "gcs_site", "no such site"),
        (
            {"s3_site": "aws-use1", "gcs_site": "gcp-euw1", "swift_storage_policy": "ec42"},
            "swift_storage_policy",
            "applies only with swift_site",
        ),
    ],
)
def test_fails_before_registering(args: dict[str, Any], path: str, match: str) -> None:
    sites = HybridVpcArgs.model_validate({"sites": SITES}).sites
    with pytest.raises(InvalidArgsError, match=match) as e:
        plan_multi_cloud_bucket(MultiCloudBucketArgs.model_validate(args), sites)
    assert e.value.issues[0].path == path


def test_copy_interval_is_bounded_by_storage_transfer() -> None:
    with pytest.raises(InvalidArgsError, match="copy_interval_seconds"):
        build({**FULL, "copy_interval_seconds": 600})
