"""A KubernetesFleet's workload (docs/kubernetes.md): one service on every cluster through the
cluster's own pulumi-kubernetes provider, its pods sized so losing the fleet's failure leaves
min_replicas (counted here by failing every vendor), its manifests valid against the Kubernetes
OpenAPI schema of the cluster's version (the kubernetes-validate package's schemas, an independent
source), behind the same health-checked DNS a MultiCloudApp builds: Route 53 alone, or Route 53 and Cloud
DNS at once, for which EKS's NLB takes an Elastic IP per zone (Cloud DNS checks IP targets only)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import kubernetes_validate
import pytest
from skyweave import InvalidArgsError
from skyweave.engine.offline import OfflineRun
from test_kubernetes_fleet import FLEET, build, plan

WORKLOAD = {
    "name": "web",
    "image": "nginx:1.27",
    "min_replicas": 6,
    "dns": {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": "web.example.com"},
}
#: The Kubernetes version whose schema the manifests are checked against: the clusters'.
VERSION = "1.31.0"
KINDS = (
    "kubernetes:apps/v1:Deployment",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:core/v1:Service",
)


@pytest.fixture(scope="module")
def built() -> OfflineRun:
    return build({**FLEET, "workload": WORKLOAD})


def objects(run: OfflineRun, token: str) -> list[Any]:
    return [r for r in run.resources if r.type == token]


def test_every_cluster_gets_the_objects_through_its_own_provider(built: OfflineRun) -> None:
    providers = {r.urn: r.name for r in built.resources if r.type == "pulumi:providers:kubernetes"}
    for token in KINDS:
        found = objects(built, token)
        assert sorted(r.name.split("-")[2] for r in found) == ["aws", "azure", "gcp", "os"], token
        for r in found:
            site = r.name.removeprefix(f"apps-{r.name.split('-')[1]}-").removesuffix("-web")
            assert providers[r.provider] == f"apps-k8s-{site}", (r.name, r.provider)


@pytest.mark.parametrize("token", KINDS)
def test_the_manifests_validate_against_the_kubernetes_schema(built: OfflineRun, token: str) -> None:
    for r in objects(built, token):
        kubernetes_validate.validate(r.inputs, VERSION, strict=True)


def test_the_schema_check_can_fail() -> None:
    bad = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "two"},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, VERSION, strict=True)


def test_pods_spread_over_zones_and_survive_losing_any_vendor(built: OfflineRun) -> None:
    replicas: dict[str, int] = {}
    for r in objects(built, "kubernetes:apps/v1:Deployment"):
        spec = r.inputs["spec"]
        (spread,) = spec["template"]["spec"]["topologySpreadConstraints"]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone"
        assert spread["whenUnsatisfiable"] == "DoNotSchedule" and spread["maxSkew"] == 1
        assert spread["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
        (container,) = spec["template"]["spec"]["containers"]
        assert container["resources"]["requests"] == {"cpu": "250m", "memory": "256Mi"}
        replicas[r.name] = spec["replicas"]
    vendors: dict[str, int] = defaultdict(int)
    for name, count in replicas.items():
        vendors[name.split("-")[2]] += count
    total = sum(vendors.values())
    assert min(total - n for n in vendors.values()) >= WORKLOAD["min_replicas"], vendors
    for r in objects(built, "kubernetes:policy/v1:PodDisruptionBudget"):
        assert r.inputs["spec"]["maxUnavailable"] == 1


def test_each_load_balancer_is_behind_the_health_checked_dns(built: OfflineRun) -> None:
    services = {
        r.name.removeprefix("apps-service-").removesuffix("-web"): r for r in objects(built, KINDS[2])
    }
    assert services["aws-use1"].inputs["metadata"]["annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"
    }
    records = {r.inputs["setIdentifier"]: r for r in built.resources if r.type == "aws:route53/record:Record"}
    checks = {r.name: r for r in built.resources if r.type == "aws:route53/healthCheck:HealthCheck"}
    assert set(records) == set(services)
    for site, record in records.items():
        assert record.inputs["name"] == "web.example.com"
        check = checks[f"apps-dns-check-{site}"]
        assert check.inputs["resourcePath"] == "/healthz" and check.inputs["port"] == 80
        if site == "aws-use1":  # an NLB's name: an alias in the region's NLB zone
            (alias,) = record.inputs["aliases"]
            assert alias["name"] == check.inputs["fqdn"] and alias["zoneId"]
        else:
            assert record.inputs["records"] == [check.inputs["ipAddress"]]
    outputs = built.component_outputs[
        next(r.urn for r in built.resources if r.type == "skyweave:kubernetes:KubernetesFleet")
    ]
    assert outputs["workload"]["dnsName"] == "web.example.com"
    assert outputs["workload"]["dnsVendors"] == ["aws"]
    assert set(outputs["workloadAddresses"]) == set(services)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"name": "Web"}, "workload.name", "should match pattern"),
        ({"cpu": "a lot"}, "workload.cpu", "should match pattern"),
        ({"min_replicas": 0}, "workload.min_replicas", "greater than or equal to 1"),
        (
            {"dns": {**WORKLOAD["dns"], "routing": "failover"}},
            "workload.dns",
            "exactly 2 sites",
        ),
    ],
)
def test_bad_workload_input_names_the_key(change: dict[str, Any], path: str, words: str) -> None:
    from pydantic import ValidationError

    fleet = {**FLEET, "workload": {**WORKLOAD, **change}}
    with pytest.raises((InvalidArgsError, ValidationError)) as caught:
        plan(fleet)
    text = str(caught.value)
    assert path.split(".")[-1] in text and words in text, text


def test_the_docs_workload_block_plans() -> None:
    """docs/kubernetes.md's `workload` example, planned on this file's fleet."""
    import yaml
    from test_kubernetes_docs import block

    shown = yaml.safe_load(block("yaml", "## One service on every cluster"))["workload"]
    planned = plan({**FLEET, "workload": shown}).workload
    assert planned is not None and planned.dns_record == "api.example.com"
    assert sum(s.replicas for s in planned.specs.values()) >= shown["min_replicas"]


def test_simulate_fails_the_pods_and_their_dns_with_every_vendor(built: OfflineRun) -> None:
    """The workload's pods are a row of their own in simulate, read back from the fleet's outputs:
    every vendor's loss leaves min_replicas pods, and the name, in Route 53 only, is lost with AWS
    (a workload that must survive a vendor needs its name on two DNS vendors)."""
    from skyweave.estate.simulate import estate_from_components, simulate_estate

    estate = estate_from_components([r.as_dict() for r in built.resources], built.component_outputs)
    (pods,) = [w for w in estate.workloads if w.kind == "pods"]
    assert (pods.name, pods.min_healthy, pods.dns_record, pods.dns_vendors) == (
        "apps/web",
        6,
        "web.example.com",
        ("aws",),
    )
    for failure in simulate_estate(estate).failures:
        if failure.kind.value != "vendor":
            continue
        (row,) = failure.services
        assert row.remaining >= 6, failure.domain
        assert row.survived == (failure.domain != "aws"), failure.domain
        assert failure.as_dict()["services"][0]["workload"] == "apps/web"


#: The workload's name served by Route 53 and Cloud DNS at once (as prod's is).
BOTH = {**WORKLOAD["dns"], "also_served_by": [{"vendor": "gcp", "zone": "example-com"}]}
EIP = "aws:ec2/eip:Eip"


def eip_outputs(run: OfflineRun, r: Any) -> dict[str, Any]:
    """What the offline run handed the program for an Elastic IP (the AWS driver's stand-in)."""
    from skyweave.drivers.aws.preview import preview_outputs

    return preview_outputs(r.type, r.name, r.inputs)


@pytest.fixture(scope="module")
def both() -> OfflineRun:
    return build({**FLEET, "workload": {**WORKLOAD, "dns": BOTH}})


def test_cloud_dns_gives_the_eks_load_balancer_an_elastic_ip_per_public_subnet(both: OfflineRun) -> None:
    """The allocation ids the EKS Service names are exactly those of the Elastic IPs made for it,
    one per public subnet of the site's VPC: the built-in cloud provider spans one public subnet
    per zone and refuses a count unlike its subnets' (kubernetes/cloud-provider-aws)."""
    eips = {r.name: r for r in both.resources if r.type == EIP and r.name.startswith("apps-lb-ip-")}
    assert sorted(eips) == [f"apps-lb-ip-aws-use1-web-{z}" for z in "abc"]
    public = [
        r
        for r in both.resources
        if r.type == "aws:ec2/subnet:Subnet"
        and "-aws-use1-" in r.name
        and r.inputs.get("mapPublicIpOnLaunch")
    ]
    assert len(public) == len(eips) == 3
    allocations = {eip_outputs(both, r)["allocationId"] for r in eips.values()}
    services = {r.name: r for r in objects(both, KINDS[2])}
    annotations = services["apps-service-aws-use1-web"].inputs["metadata"]["annotations"]
    named = annotations.pop("service.beta.kubernetes.io/aws-load-balancer-eip-allocations")
    assert set(named.split(",")) == allocations
    assert annotations == {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
    }
    for r in eips.values():
        assert r.inputs["domain"] == "vpc"
    # GKE's takes a regional static address reserved for it (spec.loadBalancerIP), which outlives
    # the Service; AKS's and Magnum's report their fixed IP in the Service's status.
    from skyweave.drivers.gcp.preview import preview_outputs as gcp_outputs

    (reserved,) = [
        r for r in both.resources if r.type == "gcp:compute/address:Address" and "-lb-ip-" in r.name
    ]
    assert reserved.name == "apps-lb-ip-gcp-euw1-web"
    assert (reserved.inputs["region"], reserved.inputs["addressType"]) == ("europe-west1", "EXTERNAL")
    gke = services["apps-service-gcp-euw1-web"].inputs
    assert (
        gke["spec"]["loadBalancerIP"] == gcp_outputs(reserved.type, reserved.name, reserved.inputs)["address"]
    )
    for name, r in services.items():
        if name != "apps-service-aws-use1-web":
            assert "annotations" not in r.inputs["metadata"], name
        if name not in ("apps-service-gcp-euw1-web",):
            assert "loadBalancerIP" not in r.inputs["spec"], name


def test_the_public_subnets_are_tagged_for_load_balancers(both: OfflineRun) -> None:
    subnets = [r for r in both.resources if r.type == "aws:ec2/subnet:Subnet"]
    assert subnets
    for r in subnets:
        public = bool(r.inputs.get("mapPublicIpOnLaunch"))
        assert (r.inputs["tags"].get("kubernetes.io/role/elb") == "1") == public, r.name
        assert not any(k.startswith("kubernetes.io/cluster/") for k in r.inputs["tags"]), r.name


def test_the_reserved_addresses_and_subnets_match_the_sdk_declarations(both: OfflineRun) -> None:
    from conformance.sdk_declarations import check_inputs

    kinds = {EIP, "aws:ec2/subnet:Subnet", "gcp:compute/address:Address"}
    mine = [r for r in both.resources if r.type in kinds]
    assert {r.type for r in mine} == kinds
    for r in mine:
        assert check_inputs(r.type, r.inputs) == [], r.name


@pytest.mark.parametrize("token", KINDS)
def test_the_manifests_with_fixed_addresses_validate_against_the_schema(both: OfflineRun, token: str) -> None:
    for r in objects(both, token):
        kubernetes_validate.validate(r.inputs, VERSION, strict=True)


def test_both_dns_providers_health_check_every_cluster_at_fixed_addresses(both: OfflineRun) -> None:
    eips = sorted(
        (r.name, eip_outputs(both, r)["publicIp"])
        for r in both.resources
        if r.type == EIP and r.name.startswith("apps-lb-ip-")
    )
    fixed = [ip for _, ip in eips]
    records = {r.inputs["setIdentifier"]: r for r in both.resources if r.type == "aws:route53/record:Record"}
    checks = {r.name: r for r in both.resources if r.type == "aws:route53/healthCheck:HealthCheck"}
    assert len(records) == len(checks) == 4
    aws_record = records["aws-use1"].inputs
    assert "aliases" not in aws_record and aws_record["records"] == fixed
    assert checks["apps-dns-check-aws-use1"].inputs["ipAddress"] == fixed[0]
    for site, record in records.items():
        check = checks[f"apps-dns-check-{site}"].inputs
        assert "fqdn" not in check and check["ipAddress"] in record.inputs["records"], site
    (record_set,) = [r for r in both.resources if r.type == "gcp:dns/recordSet:RecordSet"]
    (google_check,) = [r for r in both.resources if r.type == "gcp:compute/healthCheck:HealthCheck"]
    assert google_check.inputs["httpHealthCheck"] == {"port": 80, "requestPath": "/healthz"}
    items = record_set.inputs["routingPolicy"]["wrrs"]
    served = sorted(tuple(i["healthCheckedTargets"]["externalEndpoints"]) for i in items)
    assert served == sorted(tuple(r.inputs["records"]) for r in records.values())
    outputs = both.component_outputs[
        next(r.urn for r in both.resources if r.type == "skyweave:kubernetes:KubernetesFleet")
    ]
    assert outputs["workload"]["dnsVendors"] == ["aws", "gcp"]
    assert outputs["workloadAddresses"]["aws-use1"] == fixed[0]


def _findings(run: OfflineRun, rule: str) -> list[Any]:
    from skyweave.policy import rule_by_name
    from test_policy_azure import estate_of

    return list(rule_by_name(rule).run_stack(estate_of(run), None))


SURVIVES = "skyweave-redundancy-survives-vendor-loss"
APP_DNS = "skyweave-redundancy-app-dns-survives-vendor-loss"


def test_the_pack_counts_every_cluster_behind_the_workloads_dns(both: OfflineRun) -> None:
    """Its records reach every cluster's nodes (EKS node groups, GKE node pools, AKS's pools in the
    cluster itself, Magnum's) through the Service, which comes after them: the fleet keeps its
    min_nodes after losing any vendor, counted by the pack from the records' targets."""
    from skyweave.policy.facts import facts
    from test_policy_azure import estate_of

    index = estate_of(both)
    (fleet,) = index.of_type("skyweave:kubernetes:KubernetesFleet")
    (service,) = [s for s in facts(index).services if s.urn == fleet.urn]
    assert service.unreached == []
    assert {u.kind for u in service.units} >= {"EKS node group", "GKE node pool", "AKS node pool"}
    # A Service is on no vendor of its own: its targets are on the vendors of the nodes behind them.
    estate = facts(index)
    assert estate.target_vendors(estate.dns["web.example.com"]) == {"aws", "gcp", "azure", "openstack"}
    assert [f for f in _findings(both, SURVIVES) if f.urn == fleet.urn] == []
    assert _findings(both, APP_DNS) == []


def test_the_pack_flags_a_workload_behind_route53_only(built: OfflineRun) -> None:
    """The config variant with Route 53 alone: losing AWS loses the name of a workload whose fleet
    says survive: vendor, which the mandatory rule refuses."""
    (finding,) = _findings(built, APP_DNS)
    assert "web.example.com is served by Route 53 (AWS) only" in finding.message


def test_prods_workload_and_its_name_survive_losing_any_vendor() -> None:
    """prod's `api` (issue 27's done-when): served by Route 53 and Cloud DNS, its pods and its name
    outlive every vendor even when losing a DNS vendor counts as losing its records (--strict-dns)."""
    from conftest import stack_raw
    from skyweave.estate.config import parse_stack_config
    from skyweave.estate.simulate import simulate

    config = parse_stack_config(stack_raw("prod"), source="stacks/Pulumi.prod.yaml", stack="prod")
    report = simulate(config, strict_dns=True)
    vendors = [f for f in report.failures if f.kind.value == "vendor"]
    assert {f.domain for f in vendors} >= {"aws", "gcp", "azure"}
    for failure in vendors:
        (row,) = [s for s in failure.services if s.app == "apps/api"]
        assert row.dns_record == "api.example.com" and not row.dns_provider_failed, failure.domain
        assert row.remaining >= 6 and row.survived and row.healthy_targets, (failure.domain, row)


def test_the_plan_says_how_dns_reaches_each_cluster() -> None:
    """The kind a unit's DNS reads for a cluster it does not build: an IP for EKS once DNS needs
    fixed addresses (its Elastic IPs), its NLB's name otherwise; the others' IPs either way."""
    alone = plan({**FLEET, "workload": WORKLOAD}).workload
    both_ = plan({**FLEET, "workload": {**WORKLOAD, "dns": BOTH}}).workload
    assert alone is not None and both_ is not None
    assert {s: k.value for s, k in alone.kinds.items()} == {
        "aws-use1": "hostname",
        "gcp-euw1": "ip",
        "azure-weu1": "ip",
        "os-dc1": "ip",
    }
    assert {k.value for k in both_.kinds.values()} == {"ip"} and both_.fixed and not alone.fixed
