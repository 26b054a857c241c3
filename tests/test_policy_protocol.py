"""The pack through the real Analyzer protocol: started as the engine starts it, called over gRPC."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pulumi_policy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import USER_PACK, res, wire
from pulumi.runtime.proto import analyzer_pb2, engine_pb2, engine_pb2_grpc
from skyweave.engine.analyzer import UNKNOWN, EngineRecorder, PolicyEngineError, PolicyPackProcess, secret
from skyweave.engine.check import PACK_MAIN, PACK_MANIFEST
from skyweave.policy import ALL_RULES
from skyweave.policy.pack import RESOURCE_RUNNER, STACK_RUNNER

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(PACK, project="proj", stack="test") as process:
        yield process


@pytest.fixture
def fresh(pack: PolicyPackProcess) -> PolicyPackProcess:
    """The pack with every policy back at its default level and settings."""
    pack.configure({})
    return pack


def test_policies_dir_is_exactly_the_builtin_pack() -> None:
    import yaml

    assert (PACK / "__main__.py").read_text() == PACK_MAIN
    shipped = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    builtin = yaml.safe_load(PACK_MANIFEST)
    # the same pack; the project's copy also names the virtualenv the engine runs it with
    assert shipped["runtime"]["name"] == builtin["runtime"] == "python"
    assert shipped["runtime"]["options"] == {"toolchain": "pip", "virtualenv": "../.venv"}
    assert {k: v for k, v in shipped.items() if k != "runtime"} == {
        k: v for k, v in builtin.items() if k != "runtime"
    }


def test_analyzer_info_declares_every_rule_with_level_and_schema(pack: PolicyPackProcess) -> None:
    info = pack.analyzer_info()
    assert info.name == "skyweave" and info.supportsConfig
    declared = {p.name: p for p in info.policies}
    assert set(declared) == {r.name for r in ALL_RULES} | {RESOURCE_RUNNER, STACK_RUNNER}
    for rule in ALL_RULES:
        policy = declared[rule.name]
        assert policy.description == rule.description
        assert analyzer_pb2.EnforcementLevel.Name(policy.enforcementLevel).lower() == rule.level.value
        assert set(policy.configSchema.properties.keys()) == {s.name for s in rule.settings} | {"waivers"}
    schema = declared["skyweave-redundancy-min-vendors"].configSchema.properties["minVendors"]
    assert schema["default"] == 2 and schema["type"] == "integer"
    assert declared[STACK_RUNNER].policy_type == analyzer_pb2.POLICY_TYPE_STACK
    assert declared[RESOURCE_RUNNER].policy_type == analyzer_pb2.POLICY_TYPE_RESOURCE


def test_plugin_info_reports_the_sdk_version(pack: PolicyPackProcess) -> None:
    assert pack.plugin_info().version == pulumi_policy.version.VERSION


def test_analyze_reports_under_the_rules_own_name_and_level(fresh: PolicyPackProcess) -> None:
    sg = res(
        "aws:ec2/securityGroup:SecurityGroup",
        "web",
        {
            "description": "web",
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 22.0,
                    "toPort": 22.0,
                    "cidrBlocks": ["0.0.0.0/0"],
                    "description": "ssh",
                }
            ],
        },
    )
    [diag] = fresh.analyze(wire(sg))
    assert diag.policy_name == "skyweave-security-no-open-admin-ports"
    assert diag.enforcement_level == "mandatory" and diag.urn == sg.urn
    assert "ingress[0] opens port(s) 22 to 0.0.0.0/0" in diag.detail
    closed = res("aws:ec2/securityGroup:SecurityGroup", "web", {"description": "web", "ingress": []})
    assert fresh.analyze(wire(closed)) == []


def test_configure_changes_level_settings_and_can_disable(pack: PolicyPackProcess) -> None:
    sg = res(
        "aws:ec2/securityGroup:SecurityGroup",
        "app",
        {
            "description": "app",
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 8080,
                    "toPort": 8080,
                    "cidrBlocks": ["0.0.0.0/0"],
                    "description": "app",
                }
            ],
        },
    )
    pack.configure({})
    assert pack.analyze(wire(sg)) == []
    pack.configure(
        {"skyweave-security-no-open-admin-ports": {"enforcementLevel": "advisory", "ports": [8080]}}
    )
    [diag] = pack.analyze(wire(sg))
    assert diag.enforcement_level == "advisory"
    pack.configure(
        {"skyweave-security-no-open-admin-ports": {"enforcementLevel": "disabled", "ports": [8080]}}
    )
    assert pack.analyze(wire(sg)) == []
    pack.configure({})


def test_unknown_values_give_an_advisory_cant_check(fresh: PolicyPackProcess) -> None:
    vm = res(
        "aws:ec2/instance:Instance",
        "vm",
        {"metadataOptions": {"httpTokens": UNKNOWN}, "rootBlockDevice": {"encrypted": True}},
    )
    [diag] = fresh.analyze(wire(vm))
    assert diag.policy_name == "skyweave-security-imdsv2-required"
    assert diag.enforcement_level == "advisory" and "not known until the update runs" in diag.detail


def test_secrets_arrive_unwrapped_so_only_declared_secret_outputs_are_trusted(
    fresh: PolicyPackProcess,
) -> None:
    conn = res("openstack:vpnaas/siteConnection:SiteConnection", "c", {"psk": secret("abcdefgh123")})
    [diag] = fresh.analyze(wire(conn))  # the SDK hands the rule the plain value
    assert diag.policy_name == "skyweave-security-no-plaintext-secrets"
    declared = res(
        "openstack:vpnaas/siteConnection:SiteConnection",
        "c",
        {"psk": secret("abcdefgh123")},
        secret_outputs=["psk"],
    )
    assert fresh.analyze(wire(declared)) == []
    masked = res("openstack:vpnaas/siteConnection:SiteConnection", "c", {"psk": secret("[secret]")})
    assert fresh.analyze(wire(masked)) == []


def test_engine_resources_are_skipped(fresh: PolicyPackProcess) -> None:
    stack = res("pulumi:pulumi:Stack", "proj-test", {"password": "not-really"})
    assert fresh.analyze(wire(stack)) == []


def test_analyze_stack_hand_built_broken_estate(fresh: PolicyPackProcess) -> None:
    vpc = res("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1")
    estate = [
        res("pulumi:pulumi:Stack", "proj-test"),
        res("pulumi:providers:aws", "aws-use1"),
        vpc,
        res("aws:ec2/subnet:Subnet", "s", {"cidrBlock": "10.1.0.0/20", "availabilityZone": "us-east-1a"},
            site="aws-use1", deps=[vpc.urn]),
        res("aws:ec2/instance:Instance", "vm", {"availabilityZone": "us-east-1a"}, site="aws-use1"),
        res("openstack:networking/subnet:Subnet", "dc1", {"cidr": "10.1.4.0/24"}, site="os-dc1"),
        res("skyweave:network:VpnLink", "a-b", {"siteA": "aws-use1", "siteB": "os-dc1", "vendorA": "aws",
            "vendorB": "openstack", "kind": "vpn", "tunnels": 1.0, "insideCidrs": ["169.254.0.0/30"]}),
        res("skyweave:network:VpnLink", "b-c", {"siteA": "os-dc1", "siteB": "gcp-euw1",
            "vendorA": "openstack", "vendorB": "gcp", "kind": "vpn", "tunnels": 2.0,
            "insideCidrs": ["169.254.30.0/30"]}),
        res("skyweave:app:MultiCloudApp", "web", {"placements": [{"site": "aws-use1", "vendor": "aws",
            "region": "us-east-1", "zone": "us-east-1a", "count": 2.0}], "minHealthy": 2.0,
            "survive": "vendor"}),
    ]  # fmt: skip
    # The links' tunnel counts are claims (no VPN resources back them); one real site connection
    # to a single peer address is the tunnel-count failure.
    estate.append(
        res("openstack:vpnaas/siteConnection:SiteConnection", "lone", {"peerAddress": "203.0.113.9"},
            site="os-dc1", secret_outputs=["psk"])
    )  # fmt: skip
    names = {d.policy_name for d in fresh.analyze_stack([wire(r) for r in estate]) if d.mandatory}
    assert names == {
        "skyweave-addresses-no-overlap",
        "skyweave-addresses-tunnel-inside-cidrs",
        "skyweave-redundancy-survives-vendor-loss",
        "skyweave-redundancy-zone-spread",
        "skyweave-redundancy-vpn-tunnels",
        "skyweave-redundancy-claims-backed",
    }


def test_stack_rule_settings_arrive_as_floats_and_still_apply(pack: PolicyPackProcess) -> None:
    estate = [
        res("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1"),
        res("gcp:compute/subnetwork:Subnetwork", "g", {"ipCidrRange": "10.2.0.0/20"}, site="gcp-euw1"),
    ]
    pack.configure({})
    assert pack.analyze_stack([wire(r) for r in estate]) == []
    pack.configure({"skyweave-redundancy-min-vendors": {"minVendors": 3}})
    [diag] = pack.analyze_stack([wire(r) for r in estate])
    assert diag.policy_name == "skyweave-redundancy-min-vendors" and "at least 3" in diag.detail
    pack.configure({})


def test_configure_rejects_policies_and_settings_the_pack_does_not_have(pack: PolicyPackProcess) -> None:
    with pytest.raises(PolicyEngineError, match="skyweave-nope"):
        pack.configure({"skyweave-nope": {"enforcementLevel": "advisory"}})
    with pytest.raises(PolicyEngineError, match="minVendorz"):
        pack.configure({"skyweave-redundancy-min-vendors": {"minVendorz": 3}})
    with pytest.raises(PolicyEngineError, match="enforcementLevel"):
        pack.configure({"skyweave-redundancy-min-vendors": {"enforcementLevel": "strict"}})


def test_a_pack_that_prints_before_serving_fails_to_start_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text(PACK_MANIFEST)
    (tmp_path / "__main__.py").write_text('print("loading rules...")\n' + PACK_MAIN)
    with pytest.raises(PolicyEngineError, match=r"got 'loading rules\.\.\.'"):
        PolicyPackProcess(tmp_path).start()


def test_a_pack_that_crashes_reports_its_traceback(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text(PACK_MANIFEST)
    (tmp_path / "__main__.py").write_text("import skyweave_policies_that_do_not_exist\n")
    with pytest.raises(PolicyEngineError, match="skyweave_policies_that_do_not_exist"):
        PolicyPackProcess(tmp_path, start_timeout=60).start()


def test_not_a_pack_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyEngineError, match=r"no PulumiPolicy\.yaml"):
        PolicyPackProcess(tmp_path)


def test_engine_recorder_is_a_real_engine_service() -> None:
    from concurrent import futures

    recorder = EngineRecorder()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    engine_pb2_grpc.add_EngineServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = engine_pb2_grpc.EngineStub(channel)
            stub.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message="careful", urn="urn:x"))
            stub.SetRootResource(engine_pb2.SetRootResourceRequest(urn="urn:root"))
            assert stub.GetRootResource(engine_pb2.GetRootResourceRequest()).urn == "urn:root"
    finally:
        server.stop(None)
    assert recorder.logs == [("warning", "careful", "urn:x")]


def test_unknown_values_in_stack_rules_are_advisory_and_do_not_stop_other_rules(
    fresh: PolicyPackProcess,
) -> None:
    estate = [
        res("aws:ec2/vpc:Vpc", "computed", {"cidrBlock": UNKNOWN}, site="aws-use1"),
        res("aws:ec2/vpc:Vpc", "a", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1"),
        res("aws:ec2/vpc:Vpc", "b", {"cidrBlock": "10.1.128.0/17"}, site="aws-usw2"),
    ]
    found = {
        (d.policy_name, d.enforcement_level, d.urn.rsplit("::", 1)[-1])
        for d in fresh.analyze_stack([wire(r) for r in estate])
    }
    assert ("skyweave-addresses-no-overlap", "advisory", "computed") in found
    assert ("skyweave-addresses-no-overlap", "mandatory", "b") in found
    assert ("skyweave-redundancy-min-vendors", "mandatory", "") in found


def test_the_pack_version_comes_from_pulumipolicy_yaml(pack: PolicyPackProcess) -> None:
    assert pack.manifest_version == "0.1.0"


def test_the_harness_drives_any_python_pack_as_docs_policies_md_shows(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text(USER_PACK)
    sg = res(
        "aws:ec2/securityGroup:SecurityGroup",
        "web",
        {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
    )
    with PolicyPackProcess(tmp_path, project="web", stack="prod") as user_pack:
        assert [(d.policy_name, d.enforcement_level) for d in user_pack.analyze(wire(sg))] == [
            ("my-policy", "advisory")
        ]
        user_pack.configure({"my-policy": {"enforcementLevel": "mandatory"}})
        [diag] = user_pack.analyze(wire(sg))
        assert diag.mandatory and diag.detail == "open to the world"
        assert user_pack.analyze_stack([wire(sg)]) == []


LOGGING_PACK = """
import pulumi
from pulumi_policy import PolicyPack, ResourceValidationPolicy


