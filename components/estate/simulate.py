"""``skyweave simulate``: fail every vendor, region and zone of a stack, one at a time, and report.

For each failure and each app: the capacity left (from the app's capacity plan, through the
shared :mod:`skyweave.planning.failure` model — the same numbers the policy pack checks), whether
DNS still has a healthy target, and whether the network stays connected. A failure is
*required* to be survived when it is the app's ``survive`` kind or a narrower one inside it
(a vendor holds regions, a region holds zones); the command exits non-zero if any required
failure leaves an app below ``min_healthy`` or without a healthy DNS target.

DNS providers: a name served by several DNS vendors (``dns.also_served_by``: multi-provider
authoritative DNS) is lost only when all of them fail. A name served by one: Route 53 and Cloud
DNS both publish a 100% availability SLA for answering queries, so for an app that need not
survive a vendor the DNS service itself is assumed to outlive a failure of its vendor's compute;
the report still flags it (``dns.provider_failed``), and ``--strict-dns`` counts it as not
survived — the policy pack's ``skyweave-redundancy-dns-survives-vendor-loss`` at its default
level is advisory, ``--strict-dns`` is that rule at mandatory. An app with ``survive: vendor``
always counts its name as lost with its only DNS vendor, as the mandatory
``skyweave-redundancy-app-dns-survives-vendor-loss`` does.

Databases (MultiCloudDatabase): for each failure, what the cluster does —
:func:`~skyweave.planning.database.database_outcome`, the planner's own answer: its leader kept, a
failover (within the plan's bound), its etcd quorum lost, or no standby left to promote. A
database must survive every single vendor, region and zone failure (its planner refuses a layout
that does not), so a quorum lost or no candidate is a required failure not survived; a leader
left without a synchronous standby under ``rpo: zero`` survives with its writes blocked, and the
report says so.

The network: the links HybridVpc plans (docs/connectivity.md) form the site graph
(:class:`~skyweave.planning.topology.SiteGraph`, the same one ``skyweave graph`` prints); a failure
that leaves the surviving sites in more than one group *partitions* the estate, and a partition
during a required failure is not survived either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..core.errors import PlanningError
from ..core.naming import BARE_METAL_POOL, HYBRID_VPC, KUBERNETES_FLEET, MULTI_CLOUD_APP, MULTI_CLOUD_DATABASE
from ..drivers import get_driver
from ..planning.database import (
    DatabaseMember,
    DatabaseOutcome,
    DatabasePlan,
    DatabaseState,
    MemberRole,
    PatroniTiming,
    Rpo,
    database_outcome,
    plan_database,
)
from ..planning.failure import FailureKind, Placement, domain_keys
from ..planning.topology import SiteGraph
from .config import StackConfig

__all__ = [
    "REPORT_HEADER",
    "AppOutcome",
    "Estate",
    "FailureOutcome",
    "PathOutcome",
    "SimulationReport",
    "SiteRow",
    "Workload",
    "WorkloadOutcome",
    "estate_from_components",
    "estate_from_config",
    "render_json",
    "report_rows",
    "report_verdict",
    "simulate",
    "simulate_estate",
]

#: The failures simulated, widest first.
KINDS = (FailureKind.VENDOR, FailureKind.REGION, FailureKind.ZONE)
#: Nesting order used to decide which failures an app is required to survive.
_ORDER = (FailureKind.VENDOR, FailureKind.SITE, FailureKind.REGION, FailureKind.ZONE)


@dataclass(frozen=True)
class SiteRow:
    """One site as the simulation sees it: its vendor, region and zones (its narrowest domains),
    and the other vendors' regions it runs on (``hosts``: hosted vSphere), which fail it too."""

    name: str
    vendor: str
    region: str
    zones: tuple[str, ...]
    hosts: tuple[str, ...] = ()

    def placement(self, zone: str) -> Placement:
        return Placement(self.name, self.vendor, self.region, zone, 0, self.hosts)


