"""Kubernetes clusters' rules: a cluster survives losing a zone, AKS runs in a tier with an SLA,
no GKE or AKS API answers the whole internet, and GKE and AKS encrypt secrets with a key of yours.

A cluster is the unit a KubernetesFleet sizes (docs/kubernetes.md), so what must survive a zone is
the cluster, not each of its node pools: skyweave gives every zone a pool of its own (an EKS node
group, a GKE node pool, an AKS pool with one zone) so that each zone holds exactly the nodes the
fleet's plan puts there, and a cluster fails this rule only when all its pools together sit in one
zone. Each vendor's reader answers for its clusters (``drivers/<vendor>/reader.py``): a zonal GKE
cluster (one control plane, for good: a zonal cluster cannot become regional), node pools in one
zone (EKS, GKE, AKS), a Magnum cluster with fewer than three masters (etcd's quorum). EKS's public
API endpoint is ``skyweave-security-aws-eks-endpoint-not-public`` (policy/aws.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .rule import Finding, Kind, Level, Rule, Severity, UnknownValue, cant_check, get, items
from .topics import topic_rule

if TYPE_CHECKING:
    from .index import StackIndex
    from .values import Resource

__all__ = ["DEPLOYMENT", "PDB", "RULES", "ZONE_LABEL"]

#: Kubernetes objects are read by the rules here, not by a vendor's reader: the same API whatever
#: cloud runs the cluster (the package is in ``readers.NEUTRAL_PACKAGES``).
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
#: The well-known node label of a node's zone, set by every vendor's cloud provider (Kubernetes,
#: "Well-Known Labels, Annotations and Taints").
ZONE_LABEL = "topology.kubernetes.io/zone"


CLUSTER_ZONES = topic_rule(
    "redundancy-kubernetes-cluster-zones",
    description="Every Kubernetes cluster survives losing a zone: not a zonal GKE cluster, its node pools "
    "(EKS node groups, GKE node pools, AKS agent pools) in two zones or more between them, and a Magnum "
    "cluster with three masters.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    remediation="Create GKE clusters with their region as location; give a cluster node pools in two "
    "zones or more (a pool per zone keeps each zone's count exact); set Magnum's master_count=3.",
    severity=Severity.HIGH,
)


AKS_TIER = topic_rule(
    "redundancy-aks-standard-tier",
    description="Every AKS cluster runs in the Standard (or Premium) tier: the Free tier has no SLA and a "
    "control plane sized for tests.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set sku={'name': 'Base', 'tier': 'Standard'} on the managed cluster (99.95% of the API "
    "server with availability zones).",
    severity=Severity.MEDIUM,
)

API_NOT_PUBLIC = topic_rule(
    "security-kubernetes-api-not-public",
    description="No GKE or AKS cluster's Kubernetes API answers the whole internet: a GKE control "
    "plane's public endpoint lists master authorized networks (none is 0.0.0.0/0) or is off; an AKS "
    "cluster is private or lists authorized IP ranges. EKS has its own rule, "
    "skyweave-security-aws-eks-endpoint-not-public.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="GKE: master_authorized_networks_config with the estate's ranges, or a private "
    "endpoint. AKS: api_server_access_profile enable_private_cluster=True, or authorized_ip_ranges.",
    severity=Severity.HIGH,
)

SECRETS_ENCRYPTED = topic_rule(
    "security-kubernetes-secrets-encrypted",
    description="Every GKE and AKS cluster encrypts its Kubernetes secrets with a key of your own: GKE "
    "application-layer secrets encryption (databaseEncryption state ENCRYPTED with a Cloud KMS keyName), "
    "AKS KMS etcd encryption (securityProfile.azureKeyVaultKms enabled with a Key Vault keyId). Both "
    "vendors encrypt etcd at rest with a key of their own by default, so this is advice, as EKS's rule "
    "(skyweave-security-aws-eks-secrets-encrypted) is: a key of your own is yours to rotate, audit and "
    "revoke. checkov 3.3.30 has no check for either.",
    level=Level.ADVISORY,
    kind=Kind.RESOURCE,
    remediation="GKE: database_encryption={'state': 'ENCRYPTED', 'key_name': key.id} with a Cloud KMS key "
    "in the cluster's region that the GKE service agent may use. AKS: security_profile={"
    "'azure_key_vault_kms': {'enabled': True, 'key_id': ...}} with a Key Vault key the cluster's "
    "identity may use.",
    severity=Severity.MEDIUM,
)


def _matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a label selector with ``matchLabels`` only selects pods carrying ``labels`` (a
    selector with expressions is not judged here: it is taken as not matching)."""
    wanted = get(selector, "matchLabels")
    if not isinstance(wanted, Mapping) or not wanted or get(selector, "matchExpressions"):
        return False
    return all(labels.get(k) == v for k, v in wanted.items())


