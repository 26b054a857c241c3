"""What a component asks a driver for when it runs a Kubernetes cluster, and what it gets back.

Vendor-neutral on purpose, as :mod:`.workloads` is for apps: a
:class:`~skyweave.kubernetes.fleet.KubernetesFleet` builds a :class:`ClusterSpec` per site (the
nodes per zone its capacity plan decided, the pod and service ranges the estate's IPAM handed
out) and never names a vendor's resource type; each driver turns it into its own shape (an EKS
cluster with a managed node group per zone, a regional GKE cluster with a node pool per zone, an
AKS Standard-tier cluster with a zonal pool per zone, a Magnum cluster with three masters) and
answers with a :class:`ClusterHandle`. What a vendor's clusters are — their name, how pods get
addresses, the published SLA, the ranges the vendor accepts — the driver declares in
:class:`ClusterTerms`, so the fleet's planner checks a request before anything registers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import pulumi

from ..core.sites import SiteArgs
from ..planning.clusters import RangeRule
from .site import SiteContext, SiteNetwork
from .workloads import EndpointKind

__all__ = [
    "ClusterHandle",
    "ClusterModule",
    "ClusterSla",
    "ClusterSpec",
    "ClusterTerms",
    "FixedAddresses",
    "ModuleClusters",
    "PodAddressing",
    "RangeRule",
    "WorkloadSpec",
    "exec_kubeconfig",
]


class PodAddressing(StrEnum):
    """Where a vendor's pods take their addresses from."""

    SUBNETS = "subnets"
    """From the site's own subnets (the Amazon VPC CNI): pods are addressed, and routed over the
    estate's links, as the site's block is; the cluster has no pod range of its own."""
    POD_RANGE = "pod_range"
    """From a pod range of the cluster's own (GKE alias ranges, Azure CNI Overlay, Calico on
    Magnum), which the estate's IPAM hands out so no two clusters or sites overlap."""


@dataclass(frozen=True)
class ClusterSla:
    """A vendor's published monthly uptime commitment for a cluster's Kubernetes API.

    ``zone_redundant``: the control plane spans the region's zones (what skyweave builds);
    ``zonal``: one zone (a zonal GKE cluster, an AKS cluster without zones). ``tier`` names what
    the figure needs (e.g. AKS's Standard tier).
    """

    zone_redundant: float
    zonal: float
    source: str
    tier: str = ""


@dataclass(frozen=True)
class ClusterTerms:
    """What a vendor's Kubernetes clusters are, declared by its
    :class:`~skyweave.drivers.services.ClusterService`.

    Attributes:
        product: the managed service's name (e.g. Amazon EKS).
        node_size: what a node ``size`` is there (e.g. an EC2 instance type).
        pods: where pods take their addresses from.
        pod_routing: whether the estate's links carry the pod range, in words (the docs and
            the fleet's outputs say it); ``""`` when pods use the site's subnets.
        pod_range: the sizes a pod range may take (``None`` where pods use the site's subnets).
        service_range: the sizes and blocks a service range may take.
        sla: the published SLA of the cluster's API, or ``None`` where none is published.
        image: what a cluster's ``image`` is where the vendor needs one (Magnum's node image);
            ``""`` where the vendor chooses it.
        control_plane: how the control plane survives a zone, in words.
        load_balancer: how a Service of type LoadBalancer is reached: a fixed IP in its status
            (``ingress[].ip``) or a vendor-managed hostname (``ingress[].hostname``).
        load_balancer_annotations: the annotations the vendor documents for an internet-facing
            network load balancer in front of such a Service (none where that is the default).
        load_balancer_source: where those facts are documented.
        fixed_addresses: what the driver gives the load balancer when DNS needs fixed addresses
            (:meth:`ModuleClusters.create_fixed_addresses`): for one reached by a vendor-managed
            hostname, the addresses that make it reachable by IP; for one with an IP, an address
            reserved ahead of it that outlives the Service; ``""`` where it is given none.
    """

    product: str
    node_size: str
    pods: PodAddressing
    service_range: RangeRule
    control_plane: str
    pod_range: RangeRule | None = None
    pod_routing: str = ""
    sla: ClusterSla | None = None
    image: str = ""
    load_balancer: EndpointKind = EndpointKind.IP
    load_balancer_annotations: Mapping[str, str] = field(default_factory=dict)
    load_balancer_source: str = ""
    fixed_addresses: str = ""