@dataclass(frozen=True)
class Workload:
    """Something that must keep ``min_healthy`` units through a ``survive`` failure: an app's
    instances, a bare-metal pool's nodes, a KubernetesFleet's nodes or its workload's pods
    (``kind``: ``app``, ``pool``, ``cluster``, ``pods``), as
    :class:`~skyweave.planning.failure.Placement` rows.

    ``within`` maps a placement zone that is not one of its site's zones to the site zone holding
    it (a rack of servers you bring → its room), so losing the room loses the rack too.
    """

    kind: str
    name: str
    placements: tuple[Placement, ...]
    min_healthy: int
    survive: FailureKind
    dns_record: str | None = None
    #: Every vendor whose DNS serves ``dns_record`` (several: multi-provider authoritative DNS).
    dns_vendors: tuple[str, ...] = ()
    within: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Estate:
    """What ``simulate`` needs, whichever way the estate was described (stack file or preview)."""

    sites: tuple[SiteRow, ...]
    links: tuple[tuple[str, str], ...]
    workloads: tuple[Workload, ...]
    single_paths: tuple[SinglePath, ...] = ()
    #: Every MultiCloudDatabase's cluster plan (its members' placements, quorum and durability).
    databases: tuple[DatabasePlan, ...] = ()


@dataclass(frozen=True)
class SinglePath:
    """A link with one active path whatever its tunnel count (a policy-based end)."""

    link: str
    a: str
    b: str
    tunnels: int
    active_paths: int


@dataclass(frozen=True)
class WorkloadOutcome:
    """One app or pool under one failure."""

    app: str
    remaining: int
    total: int
    min_healthy: int
    required: bool
    healthy_targets: tuple[str, ...]
    dns_record: str | None
    dns_provider_failed: bool
    survived: bool
    kind: str = "app"

    def as_dict(self) -> dict[str, Any]:
        if self.kind in ("pool", "cluster"):
            return {
                "pool" if self.kind == "pool" else "fleet": self.app,
                "remaining": self.remaining,
                "total": self.total,
                "min_healthy": self.min_healthy,
                "required": self.required,
                "survived": self.survived,
                "healthy_sites": list(self.healthy_targets),
            }
        return {  # an app, or a fleet workload's pods: the same row under the name each is known by
            "workload" if self.kind == "pods" else "app": self.app,
            "remaining": self.remaining,
            "total": self.total,
            "min_healthy": self.min_healthy,
            "required": self.required,
            "survived": self.survived,
            "dns": None
            if self.dns_record is None
            else {
                "record": self.dns_record,
                "healthy_targets": list(self.healthy_targets),
                "healthy": bool(self.healthy_targets),
                "provider_failed": self.dns_provider_failed,
            },
            "healthy_sites": list(self.healthy_targets),
        }


#: The name this outcome had before pools were simulated too.
AppOutcome = WorkloadOutcome


@dataclass(frozen=True)
class FailureOutcome:
    """One failure domain lost."""

    kind: FailureKind
    domain: str
    lost_sites: tuple[str, ...]
    network_connected: bool
    apps: tuple[WorkloadOutcome, ...]
    pools: tuple[WorkloadOutcome, ...] = ()
    #: Each KubernetesFleet's nodes (its clusters' node groups and pools).
    clusters: tuple[WorkloadOutcome, ...] = ()
    #: Each KubernetesFleet's workload: its pods (``<fleet>/<workload>``), behind its DNS.
    services: tuple[WorkloadOutcome, ...] = ()
    #: Each database's state: (its name, what the failure does to it).
    databases: tuple[tuple[str, DatabaseOutcome], ...] = ()

    @property
    def failed_databases(self) -> list[tuple[str, DatabaseOutcome]]:
        """Databases left without a leader: every single failure is required of a database."""
        return [(name, o) for name, o in self.databases if not database_survived(o)]

    @property
    def workloads(self) -> tuple[WorkloadOutcome, ...]:
        return self.apps + self.pools + self.clusters + self.services

    @property
    def failed_required(self) -> list[WorkloadOutcome]:
        return [a for a in self.workloads if a.required and not a.survived]

    @property
    def required(self) -> bool:
        """Some app, pool or database must survive this failure."""
        return any(a.required for a in self.workloads) or bool(self.databases)

    @property
    def survived(self) -> bool:
        return (
            not self.failed_required
            and not self.failed_databases
            and (self.network_connected or not self.required)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "domain": self.domain,
            "lost_sites": list(self.lost_sites),
            "network": "connected" if self.network_connected else "partitioned",
            "apps": [a.as_dict() for a in self.apps],
            "pools": [p.as_dict() for p in self.pools],
            # only where the estate runs a fleet: reports of estates without one keep their shape
            **({"clusters": [c.as_dict() for c in self.clusters]} if self.clusters else {}),
            **({"services": [c.as_dict() for c in self.services]} if self.services else {}),
            "databases": [_database_dict(name, o) for name, o in self.databases],
        }


