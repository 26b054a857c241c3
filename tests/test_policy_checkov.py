"""What checkov catches on the same programs, caught here too; what checkov passes, passed here too
(issue 24 item 4). Each case goes through the real Analyzer protocol: the pack runs as its own
process and judges resources shaped as the engine sends them, with inputs valid against the
installed provider SDK's declarations.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import res, wire
from skyweave.engine.analyzer import Diagnostic, PolicyPackProcess
from skyweave.policy import Resource

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="proj", stack="test") as process:
        process.configure({})
        yield process


def _stack(pack: PolicyPackProcess, resources: Iterable[Resource]) -> list[Diagnostic]:
    return pack.analyze_stack([wire(r) for r in [res("pulumi:pulumi:Stack", "proj-test"), *resources]])


def _named(diagnostics: Iterable[Diagnostic], name: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.policy_name == name]


# -- S3: encrypted by default since 5 January 2023 -----------------------------------------------


@pytest.mark.parametrize("type_", [BUCKET, BUCKET_V2])
def test_a_bucket_without_an_encryption_configuration_is_encrypted_by_s3(
    pack: PolicyPackProcess, type_: str
) -> None:
    """S3 applies SSE-S3 to every bucket (AWS S3 user guide, "Using server-side encryption with
    Amazon S3 managed keys"): checkov passes such a bucket (the five false positives of issue 24
    were all this); so does the pack."""
    bucket = res(type_, "site", {"bucket": "site-1234"})
    assert not [d for d in _stack(pack, [bucket]) if "encrypt" in d.policy_name or "encrypt" in d.detail]


# -- a listener without a protocol on an application load balancer is HTTP ------------------------

HTTP = "skyweave-security-no-plain-http-listeners"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # an output of the load balancer, in a preview
TARGETS = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/50dc6c495c0c9188"


def _listener(lb: Resource, name: str = "web", **props: Any) -> Resource:
    body = {
        "loadBalancerArn": UNKNOWN,
        "port": 80,
        "defaultActions": [{"type": "forward", "targetGroupArn": TARGETS}],
    }
    return res(LISTENER, name, {**body, **props}, deps=[lb.urn], prop_deps={"loadBalancerArn": [lb.urn]})


@pytest.mark.parametrize("lb_type", [None, "application"])
def test_a_listener_without_a_protocol_on_an_alb_serves_http(
    pack: PolicyPackProcess, lb_type: str | None
) -> None:
    """pulumi-aws's Listener.protocol: "For Application Load Balancers, valid values are HTTP and
    HTTPS, with a default of HTTP"; the provider sends HTTP when the ARN is an ALB's
    (terraform-provider-aws, internal/service/elbv2/listener.go). aws-py-fargate's listener is
    this; checkov CKV_AWS_2 catches its twin."""
    lb = res(LB, "web", {} if lb_type is None else {"loadBalancerType": lb_type})
    [diag] = _named(_stack(pack, [lb, _listener(lb)]), HTTP)
    assert diag.mandatory and "protocol is unset" in diag.detail and "port 80" in diag.detail


def test_a_listener_without_a_protocol_on_an_nlb_is_not_http(pack: PolicyPackProcess) -> None:
    lb = res(LB, "net", {"loadBalancerType": "network"})
    assert _named(_stack(pack, [lb, _listener(lb, "net")]), HTTP) == []


def test_an_alb_listener_without_a_protocol_that_redirects_to_https_passes(pack: PolicyPackProcess) -> None:
    lb = res(LB, "web", {})
    redirect = [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]
    assert _named(_stack(pack, [lb, _listener(lb, defaultActions=redirect)]), HTTP) == []


# -- security groups: egress to the world, descriptions, FTP ---------------------------------------

OPEN = "skyweave-security-no-open-admin-ports"
EGRESS = "skyweave-security-aws-egress-restricted"
DESCRIBED = "skyweave-security-aws-firewall-rules-described"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_ID = "sg-0123456789abcdef0"
HTTPS_IN = {
    "description": "https",
    "protocol": "tcp",
    "fromPort": 443,
    "toPort": 443,
    "cidrBlocks": ["10.0.0.0/8"],
}
ALL_OUT = {"description": "all", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}


def _hits(pack: PolicyPackProcess, resource: Resource) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for diag in pack.analyze(wire(resource)):
        found.setdefault(diag.policy_name, []).append(diag.detail)
    return found


def test_egress_on_every_protocol_to_the_world_is_advised_against(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_382 fails the group and the rule (protocol -1 to 0.0.0.0/0); the pack
    advises against each, and against the VPC egress rule that checkov lets through."""
    group = res(SG, "allout", {"description": "web", "ingress": [HTTPS_IN], "egress": [ALL_OUT]})
    rule = res(SG_RULE, "eg", {"type": "egress", "securityGroupId": SG_ID, **ALL_OUT})
    vpc_rule = res(
        EGRESS_RULE,
        "v",
        {"securityGroupId": SG_ID, "ipProtocol": "-1", "cidrIpv6": "::/0", "description": "all"},
    )
    for resource, where in ((group, "egress[0]"), (rule, "the rule"), (vpc_rule, "the rule")):
        diagnostics = [d for d in pack.analyze(wire(resource)) if d.policy_name == EGRESS]
        assert [d.mandatory for d in diagnostics] == [False], resource.name
        assert f"{where} allows every protocol to" in diagnostics[0].detail
    https_out = {**ALL_OUT, "protocol": "tcp", "fromPort": 443, "toPort": 443}
    assert EGRESS not in _hits(pack, res(SG, "httpsout", {"description": "web", "egress": [https_out]}))
    private = {**ALL_OUT, "cidrBlocks": ["10.0.0.0/8"]}
    assert EGRESS not in _hits(pack, res(SG, "inside", {"description": "web", "egress": [private]}))
    ingress = res(SG_RULE, "in", {"type": "ingress", "securityGroupId": SG_ID, **HTTPS_IN})
    assert EGRESS not in _hits(pack, ingress)


