"""KubernetesFleet: managed Kubernetes clusters on several sites and vendors, sized so the fleet
keeps its declared node capacity after the failure it names.

What it is: one cluster per listed site, through each site's driver (its
:class:`~skyweave.drivers.services.ClusterService`: EKS, regional GKE, AKS Standard, Magnum), with

* **nodes sized N+1** for the failure the fleet names (``survive``: a zone, a region or a whole
  vendor): :func:`~skyweave.planning.capacity.plan_capacity`, the planner MultiCloudApp sizes its
  instances with, decides the nodes of every zone of every cluster so that losing the worst such
  domain still leaves ``min_nodes`` — and ``simulate`` checks the same placements;
* **pod and service ranges from the estate's IPAM** (:mod:`skyweave.planning.clusters`): unique
  across the clusters, never overlapping a site, a site's existing ranges or ``ipam.reserved``,
  pinned with ``pod_cidr``/``service_cidr`` like site blocks, each within what the vendor accepts;
* a **kubeconfig per cluster**, a Pulumi secret output, and the cluster's ``pulumi-kubernetes``
  provider made from it (:func:`~skyweave.drivers.cluster_objects.cluster_provider`), never a
  default kubeconfig.

Everything is planned and checked before anything registers (:func:`plan_kubernetes_fleet`): a
site whose vendor has no clusters, a node size its SDK does not list, a range its vendor refuses,
a failure the sites cannot survive — every problem is named at once with its key.

With a ``workload``, one service runs on every cluster through its provider (a Deployment spread
over the cluster's zones, a PodDisruptionBudget, a Service of type LoadBalancer), its pods sized by
the same planner, behind the health-checked DNS a MultiCloudApp uses (docs/kubernetes.md).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pulumi
from pydantic import ConfigDict, Field

from ..app.multi_cloud_app import create_dns, export_endpoint, remote_endpoint
from ..app.plan import AppDnsArgs, DnsProvider, plan_dns
from ..core.errors import ConfigIssue, InvalidArgsError, PlanningError, UnsupportedCapabilityError
from ..core.naming import KUBERNETES_FLEET
from ..core.sites import IPv4Block, SiteArgs, SiteName, Tags, resource_tags
from ..core.validation import ArgsModel, entry_args, name_field
from ..drivers.cluster_objects import cluster_provider, create_workload
from ..drivers.clusters import ClusterHandle, ClusterSpec, ClusterTerms, PodAddressing, WorkloadSpec
from ..drivers.component import Component, Providers, network_providers
from ..drivers.registry import get_driver, offering, per_vendor
from ..drivers.scope import UNIT_RESOURCES, current_scope
from ..drivers.services import ClusterService, service
from ..drivers.workloads import AppEndpoint, EndpointKind, HealthCheckSpec
from ..planning.availability import AvailabilityReport, SiteAvailability, service_availability
from ..planning.capacity import MAX_INSTANCES, CapacityPlan, SiteZones, plan_capacity
from ..planning.clusters import ClusterRanges, RangeRequest, plan_cluster_ranges, site_reservations
from ..planning.failure import FailureKind
from ..planning.ipam import Network

if TYPE_CHECKING:  # only its attributes are read
    from ..network.hybrid_vpc import HybridVpc

__all__ = [
    "FleetClusterArgs",
    "FleetPlan",
    "FleetRangesArgs",
    "FleetWorkloadArgs",
    "KubernetesFleet",
    "KubernetesFleetArgs",
    "KubernetesFleetConfig",
    "PlannedCluster",
    "WorkloadPlan",
    "plan_kubernetes_fleet",
]

#: The fleet's name prefixes its clusters' names (EKS: 100 characters; AKS's DNS prefix: 54).
NAME_LIMIT = 16
#: Default supernet of the clusters' ranges: RFC 1918 (which EKS and GKE require of them) and
#: apart from the sites' default supernet (10.0.0.0/8).
DEFAULT_SUPERNET = ipaddress.IPv4Network("172.16.0.0/12")
_NEEDED_FOR = "a KubernetesFleet cluster"


class FleetClusterArgs(ArgsModel):
    """One cluster of a :class:`KubernetesFleet`: its site and what its nodes are."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    site: SiteName = Field(description="The site the cluster runs on (one cluster per site). Required.")
    node_size: str = Field(
        min_length=1,
        description="Every node's size "
        f"({per_vendor(ClusterService, lambda s: s.cluster_terms().node_size)}). Required.",
    )
    kubernetes_version: str | None = Field(
        default=None,
        description="The Kubernetes version (EKS, GKE, AKS: major.minor such as 1.31; Magnum: a full "
        "release such as v1.28.9, its kube_tag). Omitted: the vendor's default.",
    )
    image: str | None = Field(
        default=None,
        description="The node image, where the vendor needs one "
        f"({per_vendor(ClusterService, lambda s: s.cluster_terms().image)}); refused elsewhere.",
    )
    pod_cidr: IPv4Block | None = Field(
        default=None,
        description="The cluster's pod range, pinned (vendors whose pods take the site's own addresses "
        "have none). Omitted: planned from ranges.supernet; pin it once planned.",
    )
    service_cidr: IPv4Block | None = Field(
        default=None,
        description="The cluster's Service range, pinned. Omitted: planned from ranges.supernet.",
    )


