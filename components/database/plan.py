"""MultiCloudDatabase's arguments and plan: which member runs where, at which address, behind
which rules — decided before anything registers.

The quorum, durability and failover arithmetic is :func:`skyweave.planning.database.plan_database`'s;
this module adds what the component needs on top of it, from the estate and the drivers:

* each member's site (a site of the estate whose driver offers
  :class:`~skyweave.drivers.services.HostService`, else the vendor is refused with the reason),
  zone (one of the site's), image and size (per vendor, region or site, as an app's);
* each member's **fixed private address**, from the subnet its driver puts a host of that zone in
  (the network's address plan): counted down from the top of the subnet, below the addresses the
  vendor keeps there, from an offset derived from the member's name (so adding a member never
  moves another) — every config file is rendered from these before any VM exists;
* each member's **ingress rules**, exactly: PostgreSQL (5432) and Patroni's REST API (8008) from
  the other PostgreSQL members, PostgreSQL also from ``clients``; etcd's client port (2379) from
  the PostgreSQL members (Patroni), its peer port (2380) from the other etcd members. Each
  source is one member's address (``/32``), never a range.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from ..app.plan import _entries, _entry, _unknown_entries
from ..core.errors import ConfigIssue, InvalidArgsError, PlanningError
from ..core.sites import SiteArgs, SiteName, Tags
from ..core.validation import ArgsModel, entry_args, name_field
from ..drivers.hosts import HostRule
from ..drivers.registry import get_driver, per_vendor
from ..drivers.registry import vendors as registered_vendors
from ..drivers.services import HostService
from ..planning.database import (
    DatabaseMember,
    DatabasePlan,
    MemberRole,
    PatroniTiming,
    PlannedMember,
    Rpo,
    plan_database,
)
from ..planning.ipam import AddressPlan
from .config import ETCD_CLIENT_PORT, ETCD_PEER_PORT, PATRONI_PORT, POSTGRES_PORT

__all__ = [
    "NAME_LIMIT",
    "DatabaseMemberArgs",
    "MultiCloudDatabaseArgs",
    "MultiCloudDatabaseConfig",
    "MultiCloudDatabasePlan",
    "PlacedMember",
    "plan_multi_cloud_database",
]

#: Child names are ``{name}-vm-{site}-{member}``: a GCP instance name takes 63 characters.
NAME_LIMIT = 16
#: How far below the vendor's reserved tail a member's address may start (its name's offset).
_SPREAD = 64


class DatabaseMemberArgs(ArgsModel):
    """One member of the cluster."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    site: SiteName = Field(description="The estate's site it runs on.")
    zone: str | None = Field(default=None, description="One of the site's zones. Default: its first.")
    role: MemberRole = Field(
        default=MemberRole.POSTGRES,
        description="postgres (PostgreSQL under Patroni: holds the data, may lead), etcd (a vote in the "
        "consensus) or witness (an etcd vote on a small VM, sized by witness_sizes). Default postgres.",
    )
    sync: bool = Field(
        default=True,
        description="postgres members only: may it be a synchronous standby (false is Patroni's nosync "
        "tag, for a member behind a slow link). Default true.",
    )


