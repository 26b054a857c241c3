"""A PostgreSQL cluster over several vendors: where its members may sit, and what a failure does.

The shape is the one operators run without a managed service (docs/database.md): PostgreSQL
members managed by Patroni, which elects the leader through a lock held in etcd. Three things
decide whether the cluster survives losing a vendor, and each is checked here before anything
exists:

* **Data on two vendors.** PostgreSQL members on sites of at least two vendors, so a copy of
  the data outlives any one of them.
* **Consensus on three.** etcd acts only with a majority of its members (``n // 2 + 1``), and
  Patroni holds or takes the leader lock only through etcd. The number of etcd members must be
  odd (an even one adds no tolerance: 4 members survive the loss of 1, as 3 do) and no single
  vendor, region or zone may hold so many that losing it leaves less than a majority — which
  also means at least three vendors. A refusal states the arithmetic.
* **Durability declared.** ``rpo: zero`` is Patroni's ``synchronous_mode`` (strict): a commit
  returns only once a synchronous standby has it, and only a synchronous standby may be
  promoted. For that to survive a vendor, each possible primary needs a synchronous candidate
  on *another* vendor — and Patroni picks its synchronous standbys itself (the furthest ahead),
  so the plan asks for enough of them (``synchronous_node_count``) that they cannot all share
  the primary's vendor. ``rpo: async`` accepts loss, bounded as Patroni documents it by
  ``maximum_lag_on_failover`` bytes of WAL plus what is written in the last ``ttl`` seconds.

Members are named from what they are and where (``pg-aws-use1-a``, a second one there
``pg-aws-use1-a-2``), never from list positions, so adding a member never renames another (an
etcd member's name is part of every peer's ``initial-cluster``; a Patroni name is its key in etcd).

:func:`database_outcome` answers, for a failed vendor, site, region or zone, what the cluster does
(keeps its leader, fails over, loses quorum, or has no candidate to promote): the question
``skyweave simulate`` and the policy pack will ask. Pure, deterministic, no Pulumi.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..core.errors import PlanningError
from .failure import FailureKind, Placement, domain_key, losses

__all__ = [
    "DEFAULT_TIMING",
    "ETCD_LEADER_CHANGE_SECONDS",
    "STALE_WATCH_SECONDS",
    "DatabaseMember",
    "DatabaseOutcome",
    "DatabasePlan",
    "DatabaseState",
    "ExpectedLoss",
    "MemberRole",
    "PatroniTiming",
    "PlannedMember",
    "Rpo",
    "database_outcome",
    "name_members",
    "plan_database",
]


class MemberRole(StrEnum):
    """What a member runs.

    ``postgres``: PostgreSQL under Patroni (holds the data; may lead). ``etcd``: an etcd member
    (a vote in the consensus). ``witness``: an etcd member placed only to break ties — a small VM
    or an on-prem host on a vendor that holds no data; it counts in the quorum exactly like
    ``etcd`` and differs only in what the component will size for it.
    """

    POSTGRES = "postgres"
    ETCD = "etcd"
    WITNESS = "witness"


class Rpo(StrEnum):
    """How much committed data a failover may lose."""

    ZERO = "zero"
    ASYNC = "async"


_PREFIX = {MemberRole.POSTGRES: "pg", MemberRole.ETCD: "etcd", MemberRole.WITNESS: "witness"}
_VOTERS = (MemberRole.ETCD, MemberRole.WITNESS)


@dataclass(frozen=True)
class DatabaseMember:
    """One member as the configuration gives it.

    Attributes:
        site: the site name.
        vendor: the site's vendor.
        region: the site's region.
        zone: the narrowest failure domain (an availability zone, a rack).
        role: what it runs.
        sync: for ``postgres`` members: may it be a synchronous standby (``False`` is Patroni's
            ``nosync`` tag, for a member behind a slow link).
    """

    site: str
    vendor: str
    region: str
    zone: str
    role: MemberRole
    sync: bool = True

    def placement(self) -> Placement:
        return Placement(self.site, self.vendor, self.region, self.zone, 1)


@dataclass(frozen=True)
class PlannedMember:
    """A member with its stable name and its position in the configuration (for messages)."""

    name: str
    index: int
    member: DatabaseMember


@dataclass(frozen=True)
class PatroniTiming:
    """Patroni's leader-lock timing, in seconds (its dynamic configuration: ``ttl``,
    ``loop_wait``, ``retry_timeout``); the defaults are Patroni's own."""

    ttl: int = 30
    loop_wait: int = 10
    retry_timeout: int = 10