class FleetRangesArgs(ArgsModel):
    """Where the clusters' pod and service ranges come from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    supernet: IPv4Block = Field(
        default=DEFAULT_SUPERNET,
        description="The private range every unpinned pod and service range comes from, apart from the "
        "sites' supernet. Default 172.16.0.0/12.",
    )
    pod_prefix: int = Field(default=16, ge=8, le=28, description="An unpinned pod range's size. Default 16.")
    service_prefix: int = Field(
        default=20, ge=8, le=28, description="An unpinned service range's size. Default 20."
    )


#: A Kubernetes quantity (the API's resource.Quantity pattern), e.g. 250m, 0.5, 256Mi, 1Gi.
QUANTITY = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"


class FleetWorkloadArgs(ArgsModel):
    """One service on every cluster of the fleet, behind the same health-checked DNS a
    MultiCloudApp uses: a Deployment, a PodDisruptionBudget and a Service of type LoadBalancer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        pattern=r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$",
        description="The Deployment's, budget's and Service's name on every cluster (lowercase letters, "
        "digits and '-', a letter first, at most 40). Required.",
    )
    image: str = Field(pattern=r"^\S+$", description="The container image, e.g. nginx:1.27. Required.")
    min_replicas: int = Field(
        ge=1,
        le=MAX_INSTANCES,
        description="Pods the service must still have after losing the fleet's `survive` domain. Required.",
    )
    port: int = Field(
        default=8080, ge=1, le=65535, description="The port the container serves. Default 8080."
    )
    service_port: int = Field(
        default=80, ge=1, le=65535, description="The load balancer's port (and DNS's probe). Default 80."
    )
    cpu: str = Field(default="250m", pattern=QUANTITY, description="Each pod's CPU request. Default 250m.")
    memory: str = Field(
        default="256Mi", pattern=QUANTITY, description="Each pod's memory request. Default 256Mi."
    )
    health_check_path: str = Field(
        default="/healthz",
        pattern=r"^/\S*$",
        description="HTTP path answering 2xx when a pod can serve: its readiness probe and DNS's health "
        "check. Default /healthz.",
    )
    namespace: str = Field(
        default="default",
        pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
        description="The namespace the objects go in (an existing one). Default default.",
    )
    dns: AppDnsArgs | None = Field(
        default=None,
        description="Health-checked DNS in front of every cluster's load balancer, as a MultiCloudApp's "
        "dns block. Omitted: no DNS records.",
    )


