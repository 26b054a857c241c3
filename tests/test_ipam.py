"""IPAM properties: disjoint, clear of reserved ranges, stable under edits, clear when full."""

from __future__ import annotations

import doctest
import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.core.errors import AddressSpaceExhaustedError, OverlappingCidrError, PlanningError
from skyweave.planning import ipam
from skyweave.planning.ipam import (
    BlockRequest,
    Reservation,
    SiteSpec,
    SubnetSlot,
    allocate_blocks,
    carve,
    plan_addresses,
)

SUPERNET = ipaddress.ip_network("10.0.0.0/8")


def test_doctests() -> None:
    assert doctest.testmod(ipam).failed == 0


@st.composite
def estates(
    draw: st.DrawFn, min_sites: int = 1, max_sites: int = 12
) -> tuple[list[SiteSpec], list[Reservation]]:
    """Cloud sites of assorted sizes with a few zonal subnets, plus on-prem sites and reservations."""
    count = draw(st.integers(min_sites, max_sites))
    names = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), min_size=count, max_size=count, unique=True
        )
    )
    sites = []
    onprem_index = 0
    for name in names:
        if draw(st.integers(0, 5)) == 0:
            # an on-prem site with an existing /16 or /20 somewhere in 10.200-10.255 or 192.168
            onprem_index += 1
            net = ipaddress.ip_network(f"10.{200 + onprem_index}.0.0/{draw(st.sampled_from([16, 20]))}")
            sites.append(SiteSpec(name=name, path=f"sites[{len(sites)}]", prefixlen=None, existing=(net,)))
            continue
        prefixlen = draw(st.sampled_from([14, 16, 18, 20]))
        zones = draw(st.lists(st.integers(0, 7), min_size=0, max_size=3, unique=True))
        slots = tuple(
            SubnetSlot(key=f"{tier}-{z}", slot=row * 8 + z, prefixlen=prefixlen + 5, zone=f"z{z}", tier=tier)
            for row, tier in enumerate(("public", "private"))
            for z in zones
        )
        sites.append(SiteSpec(name=name, path=f"sites[{len(sites)}]", prefixlen=prefixlen, subnets=slots))
    reserved = [
        Reservation(ipaddress.ip_network(n), "ipam.reserved")
        for n in draw(
            st.lists(
                st.sampled_from(["10.0.0.0/16", "10.9.0.0/16", "10.64.0.0/12", "172.16.0.0/12"]),
                unique=True,
                max_size=3,
            )
        )
    ]
    return sites, reserved


def _overlap(a: ipam.Network, b: ipam.Network) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(estates())
def test_blocks_are_disjoint_inside_the_supernet_and_clear_of_reserved(
    estate: tuple[list[SiteSpec], list[Reservation]],
) -> None:
    sites, reserved = estate
    plan = plan_addresses(SUPERNET, sites, reserved=reserved)
    blocks = [s.cidr for s in plan.sites.values() if s.cidr is not None]
    for i, a in enumerate(blocks):
        assert a.subnet_of(SUPERNET)  # type: ignore[arg-type]
        for b in blocks[i + 1 :]:
            assert not _overlap(a, b), (a, b)
        for res in reserved:
            assert not _overlap(a, res.network)
        for site in sites:
            for existing in site.existing:
                assert not _overlap(a, existing)
    for site in plan.sites.values():
        nets = list(site.subnets.values())
        for i, net in enumerate(nets):
            assert site.cidr is not None and net.subnet_of(site.cidr)  # type: ignore[arg-type]
            for other in nets[i + 1 :]:
                assert not _overlap(net, other)


@settings(max_examples=100, deadline=None)
@given(estates())
def test_plan_is_deterministic(estate: tuple[list[SiteSpec], list[Reservation]]) -> None:
    sites, reserved = estate
    assert plan_addresses(SUPERNET, sites, reserved=reserved) == plan_addresses(
        SUPERNET, sites, reserved=reserved
    )


