"""KubernetesFleet (docs/kubernetes.md): clusters on four vendors from one plan; node capacity that
survives the named failure, checked by failing every domain here (not through the planner's own
check); pod and service ranges that overlap nothing, as properties; every bad input a domain error
naming its key before anything registers."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

import pulumi
import pytest
from conftest import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyweave import (
    HybridVpc,
    HybridVpcArgs,
    InvalidArgsError,
    KubernetesFleet,
    SiteProviders,
    plan_kubernetes_fleet,
)
from skyweave.core.errors import AddressSpaceExhaustedError
from skyweave.engine.offline import OfflineRun
from skyweave.kubernetes.fleet import KubernetesFleetArgs
from skyweave.planning.clusters import RangeRequest, RangeRule, plan_cluster_ranges
from skyweave.planning.ipam import Reservation

SUB = "11111111-2222-4333-8444-555555555555"
AWS = {
    "name": "aws-use1",
    "vendor": "aws",
    "region": "us-east-1",
    "zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
}
AWS2 = {"name": "aws-usw2", "vendor": "aws", "region": "us-west-2", "zones": ["us-west-2a", "us-west-2b"]}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
AZ = {"name": "azure-weu1", "vendor": "azure", "region": "westeurope", "subscription_id": SUB}
OS = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "zones": ["az1", "az2"]}
ONPREM = {
    "name": "dc-fra",
    "vendor": "onprem",
    "region": "fra",
    "cidrs": ["192.168.10.0/24"],
    "vpn_peer_ip": "203.0.113.10",
}
SITES = [AWS, GCP, AZ, OS]
NODE = {"aws": "m6i.large", "gcp": "e2-standard-4", "azure": "Standard_D4s_v5", "openstack": "m1.large"}


def cluster(site: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out = {"site": site["name"], "node_size": NODE[site["vendor"]], **extra}
    if site["vendor"] == "openstack":
        out.setdefault("image", "fedora-coreos-40")
    return out


FLEET = {
    "clusters": [cluster(s) for s in SITES],
    "min_nodes": 6,
    "survive": "vendor",
    "availability": {"os-dc1": 0.999},
}


def estate(sites: list[dict[str, Any]]) -> Any:
    return HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"topology": "none"}})


def plan(fleet: dict[str, Any], sites: list[dict[str, Any]] = SITES) -> Any:
    from skyweave import plan_hybrid_vpc

    net = plan_hybrid_vpc(estate(sites))
    return plan_kubernetes_fleet(
        KubernetesFleetArgs.model_validate(fleet),
        net.args.sites,
        {name: list(p.cidrs) for name, p in net.addresses.sites.items()},
        reserved=list(net.args.ipam.reserved),
        sites_supernet=net.args.ipam.supernet,
    )


def build(fleet: dict[str, Any], sites: list[dict[str, Any]] = SITES) -> OfflineRun:
    def program() -> None:
        parsed = estate(sites)
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        apps = KubernetesFleet("apps", fleet, network=net)
        pulumi.export("clusters", apps.clusters)
        pulumi.export("kubeconfigs", apps.kubeconfigs)

    return run(program)


def issues(fleet: dict[str, Any], sites: list[dict[str, Any]] = SITES) -> dict[str, str]:
    with pytest.raises(InvalidArgsError) as caught:
        plan(fleet, sites)
    return {i.path: i.message for i in caught.value.issues}


def survivors(nodes: dict[tuple[str, str, str, str], int], kind: str) -> dict[str, int]:
    """Nodes left when each domain of ``kind`` fails, counted here from (vendor, region, site, zone)."""
    index = {"vendor": 0, "region": 1, "site": 2, "zone": 3}[kind]

    def key(cell: tuple[str, str, str, str]) -> tuple[str, ...]:
        return cell[: index + 1] if kind != "site" else (cell[2],)

    domains = {key(c) for c in nodes}
    return {"/".join(d): sum(n for c, n in nodes.items() if key(c) != d) for d in domains}


def nodes_of(fleet_plan: Any) -> dict[tuple[str, str, str, str], int]:
    return {
        (c.site.vendor, c.site.region, c.site.name, zone): count
        for c in fleet_plan.clusters
        for zone, count in c.spec.nodes.items()
    }


@pytest.fixture(scope="module")
def built() -> OfflineRun:
    return build(FLEET)


def test_a_cluster_per_site_on_four_vendors(built: OfflineRun) -> None:
    (fleet,) = [r for r in built.resources if r.type == "skyweave:kubernetes:KubernetesFleet"]
    children = Counter(r.type for r in built.resources if r.parent == fleet.urn)
    for token in (
        "aws:eks/cluster:Cluster",
        "gcp:container/cluster:Cluster",
        "azure-native:containerservice:ManagedCluster",
        "openstack:containerinfra/cluster:Cluster",
    ):
        assert children[token] == 1, token
    clusters = built.outputs["clusters"]
    assert {c["vendor"] for c in clusters.values()} == {"aws", "gcp", "azure", "openstack"}
    assert built.outputs["kubeconfigs"] == "[secret]"


def _env_settings() -> set[str]:
    """The provider arguments pulumi-kubernetes takes from ``PULUMI_K8S_*`` or ``KUBECONFIG``
    when a program leaves them out, read from its installed ``provider.py``, by their wire names
    (its ``@pulumi.getter(name=...)``)."""
    import importlib.util
    import re
    from pathlib import Path

    spec = importlib.util.find_spec("pulumi_kubernetes")
    assert spec is not None and spec.origin is not None
    source = (Path(spec.origin).parent / "provider.py").read_text()
    found = set(re.findall(r"if (\w+) is None:\n\s+\1 = _utilities\.get_env", source))
    assert {"kubeconfig", "delete_unreachable"} <= found, found
    wire = dict(re.findall(r'@pulumi\.getter\(name="(\w+)"\)\n\s+def (\w+)', source))
    by_python = {python: name for name, python in wire.items()}
    return {by_python.get(a, a) for a in found}


def test_each_cluster_has_a_kubernetes_provider_made_from_its_own_outputs(built: OfflineRun) -> None:
    """A provider per cluster, child of the fleet, whose kubeconfig is a secret (the cluster's) and
    whose every setting the SDK would read from the environment is given: nothing of the machine
    running Pulumi (its KUBECONFIG, a PULUMI_K8S_* variable) reaches it."""
    (fleet,) = [r for r in built.resources if r.type == "skyweave:kubernetes:KubernetesFleet"]
    providers = [r for r in built.resources if r.type == "pulumi:providers:kubernetes"]
    assert sorted(p.name for p in providers) == sorted(f"apps-k8s-{s['name']}" for s in SITES)
    names = {c["name"] for c in built.outputs["clusters"].values()}
    for provider in providers:
        assert provider.parent == fleet.urn
        assert provider.inputs["kubeconfig"] == "[secret]"
        assert provider.inputs["clusterIdentifier"] in names
        missing = {a for a in _env_settings() if a not in provider.inputs}
        assert not missing, (provider.name, missing)


def test_nodes_registered_are_the_plans_and_survive_any_vendor(built: OfflineRun) -> None:
    clusters = built.outputs["clusters"]
    left = survivors(
        {(c["vendor"], "", site, zone): n for site, c in clusters.items() for zone, n in c["nodes"].items()},
        "vendor",
    )
    assert min(left.values()) >= 6, left
    eks = sum(
        r.inputs["scalingConfig"]["desiredSize"]
        for r in built.resources
        if r.type == "aws:eks/nodeGroup:NodeGroup"
    )
    assert eks == sum(clusters["aws-use1"]["nodes"].values())
    (aks,) = [r for r in built.resources if r.type == "azure-native:containerservice:ManagedCluster"]
    assert {p["availabilityZones"][0]: p["count"] for p in aks.inputs["agentPoolProfiles"]} == clusters[
        "azure-weu1"
    ]["nodes"]


def test_ranges_overlap_no_site_and_no_other_cluster(built: OfflineRun) -> None:
    clusters = built.outputs["clusters"]
    assert clusters["aws-use1"]["podCidr"] is None  # the VPC CNI: pods use the subnets
    ranges = [
        ipaddress.ip_network(c[k]) for c in clusters.values() for k in ("podCidr", "serviceCidr") if c[k]
    ]
    from skyweave import plan_hybrid_vpc

    sites = [n for p in plan_hybrid_vpc(estate(SITES)).addresses.sites.values() for n in p.cidrs]
    for i, a in enumerate(ranges):
        assert not any(a.overlaps(b) for b in ranges[i + 1 :]), a
        assert not any(a.overlaps(s) for s in sites), a


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chosen=st.lists(
        st.sampled_from([AWS, AWS2, GCP, AZ, OS]), min_size=2, max_size=5, unique_by=lambda s: s["name"]
    ),
    min_nodes=st.integers(1, 40),
    survive=st.sampled_from(["zone", "region", "site", "vendor"]),
)
def test_the_fleet_keeps_min_nodes_after_any_one_failure_it_names(
    chosen: list[dict[str, Any]], min_nodes: int, survive: str
) -> None:
    fleet = {
        "clusters": [cluster(s) for s in chosen],
        "min_nodes": min_nodes,
        "survive": survive,
        "availability": {"os-dc1": 0.999} if OS in chosen else {},
    }
    try:
        fleet_plan = plan(fleet, chosen)
    except InvalidArgsError as exc:
        # the only refusal: the sites span one domain of that kind
        assert [i.path for i in exc.issues] == ["survive"], exc
        assert len({s["vendor"] for s in chosen}) == 1 or survive != "vendor"
        return
    left = survivors(nodes_of(fleet_plan), survive)
    assert len(left) >= 2 and min(left.values()) >= min_nodes, left
    assert all(count >= 1 for c in fleet_plan.clusters for count in c.spec.nodes.values())


_BLOCKS = st.builds(
    lambda a, b, p: ipaddress.ip_network(
        (int(ipaddress.ip_address("172.16.0.0")) + (a << 20 | b << 12), p), strict=False
    ),
    st.integers(0, 15),
    st.integers(0, 255),
    st.integers(12, 24),
)


@settings(max_examples=200, deadline=None)
@given(
    reserved=st.lists(_BLOCKS, max_size=6),
    sizes=st.lists(
        st.tuples(st.one_of(st.none(), st.integers(14, 22)), st.integers(18, 26)), min_size=1, max_size=12
    ),
)
def test_planned_ranges_never_overlap_each_other_or_a_reservation(
    reserved: list[ipaddress.IPv4Network], sizes: list[tuple[int | None, int]]
) -> None:
    supernet = ipaddress.ip_network("172.16.0.0/12")
    requests = [RangeRequest(f"c{i}", f"clusters[{i}]", svc, pod) for i, (pod, svc) in enumerate(sizes)]
    try:
        got = plan_cluster_ranges(supernet, requests, [Reservation(r, "site") for r in reserved])
    except AddressSpaceExhaustedError as exc:  # the supernet is full: it says how much is missing
        assert "clusters' supernet 172.16.0.0/12 is full" in str(exc) and exc.path == "ranges.supernet", exc
        return
    ranges = [n for r in got.values() for n in (r.pod, r.service) if n is not None]
    assert len(ranges) == sum(1 + (pod is not None) for pod, _ in sizes)
    for i, a in enumerate(ranges):
        assert a.subnet_of(supernet)
        assert not any(a.overlaps(b) for b in ranges[i + 1 :]), (a, ranges)
        assert not any(a.overlaps(r) for r in reserved), (a, reserved)
    for (pod, svc), r in zip(sizes, got.values(), strict=True):
        assert r.service.prefixlen == svc and (r.pod is None) == (pod is None)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(16, 24), min_size=2, max_size=8), extra=st.integers(16, 24))
def test_a_pinned_range_never_moves_when_clusters_are_added(sizes: list[int], extra: int) -> None:
    supernet = ipaddress.ip_network("172.16.0.0/12")
    first = plan_cluster_ranges(supernet, [RangeRequest(f"c{i}", "", s) for i, s in enumerate(sizes)])
    pinned = [RangeRequest(k, "", 0, service_pin=r.service) for k, r in first.items()]
    again = plan_cluster_ranges(supernet, [RangeRequest("new", "", extra), *pinned])
    assert {k: again[k].service for k in first} == {k: r.service for k, r in first.items()}
    assert not any(again["new"].service.overlaps(r.service) for r in first.values())


def test_a_range_its_vendor_refuses_names_the_key_and_the_source() -> None:
    rule = RangeRule(12, 24, "the SDK", within=(ipaddress.IPv4Network("10.0.0.0/8"),))
    with pytest.raises(
        Exception, match=r"does not accept the service range 100\.64\.0\.0/25 \(pinned\).*the SDK"
    ):
        plan_cluster_ranges(
            ipaddress.ip_network("100.64.0.0/10"),
            [
                RangeRequest(
                    "a",
                    "clusters[0]",
                    20,
                    service_pin=ipaddress.ip_network("100.64.0.0/25"),
                    service_rule=rule,
                )
            ],
        )


@pytest.mark.parametrize(
    ("fleet", "sites", "path", "words"),
    [
        (
            {**FLEET, "clusters": [cluster(AWS), {"site": "dc-fra", "node_size": "x"}]},
            [AWS, ONPREM],
            "clusters[1].site",
            "'onprem' does not support 'kubernetes'",
        ),
        (
            {**FLEET, "clusters": [cluster(AWS), cluster(GCP), {"site": "nowhere", "node_size": "x"}]},
            SITES,
            "clusters[2].site",
            "no such site",
        ),
        (
            {**FLEET, "clusters": [cluster(AWS), cluster(AWS)]},
            SITES,
            "clusters[1].site",
            "already has a cluster",
        ),
        (
            {**FLEET, "clusters": [cluster(AWS, node_size="m6i.huge"), cluster(GCP)]},
            SITES,
            "clusters[0].node_size",
            "not an EC2 instance type",
        ),
        (
            {**FLEET, "clusters": [cluster(AWS, pod_cidr="172.20.0.0/16"), cluster(GCP)]},
            SITES,
            "clusters[0].pod_cidr",
            "Amazon EKS pods take the site's own subnet addresses",
        ),
        (
            {**FLEET, "clusters": [cluster(AWS), cluster(OS, image=None)]},
            SITES,
            "clusters[1].image",
            "required on OpenStack",
        ),
        (
            {**FLEET, "ranges": {"supernet": "10.128.0.0/9"}},
            SITES,
            "ranges.supernet",
            "overlaps the sites' supernet",
        ),
        (
            {
                **FLEET,
                "clusters": [cluster(AWS, service_cidr="172.16.0.0/26"), cluster(GCP)],
                "availability": {},
            },
            SITES,
            "clusters[0].service_cidr",
            "sizes /12 to /24",
        ),
        ({**FLEET, "availability": {}}, SITES, "availability.os-dc1", "Magnum publishes no SLA"),
        (
            {**FLEET, "clusters": [cluster(AWS), cluster(AWS2)], "availability": {}},
            [*SITES, AWS2],
            "survive",
            "cannot survive losing a vendor",
        ),
    ],
)
def test_bad_input_is_a_domain_error_naming_the_key(
    fleet: dict[str, Any], sites: list[dict[str, Any]], path: str, words: str
) -> None:
    found = issues(fleet, sites)
    assert path in found and words in found[path], found


def test_nothing_registers_when_the_fleet_is_refused() -> None:
    bad = {**FLEET, "clusters": [cluster(AWS, node_size="m6i.huge"), cluster(GCP)]}
    with pytest.raises(Exception, match=r"clusters\[0\]\.node_size"):
        build(bad)

    registered: list[str] = []

    def program() -> None:
        parsed = estate(SITES)
        net = HybridVpc("core", parsed, providers=SiteProviders(parsed.sites))
        try:
            KubernetesFleet("apps", bad, network=net)
        except InvalidArgsError:
            registered.append("refused")

    result = run(program)
    assert registered == ["refused"]
    assert not [
        r for r in result.resources if r.type.startswith(("skyweave:kubernetes", "aws:eks", "gcp:container"))
    ]
