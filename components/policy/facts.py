"""What the provider resources themselves say about the estate — never what components claim.

Why: a component's outputs (a MultiCloudApp's ``placements``, a VpnLink's ``tunnels``) say what
it *meant* to build. A plan edited by hand, a component with a bug, or an estate written with
plain provider resources must be judged by what will actually exist. This module derives, from
the resources of one ``AnalyzeStack`` call and through every vendor's policy reader
(:mod:`skyweave.policy.readers`), the vendor-neutral model of :mod:`skyweave.policy.model`:

* **sites** — every explicit provider of a reader's cloud package (``pulumi:providers:azure-native``
  is an Azure site: the vendor is its reader's, however the package is spelt);
* **compute units** — what each reader's compute types hold (a group's floor capacity over its
  zones, an instance, a server), and the units no resource type holds (on-prem nodes);
* **services** — each MultiCloudApp / BareMetalPool (its descendants' units), and each DNS name
  whose records lead to compute no component owns (a DNS name is what users call a service);
* **links** — each reader's tunnels and peerings, resolved here to the node each reaches: the
  site a peer property came from (property dependencies), the peer a stand-in stands for (an AWS
  customer gateway, an Azure local network gateway), or an external peer (union-find merged);
* **DNS** — names of record sets and profiles (Traffic Manager), who serves each and the compute
  behind its targets (a walk through the readers' serving types);
* **data sets** — buckets joined by the copies between them.

Claims are checked against these facts by :mod:`skyweave.policy.claims`. Everything is built
once per call (memoised on the :class:`StackIndex`), linear in resources and dependencies. What a
preview cannot know is kept with the reason (:mod:`skyweave.policy.model`): "can't check", never
a violation.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any

from . import readers
from .dns_facts import DnsFacts
from .index import APP_TYPES, StackIndex
from .model import (
    UNSPECIFIED,
    Contribution,
    DnsName,
    Edge,
    LinkDoubt,
    Service,
    UnionFind,
    Unit,
    known_address,
    known_str,
    placements_of,
    spread,
)
from .reading import Floor, Reader
from .rule import Finding
from .values import Resource, UnknownValue, get

__all__ = [
    "UNSPECIFIED",
    "Contribution",
    "DnsName",
    "Edge",
    "EstateFacts",
    "LinkDoubt",
    "Service",
    "Unit",
    "facts",
    "placements_of",
    "vendor_name",
]

vendor_name = readers.vendor_name


def facts(index: StackIndex) -> EstateFacts:
    """The facts of ``index``, built on first use and shared by every rule of this call."""
    cached = index.memo.get("facts")
    if cached is None:
        cached = index.memo["facts"] = EstateFacts(index)
    assert isinstance(cached, EstateFacts)
    return cached


class EstateFacts(DnsFacts):
    """The derived view of one stack (see the module docstring)."""

    def __init__(self, index: StackIndex) -> None:
        self.index = index
        self.readers = readers.all_readers()

    def check_topic(self, topic: str, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        """A stack rule's vendor parts: every reader's findings for ``topic``, in reader order."""
        for reader in self.readers:
            yield from reader.check_stack(topic, self, cfg)

    # -- structure ---------------------------------------------------------------------------

    def owner(self, res: Resource) -> str | None:
        """The nearest MultiCloudApp / BareMetalPool ancestor of ``res`` (its URN)."""
        return self.ancestor_of_type(res, APP_TYPES)

    def ancestor_of_type(self, res: Resource, types: frozenset[str]) -> str | None:
        memo_key = "|".join(sorted(types))
        memo = self.index.memo.setdefault(f"ancestor:{memo_key}", {})
        chain: list[str] = []
        current: Resource | None = res
        found: str | None = None
        while current is not None:
            if current.urn in memo:
                found = memo[current.urn]
                break
            if current.urn in chain:
                break  # a parent cycle (only hand-made input has one): no ancestor
            chain.append(current.urn)
            if current is not res and current.type in types:
                found = current.urn
                break
            current = self.index.by_urn.get(current.parent) if current.parent else None
        for urn in chain:
            memo[urn] = found
        return found

    def descendants(self, urn: str) -> list[Resource]:
        """Every resource whose parent chain passes through ``urn``."""
        children = self.children
        found: list[Resource] = []
        seen = {urn}
        todo = list(children.get(urn, ()))
        while todo:
            res = todo.pop()
            if res.urn in seen:
                continue
            seen.add(res.urn)
            found.append(res)
            todo.extend(children.get(res.urn, ()))
        return found

    @cached_property
    def children(self) -> dict[str, list[Resource]]:
        result: dict[str, list[Resource]] = defaultdict(list)
        for res in self.index.resources:
            if res.parent:
                result[res.parent].append(res)
        return result

    @cached_property
    def dependents(self) -> dict[str, list[Resource]]:
        """Resources that depend on each URN (the reverse of ``dependencies``)."""
        result: dict[str, list[Resource]] = defaultdict(list)
        for res in self.index.resources:
            for dep in res.dependencies:
                result[dep].append(res)
            for deps in res.property_dependencies.values():
                for dep in deps:
                    if dep not in res.dependencies:
                        result[dep].append(res)
        return result

    def node(self, res: Resource) -> str:
        """The site of ``res`` as a node of the estate (its explicit provider's name)."""
        site = self.index.site(res)
        if site and not site.startswith("default"):
            return site
        return f"{res.package} (default provider)"

    def region(self, res: Resource, zone: str | None = None) -> str:
        """The region of ``res``: its provider's (``region``, else ``location``), its own (its
        reader's region properties), or its zone's.

        Raises:
            UnknownValue: its provider's region (location) is not known in this preview, or its own
                is and no zone says which it is.
        """
        if res.provider_urn:
            provider = self.index.by_urn.get(res.provider_urn)
            if provider is not None:
                try:
                    region = known_str(get(provider.props, "region")) or known_str(
                        get(provider.props, "location")
                    )
                except UnknownValue as exc:  # named after the provider: the site's region is unknown
                    raise UnknownValue([provider.name, *exc.path.split(".")]) from None
                if region:
                    return region
        unknown: UnknownValue | None = None
        reader = readers.reader_for_package(res.package)
        try:
            region = None
            for prop in reader.region_props if reader is not None else ("region",):
                region = region or known_str(get(res.props, prop))
        except UnknownValue as exc:
            region, unknown = None, exc  # its zone may still say (a zone is in one region)
        if region:
            return region
        if zone and zone != UNSPECIFIED and zone[-1:].isalpha() and zone[-2:-1].isdigit():
            return zone[:-1]  # a zone letter after the region: us-east-1a
        if zone and zone.count("-") >= 2:
            return zone.rsplit("-", 1)[0]  # a zone suffix after the region: europe-west1-b
        if unknown is not None:  # not its site's name: the update will tell which region it is
            raise UnknownValue([res.name, *unknown.path.split(".")])
        return self.node(res)

    # -- compute -----------------------------------------------------------------------------

    @cached_property
    def compute_types(self) -> dict[str, tuple[Reader, str]]:
        """Every reader's compute types → (its reader, the word for it)."""
        return {t: (r, kind) for r in self.readers for t, kind in r.compute.items()}

    @cached_property
    def units(self) -> list[Unit]:
        found: list[Unit] = []
        routers: dict[str, str | None] = {}
        for reader in self.readers:
            routers.update(reader.not_compute(self))
        for reader in self.readers:
            for res in self.index.of_type(*reader.compute):
                if res.urn not in routers:
                    found.append(self._unit(reader, res))
                elif routers[res.urn] is not None:  # a VPN router or compute: the preview cannot say
                    found.append(self.unknown_unit(res, f"whether it is a VPN router: {routers[res.urn]}"))
        for reader in self.readers:
            found.extend(reader.extra_units(self))
        # The offline runtime lists resources as outputs resolve, so plan order varies run to run;
        # a finding that names "the first" unit names the same one every time.
        return sorted(found, key=lambda unit: unit.urn)

    @cached_property
    def units_by_owner(self) -> dict[str | None, list[Unit]]:
        result: dict[str | None, list[Unit]] = defaultdict(list)
        for unit in self.units:
            result[unit.owner].append(unit)
        return result

    def _unit(self, reader: Reader, res: Resource) -> Unit:
        try:
            kind, count, zones = reader.capacity(self, res)
            region = self.region(res, zones[0] if zones else None)
        except UnknownValue as exc:
            return self.unknown_unit(res, str(exc))
        vendor = self.index.vendor(res) or res.package
        return Unit(
            res.urn,
            res.name,
            kind,
            vendor,
            self.node(res),
            region,
            spread(count, zones),
            self.owner(res),
            hosts=reader.hosts(res),
        )

    def unknown_unit(self, res: Resource, reason: str) -> Unit:
        """A unit whose size, zones or role a preview cannot know, with why."""
        vendor = self.index.vendor(res) or res.package
        site = self.node(res)
        entry = self.compute_types.get(res.type)
        kind = entry[1] if entry is not None else "compute"
        return Unit(res.urn, res.name, kind, vendor, site, site, (), self.owner(res), reason)

    def autoscaled_floor(self, res: Resource) -> int | None:
        """The smallest size an autoscaler keeps ``res`` at (``None``: no autoscaler says).

        Raises:
            UnknownValue: the autoscaler's minimum is not known in this preview.
        """
        floor = self._floors.get(res.urn)
        if isinstance(floor, tuple):
            raise UnknownValue(floor)
        return floor

    @cached_property
    def _floors(self) -> dict[str, Floor]:
        found: dict[str, Floor] = {}
        for reader in self.readers:
            for urn, floor in reader.floors(self):
                found.setdefault(urn, floor)
        return found

    @cached_property
    def cloud_addresses(self) -> frozenset[str]:
        """Types of the clouds' own addresses and compute (a command to one configures it)."""
        return frozenset(self.addresses_by_type) | frozenset(self.compute_types)

    # -- services ----------------------------------------------------------------------------

    @cached_property
    def services(self) -> list[Service]:
        """Each MultiCloudApp / BareMetalPool, then each DNS name in front of compute no component owns."""
        result: list[Service] = []
        reachable = self._reachable_by_owner
        for res in self.index.of_type(*APP_TYPES):
            kind = res.type.rsplit(":", 1)[-1]
            units = list(self.units_by_owner.get(res.urn, []))
            unreached: list[Unit] = []
            reached = reachable.get(res.urn)
            if reached is not None:  # it answers at names of its own: what they reach serves
                unreached = [u for u in units if u.urn not in reached]
                units = [u for u in units if u.urn in reached]
            result.append(Service(f"{kind} {res.name!r}", res.urn, units, res, unreached=unreached))
        unit_by_urn = {u.urn: u for u in self.units}
        free: dict[str, list[Unit]] = {}
        for name, behind in self._dns_behind.items():
            free[name] = [unit_by_urn[u] for u in behind if u in unit_by_urn and unit_by_urn[u].owner is None]
        unknown_names = [(name, dns) for name, dns in sorted(self.dns.items()) if dns.unknown]
        for name, dns in sorted(self.dns.items()):
            if not free[name]:
                continue
            doubt = dns.unknown or dns.targets_unknown
            if doubt is None:  # a record of unknown name may be one of this name's, adding units
                mine = {u.urn for u in free[name]}
                for other_name, other in unknown_names:
                    if other.targets_unknown or not {u.urn for u in free[other_name]} <= mine:
                        doubt = (
                            f"DNS record {other.records[0].name!r} may be one of {name}'s: {other.unknown}"
                        )
                        break
            result.append(Service(f"DNS name {name!r}", dns.records[0].urn, free[name], unknown=doubt))
        return result

    @cached_property
    def _reachable_by_owner(self) -> dict[str, set[str]]:
        """For each component with DNS records of its own, the units its names' records reach.

        A component's instances serve only where a record of its names leads (an instance no record
        reaches takes no traffic); a component without records of its own (a bare-metal pool) is
        left out. A record whose targets a preview cannot know leaves the component out too: it
        may reach any of them."""
        found: dict[str, set[str]] = {}
        doubtful: set[str] = set()
        for name, dns in self.dns.items():
            owners = {o for r in dns.records if (o := self.owner(r)) is not None}
            if not owners:
                continue
            if dns.unknown or dns.targets_unknown:
                doubtful |= owners
                continue
            for owner in owners:
                found.setdefault(owner, set()).update(self._dns_behind[name])
        return {owner: units for owner, units in found.items() if owner not in doubtful}

    @cached_property
    def _dns_behind(self) -> dict[str, list[str]]:
        """Each DNS name → the compute units its targets lead to (:meth:`behind`), walked once."""
        return {name: self.behind([t.urn for t in dns.targets]) for name, dns in self.dns.items()}

    @cached_property
    def _serving(self) -> frozenset[str]:
        return readers.types_of("serving") | frozenset(self.compute_types)

    def behind(self, start: Iterable[str]) -> list[str]:
        """URNs of the compute units that serve the resources ``start`` (a DNS name's targets)."""
        by_urn = self.index.by_urn
        seen: set[str] = set()
        queue = deque(u for u in start if u in by_urn)
        found: list[str] = []
        compute = self.compute_types
        serving = self._serving
        # A resource a reader makes units of itself (an AKS cluster's node pools) is compute too.
        extra = self._extra_unit_urns
        while queue:
            urn = queue.popleft()
            if urn in seen:
                continue
            seen.add(urn)
            res = by_urn[urn]
            if res.type in compute or urn in extra:
                found.append(urn)
                # A group's own dependencies (its template, its subnets) serve nothing; but an
                # instance may sit behind an address that other records name.
            neighbours = [
                *res.dependencies,
                *(d for deps in res.property_dependencies.values() for d in deps),
            ]
            neighbours += [r.urn for r in self.dependents.get(urn, ())]
            for nxt in neighbours:
                target = by_urn.get(nxt)
                if target is not None and nxt not in seen and (target.type in serving or nxt in extra):
                    queue.append(nxt)
        return found

    @cached_property
    def _extra_unit_urns(self) -> frozenset[str]:
        """The resources whose units a reader adds itself (:meth:`Reader.extra_units`), beside
        those of its compute types."""
        return frozenset(u.urn for u in self.units if u.urn in self.index.by_urn) - {
            r.urn for r in self.index.of_type(*self.compute_types)
        }

    # -- links -------------------------------------------------------------------------------

    @cached_property
    def _gateway_peers(self) -> tuple[UnionFind, list[LinkDoubt]]:
        """External peer addresses that belong together (one external gateway's interfaces),
        and the doubts a preview leaves about them (they may merge others)."""
        peers = UnionFind()
        doubts: list[LinkDoubt] = []
        for reader in self.readers:
            doubts.extend(reader.peer_groups(self, peers))
            for type_, props in reader.stand_ins.items():  # the addresses of one site's devices
                for stand_in in self.index.of_type(type_):
                    site = reader.peer_site(stand_in)
                    address = known_address(stand_in.props, props[0]) if site else None
                    if site and address:
                        peers.union(f"ip:{address}", f"site:{site}")
        return peers, doubts

    @cached_property
    def _peer_sources(self) -> dict[str, frozenset[str]]:
        merged: dict[str, frozenset[str]] = {}
        for reader in self.readers:
            for prop, types in reader.peer_sources.items():
                merged[prop] = merged.get(prop, frozenset()) | types
        return merged

    @cached_property
    def _stand_ins(self) -> dict[str, tuple[str, ...]]:
        return readers.merged("stand_ins")

    @cached_property
    def _opaque_peers(self) -> frozenset[str]:
        return readers.types_of("opaque_peers")

    def resolve(self, res: Resource, prop: str, literal: Any = None, depth: int = 0) -> str:
        """The node ``res.prop`` points at: the site of the resource it came from, or a peer address.

        The engine says which resource a property came from (property dependencies). Without
        them (a plan format that keeps only ``dependencies``), a dependency of the kind that
        property refers to (the readers' ``peer_sources``), on another site, stands in.

        Raises:
            UnknownValue: the address is not known in this preview and nothing says where it comes
                from (it is not "no address": the update will tell).
        """
        node = self.source_node(res, prop, depth)
        if node is not None:
            return node
        try:
            value = literal if literal is not None else get(res.props, prop)
            if isinstance(value, Mapping):  # a reference ({id}): unknown if its id is
                get(value, "id")
        except UnknownValue as exc:
            raise UnknownValue([res.name, *exc.path.split(".")]) from None
        ip = known_str(value)
        if ip:
            return self.peer_name(ip)
        return f"the peer of {res.name} (address not known)"

    def source_node(self, res: Resource, prop: str, depth: int = 0) -> str | None:
        """The node of the resource ``res.prop`` came from (see :meth:`resolve`); ``None``: none."""
        sources = list(res.property_dependencies.get(prop, ()))
        peer_sources = self._peer_sources
        if not sources and prop in peer_sources:
            local = self.node(res)
            by_urn = self.index.by_urn
            sources = [
                u
                for u in res.dependencies
                if u in by_urn and by_urn[u].type in peer_sources[prop] and self.node(by_urn[u]) != local
            ][:1]
        for urn in sources:
            target = self.index.by_urn.get(urn)
            if target is None:
                return f"{urn.rsplit('::', 1)[-1]} (not in this plan)"
            if target.type in self._stand_ins and depth == 0:
                return self.stand_in_peer(target)
            if target.type in self._opaque_peers:
                continue
            return self.node(target)
        return None

    def stand_in_peer(self, stand_in: Resource) -> str:
        """The node a stand-in (an AWS customer gateway, an Azure local network gateway) stands
        for: where its address came from, else the address itself (its later properties are
        fall-backs: an Azure local gateway's ``fqdn``).

        Raises:
            UnknownValue: its address is not known in this preview and no property dependency
                says where it comes from.
        """
        props = self._stand_ins[stand_in.type]
        node = self.source_node(stand_in, props[0], depth=1)
        if node is not None:
            return node
        try:
            value: Any = None
            for prop in props:
                value = value or get(stand_in.props, prop)
            if isinstance(value, Mapping):  # a reference ({id}): unknown if its id is
                get(value, "id")
        except UnknownValue as exc:
            raise UnknownValue([stand_in.name, *exc.path.split(".")]) from None
        address = known_str(value)
        return self.peer_name(address) if address else f"the peer of {stand_in.name} (address not known)"

    def peer_name(self, ip: str) -> str:
        """An external peer by its address: the site its stand-ins say it is (one site's devices are
        one node), else named by every address merged with it."""
        peers = self._gateway_peers[0]
        key = f"ip:{ip}"
        root = peers.find(key) if key in peers.parent else key
        addresses, sites = self._peer_groups.get(root, ([ip], []))
        if sites:
            return " + ".join(sites)
        return "external peer " + " + ".join(addresses)

    @cached_property
    def _peer_groups(self) -> dict[str, tuple[list[str], list[str]]]:
        """Each group of merged peers: (its addresses, the sites its stand-ins name)."""
        peers = self._gateway_peers[0]
        groups: dict[str, tuple[list[str], list[str]]] = {}
        for key in list(peers.parent):
            addresses, sites = groups.setdefault(peers.find(key), ([], []))
            kind, _, value = key.partition(":")
            (sites if kind == "site" else addresses).append(value)
        return {root: (sorted(a), sorted(s)) for root, (a, s) in groups.items()}

    def contribution(
        self, res: Resource, resolve: Callable[[], str], tunnels: int, path: str, **flags: Any
    ) -> Contribution:
        """``res``'s VPN tunnels towards the node ``resolve()`` names; a peer unknown in this
        preview leaves them out of the site graph (``remote_known=False``), saying why."""
        try:
            remote = resolve()
        except UnknownValue as exc:
            remote = f"the peer of {res.name} (not known until the update runs)"
            flags.update(unknown=f"its peer is not known until the update runs ({exc})", remote_known=False)
        return Contribution(res.urn, self.node(res), remote, "vpn", tunnels, path, **flags)

    def peering(self, res: Resource, own: str, peer: str) -> Contribution:
        """A peering between the network ``res.own`` names (else ``res``'s site) and ``res.peer``'s."""

        def ends() -> tuple[str, str]:
            a = self.resolve(res, own) if own in res.property_dependencies else self.node(res)
            return a, self.resolve(res, peer)

        try:
            a, b = ends()
        except UnknownValue as exc:
            why = f"its peer is not known until the update runs ({exc})"
            remote = f"the peer of {res.name} (not known until the update runs)"
            return Contribution(
                res.urn, self.node(res), remote, "peering", 0, res.urn, unknown=why, remote_known=False
            )
        return Contribution(res.urn, a, b, "peering", 0, res.urn)

    @cached_property
    def contributions(self) -> list[Contribution]:
        return [c for reader in self.readers for c in reader.contributions(self)]

    @cached_property
    def link_doubts(self) -> list[LinkDoubt]:
        """Values unknown in this preview that may change the site graph (see :class:`LinkDoubt`)."""
        doubts = [
            LinkDoubt(c.urn, c.unknown, c.local, counted=c.remote_known, kind=c.kind)
            for c in self.contributions
            if c.unknown is not None
        ]
        return doubts + self._gateway_peers[1]

    def link_doubt(self, edge: Edge) -> LinkDoubt | None:
        """A doubt that may add tunnels to ``edge`` (a VPN at one of its ends whose peer is unknown)
        or make its external end another peer (an external gateway's unknown interfaces)."""
        sites = self.sites
        external = edge.a not in sites or edge.b not in sites
        for doubt in self.link_doubts:
            if doubt.counted or doubt.kind != edge.kind:
                continue
            if doubt.site in (edge.a, edge.b) or (doubt.site is None and external):
                return doubt
        return None

    @cached_property
    def site_vendor(self) -> dict[str, str]:
        """Every site of the plan (an explicit provider, or a vendor's default one) → its vendor.

        Read from the provider resources the engine sends with the stack, plus the default-provider
        node of any VPN resource registered without an explicit provider — not from every resource.
        """
        found: dict[str, str] = {}
        cloud = readers.cloud_packages()
        for type_name, members in self.index.by_type.items():
            if not type_name.startswith("pulumi:providers:"):
                continue
            package = type_name.removeprefix("pulumi:providers:")
            if package not in cloud:
                continue
            for provider in members:
                name = provider.urn.rsplit("::", 1)[-1]
                found.setdefault(
                    name if not name.startswith("default") else f"{package} (default provider)",
                    readers.package_vendor(package),
                )
        for res in (r for reader in self.readers for r in self.index.of_type(*reader.links)):
            if res.provider_urn is None or res.provider_urn not in self.index.by_urn:
                own = self.index.vendor(res)
                if own is not None:
                    found.setdefault(self.node(res), own)
        return found

    @property
    def sites(self) -> set[str]:
        return set(self.site_vendor)

    @cached_property
    def edges(self) -> list[Edge]:
        """The site graph's edges; a contribution whose peer is unknown in this preview is in none
        (it is a :class:`LinkDoubt` of its site)."""
        sites = self.sites
        by_pair: dict[tuple[str, str, str], Edge] = {}
        paths: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for c in self.contributions:
            if c.local == c.remote or not c.remote_known:
                continue
            a, b = sorted((c.local, c.remote), key=lambda n: (n not in sites, n))  # sites first
            key = (a, b, c.kind)
            edge = by_pair.get(key)
            if edge is None:
                edge = by_pair[key] = Edge(a, b, c.kind, witness=c.urn)
            edge.witness = min(edge.witness, c.urn)  # the same one whatever the plan's order
            edge.classic = edge.classic or c.classic
            edge.policy_based = edge.policy_based or c.policy_based
            edge.policy_unknown = edge.policy_unknown or c.policy_unknown
            if c.kind == "vpn":
                distinct = paths[(a, b, c.kind, c.local)]
                if c.path in distinct:
                    continue
                distinct.add(c.path)
                edge.sides[c.local] = edge.sides.get(c.local, 0) + c.tunnels
        return sorted(by_pair.values(), key=lambda e: (e.a, e.b, e.kind))

    def node_vendor(self, node: str) -> str | None:
        return self.site_vendor.get(node)

    # -- data --------------------------------------------------------------------------------

    @cached_property
    def bucket_kinds(self) -> dict[str, str]:
        """Every reader's bucket types → the word for each (``S3 bucket``)."""
        return readers.merged("buckets")

    @cached_property
    def datasets(self) -> dict[str, list[Resource]]:
        """Buckets grouped by the copies between them (union-find root → members)."""
        joined = UnionFind()
        buckets = self.index.of_type(*self.bucket_kinds)
        bucket_types = frozenset(self.bucket_kinds)
        for res in buckets:
            joined.find(res.urn)
        for copier in (r for t in readers.types_of("copiers") for r in self.index.of_type(t)):
            reached = self._buckets_near(copier, bucket_types)
            for urn in reached[1:]:
                joined.union(reached[0], urn)
        for reader in self.readers:
            for a, b in reader.copies(self):
                joined.union(a, b)
        groups: dict[str, list[Resource]] = defaultdict(list)
        for res in buckets:
            groups[joined.find(res.urn)].append(res)
        return groups

    def _buckets_near(self, res: Resource, bucket_types: frozenset[str]) -> list[str]:
        """Buckets ``res`` depends on, directly or through one relay (an AWS DataSync location)."""
        by_urn = self.index.by_urn
        relays = self._relays
        found: set[str] = set()
        for urn in {*res.dependencies, *(u for deps in res.property_dependencies.values() for u in deps)}:
            target = by_urn.get(urn)
            if target is None:
                continue
            if target.type in bucket_types:
                found.add(urn)
            elif relays and target.type.startswith(relays):
                found.update(u for u in target.dependencies if u in by_urn and by_urn[u].type in bucket_types)
        return sorted(found)

    @cached_property
    def _relays(self) -> tuple[str, ...]:
        return tuple(p for reader in self.readers for p in reader.relays)

    @cached_property
    def vendors(self) -> dict[str, str]:
        """Every vendor the resources put something on (on-prem: its nodes) → a proving URN."""
        found = dict(self.index.vendors)
        for unit in self.units:
            if unit.vendor not in found:
                found[unit.vendor] = unit.urn
        return found
