"""Kubernetes clusters in the policy pack and in simulate (docs/kubernetes.md).

The readers see node groups and pools as compute by zone, so the pack's own count of a
KubernetesFleet's nodes — read from the SDK-shaped resources, not from the component — must equal
what the fleet claims, and survive what it says it survives. Hand-built plans fail the cluster
rules through the real Analyzer protocol: a zonal GKE cluster, node pools in one zone (EKS, GKE,
AKS), an AKS Free tier cluster, a Magnum cluster with one master. ``simulate`` fails every vendor,
region and zone with the fleet's nodes in its table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import res, wire
from skyweave.engine.analyzer import PolicyPackProcess
from skyweave.estate.simulate import estate_from_components, report_rows, simulate_estate
from skyweave.policy import Resource, rule_by_name
from skyweave.policy.facts import facts
from test_kubernetes_fleet import FLEET, build
from test_policy_azure import estate_of

ROOT = Path(__file__).resolve().parent.parent
ZONES = "skyweave-redundancy-kubernetes-cluster-zones"
TIER = "skyweave-redundancy-aks-standard-tier"
FLEET_TOKEN = "skyweave:kubernetes:KubernetesFleet"


@pytest.fixture(scope="module")
def fleet_run() -> Any:
    return build(FLEET)


def test_the_pack_counts_the_fleets_nodes_as_it_claims_them(fleet_run: Any) -> None:
    index = estate_of(fleet_run)
    estate = facts(index)
    (fleet,) = index.of_type(FLEET_TOKEN)
    counted: Counter[tuple[str, str]] = Counter()
    for unit in estate.units_by_owner[fleet.urn]:
        assert unit.unknown is None, unit
        for zone, n in unit.zones:
            counted[unit.site, zone] += n
    claimed = Counter({(p.site, p.zone): p.count for p in index.placements[fleet.urn] if p.count})
    assert counted == claimed
    kinds = {u.kind for u in estate.units_by_owner[fleet.urn]}
    assert kinds == {
        "EKS node group",
        "GKE node pool",
        "AKS node pool",
        "Magnum cluster",
        "Magnum node group",
    }


def test_the_fleet_passes_the_cluster_claims_and_survival_rules(fleet_run: Any) -> None:
    index = estate_of(fleet_run)
    (fleet,) = index.of_type(FLEET_TOKEN)
    clusters = {r.urn for r in index.resources if r.type.endswith(("/cluster:Cluster", ":ManagedCluster"))}
    for name in (ZONES, "skyweave-redundancy-claims-backed", "skyweave-redundancy-survives-vendor-loss"):
        findings = [f for f in rule_by_name(name).run_stack(index, None) if f.urn in {fleet.urn, *clusters}]
        assert findings == [], (name, findings)
    aks = [r for r in index.of_type("azure-native:containerservice:ManagedCluster")]
    assert aks and all(rule_by_name(TIER).run_resource(r, None) == [] for r in aks)


def test_simulate_fails_every_vendor_region_and_zone_with_the_fleet(fleet_run: Any) -> None:
    estate = estate_from_components([r.as_dict() for r in fleet_run.resources], fleet_run.component_outputs)
    (workload,) = [w for w in estate.workloads if w.kind == "cluster"]
    assert (workload.name, workload.min_healthy, workload.survive.value) == ("apps", 6, "vendor")
    report = simulate_estate(estate)
    kinds = Counter(f.kind.value for f in report.failures)
    assert kinds["vendor"] == 4 and kinds["zone"] >= 10
    for failure in report.failures:
        (outcome,) = failure.clusters
        assert outcome.survived, (failure.kind, failure.domain, outcome)
        assert failure.as_dict()["clusters"][0]["fleet"] == "apps"
    assert any(row[1] == "apps (fleet)" for row in report_rows(report))


# -- hand-built plans through the real Analyzer protocol ----------------------------------------------


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="proj", stack="test") as process:
        process.configure({})
        yield process


def _stack(pack: PolicyPackProcess, resources: list[Resource]) -> list[str]:
    return [d.message for d in pack.analyze_stack([wire(r) for r in resources]) if d.policy_name == ZONES]


def _providers() -> list[Resource]:
    return [
        res("pulumi:providers:gcp", "gcp-euw1", {"region": "europe-west1", "project": "p"}),
        res("pulumi:providers:azure-native", "azure-weu1", {"location": "westeurope"}),
        res("pulumi:providers:aws", "aws-use1", {"region": "us-east-1"}),
        res("pulumi:providers:openstack", "os-dc1", {"region": "RegionOne"}),
    ]


def _gke(location: str, pools: list[list[str]]) -> list[Resource]:
    cluster = res("gcp:container/cluster:Cluster", "gke", {"location": location}, site="gcp-euw1")
    return [
        cluster,
        *(
            res(
                "gcp:container/nodePool:NodePool",
                f"pool-{i}",
                {"location": location, "nodeLocations": zones, "nodeCount": 2},
                site="gcp-euw1",
                prop_deps={"cluster": [cluster.urn]},
            )
            for i, zones in enumerate(pools)
        ),
    ]


def test_a_zonal_gke_cluster_and_one_zone_of_pools_fail(pack: PolicyPackProcess) -> None:
    base = _providers()
    assert _stack(pack, [*base, *_gke("europe-west1", [["europe-west1-b"], ["europe-west1-c"]])]) == []
    zonal = _stack(pack, [*base, *_gke("europe-west1-b", [["europe-west1-b"]])])
    assert len(zonal) == 2
    assert any("is zonal (location europe-west1-b)" in m for m in zonal)
    assert any("nodes in europe-west1-b only" in m for m in zonal)


def _aks(pools: list[tuple[str, list[str]]], tier: str | None = "Standard") -> Resource:
    props: dict[str, Any] = {
        "location": "westeurope",
        "agentPoolProfiles": [
            {"name": name, "count": 2, "availabilityZones": zones, "mode": "System"} for name, zones in pools
        ],
    }
    if tier is not None:
        props["sku"] = {"name": "Base", "tier": tier}
    return res("azure-native:containerservice:ManagedCluster", "aks", props, site="azure-weu1")


def test_aks_pools_in_one_zone_fail_and_a_pool_per_zone_passes(pack: PolicyPackProcess) -> None:
    base = _providers()
    assert _stack(pack, [*base, _aks([("zone1", ["1"]), ("zone2", ["2"])])]) == []
    (one,) = _stack(pack, [*base, _aks([("zone1", ["1"]), ("more", ["1"])])])
    assert "zone 1 only" in one
    (unzoned,) = _stack(pack, [*base, _aks([("pool", [])])])
    assert "no availability zone" in unzoned


def test_an_aks_free_tier_cluster_fails(pack: PolicyPackProcess) -> None:
    def tier_findings(cluster: Resource) -> list[str]:
        return [d.message for d in pack.analyze(wire(cluster)) if d.policy_name == TIER]

    assert tier_findings(_aks([("zone1", ["1"]), ("zone2", ["2"])])) == []
    (free,) = tier_findings(_aks([("zone1", ["1"])], tier="Free"))
    assert "sku.tier is 'Free'" in free
    (unset,) = tier_findings(_aks([("zone1", ["1"])], tier=None))
    assert "unset (AKS then uses Free)" in unset


def _eks(zones: list[str]) -> list[Resource]:
    cluster = res(
        "aws:eks/cluster:Cluster", "eks", {"vpcConfig": {"endpointPublicAccess": False}}, site="aws-use1"
    )
    out: list[Resource] = [cluster]
    for i, zone in enumerate(zones):
        subnet = res("aws:ec2/subnet:Subnet", f"subnet-{i}", {"availabilityZone": zone}, site="aws-use1")
        group = res(
            "aws:eks/nodeGroup:NodeGroup",
            f"nodes-{i}",
            {"scalingConfig": {"minSize": 2, "maxSize": 2, "desiredSize": 2}},
            site="aws-use1",
            prop_deps={"clusterName": [cluster.urn], "subnetIds": [subnet.urn]},
        )
        out += [subnet, group]
    return out


def test_eks_node_groups_in_one_zone_fail(pack: PolicyPackProcess) -> None:
    base = _providers()
    assert _stack(pack, [*base, *_eks(["us-east-1a", "us-east-1b"])]) == []
    (one,) = _stack(pack, [*base, *_eks(["us-east-1a", "us-east-1a"])])
    assert "EKS cluster 'eks' has its nodes in zone us-east-1a only" in one


def test_a_magnum_cluster_with_one_master_fails(pack: PolicyPackProcess) -> None:
    base = _providers()

    def magnum(masters: int | None) -> Resource:
        props = {"nodeCount": 2, **({"masterCount": masters} if masters is not None else {})}
        return res("openstack:containerinfra/cluster:Cluster", "magnum", props, site="os-dc1")

    assert _stack(pack, [*base, magnum(3)]) == []
    (one,) = _stack(pack, [*base, magnum(1)])
    assert "masterCount 1" in one
    (unset,) = _stack(pack, [*base, magnum(None)])
    assert "unset (Magnum then creates one)" in unset


API = "skyweave-security-kubernetes-api-not-public"


def _api(pack: PolicyPackProcess, cluster: Resource) -> list[str]:
    return [d.message for d in pack.analyze(wire(cluster)) if d.policy_name == API]


def test_a_gke_or_aks_api_open_to_the_world_fails(pack: PolicyPackProcess) -> None:
    def gke(props: dict[str, Any]) -> Resource:
        return res(
            "gcp:container/cluster:Cluster", "gke", {"location": "europe-west1", **props}, site="gcp-euw1"
        )

    estate = {"masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "10.0.0.0/8"}]}}
    assert _api(pack, gke(estate)) == []
    assert _api(pack, gke({"privateClusterConfig": {"enablePrivateEndpoint": True}})) == []
    (unset,) = _api(pack, gke({}))
    assert "lists no network" in unset
    (world,) = _api(
        pack, gke({"masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]}})
    )
    assert "admits 0.0.0.0/0" in world

    private = _aks([("zone1", ["1"]), ("zone2", ["2"])])
    private.props["apiServerAccessProfile"] = {"enablePrivateCluster": True}
    assert _api(pack, private) == []
    listed = _aks([("zone1", ["1"])])
    listed.props["apiServerAccessProfile"] = {"authorizedIPRanges": ["198.51.100.0/24"]}
    assert _api(pack, listed) == []
    (open_,) = _api(pack, _aks([("zone1", ["1"])]))
    assert "authorizedIPRanges are unset" in open_


def test_the_fleets_apis_are_not_public(fleet_run: Any) -> None:
    index = estate_of(fleet_run)
    clusters = [
        *index.of_type("gcp:container/cluster:Cluster"),
        *index.of_type("azure-native:containerservice:ManagedCluster"),
    ]
    assert len(clusters) == 2
    assert all(rule_by_name(API).run_resource(r, None) == [] for r in clusters)


SECRETS = "skyweave-security-kubernetes-secrets-encrypted"


def _secrets(pack: PolicyPackProcess, cluster: Resource) -> list[str]:
    return [d.message for d in pack.analyze(wire(cluster)) if d.policy_name == SECRETS]


def test_gke_and_aks_secrets_not_encrypted_with_a_key_of_yours_are_flagged(pack: PolicyPackProcess) -> None:
    """The SDKs' words: GKE ``databaseEncryption.state`` "`ENCRYPTED` or `DECRYPTED`" with
    ``keyName``; AKS ``securityProfile.azureKeyVaultKms.enabled`` ("the default is false") with
    ``keyId`` ("required" when enabled). Advisory, as EKS's rule: both vendors encrypt etcd at rest
    with a key of their own."""

    def gke(props: dict[str, Any]) -> Resource:
        return res(
            "gcp:container/cluster:Cluster", "gke", {"location": "europe-west1", **props}, site="gcp-euw1"
        )

    key = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
    assert _secrets(pack, gke({"databaseEncryption": {"state": "ENCRYPTED", "keyName": key}})) == []
    (unset,) = _secrets(pack, gke({}))
    assert "databaseEncryption.state is unset" in unset
    (off,) = _secrets(pack, gke({"databaseEncryption": {"state": "DECRYPTED"}}))
    assert "'DECRYPTED'" in off

    aks = _aks([("zone1", ["1"]), ("zone2", ["2"])])
    (plain,) = _secrets(pack, aks)
    assert "azureKeyVaultKms is not enabled" in plain
    aks.props["securityProfile"] = {
        "azureKeyVaultKms": {"enabled": True, "keyId": "https://v.vault.azure.net/keys/k/0123"}
    }
    assert _secrets(pack, aks) == []
    levels = {d.enforcement_level for d in pack.analyze(wire(gke({}))) if d.policy_name == SECRETS}
    assert levels == {"advisory"}


def test_the_fleets_clusters_pass_the_secrets_rule(fleet_run: Any) -> None:
    index = estate_of(fleet_run)
    clusters = [
        *index.of_type("gcp:container/cluster:Cluster"),
        *index.of_type("azure-native:containerservice:ManagedCluster"),
    ]
    assert len(clusters) == 2
    assert all(rule_by_name(SECRETS).run_resource(r, None) == [] for r in clusters)


def test_the_fleets_gke_cluster_encrypts_secrets_with_a_key_of_the_estates(fleet_run: Any) -> None:
    """GKE's application-layer secrets encryption: a regional key in the cluster's region, granted
    to the project's GKE service agent ("Encrypt secrets at the application layer"), rotating and
    protected as the pack's key rules ask."""
    index = estate_of(fleet_run)
    (gke,) = index.of_type("gcp:container/cluster:Cluster")
    assert rule_by_name(SECRETS).run_resource(gke, None) == []
    (key,) = index.of_type("gcp:kms/cryptoKey:CryptoKey")
    assert gke.props["databaseEncryption"]["keyName"]
    assert rule_by_name("skyweave-security-kms-key-rotation").run_resource(key, None) == []
    (grant,) = [r for r in fleet_run.resources if r.type == "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"]
    (cluster,) = [r for r in fleet_run.resources if r.type == "gcp:container/cluster:Cluster"]
    assert grant.urn in cluster.dependencies  # granted before the cluster uses it
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant.inputs["member"].endswith("@container-engine-robot.iam.gserviceaccount.com")
    (ring,) = [r for r in fleet_run.resources if r.type == "gcp:kms/keyRing:KeyRing"]
    assert ring.inputs["location"] == "europe-west1" and ring.protect
    (kms,) = [r for r in fleet_run.resources if r.type == "gcp:kms/cryptoKey:CryptoKey"]
    assert kms.protect