@dataclass(frozen=True)
class FixedAddresses:
    """Fixed public addresses made for one cluster's workload load balancer ahead of it.

    Attributes:
        annotations: the Service annotations (beside
            :attr:`ClusterTerms.load_balancer_annotations`) that give the load balancer those
            addresses, as its vendor documents them.
        addresses: every public IPv4 address the load balancer answers on (what DNS targets).
        resources: the vendor's resources made for them, by role.
        load_balancer_ip: the Service's ``spec.loadBalancerIP``, where the vendor's load balancer
            takes its address from there (``None``: left unset).
    """

    annotations: Mapping[str, pulumi.Input[str]]
    addresses: pulumi.Output[list[str]]
    resources: Mapping[str, pulumi.Resource] = field(default_factory=dict)
    load_balancer_ip: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class ClusterSpec:
    """One site's cluster, as planned.

    Attributes:
        nodes: nodes per zone (zone name → count, every count at least one), in zone order.
        node_size: the nodes' size in the vendor's words (checked against its SDK while planning).
        service_cidr: the range Kubernetes Services take their cluster IPs from.
        pod_cidr: the pods' range (``None`` where the vendor gives pods the site's addresses).
        kubernetes_version: ``major.minor``, or ``None`` for the vendor's default.
        image: the node image, where the vendor needs one (:attr:`ClusterTerms.image`).
        api_cidrs: the ranges allowed to reach the Kubernetes API (the estate's sites).
    """

    nodes: Mapping[str, int]
    node_size: str
    service_cidr: str
    pod_cidr: str | None = None
    kubernetes_version: str | None = None
    image: str | None = None
    api_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClusterHandle:
    """A cluster a driver created.

    Attributes:
        site, vendor: where it runs.
        name: the vendor's name of the cluster.
        endpoint: the Kubernetes API's address.
        kubeconfig: a kubeconfig reaching it, always a Pulumi secret (it may hold credentials).
        resources: the vendor's resources (``cluster``, ``nodes-<zone>`` …).
    """

    site: str
    vendor: str
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    resources: Mapping[str, pulumi.Resource] = field(default_factory=dict)
    #: The hosted zone of the vendor's load balancer names in the cluster's region, for a DNS of
    #: the same vendor to alias a LoadBalancer Service's hostname (Route 53 and an AWS NLB).
    load_balancer_zone_id: pulumi.Output[str] | None = None


@dataclass(frozen=True)
class WorkloadSpec:
    """One cluster's share of a fleet's workload: a Deployment, a PodDisruptionBudget and a Service
    of type LoadBalancer, through the cluster's ``pulumi-kubernetes`` provider.

    Attributes:
        name: the objects' name (a DNS-1123 label) in ``namespace``.
        image: the container image.
        container_port: the port the container serves on (its health path too).
        service_port: the load balancer's port.
        replicas: the pods the fleet's capacity plan puts on this cluster (at least one).
        cpu, memory: each pod's resource requests (Kubernetes quantities).
        health_path: the HTTP path answering 2xx when a pod can serve (its readiness probe).
        labels: every object's labels (the selector is ``app.kubernetes.io/name``).
    """

    name: str
    image: str
    container_port: int
    service_port: int
    replicas: int
    cpu: str
    memory: str
    health_path: str
    namespace: str = "default"
    labels: Mapping[str, str] = field(default_factory=dict)


def exec_kubeconfig(
    name: str, server: str, ca_data: str, command: str, args: tuple[str, ...], *, install_hint: str
) -> str:
    """A kubeconfig (JSON, which every YAML reader takes) reaching ``server`` whose user gets a
    short-lived token from ``command`` (the vendor's CLI plugin): no credential is written in it.
    ``ca_data`` is the cluster CA, base64-encoded PEM as the vendors return it."""

    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": name, "cluster": {"server": server, "certificate-authority-data": ca_data}}
            ],
            "users": [
                {
                    "name": name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": command,
                            "args": list(args),
                            "installHint": install_hint,
                            "interactiveMode": "Never",
                        }
                    },
                }
            ],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
        },
        indent=2,
    )


class ClusterModule(Protocol):
    """A vendor's cluster module (``drivers/<vendor>/cluster.py``; a module satisfies it): its
    terms and the :class:`~skyweave.drivers.services.ClusterService` functions."""

    CLUSTER_TERMS: ClusterTerms

    def cluster_site_problems(self, site: SiteArgs) -> list[str]: ...

    def cluster_value_problems(self, site: SiteArgs, spec: ClusterSpec) -> list[tuple[str, str]]: ...

    def create_cluster(self, ctx: SiteContext, network: SiteNetwork, spec: ClusterSpec) -> ClusterHandle: ...

    def create_fixed_addresses(
        self, ctx: SiteContext, network: SiteNetwork, handle: ClusterHandle, spec: WorkloadSpec
    ) -> FixedAddresses | None: ...


class ModuleClusters:
    """A driver whose cluster service is one module of its folder: it names the module once
    (``cluster_module``) and offers ``ClusterService`` through it, rather than four delegations
    written again in every driver."""

    cluster_module: ClusterModule

    def cluster_terms(self) -> ClusterTerms:
        return self.cluster_module.CLUSTER_TERMS

    def cluster_site_problems(self, site: SiteArgs) -> list[str]:
        return self.cluster_module.cluster_site_problems(site)

    def cluster_value_problems(self, site: SiteArgs, spec: ClusterSpec) -> list[tuple[str, str]]:
        return self.cluster_module.cluster_value_problems(site, spec)

    def create_cluster(self, ctx: SiteContext, network: SiteNetwork, spec: ClusterSpec) -> ClusterHandle:
        return self.cluster_module.create_cluster(ctx, network, spec)

    def create_fixed_addresses(
        self, ctx: SiteContext, network: SiteNetwork, handle: ClusterHandle, spec: WorkloadSpec
    ) -> FixedAddresses | None:
        return self.cluster_module.create_fixed_addresses(ctx, network, handle, spec)