class MultiCloudDatabaseArgs(ArgsModel):
    """Arguments of :class:`MultiCloudDatabase`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    members: tuple[DatabaseMemberArgs, ...] = Field(
        min_length=3,
        description="The members: PostgreSQL on sites of at least two vendors, an odd number of etcd "
        "and witness members over at least three, so losing any one vendor, region or zone keeps a "
        "majority (refused with the arithmetic otherwise).",
    )
    rpo: Rpo = Field(
        default=Rpo.ZERO,
        description="zero: synchronous replication to a standby on another vendor (a commit waits for "
        "it: one round trip between vendors per commit); async: a failover may lose up to "
        "maximum_lag_on_failover bytes plus the last ttl seconds. Default zero.",
    )
    images: dict[str, str] = Field(
        description=f"Boot image per vendor ({per_vendor(HostService, lambda h: h.host_terms().image)}), "
        "per region or per site name (a Debian 12 image: its packages postgresql, patroni and "
        "etcd-server are what the members run). Required for every member's site."
    )
    sizes: dict[str, str] = Field(
        description="Size of the postgres and etcd members' VMs per vendor, region or site name "
        f"({per_vendor(HostService, lambda h: h.host_terms().size)})."
    )
    witness_sizes: dict[str, str] = Field(
        default_factory=dict,
        description="Size of witness members' VMs per vendor, region or site. Default: sizes.",
    )
    disk_gb: int = Field(
        default=100,
        ge=10,
        le=16384,
        description="Boot disk of a postgres member (its data). Default 100.",
    )
    etcd_disk_gb: int = Field(
        default=20, ge=10, le=16384, description="Boot disk of an etcd or witness member. Default 20."
    )
    clients: tuple[str, ...] = Field(
        default=(),
        description="Address ranges the application connects from (PostgreSQL's port only, and "
        "pg_hba's only other entries). Default none.",
    )
    ttl: int = Field(default=30, description="Patroni's leader lock lifetime, s (minimum 20). Default 30.")
    loop_wait: int = Field(default=10, description="Patroni's HA loop sleep, s (minimum 1). Default 10.")
    retry_timeout: int = Field(
        default=10, description="Patroni's DCS and PostgreSQL retry time, s. Default 10."
    )
    maximum_lag_on_failover: int = Field(
        default=1048576,
        description="Bytes a standby may lag and still be promoted (rpo: async). Default 1 MiB.",
    )
    tags: Tags = Field(
        default_factory=dict, description="Tags on every resource of the database. Default none."
    )

    @field_validator("clients")
    @classmethod
    def _ranges(cls, clients: tuple[str, ...]) -> tuple[str, ...]:
        for value in clients:
            try:
                net = ipaddress.ip_network(value, strict=True)
            except ValueError:
                raise ValueError(f"{value!r} is not an address range (e.g. 10.1.0.0/16)") from None
            if net.version != 4:
                raise ValueError(f"{value!r}: members have IPv4 addresses only; give IPv4 ranges")
        return clients


class MultiCloudDatabaseConfig(MultiCloudDatabaseArgs):
    """A database in the stack configuration (``skyweave:databases``): a name plus its args."""

    name: str = name_field(
        NAME_LIMIT,
        "Name of the database (Patroni's scope); prefixes every resource of it. Renaming replaces them all.",
    )

    def args(self, estate_tags: Mapping[str, str] | None = None) -> MultiCloudDatabaseArgs:
        """The component's args; ``estate_tags`` (the stack's ``tags``) go under the database's own."""
        return entry_args(self, MultiCloudDatabaseArgs, estate_tags)


@dataclass(frozen=True)
class PlacedMember:
    """A member where it runs: its site, child key, subnet, address, what it runs and who reaches it."""

    planned: PlannedMember
    site: SiteArgs
    key: str
    subnet: str
    address: str
    image: str
    size: str
    disk_gb: int
    ingress: tuple[HostRule, ...]
    egress: tuple[HostRule, ...] = ()

    @property
    def name(self) -> str:
        return self.planned.name

    @property
    def role(self) -> MemberRole:
        return self.planned.member.role


@dataclass(frozen=True)
class MultiCloudDatabasePlan:
    """Everything :class:`MultiCloudDatabase` builds, decided before it registers anything."""

    args: MultiCloudDatabaseArgs
    cluster: DatabasePlan
    members: tuple[PlacedMember, ...]

    @property
    def sites(self) -> tuple[SiteArgs, ...]:
        return tuple({m.site.name: m.site for m in self.members}.values())

    @property
    def addresses(self) -> dict[str, str]:
        return {m.name: m.address for m in self.members}

    def client_list(self) -> str:
        """libpq's connection string for the leader: every PostgreSQL member, writable one chosen
        (``target_session_attrs=read-write``), with a connect timeout so a lost member is skipped."""
        hosts = ",".join(m.address for m in self.members if m.role is MemberRole.POSTGRES)
        return f"host={hosts} port={POSTGRES_PORT} target_session_attrs=read-write connect_timeout=5"

    def as_dict(self) -> dict[str, Any]:
        """What the component records (the policy pack judges the VMs' own tags, not this)."""
        loss = self.cluster.expected_loss
        return {
            "rpo": self.cluster.rpo.value,
            "quorum": self.cluster.quorum,
            "synchronousNodeCount": self.cluster.synchronous_node_count,
            "failoverSeconds": self.cluster.failover_bound,
            "expectedLoss": loss.describe() if loss else None,
            "members": {
                m.name: {
                    "site": m.site.name,
                    "zone": m.planned.member.zone,
                    "role": m.role.value,
                    "sync": m.planned.member.sync,
                    # its place in the configuration, which its name's -2, -3 … follow
                    "index": m.planned.index,
                    "address": m.address,
                }
                for m in self.members
            },
            "timing": {
                "ttl": self.cluster.timing.ttl,
                "loop_wait": self.cluster.timing.loop_wait,
                "retry_timeout": self.cluster.timing.retry_timeout,
            },
        }


