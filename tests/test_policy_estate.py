"""Address and redundancy rules over hand-built estates: passing and failing cases, properties."""

from __future__ import annotations

import ipaddress
import itertools
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import check_stack, res
from skyweave.policy import ALL_RULES, Kind, StackIndex, rule_by_name
from skyweave.policy.addresses import Interval, overlaps
from skyweave.policy.redundancy import articulation_points

OVERLAP = rule_by_name("skyweave-addresses-no-overlap")
INSIDE = rule_by_name("skyweave-addresses-tunnel-inside-cidrs")
VENDORS = rule_by_name("skyweave-redundancy-min-vendors")
SURVIVES = rule_by_name("skyweave-redundancy-survives-vendor-loss")
ZONES = rule_by_name("skyweave-redundancy-zone-spread")
TUNNELS = rule_by_name("skyweave-redundancy-vpn-tunnels")
HUB = rule_by_name("skyweave-redundancy-no-hub-site")
DNS = rule_by_name("skyweave-redundancy-dns-health-checks")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
GCP_SUBNET = "gcp:compute/subnetwork:Subnetwork"
OS_SUBNET = "openstack:networking/subnet:Subnet"
LINK = "skyweave:network:VpnLink"
APP = "skyweave:app:MultiCloudApp"

# -- overlap ------------------------------------------------------------------------------------


def test_disjoint_networks_across_vendors_pass() -> None:
    vpc = res(VPC, "use1", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1")
    estate = [
        vpc,
        res(SUBNET, "use1-a", {"cidrBlock": "10.1.0.0/20"}, site="aws-use1", prop_deps={"vpcId": [vpc.urn]}),
        res(GCP_SUBNET, "euw1", {"ipCidrRange": "10.3.0.0/20"}, site="gcp-euw1"),
        res(OS_SUBNET, "dc1", {"cidr": "10.4.0.0/20"}, site="os-dc1"),
    ]
    assert check_stack(OVERLAP, estate) == []


def test_overlap_between_an_aws_vpc_and_a_gcp_subnetwork_fails() -> None:
    estate = [
        res(VPC, "use1", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1"),
        res(GCP_SUBNET, "euw1", {"ipCidrRange": "10.1.128.0/20"}, site="gcp-euw1"),
    ]
    [finding] = check_stack(OVERLAP, estate)
    assert "10.1.128.0/20, which overlaps 10.1.0.0/16" in finding.message
    assert "site gcp-euw1" in finding.message and "site aws-use1" in finding.message


def test_subnets_of_an_outside_vpc_and_secondary_ranges_count() -> None:
    estate = [
        res(SUBNET, "imported", {"cidrBlock": "10.9.0.0/24", "vpcId": "vpc-0abc"}, site="aws-use1"),
        res(
            GCP_SUBNET,
            "pods",
            {"ipCidrRange": "10.3.0.0/20", "secondaryIpRanges": [{"ipCidrRange": "10.9.0.0/16"}]},
        ),
    ]
    assert len(check_stack(OVERLAP, estate)) == 1


def test_on_prem_ranges_of_a_hybrid_vpc_count_and_its_cloud_sites_are_not_doubled() -> None:
    networks = {
        "aws-use1": {"vendor": "aws", "cidrs": ["10.1.0.0/16"]},
        "onprem-fra": {"vendor": "onprem", "cidrs": ["10.200.0.0/16", "192.168.50.0/24"]},
    }
    hybrid = res("skyweave:network:HybridVpc", "core", {"networks": networks})
    vpc = res(VPC, "core-vpc", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1")
    assert check_stack(OVERLAP, [hybrid, vpc]) == []
    users_vpc = res(VPC, "lab", {"cidrBlock": "10.200.16.0/20"}, site="aws-use1")
    [finding] = check_stack(OVERLAP, [hybrid, vpc, users_vpc])
    assert "overlaps 10.200.0.0/16 of onprem site 'onprem-fra' of HybridVpc 'core'" in finding.message


def test_unknown_cidr_is_reported_as_unknown() -> None:
    [finding] = check_stack(OVERLAP, [res(OS_SUBNET, "s", {"cidr": UNKNOWN})])
    assert finding.unknown


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 255), st.integers(8, 30)), min_size=0, max_size=25))
def test_sweep_finds_an_overlap_exactly_when_some_pair_overlaps(specs: list[tuple[int, int]]) -> None:
    intervals = []
    for i, (octet, prefix) in enumerate(specs):
        net = ipaddress.ip_network(f"10.{octet}.0.0/{prefix}", strict=False)
        intervals.append(
            Interval(int(net.network_address), int(net.broadcast_address), str(net), f"u{i}", str(i))
        )
    brute = {
        (a.urn, b.urn)
        for a, b in itertools.combinations(intervals, 2)
        if a.start <= b.end and b.start <= a.end
    }
    found = overlaps(intervals)
    assert bool(found) == bool(brute)
    involved = {u for pair in brute for u in pair}
    reported = {i.urn for pair in found for i in pair}
    assert reported <= involved
    # every range that overlaps an earlier-starting one is reported
    for first, second in found:
        assert first.start <= second.end and second.start <= first.end


