"""What a vendor's policy reader is: the Pulumi packages and resource types it reads, and hooks
that turn them into the estate model (:mod:`skyweave.policy.model`).

Why readers: the rules must judge a vendor they were not written for. A vendor ships its reader
beside its driver (``skyweave.drivers.<vendor>.reader``, or in its own distribution through the
``skyweave.readers`` entry point — :mod:`skyweave.policy.readers`), importing only this module,
:mod:`skyweave.policy.model` and :mod:`skyweave.policy.rule` (no provider SDK). Cross-vendor work
— following property dependencies to a peer's site, merging external peers, the site graph, the
DNS walk from a name to the compute behind it, joining buckets by their copies — stays in
:mod:`skyweave.policy.facts`, which asks every reader for its part.

**What a reader must claim** (:attr:`Reader.claims`, the union of its tables below): every type
one of its hooks or tables reads. A type nobody claims is fine when its package is one some reader
knows (not every type of a cloud matters to the rules: a route table, an IAM role); a resource
of a package no reader knows is reported by ``skyweave-coverage-unjudged`` — never silence.

Each table is keyed by type token, and each vendor's tokens are written once, in its reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Protocol

from ..core.sites import PEER_SITE_TAG
from .model import Contribution, DnsAnswer, DnsName, IkeOffer, Ingress, LinkDoubt, UnionFind, Unit
from .values import Finding, Resource, UnknownValue, get

__all__ = ["Estate", "Floor", "Index", "Reader"]


class Index(Protocol):
    """What a reader may ask of the stack's index (:class:`skyweave.policy.index.StackIndex`).

    Why a protocol: the index and the estate call the readers, so the readers' side of that
    conversation is written here, as the contract a vendor's reader is typed against — which also
    keeps this module (and every reader) free of an import back into the modules that call it.
    """

    by_urn: dict[str, Resource]
    #: Views a reader derives once per call and shares between its hooks, keyed by name.
    memo: dict[str, Any]

    def of_type(self, *types: str) -> list[Resource]: ...

    def linked(self, res: Resource, prop: str, types: frozenset[str]) -> list[Resource]: ...


class Estate(Protocol):
    """What a reader may ask of the estate (:class:`skyweave.policy.facts.EstateFacts`): the
    cross-vendor resolution its hooks lean on (peers through property dependencies, DNS targets)."""

    @property
    def index(self) -> Index: ...

    @property
    def site_vendor(self) -> dict[str, str]: ...

    @property
    def cloud_addresses(self) -> frozenset[str]: ...

    def owner(self, res: Resource) -> str | None: ...

    def node(self, res: Resource) -> str: ...

    def autoscaled_floor(self, res: Resource) -> int | None: ...

    def resolve(self, res: Resource, prop: str, literal: Any = None, depth: int = 0) -> str: ...

    def peer_name(self, ip: str) -> str: ...

    def stand_in_peer(self, stand_in: Resource) -> str: ...

    def contribution(
        self, res: Resource, resolve: Callable[[], str], tunnels: int, path: str, **flags: Any
    ) -> Contribution: ...

    def peering(self, res: Resource, own: str, peer: str) -> Contribution: ...

    def link_targets(
        self, res: Resource, props: Iterable[str], entry: DnsName, profiles: bool = True
    ) -> bool: ...

    def literal_target(self, value: Any, entry: DnsName, profiles: bool = True) -> None: ...

    def front_door_target(self, value: Any, entry: DnsName) -> bool: ...

    def literal_targets(
        self,
        res: Resource,
        entry: DnsName,
        lists: Iterable[tuple[str, str | None]],
        singles: Iterable[tuple[str, ...]] = (),
        references: Iterable[str] = (),
    ) -> None: ...


#: An autoscaler's smallest size for its target: a count, ``None`` (no floor), or, when a preview
#: cannot know it, the path naming the value (``(autoscaler name, property path)``).
Floor = int | tuple[str, ...] | None

_NO_TYPES: frozenset[str] = frozenset()


class Reader:
    """One vendor's policy reader. Subclass it, set the tables, override the hooks it needs.

    Attributes:
        vendor: the vendor name sites use (``aws``, ``azure``); placements and messages use it.
        display_name: how messages name the vendor (``AWS``, ``on-prem``).
        packages: the Pulumi packages whose resources live in this vendor's cloud (an explicit
            provider of one is a site of the vendor). Empty for a vendor with no cloud package of
            its own (on-prem: servers someone brought, reached with ``command:remote``).
        region_props: a resource's own properties that name its region, in order.
        compute: compute types → the word messages use (``auto scaling group``).
        serving: types between a DNS target and the compute behind it (load balancers, listeners,
            target pools, addresses, ports): the walk from a name follows only these.
        addresses: types → properties holding a literal address a record or command may name.
        peer_sources: a peer property (of any vendor's VPN resource) → this vendor's types its
            value may come from, for plans without property dependencies.
        stand_ins: types that stand for a peer by its address (an AWS customer gateway) → the
            properties holding the address, in order.
        opaque_peers: types that name no site themselves (a GCP external gateway: its interfaces
            do, read by :meth:`peer_groups`).
        links: VPN and peering types (their default-provider node is a site of the vendor).
        networks: VPC / network types (a HybridVpc's network on a site is one of them).
        buckets: bucket / container types → the word messages use (``S3 bucket``).
        copiers: types that copy objects between the buckets they depend on.
        relays: type prefixes a copier reaches its buckets through (an AWS DataSync location).
        dns_records: DNS record types → the DNS service that answers them (``Route 53``).
        profile_types: types that answer for a name with their endpoints (Azure Traffic Manager).
        profile_domains: the domain such profiles answer under (``trafficmanager.net``).
        ingress_types, ike_types, exposure_types, volume_types, public_address_types,
            database_types: what :meth:`ingress`, :meth:`ike`, :meth:`exposure`, :meth:`volumes`,
            :meth:`public_addresses` and :meth:`databases` read (the shared security rules run
            on exactly these).
        stateful_types: resources that hold data (databases, buckets, volumes): they must be
            protected from deletion.
    """

    vendor: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    packages: ClassVar[frozenset[str]] = _NO_TYPES
    region_props: ClassVar[tuple[str, ...]] = ("region",)
    compute: ClassVar[Mapping[str, str]] = {}
    serving: ClassVar[frozenset[str]] = _NO_TYPES
    addresses: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    peer_sources: ClassVar[Mapping[str, frozenset[str]]] = {}
    stand_ins: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    opaque_peers: ClassVar[frozenset[str]] = _NO_TYPES
    links: ClassVar[frozenset[str]] = _NO_TYPES
    networks: ClassVar[frozenset[str]] = _NO_TYPES
    buckets: ClassVar[Mapping[str, str]] = {}
    copiers: ClassVar[frozenset[str]] = _NO_TYPES
    relays: ClassVar[tuple[str, ...]] = ()
    dns_records: ClassVar[Mapping[str, str]] = {}
    profile_types: ClassVar[frozenset[str]] = _NO_TYPES
    profile_domains: ClassVar[tuple[str, ...]] = ()
    ingress_types: ClassVar[frozenset[str]] = _NO_TYPES
    ike_types: ClassVar[frozenset[str]] = _NO_TYPES
    exposure_types: ClassVar[frozenset[str]] = _NO_TYPES
    stateful_types: ClassVar[frozenset[str]] = _NO_TYPES
    volume_types: ClassVar[frozenset[str]] = _NO_TYPES
    public_address_types: ClassVar[frozenset[str]] = _NO_TYPES
    database_types: ClassVar[frozenset[str]] = _NO_TYPES
    #: Its sites' ends of a VPN link are devices someone else configures: nothing in the plan
    #: counts their tunnels (on-prem; a vendor whose appliances its operator sets up).
    device_links: ClassVar[bool] = False
    #: Types → properties holding a script run on a host (a remote command's ``create``): the
    #: plaintext-secrets rule reads them line by line.
    scripts: ClassVar[Mapping[str, frozenset[str]]] = {}
    #: Types → properties holding base64-encoded user data (decoded before they are read).
    encoded_scripts: ClassVar[Mapping[str, frozenset[str]]] = {}
    #: A vendor's part of a rule that reads properties only its resources have (IMDSv2, a GCS
    #: bucket's access controls, an HTTP listener's redirect …): topic (the rule's name less
    #: ``skyweave-``) → the types its :meth:`check` / :meth:`check_stack` reads.
    topics: ClassVar[Mapping[str, frozenset[str]]] = {}
    #: The properties holding a resource's key-value tags, in order (``labels`` on GCP, whose
    #: ``tags`` are network tags): what the database rules read a member's role from.
    label_props: ClassVar[tuple[str, ...]] = ("tags",)
    #: Other types a hook reads (a subnet for its zone, an autoscaler for its floor).
    also_reads: ClassVar[frozenset[str]] = _NO_TYPES

    # -- what it claims ----------------------------------------------------------------------

    @classmethod
    def claims(cls) -> frozenset[str]:
        """Every type this reader reads (see the module docstring: what a reader must claim)."""
        tables: list[Any] = [
            cls.compute,
            cls.serving,
            cls.addresses,
            cls.stand_ins,
            cls.opaque_peers,
            cls.links,
            cls.networks,
            cls.buckets,
            cls.copiers,
            cls.dns_records,
            cls.profile_types,
            cls.ingress_types,
            cls.ike_types,
            cls.exposure_types,
            cls.stateful_types,
            cls.volume_types,
            cls.public_address_types,
            cls.database_types,
            cls.also_reads,
            *cls.peer_sources.values(),
            *cls.topics.values(),
            cls.scripts,
            cls.encoded_scripts,
        ]
        return frozenset(t for table in tables for t in table)

    # -- compute -----------------------------------------------------------------------------

    def capacity(self, estate: Estate, res: Resource) -> tuple[str, int, list[str]]:
        """(kind, floor capacity, zones) of one of :attr:`compute`'s resources.

        Raises:
            UnknownValue: a value it needs is not known in this preview.
        """
        raise NotImplementedError(f"{type(self).__name__} declares compute but reads no capacity")

    def hosts(self, res: Resource) -> tuple[str, ...]:
        """Other vendors' regions one of :attr:`compute`'s resources runs on (``vendor/region``),
        which fail it with them (a hosted private cloud). Default: none."""
        return ()

    def floors(self, estate: Estate) -> Iterator[tuple[str, Floor]]:
        """(target URN, floor) for each autoscaler of a group (its smallest size)."""
        return iter(())

    def not_compute(self, estate: Estate) -> Mapping[str, str | None]:
        """Compute resources that serve nothing (a VPN router on an instance) → ``None``, or why a
        preview cannot tell (then they count as units of unknown role)."""
        return {}

    def extra_units(self, estate: Estate) -> Iterator[Unit]:
        """Units that are not resources of :attr:`compute` (on-prem nodes reached by command)."""
        return iter(())

    # -- links -------------------------------------------------------------------------------

    def contributions(self, estate: Estate) -> Iterator[Contribution]:
        """The tunnels and peerings this vendor's resources configure (VPN ones first)."""
        return iter(())

    def peer_groups(self, estate: Estate, peers: UnionFind) -> Iterator[LinkDoubt]:
        """Merge external peer addresses that are one peer (``peers.union("ip:a", "ip:b")``);
        yield the doubts a preview leaves about them."""
        return iter(())

    def peer_site(self, res: Resource) -> str | None:
        """The site one of :attr:`stand_ins` says it stands for (skyweave tags a device's stand-in
        with the device site, :data:`~skyweave.core.sites.PEER_SITE_TAG`): every address standing
        for one site is that site's node. ``None``: it does not say, or not in this preview (its
        address is then a node of its own, as without the tag)."""
        try:
            site = get(res.props, "tags", PEER_SITE_TAG)
        except UnknownValue:
            return None
        return site if isinstance(site, str) and site else None

    # -- DNS ---------------------------------------------------------------------------------

    def profiles(self, estate: Estate) -> dict[str, DnsName]:
        """Names that :attr:`profile_types` answer for, with their endpoints' targets."""
        return {}

    def record_name(self, estate: Estate, res: Resource) -> str:
        """The full name one of :attr:`dns_records` answers for (lower case, no final dot)."""
        raise NotImplementedError(f"{type(self).__name__} declares DNS records but reads no name")

    def record_kind(self, res: Resource) -> str:
        """The record's type (``A``, ``CNAME`` …), upper case; empty when it does not say.

        Raises:
            UnknownValue: it is not known in this preview.
        """
        return str(get(res.props, "type") or get(res.props, "recordType") or "").upper()

    def front_doors(self, estate: Estate) -> Iterator[tuple[str, Resource]]:
        """Addresses of front doors outside the plan (a load balancer its operator runs, as on a
        vSphere site) with each compute resource behind one: a record naming the address reaches
        them, as it would reach what a load balancer of the plan forwards to.

        Raises:
            UnknownValue: an address is not known in this preview.
        """
        return iter(())

    def record_targets(self, estate: Estate, res: Resource, entry: DnsName) -> None:
        """Add what a record answers with to ``entry`` (``estate.link_targets`` /
        ``estate.literal_target``)."""

    def dns_answers(self, estate: Estate, res: Resource) -> list[DnsAnswer] | None:
        """What one of :attr:`dns_records` answers with, in vendor-neutral terms (type, TTL,
        routing, weight, targets and the health check deciding each answer): what
        ``skyweave-redundancy-dns-providers-agree`` compares between the providers of one name.
        ``None``: this reader does not describe its records (the rule then says it cannot
        compare them, never that they agree).

        Raises:
            UnknownValue: a value it needs is not known in this preview.
        """
        return None

    # -- data --------------------------------------------------------------------------------

    def copies(self, estate: Estate) -> Iterator[tuple[str, str]]:
        """Pairs of bucket URNs one of this vendor's resources copies between, besides
        :attr:`copiers` (an S3 bucket's inline replication)."""
        return iter(())

    # -- what the shared security rules judge ------------------------------------------------

    def ingress(self, res: Resource) -> Iterator[Ingress]:
        """What one of :attr:`ingress_types` admits, per rule and source."""
        return iter(())

    def ike(self, res: Resource) -> Iterator[IkeOffer]:
        """What one of :attr:`ike_types` offers to negotiate."""
        return iter(())

    def exposure(self, res: Resource) -> Iterator[str]:
        """What makes one of :attr:`exposure_types` readable or writable by anyone, each a clause
        following the resource's name (``acl is 'public-read', which …``)."""
        return iter(())

    def volumes(self, res: Resource, account_default: bool) -> Iterator[str]:
        """What leaves one of :attr:`volume_types`' disks unencrypted, each a clause following the
        resource's name; ``account_default``: the account encrypts new volumes by default."""
        return iter(())

    def public_addresses(self, res: Resource) -> Iterator[str]:
        """What gives one of :attr:`public_address_types` a public address of its own."""
        return iter(())

    def databases(self, res: Resource) -> Iterator[str]:
        """What leaves one of :attr:`database_types` unencrypted at rest or open to the internet."""
        return iter(())

    # -- a vendor's part of a rule -----------------------------------------------------------

    def check(self, topic: str, res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
        """What is wrong with one of ``topics[topic]``'s resources, each a clause following its
        name; ``cfg`` is the rule's effective settings."""
        return iter(())

    def check_stack(self, topic: str, estate: Estate, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        """The findings of this vendor's part of a stack rule over the whole estate."""
        return iter(())

    # -- addresses ---------------------------------------------------------------------------

    def ranges(self, estate: Estate) -> Iterator[tuple[Resource, tuple[str | int, ...]] | Finding]:
        """Every address range this vendor's networks hold, as (resource, property path) for the
        overlap rule to read, or a "can't check" for a list of them a preview cannot read. A range
        inside another the plan holds (a subnet of an in-stack VPC) is left out: its parent counts."""
        return iter(())

    def inside_cidrs(self, estate: Estate) -> Iterator[tuple[tuple[str, ...], Resource, str, Any] | Finding]:
        """Every tunnel inside address this vendor's resources configure, as (scopes, resource,
        where, value): ``scopes`` name what must not see one /30 twice (the gateway or router the
        tunnel ends on, the device at its other end), as the vendor says; uniqueness is checked
        within each scope only (one end of each tunnel, never across ends)."""
        return iter(())