SPREAD = "skyweave-redundancy-kubernetes-workload-spread"
ZONE_KEY = "topology.kubernetes.io/zone"  # Kubernetes' well-known zone label


def _deployment(replicas: int, spread: dict[str, Any] | None, cluster: str = "k8s-a") -> Resource:
    labels = {"app.kubernetes.io/name": "web"}
    pod: dict[str, Any] = {"containers": [{"name": "web", "image": "nginx:1.27"}]}
    if spread is not None:
        pod["topologySpreadConstraints"] = [spread]
    props = {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }
    return res("kubernetes:apps/v1:Deployment", f"web-{cluster}", props, site=cluster)


def _budget(cluster: str = "k8s-a", selector: str = "web") -> Resource:
    props = {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": selector}}},
    }
    return res("kubernetes:policy/v1:PodDisruptionBudget", f"pdb-{cluster}-{selector}", props, site=cluster)


def _spread_findings(pack: PolicyPackProcess, resources: list[Resource]) -> list[str]:
    return [d.message for d in pack.analyze_stack([wire(r) for r in resources]) if d.policy_name == SPREAD]


def test_a_deployment_without_zone_spread_or_budget_fails(pack: PolicyPackProcess) -> None:
    zone = {
        "maxSkew": 1,
        "topologyKey": ZONE_KEY,
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
    }
    assert _spread_findings(pack, [_deployment(3, zone), _budget()]) == []
    assert _spread_findings(pack, [_deployment(1, None)]) == []  # one pod cannot spread
    (unspread,) = _spread_findings(pack, [_deployment(3, None), _budget()])
    assert f"no topology spread constraint on {ZONE_KEY}" in unspread
    (lenient,) = _spread_findings(
        pack, [_deployment(3, {**zone, "whenUnsatisfiable": "ScheduleAnyway"}), _budget()]
    )
    assert "DoNotSchedule" in lenient
    (by_host,) = _spread_findings(
        pack, [_deployment(3, {**zone, "topologyKey": "kubernetes.io/hostname"}), _budget()]
    )
    assert ZONE_KEY in by_host
    # a budget of another cluster, or selecting other pods, does not cover the Deployment
    (elsewhere,) = _spread_findings(pack, [_deployment(3, zone), _budget(cluster="k8s-b")])
    assert "no PodDisruptionBudget" in elsewhere
    (other,) = _spread_findings(pack, [_deployment(3, zone), _budget(selector="api")])
    assert "no PodDisruptionBudget" in other


def test_the_fleets_workload_passes_the_spread_rule_and_nothing_is_unjudged() -> None:
    """The workload a fleet places (tests/test_kubernetes_workload.py's) passes, and the pack
    judges the kubernetes package now: its coverage rule names nothing."""
    from test_kubernetes_workload import WORKLOAD

    index = estate_of(build({**FLEET, "workload": WORKLOAD}))
    assert len(index.of_type("kubernetes:apps/v1:Deployment")) == 4
    assert rule_by_name(SPREAD).run_stack(index, None) == []
    assert rule_by_name("skyweave-coverage-unjudged").run_stack(index, None) == []
