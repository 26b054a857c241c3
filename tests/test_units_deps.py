"""The honest test of the unit graph (issue 31): every resource of a real preview is given to
exactly one unit by where the program built it, and every dependency between resources of two
units — ``dependencies``, ``propertyDependencies`` and parents — goes from a unit to one of its
prerequisites (transitively). Run on prod, dev and a hand-made estate with an appliance site, a
device site, DNS and a transfer copy; and shown to fail when the graph or the assignment is
wrong (a missing prerequisite, appliances left in their site's unit: a cycle)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from conformance.conformance_harness import generated_raw
from conftest import stack_raw, write_stack
from skyweave.engine.offline import OfflineRun, Registration
from skyweave.engine.preview import preview_stack
from skyweave.engine.units import (
    UnitAssignment,
    UnitDependencyError,
    assign_run,
    assign_units,
    check_units,
    disagreements,
    real_cycle,
)
from skyweave.estate.config import parse_stack_config
from skyweave.estate.project import Project
from skyweave.estate.units import plan_units
from skyweave.planning.units import Unit, UnitGraph, UnitKind


def hand_raw() -> dict[str, Any]:
    """Four of prod's sites: AWS, GCP, an OpenStack appliance pair and on-prem devices, in a full
    mesh; the shop on three with Route 53 and Cloud DNS; assets copied to GCS by transfer."""
    raw = copy.deepcopy(stack_raw("prod"))
    keep = ["aws-use1", "gcp-euw1", "os-dc1", "onprem-fra"]
    raw["sites"] = [s for s in raw["sites"] if s["name"] in keep]
    raw["ipam"]["require_pins"] = False
    raw["network"] = {"name": "core", "topology": "full-mesh"}
    app = raw["apps"][0]
    app["sites"] = ["aws-use1", "gcp-euw1", "os-dc1"]
    for key in ("images", "sizes", "tls_certificates"):
        app[key] = {k: v for k, v in app[key].items() if k in ("aws", "gcp", "openstack")}
    app["min_healthy"] = 4
    app["availability"] = {"os-dc1": 0.995}
    raw["buckets"][0]["copies"] = [c for c in raw["buckets"][0]["copies"] if c["site"] in keep]
    raw.pop("databases")
    raw.pop("kubernetes")
    return raw


@dataclasses.dataclass
class Estate:
    run: OfflineRun
    graph: UnitGraph
    assignment: UnitAssignment
    onprem: frozenset[str]


def _estate(run: OfflineRun, raw: dict[str, Any], stack: str) -> Estate:
    config = parse_stack_config({**raw, "deployment": "units"}, source=f"Pulumi.{stack}.yaml", stack=stack)
    graph = plan_units(config.plan, stack)
    onprem = frozenset(f"{stack}.{s.name}" for s in config.sites if s.vendor == "onprem")
    return Estate(run, graph, assign_run(run, graph, [s.name for s in config.sites]), onprem)


@pytest.fixture(scope="module")
def estates(
    prod_run: OfflineRun, project: Project, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Estate]:
    hand = write_stack(tmp_path_factory.mktemp("hand"), "prod", hand_raw())
    gcp = write_stack(tmp_path_factory.mktemp("gen"), "prod", generated_raw("gen-1"))
    return {
        "prod": _estate(prod_run, stack_raw("prod"), "prod"),
        "dev": _estate(preview_stack(project, "dev"), stack_raw("dev"), "dev"),
        "hand": _estate(preview_stack(hand, "prod"), hand_raw(), "prod"),
        # three GCP sites peered: GCP runs one peering operation per network at a time, so each
        # peering waits for the last one on either network (network/links/peering.py)
        "gen-1": _estate(preview_stack(gcp, "prod"), generated_raw("gen-1"), "prod"),
    }


def _owned(run: OfflineRun) -> list[Registration]:
    return [r for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")]


# prod's own fleet has its workload behind Route 53 and Cloud DNS (its objects inside each
# cluster, its DNS reading every cluster's address): the estate that had it alone is subsumed.
@pytest.mark.parametrize("name", ["prod", "dev", "hand", "gen-1"])
def test_every_resource_has_one_unit_and_every_dependency_points_to_a_prerequisite(
    estates: dict[str, Estate], name: str
) -> None:
    estate = estates[name]
    owned = _owned(estate.run)
    assert set(estate.assignment.unit_of) == {r.urn for r in owned}
    held = {unit: estate.assignment.resources(unit) for unit in estate.graph.names()}
    assert sum(len(urns) for urns in held.values()) == len(owned)
    # a site unit may hold nothing: an on-prem site's devices are configured outside Pulumi
    empty = [unit for unit, urns in held.items() if not urns]
    assert all(estate.graph[unit].kind == UnitKind.SITE and unit in estate.onprem for unit in empty), empty
    assert disagreements(estate.assignment, estate.run.resources) == []
    assert real_cycle(estate.assignment, estate.run.resources) is None
    check_units(estate.assignment, estate.run.resources)


@pytest.mark.parametrize("name", ["prod", "hand"])
def test_an_edge_holds_exactly_its_sites_resources_that_read_a_link(
    estates: dict[str, Estate], name: str
) -> None:
    """The edge's rule is the child's name; the resources' dependencies say the same: on an
    appliance site's provider, exactly the edge's resources read a link's resources."""
    estate = estates[name]
    unit_of = estate.assignment.unit_of
    links = {u for u in estate.graph.names() if estate.graph[u].kind == UnitKind.LINK}
    for edge in (u for u in estate.graph.units if u.kind == UnitKind.EDGE):
        site = edge.name.rsplit(".", 1)[1]
        on_site = [
            r
            for r in _owned(estate.run)
            if r.provider and r.provider.rsplit("::", 1)[1] == site and unit_of[r.urn] not in links
        ]
        reading = {
            r.urn
            for r in on_site
            if any(unit_of.get(d) in links for d in [*r.dependencies, *_property_deps(r)])
        }
        assert reading == set(estate.assignment.resources(edge.name))
        assert len(reading) == 2  # the pair


