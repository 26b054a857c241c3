"""The vendor-neutral estate model the rules judge, and what a vendor's reader fills it with.

Why a model of its own: the rules (redundancy, claims, the shared security rules) must not know
which vendor built a resource. Each vendor's policy reader (:mod:`skyweave.policy.reading`)
turns its own resources into these plain dataclasses — compute units with their site, zone and
failure domain; the tunnels and peerings each resource contributes towards a peer; DNS names and
their targets; the ingress a firewall rule opens; the IKE proposals a tunnel offers; what makes
a bucket readable by anyone — and the rules read only them.

Values unknown in a preview (issue 16) are kept with the reason, never read as absent: a unit of
unknown size, zones or role (:attr:`Unit.unknown`); a VPN resource whose peer is unknown, or
that may or may not be a tunnel (:attr:`Contribution.unknown`; it then counts as the tunnel it may
be), one that may be policy-based (:attr:`Contribution.policy_unknown`), and what may change the
site graph (:class:`LinkDoubt`); a DNS record whose name or targets are unknown
(:attr:`DnsName.unknown`, :attr:`DnsName.targets_unknown`) and the services it may add units to
(:attr:`Service.unknown`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..planning.failure import Placement
from .values import SECRET_MASK, Resource, UnknownValue, as_int, get, is_unknown

__all__ = [
    "ANY_SITE",
    "UNSPECIFIED",
    "Contribution",
    "DnsAnswer",
    "DnsCheck",
    "DnsName",
    "Edge",
    "IkeOffer",
    "Ingress",
    "LinkDoubt",
    "Service",
    "UnionFind",
    "Unit",
    "group_number",
    "is_ip",
    "is_true",
    "is_world",
    "keep_surest",
    "known_address",
    "known_str",
    "placements_of",
    "ports_admitted",
    "present",
    "referent",
    "spread",
    "unknown_at",
]

#: The zone of a unit whose vendor picks the zone (no zone in the plan).
UNSPECIFIED = "a zone the vendor chooses"


#: The site of a unit whose site is not known until apply (an unknown in its record): it may be
#: any site, so a rule that judges a site treats it as pending there.
ANY_SITE = ""


@dataclass(frozen=True)
class Unit:
    """Compute that serves: a group (its floor capacity) or one instance, node or server."""

    urn: str
    name: str
    kind: str
    vendor: str
    site: str
    region: str
    zones: tuple[tuple[str, int], ...]
    owner: str | None
    #: Why its capacity, zones or role cannot be known in this preview (``None``: known).
    unknown: str | None = None
    #: Other vendors' regions it runs on (``vendor/region``: hosted vSphere), which fail it too.
    hosts: tuple[str, ...] = ()
    #: Why the plan cannot say which site and failure domain it is in, in any preview (a remote
    #: command to a host nothing describes): it counts as a domain of its own, and the zone-spread
    #: and claims rules do not judge its zones (``None``: its zones are what the resources say).
    domain_unseen: str | None = None

    @property
    def count(self) -> int:
        return sum(n for _, n in self.zones)

    def placements(self) -> list[Placement]:
        return [
            Placement(self.site, self.vendor, self.region, zone, n, self.hosts)
            for zone, n in self.zones
            if n > 0
        ]


def placements_of(units: Iterable[Unit]) -> list[Placement]:
    return [p for unit in units if unit.unknown is None for p in unit.placements()]


@dataclass
class Service:
    """What must keep serving: a component's units, or the units behind one DNS name."""

    label: str
    urn: str | None
    units: list[Unit]
    component: Resource | None = None
    #: Why a value unknown in this preview may add units to it (a DNS record whose name or targets
    #: are unknown): a shortfall is then "can't check", never a violation.
    unknown: str | None = None
    #: A component's units no record of its DNS names reaches: they take no traffic, so they are
    #: not among :attr:`units` (what serves).
    unreached: list[Unit] = field(default_factory=list)


@dataclass(frozen=True)
class Contribution:
    """Tunnels (or a peering) one resource configures from its site towards a peer."""

    urn: str
    local: str
    remote: str
    kind: str  # "vpn" | "peering"
    tunnels: int
    path: str  # what makes two tunnels distinct (a policy-based connection's peer address)
    classic: bool = False
    policy_based: bool = False
    #: Counted from an instance-hosted router's IKE opening (its tunnels are in secret user data).
    hosted: bool = False
    #: Why a value unknown in this preview leaves it open whether this is a tunnel (counted as one)
    #: or where it leads (see ``remote_known``); ``None``: known.
    unknown: str | None = None
    #: ``False``: the peer is not known until the update runs; the contribution is in no edge.
    remote_known: bool = True
    #: Why whether it is policy-based (one active path) is not known in this preview; it counts as
    #: route-based meanwhile (its tunnel count is not in doubt).
    policy_unknown: str | None = None


