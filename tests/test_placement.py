"""The placement planner: spread, stable growth, survival — as properties, plus the clear failures."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.core.errors import PlanningError
from skyweave.planning.failure import FailureKind, worst_loss
from skyweave.planning.placement import Domain, interleave, plan_placement

VENDORS = ("aws", "openstack", "onprem")


@st.composite
def domain_sets(draw: st.DrawFn) -> list[Domain]:
    """1 to 3 sources on distinct sites, 1 to 4 zones each; on-prem zones have a fixed capacity."""
    groups = []
    for s in range(draw(st.integers(1, 3))):
        vendor = VENDORS[s]
        zones = draw(st.integers(1, 4))
        groups.append(
            [
                Domain(
                    source=f"src{s}",
                    site=f"site{s}",
                    vendor=vendor,
                    region=f"region{s}",
                    zone=f"z{z}",
                    capacity=draw(st.integers(0, 6)) if vendor == "onprem" else None,
                )
                for z in range(zones)
            ]
        )
    return list(interleave(groups))


def feasible(count: int, domains: list[Domain]) -> bool:
    bound = math.ceil(count / len(domains))
    return sum(min(d.capacity, bound) if d.capacity is not None else bound for d in domains) >= count


@settings(max_examples=300)
@given(domain_sets(), st.integers(0, 60))
def test_no_domain_holds_more_than_its_share_or_the_planner_refuses(
    domains: list[Domain], count: int
) -> None:
    if not feasible(count, domains):
        with pytest.raises(PlanningError, match="leave room for only"):
            plan_placement(count, domains)
        return
    plan = plan_placement(count, domains)
    assert len(plan.nodes) == count
    assert [n.index for n in plan.nodes] == list(range(count))
    per_domain = plan.per_domain()
    assert max(per_domain.values()) <= math.ceil(count / len(domains))
    for domain in domains:
        if domain.capacity is not None:
            assert per_domain[domain.key] <= domain.capacity
    assert sum(p.count for p in plan.placements()) == count


@settings(max_examples=300)
@given(domain_sets(), st.integers(0, 40), st.integers(0, 40))
def test_growing_the_pool_keeps_every_existing_node_in_place(
    domains: list[Domain], count: int, more: int
) -> None:
    if not (feasible(count, domains) and feasible(count + more, domains)):
        return
    small = plan_placement(count, domains)
    big = plan_placement(count + more, domains)
    assert big.nodes[:count] == small.nodes


@settings(max_examples=300)
@given(
    domain_sets(),
    st.integers(1, 40),
    st.integers(1, 40),
    st.sampled_from(list(FailureKind)),
)
def test_min_healthy_holds_after_losing_any_one_domain_or_the_planner_refuses(
    domains: list[Domain], count: int, min_healthy: int, kind: FailureKind
) -> None:
    if not feasible(count, domains):
        return
    unchecked = plan_placement(count, domains)
    worst = worst_loss(unchecked.placements(), kind)
    assert worst is not None
    if min_healthy > count or worst.remaining < min_healthy:
        with pytest.raises(PlanningError) as info:
            plan_placement(count, domains, min_healthy=min_healthy, survive=kind)
        assert info.value.path == "min_healthy"
        return
    plan = plan_placement(count, domains, min_healthy=min_healthy, survive=kind)
    assert plan.nodes == unchecked.nodes
    # Independently of failure.py: remove each domain of `kind` in turn and count what is left.
    for placement in plan.placements():
        key = {
            FailureKind.VENDOR: lambda p: p.vendor,
            FailureKind.SITE: lambda p: p.site,
            FailureKind.REGION: lambda p: (p.vendor, p.region),
            FailureKind.ZONE: lambda p: (p.vendor, p.region, p.zone),
        }[kind]
        lost = sum(p.count for p in plan.placements() if key(p) == key(placement))
        assert count - lost >= min_healthy


@given(domain_sets(), st.integers(0, 30))
def test_same_input_same_plan(domains: list[Domain], count: int) -> None:
    if feasible(count, domains):
        assert plan_placement(count, domains) == plan_placement(count, domains)


def test_interleaving_spans_vendors_first() -> None:
    os_zones = [Domain("os", "os-dc1", "openstack", "RegionOne", z) for z in ("az1", "az2")]
    aws_zones = [Domain("aws", "aws-use1", "aws", "us-east-1", z) for z in ("us-east-1a", "us-east-1b")]
    racks = [Domain("fra", "onprem-fra", "onprem", "fra-dc2", "r1", capacity=1)]
    plan = plan_placement(3, interleave([os_zones, aws_zones, racks]))
    assert [n.domain.vendor for n in plan.nodes] == ["openstack", "aws", "onprem"]
    assert [n.ordinal for n in plan.nodes] == [0, 0, 0]


def test_fails_when_racks_are_too_small_for_the_spread() -> None:
    racks = [Domain("fra", "fra", "onprem", "fra", z, capacity=1) for z in ("r1", "r2")]
    with pytest.raises(PlanningError, match=r"3 nodes over 2 failure domains may put at most 2 in each"):
        plan_placement(3, racks)


def test_fails_when_one_zone_loss_breaks_min_healthy() -> None:
    zones = [Domain("aws", "aws-use1", "aws", "us-east-1", z) for z in ("a", "b")]
    with pytest.raises(PlanningError, match=r"losing zone aws/us-east-1/a leaves 2 of 4 nodes"):
        plan_placement(4, zones, min_healthy=3)
    assert plan_placement(4, zones, min_healthy=2).per_domain() == {"aws-use1/a": 2, "aws-use1/b": 2}


def test_fails_on_duplicate_domains_and_no_domains() -> None:
    zone = Domain("aws", "aws-use1", "aws", "us-east-1", "a")
    with pytest.raises(PlanningError, match="offered twice"):
        plan_placement(1, [zone, zone])
    with pytest.raises(PlanningError, match="no failure domain"):
        plan_placement(1, [])