def database_survived(outcome: DatabaseOutcome) -> bool:
    """A leader is kept or a standby is promoted (writes may still block under ``rpo: zero``)."""
    return outcome.state in (DatabaseState.LEADER_KEPT, DatabaseState.FAILOVER)


def _database_dict(name: str, outcome: DatabaseOutcome) -> dict[str, Any]:
    return {
        "database": name,
        "state": outcome.state.value,
        "writable": outcome.writable,
        "etcd_left": outcome.etcd_left,
        "etcd_total": outcome.etcd_total,
        "quorum": outcome.quorum,
        "postgres_left": list(outcome.postgres_left),
        "survived": database_survived(outcome),
        "reason": outcome.reason,
    }


@dataclass(frozen=True)
class PathOutcome:
    """The one active path of a single-path link (a policy-based end) lost.

    Narrower than any zone, so every app's ``survive`` covers it: a partition here is not survived
    whenever the estate runs an app at all.
    """

    link: str
    tunnels: int
    active_paths: int
    network_connected: bool
    required: bool

    @property
    def survived(self) -> bool:
        return self.network_connected or not self.required

    def as_dict(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "tunnels": self.tunnels,
            "active_paths": self.active_paths,
            "network": "connected" if self.network_connected else "partitioned",
            "required": self.required,
        }


@dataclass(frozen=True)
class SimulationReport:
    stack: str
    failures: tuple[FailureOutcome, ...]
    links: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = field(default=())
    single_paths: tuple[PathOutcome, ...] = field(default=())

    @property
    def survived(self) -> bool:
        return all(f.survived for f in self.failures) and all(p.survived for p in self.single_paths)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "survived": self.survived,
            "network_links": [list(link) for link in self.links],
            "single_path_links": [p.as_dict() for p in self.single_paths],
            "notes": list(self.notes),
            "failures": [f.as_dict() for f in self.failures],
        }


def _required(survive: FailureKind, kind: FailureKind) -> bool:
    return _ORDER.index(kind) >= _ORDER.index(survive)


def estate_from_config(config: StackConfig, *, links: Iterable[tuple[str, str]] | None = None) -> Estate:
    """The estate a validated stack configuration describes: its sites, the links HybridVpc plans
    (or ``links``), every app's capacity plan and every pool's placement."""
    network = config.plan.network  # planned once, when the stack file was validated
    link_list = (
        [(link.a.site, link.b.site) for link in network.connectivity.links] if links is None else list(links)
    )
    single = tuple(
        SinglePath(link.id, link.a.site, link.b.site, len(link.tunnels), link.active_paths or 0)
        for link in (network.connectivity.links if links is None else ())
        if not link.redundant
    )
    workloads: list[Workload] = []
    for app in config.apps:
        plan = config.plan.apps[app.name]
        workloads.append(
            Workload(
                kind="app",
                name=app.name,
                placements=tuple(plan.capacity.placements),
                min_healthy=plan.capacity.min_healthy,
                survive=plan.capacity.survive,
                dns_record=plan.dns.record_name if plan.dns is not None else None,
                dns_vendors=tuple(p.vendor for p in plan.dns_providers),
            )
        )
    for pool in config.pools:
        pool_plan = config.plan.pools[pool.name]
        args = pool_plan.args
        within = {zone: outer for source in args.sources for zone, outer in source.zones_within().items()}
        workloads.append(
            Workload(
                kind="pool",
                name=pool.name,
                placements=tuple(pool_plan.placement.placements()),
                min_healthy=args.min_healthy,
                survive=args.survive,
                within=within,
            )
        )
    for fleet in config.kubernetes:
        fleet_plan = config.plan.fleets[fleet.name]
        workloads.append(
            Workload(
                kind="cluster",
                name=fleet.name,
                placements=tuple(fleet_plan.capacity.placements),
                min_healthy=fleet_plan.capacity.min_healthy,
                survive=fleet_plan.capacity.survive,
            )
        )
    for fleet in config.kubernetes:
        pods = config.plan.fleets[fleet.name].workload
        if pods is not None:  # the fleet's workload: its pods behind its DNS
            workloads.append(
                Workload(
                    kind="pods",
                    name=f"{fleet.name}/{pods.args.name}",
                    placements=tuple(pods.capacity.placements),
                    min_healthy=pods.capacity.min_healthy,
                    survive=pods.capacity.survive,
                    dns_record=pods.dns_record,
                    dns_vendors=tuple(p.vendor for p in pods.dns_providers),
                )
            )
    sites = tuple(
        SiteRow(s.name, s.vendor, s.region, tuple(s.zones), get_driver(s.vendor).failure_hosts(s))
        for s in config.sites
    )
    databases = tuple(config.plan.databases[d.name].cluster for d in config.databases)
    return Estate(sites, tuple(link_list), tuple(workloads), single, databases)