@dataclass(frozen=True)
class LinkDoubt:
    """A value unknown in this preview that may change the site graph.

    ``site``: the site whose links it may add tunnels to (a VPN resource whose peer is unknown);
    ``None``: it may merge any external peers (an external VPN gateway whose interfaces are
    unknown). ``counted``: already counted, as the tunnel it may be, so it cannot make a link short.
    """

    urn: str
    reason: str
    site: str | None
    counted: bool = False
    kind: str = "vpn"  # "vpn" | "peering": the kind of edge it may add to


@dataclass
class Edge:
    """Everything between two nodes of the site graph (sites, external peers)."""

    a: str
    b: str
    kind: str
    sides: dict[str, int] = field(default_factory=dict)
    witness: str = ""
    classic: bool = False
    policy_based: bool = False
    #: Why a preview cannot say whether an end is policy-based (see :attr:`Contribution.policy_unknown`).
    policy_unknown: str | None = None

    def tunnels(self, sites: set[str]) -> int:
        """The tunnels both ends configure: the smaller side among ends that are sites."""
        ends = [n for n in (self.a, self.b) if n in sites]
        if not ends:
            return max(self.sides.values(), default=0)
        return min(self.sides.get(n, 0) for n in ends)


@dataclass(frozen=True)
class DnsCheck:
    """What decides whether an answer is given: a DNS health check, in any vendor's terms.

    ``interval`` and ``failure_threshold`` (consecutive failures before a target is left out)
    with the probe's ``protocol``, ``port`` and ``path`` (``""`` for a check without one).
    """

    protocol: str
    port: int
    path: str
    interval: int
    failure_threshold: int

    def __str__(self) -> str:
        return (
            f"{self.protocol} :{self.port}{self.path} every {self.interval} s, "
            f"out after {self.failure_threshold} failures"
        )


@dataclass(frozen=True)
class DnsAnswer:
    """One answer a DNS provider may give for a name: one weighted (or failover, or plain)
    record's addresses, as a reader describes its vendor's record (:meth:`Reader.dns_answers`).

    Attributes:
        record_type: ``A``, ``AAAA``, ``CNAME`` …
        ttl: seconds (``None``: the record has none of its own, an alias).
        routing: ``weighted``, ``failover-primary``, ``failover-secondary`` or ``simple``.
        weight: the weight within its weighted set (``None`` unless weighted).
        targets: what it answers with, sorted (addresses; ``alias:<name>`` for an alias).
        check: the health check deciding whether it is given (``None``: always given).
    """

    record_type: str
    ttl: int | None
    routing: str
    weight: float | None
    targets: tuple[str, ...]
    check: DnsCheck | None


@dataclass
class DnsName:
    """Every address record of one name, with the vendors serving it and its targets."""

    name: str
    records: list[Resource] = field(default_factory=list)
    dns_vendors: set[str] = field(default_factory=set)
    #: The DNS services that answer for it (Route 53, Cloud DNS, Traffic Manager …).
    services: set[str] = field(default_factory=set)
    targets: list[Resource] = field(default_factory=list)
    external_targets: set[str] = field(default_factory=set)
    #: Why its name (or record type) is not known in this preview: its records may belong to any name.
    unknown: str | None = None
    #: Why some of its targets are not known in this preview.
    targets_unknown: str | None = None


@dataclass(frozen=True)
class Ingress:
    """What one inbound rule admits from one source: ``ranges`` of ports (``None``: every port).

    A reader yields one per (rule, source) that admits traffic by address — never one for a
    protocol without ports that matter (ICMP, ESP) — and the shared rule judges which of its
    configured ports fall inside. ``where`` names the rule inside the resource (``ingress[0]``,
    ``the rule``) and ``source`` is the address range as the resource writes it.
    """

    where: str
    source: str
    ranges: tuple[tuple[int, int], ...] | None

    def opens(self, ports: Iterable[int]) -> list[int]:
        return [p for p in ports if self.ranges is None or any(lo <= p <= hi for lo, hi in self.ranges)]


