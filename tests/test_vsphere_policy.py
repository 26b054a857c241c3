"""The pack on vSphere through its reader (drivers/vsphere/reader.py): VMs as compute by cluster,
the appliance pair not counted as compute, its openings as ingress, port groups as networks, and
``skyweave-redundancy-host-spread`` on an app's VMs without a DRS anti-affinity rule — over a
real plan, and over the Analyzer protocol the engine speaks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from skyweave.engine.analyzer import PolicyPackProcess, StackResource
from skyweave.engine.offline import OfflineRun
from skyweave.engine.requests import resources_from_run
from skyweave.policy import Resource, StackIndex, rule_by_name
from skyweave.policy.facts import facts
from test_vsphere import APP, AWS, VM, VS, build, build_app

ROOT = Path(__file__).resolve().parent.parent
HOST_SPREAD = "skyweave-redundancy-host-spread"
RULE = "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule"


def _as_resource(r: StackResource) -> Resource:
    return Resource(
        urn=r.urn,
        type=r.type,
        name=r.name,
        props=dict(r.properties),
        parent=r.parent,
        provider_type=r.provider.type if r.provider else None,
        provider_urn=r.provider.urn if r.provider else None,
        dependencies=tuple(r.dependencies),
        property_dependencies={k: tuple(v) for k, v in r.property_dependencies.items()},
    )


def stack_resources(result: OfflineRun, drop: set[str] | None = None) -> list[StackResource]:
    _, for_stack = resources_from_run(result)
    return [r for r in for_stack if not drop or r.type not in drop]


def estate_of(result: OfflineRun, drop: set[str] | None = None) -> StackIndex:
    return StackIndex.build(_as_resource(r) for r in stack_resources(result, drop))


@pytest.fixture(scope="module")
def app_run() -> OfflineRun:
    return build_app(APP)


def test_vms_are_compute_by_cluster_and_the_appliance_is_not(app_run: OfflineRun) -> None:
    index = estate_of(app_run)
    units = [u for u in facts(index).units if u.site == "vs-dc1"]
    assert units and {z for u in units for z, _ in u.zones} == {"cluster-a", "cluster-b"}
    assert all(u.vendor == "vsphere" and u.kind == "VM" for u in units)
    linked = estate_of(build(VS, AWS))
    assert not [u for u in facts(linked).units if u.site == "vs-dc1"], "appliance VMs serve nothing"


def test_port_groups_are_the_sites_networks() -> None:
    from skyweave.policy.readers import reader_for_vendor

    reader = reader_for_vendor("vsphere")
    assert reader is not None
    assert "vsphere:index/distributedPortGroup:DistributedPortGroup" in reader.networks


def test_the_appliance_openings_are_read_as_ingress() -> None:
    from skyweave.policy.readers import reader_for_vendor

    reader = reader_for_vendor("vsphere")
    assert reader is not None
    index = estate_of(build(VS, AWS))
    (vm, *_) = index.of_type(VM)
    opened = list(reader.ingress(vm))
    assert opened and {o.ranges for o in opened} == {((500, 500),), ((4500, 4500),)}
    assert all(o.source.endswith("/32") for o in opened)
    assert not any(o.opens([22, 3389]) for o in opened)


def test_host_spread_passes_with_the_rules_and_fails_without(app_run: OfflineRun) -> None:
    rule = rule_by_name(HOST_SPREAD)
    assert rule.run_stack(estate_of(app_run), None) == []
    found = rule.run_stack(estate_of(app_run, drop={RULE}), None)
    assert len(found) == 2 and all("no DRS anti-affinity rule" in f.message for f in found)
    assert {"cluster-a", "cluster-b"} == {f.message.split("cluster '", 1)[1].split("'", 1)[0] for f in found}


def test_a_disabled_rule_spreads_nothing(app_run: OfflineRun) -> None:
    resources = []
    for r in estate_of(app_run).by_urn.values():
        if r.type == RULE:
            r = dataclasses.replace(r, props={**r.props, "enabled": False})
        resources.append(r)
    assert rule_by_name(HOST_SPREAD).run_stack(StackIndex.build(resources), None)


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="proj", stack="test") as process:
        process.configure({})
        yield process


def _names(diagnostics: list[Any]) -> set[str]:
    return {d.policy_name for d in diagnostics}


def test_over_the_analyzer_protocol(pack: PolicyPackProcess, app_run: OfflineRun) -> None:
    assert HOST_SPREAD not in _names(pack.analyze_stack(stack_resources(app_run)))
    without = pack.analyze_stack(stack_resources(app_run, drop={RULE}))
    assert HOST_SPREAD in _names(without)
    # Judged, not passed over: no vSphere package or site reported as unjudged.
    assert "skyweave-coverage-unjudged" not in _names(pack.analyze_stack(stack_resources(app_run)))


def test_existing_redundancy_rules_judge_vsphere_sites() -> None:
    """One cluster is one zone: the zone-spread rule reports the vSphere site."""
    from test_vsphere import VS_APP

    one = build_app(APP, site={**VS_APP, "zones": ["cluster-a"]})
    found = rule_by_name("skyweave-redundancy-zone-spread").run_stack(estate_of(one), None)
    assert any("vs-dc1" in f.message for f in found), [f.message for f in found]
    spread = rule_by_name("skyweave-redundancy-zone-spread").run_stack(estate_of(build_app(APP)), None)
    assert not any("vs-dc1" in f.message for f in spread)


def test_a_record_at_the_ingress_ip_reaches_the_vms_behind_it() -> None:
    """The front door of a vSphere site is the operator's load balancer at ``ingress_ip``, outside
    the plan. The pack counts only the compute a DNS record reaches (issue 24); before the app VMs
    carried their front door, a record naming ``ingress_ip`` reached none of them, and prod with a
    vSphere share failed survives-vendor-loss with its VMs "unreached"."""
    from test_vsphere import VS_APP

    dns = {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": "web.example.com"}
    index = estate_of(build_app({**APP, "dns": dns}))
    (web,) = [s for s in facts(index).services if s.label == "MultiCloudApp 'web'"]
    reached = [u for u in web.units if u.site == "vs-dc1"]
    assert reached and not web.unreached, [u.urn for u in web.unreached]
    records = [
        r for r in index.by_urn.values() if r.type == "aws:route53/record:Record" and "vs-dc1" in r.name
    ]
    assert records and all(VS_APP["ingress_ip"] in r.props["records"] for r in records)
    found = rule_by_name("skyweave-redundancy-survives-vendor-loss").run_stack(index, None)
    assert not [f.message for f in found if "no DNS record" in f.message]