# -- tunnel inside CIDRs ------------------------------------------------------------------------

AWS_VPN = "aws:ec2/vpnConnection:VpnConnection"


def test_valid_unique_inside_cidrs_pass_even_when_both_ends_name_them() -> None:
    estate = [
        res(AWS_VPN, "a", {"tunnel1InsideCidr": "169.254.10.0/30", "tunnel2InsideCidr": "169.254.10.4/30"}),
        res("gcp:compute/routerInterface:RouterInterface", "if0", {"ipRange": "169.254.10.2/30"}),
        res(LINK, "aws-gcp", {"insideCidrs": ["169.254.10.0/30", "169.254.10.4/30"]}),
    ]
    assert check_stack(INSIDE, estate) == []


def test_reserved_and_reused_inside_cidrs_fail() -> None:
    estate = [
        res(AWS_VPN, "a", {"tunnel1InsideCidr": "169.254.1.0/30", "tunnel2InsideCidr": "169.254.10.4/30"}),
        res(AWS_VPN, "b", {"tunnel1InsideCidr": "169.254.10.4/30"}),
        res(LINK, "l", {"insideCidrs": ["169.254.20.0/29"]}),
    ]
    messages = [f.message for f in check_stack(INSIDE, estate)]
    assert any("169.254.1.0/30 is reserved by AWS" in m for m in messages)
    assert any("169.254.10.4/30 is used twice" in m for m in messages)
    assert any("is a /29" in m for m in messages)


# -- vendors ------------------------------------------------------------------------------------


def test_min_vendors_counts_clouds_and_placements_but_not_the_engine() -> None:
    only_aws = [
        res(VPC, "v", {"cidrBlock": "10.0.0.0/16"}, site="aws-use1"),
        res("pulumi:providers:gcp", "gcp-euw1"),
        res("random:index/randomPassword:RandomPassword", "pw"),
    ]
    [finding] = check_stack(VENDORS, only_aws)
    assert "spans 1 vendor(s) (aws)" in finding.message
    onprem = res(APP, "app", {"placements": [{"site": "fra", "vendor": "onprem", "zone": "a", "count": 1}]})
    assert check_stack(VENDORS, [*only_aws, onprem]) == []
    assert check_stack(VENDORS, [*only_aws, onprem], minVendors=3.0)


# -- survives vendor loss -----------------------------------------------------------------------


def _app(placements: list[dict[str, Any]], min_healthy: float, survive: str = "vendor") -> Any:
    return res(APP, "web", {"placements": placements, "minHealthy": min_healthy, "survive": survive})


def _place(site: str, vendor: str, zone: str, count: float) -> dict[str, Any]:
    return {"site": site, "vendor": vendor, "region": f"{site}-r", "zone": zone, "count": count}


def test_app_that_survives_a_vendor_loss_passes() -> None:
    app = _app([_place("aws-use1", "aws", "a", 2.0), _place("gcp-euw1", "gcp", "b", 2.0)], 2.0)
    assert check_stack(SURVIVES, [app]) == []


def test_app_on_one_vendor_fails_with_the_numbers() -> None:
    app = _app([_place("aws-use1", "aws", "a", 2), _place("aws-usw2", "aws", "b", 2)], 2)
    [finding] = check_stack(SURVIVES, [app])
    assert "losing vendor 'aws' leaves 0 of 4 healthy, below minHealthy 2" in finding.message


def test_declared_survive_kind_is_checked_too() -> None:
    placements = [_place("aws-use1", "aws", "a", 3), _place("gcp-euw1", "gcp", "b", 3)]
    assert check_stack(SURVIVES, [_app(placements, 3, survive="zone")]) == []
    many = [*placements, _place("aws-use1", "aws", "c", 1)]
    assert check_stack(SURVIVES, [_app(many, 4, survive="zone")])
    pool = res("skyweave:compute:BareMetalPool", "metal", {"placements": [], "minHealthy": 1})
    assert "no placements" in check_stack(SURVIVES, [pool])[0].message


# -- zones --------------------------------------------------------------------------------------