@dataclass(frozen=True)
class IkeOffer:
    """One negotiable setting of a VPN resource, as the shared IKE rule judges it.

    Attributes:
        setting: what it decides: ``version``, ``integrity``, ``encryption``, ``dh`` (a
            Diffie-Hellman group: key exchange or PFS) or ``proposal`` (a whole policy).
        path: the property that holds it, as messages name it (``tunnel1IkeVersions``).
        values: what the resource sets; ``None`` when it leaves it unset.
        unset: for an unset setting whose vendor default is weak, what the vendor then offers, in
            its words ("AWS then also accepts IKEv1"); ``None``: the default is strong.
        single: the property holds one value (``ikeVersion``), not a list.
        groups: for ``dh``, the group number of each value (``None``: not a group the rule knows).
        advice: what to set instead ("use IKEv2"; ``{min}`` is the rule's smallest group).
        shown: how a message shows the single value (default: as written).
    """

    setting: str
    path: str
    values: tuple[str, ...] | None
    unset: str | None = None
    single: bool = False
    groups: tuple[int | None, ...] = ()
    advice: str = ""
    shown: str | None = None


def group_number(value: Any) -> int | None:
    """The first number in a group's name (``group14``, ``modp2048``'s 2048 is its own)."""
    match = re.search(r"\d+", str(value))
    return int(match.group()) if match else None


class UnionFind:
    """Keys merged into groups; a group's root is its smallest key (deterministic)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


# -- what readers share for reading values ----------------------------------------------------


def known_str(value: Any) -> str | None:
    """A string value that is set, known in this preview and not a masked secret."""
    return (
        value if isinstance(value, str) and value and not is_unknown(value) and value != SECRET_MASK else None
    )


def referent(res: Resource, prop: str) -> str | None:
    """What ``res.prop`` refers to, as a key two resources referring to one thing share: its
    value when known, else the resource it came from (property dependencies: an id a preview
    does not know yet); ``None`` when it is not set.

    Raises:
        UnknownValue: the value is not known in this preview and nothing says where it comes from.
    """
    sources = res.property_dependencies.get(prop, ())
    try:
        value = get(res.props, prop)
    except UnknownValue:
        if not sources:
            raise
        return " and ".join(sorted(sources))
    if isinstance(value, str) and value == SECRET_MASK:
        raise UnknownValue([prop])
    if value is None or value == "":
        return " and ".join(sorted(sources)) or None
    return str(value)


def present(container: Any, *path: str | int) -> bool:
    """Whether a reference property is set. A value unknown in a preview is set: the update fills
    it in (reading it as absent would turn "unknown" into "missing")."""
    try:
        return bool(get(container, *path))
    except UnknownValue:
        return True


def unknown_at(container: Any, *path: str | int) -> UnknownValue | None:
    """Why the value at ``path`` is not known in this preview (``None``: it is known, or absent)."""
    try:
        get(container, *path)
    except UnknownValue as exc:
        return exc
    return None


def known_address(container: Any, *path: str | int) -> str | None:
    """The address at ``path`` when it is known (for picking *any* known address of a gateway)."""
    try:
        return known_str(get(container, *path))
    except UnknownValue:
        return None


def keep_surest(found: dict[str, str | None], key: str, why: str | None) -> None:
    """Record ``key`` with why it is in doubt, unless it is already recorded as certain (``None``)."""
    if key not in found or why is None:
        found[key] = why


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def spread(count: int, zones: list[str]) -> tuple[tuple[str, int], ...]:
    """``count`` over ``zones`` as evenly as the vendors balance (the first zones get the rest)."""
    zones = sorted(dict.fromkeys(zones)) or [UNSPECIFIED]
    base, extra = divmod(max(count, 0), len(zones))
    return tuple((zone, base + (1 if i < extra else 0)) for i, zone in enumerate(zones))


def ports_admitted(low: Any, high: Any, protocol: Any) -> tuple[tuple[int, int], ...] | None:
    """The ports a from/to pair admits for ``protocol``: ``None`` for every port (all protocols,
    no bounds, or 0/-1 to 65535), ``()`` for ICMP (no ports), else the one range."""
    if protocol is None or str(protocol).lower() in {"-1", "all"}:
        return None
    if str(protocol).lower() in {"icmp", "icmpv6", "1", "58"}:
        return ()
    lo, hi = as_int(low), as_int(high)
    if lo is None and hi is None:
        return None
    lo = lo if lo is not None else hi
    hi = hi if hi is not None else lo
    assert lo is not None and hi is not None
    if lo in (0, -1) and hi in (0, -1, 65535):
        return None
    return ((lo, hi),)


def is_world(cidr: Any) -> bool:
    """Whether an address range is the whole internet (0.0.0.0/0, ::/0)."""
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def is_true(value: Any) -> bool:
    """A boolean property; some are the strings "true"/"TRUE" (a launch template's ``ebs.encrypted``)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