class KubernetesFleetArgs(ArgsModel):
    """Arguments of :class:`KubernetesFleet`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clusters: tuple[FleetClusterArgs, ...] = Field(
        min_length=1, description="One cluster per site, on vendors with managed Kubernetes. Required."
    )
    min_nodes: int = Field(
        ge=1,
        le=MAX_INSTANCES,
        description="Nodes the fleet must still have after losing the `survive` domain. Required.",
    )
    survive: FailureKind = Field(
        default=FailureKind.ZONE,
        description="The failure the fleet survives with min_nodes left: zone (default), site, region "
        "or vendor.",
    )
    ranges: FleetRangesArgs = Field(default_factory=FleetRangesArgs, description="Pod and service ranges.")
    availability: dict[str, float] = Field(
        default_factory=dict,
        description="Per site, the cluster's availability where its vendor publishes no SLA (Magnum), "
        "e.g. {os-dc1: 0.999}; overrides a published one.",
    )
    tags: Tags = Field(default_factory=dict, description="Tags on every resource. Default none.")
    workload: FleetWorkloadArgs | None = Field(
        default=None,
        description="One service on every cluster, its pods sized to survive `survive`, behind "
        "health-checked DNS. Default none.",
    )


class KubernetesFleetConfig(KubernetesFleetArgs):
    """A fleet in the stack configuration (``skyweave:kubernetes``)."""

    name: str = name_field(NAME_LIMIT, "Name of the fleet component; prefixes its resources.")

    def args(self, estate_tags: Mapping[str, str] | None = None) -> KubernetesFleetArgs:
        return entry_args(self, KubernetesFleetArgs, estate_tags)


@dataclass(frozen=True)
class PlannedCluster:
    """One cluster as planned: its site, its vendor's terms and what the driver is asked for."""

    site: SiteArgs
    terms: ClusterTerms
    spec: ClusterSpec
    ranges: ClusterRanges


@dataclass(frozen=True)
class WorkloadPlan:
    """The fleet's workload as planned: its pods per cluster and zone and its DNS."""

    args: FleetWorkloadArgs
    capacity: CapacityPlan
    specs: Mapping[str, WorkloadSpec]
    dns_providers: tuple[DnsProvider, ...] = ()
    #: Whether DNS needs every load balancer at fixed addresses (a provider health-checking IP
    #: targets only): a vendor whose load balancer has a hostname then gives it fixed ones.
    fixed: bool = False
    #: Per site, how DNS reaches its load balancer (an IP where it is given fixed addresses).
    kinds: Mapping[str, EndpointKind] = field(default_factory=dict)

    @property
    def dns_record(self) -> str | None:
        return self.dns_providers[0].spec.record_name if self.dns_providers else None


@dataclass(frozen=True)
class FleetPlan:
    """Everything :class:`KubernetesFleet` builds, decided before it registers anything."""

    args: KubernetesFleetArgs
    clusters: tuple[PlannedCluster, ...]
    capacity: CapacityPlan
    availability: AvailabilityReport
    workload: WorkloadPlan | None = None

    @property
    def sites(self) -> list[SiteArgs]:
        return [c.site for c in self.clusters]

    def as_dict(self) -> dict[str, Any]:
        return {
            "placements": [p.as_dict() for p in self.capacity.placements],
            "minHealthy": self.capacity.min_healthy,
            "survive": self.capacity.survive.value,
            "sizing": list(self.capacity.explanation),
            "availability": self.availability.as_dict(),
            "ranges": {
                c.site.name: {
                    "podCidr": str(c.ranges.pod) if c.ranges.pod else None,
                    "serviceCidr": str(c.ranges.service),
                }
                for c in self.clusters
            },
        }


