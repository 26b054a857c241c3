"""The capacity planner: hand-computed sizings and the two properties the issue asks for."""

from __future__ import annotations

import dataclasses
import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.core.errors import PlanningError
from skyweave.planning import capacity
from skyweave.planning.capacity import SiteZones, plan_capacity
from skyweave.planning.failure import FailureKind, Placement, domain_key, losses, worst_loss

AWS1 = SiteZones("aws-use1", "aws", "us-east-1", ("us-east-1a", "us-east-1b", "us-east-1c"), 1)
AWS2 = SiteZones("aws-usw2", "aws", "us-west-2", ("us-west-2a", "us-west-2b"), 1)
GCP = SiteZones("gcp-euw1", "gcp", "europe-west1", ("europe-west1-b", "europe-west1-c", "europe-west1-d"), 1)
OS = SiteZones("os-dc1", "openstack", "RegionOne", ("az1", "az2"), 1)


def test_three_vendors_need_half_again_the_capacity() -> None:
    plan = plan_capacity([AWS1, AWS2, GCP, OS], min_healthy=6, survive=FailureKind.VENDOR)
    # 3 vendors: each at most T - 6 and T >= 6 * 3 / 2 = 9: three vendors of 3.
    assert plan.total == 9
    assert plan.per_site() == {"aws-use1": 2, "aws-usw2": 1, "gcp-euw1": 3, "os-dc1": 3}
    assert plan.site_zones("gcp-euw1") == {"europe-west1-b": 1, "europe-west1-c": 1, "europe-west1-d": 1}
    assert plan.site_zones("os-dc1") == {"az1": 2, "az2": 1}
    assert plan.site_zones("aws-use1") == {"us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 0}
    assert "ceil(6 × 3 / 2) = 9" in "\n".join(plan.explanation)
    assert plan.explanation[-1] == "worst vendor failure: aws, leaving 6 of 9"


def test_two_vendors_need_double() -> None:
    plan = plan_capacity([AWS1, GCP], min_healthy=4, survive=FailureKind.VENDOR)
    assert plan.per_site() == {"aws-use1": 4, "gcp-euw1": 4}
    assert plan.site_zones("aws-use1") == {"us-east-1a": 2, "us-east-1b": 1, "us-east-1c": 1}


def test_zone_survival_spreads_over_every_zone() -> None:
    # 10 zones: T >= ceil(10 * 10 / 9) = 12, but every site's floor of 1 is cheaper than that.
    plan = plan_capacity([AWS1, AWS2, GCP, OS], min_healthy=10, survive=FailureKind.ZONE)
    assert plan.total == 12
    assert max(p.count for p in plan.placements) == 2
    worst = worst_loss(plan.placements, FailureKind.ZONE)
    assert worst is not None and worst.remaining == 10


def test_a_large_floor_binds() -> None:
    big = dataclasses.replace(AWS1, min_count=8)
    plan = plan_capacity([big, GCP], min_healthy=2, survive=FailureKind.REGION)
    # aws/us-east-1 must hold 8 and losing it must leave 2: T = 10.
    assert plan.per_site() == {"aws-use1": 8, "gcp-euw1": 2}
    assert "total 2 + 8 = 10" in plan.explanation[1]


def test_one_vendor_cannot_survive_a_vendor() -> None:
    with pytest.raises(
        PlanningError, match=r"cannot survive losing a vendor: the sites span 1 vendor \(aws\)"
    ) as e:
        plan_capacity([AWS1, AWS2], min_healthy=2, survive=FailureKind.VENDOR)
    assert e.value.path == "survive" and e.value.value == "vendor"


def test_one_zone_cannot_survive_a_zone() -> None:
    single = SiteZones("os-dc1", "openstack", "RegionOne", ("nova",), 1)
    with pytest.raises(PlanningError, match="span 1 zone"):
        plan_capacity([single], min_healthy=1, survive=FailureKind.ZONE)


@pytest.mark.parametrize("bad", [0, -1, 100_001])
def test_min_healthy_out_of_range(bad: int) -> None:
    with pytest.raises(PlanningError, match="min_healthy must be 1 to 100000") as e:
        plan_capacity([AWS1, GCP], min_healthy=bad, survive=FailureKind.VENDOR)
    assert e.value.path == "min_healthy"


def test_duplicate_site_is_refused() -> None:
    with pytest.raises(PlanningError, match="listed twice"):
        plan_capacity([AWS1, AWS1], min_healthy=1, survive=FailureKind.ZONE)


VENDORS = ("aws", "gcp", "openstack", "onprem")


@st.composite
def estates(draw: st.DrawFn) -> list[SiteZones]:
    n = draw(st.integers(1, 6))
    sites = []
    for i in range(n):
        vendor = draw(st.sampled_from(VENDORS))
        region = draw(st.sampled_from(("r1", "r2", "r3")))
        zones = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=4, unique=True))
        sites.append(
            SiteZones(f"s{i}", vendor, region, tuple(f"{region}{z}" for z in zones), draw(st.integers(0, 3)))
        )
    return sites


