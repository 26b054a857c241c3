"""The security basics, the new redundancy rules and waivers — through the real Analyzer protocol.

Every case is sent to the pack exactly as the engine sends it (``Analyze`` for a resource rule,
``AnalyzeStack`` for a stack rule): a failing case must come back under the rule's own name and
level, the passing twin must not.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import res, wire
from skyweave.engine.analyzer import Diagnostic, PolicyPackProcess
from skyweave.policy import Resource

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="proj", stack="test") as process:
        process.configure({})
        yield process


def _resource_hits(pack: PolicyPackProcess, resource: Resource, rule: str) -> list[Diagnostic]:
    return [d for d in pack.analyze(wire(resource)) if d.policy_name == rule]


def _stack_hits(pack: PolicyPackProcess, resources: list[Resource], rule: str) -> list[Diagnostic]:
    return [d for d in pack.analyze_stack([wire(r) for r in resources]) if d.policy_name == rule]


VOLUMES = "skyweave-security-volumes-encrypted"
PUBLIC_IP = "skyweave-security-no-public-ip-on-instances"
HOPS = "skyweave-security-imds-hop-limit"
IMDS = "skyweave-security-imdsv2-required"
SSH_KEYS = "skyweave-security-gcp-no-project-ssh-keys"
BUCKETS = "skyweave-security-no-public-buckets"
GCS = "skyweave-security-gcs-access-controlled"
DATABASES = "skyweave-security-databases-private-encrypted"
SECRETS = "skyweave-security-no-plaintext-secrets"
PORTS = "skyweave-security-no-open-admin-ports"

EBS = "aws:ebs/volume:Volume"
VM = "aws:ec2/instance:Instance"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
LC = "aws:ec2/launchConfiguration:LaunchConfiguration"
GCE = "gcp:compute/instance:Instance"
GCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
S3 = "aws:s3/bucket:Bucket"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
_b64 = base64.b64encode

# (rule, type, failing properties, what the message says, passing properties)
RESOURCE_CASES: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]] = [
    (VOLUMES, EBS, {"size": 20.0}, "encrypted is unset", {"size": 20.0, "encrypted": True}),
    (VOLUMES, EBS, {"encrypted": False}, "encrypted is False", {"encrypted": True}),
    (
        VOLUMES,
        VM,
        {"rootBlockDevice": {"volumeSize": 20.0}},
        "rootBlockDevice.encrypted is unset",
        {
            "rootBlockDevice": {"encrypted": True},
            "ebsBlockDevices": [{"deviceName": "/dev/sdb", "encrypted": True}],
        },
    ),
    (
        VOLUMES,
        VM,
        {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"deviceName": "/dev/sdb"}]},
        "ebsBlockDevices[0].encrypted is unset",
        {"rootBlockDevice": {"encrypted": True}},
    ),
    (
        VOLUMES,
        LT,
        {"imageId": "ami-1"},
        "blockDeviceMappings is unset",
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]},
    ),
    (
        VOLUMES,
        LT,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
        "blockDeviceMappings[0].ebs.encrypted is 'false'",
        {
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20.0}}
            ]
        },
    ),
    (
        VOLUMES,
        LC,
        {"rootBlockDevice": {"volumeSize": 8.0}},
        "rootBlockDevice.encrypted is unset",
        {"rootBlockDevice": {"encrypted": True}},
    ),
    (
        PUBLIC_IP,
        VM,
        {"associatePublicIpAddress": True},
        "associatePublicIpAddress is true",
        {"associatePublicIpAddress": False},
    ),
    (PUBLIC_IP, LC, {"associatePublicIpAddress": True}, "associatePublicIpAddress is true", {}),
    (
        PUBLIC_IP,
        LT,
        {"networkInterfaces": [{"associatePublicIpAddress": "true"}]},
        "networkInterfaces[0].associatePublicIpAddress is true",
        {"networkInterfaces": [{"subnetId": "s-1"}]},
    ),
    (
        PUBLIC_IP,
        GCE,
        {"networkInterfaces": [{"subnetwork": "s", "accessConfigs": [{}]}]},
        "networkInterfaces[0].accessConfigs gives it an external IP",
        {"networkInterfaces": [{"subnetwork": "s"}]},
    ),
    (
        PUBLIC_IP,
        GCE_TEMPLATE,
        {"networkInterfaces": [{"accessConfigs": [{"networkTier": "PREMIUM"}]}]},
        "accessConfigs",
        {"networkInterfaces": [{"accessConfigs": []}]},
    ),
    (IMDS, LC, {"imageId": "ami-1"}, "httpTokens is unset", {"metadataOptions": {"httpTokens": "required"}}),
    (
        SSH_KEYS,
        GCE,
        {"metadata": {"enable-oslogin": "TRUE"}},
        "block-project-ssh-keys is unset",
        {"metadata": {"block-project-ssh-keys": "TRUE"}},
    ),
    (
        SSH_KEYS,
        GCE_TEMPLATE,
        {"metadata": {"block-project-ssh-keys": "false"}},
        "is 'false'",
        {"metadata": {"block-project-ssh-keys": True}},
    ),
    (BUCKETS, S3, {"acl": "public-read"}, "acl is 'public-read'", {"acl": "private"}),
    (
        BUCKETS,
        "aws:s3/bucketAclV2:BucketAclV2",
        {
            "accessControlPolicy": {
                "grants": [
                    {
                        "grantee": {
                            "type": "Group",
                            "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                        },
                        "permission": "READ",
                    }
                ]
            }
        },
        "a grant gives AllUsers access",
        {"accessControlPolicy": {"grants": [{"grantee": {"type": "CanonicalUser", "id": "abc"}}]}},
    ),
    (
        BUCKETS,
        "aws:s3/bucketPolicy:BucketPolicy",
        {
            "policy": json.dumps(
                {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}
            )
        },
        'Statement[0] allows Principal "*"',
        {
            "policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "*"},
                            "Action": "s3:GetObject",
                            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
                        }
                    ]
                }
            )
        },
    ),
    (
        BUCKETS,
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"},
        "to allUsers",
        {
            "bucket": "b",
            "role": "roles/storage.objectViewer",
            "member": "serviceAccount:app@p.iam.gserviceaccount.com",
        },
    ),
    (
        BUCKETS,
        "gcp:storage/bucketIAMBinding:BucketIAMBinding",
        {"role": "roles/storage.objectViewer", "members": ["user:a@example.com", "allAuthenticatedUsers"]},
        "to allAuthenticatedUsers",
        {"role": "roles/storage.objectViewer", "members": ["user:a@example.com"]},
    ),
    (
        BUCKETS,
        "openstack:objectstorage/container:Container",
        {"containerRead": ".r:*,.rlistings"},
        "lets anyone read it",
        {"containerRead": "project-a:user-b"},
    ),
    (
        GCS,
        GCS_BUCKET,
        {"location": "EU"},
        "uniformBucketLevelAccess is not true",
        {"uniformBucketLevelAccess": True, "publicAccessPrevention": "enforced"},
    ),
    (
        GCS,
        GCS_BUCKET,
        {"uniformBucketLevelAccess": True},
        "publicAccessPrevention is unset",
        {"uniformBucketLevelAccess": True, "publicAccessPrevention": "enforced"},
    ),
    (
        DATABASES,
        "aws:rds/instance:Instance",
        {"engine": "postgres"},
        "storageEncrypted is unset",
        {"engine": "postgres", "storageEncrypted": True},
    ),
    (
        DATABASES,
        "aws:rds/instance:Instance",
        {"storageEncrypted": True, "publiclyAccessible": True},
        "publiclyAccessible is true",
        {"storageEncrypted": True, "publiclyAccessible": False},
    ),
    (
        DATABASES,
        "aws:rds/cluster:Cluster",
        {"engine": "aurora-postgresql"},
        "storageEncrypted is unset",
        {"engine": "aurora-postgresql", "storageEncrypted": True},
    ),
    (
        DATABASES,
        "gcp:sql/databaseInstance:DatabaseInstance",
        {"settings": {"ipConfiguration": {"authorizedNetworks": [{"name": "all", "value": "0.0.0.0/0"}]}}},
        "authorizedNetworks[0] is 0.0.0.0/0",
        {
            "settings": {
                "ipConfiguration": {
                    "authorizedNetworks": [{"name": "office", "value": "198.51.100.0/24"}],
                    "ipv4Enabled": False,
                    "privateNetwork": "projects/proj-12345/global/networks/default",
                    "sslMode": "ENCRYPTED_ONLY",
                }
            }
        },
    ),
    (
        SECRETS,
        "aws:lambda/function:Function",
        {"environment": {"variables": {"DB_PASSWORD": "hunter2-prod"}}},
        "environment.variables.DB_PASSWORD looks like a key or password",
        {"environment": {"variables": {"DB_PASSWORD_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:db"}}},
    ),
    (
        SECRETS,
        "aws:lambda/function:Function",
        {"environment": {"variables": {"SECRET_KEY": "s3cr3t-value"}}},
        "SECRET_KEY looks like a key",
        {"environment": {"variables": {"SECRET_KEY": "${ssm:/app/secret-key}"}}},
    ),
    (
        SECRETS,
        "aws:lambda/function:Function",
        {"environment": {"variables": {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}},
        "AWS_SECRET_ACCESS_KEY looks like a key",
        {"environment": {"variables": {"AWS_REGION": "us-east-1"}}},
    ),
    (
        SECRETS,
        "aws:lambda/function:Function",
        {"environment": {"variables": {"KEY_ID": "AKIAIOSFODNN7EXAMPLE"}}},
        "holds an AWS access key id",
        {"environment": {"variables": {"KEY_ID": "not-a-key"}}},
    ),
    (
        SECRETS,
        VM,
        {"userData": "#!/bin/sh\nexport DB_PASSWORD=hunter2\nexport APP_ENV=prod\n"},
        "userData sets DB_PASSWORD in plain text",
        {"userData": "#!/bin/sh\nexport APP_ENV=prod\n"},
    ),
    (
        SECRETS,
        LT,
        {"userData": _b64(b"#cloud-config\nruncmd:\n - echo AKIAIOSFODNN7EXAMPLE\n").decode()},
        "userData (decoded) holds a private key or an AWS access key id",
        {"userData": _b64(b"#cloud-config\nruncmd:\n - echo hello\n").decode()},
    ),
    (
        SECRETS,
        GCE,
        {"metadata": {"startup-script": "SECRET_KEY='abc123xyz' ./run"}},
        "metadata.startup-script sets SECRET_KEY",
        {"metadata": {"startup-script": "SECRET_KEY=$(fetch-secret) ./run"}},
    ),
    (
        SECRETS,
        "aws:ecs/taskDefinition:TaskDefinition",
        {
            "containerDefinitions": json.dumps(
                [{"name": "app", "environment": [{"name": "API_KEY", "value": "k-123456"}]}]
            )
        },
        "environment[0].value looks like a key",
        {
            "containerDefinitions": json.dumps(
                [{"name": "app", "environment": [{"name": "LOG_LEVEL", "value": "info"}]}]
            )
        },
    ),
    (
        SECRETS,
        "gcp:cloudrunv2/service:Service",
        {"template": {"containers": [{"envs": [{"name": "CLIENT_SECRET", "value": "xyz-9876"}]}]}},
        "looks like a key",
        {"template": {"containers": [{"envs": [{"name": "CLIENT_SECRET", "valueSource": {}}]}]}},
    ),
    (
        SECRETS,
        "openstack:compute/instance:Instance",
        {"userData": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...\n-----END OPENSSH PRIVATE KEY-----"},
        "holds a private key",
        {"userData": "ssh-ed25519 AAAAC3Nza... ops@example.com"},
    ),
]


@pytest.mark.parametrize(
    ("rule", "type_", "failing", "expected", "passing"),
    RESOURCE_CASES,
    ids=[
        f"{c[0].removeprefix('skyweave-security-')}-{c[1].rsplit(':', 1)[-1]}-{i}"
        for i, c in enumerate(RESOURCE_CASES)
    ],
)
def test_resource_rule_fails_and_its_twin_passes(
    pack: PolicyPackProcess,
    rule: str,
    type_: str,
    failing: dict[str, Any],
    expected: str,
    passing: dict[str, Any],
) -> None:
    hits = _resource_hits(pack, res(type_, "bad", failing), rule)
    assert hits, f"{rule} did not fire on {failing}"
    assert any(expected in d.detail for d in hits), [d.detail for d in hits]
    assert all(d.enforcement_level == ("advisory" if rule == HOPS else "mandatory") for d in hits)
    assert _resource_hits(pack, res(type_, "good", passing), rule) == []


def test_hop_limit_is_advisory_and_configurable(pack: PolicyPackProcess) -> None:
    two = res(LT, "lt", {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2.0}})
    [diag] = _resource_hits(pack, two, HOPS)
    assert diag.enforcement_level == "advisory" and "httpPutResponseHopLimit is 2" in diag.detail
    one = res(LT, "lt", {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1.0}})
    assert _resource_hits(pack, one, HOPS) == []
    pack.configure({HOPS: {"maxHopLimit": 2}})
    try:
        assert _resource_hits(pack, two, HOPS) == []
    finally:
        pack.configure({})


def test_account_wide_ebs_encryption_makes_omitted_encrypted_pass(pack: PolicyPackProcess) -> None:
    pack.configure({VOLUMES: {"accountDefaultEncryption": True}})
    try:
        assert _resource_hits(pack, res(EBS, "v", {"size": 8.0}), VOLUMES) == []
        assert _resource_hits(pack, res(EBS, "v", {"encrypted": False}), VOLUMES)
    finally:
        pack.configure({})


# -- stack rules --------------------------------------------------------------------------------

HTTP = "skyweave-security-no-plain-http-listeners"
ACCESS_BLOCK = "skyweave-security-s3-public-access-blocked"
COPY = "skyweave-redundancy-bucket-copied-to-another-vendor"
DNS_VENDOR = "skyweave-redundancy-dns-survives-vendor-loss"
CLAIMS = "skyweave-redundancy-claims-backed"


def test_plain_http_listeners(pack: PolicyPackProcess) -> None:
    listener = "aws:lb/listener:Listener"
    forward = res(
        listener, "http", {"protocol": "HTTP", "port": 80.0, "defaultActions": [{"type": "forward"}]}
    )
    [diag] = _stack_hits(pack, [forward], HTTP)
    assert diag.mandatory and "serves plain HTTP on port 80" in diag.detail
    redirect = res(
        listener,
        "http",
        {
            "protocol": "HTTP",
            "port": 80.0,
            "defaultActions": [
                {
                    "type": "redirect",
                    "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
                }
            ],
        },
    )
    https = res(listener, "https", {"protocol": "HTTPS", "port": 443.0, "certificateArn": "arn:aws:acm:x"})
    assert _stack_hits(pack, [redirect, https], HTTP) == []
    url_map = res("gcp:compute/uRLMap:URLMap", "web", {"defaultService": "backend"})
    proxy = res("gcp:compute/targetHttpProxy:TargetHttpProxy", "web", {}, prop_deps={"urlMap": [url_map.urn]})
    assert "target HTTP proxy 'web' serves plain HTTP" in _stack_hits(pack, [url_map, proxy], HTTP)[0].detail
    redirect_map = res("gcp:compute/uRLMap:URLMap", "web", {"defaultUrlRedirect": {"httpsRedirect": True}})
    assert _stack_hits(pack, [redirect_map, proxy], HTTP) == []
    octavia = res(
        "openstack:loadbalancer/listener:Listener", "web", {"protocol": "HTTP", "protocolPort": 80.0}
    )
    assert "Octavia listener 'web' serves plain HTTP" in _stack_hits(pack, [octavia], HTTP)[0].detail
    policy = res(
        "openstack:loadbalancer/l7PolicyV2:L7PolicyV2",
        "to-https",
        {"action": "REDIRECT_PREFIX", "redirectPrefix": "https://shop.example.com"},
        prop_deps={"listenerId": [octavia.urn]},
    )
    assert _stack_hits(pack, [octavia, policy], HTTP) == []


def test_every_s3_bucket_has_a_full_public_access_block(pack: PolicyPackProcess) -> None:
    bucket = res(S3, "data", {})
    [diag] = _stack_hits(pack, [bucket], ACCESS_BLOCK)
    assert "has no public access block" in diag.detail
    block = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    flags = {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    partial = res(block, "pab", {**flags, "restrictPublicBuckets": False}, prop_deps={"bucket": [bucket.urn]})
    assert "leaves restrictPublicBuckets off" in _stack_hits(pack, [bucket, partial], ACCESS_BLOCK)[0].detail
    full = res(block, "pab", flags, prop_deps={"bucket": [bucket.urn]})
    assert _stack_hits(pack, [bucket, full], ACCESS_BLOCK) == []
    account = res("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account", flags)
    assert _stack_hits(pack, [bucket, account], ACCESS_BLOCK) == []


def test_a_bucket_needs_a_copy_on_another_vendor(pack: PolicyPackProcess) -> None:
    s3 = res(S3, "assets", {}, site="aws-use1")
    [diag] = _stack_hits(pack, [s3], COPY)
    assert diag.mandatory and "S3 bucket 'assets' on aws-use1 has no copy on another vendor" in diag.detail
    same_vendor = res(S3, "assets-replica", {}, site="aws-usw2")
    replication = res(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "rep",
        {},
        prop_deps={"bucket": [s3.urn], "rules": [same_vendor.urn]},
    )
    hits = _stack_hits(pack, [s3, same_vendor, replication], COPY)
    assert len(hits) == 2 and "its copies, assets-replica, are on AWS too" in hits[0].detail
    gcs = res(GCS_BUCKET, "assets-copy", {}, site="gcp-euw1")
    transfer = res(
        "gcp:storage/transferJob:TransferJob",
        "copy",
        {},
        site="gcp-euw1",
        prop_deps={"transferSpec": [s3.urn, gcs.urn]},
        deps=[s3.urn, gcs.urn],
    )
    assert _stack_hits(pack, [s3, gcs, transfer], COPY) == []


def _record(name: str, site: str, target: Resource, type_: str = "aws:route53/record:Record") -> Resource:
    props = {"name": name, "type": "A", "rrdatas" if type_.startswith("gcp") else "records": ["192.0.2.1"]}
    prop = "rrdatas" if type_.startswith("gcp") else "records"
    return res(type_, f"{name}-{site}", props, site=site, prop_deps={prop: [target.urn]}, deps=[target.urn])


def test_dns_that_lives_on_one_vendor_is_reported_advisory(pack: PolicyPackProcess) -> None:
    aws_ip = res("aws:ec2/eip:Eip", "ip-aws", {}, site="aws-use1")
    gcp_ip = res("gcp:compute/address:Address", "ip-gcp", {}, site="gcp-euw1")
    route53_only = [
        aws_ip,
        gcp_ip,
        _record("shop.example.com", "aws-use1", aws_ip),
        _record("shop.example.com", "aws-use1b", gcp_ip),
    ]
    [diag] = _stack_hits(pack, route53_only, DNS_VENDOR)
    assert diag.enforcement_level == "advisory"
    assert "shop.example.com is served by Route 53 (AWS) only: losing aws loses the name" in diag.detail
    both = [*route53_only, _record("shop.example.com", "gcp-euw1", gcp_ip, "gcp:dns/recordSet:RecordSet")]
    assert _stack_hits(pack, both, DNS_VENDOR) == []
    one_target = [
        aws_ip,
        _record("api.example.com", "aws-use1", aws_ip),
        _record("api.example.com", "gcp-euw1", aws_ip, "gcp:dns/recordSet:RecordSet"),
    ]
    [diag] = _stack_hits(pack, one_target, DNS_VENDOR)
    assert "every target of api.example.com is on AWS" in diag.detail
    pack.configure({DNS_VENDOR: {"enforcementLevel": "mandatory"}})
    try:
        assert _stack_hits(pack, one_target, DNS_VENDOR)[0].mandatory
    finally:
        pack.configure({})


def test_claims_the_resources_do_not_back_are_mandatory(pack: PolicyPackProcess) -> None:
    placements = [
        {"site": "aws-use1", "vendor": "aws", "region": "us-east-1", "zone": "us-east-1a", "count": 2.0},
        {
            "site": "gcp-euw1",
            "vendor": "gcp",
            "region": "europe-west1",
            "zone": "europe-west1-b",
            "count": 4.0,
        },
    ]
    app = res(
        "skyweave:app:MultiCloudApp",
        "shop",
        {"placements": placements, "minHealthy": 2.0, "survive": "vendor"},
    )
    vm = [
        res(VM, f"vm{i}", {"availabilityZone": "us-east-1a"}, site="aws-use1", parent=app.urn) for i in (1, 2)
    ]
    hits = _stack_hits(pack, [app, *vm], CLAIMS)
    assert [d.detail for d in hits] == [
        "MultiCloudApp 'shop' places 4 on gcp-euw1 but the plan has no GCP instances for it"
    ]
    assert hits[0].mandatory and hits[0].urn == app.urn
    mig = res(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        "mig",
        {"targetSize": 2.0, "distributionPolicyZones": ["europe-west1-b"]},
        site="gcp-euw1",
        parent=app.urn,
    )
    assert "provide only 2" in _stack_hits(pack, [app, *vm, mig], CLAIMS)[0].detail
    enough = res(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        "mig",
        {"targetSize": 4.0, "distributionPolicyZones": ["europe-west1-b"]},
        site="gcp-euw1",
        parent=app.urn,
    )
    assert _stack_hits(pack, [app, *vm, enough], CLAIMS) == []
    elsewhere = res(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        "mig",
        {"targetSize": 4.0, "distributionPolicyZones": ["europe-west1-c"]},
        site="gcp-euw1",
        parent=app.urn,
    )
    assert (
        "in zone(s) europe-west1-b of gcp-euw1" in _stack_hits(pack, [app, *vm, elsewhere], CLAIMS)[0].detail
    )


def test_bucket_and_network_claims(pack: PolicyPackProcess) -> None:
    bucket = res(
        "skyweave:storage:MultiCloudBucket", "assets", {"buckets": {"aws-use1": "a", "gcp-euw1": "b"}}
    )
    s3 = res(S3, "a", {}, site="aws-use1", parent=bucket.urn)
    [diag] = _stack_hits(pack, [bucket, s3], CLAIMS)
    assert "MultiCloudBucket 'assets' keeps a copy on gcp-euw1 but the plan has no bucket" in diag.detail
    networks = {"aws-use1": {"vendor": "aws"}, "onprem-fra": {"vendor": "onprem"}}
    hybrid = res("skyweave:network:HybridVpc", "core", {"networks": networks})
    [diag] = _stack_hits(pack, [hybrid], CLAIMS)
    assert (
        diag.detail
        == "HybridVpc 'core' has a network on aws-use1 but the plan has no AWS VPC or network for it"
    )
    vpc = res("aws:ec2/vpc:Vpc", "core-vpc", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1", parent=hybrid.urn)
    assert _stack_hits(pack, [hybrid, vpc], CLAIMS) == []


# -- waivers, extendable lists, severity --------------------------------------------------------

OPEN_SSH = {"ingress": [{"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"]}]}


def test_a_waiver_reports_the_finding_as_advisory_with_its_justification(pack: PolicyPackProcess) -> None:
    sg = res("aws:ec2/securityGroup:SecurityGroup", "bastion-sg", OPEN_SSH)
    other = res("aws:ec2/securityGroup:SecurityGroup", "web-sg", OPEN_SSH)
    waiver = {"resource": "bastion-*", "justification": "bastion host: SSH from anywhere, MFA on the host"}
    pack.configure({PORTS: {"waivers": [{**waiver, "expires": "2999-12-31"}]}})
    try:
        [diag] = _resource_hits(pack, sg, PORTS)
        assert diag.enforcement_level == "advisory"
        assert diag.detail.startswith(
            "[waived until 2999-12-31: bastion host: SSH from anywhere, MFA on the host]"
        )
        assert diag.waived
        assert _resource_hits(pack, other, PORTS)[0].mandatory  # the pattern matches only the bastion
        pack.configure({PORTS: {"waivers": [{**waiver, "expires": "2001-01-01"}]}})
        [diag] = _resource_hits(pack, sg, PORTS)
        assert diag.mandatory and "(a waiver for this expired on 2001-01-01: bastion host" in diag.detail
        pack.configure(
            {PORTS: {"waivers": [{"resource": sg.urn, "justification": "by URN, no expiry date"}]}}
        )
        assert _resource_hits(pack, sg, PORTS)[0].enforcement_level == "advisory"
        # An estate-wide finding (no URN) is waived by "*".
        pack.configure(
            {
                "skyweave-redundancy-min-vendors": {
                    "waivers": [{"resource": "*", "justification": "single-vendor sandbox stack"}]
                }
            }
        )
        [diag] = _stack_hits(
            pack, [res("aws:ec2/vpc:Vpc", "v", {}, site="aws-use1")], "skyweave-redundancy-min-vendors"
        )
        assert diag.enforcement_level == "advisory" and "single-vendor sandbox stack" in diag.detail
    finally:
        pack.configure({})


def test_list_settings_extend_the_defaults(pack: PolicyPackProcess) -> None:
    ingress = [
        {"protocol": "tcp", "fromPort": p, "toPort": p, "cidrBlocks": ["0.0.0.0/0"]} for p in (22.0, 8080.0)
    ]
    sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": ingress})
    assert [d.detail.rsplit(": ", 1)[-1] for d in _resource_hits(pack, sg, PORTS)] == [
        "ingress[0] opens port(s) 22 to 0.0.0.0/0"
    ]
    pack.configure({PORTS: {"ports": {"add": [8080]}}})
    try:
        assert len(_resource_hits(pack, sg, PORTS)) == 2  # 22 (a default) and 8080
        pack.configure({PORTS: {"ports": {"add": [8080], "remove": [22]}}})
        assert [d.detail.rsplit(": ", 1)[-1] for d in _resource_hits(pack, sg, PORTS)] == [
            "ingress[1] opens port(s) 8080 to 0.0.0.0/0"
        ]
        pack.configure({PORTS: {"ports": [8080]}})  # a list still replaces the defaults
        assert len(_resource_hits(pack, sg, PORTS)) == 1
    finally:
        pack.configure({})


def test_every_rule_is_declared_with_severity_remediation_and_docs_url(pack: PolicyPackProcess) -> None:
    from pulumi.runtime.proto import analyzer_pb2
    from skyweave.policy import ALL_RULES

    declared = {p.name: p for p in pack.analyzer_info().policies}
    for rule in ALL_RULES:
        policy = declared[rule.name]
        assert (
            analyzer_pb2.PolicySeverity.Name(policy.severity)
            == f"POLICY_SEVERITY_{rule.severity.value.upper()}"
        )
        assert policy.remediation_steps == rule.remediation
        assert policy.url == f"https://github.com/skyweave/skyweave/blob/main/docs/policies.md#{rule.name}"
    [diag] = _resource_hits(pack, res("aws:ec2/securityGroup:SecurityGroup", "sg", OPEN_SSH), PORTS)
    assert diag.severity == "critical"
