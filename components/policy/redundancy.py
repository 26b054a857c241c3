"""Redundancy rules: the estate survives losing a vendor, a site or a zone.

Every rule here judges what the plan's provider resources will build (:mod:`skyweave.policy.facts`),
so it works on an estate with no skyweave component at all; what components say about
themselves is checked separately (:mod:`skyweave.policy.claims`). The failure model is
:mod:`skyweave.planning.failure` — the same one the components size their capacity with — so the
pack and the components cannot disagree about what "survives" means.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..core.naming import BARE_METAL_POOL, KUBERNETES_FLEET, MULTI_CLOUD_APP
from ..planning.failure import FailureKind, worst_loss
from ..planning.topology import SiteGraph
from .facts import DnsName, Edge, LinkDoubt, Service, Unit, facts, placements_of, vendor_name
from .index import StackIndex
from .model import ANY_SITE, DnsAnswer
from .rule import Finding, Kind, Level, Rule, Setting, Severity, UnknownValue, as_int, cant_check, get
from .topics import topic_rule

__all__ = ["RULES", "articulation_points"]

_FAILURE_KINDS = [k.value for k in FailureKind]


# -- vendors ------------------------------------------------------------------------------------


def _check_min_vendors(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = int(cfg["minVendors"])
    vendors = facts(index).vendors
    if len(vendors) < wanted:
        listed = ", ".join(sorted(vendors)) or "none"
        yield Finding(
            f"the estate spans {len(vendors)} vendor(s) ({listed}); at least {wanted} are required so "
            "losing one vendor does not take everything down"
        )


MIN_VENDORS = Rule(
    name="skyweave-redundancy-min-vendors",
    description="The estate's resources span at least minVendors vendors (clouds, OpenStack, on-prem "
    "nodes); what components say about themselves does not count.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_min_vendors,
    settings=(
        Setting("minVendors", {"type": "integer", "minimum": 1}, 2, "Fewest vendors the estate may use."),
    ),
    remediation="Add a site on another vendor to the stack's `sites`.",
    severity=Severity.HIGH,
)

# -- capacity after a loss ----------------------------------------------------------------------


def _units_word(service: Service) -> str:
    if service.component is not None and service.component.type == BARE_METAL_POOL:
        return "node(s)"
    return "instance(s)"


def _check_survives(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    always = FailureKind(cfg["mustSurvive"])
    default_floor = max(int(cfg["minHealthy"]), 1)
    for service in facts(index).services:
        kinds = [always]
        required = default_floor
        if service.component is not None:
            try:
                declared = get(service.component.props, "survive")
                min_healthy = get(service.component.props, "minHealthy", default=0)
            except UnknownValue as exc:
                yield Finding(f"can't check {service.urn} during preview: {exc}", service.urn, unknown=True)
                continue
            if declared in _FAILURE_KINDS and FailureKind(declared) is not always:
                kinds.append(FailureKind(declared))
            required = as_int(min_healthy) or 0
            if required <= 0:  # a pool's default min_healthy 0: it needs no node after any loss
                continue
        unknown = [u for u in service.units if u.unknown]
        if unknown:
            yield Finding(
                f"can't check {service.label} during preview: {unknown[0].name}: {unknown[0].unknown}",
                service.urn,
                unknown=True,
            )
            continue
        placements = placements_of(service.units)
        if not placements and service.unreached:
            yield Finding(
                f"{service.label}: no DNS record of it reaches any of its {_units_word(service)} "
                f"({', '.join(sorted(u.name for u in service.unreached))}): nothing serves its name",
                service.urn,
            )
            continue
        if not placements:
            yield Finding(
                f"{service.label} has no compute in the plan (no instances, groups or nodes)", service.urn
            )
            continue
        for kind in kinds:
            worst = worst_loss(placements, kind)
            if worst is not None and worst.remaining < required:
                shortfall = (
                    f"{service.label}: losing {kind.value} {worst.domain!r} leaves {worst.remaining} of "
                    f"{worst.lost + worst.remaining} {_units_word(service)} the plan's resources provide, "
                    f"below {'minHealthy ' if service.component is not None else ''}{required}"
                )
                unreached = sum(u.count for u in service.unreached if u.unknown is None)
                if unreached:
                    shortfall += (
                        f" ({unreached} {_units_word(service)} no DNS record of it reaches are not counted)"
                    )
                if service.unknown:  # a value unknown in this preview may add units to it
                    yield Finding(
                        f"can't check {service.urn} during preview: {shortfall} so far; {service.unknown}",
                        service.urn,
                        unknown=True,
                    )
                    break
                yield Finding(shortfall, service.urn)


SURVIVES = Rule(
    name="skyweave-redundancy-survives-vendor-loss",
    description="Every service keeps enough capacity after losing any one vendor (and any one domain of "
    "the kind it declares in `survive`), counted from the plan's instances, groups and nodes: each "
    "MultiCloudApp and BareMetalPool keeps its minHealthy (a pool that declares 0 needs none), and "
    "each DNS name in front of compute no component owns keeps minHealthy. A component with DNS records "
    "of its own counts only the compute they reach (an instance no record leads to takes no traffic).",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_survives,
    settings=(
        Setting(
            "mustSurvive",
            {"type": "string", "enum": _FAILURE_KINDS},
            FailureKind.VENDOR.value,
            "The failure every service must survive, whatever it declares itself.",
        ),
        Setting(
            "minHealthy",
            {"type": "integer", "minimum": 1},
            1,
            "Units a service without a component (a DNS name in front of plain resources) must keep.",
        ),
    ),
    remediation="Place enough units on another vendor that the rest still meet minHealthy (an auto "
    "scaling group counts its minSize, a managed instance group its targetSize or autoscaler minimum).",
    severity=Severity.HIGH,
)

# -- zones --------------------------------------------------------------------------------------


def _check_zones(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = int(cfg["minZones"])
    per_site: dict[str, set[str]] = defaultdict(set)
    witness: dict[str, str] = {}
    pending: dict[str, Unit] = {}  # per site, a unit whose zones a preview cannot know
    for unit in facts(index).units:
        if unit.domain_unseen:
            continue  # the plan cannot see which site or rack it is in (a host nothing describes)
        if unit.unknown:
            yield Finding(f"can't check {unit.urn} during preview: {unit.unknown}", unit.urn, unknown=True)
            pending.setdefault(unit.site, unit)
            continue
        per_site[unit.site].update(zone for zone, _ in unit.zones)  # where it is configured to run
        witness.setdefault(unit.site, unit.urn)
    for site, zones in sorted(per_site.items()):
        if len(zones) < wanted:
            spread = f"site {site!r} runs compute in {len(zones)} zone(s) ({', '.join(sorted(zones))})"
            other = pending.get(site) or pending.get(ANY_SITE)
            if other is not None:  # it may run in another zone
                yield Finding(
                    f"can't check {witness[site]} during preview: {spread} so far; "
                    f"{other.name}: {other.unknown}",
                    witness[site],
                    unknown=True,
                )
                continue
            yield Finding(
                f"{spread}; spread it over at least {wanted} so one zone's failure leaves the site up",
                witness[site],
            )


ZONES = Rule(
    name="skyweave-redundancy-zone-spread",
    description="Within each site, compute (auto scaling groups, managed instance groups, instances, "
    "servers) is spread over at least minZones zones.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_zones,
    settings=(Setting("minZones", {"type": "integer", "minimum": 1}, 2, "Fewest zones per site."),),
    remediation="Give the group subnets in two or more zones (AWS), use a regional MIG (GCP) or "
    "spread instances over availability zones (OpenStack; an affinity server group is one host).",
    severity=Severity.MEDIUM,
)

# -- hosts within a zone ------------------------------------------------------------------------


def _check_host_spread(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from facts(index).check_topic("redundancy-host-spread", cfg)


HOST_SPREAD = Rule(
    name="skyweave-redundancy-host-spread",
    description="An app's instances that share a zone are kept on separate hosts by an anti-affinity "
    "rule (vSphere: a DRS VM anti-affinity rule per compute cluster), so one host's failure takes "
    "down one of them.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_host_spread,
    remediation="Put the app's VMs of each cluster in one vsphere.ComputeClusterVmAntiAffinityRule "
    "(compute_cluster_id=<the cluster>, virtual_machine_ids=[vm.id, ...], mandatory=True); "
    "MultiCloudApp does this for its vSphere sites.",
    severity=Severity.MEDIUM,
)

# -- VPN tunnels --------------------------------------------------------------------------------


def _check_tunnels(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """Every VPN between two nodes of the site graph, counted from the VPN resources of both ends."""
    minimum = int(cfg["minTunnels"])
    shapes = {
        frozenset({"aws", "gcp"}): int(cfg["awsGcpTunnels"]),
        frozenset({"aws", "azure"}): int(cfg["awsAzureTunnels"]),
    }
    allowed = [tuple(str(entry).split("/", 1)) for entry in cfg.get("allowSinglePathLinks") or ()]
    estate = facts(index)
    sites = estate.sites
    yield from _doubt_notes(estate.link_doubts)
    for edge in estate.edges:
        if edge.kind != "vpn":
            continue
        vendors = frozenset(v for v in (estate.node_vendor(edge.a), estate.node_vendor(edge.b)) if v)
        need = shapes.get(vendors, minimum)
        count = edge.tunnels(sites)
        if count >= need:
            single_path_allowed = any(_names_edge(entry, edge, sites) for entry in allowed)
            if edge.policy_based and not single_path_allowed:
                yield Finding(
                    f"the VPN between {edge.a} and {edge.b} has {count} tunnel(s) but one active path: "
                    "a policy-based end (Neutron VPNaaS) carries traffic over one tunnel, the others "
                    "only stand by. Use a route-based end (OpenStack `vpn: appliance`) or list the "
                    "link in allowSinglePathLinks (site-a/site-b) to accept it",
                    edge.witness,
                )
            elif edge.policy_unknown and not single_path_allowed:  # it may be one active path
                yield Finding(
                    f"can't check {edge.witness} during preview: the VPN between {edge.a} and {edge.b} "
                    f"has {count} tunnel(s), and whether an end is policy-based (one active path) is not "
                    f"known: {edge.policy_unknown}",
                    edge.witness,
                    unknown=True,
                )
            continue
        why = []
        if vendors == {"aws", "gcp"}:
            why.append("GCP HA VPN to AWS needs 4 tunnels for its 99.99% SLA")
        elif vendors == {"aws", "azure"}:
            why.append(
                "AWS to an active-active Azure gateway is 4 tunnels: an AWS connection to each Azure "
                "instance, two tunnels each"
            )
        if edge.classic:
            why.append("a GCP Classic VPN gateway has one interface (99.9% SLA): use HA VPN")
        if edge.policy_based:
            why.append(
                "Neutron VPNaaS site connections are policy-based: however many, they are one active "
                "path; a route-based end (OpenStack `vpn: appliance`) gives the link redundant paths"
            )
        ends = [n for n in (edge.a, edge.b) if n in sites]
        if len(ends) == 2 and edge.sides.get(ends[0], 0) != edge.sides.get(ends[1], 0):
            why.append(", ".join(f"{n} configures {edge.sides.get(n, 0)}" for n in ends))
        detail = f" ({'; '.join(why)})" if why else ""
        doubt = estate.link_doubt(edge)
        if doubt is not None:  # a VPN whose peer is unknown in this preview may be one of its tunnels
            yield Finding(
                f"can't check {edge.witness} during preview: the VPN between {edge.a} and {edge.b} has "
                f"{count} tunnel(s) so far; it needs {need}, and {_name(doubt.urn)} may add to them: "
                f"{doubt.reason}",
                edge.witness,
                unknown=True,
            )
            continue
        yield Finding(
            f"the VPN between {edge.a} and {edge.b} has {count} tunnel(s); it needs {need}{detail}",
            edge.witness,
        )


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _doubt_notes(doubts: list[LinkDoubt]) -> Iterator[Finding]:
    """One "can't check" per resource whose part in the site graph a preview cannot know."""
    seen: set[str] = set()
    for doubt in doubts:
        if doubt.urn not in seen:
            seen.add(doubt.urn)
            yield Finding(f"can't check {doubt.urn} during preview: {doubt.reason}", doubt.urn, unknown=True)


def _names_edge(entry: tuple[str, ...], edge: Edge, sites: set[str]) -> bool:
    """Whether an allowSinglePathLinks entry (``site-a/site-b``) names ``edge``.

    An on-prem end is an external peer in the plan (its addresses, not its site id), so a site
    id the plan does not hold matches it, as does one of its addresses.
    """
    if len(entry) != 2:
        return False
    for mine, other in (entry, entry[::-1]):
        if mine not in (edge.a, edge.b):
            continue
        far = edge.b if mine == edge.a else edge.a
        if other == far or (far not in sites and (other not in sites or other in far.split())):
            return True
    return False


def _check_all_tunnels(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _check_tunnels(index, cfg)
    yield from facts(index).check_topic("redundancy-vpn-tunnels", cfg)


TUNNELS = Rule(
    name="skyweave-redundancy-vpn-tunnels",
    description="Every VPN between two sites (or a site and an external peer) has at least minTunnels "
    "tunnels configured at each end, AWS-GCP VPNs awsGcpTunnels and AWS-Azure VPNs awsAzureTunnels, "
    "counted from the VPN resources of every vendor (an AWS VPN connection is two tunnels, a GCP VPN "
    "tunnel or a Neutron site connection one, an instance-hosted router one per peer address it admits "
    "IKE from, an Azure connection one — two to an external peer from an active-active gateway); a VPN "
    "with a policy-based end (Neutron VPNaaS) is one active path and fails unless "
    "allowSinglePathLinks lists it; a plain GCP HA VPN gateway has a tunnel per interface its peer "
    "offers.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_all_tunnels,
    settings=(
        Setting("minTunnels", {"type": "integer", "minimum": 1}, 2, "Fewest tunnels of any VPN."),
        Setting("awsGcpTunnels", {"type": "integer", "minimum": 1}, 4, "Tunnels an AWS-GCP VPN needs."),
        Setting(
            "awsAzureTunnels",
            {"type": "integer", "minimum": 1},
            4,
            "Tunnels an AWS-Azure VPN needs (Microsoft's BGP shape: two AWS connections, one to each "
            "instance of the active-active gateway).",
        ),
        Setting(
            "allowSinglePathLinks",
            {"type": "array", "items": {"type": "string"}},
            [],
            "Links accepted with one active path (a policy-based end such as Neutron VPNaaS), as "
            "site-a/site-b in either order; an on-prem end may be named by its site id or an address.",
        ),
    ),
    remediation="Use the vendor's HA shape (two tunnels per AWS connection; four for GCP HA VPN or an "
    "Azure active-active gateway to AWS; HA VPN, not Classic VPN; a route-based end instead of "
    "Neutron VPNaaS, e.g. OpenStack `vpn: appliance`, or list a link accepted with one path in "
    "allowSinglePathLinks).",
    severity=Severity.HIGH,
)

# -- no hub site --------------------------------------------------------------------------------


def articulation_points(adjacency: Mapping[str, set[str]]) -> set[str]:
    """Nodes whose removal disconnects their part of the graph: the planner's own
    :meth:`~skyweave.planning.topology.SiteGraph.cut_sites` (one implementation of the idea)."""
    edges = sorted({(min(a, b), max(a, b)) for a, peers in adjacency.items() for b in peers if a != b})
    nodes = dict.fromkeys([*adjacency, *(b for peers in adjacency.values() for b in peers)], "")
    return set(SiteGraph(nodes, edges).cut_sites())


def _check_partition(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = set(cfg["allowedHubs"])
    estate = facts(index)
    sites = estate.sites
    adjacency: dict[str, set[str]] = defaultdict(set)
    witness: dict[str, str] = {}
    for edge in estate.edges:
        if edge.kind == "vpn" and edge.tunnels(sites) < 1:
            continue
        adjacency[edge.a].add(edge.b)
        adjacency[edge.b].add(edge.a)
        witness.setdefault(edge.a, edge.witness)
        witness.setdefault(edge.b, edge.witness)
    yield from _doubt_notes(estate.link_doubts)
    # A link whose peer is unknown in this preview may join any two parts (or add a leaf): a hub of
    # the links known so far is then "can't check", never a violation.
    doubt = next((d for d in estate.link_doubts if not d.counted), None)
    for hub in sorted(articulation_points(adjacency) - allowed):
        where = f"{'site ' if hub in sites else ''}{hub!r}"
        if doubt is not None:
            yield Finding(
                f"can't check {witness[hub]} during preview: {where} is a hub of the links known so far, "
                f"and {_name(doubt.urn)} may change them: {doubt.reason}",
                witness[hub],
                unknown=True,
            )
            continue
        yield Finding(
            f"{where} is a hub: losing it cuts the estate's site-to-site "
            "network in two; link its neighbours to each other (or list it in allowedHubs)",
            witness[hub],
        )


PARTITION = Rule(
    name="skyweave-redundancy-no-hub-site",
    description="No single site (or external peer) is a hub whose loss splits the site-to-site network: "
    "no articulation point in the graph the plan's VPN and peering resources form, unless listed in "
    "allowedHubs.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_partition,
    settings=(
        Setting(
            "allowedHubs",
            {"type": "array", "items": {"type": "string"}},
            [],
            "Sites accepted as hubs (e.g. a transit site you deliberately route through).",
        ),
    ),
    remediation="Add a link between the hub's neighbours so traffic can go around it.",
    severity=Severity.HIGH,
)

# -- DNS failover has health checks -------------------------------------------------------------


DNS = topic_rule(
    "redundancy-dns-health-checks",
    description="DNS records that route between endpoints (Route 53 failover/weighted/latency/geo "
    "policies, Cloud DNS routing policies) are health checked, and no Traffic Manager endpoint is "
    "served regardless of its health (alwaysServe), so they actually fail over.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    remediation="Attach a Route 53 health check (health_check_id) or Cloud DNS health-checked targets; "
    "leave Traffic Manager endpoints' always_serve unset or 'Disabled'.",
    severity=Severity.HIGH,
)

# -- DNS survives a vendor ----------------------------------------------------------------------


#: The component whose ``survive: vendor`` makes its DNS name's survival mandatory.


def _vendor_survivors(index: StackIndex) -> tuple[set[str], list[Finding]]:
    """The DNS names of apps, and of fleets' workloads, that say ``survive: vendor``, and what a
    preview leaves unknown."""
    names: set[str] = set()
    doubts: list[Finding] = []
    for res in index.of_type(MULTI_CLOUD_APP, KUBERNETES_FLEET):
        try:
            if res.type == KUBERNETES_FLEET:
                # A fleet's workload output: its plan, with the fleet's survive and its DNS name.
                workload = get(res.props, "workload")
                if not isinstance(workload, Mapping):
                    continue
                survive, name = get(workload, "survive"), get(workload, "dnsName")
            else:
                survive, name = get(res.props, "survive"), get(res.props, "dnsName")
        except UnknownValue as exc:
            doubts.append(cant_check(res, exc))
            continue
        if str(survive) == "vendor" and isinstance(name, str) and name:
            names.add(name.rstrip(".").lower())
    return names, doubts


def _check_dns_vendor(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    mandatory, _ = _vendor_survivors(index)
    yield from _dns_vendor_findings(index, lambda name: name not in mandatory)


def _check_app_dns_vendor(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    mandatory, doubts = _vendor_survivors(index)
    yield from doubts
    yield from _dns_vendor_findings(index, lambda name: name in mandatory)


def _dns_vendor_findings(index: StackIndex, judged: Callable[[str], bool]) -> Iterator[Finding]:
    """Names ``judged`` picks that are served by one DNS vendor only, or whose targets are."""
    estate = facts(index)
    # Records whose name (or type) a preview cannot know: each may be one of any name's.
    maybe = [dns for dns in estate.dns.values() if dns.unknown]

    def could_join(dns: DnsName, other: DnsName) -> str:
        return f"DNS record {other.records[0].name!r} may be one of {dns.name}'s: {other.unknown}"

    for name, dns in sorted(estate.dns.items()):
        if not judged(name):
            continue
        witness = min(r.urn for r in dns.records)  # the same whatever order the plan file lists them in
        if dns.unknown:
            yield Finding(f"can't check {witness} during preview: {dns.unknown}", witness, unknown=True)
            continue
        if len(dns.dns_vendors) == 1:
            (vendor,) = dns.dns_vendors
            services = " and ".join(sorted(dns.services)) or vendor
            served = f"{name} is served by {services} ({vendor_name(vendor)}) only"
            other = next((o for o in maybe if o.dns_vendors - dns.dns_vendors), None)
            if other is not None:
                why = could_join(dns, other)
                yield Finding(
                    f"can't check {witness} during preview: {served} so far; {why}", witness, unknown=True
                )
            else:
                yield Finding(
                    f"{served}: losing {vendor} loses the name. Serve the zone from a second DNS provider "
                    "too (dns.also_served_by), or, for an app that need not survive a vendor, accept the "
                    "provider's SLA (Route 53 and Cloud DNS publish 100%; `skyweave simulate` counts the "
                    "name as surviving unless --strict-dns, like skyweave-redundancy-dns-survives-vendor-"
                    "loss at its default, advisory level)",
                    witness,
                )
        targets = estate.target_vendors(dns)
        if len(targets) == 1 and "external" not in targets:
            (vendor,) = targets
            doubt = dns.targets_unknown
            for other in maybe:
                if doubt is None and (other.targets_unknown or estate.target_vendors(other) - targets):
                    doubt = could_join(dns, other)
            if doubt is not None:
                yield Finding(
                    f"can't check {witness} during preview: every target of {name} known so far is on "
                    f"{vendor_name(vendor)}; {doubt}",
                    witness,
                    unknown=True,
                )
                continue
            yield Finding(
                f"every target of {name} is on {vendor_name(vendor)}: losing {vendor} leaves the name "
                "with no healthy answer; add records for sites on another vendor",
                witness,
            )


DNS_VENDOR = Rule(
    name="skyweave-redundancy-dns-survives-vendor-loss",
    description="Every DNS name the plan serves (A, AAAA, CNAME and alias records of Route 53, Cloud DNS, "
    "Designate or Azure DNS, and Traffic Manager profiles) keeps answering after losing any one "
    "vendor: it is served by more than one DNS vendor and its targets are on more than one vendor. "
    "The names of apps that say survive: vendor are judged by the mandatory "
    "skyweave-redundancy-app-dns-survives-vendor-loss instead.",
    level=Level.ADVISORY,
    kind=Kind.STACK,
    check=_check_dns_vendor,
    remediation="Host the zone on two DNS providers (secondary DNS, or the same records in Route 53 and "
    "Cloud DNS with both in the registrar's NS set), and give the name targets on two vendors. Raise "
    "this rule to mandatory to require it; `skyweave simulate --strict-dns` judges the same way.",
    severity=Severity.MEDIUM,
)

APP_DNS_VENDOR = Rule(
    name="skyweave-redundancy-app-dns-survives-vendor-loss",
    description="The DNS name of a MultiCloudApp, or of a KubernetesFleet's workload, that says survive: "
    "vendor keeps answering after losing any one vendor: it is served by more than one DNS vendor "
    "(multi-provider authoritative DNS) and its targets are on more than one vendor. A service that "
    "must outlive a vendor must outlive its DNS vendor too.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_app_dns_vendor,
    remediation="Serve the app's (or workload's) zone from a second DNS provider with the same records "
    "(dns.also_served_by: Route 53 and Cloud DNS), list both providers' name servers at the registrar "
    "(the app's nameServers output), or lower the app's (or fleet's) survive.",
    severity=Severity.HIGH,
)

# -- the providers of one name answer alike --------------------------------------------------


def _check_dns_agree(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    estate = facts(index)
    # Records whose name a preview cannot know: each may be one of a name's, on its vendor.
    maybe = [dns for dns in estate.dns.values() if dns.unknown]
    for name, dns in sorted(estate.dns.items()):
        if dns.unknown or len(dns.dns_vendors) < 2:
            continue
        witness = min(r.urn for r in dns.records)
        other = next((o for o in maybe if o.dns_vendors & dns.dns_vendors), None)
        if other is not None:
            yield Finding(
                f"can't check {witness} during preview: DNS record {other.records[0].name!r} may be one of "
                f"{name}'s: {other.unknown}",
                witness,
                unknown=True,
            )
            continue
        served: dict[str, tuple[str, list[DnsAnswer]]] = {}
        doubt = False
        for res in sorted(dns.records, key=lambda r: r.urn):
            reader = next(r for r in estate.readers if res.type in r.dns_records)
            vendor = index.vendor(res) or res.package
            who = f"{reader.dns_records[res.type]} ({vendor_name(vendor)})"
            try:
                answers = reader.dns_answers(estate, res)
            except UnknownValue as exc:
                yield cant_check(res, exc)
                doubt = True
                continue
            if answers is None:
                # Never "they agree": reported as not judged, like a package no reader reads.
                yield Finding(
                    f"can't check {res.urn}: {name} is served by {len(dns.dns_vendors)} DNS vendors, but "
                    f"what {who} record {res.name!r} answers is not described by its reader, so nothing "
                    "shows the providers answer alike",
                    res.urn,
                    unknown=True,
                )
                doubt = True
                continue
            served.setdefault(vendor, (who, []))[1].extend(answers)
        if doubt or len(served) < 2:
            continue
        (_, (who_a, a)), *others = sorted(served.items())
        view_a = _answer_view(a)
        for _, (who_b, b) in others:
            view_b = _answer_view(b)
            for aspect, left, right in zip(_ASPECTS, view_a, view_b, strict=True):
                if left != right:
                    yield Finding(
                        f"{name}: {who_a} and {who_b} serve different {aspect}: {left} against {right}; "
                        "the registrar sends resolvers to either, so both must answer the same",
                        witness,
                    )


def _share(answer: DnsAnswer, total: float) -> str:
    return f"{(answer.weight or 0.0) / total:.4f}" if answer.routing == "weighted" else "-"


_ASPECTS = ("record types", "TTLs", "answers (routing, share of the weight, targets)", "health checks")


def _answer_view(answers: list[DnsAnswer]) -> tuple[str, str, str, str]:
    """What must stay identical, as text: types, TTLs, each answer's share and targets, checks."""
    total = sum(a.weight or 0.0 for a in answers if a.routing == "weighted") or 1.0
    rows = sorted(
        (
            a.routing,
            f"{(a.weight or 0.0) / total:.4f}" if a.routing == "weighted" else "-",
            ", ".join(a.targets),
        )
        for a in answers
    )
    checks = sorted({(", ".join(a.targets), str(a.check) if a.check else "no check") for a in answers})
    return (
        ", ".join(sorted({a.record_type for a in answers})),
        ", ".join(sorted({str(a.ttl) for a in answers})),
        "; ".join(f"{routing} {share} [{targets}]" for routing, share, targets in rows),
        "; ".join(f"[{targets}] {check}" for targets, check in checks),
    )


DNS_AGREE = Rule(
    name="skyweave-redundancy-dns-providers-agree",
    description="A DNS name served by more than one DNS vendor (multi-provider authoritative DNS) gets "
    "the same answers from each: the same record types, TTLs, routing, weights (as shares) and targets, "
    "and the same health checks (protocol, port, path, interval, failure threshold) deciding each "
    "answer. Resolvers ask whichever provider the registrar's NS set sends them to.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_dns_agree,
    remediation="Give every provider the same records and checks (MultiCloudApp's dns.also_served_by "
    "builds them from one plan); an alias at one provider and addresses at another cannot agree.",
    severity=Severity.HIGH,
)

RULES: tuple[Rule, ...] = (
    MIN_VENDORS,
    SURVIVES,
    ZONES,
    HOST_SPREAD,
    TUNNELS,
    PARTITION,
    DNS,
    DNS_VENDOR,
    APP_DNS_VENDOR,
    DNS_AGREE,
)
