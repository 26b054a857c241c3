"""Database rules: a database's data outlives a vendor, its consensus keeps a majority without
one, and ``rpo: zero`` has a synchronous standby off the primary's vendor.

What is judged is the plan's VMs, not the component: a VM is a database member when its tags
(labels on GCP: each reader's :attr:`~skyweave.policy.reading.Reader.label_props`) say so —
``skyweave-database`` (the cluster), ``skyweave-database-member``, ``-role`` (``postgres``,
``etcd``, ``witness``), ``-rpo`` and ``-sync`` (may it be a synchronous standby), which
MultiCloudDatabase writes on every member's VM (its ``MEMBER_TAGS``) and an operator may write on
VMs of their own. Where it runs is the unit the vendor's reader read from the VM's own properties
(its provider's site, its zone), the same units the redundancy rules count. The arithmetic is
:mod:`skyweave.planning.failure`'s, the one the database planner refuses layouts with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..planning.failure import FailureKind, Placement, losses
from . import readers
from .facts import Unit, facts
from .index import StackIndex
from .rule import Finding, Kind, Level, Rule, Severity
from .values import UnknownValue, get

__all__ = ["RULES", "DatabaseMember", "database_members"]

#: The tags a member's VM carries (MultiCloudDatabase's ``MEMBER_TAGS``; this layer may not import
#: the component, so the words are the contract, spelt here once for the pack).
DATABASE_TAG = "skyweave-database"
_MEMBER = "skyweave-database-member"
_ROLE = "skyweave-database-role"
_RPO = "skyweave-database-rpo"
_SYNC = "skyweave-database-sync"
_VOTERS = ("etcd", "witness")


@dataclass(frozen=True)
class DatabaseMember:
    """One VM that says it is a member of ``database``, where its unit runs."""

    database: str
    member: str
    role: str
    rpo: str
    sync: bool
    unit: Unit
    #: Why a tag of it is not known in this preview (its role, durability …), ``None``: known.
    unknown: str | None = None

    @property
    def vendor(self) -> str:
        return self.unit.vendor

    def placement(self) -> Placement:
        zone = self.unit.zones[0][0] if self.unit.zones else self.unit.site
        return Placement(self.unit.site, self.unit.vendor, self.unit.region, zone, 1, self.unit.hosts)


@dataclass(frozen=True)
class _Members:
    """Every database's members, and the VMs whose tags a preview cannot read (any of them may be a
    member of any database: a rule then says "can't check" where it would find a violation)."""

    by_database: dict[str, list[DatabaseMember]]
    unread: tuple[tuple[str, str], ...]


def _member(res: Any, unit: Unit) -> DatabaseMember | tuple[str, str] | None:
    """The member ``res`` says it is, ``None`` for a VM of no database, or (URN, why) when the
    preview cannot tell which database it belongs to."""
    reader = readers.reader_for_package(res.package)
    for prop in reader.label_props if reader is not None else ("tags",):
        try:
            labels = get(res.props, prop)
            # never ``in``: the SDK's proxy raises on an unknown value behind a key it is asked about
            database = get(labels, DATABASE_TAG) if isinstance(labels, Mapping) else None
        except UnknownValue as exc:
            return res.urn, f"{prop}: {exc}"
        if database is None:
            continue
        unknown = None
        values: dict[str, Any] = {}
        for tag, default in ((_MEMBER, unit.name), (_ROLE, "postgres"), (_RPO, "async"), (_SYNC, "false")):
            try:
                values[tag] = get(labels, tag, default=default)
            except UnknownValue as exc:
                values[tag], unknown = default, f"{prop}.{tag}: {exc}"
        return DatabaseMember(
            str(database),
            str(values[_MEMBER]),
            str(values[_ROLE]),
            str(values[_RPO]),
            str(values[_SYNC]).lower() == "true",
            unit,
            unknown,
        )
    return None


def _read(index: StackIndex) -> _Members:
    memo = index.memo.get("database-members")
    if isinstance(memo, _Members):
        return memo
    found: dict[str, list[DatabaseMember]] = defaultdict(list)
    unread: list[tuple[str, str]] = []
    for unit in facts(index).units:
        res = index.by_urn.get(unit.urn)
        read = _member(res, unit) if res is not None else None
        if isinstance(read, DatabaseMember):
            found[read.database].append(read)
        elif read is not None:
            unread.append(read)
    result = _Members(dict(sorted(found.items())), tuple(unread))
    index.memo["database-members"] = result
    return result


def database_members(index: StackIndex) -> dict[str, list[DatabaseMember]]:
    """Every database's members, by the database's name (members in URN order)."""
    return _read(index).by_database


def _cant_check(pending: tuple[str, str]) -> Finding:
    urn, why = pending
    return Finding(f"can't check {urn} during preview: {why}", urn, unknown=True)


def _pending(index: StackIndex, members: list[DatabaseMember]) -> tuple[str, str] | None:
    """A member whose placement or tags, or a VM whose database, a preview cannot know: a rule
    reports "can't check" instead of a violation it might not have."""
    for m in members:
        if m.unit.unknown or m.unknown:
            return m.unit.urn, str(m.unit.unknown or m.unknown)
    unread = _read(index).unread
    return unread[0] if unread else None


def _judged(index: StackIndex, members: list[DatabaseMember], found: list[Finding]) -> list[Finding]:
    """``found`` — or, where a value a preview cannot know might change it, "can't check"."""
    if found and (pending := _pending(index, members)) is not None:
        return [_cant_check(pending)]
    return found


def _check_copy(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    for database, members in database_members(index).items():
        data = [m for m in members if m.role == "postgres"]
        vendors = sorted({m.vendor for m in data})
        if len(vendors) >= 2:
            continue
        where = f"on {vendors[0]} only" if vendors else "on no VM"
        found = Finding(
            f"database {database!r} keeps its data {where} ({len(data)} PostgreSQL member(s)); losing that "
            "vendor loses every copy: put a PostgreSQL member on a site of another vendor",
            (data or members)[0].unit.urn,
        )
        yield from _judged(index, members, [found])


COPY = Rule(
    name="skyweave-database-copy-on-another-vendor",
    description="A database's data (its PostgreSQL members' VMs) is on sites of at least two vendors, "
    "so losing one vendor keeps a copy.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_copy,
    remediation="Add a `postgres` member on a site of another vendor to the database's `members`.",
    severity=Severity.HIGH,
)


def _check_consensus(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    for database, members in database_members(index).items():
        yield from _judged(index, members, list(_consensus(database, members)))


def _consensus(database: str, members: list[DatabaseMember]) -> Iterator[Finding]:
    voters = [m for m in members if m.role in _VOTERS]
    n = len(voters)
    if n == 0:
        yield Finding(
            f"database {database!r} has no etcd member: Patroni has no consensus to hold its leader lock in",
            members[0].unit.urn,
        )
        return
    majority = n // 2 + 1
    for kind in (FailureKind.VENDOR, FailureKind.REGION, FailureKind.ZONE):
        worst = losses([m.placement() for m in voters], kind)[0]
        if worst.remaining < majority:
            witness = next(m for m in voters if worst.domain in _domains(m))
            yield Finding(
                f"database {database!r}'s etcd has {n} member(s), {worst.lost} on {kind.value} "
                f"{worst.domain!r}: losing it leaves {worst.remaining} of {n}, below the majority of "
                f"{majority}, so no leader is kept or elected",
                witness.unit.urn,
            )
            return


def _domains(member: DatabaseMember) -> set[str]:
    p = member.placement()
    return {p.vendor, f"{p.vendor}/{p.region}", f"{p.vendor}/{p.region}/{p.zone}", *p.hosts}


CONSENSUS = Rule(
    name="skyweave-database-consensus-survives-vendor-loss",
    description="A database's etcd members (etcd and witness VMs) are placed so that losing any one "
    "vendor, region or zone leaves a majority of them.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_consensus,
    remediation="Spread the etcd and witness members over at least three vendors, none holding half "
    "or more of them (a witness may be a small VM).",
    severity=Severity.HIGH,
)


def _check_sync(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    for database, members in database_members(index).items():
        data = [m for m in members if m.role == "postgres"]
        if not any(m.rpo == "zero" for m in data):
            continue
        found = [
            Finding(
                f"database {database!r} declares rpo zero, but if {p.member} ({p.vendor}) leads, no "
                f"synchronous standby candidate is on another vendor: losing {p.vendor} loses "
                "acknowledged commits or stops writes",
                p.unit.urn,
            )
            for p in data
            if not any(q is not p and q.sync and q.vendor != p.vendor for q in data)
        ]
        yield from _judged(index, members, found[:1])


SYNC = Rule(
    name="skyweave-database-sync-standby-off-vendor",
    description="A database that declares rpo zero has, whichever PostgreSQL member leads, a "
    "synchronous standby candidate on another vendor.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_sync,
    remediation="Add a PostgreSQL member on another vendor that may be synchronous (sync: true), or "
    "declare rpo: async.",
    severity=Severity.HIGH,
)

RULES: tuple[Rule, ...] = (COPY, CONSENSUS, SYNC)
