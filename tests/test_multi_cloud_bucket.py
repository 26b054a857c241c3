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


# --- the primary / copies form: roles chosen by what each site's driver offers ------------------

AWS2 = {"name": "aws-usw2", "vendor": "aws", "region": "us-west-2"}
GCP2 = {"name": "gcp-usc1", "vendor": "gcp", "region": "us-central1", "project": "proj-12345"}
ONPREM = {"name": "onprem-fra", "vendor": "onprem", "region": "fra", "cidrs": ["10.200.0.0/16"]}
ESTATE = [*SITES, AWS2, GCP2, ONPREM]
NEW_FULL = {
    "primary": "aws-use1",
    "copies": [
        {"site": "gcp-euw1", "filled_by": "transfer"},
        {"site": "os-dc1", "filled_by": "application", "storage_policy": "ec42"},
    ],
}


def _plan(args: dict[str, Any]) -> Any:
    sites = HybridVpcArgs.model_validate({"sites": ESTATE}).sites
    return plan_multi_cloud_bucket(MultiCloudBucketArgs.model_validate(args), sites)


def _registered(result: OfflineRun) -> list[tuple[str, str, str, bool, str]]:
    """Each resource (URN, type, inputs, protection, provider), by URN: the mock runtime registers
    resources whose inputs are outputs in the order they resolve."""
    return sorted(
        (r.urn, r.type, json.dumps(r.inputs, sort_keys=True, default=str), r.protect, str(r.provider))
        for r in result.resources
    )


def test_the_deprecated_keys_build_exactly_what_the_new_form_builds() -> None:
    """Same resources, same URNs, same inputs, same outputs: a stack file may move at leisure."""
    legacy, new = build(FULL), build(NEW_FULL)
    assert _registered(legacy) == _registered(new)
    assert legacy.outputs == new.outputs and legacy.component_outputs == new.component_outputs
    (warning,) = [w for w in legacy.warnings if "deprecated" in w]
    assert "s3_site, gcs_site, swift_site, swift_storage_policy are deprecated" in warning
    assert not [w for w in new.warnings if "deprecated" in w]


def test_the_warning_says_what_to_write_and_that_builds_the_same() -> None:
    import yaml

    legacy = MultiCloudBucketArgs.model_validate({**FULL, "kms_key_id": "alias/k"})
    written = yaml.safe_load("{" + legacy.replacement() + "}")
    assert written == {
        "primary": "aws-use1",
        "copies": [
            {"site": "gcp-euw1", "filled_by": "transfer"},
            {"site": "os-dc1", "filled_by": "application", "storage_policy": "ec42"},
        ],
    }
    new = MultiCloudBucketArgs.model_validate({**written, "kms_key_id": "alias/k"})
    assert _plan(new.model_dump(exclude_none=True)).sites == _plan(legacy.model_dump(exclude_none=True)).sites


def test_a_copy_is_filled_by_transfer_where_the_drivers_offer_it_else_by_the_application() -> None:
    plan = _plan({"primary": "aws-use1", "copies": [{"site": "gcp-euw1"}, {"site": "os-dc1"}]})
    assert [(c.site.name, c.filled_by.value) for c in plan.copies] == [
        ("gcp-euw1", "transfer"),  # GCP's Storage Transfer reads S3; AWS grants it read
        ("os-dc1", "application"),  # OpenStack offers no transfer service
    ]
    # The other way round no driver offers a transfer (AWS has no copy service): the application.
    plan = _plan({"primary": "gcp-euw1", "copies": [{"site": "aws-use1"}]})
    assert [c.filled_by.value for c in plan.copies] == ["application"]
    assert not plan.transfer


def test_any_vendor_with_object_storage_can_be_the_primary() -> None:
    result = build({"primary": "gcp-euw1", "copies": [{"site": "os-dc1", "storage_policy": "ec42"}]})
    (component,) = [r for r in result.resources if r.type == "skyweave:storage:MultiCloudBucket"]
    types = Counter(r.type for r in result.resources if r.parent == component.urn)
    assert types == Counter(
        {"gcp:storage/bucket:Bucket": 1, "openstack:objectstorage/container:Container": 1}
    )
    assert set(result.outputs["buckets"]) == {"gcp-euw1", "os-dc1"}


