"""GKE for a KubernetesFleet: a regional cluster (control plane replicated over the region's
zones), a node pool per zone.

Shape (per site): a VPC-native regional cluster on the site's network and subnet (``location``
the region, so the control plane is replicated over its zones; a regional cluster cannot become
zonal later, nor the reverse), its default node pool removed, and one node pool per zone
(``node_locations`` that zone) holding the nodes the fleet's plan puts there — one pool per zone
because a regional pool's ``node_count`` is per zone, which an uneven plan cannot be. Pods and
Services take their addresses from the ranges the fleet's IPAM hands out (GKE makes them alias
ranges of the subnet, which the VPC routes; the estate's HA VPN links advertise the subnet's
primary range, not these, so pods are reached from other sites through Services or by adding
the ranges to the Cloud Router's advertisements). The API admits the estate's ranges only
(master authorized networks). Kubernetes secrets are encrypted at the application layer with a
Cloud KMS key of the estate's (rotated every 90 days, protected). Deletion protection is on and the
cluster is protected.

Its kubeconfig runs ``gke-gcloud-auth-plugin``, so no credential is written in it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pulumi

from ...core.sites import SiteArgs
from ...planning.ipam import RFC1918
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

if TYPE_CHECKING:
    import pulumi_gcp as gcp
else:
    from ..sdk import lazy_sdk

    gcp = lazy_sdk("pulumi_gcp")

__all__ = [
    "CLUSTER_TERMS",
    "cluster_site_problems",
    "cluster_value_problems",
    "create_cluster",
    "create_fixed_addresses",
]

#: "from the RFC-1918 private networks (e.g. 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)": the
#: SDK's docstrings of ip_allocation_policy's cluster_ipv4_cidr_block and services_ipv4_cidr_block.
_SDK_DOC = "pulumi-gcp container.ClusterIpAllocationPolicyArgs (cluster_/services_ipv4_cidr_block)"
CLUSTER_TERMS = ClusterTerms(
    product="GKE",
    node_size="a Compute Engine machine type",
    pods=PodAddressing.POD_RANGE,
    pod_range=RangeRule(8, 28, _SDK_DOC, within=RFC1918),
    pod_routing="alias ranges of the site's subnet, routed inside the VPC; the HA VPN links advertise "
    "the site's subnets only, so other sites reach pods through Services",
    service_range=RangeRule(8, 28, _SDK_DOC, within=RFC1918),
    control_plane="a regional cluster replicates its control plane over the region's zones",
    # Google Kubernetes Engine SLA: Regional Cluster (control plane) 99.95%, Zonal Cluster 99.5%.
    sla=ClusterSla(0.9995, 0.995, "https://cloud.google.com/kubernetes-engine/sla"),
    # A Service of type LoadBalancer gets an external passthrough Network Load Balancer, a
    # fixed IP in its status, with no annotation (GKE, "LoadBalancer Service concepts").
    load_balancer_source="https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer",
    fixed_addresses="a regional static external address reserved for the Service (spec.loadBalancerIP)",
)

_VERSION = re.compile(r"1\.[0-9]{2}")
#: The release channel skyweave's clusters follow (the SDK's documented values: UNSPECIFIED,
#: RAPID, REGULAR, STABLE, EXTENDED): "Production users who need features not yet offered in the
#: Stable channel", and GKE's default.
RELEASE_CHANNEL = "REGULAR"


def cluster_site_problems(site: SiteArgs) -> list[str]:
    return []  # a regional cluster runs in any region; its nodes in the site's zones


def cluster_value_problems(site: SiteArgs, spec: ClusterSpec) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not re.fullmatch(r"[a-z][a-z0-9]*-[a-z0-9-]+", spec.node_size):
        out.append(("node_size", "not a Compute Engine machine type (<family>-<shape>, e.g. e2-standard-4)"))
    version = spec.kubernetes_version
    if version is not None and not _VERSION.fullmatch(version):
        out.append(("kubernetes_version", "GKE takes a major.minor version such as 1.31"))
    if spec.image is not None:
        out.append(("image", "GKE chooses the node image (Container-Optimized OS); remove image"))
    return out


#: Cloud KMS keys rotate every 90 days (CIS Google Cloud 1.10, skyweave-security-kms-key-rotation).
KEY_ROTATION = "7776000s"
#: The role the GKE service agent needs on the key (GKE, "Encrypt secrets at the application layer").
KEY_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


def _secrets_key(ctx: SiteContext) -> tuple[pulumi.Output[str], pulumi.Resource]:
    """A Cloud KMS key in the cluster's region (a regional key ring: the key must be where the
    cluster is) that the project's GKE service agent
    (``service-<project number>@container-engine-robot.iam.gserviceaccount.com``) may use: the key
    application-layer secrets encryption wraps the cluster's data keys with. Key ring and key are
    protected: a key ring cannot be deleted, and destroying the key loses every secret."""
    project = getattr(ctx.site, "project", None)
    ring = gcp.kms.KeyRing(
        ctx.name("gke-keyring"), location=ctx.site.region, project=project, opts=ctx.opts(protect=True)
    )
    key = gcp.kms.CryptoKey(
        ctx.name("gke-secrets-key"),
        key_ring=ring.id,
        purpose="ENCRYPT_DECRYPT",
        rotation_period=KEY_ROTATION,
        labels=dict(ctx.tags),
        opts=ctx.opts(protect=True),
    )
    number = gcp.organizations.get_project_output(
        project_id=project, opts=pulumi.InvokeOutputOptions(provider=ctx.provider, parent=ctx.parent)
    ).number
    grant = gcp.kms.CryptoKeyIAMMember(
        ctx.name("gke-secrets-grant"),
        crypto_key_id=key.id,
        role=KEY_ROLE,
        member=number.apply(
            lambda n: f"serviceAccount:service-{n}@container-engine-robot.iam.gserviceaccount.com"
        ),
        opts=ctx.opts(),
    )
    return key.id, grant


def create_cluster(ctx: SiteContext, network: SiteNetwork, spec: ClusterSpec) -> ClusterHandle:
    name = ctx.name("gke")
    assert network.network_id is not None
    key, grant = _secrets_key(ctx)
    cluster = gcp.container.Cluster(
        name,
        location=ctx.site.region,
        node_locations=list(ctx.site.zones),
        network=network.network_id,
        subnetwork=network.subnet_ids["main"],
        networking_mode="VPC_NATIVE",
        ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
            cluster_ipv4_cidr_block=spec.pod_cidr, services_ipv4_cidr_block=spec.service_cidr
        ),
        remove_default_node_pool=True,
        initial_node_count=1,
        min_master_version=spec.kubernetes_version,
        release_channel=gcp.container.ClusterReleaseChannelArgs(channel=RELEASE_CHANNEL),
        master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
            cidr_blocks=[
                gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                    cidr_block=cidr, display_name=f"estate {cidr}"
                )
                for cidr in spec.api_cidrs
            ]
        ),
        enable_shielded_nodes=True,
        # Application-layer secrets encryption with the estate's own key (the GKE service agent
        # must be granted it first).
        database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(state="ENCRYPTED", key_name=key),
        deletion_protection=True,
        resource_labels=dict(ctx.tags),
        opts=ctx.opts(protect=True, depends_on=[grant]),
    )
    resources: dict[str, pulumi.Resource] = {"cluster": cluster}
    for zone in ctx.site.zones:
        count = spec.nodes.get(zone, 0)
        if count < 1:
            continue
        resources[f"nodes-{zone}"] = gcp.container.NodePool(
            ctx.name("gke-nodes", zone[-1]),
            cluster=cluster.id,
            location=ctx.site.region,
            node_locations=[zone],
            node_count=count,
            node_config=gcp.container.NodePoolNodeConfigArgs(
                machine_type=spec.node_size,
                resource_labels=dict(ctx.tags),
                shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                    enable_secure_boot=True, enable_integrity_monitoring=True
                ),
            ),
            management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            opts=ctx.opts(),
        )
    endpoint: pulumi.Output[str] = cluster.endpoint.apply(lambda host: f"https://{host}")
    kubeconfig = pulumi.Output.all(cluster.name, endpoint, cluster.master_auth.cluster_ca_certificate).apply(
        lambda v: exec_kubeconfig(
            str(v[0]),
            str(v[1]),
            str(v[2]),
            "gke-gcloud-auth-plugin",
            (),
            install_hint="gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin)",
        )
    )
    return ClusterHandle(
        site=ctx.site.name,
        vendor="gcp",
        name=cluster.name,
        endpoint=endpoint,
        kubeconfig=pulumi.Output.secret(kubeconfig),
        resources=resources,
    )


def create_fixed_addresses(
    ctx: SiteContext, network: SiteNetwork, handle: ClusterHandle, spec: WorkloadSpec
) -> FixedAddresses | None:
    """A regional static external address (``{component}-lb-ip-{site}-{name}``) the Service's
    load balancer takes through ``spec.loadBalancerIP``: GKE's external passthrough load balancer
    reports a fixed IP while the Service exists, and this one outlives the Service (a Service
    replaced keeps the address DNS checks). GKE's service controller builds the forwarding rule on
    the requested IP, which must be a static address of the region (cloud-provider-gcp,
    ``gce_loadbalancer_external.go``: ``requestedIP := apiService.Spec.LoadBalancerIP``; ingress-gce
    ``pkg/address``: the ``networking.gke.io/load-balancer-ip-addresses`` annotation first, then
    ``.Spec.LoadBalancerIP``), in the Premium tier a Service's load balancer uses by default."""
    name = ctx.name("lb-ip", spec.name)
    address = gcp.compute.Address(
        name,
        project=getattr(ctx.site, "project", None),
        region=ctx.site.region,
        address_type="EXTERNAL",
        network_tier="PREMIUM",
        labels=dict(ctx.tags),
        opts=ctx.opts(),
    )
    ip: pulumi.Output[str] = address.address
    return FixedAddresses(
        annotations={},
        addresses=ip.apply(lambda a: [str(a)]),
        resources={"lb_ip": address},
        load_balancer_ip=ip,
    )
