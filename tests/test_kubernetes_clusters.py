"""The cluster service of the driver contract (docs/kubernetes.md): EKS, GKE, AKS and Magnum built
through ``ClusterService`` on a HybridVpc, checked against the installed provider SDKs'
declarations (their argument names, types, documented values and enums), never skyweave's own
constants; a vendor without the service refuses, naming it."""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conformance.sdk_declarations import check_inputs
from conftest import run
from skyweave import HybridVpc, HybridVpcArgs, SiteProviders
from skyweave.core.errors import UnsupportedCapabilityError
from skyweave.drivers.clusters import ClusterSpec
from skyweave.drivers.registry import get_driver, offering
from skyweave.drivers.services import ClusterService, service
from skyweave.engine.offline import OfflineRun

SUB = "11111111-2222-4333-8444-555555555555"
AWS = {
    "name": "aws-use1",
    "vendor": "aws",
    "region": "us-east-1",
    "zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
AZ = {"name": "azure-weu1", "vendor": "azure", "region": "westeurope", "subscription_id": SUB}
OS = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "zones": ["az1", "az2"]}
SITES = [AWS, GCP, AZ, OS]
SIZES = {"aws": "m6i.large", "gcp": "e2-standard-4", "azure": "Standard_D4s_v5", "openstack": "m1.large"}
POD = {"gcp": "10.128.0.0/14", "azure": "10.132.0.0/14", "openstack": "10.136.0.0/14"}
SERVICE = {
    "aws": "10.140.0.0/20",
    "gcp": "10.140.16.0/20",
    "azure": "10.140.32.0/20",
    "openstack": "10.140.48.0/20",
}


def spec(site: Any, **overrides: Any) -> ClusterSpec:
    nodes = {zone: 2 + i for i, zone in enumerate(site.zones)}
    fields: dict[str, Any] = {
        "nodes": nodes,
        "node_size": SIZES[site.vendor],
        "service_cidr": SERVICE[site.vendor],
        "pod_cidr": POD.get(site.vendor),
        "image": "fedora-coreos-40" if site.vendor == "openstack" else None,
        "api_cidrs": ("10.0.0.0/16",),
    }
    return ClusterSpec(**{**fields, **overrides})


def build(sites: list[dict[str, Any]] = SITES) -> OfflineRun:
    def program() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        parent = pulumi.ComponentResource("test:k8s:Clusters", "fleet")
        from skyweave.drivers.base import SiteContext

        for site in parsed.sites:
            clusters = service(get_driver(site.vendor), ClusterService, needed_for="a test cluster")
            ctx = SiteContext("fleet", parent, site, providers[site.name], {"team": "platform"})
            handle = clusters.create_cluster(ctx, net.site_networks[site.name], spec(site))
            pulumi.export(f"kubeconfig-{site.name}", handle.kubeconfig)
            # What the kubeconfig says, for the tests below only (a program keeps it a secret).
            pulumi.export(f"reveal-{site.name}", pulumi.Output.unsecret(handle.kubeconfig))
            pulumi.export(f"endpoint-{site.name}", handle.endpoint)

    return run(program)


@pytest.fixture(scope="module")
def built() -> OfflineRun:
    return build()


def by_type(result: OfflineRun, token: str) -> list[Any]:
    return [r for r in result.resources if r.type == token]


def test_every_cluster_input_matches_the_sdk_declarations(built: OfflineRun) -> None:
    packages = {"aws", "gcp", "azure-native", "openstack"}
    mine = [r for r in built.resources if r.custom and r.package in packages and "-vpc-" not in r.name]
    kinds = {r.type for r in mine}
    assert {
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "gcp:container/cluster:Cluster",
        "gcp:container/nodePool:NodePool",
        "azure-native:containerservice:ManagedCluster",
        "openstack:containerinfra/cluster:Cluster",
        "openstack:containerinfra/clusterTemplate:ClusterTemplate",
        "openstack:containerinfra/nodeGroup:NodeGroup",
    } <= kinds
    problems = [f"{r.name} ({r.type}): {p}" for r in mine for p in check_inputs(r.type, r.inputs)]
    assert not problems, "\n".join(problems)


