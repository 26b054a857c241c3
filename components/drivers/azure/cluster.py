"""AKS for a KubernetesFleet: a Standard-tier cluster (the tier with an SLA) whose node pools sit
in the region's availability zones, one pool per zone.

Shape (per site): a managed cluster in the site's resource group, SKU ``Base``/``Standard`` (the
Free tier has no SLA), a user-assigned control-plane identity, Kubernetes secrets encrypted in
etcd with a Key Vault key of the estate's (KMS), Azure CNI Overlay (pods take addresses from the
cluster's pod range, Services from its service range; both from the fleet's IPAM), a private API
server (reached from inside the estate), AKS-managed Microsoft Entra ID with Azure RBAC and local
accounts disabled (no static credential reaches the cluster), and one system node pool per zone
(``availability_zones`` that zone, on the site's subnet) sized as the fleet's plan says. One pool
per zone because a pool's zones cannot change after creation, and its node count applies to the
pool, not per zone. Pods in the overlay are not routable from outside the cluster: other sites
reach them through Services (Azure CNI Overlay SNATs pod egress to the node's address).

The cluster is protected. Its kubeconfig reaches the API server with the cluster's CA (read
from the user credential AKS lists) and runs ``kubelogin get-token --login azurecli`` for an Entra
ID token for the AKS server application (the kubelogin docs, "Using kubelogin with AKS":
https://azure.github.io/kubelogin/concepts/aks.html); ``AAD_LOGIN_METHOD`` picks another login
(a service principal, workload identity) where Pulumi runs without the Azure CLI. No credential
is written in it; it stays a secret all the same.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from typing import TYPE_CHECKING, Any

import pulumi
import yaml

from ...core.sites import SiteArgs
from ...planning.ipam import PRIVATE_V4
from ..clusters import (
    ClusterHandle,
    ClusterSla,
    ClusterSpec,
    ClusterTerms,
    FixedAddresses,
    PodAddressing,
    RangeRule,
    WorkloadSpec,
    exec_kubeconfig,
)
from ..site import SiteContext, SiteNetwork
from ..workloads import AppValue, AppValueKind
from . import app as azure_app

if TYPE_CHECKING:
    import pulumi_azure_native as azure
else:
    from ..sdk import lazy_sdk

    azure = lazy_sdk("pulumi_azure_native")

__all__ = [
    "CLUSTER_TERMS",
    "SKU_NAME",
    "SKU_TIER",
    "cluster_site_problems",
    "cluster_value_problems",
    "create_cluster",
    "create_fixed_addresses",
]

_OVERLAY = "https://learn.microsoft.com/azure/aks/azure-cni-overlay"
CLUSTER_TERMS = ClusterTerms(
    product="AKS",
    node_size="an Azure VM size",
    pods=PodAddressing.POD_RANGE,
    pod_range=RangeRule(8, 24, _OVERLAY, within=PRIVATE_V4),
    pod_routing="Azure CNI Overlay: pods are not routable outside the cluster (egress is SNATed to the "
    "node), so other sites reach them through Services",
    service_range=RangeRule(8, 28, _OVERLAY, within=PRIVATE_V4),
    control_plane="AKS spreads the control plane over the region's zones; the Standard tier's SLA",
    # AKS pricing tiers: the Standard tier's Uptime SLA, 99.95% of the API server endpoint for
    # clusters that use availability zones and 99.9% for clusters that do not; the Free tier has
    # none (also the SDK's ManagedClusterSKUTier.STANDARD docstring).
    sla=ClusterSla(
        0.9995, 0.999, "https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers", tier="Standard"
    ),
    # A Service of type LoadBalancer gets a public IP on the cluster's Standard load balancer,
    # with no annotation (AKS, "Use a public standard load balancer").
    load_balancer_source="https://learn.microsoft.com/azure/aks/load-balancer-standard",
)

#: The managed cluster's SKU: ``Base`` (the SDK's ManagedClusterSKUName) in the ``Standard`` tier
#: (ManagedClusterSKUTier: Free, Standard, Premium; Free has no SLA).
SKU_NAME = "Base"
SKU_TIER = "Standard"
_VERSION = re.compile(r"1\.[0-9]{2}(\.[0-9]+)?")


def cluster_site_problems(site: SiteArgs) -> list[str]:
    return []  # every Azure site is in a region with availability zones (the site model's check)


def cluster_value_problems(site: SiteArgs, spec: ClusterSpec) -> list[tuple[str, str]]:
    problems = azure_app.app_value_problems(AppValue(AppValueKind.SIZE, spec.node_size, (site,)))
    out = [("node_size", p) for p in problems]
    version = spec.kubernetes_version
    if version is not None and not _VERSION.fullmatch(version):
        out.append(("kubernetes_version", "AKS takes a version such as 1.31 or 1.31.2"))
    if spec.image is not None:
        out.append(("image", "AKS chooses the node image (Azure Linux or Ubuntu); remove image"))
    return out


def pool_name(zone: str) -> str:
    """A Linux node pool's name: lowercase letters and digits, a letter first, at most 12."""
    return f"zone{zone}"


