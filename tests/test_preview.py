"""The main job: `skyweave preview` of the example stacks, text and JSON, secrets masked."""

from __future__ import annotations

import ipaddress
import json
import re

import pulumi
import pulumi_random as random
import pytest
from conftest import run
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.cli import main
from skyweave.cli.preview import render_text
from skyweave.engine.offline import SECRET, OfflineRun, run_program
from skyweave.engine.preview import render_json, summary

RESOURCE_KEYS = {
    "urn",
    "propertyDependencies",
    "type",
    "name",
    "custom",
    "parent",
    "provider",
    "dependencies",
    "protect",
    "aliases",
    "inputs",
}


def test_prod_spans_every_cloud_vendor(prod_run: OfflineRun) -> None:
    by_vendor = summary(prod_run)["by_vendor"]
    # `random`: the VPN pre-shared keys; `command`: the bare-metal pool's SSH bootstrap of the
    # on-prem servers (nothing in a cloud); `azure-native`: Azure's Pulumi package; `tls`: the orders
    # database's CA and member certificates (`random` also makes its passwords); `kubernetes`: the
    # fleet's workload on its clusters.
    packages = {
        "aws",
        "azure-native",
        "gcp",
        "openstack",
        "vsphere",
        "random",
        "tls",
        "command",
        "kubernetes",
    }
    assert set(by_vendor) == packages
    assert all(count > 0 for count in by_vendor.values())
    sites = prod_run.outputs["networks"]
    assert {s["vendor"] for s in sites.values()} == {"aws", "azure", "gcp", "openstack", "vsphere", "onprem"}
    assert sorted(s["region"] for s in sites.values() if s["vendor"] == "aws") == ["us-east-1", "us-west-2"]


def test_dev_is_small(dev_run: OfflineRun) -> None:
    assert set(summary(dev_run)["by_vendor"]) == {"aws", "gcp", "random"}


def test_text_is_a_tree_by_component_and_site_with_counts(prod_run: OfflineRun) -> None:
    text = render_text(prod_run)
    assert "+ skyweave:network:HybridVpc" in text
    for site in ("aws-use1", "aws-usw2", "gcp-euw1", "os-dc1"):
        assert f"site {site}:" in text
    assert re.search(r"^ +\d+  aws$", text, re.M) and re.search(r"^ +\d+  openstack$", text, re.M)
    assert re.search(r"^ +10  aws:ec2/subnet:Subnet$", text, re.M)
    # a resource is indented under its site, which is under its component
    assert re.search(r"site os-dc1:\n( {6}\+ .*\n)+", text)


def test_json_has_one_object_per_resource(prod_run: OfflineRun) -> None:
    doc = json.loads(render_json(prod_run))
    assert doc["stack"] == "prod" and doc["project"] == "skyweave"
    urns = {r["urn"] for r in doc["resources"]}
    assert len(urns) == len(doc["resources"]) == len(prod_run.resources)
    for res in doc["resources"]:
        assert set(res) == RESOURCE_KEYS
        if res["parent"] is not None:
            assert res["parent"] in urns
        if res["provider"] is not None:
            assert res["provider"] in urns
        assert set(res["dependencies"]) <= urns
        assert isinstance(res["protect"], bool)
    subnet = next(r for r in doc["resources"] if r["name"] == "core-subnet-aws-use1-private-c")
    assert subnet["type"] == "aws:ec2/subnet:Subnet"
    assert subnet["inputs"]["cidrBlock"] == "10.1.160.0/20"
    assert subnet["provider"].endswith("pulumi:providers:aws::aws-use1")
    assert any(d.endswith("aws:ec2/vpc:Vpc::core-vpc-aws-use1") for d in subnet["dependencies"])
    assert doc["outputs"]["ipam"]["sites"]["os-dc1"]["ipv6_cidr"] == "fd5c:7a3e:41b0::/56"


def test_preview_is_deterministic(project, prod_run) -> None:  # type: ignore[no-untyped-def]
    """A second run of prod renders exactly as the session's first one did."""
    from skyweave.engine.preview import preview_stack

    assert render_json(preview_stack(project, "prod")) == render_json(prod_run)


