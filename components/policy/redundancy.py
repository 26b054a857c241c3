"""Redundancy rules: the estate survives losing a vendor, a site or a zone.

The failure model is :mod:`skyweave.planning.failure` — the same one the components size their
capacity with — so the pack and the components cannot disagree about what "survives" means.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ..planning.failure import FailureKind, worst_loss
from ..planning.topology import SiteGraph
from .index import APP_TYPES, VPN_LINK_TYPE, StackIndex
from .rule import Finding, Kind, Level, Resource, Rule, Setting, UnknownValue, get, items

__all__ = ["RULES", "articulation_points"]

_FAILURE_KINDS = [k.value for k in FailureKind]


# -- vendors ------------------------------------------------------------------------------------


def _check_min_vendors(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = int(cfg["minVendors"])
    vendors = index.vendors
    if len(vendors) < wanted:
        listed = ", ".join(sorted(vendors)) or "none"
        yield Finding(
            f"the estate spans {len(vendors)} vendor(s) ({listed}); at least {wanted} are required so "
            "losing one vendor does not take everything down"
        )


MIN_VENDORS = Rule(
    name="skyweave-redundancy-min-vendors",
    description="The estate spans at least minVendors vendors (clouds, OpenStack, on-prem).",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_min_vendors,
    settings=(
        Setting("minVendors", {"type": "integer", "minimum": 1}, 2, "Fewest vendors the estate may use."),
    ),
    remediation="Add a site on another vendor to the stack's `sites`.",
)

# -- capacity after a loss ----------------------------------------------------------------------


def _check_survives(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    always = FailureKind(cfg["mustSurvive"])
    for res in index.of_type(*APP_TYPES):
        try:
            declared = get(res.props, "survive")
            min_healthy = get(res.props, "minHealthy", default=0)
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        placements = index.placements.get(res.urn)
        if placements is None:
            yield Finding(f"can't check {res.urn} during preview: placements unknown", res.urn, unknown=True)
            continue
        kinds = [always]
        if declared in _FAILURE_KINDS and FailureKind(declared) is not always:
            kinds.append(FailureKind(declared))
        required = int(min_healthy) if isinstance(min_healthy, int | float) else 0
        if not placements:
            yield Finding(f"{res.type.rsplit(':', 1)[-1]} {res.name!r} has no placements", res.urn)
            continue
        for kind in kinds:
            worst = worst_loss(placements, kind)
            if worst is not None and worst.remaining < max(required, 1):
                yield Finding(
                    f"{res.type.rsplit(':', 1)[-1]} {res.name!r}: losing {kind.value} {worst.domain!r} "
                    f"leaves {worst.remaining} of {worst.lost + worst.remaining} healthy, "
                    f"below minHealthy {max(required, 1)}",
                    res.urn,
                )


SURVIVES = Rule(
    name="skyweave-redundancy-survives-vendor-loss",
    description="Every MultiCloudApp and BareMetalPool keeps minHealthy units after losing any one vendor "
    "(and any one domain of the kind it declares in `survive`).",
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
    ),
    remediation="Place enough units on another vendor that the rest still meet minHealthy.",
)

# -- zones --------------------------------------------------------------------------------------

ASG = "aws:autoscaling/group:Group"
AWS_SUBNET = "aws:ec2/subnet:Subnet"
AWS_INSTANCE = "aws:ec2/instance:Instance"
GCP_REGIONAL_MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
GCP_ZONAL_MIG = "gcp:compute/instanceGroupManager:InstanceGroupManager"
GCP_INSTANCE = "gcp:compute/instance:Instance"
OS_INSTANCE = "openstack:compute/instance:Instance"
UNSPECIFIED = "(zone chosen by the vendor)"


def _subnet_zones(index: StackIndex, res: Resource, prop: str) -> list[str]:
    zones = []
    for subnet in index.linked(res, prop, frozenset({AWS_SUBNET})):
        zone = get(subnet.props, "availabilityZone") or get(subnet.props, "availabilityZoneId")
        if zone:
            zones.append(str(zone))
    return zones


def _compute_zones(index: StackIndex, res: Resource) -> list[str]:
    """The zones ``res`` runs in (one entry per zone; empty when it says nothing)."""
    if res.type == ASG:
        zones = [str(z) for z in items(res.props, "availabilityZones")]
        return zones or _subnet_zones(index, res, "vpcZoneIdentifiers") or [UNSPECIFIED]
    if res.type == GCP_REGIONAL_MIG:
        zones = [str(z) for z in items(res.props, "distributionPolicyZones")]
        return zones or ["(every zone of the region)", "(spread by GCP)"]
    if res.type in (GCP_ZONAL_MIG, GCP_INSTANCE):
        return [str(get(res.props, "zone") or UNSPECIFIED)]
    if res.type == AWS_INSTANCE:
        zone = get(res.props, "availabilityZone")
        if zone:
            return [str(zone)]
        return _subnet_zones(index, res, "subnetId")[:1] or [UNSPECIFIED]
    if res.type == OS_INSTANCE:
        return [str(get(res.props, "availabilityZone") or UNSPECIFIED)]
    return []


COMPUTE_TYPES = (ASG, GCP_REGIONAL_MIG, GCP_ZONAL_MIG, GCP_INSTANCE, AWS_INSTANCE, OS_INSTANCE)


def _check_zones(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = int(cfg["minZones"])
    per_site: dict[str, set[str]] = defaultdict(set)
    witness: dict[str, str] = {}
    for res in index.of_type(*COMPUTE_TYPES):
        site = index.site(res) or f"(default {res.package} provider)"
        try:
            found = _compute_zones(index, res)
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        per_site[site].update(found)
        witness.setdefault(site, res.urn)
    for urn, placements in index.placements.items():
        for placement in placements:
            if placement.count > 0:
                per_site[placement.site].add(placement.zone or UNSPECIFIED)
                witness.setdefault(placement.site, urn)
    for site, zones in sorted(per_site.items()):
        if len(zones) < wanted:
            yield Finding(
                f"site {site!r} runs compute in {len(zones)} zone(s) ({', '.join(sorted(zones))}); "
                f"spread it over at least {wanted} so one zone's failure leaves the site up",
                witness[site],
            )


ZONES = Rule(
    name="skyweave-redundancy-zone-spread",
    description="Within each site, compute (auto scaling groups, managed instance groups, instances, "
    "placements) is spread over at least minZones zones.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_zones,
    settings=(Setting("minZones", {"type": "integer", "minimum": 1}, 2, "Fewest zones per site."),),
    remediation="Give the group subnets in two or more zones (AWS), use a regional MIG (GCP) or "
    "spread instances over availability zones (OpenStack).",
)

# -- VPN tunnels --------------------------------------------------------------------------------


VPNAAS_SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"


def _active_paths(res: Resource, policy_based: set[str], tunnels: int) -> int:
    """How many of a link's tunnels carry traffic at once.

    A Neutron VPNaaS site connection is policy-based: all of a link's site connections share one
    pair of traffic selectors, so however many there are they are one active path (the others
    stand by until dead-peer detection restarts them; docs/connectivity.md). The link says so
    itself (``activePaths``); a link whose resources hold site connections is one path either way.
    """
    declared = get(res.props, "activePaths")
    paths = int(declared) if isinstance(declared, int | float) else tunnels
    return min(paths, 1) if res.urn in policy_based else paths


def _allowed_single_path(res: Resource, allowed: set[frozenset[str]]) -> bool:
    sites = frozenset({str(get(res.props, "siteA")), str(get(res.props, "siteB"))})
    return sites in allowed


def _check_tunnels(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    minimum = int(cfg["minTunnels"])
    aws_gcp = int(cfg["awsGcpTunnels"])
    # "a/b" link ids (either order): the user accepts these links with one active path.
    allowed = {frozenset(str(entry).split("/", 1)) for entry in cfg.get("allowSinglePathLinks") or ()}
    policy_based = {str(r.parent) for r in index.of_type(VPNAAS_SITE_CONNECTION) if r.parent}
    for res in index.of_type(VPN_LINK_TYPE):
        try:
            kind = get(res.props, "kind", default="vpn")
            tunnels = get(res.props, "tunnels", default=0)
            pair = {str(get(res.props, "vendorA")), str(get(res.props, "vendorB"))}
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if kind != "vpn":
            continue
        need = aws_gcp if pair == {"aws", "gcp"} else minimum
        count = int(tunnels) if isinstance(tunnels, int | float) else 0
        if count < need:
            why = " (GCP HA VPN to AWS needs 4 tunnels for its 99.99% SLA)" if need == aws_gcp else ""
            yield Finding(f"VPN link {res.name!r} has {count} tunnel(s); it needs {need}{why}", res.urn)
            continue
        try:
            paths = _active_paths(res, policy_based, count)
            accepted = _allowed_single_path(res, allowed)
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if paths < 2 and not accepted:
            yield Finding(
                f"VPN link {res.name!r} has {count} tunnel(s) but {paths} active path: a policy-based "
                "end (Neutron VPNaaS) carries traffic over one tunnel, the others only stand by. Use a "
                "route-based end (OpenStack `vpn: appliance`) or list the link's sites in "
                "allowSinglePathLinks (e.g. site-a/site-b) to accept it",
                res.urn,
            )


GCP_HA_GATEWAY = "gcp:compute/haVpnGateway:HaVpnGateway"
GCP_EXTERNAL_GATEWAY = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
GCP_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
_REDUNDANCY_TUNNELS = {"FOUR_IPS_REDUNDANCY": 4, "TWO_IPS_REDUNDANCY": 2, "SINGLE_IP_INTERNALLY_REDUNDANT": 2}


def _check_ha_vpn(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """Plain GCP HA VPN gateways: enough tunnels for the shape of the peer they connect to."""
    minimum = int(cfg["minTunnels"])
    gateways = index.of_type(GCP_HA_GATEWAY)
    if not gateways:
        return
    tunnels: dict[str, int] = defaultdict(int)
    needed: dict[str, int] = defaultdict(lambda: minimum)
    for tunnel in index.of_type(GCP_TUNNEL):
        for gateway in index.linked(tunnel, "vpnGateway", frozenset({GCP_HA_GATEWAY})):
            tunnels[gateway.urn] += 1
            for peer in index.linked(tunnel, "peerExternalGateway", frozenset({GCP_EXTERNAL_GATEWAY})):
                try:
                    shape = str(get(peer.props, "redundancyType") or "")
                except UnknownValue:
                    continue
                needed[gateway.urn] = max(needed[gateway.urn], _REDUNDANCY_TUNNELS.get(shape, minimum))
    for gateway in gateways:
        have, need = tunnels[gateway.urn], needed[gateway.urn]
        if have < need:
            yield Finding(
                f"HA VPN gateway {gateway.name!r} has {have} tunnel(s); its peers need {need} "
                "(one per interface pair, four for a FOUR_IPS_REDUNDANCY peer such as AWS)",
                gateway.urn,
            )


def _check_all_tunnels(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _check_tunnels(index, cfg)
    yield from _check_ha_vpn(index, cfg)


TUNNELS = Rule(
    name="skyweave-redundancy-vpn-tunnels",
    description="Every VPN link has at least minTunnels tunnels and two active paths (a policy-based end "
    "such as a Neutron VPNaaS site connection is one path, unless allowSinglePathLinks lists the link), "
    "and links between AWS and GCP have awsGcpTunnels (the HA VPN shape with four tunnels); a plain GCP "
    "HA VPN gateway has a tunnel per interface its peer offers.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_all_tunnels,
    settings=(
        Setting("minTunnels", {"type": "integer", "minimum": 1}, 2, "Fewest tunnels of any VPN link."),
        Setting("awsGcpTunnels", {"type": "integer", "minimum": 1}, 4, "Tunnels an AWS-GCP link needs."),
        Setting(
            "allowSinglePathLinks",
            {"type": "array", "items": {"type": "string"}},
            [],
            "Links accepted with one active path (a policy-based end such as Neutron VPNaaS), as "
            "site-a/site-b in either order.",
        ),
    ),
    remediation="Use the vendor's HA shape (two tunnels per AWS connection; four for GCP HA VPN to AWS).",
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
    adjacency: dict[str, set[str]] = defaultdict(set)
    witness: dict[str, str] = {}
    for res in index.of_type(VPN_LINK_TYPE):
        try:
            a, b = get(res.props, "siteA"), get(res.props, "siteB")
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if not a or not b or a == b:
            continue
        adjacency[str(a)].add(str(b))
        adjacency[str(b)].add(str(a))
        witness.setdefault(str(a), res.urn)
        witness.setdefault(str(b), res.urn)
    for hub in sorted(articulation_points(adjacency) - allowed):
        yield Finding(
            f"site {hub!r} is a hub: losing it cuts the estate's site-to-site network in two; link its "
            "neighbours to each other (or list it in allowedHubs)",
            witness[hub],
        )


PARTITION = Rule(
    name="skyweave-redundancy-no-hub-site",
    description="No single site is a hub whose loss splits the site-to-site network (no articulation "
    "point in the graph of VPN/peering links), unless listed in allowedHubs.",
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
)

# -- DNS failover has health checks -------------------------------------------------------------

R53_RECORD = "aws:route53/record:Record"
GCP_RECORD_SET = "gcp:dns/recordSet:RecordSet"
_R53_POLICIES = (
    "failoverRoutingPolicies",
    "weightedRoutingPolicies",
    "latencyRoutingPolicies",
    "geolocationRoutingPolicies",
    "geoproximityRoutingPolicy",
    "cidrRoutingPolicy",
)


def _check_dns(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    for res in index.of_type(R53_RECORD):
        try:
            policies = [p for p in _R53_POLICIES if get(res.props, p)]
            health = get(res.props, "healthCheckId")
            failover = [str(get(f, "type")).upper() for f in items(res.props, "failoverRoutingPolicies")]
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if failover and all(kind == "SECONDARY" for kind in failover):
            continue  # Route 53 treats a secondary without a health check as healthy: that is the point
        if policies and not health:
            yield Finding(
                f"Route 53 record {res.name!r} uses {policies[0]} but has no healthCheckId, so it never "
                "fails over",
                res.urn,
            )
    for res in index.of_type(GCP_RECORD_SET):
        try:
            policy = get(res.props, "routingPolicy")
            if not policy:
                continue
            checked = bool(get(policy, "healthCheck")) or bool(get(policy, "primaryBackup"))
            targets = [*items(policy, "wrrs"), *items(policy, "geos")]
            if targets and all(get(t, "healthCheckedTargets") for t in targets):
                checked = True
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if not checked:
            yield Finding(
                f"Cloud DNS record set {res.name!r} has a routing policy without health-checked targets",
                res.urn,
            )


DNS = Rule(
    name="skyweave-redundancy-dns-health-checks",
    description="DNS records that route between endpoints (Route 53 failover/weighted/latency/geo "
    "policies, Cloud DNS routing policies) are health checked, so they actually fail over.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_dns,
    remediation="Attach a Route 53 health check (health_check_id) or Cloud DNS health-checked targets.",
)

RULES: tuple[Rule, ...] = (MIN_VENDORS, SURVIVES, ZONES, TUNNELS, PARTITION, DNS)
