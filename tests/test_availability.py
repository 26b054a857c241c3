"""The availability model against hand-computed cases."""

from __future__ import annotations

import doctest
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.core.errors import PlanningError
from skyweave.planning import availability
from skyweave.planning.availability import (
    SiteAvailability,
    service_availability,
)


def site(name: str, vendor: str, a: float, capacity: int = 1) -> SiteAvailability:
    return SiteAvailability(name, vendor, a, capacity)


def test_any_one_of_two_independent_sites() -> None:
    report = service_availability([site("a", "aws", 0.99), site("b", "gcp", 0.99)], need=1)
    # Two vendors, one site each: beta changes nothing. 1 - 0.01^2.
    assert report.availability == pytest.approx(0.9999, abs=1e-12)
    assert report.independent_availability == pytest.approx(0.9999, abs=1e-12)


def test_two_of_three_independent() -> None:
    sites = [site("a", "aws", 0.9), site("b", "gcp", 0.8), site("c", "openstack", 0.7)]
    report = service_availability(sites, need=2)
    # P(all) + P(exactly two) = .504 + (.9*.8*.3 + .9*.2*.7 + .1*.8*.7) = .504 + .216 + .126 + .056
    assert report.availability == pytest.approx(0.902, abs=1e-12)


def test_two_sites_of_one_vendor_share_a_common_cause() -> None:
    sites = [site("use1", "aws", 0.99), site("usw2", "aws", 0.99)]
    report = service_availability(sites, need=1, beta=0.1)
    # Common cause q_v = 0.1 * 0.01 = 0.001; own availability 0.99 / 0.999 each.
    own = 0.99 / 0.999
    expected = 0.999 * (1 - (1 - own) ** 2)
    assert expected == pytest.approx(0.998918919, abs=1e-9)
    assert report.availability == pytest.approx(expected, abs=1e-12)
    assert report.vendor_common_cause == {"aws": pytest.approx(0.001)}
    # Correlation costs: the independent figure is 0.9999.
    assert report.independent_availability == pytest.approx(0.9999, abs=1e-12)
    assert report.availability < report.independent_availability


def test_marginal_site_availability_is_its_sla() -> None:
    sites = [site("use1", "aws", 0.995), site("usw2", "aws", 0.9999), site("g", "gcp", 0.999)]
    # The common cause is estimated from the vendor's most available site, and each site's own
    # failures are scaled so that P(site up) is still exactly its SLA.
    report = service_availability(sites, need=1, beta=0.1)
    assert report.vendor_common_cause["aws"] == pytest.approx(0.1 * 0.0001)
    for s in sites:
        alone = service_availability([s], need=1, beta=0.1)
        assert alone.availability == pytest.approx(s.availability, abs=1e-12)
    by_site = {f.domain: f.availability for f in report.single_failures if f.kind == "site"}
    # Losing use1 leaves usw2 or g: P = 1 - P(usw2 down and g down), independent across vendors.
    assert by_site["use1"] == pytest.approx(1 - (1 - 0.9999) * (1 - 0.999), abs=1e-12)


def test_weighted_capacity_and_worst_failure() -> None:
    # aws holds 4, gcp 2, openstack 2; need 4. Losing aws leaves 4 (gcp+os both needed);
    # losing gcp leaves 6. So aws's loss hurts most.
    sites = [
        site("aws-use1", "aws", 0.9999, 4),
        site("gcp", "gcp", 0.9999, 2),
        site("os", "openstack", 0.999, 2),
    ]
    report = service_availability(sites, need=4)
    assert report.worst.domain == "aws"  # the vendor ties with its only site; the wider failure first
    assert report.worst.kind == "vendor"
    assert report.worst.availability == pytest.approx(0.9999 * 0.999, abs=1e-12)
    # Service up iff aws up, or (gcp and os up): independent across vendors.
    expected = 0.9999 + (1 - 0.9999) * 0.9999 * 0.999
    assert report.availability == pytest.approx(expected, abs=1e-12)
    by_domain = {(f.kind, f.domain): f.availability for f in report.single_failures}
    assert by_domain[("vendor", "gcp")] == pytest.approx(0.9999, abs=1e-12)


def test_a_single_failure_that_takes_the_service_down() -> None:
    report = service_availability([site("a", "aws", 0.99, 3), site("b", "gcp", 0.99, 1)], need=2)
    assert report.worst.domain == "aws" and report.worst.availability == 0.0
    assert report.availability == pytest.approx(0.99, abs=1e-12)


