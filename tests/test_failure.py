"""The shared failure-domain model: hand-computed cases and properties."""

from hypothesis import given
from hypothesis import strategies as st
from skyweave.planning.failure import FailureKind, Placement, domain_key, losses, worst_loss


def _p(site: str, vendor: str, region: str, zone: str, count: int) -> Placement:
    return Placement(site=site, vendor=vendor, region=region, zone=zone, count=count)


ESTATE = [
    _p("aws-use1", "aws", "us-east-1", "a", 2),
    _p("aws-use1", "aws", "us-east-1", "b", 2),
    _p("aws-usw2", "aws", "us-west-2", "a", 1),
    _p("gcp-euw1", "gcp", "europe-west1", "b", 3),
]


def test_vendor_loss_takes_every_site_of_that_vendor() -> None:
    by_domain = {loss.domain: loss.remaining for loss in losses(ESTATE, FailureKind.VENDOR)}
    assert by_domain == {"aws": 3, "gcp": 5}
    assert worst_loss(ESTATE, FailureKind.VENDOR) is not None
    assert worst_loss(ESTATE, FailureKind.VENDOR).domain == "aws"  # type: ignore[union-attr]


def test_zones_with_the_same_letter_in_different_regions_are_different_domains() -> None:
    keys = {domain_key(p, FailureKind.ZONE) for p in ESTATE}
    assert keys == {"aws/us-east-1/a", "aws/us-east-1/b", "aws/us-west-2/a", "gcp/europe-west1/b"}
    worst = worst_loss(ESTATE, FailureKind.ZONE)
    assert worst is not None and (worst.domain, worst.remaining) == ("gcp/europe-west1/b", 5)


def test_no_placements_no_loss() -> None:
    assert worst_loss([], FailureKind.REGION) is None


def test_from_mapping_reads_protobuf_floats() -> None:
    raw = {"site": "s", "vendor": "aws", "region": "r", "zone": "a", "count": 3.0}
    assert Placement.from_mapping(raw) == _p("s", "aws", "r", "a", 3)
    assert Placement.from_mapping(_p("s", "aws", "r", "a", 3).as_dict()) == _p("s", "aws", "r", "a", 3)


placements = st.lists(
    st.builds(
        _p,
        st.sampled_from(["s1", "s2", "s3"]),
        st.sampled_from(["aws", "gcp"]),
        st.sampled_from(["r1", "r2"]),
        st.sampled_from(["a", "b", "c"]),
        st.integers(0, 20),
    ),
    max_size=30,
)


@given(placements, st.sampled_from(list(FailureKind)))
def test_lost_plus_remaining_is_total_and_worst_is_first(rows: list[Placement], kind: FailureKind) -> None:
    total = sum(p.count for p in rows)
    result = losses(rows, kind)
    assert all(loss.lost + loss.remaining == total for loss in result)
    assert sum(loss.lost for loss in result) == total
    if result:
        assert result[0].remaining == min(loss.remaining for loss in result)
