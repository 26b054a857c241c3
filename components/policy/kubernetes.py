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

from .rule import Kind, Level, Rule, Severity
from .topics import topic_rule

__all__ = ["RULES"]


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

RULES: tuple[Rule, ...] = (CLUSTER_ZONES, AKS_TIER, API_NOT_PUBLIC, SECRETS_ENCRYPTED)
