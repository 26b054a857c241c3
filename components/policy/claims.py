"""Component outputs are claims: each must be backed by the plan's own provider resources.

Why a rule of its own: a MultiCloudApp that says it places 4 instances on GCP, a VpnLink that
says it has 4 tunnels or a MultiCloudBucket that says it keeps a copy in Swift is only as good as
the resources behind it. A plan edited by hand, a converted plan that lost resources, or a
component bug can leave the claim standing while the resources are gone — and every rule that
trusted the claim would pass. The redundancy rules therefore judge resources only
(:mod:`skyweave.policy.facts`), and this rule says, for each claim, which resources are missing.

What is compared (a claim is backed by the component's own descendants):

* MultiCloudApp / BareMetalPool ``placements``: per site, the units (groups count their floor
  capacity) must reach the claimed count, in the claimed zones (a BYON server is in the site and
  rack its record names); a vendor with a host the plan cannot place (a remote command no server
  record describes) is compared per vendor.
* MultiCloudApp ``dnsName``: an address record of that name.
* VpnLink ``kind`` / ``tunnels``: a peering resource, or as many tunnels configured at each cloud
  end as claimed.
* MultiCloudBucket ``buckets``: a bucket or container on each site it names.
* HybridVpc ``networks``: a VPC or network on each cloud site it names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ..core.naming import HYBRID_VPC, MULTI_CLOUD_APP, MULTI_CLOUD_BUCKET, VPN_LINK
from ..planning.failure import Placement
from . import readers
from .facts import UNSPECIFIED, EstateFacts, facts, vendor_name
from .index import APP_TYPES, StackIndex
from .rule import Finding, Kind, Level, Resource, Rule, Severity, UnknownValue, as_int, cant_check, get

__all__ = ["RULES"]

_PLACEHOLDER_ZONES = ("GCP zone ", UNSPECIFIED)


def _short(res: Resource) -> str:
    return f"{res.type.rsplit(':', 1)[-1]} {res.name!r}"


def _check_placements(estate: EstateFacts, res: Resource) -> Iterator[Finding]:
    rows: list[Placement] | None = estate.index.placements.get(res.urn)
    if rows is None:
        yield Finding(f"can't check {res.urn} during preview: placements unknown", res.urn, unknown=True)
        return
    word = "nodes" if res.type.endswith("BareMetalPool") else "instances"
    units = estate.units_by_owner.get(res.urn, [])
    pending = [u for u in units if u.unknown]
    if pending:
        yield Finding(f"can't check {res.urn} during preview: {pending[0].unknown}", res.urn, unknown=True)
        return
    # A vendor with a unit whose site and rack the plan cannot see is compared per vendor.
    vague = {u.vendor for u in units if u.domain_unseen}
    claimed: dict[tuple[str, str], int] = defaultdict(int)
    claimed_zones: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        key = (row.vendor, "" if row.vendor in vague else row.site)
        claimed[key] += row.count
        if row.count > 0 and row.zone:
            claimed_zones[key].add(row.zone)
    have: dict[tuple[str, str], int] = defaultdict(int)
    have_zones: dict[tuple[str, str], set[str]] = defaultdict(set)
    for unit in units:
        key = (unit.vendor, "" if unit.vendor in vague else unit.site)
        have[key] += unit.count
        have_zones[key].update(z for z, n in unit.zones if n > 0)
    for key in sorted(claimed):
        vendor, site = key
        if readers.reader_for_vendor(vendor) is None:
            continue  # not judged: skyweave-coverage-unjudged names the site (never silently accepted)
        want = claimed[key]
        where = site or f"{vendor_name(vendor)} servers"
        if have[key] == 0 and want > 0:
            yield Finding(
                f"{_short(res)} places {want} on {where} but the plan has no {vendor_name(vendor)} {word} "
                "for it",
                res.urn,
            )
        elif have[key] < want:
            yield Finding(
                f"{_short(res)} places {want} on {where} but the plan's {vendor_name(vendor)} {word} for it "
                f"provide only {have[key]}",
                res.urn,
            )
        elif vendor not in vague and not any(z.startswith(_PLACEHOLDER_ZONES) for z in have_zones[key]):
            missing = sorted(claimed_zones[key] - have_zones[key])
            if missing:
                yield Finding(
                    f"{_short(res)} places {word} in zone(s) {', '.join(missing)} of {site} but none of the "
                    f"plan's {word} for it there runs in {'it' if len(missing) == 1 else 'them'}",
                    res.urn,
                )


def _check_dns_name(estate: EstateFacts, res: Resource) -> Iterator[Finding]:
    try:
        name = get(res.props, "dnsName")
    except UnknownValue as exc:
        yield cant_check(res, exc)
        return
    if isinstance(name, str) and name and name.rstrip(".").lower() not in estate.dns:
        maybe = next((dns for dns in estate.dns.values() if dns.unknown), None)
        if maybe is not None:  # a record whose name a preview cannot know may be this one
            yield Finding(
                f"can't check {res.urn} during preview: {_short(res)} answers at {name}, and DNS record "
                f"{maybe.records[0].name!r} may be its record: {maybe.unknown}",
                res.urn,
                unknown=True,
            )
            return
        yield Finding(f"{_short(res)} answers at {name} but the plan has no DNS record of that name", res.urn)


def _check_link(estate: EstateFacts, res: Resource) -> Iterator[Finding]:
    try:
        kind = str(get(res.props, "kind", default="vpn"))
        claimed = as_int(get(res.props, "tunnels", default=0)) or 0
        ends = [(str(get(res.props, f"site{x}")), str(get(res.props, f"vendor{x}"))) for x in "AB"]
    except UnknownValue as exc:
        yield cant_check(res, exc)
        return
    mine = {d.urn for d in estate.descendants(res.urn)}
    contributions = [c for c in estate.contributions if c.urn in mine]
    if kind == "peering":
        if not any(c.kind == "peering" for c in contributions):
            yield Finding(
                f"{_short(res)} claims a peering between {ends[0][0]} and {ends[1][0]} but the plan has no "
                "peering resource for it",
                res.urn,
            )
        return
    for site, vendor in ends:
        reader = readers.reader_for_vendor(vendor)
        if reader is None:
            continue  # not judged: skyweave-coverage-unjudged names the site (never silently accepted)
        if reader.device_links:
            continue  # its reader says: a device someone else configures, nothing in the plan to count
        mine_here = [c for c in contributions if c.kind == "vpn" and c.local == site]
        paths = {c.path: c.tunnels for c in mine_here}
        have = sum(paths.values())
        # A resource that may be a tunnel (a value unknown in the preview) counts as the one it may
        # be: a shortfall is certain; enough tunnels only with it is "can't check".
        certain = sum({c.path: c.tunnels for c in mine_here if not c.unknown}.values())
        doubtful = next((c for c in mine_here if c.unknown), None)
        if have >= claimed > certain and doubtful is not None:
            yield Finding(
                f"can't check {res.urn} during preview: {_short(res)} claims {claimed} tunnel(s) on "
                f"{site}'s side, {certain} of them certain; {doubtful.urn.rsplit('::', 1)[-1]}: "
                f"{doubtful.unknown}",
                res.urn,
                unknown=True,
            )
        if have < claimed:
            what = f"only {have}" if have else f"no {vendor_name(vendor)} VPN resources"
            yield Finding(
                f"{_short(res)} claims {claimed} tunnel(s) between {ends[0][0]} and {ends[1][0]} but the "
                f"plan has {what} for it on {site}'s side",
                res.urn,
            )


def _check_bucket(estate: EstateFacts, res: Resource) -> Iterator[Finding]:
    try:
        buckets = get(res.props, "buckets") or {}
        sites = [str(site) for site in buckets] if isinstance(buckets, Mapping) else []
    except UnknownValue as exc:
        yield cant_check(res, exc)
        return
    kinds = estate.bucket_kinds
    held = {estate.node(d) for d in estate.descendants(res.urn) if d.type in kinds}
    for site in sorted(sites):
        if site not in held:
            yield Finding(
                f"{_short(res)} keeps a copy on {site} but the plan has no bucket or container for it there "
                f"(looked for: {', '.join(sorted(set(kinds.values())))})",
                res.urn,
            )


def _check_networks(estate: EstateFacts, res: Resource) -> Iterator[Finding]:
    try:
        networks = get(res.props, "networks") or {}
        sites = (
            [(str(s), str(get(networks, s, "vendor"))) for s in networks]
            if isinstance(networks, Mapping)
            else []
        )
    except UnknownValue as exc:
        yield cant_check(res, exc)
        return
    networks = frozenset(t for reader in estate.readers for t in reader.networks)
    held = {estate.node(d) for d in estate.descendants(res.urn) if d.type in networks}
    for site, vendor in sorted(sites):
        reader = readers.reader_for_vendor(vendor)
        if reader is not None and reader.networks and site not in held:
            yield Finding(
                f"{_short(res)} has a network on {site} but the plan has no {vendor_name(vendor)} VPC or "
                "network for it",
                res.urn,
            )


def _check_claims(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    estate = facts(index)
    for res in index.of_type(*APP_TYPES):
        yield from _check_placements(estate, res)
        if res.type == MULTI_CLOUD_APP:
            yield from _check_dns_name(estate, res)
    for res in index.of_type(VPN_LINK):
        yield from _check_link(estate, res)
    for res in index.of_type(MULTI_CLOUD_BUCKET):
        yield from _check_bucket(estate, res)
    for res in index.of_type(HYBRID_VPC):
        yield from _check_networks(estate, res)


CLAIMS = Rule(
    name="skyweave-redundancy-claims-backed",
    description="What skyweave components say about themselves (a MultiCloudApp's or BareMetalPool's "
    "placements and DNS name, a VpnLink's tunnels, a MultiCloudBucket's copies, a HybridVpc's "
    "networks) is backed by the plan's own provider resources.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_claims,
    remediation="Check the plan for resources that were dropped or edited (a converted or filtered plan, "
    "a targeted preview) and preview the whole stack again; if the component itself registered "
    "fewer resources than it reports, that is a skyweave bug — please report it.",
    severity=Severity.HIGH,
)

RULES: tuple[Rule, ...] = (CLAIMS,)