def estate_from_components(
    resources: Sequence[Mapping[str, Any]], component_outputs: Mapping[str, Mapping[str, Any]]
) -> Estate:
    """The estate a preview recorded: from HybridVpc's ``layout`` and ``links`` outputs, each
    MultiCloudApp's and BareMetalPool's ``placements`` / ``minHealthy`` / ``survive``.

    This is how an estate built in code (no ``skyweave:`` keys in its stack file) is simulated:
    from ``run.component_outputs`` in-process, or the ``component_outputs`` of a preview JSON.

    Raises:
        ValueError: the resources hold no HybridVpc with outputs (nothing to simulate).
    """
    sites: dict[str, SiteRow] = {}
    links: list[tuple[str, str]] = []
    single: list[SinglePath] = []
    workloads: list[Workload] = []
    databases: list[tuple[str, Mapping[str, Any]]] = []
    children: dict[str, list[Mapping[str, Any]]] = {}
    for res in resources:
        children.setdefault(str(res.get("parent") or ""), []).append(res)
    for res in sorted(resources, key=lambda r: (str(r.get("type")), str(r.get("name")))):
        urn, kind = str(res.get("urn")), res.get("type")
        outputs = component_outputs.get(urn, {})
        if kind == HYBRID_VPC and outputs:
            for name, site in (outputs.get("layout") or {}).get("sites", {}).items():
                sites[name] = SiteRow(
                    name, str(site.get("vendor")), str(site.get("region")), tuple(site.get("zones") or ())
                )
            for lid, link in (outputs.get("links") or {}).get("links", {}).items():
                a, b = link["sites"]
                links.append((str(a), str(b)))
                if link.get("redundant") is False and link.get("routing") != "peering":
                    tunnels, active = int(link.get("tunnels") or 0), int(link.get("active_paths") or 0)
                    single.append(SinglePath(str(lid), str(a), str(b), tunnels, active))
        elif kind == MULTI_CLOUD_DATABASE and outputs:
            databases.append((str(res.get("name")), outputs))
        elif kind in (MULTI_CLOUD_APP, BARE_METAL_POOL, KUBERNETES_FLEET):
            props = {**(res.get("inputs") or {}), **outputs}
            placements = tuple(Placement.from_mapping(p) for p in props.get("placements") or ())
            base = Workload(
                kind={MULTI_CLOUD_APP: "app", BARE_METAL_POOL: "pool"}.get(str(kind), "cluster"),
                name=str(res.get("name")),
                placements=placements,
                min_healthy=int(props.get("minHealthy") or 0),
                survive=FailureKind(str(props.get("survive") or FailureKind.ZONE.value)),
            )
            if kind == MULTI_CLOUD_APP:
                # The app says which vendors serve its name (dnsVendors); a preview made before
                # it did is read from the DNS records among its children.
                said = props.get("dnsVendors")
                dns_vendors = (
                    tuple(str(v) for v in said)
                    if isinstance(said, list)
                    else tuple(
                        dict.fromkeys(
                            str(child["type"]).split(":", 1)[0]
                            for child in children.get(urn, [])
                            if str(child.get("type", "")).startswith(("aws:route53/record", "gcp:dns/"))
                        )
                    )
                )
                record = props.get("dnsName")
                workloads.append(
                    replace(base, dns_record=str(record) if record else None, dns_vendors=dns_vendors)
                )
            elif kind == KUBERNETES_FLEET:
                workloads.append(base)
                pods = outputs.get("workload")
                if isinstance(pods, Mapping):  # its workload: the pods behind its DNS
                    workloads.append(
                        Workload(
                            kind="pods",
                            name=f"{res.get('name')}/{pods.get('name')}",
                            placements=tuple(Placement.from_mapping(p) for p in pods.get("placements") or ()),
                            min_healthy=int(pods.get("minHealthy") or 0),
                            survive=FailureKind(str(pods.get("survive") or FailureKind.ZONE.value)),
                            dns_record=str(pods["dnsName"]) if pods.get("dnsName") else None,
                            dns_vendors=tuple(str(v) for v in pods.get("dnsVendors") or ()),
                        )
                    )
            else:
                within = {
                    str(domain["rack"]): str(domain["room"])
                    for node in outputs.get("nodes") or ()
                    if isinstance(domain := node.get("failure_domain"), Mapping)
                    and domain.get("rack")
                    and domain.get("room")
                }
                workloads.append(replace(base, within=within))
    if not sites:
        raise ValueError("no HybridVpc outputs: nothing to simulate")
    order = {kind: i for i, kind in enumerate(("app", "pool", "cluster", "pods"))}
    workloads.sort(key=lambda w: (order[w.kind], w.name))
    clusters = tuple(c for name, outputs in databases if (c := _cluster(name, outputs, sites)) is not None)
    return Estate(tuple(sites.values()), tuple(links), tuple(workloads), tuple(single), clusters)