def plan_kubernetes_fleet(
    args: KubernetesFleetArgs,
    estate: Sequence[SiteArgs],
    site_ranges: Mapping[str, Sequence[Network]],
    *,
    reserved: Sequence[Network] = (),
    sites_supernet: Network | None = None,
    api_cidrs: Sequence[str] | None = None,
) -> FleetPlan:
    """Plan the fleet over the estate's sites (``site_ranges``: every site's routed ranges, which
    no cluster range may overlap); raise :class:`InvalidArgsError` listing every problem.

    ``api_cidrs``: the ranges the clusters' APIs admit, the estate's address space as the network
    states it (``HybridVpcPlan.estate_ranges``: the supernet and the ranges outside it, so adding a
    cloud site changes no cluster). Omitted: every site's IPv4 ranges."""
    by_name = {s.name: s for s in estate}
    issues: list[ConfigIssue] = []
    sited: list[tuple[int, FleetClusterArgs, SiteArgs, ClusterService]] = []
    seen: set[str] = set()
    for i, cluster in enumerate(args.clusters):
        path = f"clusters[{i}]"
        site = by_name.get(cluster.site)
        if site is None:
            issues.append(
                ConfigIssue(
                    f"{path}.site", f"no such site; the estate's sites are {', '.join(by_name)}", cluster.site
                )
            )
            continue
        if cluster.site in seen:
            issues.append(
                ConfigIssue(
                    f"{path}.site", f"site {cluster.site!r} already has a cluster; one per site", cluster.site
                )
            )
            continue
        seen.add(cluster.site)
        try:
            clusters = service(get_driver(site.vendor), ClusterService, needed_for=_NEEDED_FOR)
        except UnsupportedCapabilityError as exc:
            able = ", ".join(d.vendor for d, _ in offering(ClusterService))
            message = (
                f"site {site.name!r} cannot run a cluster: {exc}; vendors with managed Kubernetes: {able}"
            )
            issues.append(ConfigIssue(f"{path}.site", message, cluster.site))
            continue
        issues += [ConfigIssue(f"{path}.site", p, cluster.site) for p in clusters.cluster_site_problems(site)]
        draft = ClusterSpec(
            nodes={},
            node_size=cluster.node_size,
            service_cidr="",
            kubernetes_version=cluster.kubernetes_version,
            image=cluster.image,
        )
        for key, problem in clusters.cluster_value_problems(site, draft):
            value = getattr(cluster, key, None)
            issues.append(ConfigIssue(f"{path}.{key}", problem, value, has_value=value is not None))
        terms = clusters.cluster_terms()
        if cluster.pod_cidr is not None and terms.pods is PodAddressing.SUBNETS:
            message = (
                f"{terms.product} pods take the site's own subnet addresses: there is no pod range; "
                "remove pod_cidr"
            )
            issues.append(ConfigIssue(f"{path}.pod_cidr", message, str(cluster.pod_cidr)))
        sited.append((i, cluster, site, clusters))
    for name, figure in args.availability.items():
        if name not in seen:
            issues.append(ConfigIssue(f"availability.{name}", "not a site of the fleet's clusters", figure))
        elif not 0.0 < figure <= 1.0:
            issues.append(ConfigIssue(f"availability.{name}", "must be in (0, 1], e.g. 0.999", figure))
    supernet = args.ranges.supernet
    if sites_supernet is not None and supernet.overlaps(sites_supernet):
        message = (
            f"overlaps the sites' supernet {sites_supernet} (ipam.supernet): a site added later could be "
            "placed on a cluster's range; use a range apart from it, e.g. 172.16.0.0/12 or 192.168.0.0/16"
        )
        issues.append(ConfigIssue("ranges.supernet", message, str(supernet)))
    if issues:
        raise InvalidArgsError(issues)

    requests = []
    for i, cluster, site, clusters in sited:
        terms = clusters.cluster_terms()
        pods = terms.pods is PodAddressing.POD_RANGE
        requests.append(
            RangeRequest(
                key=site.name,
                path=f"clusters[{i}]",
                service_prefixlen=args.ranges.service_prefix,
                pod_prefixlen=args.ranges.pod_prefix if pods else None,
                service_pin=cluster.service_cidr,
                pod_pin=cluster.pod_cidr if pods else None,
                service_rule=terms.service_range,
                pod_rule=terms.pod_range if pods else None,
                what=f"{terms.product} (site {site.name!r})",
            )
        )
    try:
        ranges = plan_cluster_ranges(
            supernet, requests, site_reservations(site_ranges, reserved), supernet_path="ranges.supernet"
        )
        capacity = plan_capacity(
            [
                SiteZones(
                    s.name, s.vendor, s.region, tuple(s.zones), 1, get_driver(s.vendor).failure_hosts(s)
                )
                for _, _, s, _ in sited
            ],
            args.min_nodes,
            args.survive,
        )
    except PlanningError as exc:
        raise InvalidArgsError(exc.as_issues()) from exc

    if api_cidrs is None:
        api_cidrs = [str(net) for nets in site_ranges.values() for net in nets if net.version == 4]
    planned: list[PlannedCluster] = []
    site_availability: list[SiteAvailability] = []
    for _, cluster, site, clusters in sited:
        terms = clusters.cluster_terms()
        zones = capacity.site_zones(site.name)
        got = ranges[site.name]
        spec = ClusterSpec(
            nodes={zone: count for zone, count in zones.items() if count > 0},
            node_size=cluster.node_size,
            service_cidr=str(got.service),
            pod_cidr=str(got.pod) if got.pod is not None else None,
            kubernetes_version=cluster.kubernetes_version,
            image=cluster.image,
            api_cidrs=tuple(api_cidrs),
        )
        planned.append(PlannedCluster(site, terms, spec, got))
        hosts = tuple(h.split("/", 1)[0] for h in get_driver(site.vendor).failure_hosts(site))
        nodes = sum(spec.nodes.values())
        override = args.availability.get(site.name)
        if override is not None:
            site_availability.append(
                SiteAvailability(site.name, site.vendor, override, nodes, "override", hosts)
            )
        elif terms.sla is not None:
            source = f"{terms.product} SLA ({terms.sla.source})"
            site_availability.append(
                SiteAvailability(site.name, site.vendor, terms.sla.zone_redundant, nodes, source, hosts)
            )
        else:
            message = (
                f"{terms.product} publishes no SLA; state the operator's figure for this cluster, e.g. 0.999"
            )
            issues.append(ConfigIssue(f"availability.{site.name}", message, has_value=False))
    if issues:
        raise InvalidArgsError(issues)
    try:
        availability = service_availability(site_availability, args.min_nodes)
    except PlanningError as exc:
        raise InvalidArgsError([exc.as_issue()]) from exc
    workload = _plan_workload(args, planned, estate) if args.workload is not None else None
    return FleetPlan(
        args=args, clusters=tuple(planned), capacity=capacity, availability=availability, workload=workload
    )