def _pinned(sites: list[SiteSpec], plan: ipam.AddressPlan) -> list[SiteSpec]:
    """The sites as `skyweave ipam lock` leaves them: every block recorded."""
    out = []
    for s in sites:
        site_plan = plan.sites[s.name]
        out.append(
            SiteSpec(
                s.name, s.path, s.prefixlen, site_plan.cidr if s.prefixlen else None, s.existing, s.subnets
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(estates(), estates(min_sites=1, max_sites=3), st.data())
def test_adding_a_site_anywhere_never_moves_another(
    estate: tuple[list[SiteSpec], list[Reservation]],
    extra: tuple[list[SiteSpec], list[Reservation]],
    data: st.DataObject,
) -> None:
    sites, reserved = estate
    pinned = _pinned(sites, plan_addresses(SUPERNET, sites, reserved=reserved))
    before = plan_addresses(SUPERNET, pinned, reserved=reserved)
    taken = {s.name for s in sites}
    grown = list(pinned)
    for new in extra[0]:
        if new.name in taken or new.existing:
            continue  # names are unique; a new on-prem range could collide with an old one by design
        grown.insert(data.draw(st.integers(0, len(grown))), new)
    after = plan_addresses(SUPERNET, grown, reserved=reserved)
    for site in sites:
        assert after.sites[site.name] == before.sites[site.name]


@settings(max_examples=150, deadline=None)
@given(estates(min_sites=2), st.data())
def test_removing_a_site_never_moves_another(
    estate: tuple[list[SiteSpec], list[Reservation]], data: st.DataObject
) -> None:
    sites, reserved = estate
    pinned = _pinned(sites, plan_addresses(SUPERNET, sites, reserved=reserved))
    before = plan_addresses(SUPERNET, pinned, reserved=reserved)
    gone = data.draw(st.integers(0, len(pinned) - 1))
    after = plan_addresses(SUPERNET, pinned[:gone] + pinned[gone + 1 :], reserved=reserved)
    for name, site in after.sites.items():
        assert site == before.sites[name]


@settings(max_examples=100, deadline=None)
@given(estates())
def test_appending_unpinned_sites_keeps_earlier_unpinned_blocks(
    estate: tuple[list[SiteSpec], list[Reservation]],
) -> None:
    """Even before `lock`, first-fit in order means appending at the end moves nothing."""
    sites, reserved = estate
    before = plan_addresses(SUPERNET, sites[:-1], reserved=reserved)
    after = plan_addresses(SUPERNET, sites, reserved=reserved)
    for name, site in before.sites.items():
        assert after.sites[name] == site


@given(st.integers(1, 40), st.sampled_from([12, 14, 16]))
def test_full_supernet_says_how_much_is_needed_and_left(count: int, supernet_len: int) -> None:
    supernet = ipaddress.ip_network(f"10.0.0.0/{supernet_len}")
    capacity = 1 << (18 - supernet_len)  # /18 blocks that fit
    requests = [BlockRequest(f"s{i}", 18) for i in range(count)]
    if count <= capacity:
        allocs = allocate_blocks(supernet, requests)
        assert len({a.network for a in allocs.values()}) == count
        return
    with pytest.raises(AddressSpaceExhaustedError) as info:
        allocate_blocks(supernet, requests)
    err = info.value
    assert err.needed == (count - capacity) * (1 << 14)
    assert err.available == 0
    assert str(supernet) in err.message and f"{err.needed} addresses" in err.message
    assert err.path == "supernet"


def test_exhaustion_counts_free_space_left_in_fragments() -> None:
    supernet = ipaddress.ip_network("10.0.0.0/15")
    reserved = [Reservation(ipaddress.ip_network("10.0.128.0/17"), "r")]
    with pytest.raises(AddressSpaceExhaustedError) as info:
        allocate_blocks(supernet, [BlockRequest("a", 16), BlockRequest("b", 16)], reserved)
    assert info.value.available == 32768 and info.value.needed == 65536
    assert "first unplaced: 'b'" in info.value.message


def test_pin_overlapping_a_reservation_names_both() -> None:
    with pytest.raises(OverlappingCidrError, match=r"10\.200\.0\.0/16.*overlaps.*on-prem"):
        allocate_blocks(
            SUPERNET,
            [BlockRequest("a", 16, ipaddress.ip_network("10.200.0.0/16"), "sites[0].cidr")],
            [Reservation(ipaddress.ip_network("10.200.0.0/16"), "on-prem")],
        )


def test_pin_outside_supernet_is_refused() -> None:
    with pytest.raises(OverlappingCidrError, match="outside the supernet") as info:
        allocate_blocks(
            SUPERNET, [BlockRequest("a", 16, ipaddress.ip_network("172.16.0.0/16"), "sites[0].cidr")]
        )
    assert info.value.path == "sites[0].cidr"


def test_two_pins_overlapping() -> None:
    with pytest.raises(OverlappingCidrError, match="overlaps"):
        allocate_blocks(
            SUPERNET,
            [
                BlockRequest("a", 16, ipaddress.ip_network("10.1.0.0/16")),
                BlockRequest("b", 17, ipaddress.ip_network("10.1.128.0/17"), "sites[1].cidr"),
            ],
        )


def test_reservations_may_overlap_each_other() -> None:
    reserved = [
        Reservation(ipaddress.ip_network("10.0.0.0/14"), "wide"),
        Reservation(ipaddress.ip_network("10.1.0.0/16"), "inside"),
    ]
    allocs = allocate_blocks(SUPERNET, [BlockRequest("a", 16)], reserved)
    assert allocs["a"].network == ipaddress.ip_network("10.4.0.0/16")


def test_existing_ranges_of_two_sites_must_not_overlap() -> None:
    sites = [
        SiteSpec("a", "sites[0]", None, existing=(ipaddress.ip_network("10.200.0.0/16"),)),
        SiteSpec("b", "sites[1]", None, existing=(ipaddress.ip_network("10.200.4.0/24"),)),
    ]
    with pytest.raises(OverlappingCidrError) as info:
        plan_addresses(SUPERNET, sites)
    assert info.value.path == "sites[1].cidrs[0]"


def test_ipv6_blocks_and_subnets_follow_the_ipv4_slots() -> None:
    v6 = ipaddress.ip_network("fd00:1::/48")
    sites = [
        SiteSpec("os", "sites[0]", 16, subnets=(SubnetSlot("main", 0, 20),), ipv6_prefixlen=56),
        SiteSpec(
            "os2",
            "sites[1]",
            16,
            subnets=(SubnetSlot("main", 0, 20), SubnetSlot("x", 3, 20)),
            ipv6_prefixlen=56,
        ),
    ]
    plan = plan_addresses(SUPERNET, sites, ipv6_supernet=v6)
    assert plan.sites["os"].ipv6_cidr == ipaddress.ip_network("fd00:1::/56")
    assert plan.sites["os2"].ipv6_subnets["x"] == ipaddress.ip_network("fd00:1:0:103::/64")
    assert plan.unpinned == ("os", "os2")
    assert plan.pins()["os2"] == {"cidr": "10.1.0.0/16", "ipv6_cidr": "fd00:1:0:100::/56"}


def test_ipv6_without_supernet_is_a_clear_error() -> None:
    with pytest.raises(PlanningError, match="ipv6_supernet") as info:
        plan_addresses(SUPERNET, [SiteSpec("os", "sites[0]", 16, ipv6_prefixlen=56)])
    assert info.value.path == "ipam.ipv6_supernet"


def test_carve_refuses_a_slot_outside_the_block() -> None:
    with pytest.raises(PlanningError, match="holds 16 /20 subnets"):
        carve(ipaddress.ip_network("10.0.0.0/16"), 20, 16)


def test_a_zone_slot_that_does_not_fit_names_the_zone() -> None:
    site = SiteSpec("a", "sites[0]", 24, subnets=(SubnetSlot("public-h", 7, 26, zone="us-east-1h"),))
    with pytest.raises(PlanningError, match="zone 'us-east-1h' of site 'a'") as info:
        plan_addresses(SUPERNET, [site])
    assert info.value.path == "sites[0].zones"


def test_many_sites_plan_in_linear_time_shape() -> None:
    """10,000 sites plan without pairwise comparisons (timing lives in bench/, this checks shape)."""
    sites = [SiteSpec(f"s{i}", f"sites[{i}]", 24) for i in range(10_000)]
    plan = plan_addresses(SUPERNET, sites)
    assert plan.sites["s9999"].cidr == ipaddress.ip_network("10.39.15.0/24")
