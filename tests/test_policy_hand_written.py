"""examples/hand-written: an estate with no skyweave component, judged from its resources alone.

The program runs offline exactly as ``skyweave check --stack dev`` runs it, and every resource goes
to the real pack over the Analyzer protocol. The estate as written passes; each break a user could
make (a vendor gone, a VPN connection short, links cut, the copy job deleted, one zone) must be
caught by the redundancy rule it breaks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from skyweave.engine.analyzer import Diagnostic, PolicyPackProcess, StackResource
from skyweave.engine.check import PropertyDependencyMonitor
from skyweave.engine.policy_config import load_policy_config
from skyweave.engine.preview import preview_stack
from skyweave.engine.requests import resources_from_run
from skyweave.estate.project import Project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hand-written"


@pytest.fixture(scope="module")
def estate() -> tuple[list[StackResource], list[StackResource]]:
    monitor = PropertyDependencyMonitor()
    run = preview_stack(Project.find(EXAMPLE), "dev", monitor=monitor)
    return resources_from_run(run, monitor.property_dependencies)


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="hand-written", stack="dev") as process:
        process.configure(load_policy_config(EXAMPLE / "Pulumi.dev.policy.json"))
        yield process


def _stack(pack: PolicyPackProcess, resources: list[StackResource]) -> list[Diagnostic]:
    return pack.analyze_stack(resources)


def _without(resources: list[StackResource], drop: Callable[[StackResource], bool]) -> list[StackResource]:
    return [r for r in resources if not drop(r)]


def test_the_example_uses_no_skyweave_component(
    estate: tuple[list[StackResource], list[StackResource]],
) -> None:
    _, for_stack = estate
    packages = {r.type.split(":", 1)[0] for r in for_stack}
    assert "skyweave" not in packages and {"aws", "gcp", "openstack"} <= packages


def test_the_example_as_written_passes_every_rule(
    pack: PolicyPackProcess, estate: tuple[list[StackResource], list[StackResource]]
) -> None:
    for_analyze, for_stack = estate
    found = [d for r in for_analyze for d in pack.analyze(r)] + _stack(pack, for_stack)
    assert found == [], [(d.policy_name, d.detail) for d in found]


def test_without_its_policy_config_the_vpnaas_links_fail_as_single_paths(
    estate: tuple[list[StackResource], list[StackResource]],
) -> None:
    _, for_stack = estate
    with PolicyPackProcess(ROOT / "policies", project="hand-written", stack="dev") as process:
        process.configure({})
        found = [
            d for d in process.analyze_stack(for_stack) if d.policy_name == "skyweave-redundancy-vpn-tunnels"
        ]
    assert sorted(d.detail.split(" has ", 1)[0] for d in found) == [
        "the VPN between aws-use1 and os-dc1",
        "the VPN between os-dc1 and external peer 203.0.113.10 + 203.0.113.11",
    ]
    assert all("but one active path" in d.detail and d.enforcement_level == "mandatory" for d in found)


def test_losing_the_gcp_resources_breaks_the_service_dns_and_the_copy(
    pack: PolicyPackProcess, estate: tuple[list[StackResource], list[StackResource]]
) -> None:
    _, for_stack = estate
    aws_only = _without(for_stack, lambda r: r.type.startswith("gcp:") or r.type == "pulumi:providers:gcp")
    found = {(d.policy_name, d.enforcement_level): d.detail for d in _stack(pack, aws_only)}
    assert found[("skyweave-redundancy-survives-vendor-loss", "mandatory")].startswith(
        "DNS name 'web.example.com': losing vendor 'aws' leaves 0 of 2"
    )
    assert (
        "served by Route 53 (AWS) only" in found[("skyweave-redundancy-dns-survives-vendor-loss", "advisory")]
    )
    assert (
        "S3 bucket 'assets' on aws-use1 has no copy"
        in found[("skyweave-redundancy-bucket-copied-to-another-vendor", "mandatory")]
    )


def test_one_aws_connection_short_of_the_ha_shape_fails_the_tunnel_count(
    pack: PolicyPackProcess, estate: tuple[list[StackResource], list[StackResource]]
) -> None:
    _, for_stack = estate
    short = _without(for_stack, lambda r: r.name == "aws-gcp-1")
    tunnels = [d.detail for d in _stack(pack, short) if d.policy_name == "skyweave-redundancy-vpn-tunnels"]
    assert any(
        "the VPN between aws-use1 and gcp-euw1 has 2 tunnel(s); it needs 4" in t
        and "aws-use1 configures 2" in t
        for t in tunnels
    ), tunnels


def test_cutting_the_on_prem_links_of_gcp_and_openstack_makes_aws_a_hub(
    pack: PolicyPackProcess, estate: tuple[list[StackResource], list[StackResource]]
) -> None:
    _, for_stack = estate
    cut = _without(for_stack, lambda r: r.name.startswith(("gcp-onprem-", "os-onprem-")))
    [hub] = [d for d in _stack(pack, cut) if d.policy_name == "skyweave-redundancy-no-hub-site"]
    assert hub.mandatory and "site 'aws-use1' is a hub" in hub.detail
    pack.configure({"skyweave-redundancy-no-hub-site": {"allowedHubs": ["aws-use1"]}})
    try:
        assert not [d for d in _stack(pack, cut) if d.policy_name == "skyweave-redundancy-no-hub-site"]
    finally:
        pack.configure({})


def test_a_single_site_connection_to_aws_is_caught(
    pack: PolicyPackProcess, estate: tuple[list[StackResource], list[StackResource]]
) -> None:
    _, for_stack = estate
    single = _without(for_stack, lambda r: r.name == "os-aws-1")
    tunnels = [d.detail for d in _stack(pack, single) if d.policy_name == "skyweave-redundancy-vpn-tunnels"]
    assert any(
        "aws-use1 and os-dc1 has 1 tunnel(s); it needs 2" in t and "policy-based" in t for t in tunnels
    )


def test_deleting_the_transfer_job_leaves_both_buckets_without_a_copy(
    pack: PolicyPackProcess, estate: tuple[list[StackResource], list[StackResource]]
) -> None:
    _, for_stack = estate
    no_copy = _without(for_stack, lambda r: r.type == "gcp:storage/transferJob:TransferJob")
    copies = [d.urn.rsplit("::", 1)[-1] for d in _stack(pack, no_copy) if "bucket-copied" in d.policy_name]
    assert sorted(copies) == ["assets", "assets-copy"]


def test_one_zone_and_a_smaller_group_are_caught(
    pack: PolicyPackProcess, estate: tuple[list[StackResource], list[StackResource]]
) -> None:
    _, for_stack = estate
    subnet_a = next(r.urn for r in for_stack if r.name == "private-a")

    def narrow(r: StackResource) -> StackResource:
        if r.name != "web-asg":
            return r
        props = {**r.properties, "minSize": 1.0, "vpcZoneIdentifiers": ["subnet-a"]}
        deps = {**r.property_dependencies, "vpcZoneIdentifiers": [subnet_a]}
        return dataclasses.replace(r, properties=props, property_dependencies=deps)

    found = {d.policy_name: d.detail for d in _stack(pack, [narrow(r) for r in for_stack])}
    assert (
        "site 'aws-use1' runs compute in 1 zone(s) (us-east-1a)" in found["skyweave-redundancy-zone-spread"]
    )