def _spread(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    budgets = index.of_type(PDB)
    for deployment in index.of_type(DEPLOYMENT):
        try:
            yield from _deployment_spread(deployment, budgets)
        except UnknownValue as exc:
            yield cant_check(deployment, exc)


def _deployment_spread(deployment: Resource, budgets: list[Resource]) -> Iterator[Finding]:
    props = deployment.props
    count = get(props, "spec", "replicas")  # a number on the wire: 3.0 through the engine
    if isinstance(count, bool) or not isinstance(count, int | float) or count < 2:
        return  # one pod (or the API's default of one) cannot spread
    replicas = int(count)
    labels = get(props, "spec", "template", "metadata", "labels") or {}
    labels = labels if isinstance(labels, Mapping) else {}
    spread = [
        c
        for c in items(props, "spec", "template", "spec", "topologySpreadConstraints")
        if get(c, "topologyKey") == ZONE_LABEL
        and get(c, "whenUnsatisfiable") == "DoNotSchedule"
        and _matches(get(c, "labelSelector"), labels)
    ]
    if not spread:
        yield Finding(
            f"Deployment {deployment.name!r} ({replicas} replicas) has no topology spread constraint on "
            f"{ZONE_LABEL} with whenUnsatisfiable DoNotSchedule selecting its pods: the scheduler may put "
            "them all in one zone, and losing that zone loses them all",
            deployment.urn,
        )
    namespace = get(props, "metadata", "namespace") or "default"
    covered = [
        b
        for b in budgets
        if b.provider_urn == deployment.provider_urn
        and (get(b.props, "metadata", "namespace") or "default") == namespace
        and _matches(get(b.props, "spec", "selector"), labels)
    ]
    if not covered:
        yield Finding(
            f"Deployment {deployment.name!r} ({replicas} replicas) has no PodDisruptionBudget selecting its "
            "pods on its cluster: a node drain (an upgrade, a scale-down) may evict them all at once",
            deployment.urn,
        )


WORKLOAD_SPREAD = Rule(
    name="skyweave-redundancy-kubernetes-workload-spread",
    description="Every Kubernetes Deployment of two replicas or more spreads its pods over zones "
    f"(a topologySpreadConstraint on {ZONE_LABEL} with whenUnsatisfiable DoNotSchedule selecting them) "
    "and has a PodDisruptionBudget selecting them on its cluster, so neither a zone's loss nor a node "
    "drain takes all its pods at once.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_spread,
    remediation="Add to the pod template topology_spread_constraints=[{'max_skew': 1, 'topology_key': "
    f"'{ZONE_LABEL}', 'when_unsatisfiable': 'DoNotSchedule', 'label_selector': {{'match_labels': "
    "<the pods' labels>}}], and a policy/v1 PodDisruptionBudget (max_unavailable 1) with the same "
    "selector.",
    severity=Severity.HIGH,
)

RULES: tuple[Rule, ...] = (CLUSTER_ZONES, AKS_TIER, API_NOT_PUBLIC, SECRETS_ENCRYPTED, WORKLOAD_SPREAD)