def test_clusters_hold_state_and_are_protected(built: OfflineRun) -> None:
    (key,) = by_type(built, "aws:kms/key:Key")  # EKS's secrets key: losing it loses the secrets
    assert key.protect and key.inputs["enableKeyRotation"] is True
    for token in (
        "aws:eks/cluster:Cluster",
        "gcp:container/cluster:Cluster",
        "azure-native:containerservice:ManagedCluster",
        "openstack:containerinfra/cluster:Cluster",
    ):
        (cluster,) = by_type(built, token)
        assert cluster.protect, token


def test_eks_spans_the_zones_with_a_node_group_per_zone_and_a_private_endpoint(built: OfflineRun) -> None:
    (cluster,) = by_type(built, "aws:eks/cluster:Cluster")
    vpc = cluster.inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is False and vpc["endpointPrivateAccess"] is True
    assert len(vpc["subnetIds"]) == 3
    assert cluster.inputs["kubernetesNetworkConfig"]["serviceIpv4Cidr"] == SERVICE["aws"]
    assert cluster.inputs["encryptionConfig"]["resources"] == ["secrets"]
    groups = sorted(by_type(built, "aws:eks/nodeGroup:NodeGroup"), key=lambda r: r.name)
    assert [g.inputs["scalingConfig"]["desiredSize"] for g in groups] == [2, 3, 4]
    assert all(len(g.inputs["subnetIds"]) == 1 for g in groups)
    assert len({g.inputs["subnetIds"][0] for g in groups}) == 3
    assert {g.inputs["instanceTypes"][0] for g in groups} == {"m6i.large"}


def test_eks_service_range_rule_is_the_sdks() -> None:
    """The service range sizes and blocks EKS accepts, as the SDK's docstring states them."""
    import pulumi_aws

    text = (Path(pulumi_aws.__file__).parent / "eks" / "_inputs.py").read_text()
    doc = text[text.index(":param pulumi.Input[_builtins.str] service_ipv4_cidr:") :][:1500]
    low, high = map(int, re.search(r"Between /(\d+) and /(\d+)", doc).groups())  # type: ignore[union-attr]
    blocks = set(re.findall(r"\d+\.\d+\.\d+\.\d+/\d+", doc.split("Within one of")[1].split("\n")[0]))
    rule = service(get_driver("aws"), ClusterService, needed_for="x").cluster_terms().service_range
    assert (rule.max_prefixlen, rule.min_prefixlen) == (low, high)
    assert {str(b) for b in rule.within} == blocks
    assert rule.problems(ipaddress.ip_network("10.0.0.0/25")) and rule.problems(
        ipaddress.ip_network("100.64.0.0/16")
    )
    assert not rule.problems(ipaddress.ip_network("172.20.0.0/16"))


def test_gke_is_regional_with_a_node_pool_per_zone(built: OfflineRun) -> None:
    (cluster,) = by_type(built, "gcp:container/cluster:Cluster")
    assert cluster.inputs["location"] == "europe-west1"  # a region: regional, never zonal
    assert cluster.inputs["nodeLocations"] == ["europe-west1-b", "europe-west1-c"]
    policy = cluster.inputs["ipAllocationPolicy"]
    assert (policy["clusterIpv4CidrBlock"], policy["servicesIpv4CidrBlock"]) == (POD["gcp"], SERVICE["gcp"])
    assert cluster.inputs["removeDefaultNodePool"] is True
    pools = sorted(by_type(built, "gcp:container/nodePool:NodePool"), key=lambda r: r.name)
    assert [(p.inputs["nodeLocations"], p.inputs["nodeCount"]) for p in pools] == [
        (["europe-west1-b"], 2),
        (["europe-west1-c"], 3),
    ]


