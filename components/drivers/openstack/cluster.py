"""OpenStack Magnum for a KubernetesFleet: three masters behind a load balancer, nodes per zone.

Shape (per site): a cluster template (COE ``kubernetes``, the node image the fleet names, Calico
as the network driver with the pod range from the fleet's IPAM as its pool, the service range as
``service_cluster_ip_range``, the site's network and subnet, a load balancer in front of the
masters, no floating IPs) and a cluster of three masters (an etcd quorum that survives one)
whose default node group holds the nodes of the site's first zone; a node group per further zone
(Magnum's ``availability_zone`` label) holds the rest. Calico encapsulates pod traffic between
nodes and NATs what leaves the cluster, so the pod range is not routed over the estate's links.

Magnum writes the cluster's kubeconfig — admin credentials — into the state in plain text: the
provider lists ``kubeconfig`` as a secret output, and skyweave asks for it again
(``additional_secret_outputs``) and hands it on only as a Pulumi secret.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pulumi

from ...core.sites import SiteArgs
from ...planning.ipam import PRIVATE_V4
from ..clusters import (
    ClusterHandle,
    ClusterSpec,
    ClusterTerms,
    FixedAddresses,
    PodAddressing,
    RangeRule,
    WorkloadSpec,
)
from ..site import SiteContext, SiteNetwork

if TYPE_CHECKING:
    import pulumi_openstack as openstack
else:
    from ..sdk import lazy_sdk

    openstack = lazy_sdk("pulumi_openstack")

__all__ = [
    "CLUSTER_TERMS",
    "MASTERS",
    "cluster_site_problems",
    "cluster_value_problems",
    "create_cluster",
    "create_fixed_addresses",
]

#: Magnum's user guide, "Labels": ``calico_ipv4pool`` (default 10.100.0.0/16),
#: ``service_cluster_ip_range`` (default 10.254.0.0/16), ``kube_tag``, ``availability_zone``.
_LABELS = "https://docs.openstack.org/magnum/latest/user/index.html#labels"
CLUSTER_TERMS = ClusterTerms(
    product="Magnum",
    node_size="a Nova flavor name",
    pods=PodAddressing.POD_RANGE,
    pod_range=RangeRule(8, 24, _LABELS, within=PRIVATE_V4),
    pod_routing="Calico encapsulates pod traffic between nodes and NATs what leaves the cluster: other "
    "sites reach pods through Services",
    service_range=RangeRule(8, 28, _LABELS, within=PRIVATE_V4),
    control_plane="three masters (an etcd quorum surviving one) behind an Octavia load balancer",
    sla=None,  # a private cloud: no published SLA
    image="a Glance image Magnum's Kubernetes driver boots (e.g. Fedora CoreOS)",
    # The OpenStack cloud controller gives a Service of type LoadBalancer an Octavia load
    # balancer with a floating IP, with no annotation (cloud-provider-openstack, "Exposing
    # applications using services of LoadBalancer type").
    load_balancer_source="https://github.com/kubernetes/cloud-provider-openstack/blob/master/docs/"
    "openstack-cloud-controller-manager/expose-applications-using-loadbalancer-type-service.md",
)
#: Masters per cluster: an etcd quorum that survives the loss of one.
MASTERS = 3
_KUBE_TAG = re.compile(r"v1\.[0-9]{2}\.[0-9]+")


def cluster_site_problems(site: SiteArgs) -> list[str]:
    return []


def cluster_value_problems(site: SiteArgs, spec: ClusterSpec) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    version = spec.kubernetes_version
    if version is not None and not _KUBE_TAG.fullmatch(version):
        out.append(("kubernetes_version", "Magnum takes a full release as its kube_tag label, e.g. v1.28.9"))
    if not spec.image:
        out.append(("image", f"required on OpenStack ({CLUSTER_TERMS.image})"))
    return out


def create_cluster(ctx: SiteContext, network: SiteNetwork, spec: ClusterSpec) -> ClusterHandle:
    site = ctx.site
    assert network.network_id is not None
    # Magnum resolves the external network by name or id (the site's ``external_network``).
    external_network = str(getattr(site, "external_network", "public"))
    zones = [zone for zone in site.zones if spec.nodes.get(zone, 0) >= 1]
    labels = {"calico_ipv4pool": spec.pod_cidr or "", "service_cluster_ip_range": spec.service_cidr}
    if spec.kubernetes_version is not None:
        labels["kube_tag"] = spec.kubernetes_version
    template = openstack.containerinfra.ClusterTemplate(
        ctx.name("magnum-template"),
        coe="kubernetes",
        image=spec.image,
        flavor=spec.node_size,
        master_flavor=spec.node_size,
        network_driver="calico",
        volume_driver="cinder",
        external_network_id=external_network,
        fixed_network=network.network_id,
        fixed_subnet=network.subnet_ids["main"],
        master_lb_enabled=True,
        floating_ip_enabled=False,
        tls_disabled=False,
        labels=labels,
        opts=ctx.opts(),
    )
    first = zones[0]
    cluster = openstack.containerinfra.Cluster(
        ctx.name("magnum"),
        cluster_template_id=template.id,
        master_count=MASTERS,
        node_count=spec.nodes[first],
        flavor=spec.node_size,
        master_flavor=spec.node_size,
        master_lb_enabled=True,
        floating_ip_enabled=False,
        labels={"availability_zone": first},
        merge_labels=True,
        opts=ctx.opts(protect=True, additional_secret_outputs=["kubeconfig"]),
    )
    resources: dict[str, pulumi.Resource] = {
        "template": template,
        "cluster": cluster,
        f"nodes-{first}": cluster,
    }
    for zone in zones[1:]:
        resources[f"nodes-{zone}"] = openstack.containerinfra.NodeGroup(
            ctx.name("magnum-nodes", zone),
            cluster_id=cluster.id,
            node_count=spec.nodes[zone],
            flavor_id=spec.node_size,
            labels={"availability_zone": zone},
            merge_labels=True,
            role="worker",
            opts=ctx.opts(),
        )
    kubeconfig: pulumi.Output[str] = cluster.kubeconfig.apply(
        lambda config: str((config or {}).get("raw_config", ""))
    )
    return ClusterHandle(
        site=site.name,
        vendor="openstack",
        name=cluster.name,
        endpoint=cluster.api_address,
        kubeconfig=pulumi.Output.secret(kubeconfig),
        resources=resources,
    )


def create_fixed_addresses(
    ctx: SiteContext, network: SiteNetwork, handle: ClusterHandle, spec: WorkloadSpec
) -> FixedAddresses | None:
    """The OpenStack cloud controller gives the Service an Octavia load balancer with a floating IP,
    reported in its status: nothing is made ahead of it."""
    return None