DEFAULT_TIMING = PatroniTiming()
#: How long a Patroni 3.0 replica may keep a dead etcd watch when the etcd member it watches is
#: lost: the watch connection is opened at start-up, before the cluster's timing is read from etcd,
#: so its TCP keepalive comes from Patroni's defaults (TCP_USER_TIMEOUT = ttl 30 s, probes every
#: (30 - 20) / 3 s after loop_wait + retry_timeout = 20 s idle; patroni/utils.py
#: keepalive_socket_options, dcs/etcd3.py set_socket_options): the watch dies at most 33 s after
#: the cut. Measured in the lab: 31.5 s.
STALE_WATCH_SECONDS = 33
#: What losing etcd's own raft leader with the vendor adds before the lock can expire: up to two
#: election timeouts (1 s each, etcd's default, which the renderer keeps) for the survivors to elect
#: a leader, and one more by which the new leader extends every lease ("The new leader extends
#: timeouts automatically for all leases", etcd's failure modes guide; etcd-io/etcd#9395).
ETCD_LEADER_CHANGE_SECONDS = 3
#: Patroni's documented minimums and rule (its dynamic configuration page): ttl >= 20,
#: loop_wait >= 1, retry_timeout >= 3, and loop_wait + 2 * retry_timeout <= ttl — so a leader
#: that cannot reach etcd demotes itself before its lock can expire under it.
_MINIMUM = {"ttl": 20, "loop_wait": 1, "retry_timeout": 3}


@dataclass(frozen=True)
class ExpectedLoss:
    """What a failover may lose under ``rpo: async`` (Patroni's "Asynchronous mode durability").

    At worst ``wal_bytes`` of WAL the promoted standby lagged by, plus what the primary committed
    in its last ``worst_seconds``; ``typical_seconds`` (``loop_wait / 2``) is the average case.
    """

    wal_bytes: int
    worst_seconds: int
    typical_seconds: float

    def describe(self) -> str:
        return (
            f"a failover may lose up to {self.wal_bytes} bytes of WAL (maximum_lag_on_failover) "
            f"plus what was committed in the last {self.worst_seconds} s (ttl) before the primary "
            f"was lost, about {self.typical_seconds:g} s (loop_wait / 2) on average"
        )


@dataclass(frozen=True)
class DatabasePlan:
    """The checked cluster: members named, quorum and durability settled.

    Attributes:
        scope: the cluster's name (Patroni's ``scope``).
        members: every member, in configuration order.
        rpo: the declared durability.
        timing: Patroni's lock timing.
        maximum_lag_on_failover: bytes a standby may lag and still be promoted.
        synchronous_node_count: how many synchronous standbys Patroni keeps under ``rpo: zero``
            (enough that they cannot all sit on the primary's vendor); 0 under ``async``.
    """

    scope: str
    members: tuple[PlannedMember, ...]
    rpo: Rpo
    timing: PatroniTiming
    maximum_lag_on_failover: int
    synchronous_node_count: int

    @property
    def postgres(self) -> tuple[PlannedMember, ...]:
        return tuple(m for m in self.members if m.member.role is MemberRole.POSTGRES)

    @property
    def etcd(self) -> tuple[PlannedMember, ...]:
        return tuple(m for m in self.members if m.member.role in _VOTERS)

    @property
    def quorum(self) -> int:
        """etcd's majority: the members that must be reachable for it to act."""
        return len(self.etcd) // 2 + 1

    @property
    def failover_bound(self) -> int:
        """Seconds from losing the leader's vendor to a new leader, at most.

        The leader's lock lives ``ttl`` seconds past its last renewal ("the length of time
        before initiation of the automatic failover process", Patroni's settings), plus an etcd
        leader change when etcd's raft leader was lost too (``ETCD_LEADER_CHANGE_SECONDS``); a
        replica notices within one HA loop (``loop_wait``); the leader race's member checks and
        DCS writes are bounded by ``retry_timeout``. A replica learns of the lock's expiry
        through its watch on the etcd member listed first for it (the renderer lists its own
        vendor's first): a PostgreSQL member with no etcd member on its vendor may be watching
        the lost one, and then notices only when that watch dies (``STALE_WATCH_SECONDS``).
        """
        t = self.timing
        local = {m.member.vendor for m in self.etcd}
        stale = any(p.member.vendor not in local for p in self.postgres)
        expiry = t.ttl + ETCD_LEADER_CHANGE_SECONDS
        return max(expiry, STALE_WATCH_SECONDS if stale else 0) + t.loop_wait + t.retry_timeout

    @property
    def expected_loss(self) -> ExpectedLoss | None:
        """What a failover may lose: ``None`` under ``rpo: zero`` (nothing committed)."""
        if self.rpo is Rpo.ZERO:
            return None
        t = self.timing
        return ExpectedLoss(self.maximum_lag_on_failover, t.ttl, t.loop_wait / 2)

    def member(self, name: str) -> PlannedMember:
        return next(m for m in self.members if m.name == name)