def test_groups_and_rules_without_a_description_are_advised_against(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_23 fails a group without a description and rules without one; the SDK's
    SecurityGroup.description "Defaults to `Managed by Pulumi`", which describes nothing."""
    bare_in = {k: v for k, v in HTTPS_IN.items() if k != "description"}
    group = res(SG, "nodesc", {"vpcId": "vpc-0123456789abcdef0", "ingress": [bare_in]})
    details = " ".join(_hits(pack, group)[DESCRIBED])
    assert "description is unset" in details and "ingress[0] has no description" in details
    pulumi_default = res(SG, "default", {"description": "Managed by Pulumi", "ingress": [HTTPS_IN]})
    assert "'Managed by Pulumi'" in _hits(pack, pulumi_default)[DESCRIBED][0]
    bare_out = {k: v for k, v in ALL_OUT.items() if k != "description"}
    rule = res(SG_RULE, "eg", {"type": "egress", "securityGroupId": SG_ID, **bare_out})
    vpc_rule = res(EGRESS_RULE, "v", {"securityGroupId": SG_ID, "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})
    vpc_in = res(
        INGRESS_RULE, "i", {"securityGroupId": SG_ID, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}
    )
    for resource in (rule, vpc_rule, vpc_in):
        [diag] = [d for d in pack.analyze(wire(resource)) if d.policy_name == DESCRIBED]
        assert not diag.mandatory and "description is unset" in diag.detail
    described = res(SG, "allout", {"description": "web", "ingress": [HTTPS_IN], "egress": [ALL_OUT]})
    assert DESCRIBED not in _hits(pack, described)


def test_ftp_open_to_the_world_is_an_open_admin_port(pack: PolicyPackProcess) -> None:
    """FTP (21) sends credentials in clear text: it joins the default ports (no checkov check
    catches the twin; trivy neither: not an equivalent)."""
    ftp = {**HTTPS_IN, "fromPort": 21, "toPort": 21, "cidrBlocks": ["0.0.0.0/0"]}
    [detail] = _hits(pack, res(SG, "ftp", {"description": "ftp", "ingress": [ftp]}))[OPEN]
    assert "opens port(s) 21 to 0.0.0.0/0" in detail


# -- databases: multi-AZ RDS, DynamoDB point-in-time recovery, Redshift encryption -----------------

MULTI_ZONE = "skyweave-redundancy-databases-multi-zone"
PITR = "skyweave-redundancy-aws-dynamodb-point-in-time-recovery"
DATABASES = "skyweave-security-databases-private-encrypted"
RDS = "aws:rds/instance:Instance"
TABLE = "aws:dynamodb/table:Table"
REDSHIFT = "aws:redshift/cluster:Cluster"
POSTGRES = {
    "engine": "postgres",
    "instanceClass": "db.t3.micro",
    "allocatedStorage": 20,
    "storageEncrypted": True,
    "username": "app",
    "manageMasterUserPassword": True,
}


def test_a_single_az_rds_instance_fails(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_157 fails the same twin; pulumi-aws's Instance.multi_az: "Specifies if the
    RDS instance is multi-AZ" (unset: a single instance in one zone)."""
    [detail] = _hits(pack, res(RDS, "single", POSTGRES, protect=True))[MULTI_ZONE]
    assert "multiAz is unset" in detail
    assert MULTI_ZONE not in _hits(pack, res(RDS, "multi", {**POSTGRES, "multiAz": True}, protect=True))
    replica = {
        "instanceClass": "db.t3.micro",
        "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:multi",
    }
    assert MULTI_ZONE not in _hits(pack, res(RDS, "replica", replica, protect=True))


def test_a_dynamodb_table_without_point_in_time_recovery_fails(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_28; the SDK: "If the point_in_time_recovery block is not provided, this
    defaults to false"."""
    table = {"hashKey": "id", "billingMode": "PAY_PER_REQUEST", "attributes": [{"name": "id", "type": "S"}]}
    [detail] = _hits(pack, res(TABLE, "nopitr", table, protect=True))[PITR]
    assert "pointInTimeRecovery.enabled is unset" in detail
    on = {**table, "pointInTimeRecovery": {"enabled": True}}
    assert PITR not in _hits(pack, res(TABLE, "pitr", on, protect=True))


def test_an_unencrypted_redshift_cluster_fails_and_the_default_is_encrypted(pack: PolicyPackProcess) -> None:
    """pulumi-aws 7's migration guide: Redshift's `encrypted` "now defaults to true" and
    `publiclyAccessible` to false. checkov CKV_AWS_64 fails both twins (it reads the old
    default); the pack fails only what is unencrypted."""
    cluster = {
        "clusterIdentifier": "plain",
        "nodeType": "ra3.large",
        "masterUsername": "app",
        "manageMasterPassword": True,
    }
    [detail] = _hits(pack, res(REDSHIFT, "plain", {**cluster, "encrypted": "false"}, protect=True))[DATABASES]
    assert "encrypted is 'false'" in detail
    [public] = _hits(pack, res(REDSHIFT, "open", {**cluster, "publiclyAccessible": True}, protect=True))[
        DATABASES
    ]
    assert "publiclyAccessible is true" in public
    assert _hits(pack, res(REDSHIFT, "unset", cluster, protect=True)) == {}


# -- Cloud SQL: a public address, connections without TLS -------------------------------------------

CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"
PRIVATE_NETWORK = "projects/proj-12345/global/networks/default"


def _sql(name: str, ip: dict[str, Any] | None = None, *, backups: bool = True) -> Resource:
    settings: dict[str, Any] = {"tier": "db-f1-micro"}
    if backups:
        settings["backupConfiguration"] = {"enabled": True}
    if ip is not None:
        settings["ipConfiguration"] = ip
    props = {"databaseVersion": "POSTGRES_15", "region": "europe-west1", "settings": settings}
    return res(CLOUD_SQL, name, props, protect=True)


def test_cloud_sql_with_a_public_address_or_without_tls_fails(pack: PolicyPackProcess) -> None:
    """checkov CKV_GCP_60 fails ipv4Enabled true, CKV_GCP_6 an sslMode that accepts unencrypted
    connections (and an unset one: the API's default, ALLOW_UNENCRYPTED_AND_ENCRYPTED). With no
    private network the SDK's rule ("at least ipv4_enabled must be enabled or a private_network
    must be configured") leaves only a public address: checkov passes that twin, the pack fails it."""
    details = " ".join(
        _hits(pack, _sql("public", {"ipv4Enabled": True, "sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}))[
            DATABASES
        ]
    )
    assert "settings.ipConfiguration.ipv4Enabled is true" in details
    assert "settings.ipConfiguration.sslMode is 'ALLOW_UNENCRYPTED_AND_ENCRYPTED'" in details
    unset = " ".join(_hits(pack, _sql("unset"))[DATABASES])
    assert "ipv4Enabled is unset and there is no privateNetwork" in unset and "sslMode is unset" in unset
    private = {"ipv4Enabled": False, "privateNetwork": PRIVATE_NETWORK, "sslMode": "ENCRYPTED_ONLY"}
    assert _hits(pack, _sql("private", private)) == {}
    certs = {**private, "sslMode": "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"}
    assert _hits(pack, _sql("certs", certs)) == {}


# -- EKS: the public API endpoint open to the world ------------------------------------------------

EKS = "aws:eks/cluster:Cluster"
EKS_ENDPOINT = "skyweave-security-aws-eks-endpoint-not-public"
ROLE = "arn:aws:iam::123456789012:role/eks"
SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]


def test_an_eks_endpoint_open_to_the_world_fails(pack: PolicyPackProcess) -> None:
    """pulumi-aws's VPC config: endpoint_public_access "Default is true", public_access_cidrs
    "EKS defaults this to a list with 0.0.0.0/0". checkov CKV_AWS_38 fails the explicit twin."""
    default = res(EKS, "default", {"roleArn": ROLE, "vpcConfig": {"subnetIds": SUBNETS}})
    [detail] = _hits(pack, default)[EKS_ENDPOINT]
    assert "vpcConfig.endpointPublicAccess is unset" in detail and "0.0.0.0/0" in detail
    world = {"subnetIds": SUBNETS, "endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}
    [detail] = _hits(pack, res(EKS, "world", {"roleArn": ROLE, "vpcConfig": world}))[EKS_ENDPOINT]
    assert "publicAccessCidrs" in detail
    office = {**world, "publicAccessCidrs": ["198.51.100.0/24"]}
    assert EKS_ENDPOINT not in _hits(pack, res(EKS, "office", {"roleArn": ROLE, "vpcConfig": office}))
    private = {"subnetIds": SUBNETS, "endpointPublicAccess": False, "endpointPrivateAccess": True}
    assert EKS_ENDPOINT not in _hits(pack, res(EKS, "private", {"roleArn": ROLE, "vpcConfig": private}))


# -- Azure: secrets in customData, password SSH login ----------------------------------------------

SECRETS = "skyweave-security-no-plaintext-secrets"
PASSWORD_SSH = "skyweave-security-azure-no-password-ssh"
AZ_VM = "azure-native:compute:VirtualMachine"
AZ_VMSS = "azure-native:compute:VirtualMachineScaleSet"
SSH_KEY = {"path": "/home/app/.ssh/authorized_keys", "keyData": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB app"}


def _vm(os_profile: dict[str, Any]) -> Resource:
    props = {
        "resourceGroupName": "rg",
        "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
        "osProfile": {"computerName": "vm", "adminUsername": "app", **os_profile},
        "securityProfile": {"encryptionAtHost": True},
    }
    return res(AZ_VM, "vm", props, site="azure-weu1")


def test_a_password_in_a_vms_custom_data_fails(pack: PolicyPackProcess) -> None:
    """The SDK's osProfile.custom_data: "a base-64 encoded string ... Do not pass any secrets or
    passwords in customData"; the pack decodes it as it decodes EC2 user data."""
    script = "#!/bin/sh\nexport DB_PASSWORD=hunter2-prod\n"
    encoded = base64.b64encode(script.encode()).decode()
    ssh = {"linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [SSH_KEY]}}}
    [detail] = _hits(pack, _vm({**ssh, "customData": encoded}))[SECRETS]
    assert "DB_PASSWORD" in detail and "hunter2-prod" not in detail
    harmless = base64.b64encode(b"#!/bin/sh\napt-get install -y nginx\n").decode()
    assert _hits(pack, _vm({**ssh, "customData": harmless})) == {}


def test_password_ssh_login_fails(pack: PolicyPackProcess) -> None:
    """checkov CKV_AZURE_149 fails a VM whose Linux configuration does not disable password
    authentication (the SDK's linux_configuration.disable_password_authentication, unset: allowed)."""
    [detail] = _hits(pack, _vm({"linuxConfiguration": {"ssh": {"publicKeys": [SSH_KEY]}}}))[PASSWORD_SSH]
    assert "osProfile.linuxConfiguration.disablePasswordAuthentication is unset" in detail
    scale_set = {
        "sku": {"name": "Standard_D2s_v5", "capacity": 2},
        "virtualMachineProfile": {
            "osProfile": {
                "adminUsername": "app",
                "linuxConfiguration": {"disablePasswordAuthentication": False},
            },
            "securityProfile": {"encryptionAtHost": True},
        },
    }
    [detail] = _hits(pack, res(AZ_VMSS, "ss", scale_set, site="azure-weu1"))[PASSWORD_SSH]
    assert (
        "virtualMachineProfile.osProfile.linuxConfiguration.disablePasswordAuthentication is False" in detail
    )
    keys_only = {
        "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [SSH_KEY]}}
    }
    assert _hits(pack, _vm(keys_only)) == {}
    windows = {"windowsConfiguration": {"provisionVMAgent": True}}
    assert PASSWORD_SSH not in _hits(pack, _vm(windows))


# -- Azure: Synapse open to every address, Traffic Manager ignoring health -----------------------

SYNAPSE_RULE = "azure-native:synapse:IpFirewallRule"
TM_PROFILE = "azure-native:trafficmanager:Profile"
TM_ENDPOINT = "azure-native:trafficmanager:Endpoint"
DNS_HEALTH = "skyweave-redundancy-dns-health-checks"


def test_a_synapse_firewall_rule_for_every_address_opens_its_sql_endpoint(pack: PolicyPackProcess) -> None:
    """A Synapse workspace firewall rule from 0.0.0.0 to 255.255.255.255 admits the whole
    internet to the workspace's endpoints, SQL (1433) among them."""
    props = {
        "resourceGroupName": "rg",
        "workspaceName": "ws",
        "startIpAddress": "0.0.0.0",
        "endIpAddress": "255.255.255.255",
    }
    [detail] = _hits(pack, res(SYNAPSE_RULE, "all", props, site="azure-weu1"))[OPEN]
    assert "opens port(s) 1433 to 0.0.0.0-255.255.255.255" in detail
    office = {**props, "startIpAddress": "198.51.100.0", "endIpAddress": "198.51.100.255"}
    assert _hits(pack, res(SYNAPSE_RULE, "office", office, site="azure-weu1")) == {}


def test_a_traffic_manager_endpoint_that_always_serves_ignores_health(pack: PolicyPackProcess) -> None:
    """The SDK's Endpoint.always_serve: "If Always Serve is enabled, probing for endpoint health
    will be disabled and endpoints will be included in the traffic routing method"."""
    profile = res(
        TM_PROFILE,
        "shop",
        {
            "resourceGroupName": "rg",
            "trafficRoutingMethod": "Priority",
            "dnsConfig": {"relativeName": "shop", "ttl": 30},
            "monitorConfig": {"protocol": "HTTPS", "port": 443, "path": "/healthz"},
        },
        site="azure-weu1",
    )
    endpoint = {
        "resourceGroupName": "rg",
        "profileName": "shop",
        "endpointType": "ExternalEndpoints",
        "target": "shop-aws.example.com",
        "priority": 1,
    }

    def ep(**more: Any) -> Resource:
        props = {**endpoint, **more}
        return res(
            TM_ENDPOINT,
            "aws",
            props,
            site="azure-weu1",
            deps=[profile.urn],
            prop_deps={"profileName": [profile.urn]},
        )

    [diag] = _named(_stack(pack, [profile, ep(alwaysServe="Enabled")]), DNS_HEALTH)
    assert diag.mandatory and "alwaysServe is 'Enabled'" in diag.detail
    assert _named(_stack(pack, [profile, ep(alwaysServe="Disabled")]), DNS_HEALTH) == []
    assert _named(_stack(pack, [profile, ep()]), DNS_HEALTH) == []


# -- Azure: a network interface with a public address -------------------------------------------------

PUBLIC_IPS = "skyweave-security-no-public-ip-on-instances"
NIC = "azure-native:network:NetworkInterface"
SUB = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Network"


def test_a_network_interface_with_a_public_address_fails(pack: PolicyPackProcess) -> None:
    """A NIC whose IP configuration references a public IP address (checkov 3.3.30's CKV_AZURE_119
    passed its Terraform twin by hand: not an equivalent)."""
    subnet = {"id": f"{SUB}/virtualNetworks/vnet/subnets/app"}
    public = {"name": "ip", "subnet": subnet, "publicIPAddress": {"id": f"{SUB}/publicIPAddresses/vm-ip"}}
    nic = {"resourceGroupName": "rg", "ipConfigurations": [public]}
    [detail] = _hits(pack, res(NIC, "vm-nic", nic, site="azure-weu1"))[PUBLIC_IPS]
    assert "ipConfigurations[0].publicIPAddress is set" in detail
    private = {"resourceGroupName": "rg", "ipConfigurations": [{"name": "ip", "subnet": subnet}]}
    assert _hits(pack, res(NIC, "vm-nic", private, site="azure-weu1")) == {}


# -- EKS: Kubernetes secrets under a key of your own ------------------------------------------------

EKS_SECRETS = "skyweave-security-aws-eks-secrets-encrypted"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f4e6f1c-3c3e-4a4e-9d3b-6b4c1d2e3f40"


def test_eks_secrets_without_a_key_of_your_own_are_advised_against(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_58 fails a cluster without encryption_config (issue 24 item 4). EKS 1.28 and
    later envelope-encrypt all Kubernetes API data with an AWS owned key (EKS user guide, "Default
    envelope encryption for all Kubernetes API data"), so the pack advises (a customer managed
    key's policy, rotation and CloudTrail record are yours) rather than fails; before 1.28 the
    secrets sit in etcd unencrypted, which the message says."""
    vpc = {"subnetIds": SUBNETS, "endpointPublicAccess": False, "endpointPrivateAccess": True}
    base = {"roleArn": ROLE, "vpcConfig": vpc}
    [diag] = [d for d in pack.analyze(wire(res(EKS, "plain", base))) if d.policy_name == EKS_SECRETS]
    assert not diag.mandatory and "encryptionConfig is unset" in diag.detail
    assert "AWS owned key" in diag.detail
    [old] = _hits(pack, res(EKS, "old", {**base, "version": "1.27"}))[EKS_SECRETS]
    assert "unencrypted" in old
    nothing = {**base, "encryptionConfig": {"provider": {"keyArn": KEY}, "resources": []}}
    [detail] = _hits(pack, res(EKS, "nothing", nothing))[EKS_SECRETS]
    assert "'secrets'" in detail
    keyed = {**base, "encryptionConfig": {"provider": {"keyArn": KEY}, "resources": ["secrets"]}}
    assert EKS_SECRETS not in _hits(pack, res(EKS, "keyed", keyed))


# -- S3: a public access block for a bucket the plan does not hold ----------------------------------

ACCESS_BLOCK = "skyweave-security-s3-public-access-blocked"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BLOCKS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
FLAGS = dict.fromkeys(BLOCKS, True)


def test_a_public_access_block_left_open_for_a_bucket_outside_the_plan_fails(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_53-56 judge the aws_s3_bucket_public_access_block itself, whatever bucket it
    names; the pack judged blocks only through the plan's buckets, so one for an existing bucket
    (named by a string) that turns the blocks off passed (issue 24 item 4)."""
    open_block = res(PAB, "legacy", {"bucket": "legacy-assets", **FLAGS, "blockPublicPolicy": False})
    [diag] = _named(_stack(pack, [open_block]), ACCESS_BLOCK)
    assert diag.mandatory and "'legacy-assets'" in diag.detail and "blockPublicPolicy" in diag.detail
    assert diag.urn == open_block.urn
    closed = res(PAB, "legacy", {"bucket": "legacy-assets", **FLAGS})
    assert _named(_stack(pack, [closed]), ACCESS_BLOCK) == []


# -- keys of your own rotate ------------------------------------------------------------------------

ROTATION = "skyweave-security-kms-key-rotation"
AWS_KEY = "aws:kms/key:Key"
GCP_KEY = "gcp:kms/cryptoKey:CryptoKey"
RING = "projects/proj-12345/locations/europe-west1/keyRings/app"


def test_keys_that_never_rotate_fail(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_7 and CKV_GCP_43 fail the twins' keys (tests/twins); pulumi-aws's
    enable_key_rotation "Defaults to `false`", and a Cloud KMS key without rotation_period never
    gets a new version."""
    [detail] = _hits(pack, res(AWS_KEY, "data", {"description": "data"}))[ROTATION]
    assert "enableKeyRotation is unset" in detail
    assert ROTATION not in _hits(pack, res(AWS_KEY, "data", {"enableKeyRotation": True}))
    # AWS rotates only symmetric encryption keys: a signing key is not judged.
    signing = {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY"}
    assert ROTATION not in _hits(pack, res(AWS_KEY, "signing", signing))
    [detail] = _hits(pack, res(GCP_KEY, "data", {"keyRing": RING}))[ROTATION]
    assert "rotationPeriod is unset" in detail
    [detail] = _hits(pack, res(GCP_KEY, "data", {"keyRing": RING, "rotationPeriod": "31536000s"}))[ROTATION]
    assert "365 days" in detail and "at most 90 days" in detail
    assert ROTATION not in _hits(pack, res(GCP_KEY, "data", {"keyRing": RING, "rotationPeriod": "7776000s"}))


# -- Azure database firewalls open to every address ----------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "port"),
    [
        ("azure-native:sql:FirewallRule", 1433),
        ("azure-native:dbforpostgresql:FirewallRule", 5432),
        ("azure-native:dbformysql:FirewallRule", 3306),
    ],
)
def test_a_database_firewall_rule_for_every_address_opens_its_port(
    pack: PolicyPackProcess, type_: str, port: int
) -> None:
    """checkov CKV_AZURE_11 fails an Azure SQL (and PostgreSQL, MySQL, MariaDB) firewall rule from
    0.0.0.0 to 255.255.255.255; the twin (tests/twins/azure) was a miss of the pack."""
    props = {"resourceGroupName": "rg", "serverName": "app", "startIpAddress": "0.0.0.0"}
    [detail] = _hits(
        pack, res(type_, "all", {**props, "endIpAddress": "255.255.255.255"}, site="azure-weu1")
    )[OPEN]
    assert f"opens port(s) {port} to 0.0.0.0-255.255.255.255" in detail
    azure_services = {**props, "endIpAddress": "0.0.0.0"}  # Azure's "allow Azure services" rule
    assert _hits(pack, res(type_, "azure", azure_services, site="azure-weu1")) == {}


# -- databases keep automated backups ----------------------------------------------------------------

BACKED_UP = "skyweave-redundancy-databases-backed-up"


def test_databases_without_automated_backups_fail(pack: PolicyPackProcess) -> None:
    """checkov CKV_AWS_133 fails an RDS backup_retention_period of 0 (unset keeps one day) and
    CKV_GCP_14 a Cloud SQL instance without backup_configuration.enabled; a read replica needs none."""
    multi = {**POSTGRES, "multiAz": True}
    [detail] = _hits(pack, res(RDS, "none", {**multi, "backupRetentionPeriod": 0}, protect=True))[BACKED_UP]
    assert "backupRetentionPeriod is 0" in detail
    assert _hits(pack, res(RDS, "default", multi, protect=True)) == {}
    assert _hits(pack, res(RDS, "week", {**multi, "backupRetentionPeriod": 7}, protect=True)) == {}
    replica = {"instanceClass": "db.t3.micro", "replicateSourceDb": "db-1", "backupRetentionPeriod": 0}
    assert BACKED_UP not in _hits(pack, res(RDS, "replica", replica, protect=True))
    private = {"ipv4Enabled": False, "privateNetwork": PRIVATE_NETWORK, "sslMode": "ENCRYPTED_ONLY"}
    [detail] = _hits(pack, _sql("nobackups", private, backups=False))[BACKED_UP]
    assert "settings.backupConfiguration.enabled is unset" in detail
    assert _hits(pack, _sql("backed", private)) == {}