def test_explicit_vendor_common_cause() -> None:
    sites = [site("use1", "aws", 0.99), site("usw2", "aws", 0.99)]
    report = service_availability(sites, need=1, vendor_common_cause={"aws": 0.005})
    own = 0.99 / 0.995
    assert report.availability == pytest.approx(0.995 * (1 - (1 - own) ** 2), abs=1e-12)
    with pytest.raises(PlanningError, match="cannot be more likely than the site's own outage") as e:
        service_availability(sites, need=1, vendor_common_cause={"aws": 0.02})
    assert e.value.path == "vendor_common_cause.aws"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"need": 0}, "need must be 1 to the total capacity 2"),
        ({"need": 3}, "need must be 1 to the total capacity 2"),
        ({"need": 1, "beta": 1.5}, "beta must be between 0 and 1"),
    ],
)
def test_rejects_bad_input(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(PlanningError, match=match):
        service_availability([site("a", "aws", 0.99), site("b", "gcp", 0.99)], **kwargs)  # type: ignore[arg-type]


def test_rejects_availability_outside_0_1() -> None:
    with pytest.raises(PlanningError, match="availability of site 'a' must be in"):
        service_availability([site("a", "aws", 1.2)], need=1)


def test_published_sla_table() -> None:
    """The figures come from each vendor's driver (vendor facts live with the vendor)."""
    from skyweave.drivers import get_driver

    def published_sla(vendor: str, zones: int) -> float | None:
        sla = get_driver(vendor).compute_sla
        return sla.for_zones(zones) if sla is not None else None

    assert published_sla("aws", 3) == 0.9999
    assert published_sla("aws", 1) == 0.995
    assert published_sla("gcp", 1) == 0.999
    assert published_sla("openstack", 2) is None


AVAIL = st.floats(0.5, 1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["aws", "gcp", "os"]), AVAIL), min_size=1, max_size=6), st.floats(0, 1)
)
def test_beta_zero_is_the_binomial_any_one_formula(rows: list[tuple[str, float]], beta: float) -> None:
    sites = [site(f"s{i}", v, a) for i, (v, a) in enumerate(rows)]
    independent = service_availability(sites, need=1, beta=0.0).availability
    assert independent == pytest.approx(1 - math.prod(1 - a for _, a in rows), abs=1e-9)
    # Correlation never helps "any one of n".
    assert service_availability(sites, need=1, beta=beta).availability <= independent + 1e-12


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["aws", "gcp", "os"]), AVAIL), min_size=1, max_size=6))
def test_needing_more_is_never_more_available(rows: list[tuple[str, float]]) -> None:
    sites = [site(f"s{i}", v, a) for i, (v, a) in enumerate(rows)]
    values = [service_availability(sites, need=k).availability for k in range(1, len(sites) + 1)]
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(values))
    # All n up: sites of one vendor fail together, so that is at least the independent product,
    # and exactly it when every site has its own vendor.
    product = math.prod(s.availability for s in sites)
    assert values[-1] >= product - 1e-12
    if len({v for v, _ in rows}) == len(rows):
        assert values[-1] == pytest.approx(product, abs=1e-12)


def test_doctests() -> None:
    assert doctest.testmod(availability).failed == 0


def _brute_force(sites: list[SiteAvailability], need: int, common: dict[str, float]) -> float:
    """Enumerate every vendor and every site state: the model written out longhand."""
    vendors = sorted(common)
    total = 0.0
    for vendor_up in itertools.product((True, False), repeat=len(vendors)):
        up_v = dict(zip(vendors, vendor_up, strict=True))
        p_v = math.prod((1 - common[v]) if up else common[v] for v, up in up_v.items())
        for site_up in itertools.product((True, False), repeat=len(sites)):
            p = p_v
            capacity = 0
            for s, up in zip(sites, site_up, strict=True):
                own = s.availability / (1 - common[s.vendor])
                p *= own if up else 1 - own
                if up and up_v[s.vendor]:
                    capacity += s.capacity
            if capacity >= need:
                total += p
    return total


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["aws", "gcp", "os"]), AVAIL, st.integers(1, 3)), min_size=1, max_size=5
    ),
    st.floats(0, 1),
    st.data(),
)
def test_exact_computation_matches_brute_force(
    rows: list[tuple[str, float, int]], beta: float, data: st.DataObject
) -> None:
    sites = [SiteAvailability(f"s{i}", v, a, c) for i, (v, a, c) in enumerate(rows)]
    need = data.draw(st.integers(1, sum(c for _, _, c in rows)))
    report = service_availability(sites, need, beta=beta)
    assert report.availability == pytest.approx(
        _brute_force(sites, need, dict(report.vendor_common_cause)), abs=1e-9
    )