def _plan_workload(
    args: KubernetesFleetArgs, planned: Sequence[PlannedCluster], estate: Sequence[SiteArgs]
) -> WorkloadPlan:
    """The workload's pods per cluster and zone — the capacity planner's, over the zones holding
    the clusters' nodes, so losing the fleet's ``survive`` domain leaves ``min_replicas`` — and its
    DNS, planned as a MultiCloudApp's (:func:`~skyweave.app.plan.plan_dns`)."""
    w = args.workload
    assert w is not None
    try:
        capacity = plan_capacity(
            [
                SiteZones(
                    c.site.name,
                    c.site.vendor,
                    c.site.region,
                    tuple(c.spec.nodes),
                    1,
                    get_driver(c.site.vendor).failure_hosts(c.site),
                )
                for c in planned
            ],
            w.min_replicas,
            args.survive,
        )
    except PlanningError as exc:
        raise InvalidArgsError([replace(i, path=f"workload.{i.path}") for i in exc.as_issues()]) from exc
    per_site = capacity.per_site()
    terms = {c.site.name: c.terms for c in planned}
    health = HealthCheckSpec(
        path=w.health_check_path,
        port=w.service_port,
        interval_seconds=10,
        timeout_seconds=5,
        healthy_threshold=2,
        unhealthy_threshold=3,
    )
    issues: list[ConfigIssue] = []

    def kind(site: SiteArgs, fixed: bool) -> EndpointKind:
        """The load balancer's kind, or an IP where DNS needs fixed addresses and the vendor gives
        its load balancer some (:attr:`ClusterTerms.fixed_addresses`), as for an app's site."""
        site_terms = terms[site.name]
        if fixed and site_terms.load_balancer is EndpointKind.HOSTNAME and site_terms.fixed_addresses:
            return EndpointKind.IP
        return site_terms.load_balancer

    providers, fixed = plan_dns(w.dns, health, [c.site for c in planned], estate, per_site, issues, kind)
    if issues:
        raise InvalidArgsError([replace(i, path=f"workload.{i.path}") for i in issues])
    specs = {
        c.site.name: WorkloadSpec(
            name=w.name,
            image=w.image,
            container_port=w.port,
            service_port=w.service_port,
            replicas=per_site[c.site.name],
            cpu=w.cpu,
            memory=w.memory,
            health_path=w.health_check_path,
            namespace=w.namespace,
        )
        for c in planned
        if per_site.get(c.site.name, 0) > 0
    }
    kinds = {c.site.name: kind(c.site, fixed) for c in planned}
    return WorkloadPlan(
        args=w, capacity=capacity, specs=specs, dns_providers=providers, fixed=fixed, kinds=kinds
    )