def _zone_key(site: SiteArgs, zone: str) -> str:
    """A zone as a name part: without its region's prefix (``us-east-1a`` → ``a``)."""
    return zone.removeprefix(site.region).lstrip("-") or zone


def _rules(
    placed: PlannedMember, addresses: Mapping[str, str], plan: DatabasePlan, clients: Sequence[str]
) -> tuple[HostRule, ...]:
    def hosts(members: Sequence[PlannedMember]) -> tuple[str, ...]:
        return tuple(sorted({f"{addresses[m.name]}/32" for m in members if m.name != placed.name}))

    if placed.member.role is MemberRole.POSTGRES:
        peers = hosts(plan.postgres)
        return (
            HostRule(
                POSTGRES_PORT,
                tuple(dict.fromkeys((*peers, *clients))),
                "PostgreSQL from the other members and the clients",
            ),
            HostRule(PATRONI_PORT, peers, "Patroni's REST API from the other PostgreSQL members"),
        )
    return (
        HostRule(ETCD_CLIENT_PORT, hosts(plan.postgres), "etcd's clients: Patroni on the PostgreSQL members"),
        HostRule(ETCD_PEER_PORT, hosts(plan.etcd), "etcd's peers: the other etcd members"),
    )


#: Debian's package mirrors (HTTP and HTTPS, anywhere): what a member installs its daemons from.
_MIRRORS = (
    HostRule(80, ("0.0.0.0/0",), "package mirrors (HTTP)"),
    HostRule(443, ("0.0.0.0/0",), "package mirrors (HTTPS)"),
)


def _egress(placed: PlannedMember, addresses: Mapping[str, str], plan: DatabasePlan) -> tuple[HostRule, ...]:
    """What a member opens connections to: its peers' ports, and the package mirrors."""

    def hosts(members: Sequence[PlannedMember]) -> tuple[str, ...]:
        return tuple(sorted({f"{addresses[m.name]}/32" for m in members if m.name != placed.name}))

    if placed.member.role is MemberRole.POSTGRES:
        peers = hosts(plan.postgres)
        return (
            HostRule(POSTGRES_PORT, peers, "replication and pg_rewind to the other PostgreSQL members"),
            HostRule(PATRONI_PORT, peers, "Patroni's REST API of the other PostgreSQL members"),
            HostRule(ETCD_CLIENT_PORT, hosts(plan.etcd), "etcd, for Patroni's leader lock"),
            *_MIRRORS,
        )
    return (HostRule(ETCD_PEER_PORT, hosts(plan.etcd), "etcd's peers: the other etcd members"), *_MIRRORS)