def _subnet(name: str, zone: str) -> Any:
    return res(SUBNET, name, {"availabilityZone": zone}, site="aws-use1")


def test_asg_over_two_zones_passes_and_one_zone_fails() -> None:
    a, b = _subnet("a", "us-east-1a"), _subnet("b", "us-east-1b")
    asg = "aws:autoscaling/group:Group"
    spread = res(
        asg,
        "web",
        {"vpcZoneIdentifiers": ["s-a", "s-b"]},
        site="aws-use1",
        prop_deps={"vpcZoneIdentifiers": [a.urn, b.urn]},
    )
    assert check_stack(ZONES, [a, b, spread]) == []
    narrow = res(
        asg,
        "web",
        {"vpcZoneIdentifiers": ["s-a"]},
        site="aws-use1",
        prop_deps={"vpcZoneIdentifiers": [a.urn]},
    )
    [finding] = check_stack(ZONES, [a, b, narrow])
    assert "site 'aws-use1' runs compute in 1 zone(s) (us-east-1a)" in finding.message


def test_zones_are_counted_per_site_over_instances_and_migs() -> None:
    vm = "openstack:compute/instance:Instance"
    two = [
        res(vm, "a", {"availabilityZone": "az1"}, site="os-dc1"),
        res(vm, "b", {"availabilityZone": "az2"}, site="os-dc1"),
    ]
    assert check_stack(ZONES, two) == []
    mig = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
    assert check_stack(ZONES, [res(mig, "m", {}, site="gcp-euw1")]) == []
    assert check_stack(
        ZONES, [res(mig, "m", {"distributionPolicyZones": ["europe-west1-b"]}, site="gcp-euw1")]
    )
    same = [
        res("aws:ec2/instance:Instance", n, {"availabilityZone": "us-east-1a"}, site="aws-use1") for n in "xy"
    ]
    assert check_stack(ZONES, same)
    assert check_stack(ZONES, same, minZones=1) == []


# -- VPN tunnels --------------------------------------------------------------------------------


def _link(name: str, a: str, b: str, vendors: tuple[str, str], tunnels: float, kind: str = "vpn") -> Any:
    props = {
        "siteA": a,
        "siteB": b,
        "vendorA": vendors[0],
        "vendorB": vendors[1],
        "tunnels": tunnels,
        "kind": kind,
    }
    return res(LINK, name, props)


def test_tunnel_counts() -> None:
    assert check_stack(TUNNELS, [_link("ag", "aws", "gcp", ("aws", "gcp"), 4.0)]) == []
    assert "needs 4" in check_stack(TUNNELS, [_link("ag", "aws", "gcp", ("gcp", "aws"), 2)])[0].message
    assert check_stack(TUNNELS, [_link("ao", "aws", "os", ("aws", "openstack"), 2)]) == []
    assert check_stack(TUNNELS, [_link("ao", "aws", "os", ("aws", "openstack"), 1)])
    assert check_stack(TUNNELS, [_link("p", "a1", "a2", ("aws", "aws"), 0, kind="peering")]) == []


def test_plain_gcp_ha_vpn_gateways_need_a_tunnel_per_peer_interface() -> None:
    gateway = res("gcp:compute/haVpnGateway:HaVpnGateway", "ha", {"region": "europe-west1"})
    aws_peer = res(
        "gcp:compute/externalVpnGateway:ExternalVpnGateway", "aws", {"redundancyType": "FOUR_IPS_REDUNDANCY"}
    )

    def tunnel(n: int) -> Any:
        return res(
            "gcp:compute/vPNTunnel:VPNTunnel",
            f"t{n}",
            {"vpnGatewayInterface": n % 2, "peerExternalGatewayInterface": n},
            deps=[gateway.urn, aws_peer.urn],
            prop_deps={"vpnGateway": [gateway.urn], "peerExternalGateway": [aws_peer.urn]},
        )

    two = [gateway, aws_peer, tunnel(0), tunnel(1)]
    [finding] = check_stack(TUNNELS, two)
    assert "has 2 tunnel(s); its peers need 4" in finding.message
    assert check_stack(TUNNELS, [*two, tunnel(2), tunnel(3)]) == []
    alone = [
        gateway,
        res("gcp:compute/vPNTunnel:VPNTunnel", "t", {}, prop_deps={"vpnGateway": [gateway.urn]}),
    ]
    assert "has 1 tunnel(s); its peers need 2" in check_stack(TUNNELS, alone)[0].message


# -- hub sites ----------------------------------------------------------------------------------