@pytest.mark.parametrize(
    ("args", "path", "words"),
    [
        (  # a site whose vendor has no object store, as the primary and as a copy
            {"primary": "onprem-fra", "copies": [{"site": "aws-use1"}]},
            "primary",
            ["'onprem-fra'", "vendor 'onprem'", "'object_storage'"],
        ),
        (
            {"primary": "aws-use1", "copies": [{"site": "onprem-fra"}]},
            "copies[0].site",
            ["'onprem-fra'", "vendor 'onprem'", "'object_storage'"],
        ),
        (  # a transfer asked of a vendor without a transfer service
            {"primary": "aws-use1", "copies": [{"site": "os-dc1", "filled_by": "transfer"}]},
            "copies[0].site",
            ["'os-dc1'", "vendor 'openstack'", "'bucket_copy'"],
        ),
        (  # a transfer from a vendor that cannot grant the copy service read access
            {"primary": "gcp-euw1", "copies": [{"site": "aws-use1", "filled_by": "transfer"}]},
            "copies[0].site",
            ["'aws-use1'", "vendor 'aws'", "'bucket_copy'"],
        ),
        (  # a transfer service that does not read the primary's vendor
            {"primary": "gcp-euw1", "copies": [{"site": "gcp-usc1", "filled_by": "transfer"}]},
            "copies[0].site",
            ["'gcp-usc1'", "Storage Transfer Service (gcp) copies from aws only", "'gcp-euw1' is gcp"],
        ),
        (
            {"primary": "aws-use1", "kms_key_id": "k", "copies": []},
            "copies",
            ["a bucket on one vendor does not survive that vendor"],
        ),
        (
            {"primary": "aws-use1", "copies": [{"site": "aws-usw2"}]},
            "copies",
            ["every copy is on aws, the primary's vendor"],
        ),
        (
            {"primary": "aws-use1", "copies": [{"site": "gcp-euw1"}, {"site": "aws-use1"}]},
            "copies[1].site",
            ["already holds the bucket's primary"],
        ),
        (
            {"primary": "aws-use1", "copies": [{"site": "gcp-euw1"}, {"site": "gcp-usc1"}]},
            "copies[1].site",
            ["one copy filled by transfer", "'gcp-euw1' is already"],
        ),
        (  # an option the vendor's store does not take is refused, never dropped
            {"primary": "gcp-euw1", "kms_key_id": "k", "copies": [{"site": "aws-use1"}]},
            "kms_key_id",
            ["GCS bucket on 'gcp-euw1' (gcp) takes no customer-managed key"],
        ),
        (
            {"primary": "aws-use1", "copies": [{"site": "gcp-euw1", "storage_policy": "ec42"}]},
            "copies[0].storage_policy",
            ["GCS bucket on 'gcp-euw1' (gcp) has no storage policies"],
        ),
        (  # the transfer service's own shortest interval
            {"primary": "aws-use1", "copies": [{"site": "gcp-euw1"}], "copy_interval_seconds": 600},
            "copy_interval_seconds",
            ["Storage Transfer Service repeats a copy at most every 3600 s"],
        ),
        ({"copies": [{"site": "gcp-euw1"}]}, "primary", ["required"]),
    ],
)
def test_a_site_that_cannot_play_its_role_is_named(args: dict[str, Any], path: str, words: list[str]) -> None:
    with pytest.raises(InvalidArgsError) as e:
        _plan(args)
    (issue,) = [i for i in e.value.issues if i.path == path]
    for word in words:
        assert word in issue.message, (word, issue.message)


def test_the_two_forms_cannot_be_mixed() -> None:
    with pytest.raises(InvalidArgsError, match="cannot be mixed with primary/copies") as e:
        MultiCloudBucketArgs(primary="aws-use1", gcs_site="gcp-euw1")
    assert e.value.issues[0].path == "gcs_site"