def _sdk_enum_doc(module: str, enum: str, member: str) -> str:
    """The docstring under ``member`` of ``enum`` in an SDK's ``_enums.py``, read from its source."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    text = (Path(spec.origin).parent / "_enums.py").read_text()
    body = text[text.index(f"class {enum}(") :]
    after = body[body.index(f"    {member} = ") :]
    return after.split('"""')[1]


def test_aks_is_standard_tier_with_a_zonal_pool_per_zone(built: OfflineRun) -> None:
    from pulumi_azure_native.containerservice import ManagedClusterSKUName, ManagedClusterSKUTier

    (cluster,) = by_type(built, "azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["sku"] == {
        "name": ManagedClusterSKUName.BASE.value,
        "tier": ManagedClusterSKUTier.STANDARD.value,
    }
    pools = cluster.inputs["agentPoolProfiles"]
    assert [(p["availabilityZones"], p["count"]) for p in pools] == [(["1"], 2), (["2"], 3), (["3"], 4)]
    assert {p["mode"] for p in pools} == {"System"}
    for pool in pools:  # AKS's rule for a Linux pool's name
        assert re.fullmatch(r"[a-z][a-z0-9]{0,11}", pool["name"]), pool["name"]
    net = cluster.inputs["networkProfile"]
    assert (net["podCidr"], net["serviceCidr"]) == (POD["azure"], SERVICE["azure"])
    assert ipaddress.ip_address(net["dnsServiceIP"]) in ipaddress.ip_network(SERVICE["azure"])
    assert cluster.inputs["apiServerAccessProfile"]["enablePrivateCluster"] is True


def test_the_aks_sla_is_the_one_the_sdk_documents_for_standard_with_zones() -> None:
    doc = _sdk_enum_doc("pulumi_azure_native.containerservice", "ManagedClusterSKUTier", "STANDARD")
    sla = service(get_driver("azure"), ClusterService, needed_for="x").cluster_terms().sla
    assert sla is not None and sla.tier == "Standard"
    assert f"Guarantees {sla.zone_redundant * 100:g}% availability" in doc
    assert f"and {sla.zonal * 100:g}% of availability for clusters that don't use Availability Zones" in doc


def test_magnum_has_three_masters_calico_ranges_and_a_node_group_per_further_zone(built: OfflineRun) -> None:
    (template,) = by_type(built, "openstack:containerinfra/clusterTemplate:ClusterTemplate")
    assert template.inputs["coe"] == "kubernetes" and template.inputs["masterLbEnabled"] is True
    labels = template.inputs["labels"]
    assert (labels["calico_ipv4pool"], labels["service_cluster_ip_range"]) == (
        POD["openstack"],
        SERVICE["openstack"],
    )
    (cluster,) = by_type(built, "openstack:containerinfra/cluster:Cluster")
    assert cluster.inputs["masterCount"] == 3
    assert (cluster.inputs["nodeCount"], cluster.inputs["labels"]) == (2, {"availability_zone": "az1"})
    (group,) = by_type(built, "openstack:containerinfra/nodeGroup:NodeGroup")
    assert (group.inputs["nodeCount"], group.inputs["labels"]) == (3, {"availability_zone": "az2"})


def test_kubeconfigs_are_secrets(built: OfflineRun) -> None:
    for site in SITES:
        assert built.outputs[f"kubeconfig-{site['name']}"] == "[secret]", site["name"]


#: Each vendor's documented way to get a token for its cluster: ``aws eks get-token`` (EKS User
#: Guide, "Connect kubectl to an EKS cluster by creating a kubeconfig file"),
#: ``gke-gcloud-auth-plugin`` (GKE, "Install kubectl and configure cluster access"), ``kubelogin
#: get-token`` for the "Azure Kubernetes Service AAD Server" application (kubelogin, "Using
#: kubelogin with AKS"). Magnum's kubeconfig is the one Magnum writes (the provider's
#: ``kubeconfig.raw_config``).
EXEC = {
    "aws": ("aws", ["eks", "get-token", "--cluster-name"]),
    "gcp": ("gke-gcloud-auth-plugin", []),
    "azure": (
        "kubelogin",
        ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
    ),
}