def _cluster(name: str, outputs: Mapping[str, Any], sites: Mapping[str, SiteRow]) -> DatabasePlan | None:
    """A MultiCloudDatabase's cluster plan again, from its outputs (``members``, ``rpo``,
    ``timing``): the planner re-checks it; outputs it cannot read are no database to simulate."""
    try:
        members = []
        listed = list((outputs.get("members") or {}).values())
        for member in sorted(listed, key=lambda m: int(m.get("index", 0))):
            site = sites[str(member["site"])]
            members.append(
                DatabaseMember(
                    site.name,
                    site.vendor,
                    site.region,
                    str(member["zone"]),
                    MemberRole(str(member["role"])),
                    bool(member.get("sync", True)),
                )
            )
        timing = outputs.get("timing") or {}
        return plan_database(
            name,
            members,
            rpo=Rpo(str(outputs.get("rpo") or Rpo.ZERO.value)),
            timing=PatroniTiming(**{k: int(v) for k, v in timing.items()}),
        )
    except (KeyError, TypeError, ValueError, PlanningError):
        return None


def simulate(
    config: StackConfig,
    *,
    stack: str = "",
    links: Iterable[tuple[str, str]] | None = None,
    strict_dns: bool = False,
) -> SimulationReport:
    """Fail every vendor, region and zone of ``config`` in turn; see the module docstring.

    Args:
        config: a validated stack configuration.
        stack: the stack's name, for the report.
        links: site-to-site links to judge connectivity by; ``None``: the links HybridVpc plans.
        strict_dns: count a failure of the DNS provider's vendor as losing DNS.
    """
    return simulate_estate(estate_from_config(config, links=links), stack=stack, strict_dns=strict_dns)