class KubernetesFleet(
    Component[KubernetesFleetArgs, FleetPlan],
    token=KUBERNETES_FLEET,
    name_limit=NAME_LIMIT,
    why="AKS DNS prefixes are limited to 54 characters",
):
    """A managed Kubernetes cluster on each listed site, sized N+1 for the failure it names.

    Args:
        name: the component's name; every child's name starts with it.
        args: a :class:`KubernetesFleetArgs` (or a mapping validated into one).
        opts: resource options for the component.
        network: the estate's :class:`~skyweave.HybridVpc`: the clusters' sites, subnets, the
            ranges no cluster range may overlap, and (unless ``providers``) the providers.
        providers: each site's provider. Omitted: the network's.
        plan: the plan the stack loader made (checked against ``args``). Omitted: planned here.

    Attributes:
        clusters: output, per site: vendor, product, name, endpoint, pod and service ranges, nodes per zone.
        kubeconfigs: secret output, per site, a kubeconfig reaching the cluster.
        kubernetes_providers: per site, the cluster's ``pulumi-kubernetes`` provider (made from
            that kubeconfig), for objects of your own on the cluster.
        placements: output, the nodes per site and zone (what ``simulate`` fails).
        availability: output, the availability model's figures for the fleet's node capacity.
    """

    def __init__(
        self,
        name: str,
        args: KubernetesFleetArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        network: HybridVpc,
        providers: Providers | None = None,
        plan: FleetPlan | None = None,
    ) -> None:
        def make_plan(a: KubernetesFleetArgs) -> FleetPlan:
            addresses = network.plan.addresses
            ipam = network.plan.args.ipam
            return plan_kubernetes_fleet(
                a,
                network.plan.args.sites,
                {site: list(p.cidrs) for site, p in addresses.sites.items()},
                reserved=list(ipam.reserved),
                sites_supernet=ipam.supernet,
                api_cidrs=network.plan.estate_ranges(ipv6=False),
            )

        args = self.prepare(name, KubernetesFleetArgs, args, plan, make_plan)
        providers = network_providers(providers, network, (s.name for s in self.plan.sites))
        self.register(name, None, opts, providers)
        handles: dict[str, ClusterHandle] = {}
        #: Per site, the cluster's ``pulumi-kubernetes`` provider, made from its outputs.
        self.kubernetes_providers: dict[str, pulumi.ProviderResource] = {}
        # In a unit (drivers/scope.py): each site's unit builds its cluster, the cluster's
        # provider (from its kubeconfig, which never leaves the unit) and the workload on it, and
        # exports the workload's entry point; the global unit builds the workload's DNS from them.
        scope = current_scope()
        clusters = [c for c in self.plan.clusters if scope is None or scope.builds_site(c.site.name)]
        for cluster in clusters:
            site = cluster.site
            ctx = self.site_context(site, resource_tags(site, site.tags, args.tags))
            driver = service(get_driver(site.vendor), ClusterService, needed_for=_NEEDED_FOR)
            handle = driver.create_cluster(ctx, network.site_networks[site.name], cluster.spec)
            handles[site.name] = handle
            self.kubernetes_providers[site.name] = cluster_provider(ctx, handle)
        self.handles = handles
        #: Per site, the workload's entry point (its load balancer), when the fleet runs one.
        self.workload_endpoints: dict[str, AppEndpoint] = {}
        self.dns_resources: dict[str, pulumi.Resource] = {}
        workload = self.plan.workload
        if workload is not None:
            dns_endpoints: list[AppEndpoint] = []
            for cluster in self.plan.clusters:
                site = cluster.site
                spec = workload.specs.get(site.name)
                if spec is None:
                    continue
                key = f"{name}.workload.{site.name}"
                if scope is not None and not scope.builds_site(site.name):
                    if scope.builds_global and workload.dns_providers:
                        # what DNS branches on is the plan's: the cluster's load balancer kind
                        # and the workload's replicas (cluster_objects.create_workload's endpoint)
                        dns_endpoints.append(
                            remote_endpoint(
                                scope.site_units[site.name],
                                key,
                                site=site.name,
                                vendor=site.vendor,
                                # the plan's kind: an IP where the load balancer is given
                                # fixed addresses (cluster_objects.create_workload)
                                kind=workload.kinds[site.name],
                                weight=spec.replicas,
                            )
                        )
                    continue
                ctx = self.site_context(site, resource_tags(site, site.tags, args.tags))
                fixed = None
                if workload.fixed:
                    driver = service(get_driver(site.vendor), ClusterService, needed_for=_NEEDED_FOR)
                    fixed = driver.create_fixed_addresses(
                        ctx, network.site_networks[site.name], handles[site.name], spec
                    )
                endpoint = create_workload(
                    ctx, self.kubernetes_providers[site.name], handles[site.name], cluster.terms, spec, fixed
                )
                self.workload_endpoints[site.name] = endpoint
                dns_endpoints.append(endpoint)
                if workload.dns_providers:
                    export_endpoint(key, endpoint)
            if scope is None or scope.builds_global:
                self.dns_resources, _ = create_dns(
                    workload.dns_providers,
                    dns_endpoints,
                    lambda site: self.site_context(site, resource_tags(site, site.tags, args.tags)),
                )
        summary = self.plan.as_dict()

        def summary_of(c: PlannedCluster, values: list[Any]) -> dict[str, Any]:
            return {
                "vendor": c.site.vendor,
                "product": c.terms.product,
                "name": values[0],
                "endpoint": values[1],
                "podCidr": str(c.ranges.pod) if c.ranges.pod else None,
                "serviceCidr": str(c.ranges.service),
                "pods": c.terms.pods.value,
                "nodes": dict(c.spec.nodes),
            }

        rows: dict[str, pulumi.Output[dict[str, Any]]] = {}
        for c in clusters:
            handle = handles[c.site.name]
            rows[c.site.name] = pulumi.Output.all(handle.name, handle.endpoint).apply(
                functools.partial(summary_of, c)
            )
        self.clusters: pulumi.Output[dict[str, Any]] = pulumi.Output.all(**rows)
        kubeconfigs: pulumi.Output[dict[str, Any]] = pulumi.Output.all(
            **{s: h.kubeconfig for s, h in handles.items()}
        )
        self.kubeconfigs: pulumi.Output[dict[str, Any]] = pulumi.Output.secret(kubeconfigs)
        self.placements = pulumi.Output.from_input(summary["placements"])
        self.availability = pulumi.Output.from_input(summary["availability"])
        # The workload's plan (what simulate and the pack read: known in any preview) apart from
        # its load balancers' addresses (known once they exist).
        planned = (
            {
                "name": workload.args.name,
                "replicas": {s: spec.replicas for s, spec in workload.specs.items()},
                "placements": [p.as_dict() for p in workload.capacity.placements],
                "minHealthy": workload.capacity.min_healthy,
                "survive": workload.capacity.survive.value,
                "dnsName": workload.dns_record,
                "dnsVendors": [p.vendor for p in workload.dns_providers],
            }
            if workload is not None
            else None
        )
        addresses: pulumi.Output[dict[str, Any]] = pulumi.Output.all(
            **{s: e.address for s, e in self.workload_endpoints.items()}
        )
        #: The workload's plan and, per site, its load balancer's address (``None``: no workload).
        self.workload: pulumi.Output[dict[str, Any] | None] = addresses.apply(
            lambda found: None if planned is None else {**planned, "addresses": dict(found)}
        )
        self.register_outputs(
            {
                "workload": planned,
                "workloadAddresses": addresses,
                "clusters": self.clusters,
                "kubeconfigs": self.kubeconfigs,
                "placements": self.placements,
                "minHealthy": summary["minHealthy"],
                "survive": summary["survive"],
                "sizing": summary["sizing"],
                "availability": self.availability,
                "ranges": summary["ranges"],
                # In a unit: what it exports of this fleet's resources (drivers/scope.py).
                **({UNIT_RESOURCES: scope.owned_by(name)} if scope is not None else {}),
            }
        )