class DatabaseState(StrEnum):
    """What the cluster does when one failure domain is lost."""

    LEADER_KEPT = "leader kept"
    FAILOVER = "failover"
    QUORUM_LOST = "quorum lost"
    NO_CANDIDATE = "no candidate"


@dataclass(frozen=True)
class DatabaseOutcome:
    """The cluster after one failure.

    Attributes:
        state: leader kept (the leader and a majority survive), failover (the leader is lost, a
            majority and a standby Patroni may promote survive), quorum lost (etcd has no
            majority: no leader is kept or elected, writes stop — nothing committed is lost),
            no candidate (the leader is lost and no surviving standby may be promoted: under
            ``rpo: zero`` none is synchronous; writes stop until the domain returns).
        writable: whether the (new) leader takes writes. Under ``rpo: zero`` Patroni's strict
            mode blocks commits while the leader has no synchronous standby, so a leader left
            alone keeps the data safe but takes no writes (Patroni's replication modes page:
            "use at least three Postgres data nodes to ensure write availability").
        etcd_left: etcd members left, of ``etcd_total``; a majority is ``quorum``.
        postgres_left: the names of the PostgreSQL members left.
        reason: the arithmetic, in words.
    """

    kind: FailureKind
    domain: str
    state: DatabaseState
    writable: bool
    etcd_left: int
    etcd_total: int
    quorum: int
    postgres_left: tuple[str, ...]
    reason: str


def plan_database(
    scope: str,
    members: Sequence[DatabaseMember],
    *,
    rpo: Rpo = Rpo.ZERO,
    timing: PatroniTiming = DEFAULT_TIMING,
    maximum_lag_on_failover: int = 1048576,
) -> DatabasePlan:
    """Check and plan a cluster (see the module docstring for the rules).

    ``maximum_lag_on_failover`` defaults to Patroni's own (1 MiB).

    Raises:
        PlanningError: the first rule broken, with the configuration path it blames
            (``members``, ``members[3].sync``, ``rpo``, ``ttl`` …) and the arithmetic.
    """
    planned = name_members(members)
    _check_timing(timing, maximum_lag_on_failover)
    pg = [m for m in planned if m.member.role is MemberRole.POSTGRES]
    voters = [m for m in planned if m.member.role in _VOTERS]
    _check_data(pg)
    _check_quorum(voters)
    count = _sync_count(pg) if rpo is Rpo.ZERO else 0
    if rpo is Rpo.ZERO:
        _check_sync(pg)
    return DatabasePlan(scope, tuple(planned), rpo, timing, maximum_lag_on_failover, count)


