"""The database planner: which layouts it accepts (against a brute-force count), its arithmetic,
its names, and what each failure does to the cluster."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.core.errors import PlanningError
from skyweave.planning.database import (
    DatabaseMember,
    DatabasePlan,
    DatabaseState,
    MemberRole,
    PatroniTiming,
    Rpo,
    database_outcome,
    name_members,
    plan_database,
)
from skyweave.planning.failure import FailureKind

VENDORS = ("aws", "gcp", "azure", "onprem")
ROLES = tuple(MemberRole)


@st.composite
def member_lists(draw: st.DrawFn) -> list[DatabaseMember]:
    """1 to 9 members on up to four vendors, two regions and two zones each."""
    out = []
    for _ in range(draw(st.integers(1, 9))):
        vendor = draw(st.sampled_from(VENDORS))
        region = f"{vendor}-r{draw(st.integers(1, 2))}"
        out.append(
            DatabaseMember(
                site=f"{vendor}-{region}",
                vendor=vendor,
                region=region,
                zone=draw(st.sampled_from(("a", "b"))),
                role=draw(st.sampled_from(ROLES)),
                sync=draw(st.booleans()),
            )
        )
    return out


def _member(draw: st.DrawFn, vendor: str, role: MemberRole) -> DatabaseMember:
    region = f"{vendor}-r{draw(st.integers(1, 2))}"
    zone = draw(st.sampled_from(("a", "b")))
    return DatabaseMember(
        f"{vendor}-{region}", vendor, region, zone, role, draw(st.sampled_from((True, True, False)))
    )


@st.composite
def layouts(draw: st.DrawFn) -> list[DatabaseMember]:
    """Layouts near the line: 2-7 etcd votes over 1-4 vendors, 1-4 data members, any order —
    a good share of them acceptable (uniform member lists rarely are)."""
    spread = draw(st.permutations(VENDORS))[: draw(st.sampled_from((3, 4, 3, 4, 2, 1)))]
    dealt = draw(st.sampled_from((True, True, True, False)))  # round-robin, or each vendor drawn
    votes = [
        _member(
            draw,
            spread[i % len(spread)] if dealt else draw(st.sampled_from(spread)),
            draw(st.sampled_from((MemberRole.ETCD, MemberRole.WITNESS))),
        )
        for i in range(draw(st.sampled_from((3, 5, 3, 5, 7, 2, 4))))
    ]
    data = [
        _member(draw, VENDORS[i % 2] if dealt else draw(st.sampled_from(VENDORS)), MemberRole.POSTGRES)
        for i in range(draw(st.sampled_from((2, 3, 2, 4, 1))))
    ]
    return list(draw(st.permutations(votes + data)))


def placements() -> st.SearchStrategy[list[DatabaseMember]]:
    return st.one_of(layouts(), layouts(), member_lists())


# -- an independent count: every rule as the brief states it, computed the slow way -------------


def survives_every_single_loss(members: list[DatabaseMember]) -> bool:
    voters = [m for m in members if m.role is not MemberRole.POSTGRES]
    n = len(voters)
    if n % 2 == 0:
        return False
    domains = {
        "vendor": {m.vendor for m in voters},
        "region": {(m.vendor, m.region) for m in voters},
        "zone": {(m.vendor, m.region, m.zone) for m in voters},
    }
    key = {
        "vendor": lambda m: m.vendor,
        "region": lambda m: (m.vendor, m.region),
        "zone": lambda m: (m.vendor, m.region, m.zone),
    }
    for kind, values in domains.items():
        for value in values:
            left = sum(1 for m in voters if key[kind](m) != value)
            if not left > n / 2:
                return False
    return True


def data_on_two_vendors(members: list[DatabaseMember]) -> bool:
    return len({m.vendor for m in members if m.role is MemberRole.POSTGRES}) >= 2


def off_vendor_sync_for_every_primary(members: list[DatabaseMember]) -> bool:
    pg = [m for m in members if m.role is MemberRole.POSTGRES]
    return all(
        any(j != i and q.sync and q.vendor != p.vendor for j, q in enumerate(pg)) for i, p in enumerate(pg)
    )


def acceptable(members: list[DatabaseMember], rpo: Rpo) -> bool:
    return (
        data_on_two_vendors(members)
        and survives_every_single_loss(members)
        and (rpo is Rpo.ASYNC or off_vendor_sync_for_every_primary(members))
    )


@settings(max_examples=600)
@given(placements(), st.sampled_from(tuple(Rpo)))
def test_accepts_exactly_the_layouts_where_every_single_loss_keeps_an_etcd_majority(
    members: list[DatabaseMember], rpo: Rpo
) -> None:
    if acceptable(members, rpo):
        plan = plan_database("db", members, rpo=rpo)
        assert len(plan.etcd) % 2 == 1
    else:
        with pytest.raises(PlanningError):
            plan_database("db", members, rpo=rpo)


@settings(max_examples=300)
@given(placements())
def test_a_quorum_refusal_states_numbers_that_a_count_confirms(members: list[DatabaseMember]) -> None:
    voters = [m for m in members if m.role is not MemberRole.POSTGRES]
    if not data_on_two_vendors(members) or len(voters) % 2 == 0 or survives_every_single_loss(members):
        return
    with pytest.raises(PlanningError) as err:
        plan_database("db", members, rpo=Rpo.ASYNC)
    said = re.search(
        r"etcd has (\d+) members: (\d+) on (\S+); losing \3 leaves (\d+) of \1, a majority needs (\d+)",
        str(err.value),
    )
    assert said, str(err.value)
    n, lost, domain, left, majority = int(said[1]), int(said[2]), said[3], int(said[4]), int(said[5])
    parts = domain.split("/")
    in_domain = [m for m in voters if [m.vendor, m.region, m.zone][: len(parts)] == parts]
    assert (n, lost, left, majority) == (
        len(voters),
        len(in_domain),
        len(voters) - len(in_domain),
        len(voters) // 2 + 1,
    )
    assert left < majority
    assert err.value.path == "members"


@settings(max_examples=200)
@given(placements(), st.sampled_from(tuple(Rpo)))
def test_the_plan_is_deterministic(members: list[DatabaseMember], rpo: Rpo) -> None:
    if acceptable(members, rpo):
        assert plan_database("db", members, rpo=rpo) == plan_database("db", list(members), rpo=rpo)


@settings(max_examples=300)
@given(member_lists(), member_lists())
def test_adding_members_never_renames_one(members: list[DatabaseMember], more: list[DatabaseMember]) -> None:
    before = [m.name for m in name_members(members)]
    after = [m.name for m in name_members(members + more)]
    assert after[: len(before)] == before
    assert len(set(after)) == len(after)


@settings(max_examples=300)
@given(placements())
def test_synchronous_standbys_cannot_all_share_the_primarys_vendor(members: list[DatabaseMember]) -> None:
    """Whatever ``synchronous_node_count`` standbys Patroni picks (every choice enumerated), one
    is on another vendor than the primary's."""
    if not acceptable(members, Rpo.ZERO):
        return
    plan = plan_database("db", members, rpo=Rpo.ZERO)
    pg = plan.postgres
    for p in pg:
        eligible = [q for q in pg if q is not p and q.member.sync]
        size = min(plan.synchronous_node_count, len(eligible))
        for picked in itertools.combinations(eligible, size):
            assert any(q.member.vendor != p.member.vendor for q in picked)