@pytest.mark.parametrize("site", [AWS, GCP, AZ], ids=lambda s: s["vendor"])
def test_a_kubeconfig_is_the_clusters_endpoint_ca_and_the_vendors_token_plugin(
    built: OfflineRun, site: dict[str, Any]
) -> None:
    import base64
    import json

    config = json.loads(built.outputs[f"reveal-{site['name']}"])
    (cluster,) = config["clusters"]
    assert cluster["cluster"]["server"] == built.outputs[f"endpoint-{site['name']}"]
    assert cluster["cluster"]["server"].startswith("https://")
    assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]).startswith(b"-----BEGIN CERT")
    (user,) = config["users"]
    assert set(user["user"]) == {"exec"}, "no token, certificate or password written in the kubeconfig"
    command, args = EXEC[site["vendor"]]
    assert user["user"]["exec"]["command"] == command
    assert user["user"]["exec"]["args"][: len(args)] == args
    assert user["user"]["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"


def test_aks_uses_entra_id_with_local_accounts_off(built: OfflineRun) -> None:
    """kubelogin's token reaches a cluster with AKS-managed Entra ID only; with local accounts
    off, no static admin certificate can be listed for it (the SDK's ManagedCluster docstrings)."""
    (cluster,) = by_type(built, "azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["aadProfile"] == {"managed": True, "enableAzureRBAC": True}
    assert cluster.inputs["disableLocalAccounts"] is True


def test_aks_encrypts_secrets_with_a_key_vault_key_its_own_identity_may_use(built: OfflineRun) -> None:
    """KMS etcd encryption as AKS documents it ("Add Key Management Service etcd encryption"): a
    user-assigned identity (KMS "doesn't work with system-assigned managed identity"), an RBAC
    vault with purge protection, the identity granted Key Vault Crypto User on it and Network
    Contributor on the site's subnet before the cluster exists; identity, vault and key protected
    ("deleting the key, the key vault, or the associated identity isn't supported")."""
    (cluster,) = by_type(built, "azure-native:containerservice:ManagedCluster")
    (identity,) = by_type(built, "azure-native:managedidentity:UserAssignedIdentity")
    (vault,) = by_type(built, "azure-native:keyvault:Vault")
    (key,) = by_type(built, "azure-native:keyvault:Key")
    assert cluster.inputs["identity"]["type"] == "UserAssigned"
    assert len(cluster.inputs["identity"]["userAssignedIdentities"]) == 1
    kms = cluster.inputs["securityProfile"]["azureKeyVaultKms"]
    assert kms["enabled"] is True and kms["keyVaultNetworkAccess"] == "Public"
    assert kms["keyId"].startswith(f"https://{vault.inputs['vaultName']}.vault.azure.net/keys/")
    assert 3 <= len(vault.inputs["vaultName"]) <= 24
    properties = vault.inputs["properties"]
    assert properties["enableRbacAuthorization"] is True and properties["enablePurgeProtection"] is True
    assert identity.protect and vault.protect and key.protect
    grants = by_type(built, "azure-native:authorization:RoleAssignment")
    roles = {g.inputs["roleDefinitionId"].rsplit("/", 1)[1] for g in grants}
    # Azure built-in roles: Key Vault Crypto User, Network Contributor
    assert roles == {"12338af0-0e69-4776-bea7-57ae8d297424", "4d97b98b-1d4f-4787-a291-c67834d212e7"}
    assert {g.urn for g in grants} <= set(cluster.dependencies)


def test_magnums_kubeconfig_is_the_one_magnum_writes(built: OfflineRun) -> None:
    text = built.outputs["reveal-os-dc1"]
    assert text.startswith("apiVersion: v1") and "Magnum cluster" in text


def test_the_four_vendors_offer_clusters_and_the_others_refuse_naming_the_service() -> None:
    assert {d.vendor for d, _ in offering(ClusterService)} >= {"aws", "gcp", "azure", "openstack"}
    for vendor in ("onprem", "vsphere"):
        with pytest.raises(UnsupportedCapabilityError, match=rf"{vendor}.*'kubernetes'.*a fleet cluster"):
            service(get_driver(vendor), ClusterService, needed_for="a fleet cluster")


def _site(raw: dict[str, Any]) -> Any:
    return HybridVpcArgs.model_validate({"sites": [raw]}).sites[0]


@pytest.mark.parametrize(
    ("raw", "overrides", "expected"),
    [
        (
            AWS,
            {"node_size": "m6i.huge"},
            "not an EC2 instance type the installed pulumi-aws",
        ),
        (AWS, {"kubernetes_version": "v1.31"}, "EKS takes a major.minor version"),
        (AWS, {"image": "ami-0123456789abcdef0"}, "EKS chooses the node image"),
        (AZ, {"node_size": "standard_d4s_v3"}, "did you mean 'Standard_D4s_v3'"),
        (GCP, {"node_size": "E2 standard"}, "not a Compute Engine machine type"),
        (OS, {"image": None}, "required on OpenStack"),
        (OS, {"kubernetes_version": "1.28"}, "Magnum takes a full release as its kube_tag label"),
    ],
)
def test_values_a_vendor_cannot_take_are_named(
    raw: dict[str, Any], overrides: dict[str, Any], expected: str
) -> None:
    site = _site(raw)
    clusters = service(get_driver(site.vendor), ClusterService, needed_for="x")
    problems = clusters.cluster_value_problems(site, spec(site, **overrides))
    assert any(expected in p and key in overrides for key, p in problems), problems
    assert not clusters.cluster_value_problems(site, spec(site))


def test_eks_needs_two_zones() -> None:
    site = _site({**AWS, "zones": ["us-east-1a"]})
    clusters = service(get_driver("aws"), ClusterService, needed_for="x")
    (problem,) = clusters.cluster_site_problems(site)
    assert "at least two Availability Zones" in problem and "us-east-1a" in problem


def test_no_node_label_in_a_reserved_namespace(built: OfflineRun) -> None:
    """EKS refuses a managed node group whose labels use a reserved prefix ("Label cannot contain
    reserved prefixes [kubernetes.io/, k8s.io/, eks.amazonaws.com/]": aws/containers-roadmap#1451,
    eksctl-io/eksctl#4007) and a kubelet refuses such --node-labels; AKS reserves the prefixes
    kubernetes.azure.com/ and kubernetes.io/ ("can't be used for any node": Azure Architecture
    Center, "Kubernetes node and node pool management", AKS for Amazon EKS professionals — the
    claim of commit 5f75c2bc, checked). The vendors' cloud providers set
    topology.kubernetes.io/zone themselves. (The first slice set it, on EKS too.)"""
    reserved = ("kubernetes.io/", "k8s.io/", "eks.amazonaws.com/", "kubernetes.azure.com/")
    labels: list[str] = []
    for r in built.resources:
        if r.type == "aws:eks/nodeGroup:NodeGroup":
            labels += list(r.inputs.get("labels") or {})
        elif r.type == "gcp:container/nodePool:NodePool":
            labels += list((r.inputs.get("nodeConfig") or {}).get("labels") or {})
        elif r.type == "azure-native:containerservice:ManagedCluster":
            labels += [k for p in r.inputs["agentPoolProfiles"] for k in p.get("nodeLabels") or {}]
    assert not [k for k in labels if any(part in k for part in reserved)], labels