def validate(args, report):
    pulumi.log.warn(f"looked at {args.name}")


PolicyPack("logger", [ResourceValidationPolicy(name="log-it", description="Logs.", validate=validate)])
"""


def test_pack_logging_goes_to_stderr_not_the_engine_address(tmp_path: Path) -> None:
    """Documents what the SDK does today: ``python -m pulumi.policy`` never dials the engine
    address, so ``pulumi.log`` in a pack writes to stderr, which the engine shows as plugin
    output. The harness keeps both, so a future SDK that logs to the engine is seen too."""
    import time

    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text(LOGGING_PACK)
    with PolicyPackProcess(tmp_path) as logger:
        assert logger.analyze(wire(res("aws:ec2/vpc:Vpc", "net"))) == []
        deadline = time.monotonic() + 10
        while "looked at net" not in logger.stderr and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "looked at net" in logger.stderr
        assert logger.engine.logs == []


APP_TYPE = "skyweave:app:MultiCloudApp"
_wire_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 70000).map(float)
    | st.text(max_size=16)
    | st.sampled_from([UNKNOWN, "0.0.0.0/0", "10.0.0.0/16", "169.254.0.0/30", "ikev1", "group2"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=10), inner, max_size=3)
        | inner.map(secret)
    ),
    max_leaves=10,
)
_STACK_TYPES = ["aws:ec2/vpc:Vpc", "aws:s3/bucket:Bucket", "skyweave:network:VpnLink", APP_TYPE]
_wire_types = st.sampled_from([*sorted({t for r in ALL_RULES for t in r.types or ()}), *_STACK_TYPES])


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(_wire_types, st.dictionaries(st.text(max_size=12), _wire_value, max_size=5)),
        min_size=1,
        max_size=5,
    )
)
def test_the_pack_answers_any_properties_without_an_rpc_error(
    pack: PolicyPackProcess, rows: list[tuple[str, dict[str, object]]]
) -> None:
    estate = [wire(res(t, f"r{i}", props, site="s1")) for i, (t, props) in enumerate(rows)]
    for resource in estate:
        pack.analyze(resource)  # a crash in a rule would be a gRPC error (PolicyEngineError)
    pack.analyze_stack(estate)


def test_analyze_each_keeps_calls_in_flight_and_answers_as_one_by_one(fresh: PolicyPackProcess) -> None:
    """`check` sends every resource's Analyze without waiting for each answer (issue 31 item 4):
    the diagnostics, in order, are exactly those of the calls made one by one."""
    resources = [
        wire(
            res(
                "aws:ec2/securityGroup:SecurityGroup",
                f"web{i}",
                {
                    "description": "web",
                    "ingress": [
                        {
                            "protocol": "tcp",
                            "fromPort": float(port),
                            "toPort": float(port),
                            "description": "x",
                        }
                        | {"cidrBlocks": ["0.0.0.0/0" if i % 3 else "10.0.0.0/8"]}
                    ],
                },
            )
        )
        for i, port in enumerate([22, 443, 3389, 80, 21] * 20)
    ]
    one_by_one = [d for r in resources for d in fresh.analyze(r)]
    assert len(one_by_one) > 20
    for window in (1, 7, 200):
        assert fresh.analyze_each(resources, window=window) == one_by_one