def simulate_estate(estate: Estate, *, stack: str = "", strict_dns: bool = False) -> SimulationReport:
    """Fail every vendor, region and zone of ``estate`` in turn (see the module docstring)."""
    # Sites in name order: a preview's outputs keep no stack-file order, and the report of a stack
    # must not depend on where its estate was read from.
    estate = replace(estate, sites=tuple(sorted(estate.sites, key=lambda s: s.name)))
    graph = SiteGraph(
        {s.name: s.vendor for s in estate.sites},
        estate.links,
        single_path=[(p.a, p.b) for p in estate.single_paths],
    )
    # Every domain of the estate, workloads or not: a site's zones are its narrowest domain, and a
    # pool's racks (inside a site's room) are failure domains of their own.
    rows = [s.placement(z) for s in estate.sites for z in s.zones]
    rows += [p for w in estate.workloads for p in w.placements]
    rows += [m.member.placement() for d in estate.databases for m in d.members]
    # A site whose zones are not known (an estate read from resources: a site with no compute) is
    # still lost with its vendor and region; a node with neither (an external peer) never fails.
    zoneless = [s for s in estate.sites if not s.zones and s.region]
    outcomes: list[FailureOutcome] = []
    for kind in KINDS:
        whole = [s.placement("") for s in zoneless] if kind is not FailureKind.ZONE else []
        domains = list(dict.fromkeys(key for p in [*rows, *whole] for key in domain_keys(p, kind)))
        for domain in domains:
            # A site is lost when every one of its zones is; otherwise it is degraded.
            lost_sites = tuple(
                s.name
                for s in estate.sites
                if (s.zones and all(domain in domain_keys(s.placement(z), kind) for z in s.zones))
                or (
                    s in zoneless
                    and kind is not FailureKind.ZONE
                    and domain in domain_keys(s.placement(""), kind)
                )
            )
            results = [_outcome(w, kind, domain, strict_dns) for w in estate.workloads]
            outcomes.append(
                FailureOutcome(
                    kind=kind,
                    domain=domain,
                    lost_sites=lost_sites,
                    network_connected=len(graph.groups(lost_sites)) <= 1,
                    apps=tuple(r for r in results if r.kind == "app"),
                    pools=tuple(r for r in results if r.kind == "pool"),
                    clusters=tuple(r for r in results if r.kind == "cluster"),
                    services=tuple(r for r in results if r.kind == "pods"),
                    databases=tuple((d.scope, database_outcome(d, kind, domain)) for d in estate.databases),
                )
            )
    notes = []
    lenient = [
        w
        for w in estate.workloads
        if w.dns_record is not None and len(w.dns_vendors) == 1 and w.survive is not FailureKind.VENDOR
    ]
    if lenient and not strict_dns:
        notes.append(
            "DNS providers (Route 53, Cloud DNS) publish a 100% query SLA, so the DNS of an app that "
            "need not survive a vendor is assumed to outlive its vendor's compute; use --strict-dns to "
            "count it as lost with the vendor (the policy rule skyweave-redundancy-dns-survives-vendor-loss "
            "judges the same way: advisory by default, --strict-dns is the rule at mandatory). An app "
            "with survive: vendor always counts its name as lost with its only DNS vendor (the "
            "mandatory rule skyweave-redundancy-app-dns-survives-vendor-loss): serve it from two "
            "(dns.also_served_by)"
        )
    # A link with one active path (a policy-based end) loses that path on its own: a failure
    # narrower than any zone, so every workload's survive covers it.
    paths = tuple(
        PathOutcome(
            link=p.link,
            tunnels=p.tunnels,
            active_paths=p.active_paths,
            network_connected=graph.lose_path(p.link).connected,
            required=bool(estate.workloads or estate.databases),
        )
        for p in estate.single_paths
    )
    return SimulationReport(stack, tuple(outcomes), estate.links, tuple(notes), paths)


def _lost(placement: Placement, workload: Workload, kind: FailureKind, domain: str) -> bool:
    if domain in domain_keys(placement, kind):
        return True
    outer = workload.within.get(placement.zone)
    return (
        kind is FailureKind.ZONE
        and outer is not None
        and domain in domain_keys(replace(placement, zone=outer, count=0), kind)
    )