def test_a_hub_site_fails_unless_allowed_and_a_ring_passes() -> None:
    star = [_link("ab", "a", "hub", ("aws", "aws"), 2), _link("bc", "hub", "c", ("aws", "aws"), 2)]
    [finding] = check_stack(HUB, star)
    assert "site 'hub' is a hub" in finding.message
    assert check_stack(HUB, star, allowedHubs=["hub"]) == []
    ring = [*star, _link("ca", "c", "a", ("aws", "aws"), 2)]
    assert check_stack(HUB, ring) == []


def _brute_cut_vertices(adjacency: dict[str, set[str]]) -> set[str]:
    def parts(nodes: set[str]) -> int:
        seen: set[str] = set()
        count = 0
        for start in nodes:
            if start in seen:
                continue
            count += 1
            todo = [start]
            while todo:
                node = todo.pop()
                if node in seen:
                    continue
                seen.add(node)
                todo.extend(n for n in adjacency[node] if n in nodes)
        return count

    everything = set(adjacency)
    base = parts(everything)
    return {v for v in everything if parts(everything - {v}) > base}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=20))
def test_articulation_points_match_brute_force(edges: list[tuple[int, int]]) -> None:
    adjacency: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        if a != b:
            adjacency[str(a)].add(str(b))
            adjacency[str(b)].add(str(a))
    assert articulation_points(adjacency) == _brute_cut_vertices(dict(adjacency))


# -- DNS ----------------------------------------------------------------------------------------


def test_route53_failover_needs_a_health_check() -> None:
    record = "aws:route53/record:Record"
    failover = {"name": "app", "type": "A", "failoverRoutingPolicies": [{"type": "PRIMARY"}]}
    assert check_stack(DNS, [res(record, "primary", failover)])
    assert check_stack(DNS, [res(record, "primary", {**failover, "healthCheckId": "hc-1"})]) == []
    assert check_stack(DNS, [res(record, "plain", {"name": "app", "type": "A"})]) == []
    secondary = {**failover, "failoverRoutingPolicies": [{"type": "SECONDARY"}]}
    assert check_stack(DNS, [res(record, "secondary", secondary)]) == []
    weighted = {"name": "app", "type": "A", "weightedRoutingPolicies": [{"weight": 10}]}
    assert check_stack(DNS, [res(record, "w", weighted)])


def test_cloud_dns_routing_policy_needs_health_checked_targets() -> None:
    rs = "gcp:dns/recordSet:RecordSet"
    wrr = {"routingPolicy": {"wrrs": [{"weight": 1, "rrdatas": ["192.0.2.1"]}]}}
    assert check_stack(DNS, [res(rs, "w", wrr)])
    checked = {
        "routingPolicy": {"wrrs": [{"weight": 1, "healthCheckedTargets": {"internalLoadBalancers": [{}]}}]}
    }
    assert check_stack(DNS, [res(rs, "w", checked)]) == []
    assert check_stack(DNS, [res(rs, "w", {"routingPolicy": {"healthCheck": "hc", "wrrs": [{}]}})]) == []


# -- any estate ---------------------------------------------------------------------------------

_TYPES = [
    VPC, SUBNET, GCP_SUBNET, OS_SUBNET, LINK, APP, AWS_VPN, "aws:autoscaling/group:Group",
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "aws:route53/record:Record",
    "gcp:dns/recordSet:RecordSet", "aws:s3/bucket:Bucket", "aws:s3/bucketVersioning:BucketVersioning",
    "gcp:compute/routerInterface:RouterInterface", "openstack:compute/instance:Instance",
]  # fmt: skip
_value = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=20) | st.just(UNKNOWN),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
_KEYS = st.sampled_from(
    ["cidrBlock", "ipCidrRange", "cidr", "placements", "minHealthy", "survive", "siteA", "siteB", "tunnels",
     "vendorA", "kind", "insideCidrs", "tunnel1InsideCidr", "ipRange", "availabilityZones", "routingPolicy",
     "failoverRoutingPolicies", "versioning", "secondaryIpRanges", "distributionPolicyZones"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TYPES), st.dictionaries(_KEYS, _value, max_size=5)), max_size=6))
def test_no_stack_rule_crashes_on_odd_or_missing_properties(rows: list[tuple[str, dict[str, Any]]]) -> None:
    estate = [res(t, f"r{i}", props, site="s1") for i, (t, props) in enumerate(rows)]
    index = StackIndex.build(estate)
    for rule in ALL_RULES:
        if rule.kind is Kind.STACK:
            try:
                rule.run_stack(index)
            except (ValueError, TypeError, AttributeError) as exc:  # pragma: no cover
                pytest.fail(f"{rule.name} crashed on {rows!r}: {exc!r}")