@settings(max_examples=300)
@given(placements(), st.sampled_from(tuple(Rpo)))
def test_an_accepted_plan_survives_every_single_vendor_region_and_zone(
    members: list[DatabaseMember], rpo: Rpo
) -> None:
    if not acceptable(members, rpo):
        return
    plan = plan_database("db", members, rpo=rpo)
    for kind, key in (
        (FailureKind.VENDOR, lambda m: m.vendor),
        (FailureKind.REGION, lambda m: f"{m.vendor}/{m.region}"),
        (FailureKind.ZONE, lambda m: f"{m.vendor}/{m.region}/{m.zone}"),
    ):
        for domain in sorted({key(m) for m in members}):
            outcome = database_outcome(plan, kind, domain)
            assert outcome.state in (DatabaseState.LEADER_KEPT, DatabaseState.FAILOVER), outcome.reason
            assert outcome.etcd_left == sum(1 for m in plan.etcd if key(m.member) != domain)


@settings(max_examples=300)
@given(placements(), st.sampled_from(VENDORS))
def test_quorum_is_lost_exactly_when_a_count_says_so(members: list[DatabaseMember], vendor: str) -> None:
    """Hand-built plans (no checks): the outcome follows the majority arithmetic."""
    plan = DatabasePlan("db", tuple(name_members(members)), Rpo.ASYNC, PatroniTiming(), 0, 0)
    voters = [m for m in members if m.role is not MemberRole.POSTGRES]
    left = sum(1 for m in voters if m.vendor != vendor)
    outcome = database_outcome(plan, FailureKind.VENDOR, vendor)
    assert (outcome.state is DatabaseState.QUORUM_LOST) == (left < len(voters) // 2 + 1)


# -- examples ------------------------------------------------------------------------------------


def m(
    vendor: str, role: MemberRole, zone: str = "a", region: str = "r1", sync: bool = True
) -> DatabaseMember:
    return DatabaseMember(f"{vendor}-{region}", vendor, region, zone, role, sync)


PG, ETCD, WITNESS = MemberRole.POSTGRES, MemberRole.ETCD, MemberRole.WITNESS


def test_the_refusal_gives_the_arithmetic() -> None:
    members = [
        m("aws", PG),
        m("gcp", PG),
        *(m("aws", ETCD, z) for z in "abc"),
        m("gcp", ETCD),
        m("onprem", WITNESS),
    ]
    with pytest.raises(
        PlanningError, match=r"^etcd has 5 members: 3 on aws; losing aws leaves 2 of 5, a majority needs 3"
    ):
        plan_database("shop", members)


def test_two_vendors_of_etcd_are_refused_with_the_reason() -> None:
    members = [m("aws", PG), m("gcp", PG), m("aws", ETCD), m("gcp", ETCD, "a"), m("gcp", ETCD, "b")]
    with pytest.raises(PlanningError, match=r"2 on gcp; losing gcp leaves 1 of 3.*only over at least 3"):
        plan_database("shop", members)


def test_an_even_number_of_etcd_members_is_refused() -> None:
    members = [m("aws", PG), m("gcp", PG), *(m(v, ETCD) for v in ("aws", "gcp", "azure", "onprem"))]
    with pytest.raises(
        PlanningError, match=r"odd number of members, 3 or more, got 4.*no more losses"
    ) as err:
        plan_database("shop", members)
    assert err.value.path == "members"


def test_data_on_one_vendor_is_refused() -> None:
    members = [m("aws", PG), m("aws", PG, "b"), m("aws", ETCD), m("gcp", ETCD), m("azure", ETCD)]
    with pytest.raises(PlanningError, match=r"2 PostgreSQL member.*all on aws.*at least two vendors"):
        plan_database("shop", members)


def test_rpo_zero_needs_a_synchronous_candidate_off_each_primarys_vendor() -> None:
    members = [
        m("aws", PG),
        m("aws", PG, "b"),
        m("gcp", PG, sync=False),
        m("aws", ETCD),
        m("gcp", ETCD),
        m("azure", ETCD),
    ]
    with pytest.raises(
        PlanningError, match=r"if pg-aws-r1-a .aws. leads, every member on another vendor has sync: false"
    ) as err:
        plan_database("shop", members, rpo=Rpo.ZERO)
    assert err.value.path == "members[2].sync"
    plan = plan_database("shop", members, rpo=Rpo.ASYNC)  # accepting loss, it plans
    assert plan.synchronous_node_count == 0


def test_synchronous_node_count_outnumbers_the_primarys_own_vendor() -> None:
    members = [
        m("aws", PG),
        m("aws", PG, "b"),
        m("gcp", PG),
        m("aws", ETCD),
        m("gcp", ETCD),
        m("azure", ETCD),
    ]
    assert plan_database("shop", members).synchronous_node_count == 2  # aws leads: its twin plus gcp
    members[1] = m("azure", PG)
    assert plan_database("shop", members).synchronous_node_count == 1


def test_patroni_timing_follows_its_documented_rule() -> None:
    members = [m("aws", PG), m("gcp", PG), m("aws", ETCD), m("gcp", ETCD), m("azure", ETCD)]
    with pytest.raises(PlanningError, match=r"10 \+ 2 \* 10 = 30 > 25") as err:
        plan_database("shop", members, timing=PatroniTiming(ttl=25))
    assert err.value.path == "ttl"
    with pytest.raises(PlanningError, match="ttl must be at least 20"):
        plan_database("shop", members, timing=PatroniTiming(ttl=10, loop_wait=2, retry_timeout=3))
    with pytest.raises(PlanningError, match="retry_timeout must be at least 3"):
        plan_database("shop", members, timing=PatroniTiming(ttl=20, loop_wait=2, retry_timeout=2))
    plan = plan_database("shop", members, timing=PatroniTiming(ttl=20, loop_wait=2, retry_timeout=5))
    assert plan.failover_bound == 20 + 3 + 2 + 5  # ttl, an etcd leader change, loop_wait, retry_timeout


def test_a_data_member_without_etcd_on_its_vendor_may_wait_for_a_stale_watch() -> None:
    members = [
        m("aws", PG),
        m("gcp", PG),
        m("azure", PG),
        m("aws", ETCD),
        m("gcp", ETCD),
        m("onprem", WITNESS),
    ]
    timing = PatroniTiming(ttl=20, loop_wait=2, retry_timeout=5)
    assert plan_database("shop", members, timing=timing).failover_bound == 33 + 2 + 5  # azure has no etcd
    members[-1] = m("azure", ETCD)
    assert plan_database("shop", members, timing=timing).failover_bound == 20 + 3 + 2 + 5


def test_async_states_the_expected_loss_from_the_lag_bound() -> None:
    members = [m("aws", PG), m("gcp", PG), m("aws", ETCD), m("gcp", ETCD), m("azure", ETCD)]
    assert plan_database("shop", members).expected_loss is None
    plan = plan_database("shop", members, rpo=Rpo.ASYNC, maximum_lag_on_failover=4 * 1048576)
    loss = plan.expected_loss
    assert loss is not None and (loss.wal_bytes, loss.worst_seconds, loss.typical_seconds) == (
        4194304,
        30,
        5.0,
    )
    assert "4194304 bytes of WAL" in loss.describe() and "last 30 s" in loss.describe()


def test_names_come_from_role_site_and_zone() -> None:
    members = [m("aws", PG), m("aws", ETCD), m("aws", PG), m("onprem", WITNESS, "rack7")]
    assert [p.name for p in name_members(members)] == [
        "pg-aws-r1-a",
        "etcd-aws-r1-a",
        "pg-aws-r1-a-2",
        "witness-onprem-r1-rack7",
    ]


def test_two_data_members_keep_the_data_but_block_writes_after_a_vendor_loss() -> None:
    """Patroni: with synchronous_mode_strict and one standby, losing either stops commits."""
    members = [m("aws", PG), m("gcp", PG), m("aws", ETCD), m("gcp", ETCD), m("onprem", WITNESS)]
    plan = plan_database("shop", members)
    lost_leader = database_outcome(plan, FailureKind.VENDOR, "aws", leader="pg-aws-r1-a")
    assert lost_leader.state is DatabaseState.FAILOVER and not lost_leader.writable
    lost_standby = database_outcome(plan, FailureKind.VENDOR, "gcp", leader="pg-aws-r1-a")
    assert lost_standby.state is DatabaseState.LEADER_KEPT and not lost_standby.writable
    witness = database_outcome(plan, FailureKind.VENDOR, "onprem")
    assert witness.state is DatabaseState.LEADER_KEPT and witness.writable
    asynchronous = plan_database("shop", members, rpo=Rpo.ASYNC)
    assert database_outcome(asynchronous, FailureKind.VENDOR, "aws").writable