def name_members(members: Sequence[DatabaseMember]) -> list[PlannedMember]:
    """``{pg|etcd|witness}-{site}-{zone}``, then ``-2``, ``-3`` … for further members there."""
    seen: Counter[str] = Counter()
    out = []
    for index, member in enumerate(members):
        base = f"{_PREFIX[member.role]}-{member.site}-{member.zone}"
        seen[base] += 1
        out.append(PlannedMember(base if seen[base] == 1 else f"{base}-{seen[base]}", index, member))
    return out


def _check_timing(timing: PatroniTiming, lag: int) -> None:
    for key, minimum in _MINIMUM.items():
        value = getattr(timing, key)
        if value < minimum:
            raise PlanningError(
                f"{key} must be at least {minimum} s (Patroni's minimum), got {value}", path=key, value=value
            )
    t = timing
    if t.loop_wait + 2 * t.retry_timeout > t.ttl:
        raise PlanningError(
            f"loop_wait + 2 * retry_timeout must not exceed ttl ({t.loop_wait} + 2 * {t.retry_timeout} = "
            f"{t.loop_wait + 2 * t.retry_timeout} > {t.ttl}): a leader cut off from etcd must demote "
            "itself before its lock expires; raise ttl or lower the others",
            path="ttl",
            value=t.ttl,
        )
    if lag < 0:
        raise PlanningError(
            f"maximum_lag_on_failover is in bytes and must be 0 or more, got {lag}",
            path="maximum_lag_on_failover",
            value=lag,
        )


def _check_data(pg: Sequence[PlannedMember]) -> None:
    vendors = sorted({m.member.vendor for m in pg})
    if len(vendors) < 2:
        where = f"all on {vendors[0]}" if vendors else "none"
        raise PlanningError(
            f"the database has {len(pg)} PostgreSQL member(s), {where}; it needs members on sites "
            "of at least two vendors, so a copy of the data survives losing one",
            path="members",
            value=vendors[0] if vendors else None,
        )


def _check_quorum(voters: Sequence[PlannedMember]) -> None:
    n = len(voters)
    if n == 0 or n % 2 == 0:
        extra = " (an even number survives no more losses than one fewer)" if n else ""
        raise PlanningError(
            f"etcd needs an odd number of members, 3 or more, got {n}{extra}; add or remove an "
            "etcd or witness member",
            path="members",
            value=n,
        )
    majority = n // 2 + 1
    vendors = sorted({m.member.vendor for m in voters})
    rows = [m.member.placement() for m in voters]
    for kind in (FailureKind.VENDOR, FailureKind.REGION, FailureKind.ZONE):
        worst = losses(rows, kind)[0]
        if worst.remaining < majority:
            more = (
                f"; its members sit on {len(vendors)} vendor(s) ({', '.join(vendors)}), and any "
                "single vendor's loss can keep a majority only over at least 3"
                if kind is FailureKind.VENDOR and len(vendors) < 3
                else ""
            )
            raise PlanningError(
                f"etcd has {n} members: {worst.lost} on {worst.domain}; losing {worst.domain} leaves "
                f"{worst.remaining} of {n}, a majority needs {majority}{more}; "
                "move members so no single vendor, region or zone holds half or more of them",
                path="members",
                value=worst.domain,
            )


def _eligible(pg: Sequence[PlannedMember]) -> list[PlannedMember]:
    return [m for m in pg if m.member.sync]


def _sync_count(pg: Sequence[PlannedMember]) -> int:
    """Synchronous standbys Patroni must keep so that, whichever member leads, they cannot all
    share its vendor: one more than the most same-vendor candidates any primary has."""
    eligible = _eligible(pg)
    same = [sum(1 for q in eligible if q is not p and q.member.vendor == p.member.vendor) for p in pg]
    return max(same, default=0) + 1


def _check_sync(pg: Sequence[PlannedMember]) -> None:
    eligible = _eligible(pg)
    for p in pg:
        if not any(q is not p and q.member.vendor != p.member.vendor for q in eligible):
            # _check_data put members on a second vendor, so here they are all `sync: false`.
            blame = next(q for q in pg if q.member.vendor != p.member.vendor)
            raise PlanningError(
                f"rpo: zero needs a synchronous standby candidate on a vendor other than each "
                f"possible primary's, but if {p.name} ({p.member.vendor}) leads, every member on "
                "another vendor has sync: false; let one be synchronous, add one, or declare rpo: async",
                path=f"members[{blame.index}].sync",
                value=False,
            )