def plan_multi_cloud_database(
    name: str, args: MultiCloudDatabaseArgs, estate: Sequence[SiteArgs], addresses: AddressPlan
) -> MultiCloudDatabasePlan:
    """Plan the database over the estate's sites and address plan; raise :class:`InvalidArgsError`
    listing every problem (keys relative to the database's args: ``members[2].site`` …)."""
    issues: list[ConfigIssue] = []
    by_name = {s.name: s for s in estate}
    members: list[DatabaseMember] = []
    sites: list[SiteArgs] = []
    for i, member in enumerate(args.members):
        site = by_name.get(member.site)
        if site is None:
            issues.append(
                ConfigIssue(
                    f"members[{i}].site",
                    f"no such site; the estate's sites are {', '.join(by_name)}",
                    member.site,
                )
            )
            continue
        driver = get_driver(site.vendor)
        if not isinstance(driver, HostService):
            issues.append(
                ConfigIssue(
                    f"members[{i}].site",
                    f"{driver.display_name} sites cannot run a database member: its driver offers no "
                    "single VM with a fixed address, an encrypted disk and exact firewall rules (the host "
                    "capability); pick a site of "
                    + ", ".join(v for v in registered_vendors() if isinstance(get_driver(v), HostService)),
                    member.site,
                )
            )
            continue
        problems = driver.host_problems(site)
        issues += [ConfigIssue(f"members[{i}].site", problem, member.site) for problem in problems]
        if problems:
            continue
        zone = member.zone or site.zones[0]
        if zone not in site.zones:
            issues.append(
                ConfigIssue(
                    f"members[{i}].zone",
                    f"not a zone of {site.name}; use one of {', '.join(site.zones)}",
                    zone,
                )
            )
            continue
        if member.role is not MemberRole.POSTGRES and not member.sync:
            issues.append(
                ConfigIssue(
                    f"members[{i}].sync",
                    "only a postgres member can be a synchronous standby; leave sync out",
                    False,
                )
            )
        members.append(DatabaseMember(site.name, site.vendor, site.region, zone, member.role, member.sync))
        sites.append(site)
    entries = _entries(by_name.values(), set(registered_vendors()))
    tables = {"images": args.images, "sizes": args.sizes, "witness_sizes": args.witness_sizes}
    for key, table in tables.items():
        issues += _unknown_entries(key, table, entries, sites)
    chosen: list[tuple[str, str]] = []
    for one, site in zip(members, sites, strict=True):
        picked = []
        for key in ("images", "witness_sizes" if one.role is MemberRole.WITNESS else "sizes"):
            table = tables[key]
            entry = _entry(table, site) or (_entry(args.sizes, site) if key == "witness_sizes" else None)
            if entry is None:
                issues.append(
                    ConfigIssue(
                        key,
                        f"no entry for site {site.name!r} ({site.vendor}, {site.region}); add "
                        f"{key}.{site.vendor}, {key}.{site.region} or {key}.{site.name}",
                        dict(table),
                    )
                )
                picked.append("")
            else:
                picked.append(table[entry] if entry in table else args.sizes[entry])
        chosen.append((picked[0], picked[1]))
    if issues:
        raise InvalidArgsError(issues)
    try:
        cluster = plan_database(
            name,
            members,
            rpo=args.rpo,
            timing=PatroniTiming(args.ttl, args.loop_wait, args.retry_timeout),
            maximum_lag_on_failover=args.maximum_lag_on_failover,
        )
    except PlanningError as exc:
        raise InvalidArgsError(exc.as_issues()) from None
    placed_addresses = _addresses(cluster, sites, addresses)
    placed = []
    for planned, site, (image, size) in zip(cluster.members, sites, chosen, strict=True):
        driver = get_driver(site.vendor)
        assert isinstance(driver, HostService)
        zone = planned.member.zone
        key = planned.name.replace(f"-{site.name}-{zone}", f"-{_zone_key(site, zone)}", 1)
        placed.append(
            PlacedMember(
                planned,
                site,
                key,
                driver.host_subnet(site, zone),
                placed_addresses[planned.name],
                image,
                size,
                args.disk_gb if planned.member.role is MemberRole.POSTGRES else args.etcd_disk_gb,
                _rules(planned, placed_addresses, cluster, args.clients),
                _egress(planned, placed_addresses, cluster),
            )
        )
    return MultiCloudDatabasePlan(args, cluster, tuple(placed))


def _addresses(cluster: DatabasePlan, sites: Sequence[SiteArgs], plan: AddressPlan) -> dict[str, str]:
    """Each member's address: from the top of its subnet, below the vendor's reserved tail, at an
    offset from its name's digest, the next free one down when taken (in configuration order)."""
    taken: set[ipaddress.IPv4Address] = set()
    out: dict[str, str] = {}
    for planned, site in zip(cluster.members, sites, strict=True):
        driver = get_driver(site.vendor)
        assert isinstance(driver, HostService)
        key = driver.host_subnet(site, planned.member.zone)
        subnet = plan.sites[site.name].subnets.get(key)
        if subnet is None or subnet.version != 4 or subnet.num_addresses < 4 * _SPREAD:
            raise InvalidArgsError(
                [
                    ConfigIssue(
                        f"members[{planned.index}].site",
                        f"site {site.name} has no IPv4 subnet {key!r} of /24 or more for a member",
                        site.name,
                    )
                ]
            )
        top = int(subnet.broadcast_address) - driver.reserved_tail()
        offset = int(hashlib.sha256(planned.name.encode()).hexdigest()[:8], 16) % _SPREAD
        candidate = ipaddress.IPv4Address(top - offset)
        while candidate in taken:
            candidate -= 1
        taken.add(candidate)
        out[planned.name] = str(candidate)
    return out