#: The application id of the "Azure Kubernetes Service AAD Server", the same for every AKS cluster
#: with AKS-managed Entra ID: the audience of the tokens kubelogin fetches (kubelogin's docs,
#: "Using kubelogin with AKS").
AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
KUBELOGIN_ARGS = ("get-token", "--login", "azurecli", "--server-id", AKS_SERVER_ID)


def _ca_data(result: Any) -> str:
    """The cluster CA (base64 PEM) of the first kubeconfig AKS lists (``clusterUser``)."""
    configs = getattr(result, "kubeconfigs", None) or []
    value = configs[0].value if configs else ""
    if not value:
        return ""
    listed = yaml.safe_load(base64.b64decode(value).decode())
    clusters = listed.get("clusters") if isinstance(listed, dict) else None
    cluster = (clusters[0] or {}).get("cluster") if isinstance(clusters, list) and clusters else None
    return str((cluster or {}).get("certificate-authority-data") or "")


#: Built-in roles (Azure RBAC, "Azure built-in roles"): Key Vault Crypto User ("Perform
#: cryptographic operations using keys", on an RBAC vault) and Network Contributor.
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"


def vault_name(ctx: SiteContext) -> str:
    """The key vault's name: global, 3 to 24 letters, digits and '-' with a letter first; stable
    per subscription, site and component (a digest: the component's name may be long)."""
    sub = str(getattr(ctx.site, "subscription_id", ""))
    return "kv" + hashlib.sha256(f"{sub}/{ctx.site.name}/{ctx.component}".encode()).hexdigest()[:20]


def _secrets_key(
    ctx: SiteContext, rg_name: pulumi.Output[str], network: SiteNetwork
) -> tuple[azure.managedidentity.UserAssignedIdentity, pulumi.Output[str], list[pulumi.Resource]]:
    """KMS etcd encryption's prerequisites (AKS, "Add Key Management Service etcd encryption"): a
    user-assigned identity for the control plane (KMS "doesn't work with system-assigned managed
    identity": it must reach the key before the cluster exists), an RBAC key vault with purge
    protection and its key, the identity allowed to use the key (Key Vault Crypto User) and, as a
    user-assigned control-plane identity on the site's own subnet must be, Network Contributor on
    that subnet. The vault keeps public network access: KMS supports a private vault only with API
    Server VNet Integration, and a vault firewall limited to some networks not at all. Identity,
    vault and key are protected: deleting any of them "isn't supported" with KMS on."""
    site = ctx.site
    sub = str(getattr(site, "subscription_id", ""))
    identity = azure.managedidentity.UserAssignedIdentity(
        ctx.name("aks-identity"),
        resource_group_name=rg_name,
        location=site.region,
        tags=dict(ctx.tags),
        opts=ctx.opts(protect=True),
    )
    client = azure.authorization.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(provider=ctx.provider, parent=ctx.parent)
    )
    vault = azure.keyvault.Vault(
        ctx.name("aks-vault"),
        vault_name=vault_name(ctx),
        resource_group_name=rg_name,
        location=site.region,
        properties=azure.keyvault.VaultPropertiesArgs(
            tenant_id=client.tenant_id,
            sku=azure.keyvault.SkuArgs(family="A", name="standard"),
            enable_rbac_authorization=True,
            enable_purge_protection=True,
            soft_delete_retention_in_days=90,
            public_network_access="Enabled",
        ),
        tags=dict(ctx.tags),
        opts=ctx.opts(protect=True),
    )
    key = azure.keyvault.Key(
        ctx.name("aks-secrets-key"),
        resource_group_name=rg_name,
        vault_name=vault.name,
        key_name="aks-etcd",
        properties=azure.keyvault.KeyPropertiesArgs(kty="RSA", key_size=2048),
        tags=dict(ctx.tags),
        opts=ctx.opts(protect=True),
    )

    def role(definition: str) -> str:
        return f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{definition}"

    grants: list[pulumi.Resource] = [
        azure.authorization.RoleAssignment(
            ctx.name("aks-key-grant"),
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role(KEY_VAULT_CRYPTO_USER),
            scope=vault.id,
            opts=ctx.opts(),
        ),
        azure.authorization.RoleAssignment(
            ctx.name("aks-subnet-grant"),
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role(NETWORK_CONTRIBUTOR),
            scope=network.subnet_ids["main"],
            opts=ctx.opts(),
        ),
    ]
    key_uri: pulumi.Output[str] = key.key_uri_with_version
    return identity, key_uri, grants