def database_outcome(
    plan: DatabasePlan, kind: FailureKind, domain: str, *, leader: str | None = None
) -> DatabaseOutcome:
    """What the cluster does when the ``kind`` domain ``domain`` is lost (its key as
    :func:`~skyweave.planning.failure.domain_key` spells it: ``aws``, ``aws/us-east-1``, …).

    ``leader`` names the current leader; without one, the answer holds whichever member leads
    (the worst case: a failover as soon as any PostgreSQL member is in the domain).
    """
    lost = {m.name for m in plan.members if domain_key(m.member.placement(), kind) == domain}
    etcd_left = sum(1 for m in plan.etcd if m.name not in lost)
    pg_left = tuple(m.name for m in plan.postgres if m.name not in lost)
    head = (
        f"losing {domain} leaves {etcd_left} of {len(plan.etcd)} etcd members (a majority is {plan.quorum})"
    )

    def outcome(state: DatabaseState, writable: bool, reason: str) -> DatabaseOutcome:
        return DatabaseOutcome(
            kind, domain, state, writable, etcd_left, len(plan.etcd), plan.quorum, pg_left, f"{head}{reason}"
        )

    if etcd_left < plan.quorum:
        return outcome(DatabaseState.QUORUM_LOST, False, ": no leader is kept or elected and writes stop")
    leaders = [plan.member(leader)] if leader else list(plan.postgres)
    hit = [p for p in leaders if p.name in lost]
    if not hit:
        alone = [p.name for p in leaders if not _standby_left(plan, p.name, lost)]
        return outcome(DatabaseState.LEADER_KEPT, not alone, _blocked(alone) or "; the leader stays")
    promoted: list[str] = []
    for p in hit:
        candidates = _candidates(plan, p, lost)
        if not candidates:
            why = "synchronous standby" if plan.rpo is Rpo.ZERO else "PostgreSQL member"
            reason = (
                f"; if {p.name} leads, no {why} Patroni may promote is left: writes stop until it returns"
            )
            return outcome(DatabaseState.NO_CANDIDATE, False, reason)
        promoted += candidates
    kept = [p.name for p in leaders if p not in hit]
    alone = sorted({c for c in promoted + kept if not _standby_left(plan, c, lost)})
    reason = f"; a standby outside {domain} is promoted within {plan.failover_bound} s"
    return outcome(
        DatabaseState.FAILOVER, not alone, reason + (_blocked(alone) and f", but{_blocked(alone)[1:]}")
    )


def _standby_left(plan: DatabasePlan, leader: str, lost: set[str]) -> bool:
    """Under ``rpo: zero`` (strict), can ``leader`` still commit: is a synchronous standby left?"""
    if plan.rpo is Rpo.ASYNC:
        return True
    return any(m.name != leader and m.name not in lost and m.member.sync for m in plan.postgres)


def _blocked(leaders: Sequence[str]) -> str:
    if not leaders:
        return ""
    return (
        f"; {', '.join(leaders)} would lead with no synchronous standby left, so commits block "
        "(synchronous_mode_strict) until one returns"
    )


def _candidates(plan: DatabasePlan, primary: PlannedMember, lost: set[str]) -> list[str]:
    """Members that may take over from ``primary`` once ``lost`` is gone, whatever Patroni chose.

    Under ``rpo: zero`` only a synchronous standby may be promoted, and Patroni fills the
    ``synchronous_node_count`` places from the eligible members as it likes: a survivor is
    certain only when the lost members cannot fill them all.
    """
    others = [m for m in plan.postgres if m is not primary]
    if plan.rpo is Rpo.ASYNC:
        return [m.name for m in others if m.name not in lost]
    eligible = [m for m in others if m.member.sync]
    places = min(plan.synchronous_node_count, len(eligible))
    if sum(1 for m in eligible if m.name in lost) >= places:
        return []
    return [m.name for m in eligible if m.name not in lost]
