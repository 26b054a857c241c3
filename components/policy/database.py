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
from .values import get

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

    @property
    def vendor(self) -> str:
        return self.unit.vendor

    def placement(self) -> Placement:
        zone = self.unit.zones[0][0] if self.unit.zones else self.unit.site
        return Placement(self.unit.site, self.unit.vendor, self.unit.region, zone, 1, self.unit.hosts)


def _labels(res: Any) -> Mapping[str, Any]:
    reader = readers.reader_for_package(res.package)
    for prop in reader.label_props if reader is not None else ("tags",):
        value = get(res.props, prop)
        if isinstance(value, Mapping) and DATABASE_TAG in value:
            return value
    return {}


def database_members(index: StackIndex) -> dict[str, list[DatabaseMember]]:
    """Every database's members, by the database's name (members in URN order)."""
    memo = index.memo.get("database-members")
    if memo is not None:
        assert isinstance(memo, dict)
        return memo
    found: dict[str, list[DatabaseMember]] = defaultdict(list)
    for unit in facts(index).units:
        res = index.by_urn.get(unit.urn)
        labels = _labels(res) if res is not None else {}
        if not labels:
            continue
        database = str(labels[DATABASE_TAG])
        found[database].append(
            DatabaseMember(
                database,
                str(labels.get(_MEMBER, unit.name)),
                str(labels.get(_ROLE, "postgres")),
                str(labels.get(_RPO, "async")),
                str(labels.get(_SYNC, "false")).lower() == "true",
                unit,
            )
        )
    result = dict(sorted(found.items()))
    index.memo["database-members"] = result
    return result


def _cant_check(member: DatabaseMember) -> Finding:
    unit = member.unit
    return Finding(f"can't check {unit.urn} during preview: {unit.unknown}", unit.urn, unknown=True)


def _pending(members: list[DatabaseMember]) -> DatabaseMember | None:
    return next((m for m in members if m.unit.unknown), None)


def _check_copy(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    for database, members in database_members(index).items():
        data = [m for m in members if m.role == "postgres"]
        vendors = sorted({m.vendor for m in data})
        if len(vendors) >= 2:
            continue
        first = (data or members)[0]
        if (pending := _pending(members)) is not None:
            yield _cant_check(pending)
            continue
        where = f"on {vendors[0]} only" if vendors else "on no VM"
        yield Finding(
            f"database {database!r} keeps its data {where} ({len(data)} PostgreSQL member(s)); losing that "
            "vendor loses every copy: put a PostgreSQL member on a site of another vendor",
            first.unit.urn,
        )


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
        voters = [m for m in members if m.role in _VOTERS]
        if (pending := _pending(voters)) is not None:
            yield _cant_check(pending)
            continue
        n = len(voters)
        if n == 0:
            yield Finding(
                f"database {database!r} has no etcd member: Patroni has no consensus to hold its "
                "leader lock in",
                members[0].unit.urn,
            )
            continue
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
                break


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
        if (pending := _pending(data)) is not None:
            yield _cant_check(pending)
            continue
        for primary in data:
            if not any(q is not primary and q.sync and q.vendor != primary.vendor for q in data):
                yield Finding(
                    f"database {database!r} declares rpo zero, but if {primary.member} ({primary.vendor}) "
                    "leads, no synchronous standby candidate is on another vendor: losing "
                    f"{primary.vendor} loses acknowledged commits or stops writes",
                    primary.unit.urn,
                )
                break


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