def _outcome(workload: Workload, kind: FailureKind, domain: str, strict_dns: bool) -> WorkloadOutcome:
    total = sum(p.count for p in workload.placements)
    remaining_by_site: dict[str, int] = {}
    for p in workload.placements:
        kept = 0 if _lost(p, workload, kind, domain) else p.count
        remaining_by_site[p.site] = remaining_by_site.get(p.site, 0) + kept
    remaining = sum(remaining_by_site.values())
    healthy = tuple(site for site, count in remaining_by_site.items() if count > 0)
    # The name is lost with its DNS only when every vendor serving it fails (one here: a vendor).
    provider_failed = kind is FailureKind.VENDOR and workload.dns_vendors == (domain,)
    # An app that must survive a vendor must survive its DNS vendor too: strict for it always.
    strict = strict_dns or workload.survive is FailureKind.VENDOR
    dns_ok = workload.dns_record is None or (bool(healthy) and not (strict and provider_failed))
    return WorkloadOutcome(
        app=workload.name,
        remaining=remaining,
        total=total,
        min_healthy=workload.min_healthy,
        required=_required(workload.survive, kind),
        healthy_targets=healthy,
        dns_record=workload.dns_record,
        dns_provider_failed=provider_failed,
        survived=remaining >= workload.min_healthy and dns_ok,
        kind=workload.kind,
    )


def render_json(report: SimulationReport) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=False)


#: How the report names a workload that is not an app.
_WORKLOAD_WORD = {"pool": "pool", "cluster": "fleet", "pods": "pods"}

#: The columns of the report's table (text and Markdown).
REPORT_HEADER = ("failure", "app / pool", "left/need", "dns targets", "network", "result")


def report_rows(report: SimulationReport) -> list[tuple[str, ...]]:
    """One row per failure and app or pool, in :data:`REPORT_HEADER`'s columns."""
    rows: list[tuple[str, ...]] = []
    for failure in report.failures:
        network = failure.as_dict()["network"]
        label = f"{failure.kind.value} {failure.domain}"
        if not failure.workloads and not failure.databases:
            rows.append((label, "-", "-", "-", network, "no apps or pools"))
        for item in failure.workloads:
            if item.survived:
                result = "survived" + (" (required)" if item.required else "")
            else:
                result = "NOT SURVIVED (required)" if item.required else "not survived (not required)"
            targets = ", ".join(item.healthy_targets) or "none"
            if item.dns_record is None:
                targets = f"(no dns) {targets}"
            elif item.dns_provider_failed:
                targets += " [dns vendor down]"
            name = item.app if item.kind == "app" else f"{item.app} ({_WORKLOAD_WORD[item.kind]})"
            rows.append((label, name, f"{item.remaining}/{item.min_healthy}", targets, network, result))
        for database, outcome in failure.databases:
            if not database_survived(outcome):
                result = f"NOT SURVIVED (required): {outcome.state.value}"
            elif not outcome.writable:
                result = f"{outcome.state.value}, writes blocked (required)"
            else:
                result = f"survived (required): {outcome.state.value}"
            left = f"{outcome.etcd_left}/{outcome.quorum} etcd"
            leader = ", ".join(outcome.postgres_left) or "none"
            rows.append((label, f"{database} (database)", left, f"(pg) {leader}", network, result))
    return rows


def report_verdict(report: SimulationReport) -> tuple[list[str], str]:
    """The required failures not survived, and the one-line verdict."""
    failed = [
        f"{a.app}{f' ({_WORKLOAD_WORD[a.kind]})' if a.kind != 'app' else ''} under {f.kind.value} {f.domain} "
        f"({a.remaining}/{a.min_healthy})"
        for f in report.failures
        for a in f.failed_required
    ]
    failed += [
        f"{name} (database) under {f.kind.value} {f.domain} ({o.state.value})"
        for f in report.failures
        for name, o in f.failed_databases
    ]
    failed += [
        f"the network under {f.kind.value} {f.domain} (partitioned)"
        for f in report.failures
        if f.required and not f.network_connected
    ]
    failed += [
        f"the network when the one path of {p.link} fails (partitioned)"
        for p in report.single_paths
        if not p.survived
    ]
    if failed:
        return failed, f"NOT SURVIVED: {len(failed)} required failure(s): " + "; ".join(failed)
    return failed, "every required failure is survived"
