"""Security rules, one function at a time: each has passing and failing cases."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import check_resource, check_stack, res
from skyweave.policy import ALL_RULES, Kind, rule_by_name
from skyweave.policy.rule import UNKNOWN_SENTINELS

OPEN = rule_by_name("skyweave-security-no-open-admin-ports")
PROTECTED = rule_by_name("skyweave-security-stateful-protected")
SECRETS = rule_by_name("skyweave-security-no-plaintext-secrets")
IMDS = rule_by_name("skyweave-security-imdsv2-required")
IKE = rule_by_name("skyweave-security-no-weak-ike")
VERSIONED = rule_by_name("skyweave-security-storage-versioned")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

SG = "aws:ec2/securityGroup:SecurityGroup"


def _sg(**rule: Any) -> Any:
    return res(SG, "web", {"ingress": [{"protocol": "tcp", **rule}]})


# -- open admin ports ---------------------------------------------------------------------------


def test_ssh_open_to_the_world_in_an_inline_ingress_fails() -> None:
    [finding] = check_resource(OPEN, _sg(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"]))
    assert "ingress[0] opens port(s) 22 to 0.0.0.0/0" in finding.message
    assert finding.urn and finding.urn.endswith("::web")


@pytest.mark.parametrize(
    "rule",
    [
        {"fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/8"]},
        {"fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
        {"fromPort": 22, "toPort": 22, "cidrBlocks": []},
    ],
)
def test_restricted_or_harmless_ingress_passes(rule: dict[str, Any]) -> None:
    assert check_resource(OPEN, _sg(**rule)) == []


def test_all_protocols_over_ipv6_opens_every_admin_port() -> None:
    sg = res(
        SG, "any", {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}]}
    )
    [finding] = check_resource(OPEN, sg)
    assert "22, 1433" in finding.message and "to ::/0" in finding.message


def test_security_group_rule_resources() -> None:
    rule_type = "aws:ec2/securityGroupRule:SecurityGroupRule"
    ingress = {
        "type": "ingress",
        "protocol": "tcp",
        "fromPort": 3389,
        "toPort": 3389,
        "cidrBlocks": ["0.0.0.0/0"],
    }
    assert check_resource(OPEN, res(rule_type, "rdp", ingress))
    assert check_resource(OPEN, res(rule_type, "out", {**ingress, "type": "egress"})) == []


def test_vpc_ingress_rule_with_a_port_range_covering_postgres_fails() -> None:
    rule_type = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    props = {"ipProtocol": "tcp", "fromPort": 5000, "toPort": 6000, "cidrIpv4": "0.0.0.0/0"}
    [finding] = check_resource(OPEN, res(rule_type, "range", props))
    assert "5432" in finding.message and "5984" in finding.message
    assert check_resource(OPEN, res(rule_type, "ok", {**props, "cidrIpv4": "192.0.2.0/24"})) == []


def test_gcp_firewall() -> None:
    fw = "gcp:compute/firewall:Firewall"
    bad = {"sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "tcp", "ports": ["80", "20-25"]}]}
    [finding] = check_resource(OPEN, res(fw, "fw", bad))
    assert "allows[0] opens port(s) 21, 22" in finding.message
    assert (
        check_resource(OPEN, res(fw, "web", {**bad, "allows": [{"protocol": "tcp", "ports": ["443"]}]})) == []
    )
    assert check_resource(OPEN, res(fw, "out", {**bad, "direction": "EGRESS"})) == []
    assert check_resource(OPEN, res(fw, "all", {**bad, "allows": [{"protocol": "all"}]}))
    no_source = {"allows": [{"protocol": "tcp", "ports": ["3389"]}]}
    assert check_resource(OPEN, res(fw, "implicit", no_source))
    assert check_resource(OPEN, res(fw, "tagged", {**no_source, "sourceTags": ["bastion"]})) == []


def test_openstack_rule_without_a_remote_is_open_to_everyone() -> None:
    rule_type = "openstack:networking/secGroupRule:SecGroupRule"
    props = {"direction": "ingress", "protocol": "tcp", "portRangeMin": 22, "portRangeMax": 22}
    assert check_resource(OPEN, res(rule_type, "ssh", props))
    assert check_resource(OPEN, res(rule_type, "lan", {**props, "remoteIpPrefix": "10.0.0.0/8"})) == []
    assert check_resource(OPEN, res(rule_type, "grp", {**props, "remoteGroupId": "sg-1"})) == []


def test_ports_are_configurable() -> None:
    sg = _sg(fromPort=8080, toPort=8080, cidrBlocks=["0.0.0.0/0"])
    assert check_resource(OPEN, sg) == []
    assert check_resource(OPEN, sg, ports=[8080.0])


# -- stateful resources protected ---------------------------------------------------------------


def test_unprotected_database_fails_and_protected_passes() -> None:
    db = "aws:rds/instance:Instance"
    [finding] = check_resource(PROTECTED, res(db, "db"))
    assert "not protected" in finding.message
    assert check_resource(PROTECTED, res(db, "db", protect=True)) == []
    assert check_resource(PROTECTED, res("aws:ec2/vpc:Vpc", "net")) == []


def test_extra_stateful_types() -> None:
    cache = "aws:elasticache/cluster:Cluster"
    assert check_resource(PROTECTED, res(cache, "c")) == []
    assert check_resource(PROTECTED, res(cache, "c"), extraTypes=[cache])


# -- secrets in plain text ----------------------------------------------------------------------


def test_plaintext_psk_fails_and_secret_or_declared_secret_passes() -> None:
    conn = "openstack:vpnaas/siteConnection:SiteConnection"
    [finding] = check_resource(SECRETS, res(conn, "c", {"psk": "hunter2hunter2", "mtu": 1400}))
    assert "psk looks like a key or password" in finding.message
    assert check_resource(SECRETS, res(conn, "c", {"psk": "[secret]"})) == []
    assert check_resource(SECRETS, res(conn, "c", {"psk": "hunter2hunter2"}, secret_outputs=["psk"])) == []
    assert check_resource(SECRETS, res(conn, "c", {"psk": UNKNOWN})) == []


def test_private_key_anywhere_in_the_properties_fails() -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----"
    vm = res("aws:ec2/instance:Instance", "vm", {"userData": f"#!/bin/sh\necho '{key}' > /root/.ssh/id"})
    [finding] = check_resource(SECRETS, vm)
    assert "userData holds a private key" in finding.message
    nested = res("command:remote:Command", "cmd", {"connection": {"host": "h", "privateKey": key}})
    assert check_resource(SECRETS, nested)
    assert check_resource(SECRETS, nested, allowedProperties=["connection"]) == []


def test_aws_tunnel_keys_are_secret_outputs_of_the_provider() -> None:
    vpn = res(
        "aws:ec2/vpnConnection:VpnConnection",
        "v",
        {"tunnel1PresharedKey": "abcdefgh12"},
        secret_outputs=["tunnel1PresharedKey", "tunnel2PresharedKey"],
    )
    assert check_resource(SECRETS, vpn) == []


# -- IMDSv2 -------------------------------------------------------------------------------------


def test_imdsv2() -> None:
    vm = "aws:ec2/instance:Instance"
    [finding] = check_resource(IMDS, res(vm, "vm"))
    assert "httpTokens is unset" in finding.message
    assert check_resource(IMDS, res(vm, "vm", {"metadataOptions": {"httpTokens": "optional"}}))
    assert check_resource(IMDS, res(vm, "vm", {"metadataOptions": {"httpTokens": "required"}})) == []
    assert check_resource(IMDS, res(vm, "vm", {"metadataOptions": {"httpEndpoint": "disabled"}})) == []
    assert check_resource(IMDS, res("aws:ec2/launchTemplate:LaunchTemplate", "lt"))


def test_unknown_value_is_reported_as_unknown_not_a_crash() -> None:
    vm = res("aws:ec2/instance:Instance", "vm", {"metadataOptions": {"httpTokens": UNKNOWN}})
    [finding] = check_resource(IMDS, vm)
    assert finding.unknown and "metadataOptions.httpTokens is not known" in finding.message


# -- weak IKE -----------------------------------------------------------------------------------

STRONG_AWS = {
    f"tunnel{t}{key}": value
    for t in (1, 2)
    for key, value in {
        "IkeVersions": ["ikev2"],
        "Phase1IntegrityAlgorithms": ["SHA2-256"],
        "Phase2IntegrityAlgorithms": ["SHA2-256"],
        "Phase1DhGroupNumbers": [14, 20],
        "Phase2DhGroupNumbers": [14],
    }.items()
}


def test_aws_vpn_with_explicit_strong_proposals_passes() -> None:
    assert check_resource(IKE, res("aws:ec2/vpnConnection:VpnConnection", "v", STRONG_AWS)) == []


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"tunnel1IkeVersions": ["ikev1"]}, "tunnel1IkeVersions allows only IKEv1"),
        ({"tunnel2Phase1IntegrityAlgorithms": ["SHA1", "SHA2-256"]}, "allows SHA1"),
        ({"tunnel1Phase2DhGroupNumbers": [2.0, 14.0]}, "allows group(s) 2 (< 14)"),
        ({"tunnel2IkeVersions": None}, "tunnel2IkeVersions is unset"),
    ],
)
def test_aws_vpn_weak_or_default_proposals_fail(override: dict[str, Any], expected: str) -> None:
    props = {k: v for k, v in {**STRONG_AWS, **override}.items() if v is not None}
    findings = check_resource(IKE, res("aws:ec2/vpnConnection:VpnConnection", "v", props))
    assert any(expected in f.message for f in findings), findings


def test_gcp_tunnel_ike_version() -> None:
    tunnel = "gcp:compute/vPNTunnel:VPNTunnel"
    assert check_resource(IKE, res(tunnel, "t", {"ikeVersion": 1.0}))
    assert check_resource(IKE, res(tunnel, "t", {"ikeVersion": 2})) == []
    assert check_resource(IKE, res(tunnel, "t")) == []
    strong = {
        "ikeVersion": 2,
        "cipherSuite": {
            "phase1": {"integrities": ["HMAC-SHA2-256-128"], "dhs": ["Group-14"]},
            "phase2": {"integrities": ["HMAC-SHA2-256-128"], "pfs": ["Group-14"]},
        },
    }
    assert check_resource(IKE, res(tunnel, "t", strong)) == []
    phase1 = {"integrities": ["HMAC-SHA1-96"], "dhs": ["Group-2", "Group-14"]}
    weak = {**strong, "cipherSuite": {"phase1": phase1}}
    messages = [f.message for f in check_resource(IKE, res(tunnel, "t", weak))]
    assert any("phase1.integrities allows HMAC-SHA1-96" in m for m in messages)
    assert any("phase1.dhs allows group(s) 2" in m for m in messages)


def test_openstack_defaults_are_weak_and_explicit_strong_passes() -> None:
    ike = "openstack:vpnaas/ikePolicy:IkePolicy"
    findings = check_resource(IKE, res(ike, "ike"))
    assert [f.message.split(": ", 1)[1].split(" ")[0] for f in findings] == [
        "ikeVersion",
        "authAlgorithm",
        "pfs",
    ]
    strong = {"ikeVersion": "v2", "authAlgorithm": "sha256", "pfs": "group14"}
    assert check_resource(IKE, res(ike, "ike", strong)) == []
    ipsec = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"
    assert check_resource(IKE, res(ipsec, "ipsec", {"authAlgorithm": "sha256", "pfs": "group5"}))
    assert check_resource(IKE, res(ipsec, "ipsec", {"authAlgorithm": "sha256", "pfs": "group14"})) == []
    assert check_resource(
        IKE, res(ipsec, "ipsec", {"authAlgorithm": "sha256", "pfs": "group14"}), minDhGroup=19
    )


# -- storage ------------------------------------------------------------------------------------

BUCKET = "aws:s3/bucket:Bucket"


def _bucket_settings(status: str = "Enabled", algorithm: str = "aws:kms") -> list[Any]:
    bucket = res(BUCKET, "data", protect=True)
    return [
        bucket,
        res(
            "aws:s3/bucketVersioning:BucketVersioning",
            "data-versioning",
            {"bucket": "data-1234", "versioningConfiguration": {"status": status}},
            deps=[bucket.urn],
            prop_deps={"bucket": [bucket.urn]},
        ),
        res(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "data-sse",
            {
                "bucket": "data-1234",
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": algorithm}}],
            },
            deps=[bucket.urn],
        ),
    ]


def test_bucket_alone_is_not_versioned() -> None:
    bucket = res(BUCKET, "data")
    assert [f.urn for f in check_stack(VERSIONED, [bucket])] == [bucket.urn]


def test_bucket_with_its_settings_resources_passes() -> None:
    assert check_stack(VERSIONED, _bucket_settings()) == []
    assert check_stack(VERSIONED, _bucket_settings(status="Suspended"))


def test_inline_settings_and_gcs() -> None:
    inline = res(
        BUCKET,
        "old",
        {
            "versioning": {"enabled": True},
            "serverSideEncryptionConfiguration": {
                "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
            },
        },
    )
    assert check_stack(VERSIONED, [inline]) == []
    gcs = "gcp:storage/bucket:Bucket"
    assert check_stack(VERSIONED, [res(gcs, "g", {"versioning": {"enabled": True}})]) == []
    assert check_stack(VERSIONED, [res(gcs, "g")])
    swift = "openstack:objectstorage/container:Container"
    assert check_stack(VERSIONED, [res(swift, "s", {"versioning": True})]) == []
    assert (
        check_stack(
            VERSIONED, [res(swift, "old", {"versioningLegacy": {"type": "versions", "location": "v"}})]
        )
        == []
    )
    assert check_stack(VERSIONED, [res(swift, "s")])


# -- every rule, any properties -----------------------------------------------------------------

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(sorted(UNKNOWN_SENTINELS)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    [
        "ingress", "cidrBlocks", "fromPort", "toPort", "protocol", "type", "metadataOptions", "httpTokens",
        "tunnel1IkeVersions", "tunnel1Phase1DhGroupNumbers", "pfs", "ikeVersion", "authAlgorithm",
        "sourceRanges", "allows", "ports", "direction", "remoteIpPrefix", "psk", "versioning", "rules",
        "portRangeMin", "cidrIpv4", "ipProtocol",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(props=st.dictionaries(_KEYS, _json, max_size=6))
def test_no_resource_rule_crashes_on_odd_or_missing_properties(props: dict[str, Any]) -> None:
    for rule in ALL_RULES:
        if rule.kind is not Kind.RESOURCE:
            continue
        for type_ in sorted(rule.types or {"aws:ec2/instance:Instance"}):
            try:
                rule.run_resource(res(type_, "x", props))
            except (ValueError, TypeError) as exc:  # pragma: no cover - the assertion explains
                pytest.fail(f"{rule.name} crashed on {type_} {props!r}: {exc!r}")