def test_cli_preview_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--stack", "dev", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # 14 AWS + 2 GCP network resources; the AWS <-> GCP link adds 8 AWS (VPN gateway, 3 route
    # propagations, 2 customer gateways, 2 VPN connections), 15 GCP (HA VPN gateway, Cloud Router,
    # external gateway, 4 tunnels, 4 BGP interfaces, 4 BGP peers), 4 keys and the link component.
    # The dev app "hello" adds aws 8 (with its HTTPS listener), gcp 8 and its component; the keys'
    # random provider is the HybridVpc's own (no default providers: the stack disables them).
    assert doc["summary"]["by_vendor"] == {"aws": 22 + 8, "gcp": 17 + 8, "random": 4}
    assert doc["summary"]["providers"] == 3
    assert main(["preview", "--stack", "dev"]) == 0
    assert "Resources: 66 to create" in capsys.readouterr().out  # and the root stack, as `pulumi up` counts


def _secret_program() -> None:
    password = random.RandomPassword("psk", length=32, special=False)
    token = pulumi.Config("app").require_secret("token")
    pulumi.export("psk", password.result)
    pulumi.export("token", token)
    pulumi.export("derived", pulumi.Output.concat("key=", password.result))

    class Holder(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("skyweave:test:Holder", "holder")
            random.RandomString(
                "uses-it",
                length=8,
                keepers={"psk": password.result},
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.register_outputs({"psk": password.result})

    Holder()


def test_secrets_never_appear_in_any_output() -> None:
    result = run_program(
        _secret_program,
        project="p",
        stack="s",
        config={"app:token": "tok-PLAINTEXT-123"},
        secret_keys=frozenset({"app:token"}),
    )
    assert result.outputs == {"psk": SECRET, "token": SECRET, "derived": SECRET}
    keeper = next(r for r in result.resources if r.name == "uses-it")
    assert keeper.inputs["keepers"] == {"psk": SECRET}
    # the mock generated a real value; it must not leak anywhere
    from skyweave.engine.offline import OfflineMocks

    mocks = OfflineMocks()
    value = mocks.new_resource(
        pulumi.runtime.MockResourceArgs(
            "random:index/randomPassword:RandomPassword", "psk", {"length": 32, "special": False}
        )
    )[1]["result"]
    assert len(value) == 32
    for rendered in (render_json(result), render_text(result, show_outputs=True)):
        assert value not in rendered and "tok-PLAINTEXT-123" not in rendered
        assert SECRET in rendered


def test_secure_stack_config_is_secret(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "prog").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: prog/\n")
    (tmp_path / "prog" / "__main__.py").write_text(
        "import pulumi\npulumi.export('key', pulumi.Config().require_secret('key'))\n"
        "pulumi.export('nested', pulumi.Config().require_secret_object('obj'))\n"
    )
    (tmp_path / "Pulumi.a.yaml").write_text(
        "config:\n  demo:key:\n    secure: v1:AAAABBBBCCCC\n  demo:obj:\n    inner:\n      secure: v1:DDDD\n"
    )
    assert main(["-C", str(tmp_path), "preview", "--stack", "a", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["outputs"] == {"key": SECRET, "nested": SECRET}
    assert "v1:AAAA" not in out and "v1:DDDD" not in out and "offline-stand-in" not in out


def test_program_warnings_are_reported() -> None:
    result = run(lambda: pulumi.log.warn("heads up"))
    assert result.warnings == ["heads up"]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_a_stand_in_address_is_a_host_of_an_rfc_5737_documentation_range(name: str) -> None:
    """What the offline preview makes up for a provider's address is never a routable one."""
    from skyweave.drivers.stand_ins import DOCUMENTATION_NET_1, DOCUMENTATION_NET_3, documentation_address

    for net, rfc_5737 in ((DOCUMENTATION_NET_1, "192.0.2.0/24"), (DOCUMENTATION_NET_3, "203.0.113.0/24")):
        address = ipaddress.ip_address(documentation_address(net, "ip", name))
        block = ipaddress.ip_network(rfc_5737)
        assert address in block and address not in (block.network_address, block.broadcast_address)