NESTED = {
    FailureKind.VENDOR: [FailureKind.SITE, FailureKind.REGION, FailureKind.ZONE],
    FailureKind.REGION: [FailureKind.ZONE],
    FailureKind.SITE: [],
    FailureKind.ZONE: [],
}
KINDS = st.sampled_from([FailureKind.ZONE, FailureKind.REGION, FailureKind.VENDOR, FailureKind.SITE])


@settings(max_examples=300, deadline=None)
@given(estates(), st.integers(1, 40), KINDS)
def test_survives_every_single_loss_and_is_minimal(
    sites: list[SiteZones], need: int, kind: FailureKind
) -> None:
    try:
        plan = plan_capacity(sites, need, kind)
    except PlanningError as exc:
        assert exc.path == "survive"
        cells = [Placement(s.site, s.vendor, s.region, z, 1) for s in sites for z in s.zones]
        assert len({domain_key(c, kind) for c in cells}) == 1
        return
    rows = list(plan.placements)
    # Survives: after losing any one domain of the kind, the rest hold min_healthy.
    assert all(loss.remaining >= need for loss in losses(rows, kind))
    # And every kind nested inside it (a vendor holds its sites, regions and zones).
    for narrower in NESTED[kind]:
        assert all(loss.remaining >= need for loss in losses(rows, narrower))
    # Floors hold.
    for site in sites:
        assert plan.per_site()[site.site] >= site.min_count
    # Minimal: removing any single instance breaks survival or a floor.
    for i, row in enumerate(rows):
        if row.count == 0:
            continue
        fewer = [*rows[:i], dataclasses.replace(row, count=row.count - 1), *rows[i + 1 :]]
        survives = all(loss.remaining >= need for loss in losses(fewer, kind))
        per_site = {s.site: sum(p.count for p in fewer if p.site == s.site) for s in sites}
        floors_hold = all(per_site[s.site] >= s.min_count for s in sites)
        assert not (survives and floors_hold), (row, plan.explanation)


@settings(max_examples=100, deadline=None)
@given(estates(), st.integers(1, 40), KINDS)
def test_deterministic(sites: list[SiteZones], need: int, kind: FailureKind) -> None:
    try:
        first = plan_capacity(sites, need, kind)
    except PlanningError:
        return
    assert plan_capacity(sites, need, kind) == first


@given(st.lists(st.integers(0, 20), min_size=1, max_size=8), st.integers(0, 60))
def test_water_fill_equals_adding_one_at_a_time(levels: list[int], extra: int) -> None:
    expected = list(levels)
    for _ in range(extra):
        lowest = min(range(len(expected)), key=lambda i: (expected[i], i))
        expected[lowest] += 1
    assert capacity._water_fill(levels, extra) == expected


def test_doctests() -> None:
    assert doctest.testmod(capacity).failed == 0