def _property_deps(res: Registration) -> list[str]:
    return [d for deps in res.property_dependencies.values() for d in deps]


def test_a_missing_prerequisite_names_both_resources(estates: dict[str, Estate]) -> None:
    estate = estates["prod"]
    units = [
        dataclasses.replace(u, prerequisites=()) if u.kind == UnitKind.GLOBAL else u
        for u in estate.graph.units
    ]
    graph = UnitGraph.of("prod", units)
    wrong = UnitAssignment(graph, estate.assignment.unit_of, estate.assignment.shared)
    found = disagreements(wrong, estate.run.resources)
    pairs = {(d.resource.rsplit("::", 1)[1], d.dependency.rsplit("::", 1)[1]) for d in found}
    assert ("shop-dns-record-gcp-euw1", "shop-ip-gcp-euw1") in pairs
    assert ("assets-copy-gcp-euw1", "assets-bucket-aws-use1") in pairs
    with pytest.raises(UnitDependencyError, match=r"shop-dns-\w+-\S+ \(unit prod\.global\) depends on"):
        check_units(wrong, estate.run.resources)


def test_appliances_left_in_their_site_make_a_cycle_naming_two_resources(estates: dict[str, Estate]) -> None:
    estate = estates["hand"]
    naive = {
        urn: (f"prod.{unit.rsplit('.', 1)[1]}" if unit.startswith("prod.edge.") else unit)
        for urn, unit in estate.assignment.unit_of.items()
    }
    wrong = UnitAssignment(estate.graph, naive, estate.assignment.shared)
    cycle = real_cycle(wrong, estate.run.resources)
    assert cycle is not None
    assert "core-appliance-os-dc1-" in cycle and "(unit prod.link." in cycle and "(unit prod.os-dc1)" in cycle
    with pytest.raises(UnitDependencyError, match="depend on each other in a circle"):
        check_units(wrong, estate.run.resources)


def test_a_resource_no_rule_places_is_named() -> None:
    stray = Registration(
        urn="urn:pulumi:prod::skyweave::random:index/randomPet:RandomPet::pet",
        type="random:index/randomPet:RandomPet",
        name="pet",
        custom=True,
        parent=None,
        provider=None,
        dependencies=[],
        protect=False,
        inputs={},
    )
    graph = UnitGraph.of("prod", [Unit("prod.aws-use1", UnitKind.SITE)])
    with pytest.raises(UnitDependencyError, match=r"RandomPet::pet has no unit"):
        assign_units([stray], graph, sites=["aws-use1"])


def test_the_hand_made_estate_is_what_it_says(estates: dict[str, Estate]) -> None:
    names = set(estates["hand"].graph.names())
    assert {"prod.edge.os-dc1", "prod.global", "prod.link.os-dc1.onprem-fra"} <= names
    assert "prod.secrets" not in names


def test_a_resource_of_a_unit_the_graph_lacks_is_named(estates: dict[str, Estate]) -> None:
    estate = estates["prod"]
    graph = UnitGraph.of("prod", [u for u in estate.graph.units if u.kind != UnitKind.EDGE])
    sites = [s["name"] for s in stack_raw("prod")["sites"]]
    with pytest.raises(UnitDependencyError, match=r"core-appliance-\w+-dc1-\d belongs to unit 'prod\.edge\."):
        assign_units(estate.run.resources, graph, sites=sites)


def test_a_fleets_objects_are_their_clusters_and_its_dns_is_global(estates: dict[str, Estate]) -> None:
    """Issue 27: a workload's Deployment, budget and Service belong to their cluster's site (the
    site in their names, on that cluster's provider); its DNS records and checks to global (prod's
    fleet: its workload behind Route 53 and Cloud DNS)."""
    estate = estates["prod"]
    unit_of = estate.assignment.unit_of
    objects = [r for r in _owned(estate.run) if r.type.startswith("kubernetes:")]
    assert len(objects) == 9
    for r in objects:
        assert unit_of[r.urn] == f"prod.{r.name.split('-', 2)[2].removesuffix('-api')}", r.name
    dns = [r for r in _owned(estate.run) if r.name.startswith("apps-dns-")]
    route53 = [r for r in dns if r.type.startswith("aws:route53/")]
    assert len(route53) == 6 and len(dns) > len(route53)  # and Cloud DNS's
    assert {unit_of[r.urn] for r in dns} == {"prod.global"}