def create_cluster(ctx: SiteContext, network: SiteNetwork, spec: ClusterSpec) -> ClusterHandle:
    rg = network.resources["resource_group"]
    rg_name: pulumi.Output[str] = rg.name  # type: ignore[attr-defined]
    name = ctx.name("aks")
    identity, key_uri, grants = _secrets_key(ctx, rg_name, network)
    service = ipaddress.ip_network(spec.service_cidr)
    pools = [
        azure.containerservice.ManagedClusterAgentPoolProfileArgs(
            name=pool_name(zone),
            mode="System",
            type="VirtualMachineScaleSets",
            os_type="Linux",
            vm_size=spec.node_size,
            count=spec.nodes[zone],
            availability_zones=[zone],
            vnet_subnet_id=network.subnet_ids["main"],
            tags=dict(ctx.tags),
        )
        for zone in ctx.site.zones
        if spec.nodes.get(zone, 0) >= 1
    ]
    cluster = azure.containerservice.ManagedCluster(
        name,
        resource_group_name=rg_name,
        location=ctx.site.region,
        dns_prefix=name,
        kubernetes_version=spec.kubernetes_version,
        sku=azure.containerservice.ManagedClusterSKUArgs(name=SKU_NAME, tier=SKU_TIER),
        identity=azure.containerservice.ManagedClusterIdentityArgs(
            type="UserAssigned",
            user_assigned_identities=[identity.id],
        ),
        # KMS etcd encryption with the estate's key (the SDK's AzureKeyVaultKms: the key's
        # versioned identifier; a public vault, so no keyVaultResourceId).
        security_profile=azure.containerservice.ManagedClusterSecurityProfileArgs(
            azure_key_vault_kms=azure.containerservice.AzureKeyVaultKmsArgs(
                enabled=True, key_id=key_uri, key_vault_network_access="Public"
            )
        ),
        enable_rbac=True,
        agent_pool_profiles=pools,
        network_profile=azure.containerservice.ContainerServiceNetworkProfileArgs(
            network_plugin="azure",
            network_plugin_mode="overlay",
            pod_cidr=spec.pod_cidr,
            service_cidr=spec.service_cidr,
            dns_service_ip=str(service.network_address + 10),
        ),
        api_server_access_profile=azure.containerservice.ManagedClusterAPIServerAccessProfileArgs(
            enable_private_cluster=True
        ),
        # AKS-managed Microsoft Entra ID with Azure RBAC for Kubernetes authorization; local
        # accounts (a static admin certificate) off, so the kubeconfig carries no credential.
        aad_profile=azure.containerservice.ManagedClusterAADProfileArgs(managed=True, enable_azure_rbac=True),
        disable_local_accounts=True,
        tags=dict(ctx.tags),
        opts=ctx.opts(protect=True, depends_on=grants),
    )
    credentials = azure.containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=rg_name,
        resource_name=cluster.name,
        opts=pulumi.InvokeOutputOptions(provider=ctx.provider, parent=ctx.parent),
    )
    endpoint: pulumi.Output[str] = cluster.private_fqdn.apply(lambda host: f"https://{host}" if host else "")
    # The resource group is listed too: the credentials invoke depends on it, but an invoke with
    # an unknown input (the cluster's name, in a real preview) drops that dependency, and the
    # provider made from the kubeconfig must depend on the same resources in a preview and an
    # update (tests/conformance/test_preview_fidelity.py).
    kubeconfig = pulumi.Output.all(cluster.name, endpoint, credentials.apply(_ca_data), rg_name).apply(
        lambda v: exec_kubeconfig(
            str(v[0]),
            str(v[1]),
            str(v[2]),
            "kubelogin",
            KUBELOGIN_ARGS,
            install_hint="kubelogin (az aks install-cli); it uses the Azure CLI's login unless "
            "AAD_LOGIN_METHOD says otherwise",
        )
    )
    return ClusterHandle(
        site=ctx.site.name,
        vendor="azure",
        name=cluster.name,
        endpoint=endpoint,
        kubeconfig=pulumi.Output.secret(kubeconfig),
        resources={"cluster": cluster},
    )


def create_fixed_addresses(
    ctx: SiteContext, network: SiteNetwork, handle: ClusterHandle, spec: WorkloadSpec
) -> FixedAddresses | None:
    """AKS gives the Service a public IP on the cluster's Standard load balancer, reported in its
    status and kept while the Service exists: nothing is made ahead of it."""
    return None
