"""Address and redundancy rules over hand-built estates: passing and failing cases, properties."""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import check_stack, res
from skyweave.policy import ALL_RULES, Kind, Level, StackIndex, rule_by_name
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
CLAIMS = rule_by_name("skyweave-redundancy-claims-backed")
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
        res(
            AWS_VPN,
            "a",
            {
                "tunnel1InsideCidr": "169.254.1.0/30",
                "tunnel2InsideCidr": "169.254.10.4/30",
                "vpnGatewayId": "vgw-1",
            },
        ),
        res(AWS_VPN, "b", {"tunnel1InsideCidr": "169.254.10.4/30", "vpnGatewayId": "vgw-1"}),
        res(LINK, "l", {"insideCidrs": ["169.254.20.0/29"]}),
    ]
    messages = [f.message for f in check_stack(INSIDE, estate)]
    assert any("169.254.1.0/30 is reserved by AWS" in m for m in messages)
    assert any("169.254.10.4/30 is used twice" in m for m in messages)
    assert any("is a /29" in m for m in messages)


# Where a /30 must be unique is where the vendors refuse it twice, not the whole estate: AWS "must
# be unique across all Site-to-Site VPN connections that use the same virtual private gateway"
# and need not be on a transit gateway ("Tunnel options for your Site-to-Site VPN connection");
# a Cloud Router's interfaces are its own BGP sessions; a device (a customer gateway, a site)
# ends all its tunnels. The gateways are referred to as a preview sees them: unknown ids that
# came from a resource of the plan (property dependencies).
VGW = "aws:ec2/vpnGateway:VpnGateway"
TGW = "aws:ec2transitgateway/transitGateway:TransitGateway"
CGW = "aws:ec2/customerGateway:CustomerGateway"
ROUTER = "gcp:compute/router:Router"
ROUTER_IF = "gcp:compute/routerInterface:RouterInterface"


def _aws_vpn(name: str, cidr: str, **refs: Any) -> Any:
    """A VPN connection whose gateways (``vpnGatewayId=urn`` …) are unknown ids from resources."""
    props = {"tunnel1InsideCidr": cidr, "tunnel2InsideCidr": "169.254.99.0/30" if name == "a" else None}
    props.update(dict.fromkeys(refs, UNKNOWN))
    return res(AWS_VPN, name, props, prop_deps={prop: [urn] for prop, urn in refs.items()})


def _used_twice(findings: list[Any]) -> list[str]:
    return [f.message for f in findings if "used twice" in f.message]


def test_one_aws_inside_cidr_on_two_virtual_private_gateways_passes_and_on_one_fails() -> None:
    vgw1, vgw2 = res(VGW, "vgw1"), res(VGW, "vgw2")
    cgw1, cgw2 = res(CGW, "cgw1"), res(CGW, "cgw2")
    cidr = "169.254.10.0/30"
    apart = [
        vgw1,
        vgw2,
        cgw1,
        cgw2,
        _aws_vpn("a", cidr, vpnGatewayId=vgw1.urn, customerGatewayId=cgw1.urn),
        _aws_vpn("b", cidr, vpnGatewayId=vgw2.urn, customerGatewayId=cgw2.urn),
    ]
    assert check_stack(INSIDE, apart) == []
    same = [*apart[:4], apart[4], _aws_vpn("b", cidr, vpnGatewayId=vgw1.urn, customerGatewayId=cgw2.urn)]
    [finding] = check_stack(INSIDE, same)
    assert INSIDE.level is Level.MANDATORY and not finding.unknown
    assert finding.message == (
        f"tunnel inside CIDR {cidr} is used twice on AWS virtual private gateway {vgw1.urn}: "
        "a tunnel1InsideCidr and b tunnel1InsideCidr"
    )
    # Known ids (a gateway outside the stack) are compared by value.
    known = [
        res(AWS_VPN, "a", {"tunnel1InsideCidr": cidr, "vpnGatewayId": "vgw-1"}),
        res(AWS_VPN, "b", {"tunnel1InsideCidr": cidr, "vpnGatewayId": "vgw-2"}),
    ]
    assert check_stack(INSIDE, known) == []
    known[1] = res(AWS_VPN, "b", {"tunnel1InsideCidr": cidr, "vpnGatewayId": "vgw-1"})
    assert len(_used_twice(check_stack(INSIDE, known))) == 1


def test_a_transit_gateway_takes_a_cidr_twice_but_one_customer_gateway_does_not() -> None:
    tgw, cgw1, cgw2 = res(TGW, "tgw"), res(CGW, "cgw1"), res(CGW, "cgw2")
    cidr = "169.254.10.0/30"
    on_tgw = [
        tgw,
        cgw1,
        cgw2,
        _aws_vpn("a", cidr, transitGatewayId=tgw.urn, customerGatewayId=cgw1.urn),
        _aws_vpn("b", cidr, transitGatewayId=tgw.urn, customerGatewayId=cgw2.urn),
    ]
    assert check_stack(INSIDE, on_tgw) == []
    one_device = [*on_tgw[:4], _aws_vpn("b", cidr, transitGatewayId=tgw.urn, customerGatewayId=cgw1.urn)]
    [message] = _used_twice(check_stack(INSIDE, one_device))
    assert f"on customer gateway {cgw1.urn}" in message


def test_one_connections_two_tunnels_on_one_cidr_fail() -> None:
    estate = [
        res(AWS_VPN, "a", {"tunnel1InsideCidr": "169.254.10.0/30", "tunnel2InsideCidr": "169.254.10.0/30"})
    ]
    [message] = _used_twice(check_stack(INSIDE, estate))
    assert "on AWS VPN connection a" in message


def test_one_gcp_inside_range_on_two_cloud_routers_passes_and_on_one_fails() -> None:
    r1, r2 = res(ROUTER, "r1"), res(ROUTER, "r2")

    def interface(name: str, router: Any, ip: str = "169.254.10.1/30") -> Any:
        props = {"ipRange": ip, "router": UNKNOWN, "project": "proj-1", "region": "europe-west1"}
        return res(ROUTER_IF, name, props, prop_deps={"router": [router.urn]})

    assert check_stack(INSIDE, [r1, r2, interface("if0", r1), interface("if1", r2)]) == []
    [finding] = check_stack(INSIDE, [r1, r2, interface("if0", r1), interface("if1", r1, "169.254.10.2/30")])
    assert finding.message == (
        f"tunnel inside CIDR 169.254.10.0/30 is used twice on Cloud Router {r1.urn} (proj-1, europe-west1): "
        "if0 ipRange and if1 ipRange"
    )
    # By name: one name in two projects (or regions) is two routers.
    named = [
        res(ROUTER_IF, "if0", {"ipRange": "169.254.10.1/30", "router": "r", "project": "p1", "region": "x"}),
        res(ROUTER_IF, "if1", {"ipRange": "169.254.10.1/30", "router": "r", "project": "p2", "region": "x"}),
    ]
    assert check_stack(INSIDE, named) == []
    named[1] = res(
        ROUTER_IF, "if1", {"ipRange": "169.254.10.1/30", "router": "r", "project": "p1", "region": "x"}
    )
    assert len(_used_twice(check_stack(INSIDE, named))) == 1


def test_skyweave_links_sharing_no_site_may_share_a_cidr() -> None:
    def link(name: str, a: str, b: str) -> Any:
        return res(
            LINK, name, {"siteA": a, "siteB": b, "insideCidrs": ["169.254.10.0/30", "169.254.10.4/30"]}
        )

    assert check_stack(INSIDE, [link("l1", "a", "b"), link("l2", "c", "d")]) == []
    messages = _used_twice(check_stack(INSIDE, [link("l1", "a", "b"), link("l2", "b", "c")]))
    assert len(messages) == 2 and all("on site b: l1 insideCidrs[" in m for m in messages)


def test_unknown_gateways_and_ranges_cannot_be_checked() -> None:
    estate = [
        res(AWS_VPN, "a", {"tunnel1InsideCidr": "169.254.10.0/30", "vpnGatewayId": UNKNOWN}),
        res(ROUTER_IF, "if0", {"ipRange": UNKNOWN, "router": "r"}),
        res(ROUTER_IF, "if1", {"ipRange": "169.254.10.1/30", "router": UNKNOWN}),
        res(LINK, "l", {"siteA": UNKNOWN, "siteB": "b", "insideCidrs": ["169.254.10.0/30"]}),
    ]
    findings = check_stack(INSIDE, estate)
    assert [f.urn for f in findings if f.unknown] == [r.urn for r in estate]
    assert all("can't check" in f.message for f in findings)


# -- vendors ------------------------------------------------------------------------------------

COMMAND = "command:remote:Command"
ASG = "aws:autoscaling/group:Group"
MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
OS_VM = "openstack:compute/instance:Instance"


def test_min_vendors_counts_cloud_resources_and_on_prem_nodes_not_claims() -> None:
    only_aws = [
        res(VPC, "v", {"cidrBlock": "10.0.0.0/16"}, site="aws-use1"),
        res("pulumi:providers:gcp", "gcp-euw1"),
        res("random:index/randomPassword:RandomPassword", "pw"),
    ]
    [finding] = check_stack(VENDORS, only_aws)
    assert "spans 1 vendor(s) (aws)" in finding.message
    # A component's placements are a claim: they add no vendor.
    claim = res(APP, "app", {"placements": [{"site": "fra", "vendor": "onprem", "zone": "a", "count": 1}]})
    assert check_stack(VENDORS, [*only_aws, claim])
    # A remote command to a host outside the clouds is a server someone brought: on-prem.
    node = res(COMMAND, "bootstrap-fra-1", {"connection": {"host": "10.200.0.11"}, "create": "true"})
    assert check_stack(VENDORS, [*only_aws, node]) == []
    assert check_stack(VENDORS, [*only_aws, node], minVendors=3.0)
    # ... but one that configures a cloud instance is not.
    vm = res("aws:ec2/instance:Instance", "vm", {}, site="aws-use1")
    configure = res(
        COMMAND, "configure-vm", {"create": "true"}, prop_deps={"connection": [vm.urn]}, deps=[vm.urn]
    )
    assert check_stack(VENDORS, [*only_aws, vm, configure])


# -- survives vendor loss (counted from the resources) ------------------------------------------


def _app(min_healthy: float, survive: str = "vendor", placements: list[dict[str, Any]] | None = None) -> Any:
    props = {"placements": placements or [], "minHealthy": min_healthy, "survive": survive}
    return res(APP, "web", props)


def _asg(app: Any, site: str, zones: list[str], size: float) -> list[Any]:
    subnets = [res(SUBNET, f"{site}-{z}", {"availabilityZone": z}, site=site) for z in zones]
    group = res(
        ASG,
        f"web-asg-{site}",
        {"minSize": size, "desiredCapacity": size, "vpcZoneIdentifiers": [f"s-{z}" for z in zones]},
        site=site,
        parent=app.urn,
        prop_deps={"vpcZoneIdentifiers": [s.urn for s in subnets]},
    )
    return [*subnets, group]


def _mig(app: Any, site: str, zones: list[str], size: float) -> Any:
    props = {"targetSize": size, "distributionPolicyZones": zones, "region": site}
    return res(MIG, f"web-mig-{site}", props, site=site, parent=app.urn)


def test_capacity_is_counted_from_groups_not_from_placements() -> None:
    app = _app(2.0)
    estate = [
        app,
        *_asg(app, "aws-use1", ["us-east-1a", "us-east-1b"], 2.0),
        _mig(app, "gcp-euw1", ["b", "c"], 2.0),
    ]
    assert check_stack(SURVIVES, estate) == []
    # The same app claiming four sites but with compute on AWS only fails, on the resources' numbers.
    only_aws = [app, *_asg(app, "aws-use1", ["us-east-1a", "us-east-1b"], 4.0)]
    [finding] = check_stack(SURVIVES, only_aws)
    assert (
        "losing vendor 'aws' leaves 0 of 4 instance(s) the plan's resources provide, below minHealthy 2"
        in (finding.message)
    )


def test_declared_survive_kind_is_checked_too() -> None:
    app = _app(2.0, survive="zone")
    estate = [app, *_asg(app, "aws-use1", ["a", "b"], 2.0), _mig(app, "gcp-euw1", ["b", "c"], 2.0)]
    assert check_stack(SURVIVES, estate) == []  # losing a vendor leaves 2, a zone 3
    # mustSurvive is the floor every service gets; an app declaring a wider kind is held to it too.
    wide = _app(2.0, survive="vendor")
    estate = [wide, *_asg(wide, "aws-use1", ["a", "b"], 3.0), _mig(wide, "gcp-euw1", ["b", "c"], 1.0)]
    [finding] = check_stack(SURVIVES, estate, mustSurvive="zone")
    assert "losing vendor 'aws' leaves 1 of 4" in finding.message
    pool = res("skyweave:compute:BareMetalPool", "metal", {"placements": [], "minHealthy": 1})
    assert "has no compute in the plan" in check_stack(SURVIVES, [pool])[0].message


def test_an_autoscaler_floor_and_an_affinity_group_are_what_count() -> None:
    app = _app(2.0, survive="zone")
    mig = _mig(app, "gcp-euw1", ["b", "c"], 6.0)
    scaler = res(
        "gcp:compute/regionAutoscaler:RegionAutoscaler",
        "scaler",
        {"autoscalingPolicy": {"minReplicas": 2.0, "maxReplicas": 10.0}},
        site="gcp-euw1",
        prop_deps={"target": [mig.urn]},
        deps=[mig.urn],
    )
    # The group may scale in to 2 (one per zone): losing a zone leaves 1 < 2.
    assert "leaves 1 of 2" in check_stack(SURVIVES, [app, mig, scaler], mustSurvive="zone")[0].message
    group = res("openstack:compute/serverGroup:ServerGroup", "g", {"policies": ["affinity"]}, site="os-dc1")
    vms = [
        res(
            OS_VM,
            f"vm{i}",
            {"availabilityZone": "az1"},
            site="os-dc1",
            parent=app.urn,
            prop_deps={"schedulerHints": [group.urn]},
        )
        for i in range(3)
    ]
    [finding] = check_stack(SURVIVES, [app, group, *vms], mustSurvive="zone")
    assert "one host: affinity server group g" in finding.message


def test_bare_metal_nodes_and_on_prem_commands_count_for_a_pool() -> None:
    pool = res(
        "skyweave:compute:BareMetalPool", "metal", {"placements": [], "minHealthy": 2.0, "survive": "vendor"}
    )
    servers = [
        res(OS_VM, f"os{i}", {"availabilityZone": f"az{i}"}, site="os-dc1", parent=pool.urn) for i in (1, 2)
    ]
    nodes = [
        res(COMMAND, f"bootstrap-{i}", {"connection": {"host": f"10.200.0.{i}"}}, parent=pool.urn)
        for i in (1, 2)
    ]
    assert check_stack(SURVIVES, [pool, *servers, *nodes]) == []
    assert "losing vendor" in check_stack(SURVIVES, [pool, *servers])[0].message


def test_a_pool_that_needs_no_node_after_a_loss_keeps_its_minhealthy_of_zero() -> None:
    """BareMetalPool's min_healthy defaults to 0 ("not checked"): the rule holds each component to
    its own minHealthy, so a single-vendor pool that asks for none passes (as simulate says), and
    one that asks for a node still fails."""
    servers = lambda pool: [  # noqa: E731
        res(OS_VM, f"os{i}", {"availabilityZone": f"az{i}"}, site="os-dc1", parent=pool.urn) for i in (1, 2)
    ]
    none = res(
        "skyweave:compute:BareMetalPool", "batch", {"placements": [], "minHealthy": 0.0, "survive": "zone"}
    )
    assert check_stack(SURVIVES, [none, *servers(none)]) == []
    one = res(
        "skyweave:compute:BareMetalPool", "batch", {"placements": [], "minHealthy": 1.0, "survive": "zone"}
    )
    [finding] = check_stack(SURVIVES, [one, *servers(one)])
    assert (
        "losing vendor 'openstack' leaves 0 of 2 node(s)" in finding.message
        and "minHealthy 1" in finding.message
    )


def _fronted_service(name: str, *sites: tuple[str, str]) -> list[Any]:
    """A hand-written service: per site an ALB or an address in front of compute, one DNS name."""
    out: list[Any] = []
    for site, vendor in sites:
        if vendor == "aws":
            lb = res("aws:lb/loadBalancer:LoadBalancer", f"{name}-alb-{site}", {}, site=site)
            tg = res("aws:lb/targetGroup:TargetGroup", f"{name}-tg-{site}", {}, site=site)
            listener = res(
                "aws:lb/listener:Listener",
                f"{name}-l-{site}",
                {"protocol": "HTTPS"},
                site=site,
                prop_deps={"loadBalancerArn": [lb.urn], "defaultActions": [tg.urn]},
                deps=[lb.urn, tg.urn],
            )
            group = res(
                ASG,
                f"{name}-asg-{site}",
                {"minSize": 2.0, "availabilityZones": ["a", "b"]},
                site=site,
                prop_deps={"targetGroupArns": [tg.urn]},
                deps=[tg.urn],
            )
            target, more = lb, [tg, listener, group]
        else:
            address = res("gcp:compute/address:Address", f"{name}-ip-{site}", {}, site=site)
            mig = res(
                MIG,
                f"{name}-mig-{site}",
                {"targetSize": 2.0, "distributionPolicyZones": ["b", "c"]},
                site=site,
            )
            backend = res(
                "gcp:compute/regionBackendService:RegionBackendService",
                f"{name}-be-{site}",
                {},
                site=site,
                prop_deps={"backends": [mig.urn]},
                deps=[mig.urn],
            )
            rule = res(
                "gcp:compute/forwardingRule:ForwardingRule",
                f"{name}-fr-{site}",
                {},
                site=site,
                prop_deps={"ipAddress": [address.urn], "backendService": [backend.urn]},
                deps=[address.urn, backend.urn],
            )
            target, more = address, [mig, backend, rule]
        record = res(
            "aws:route53/record:Record",
            f"{name}-rec-{site}",
            {
                "name": f"{name}.example.com",
                "type": "A",
                "setIdentifier": site,
                "healthCheckId": "hc",
                "weightedRoutingPolicies": [{"weight": 1}],
            },
            site="aws-use1",
            prop_deps={"records": [target.urn]},
            deps=[target.urn],
        )
        out += [target, *more, record]
    return out


def test_a_dns_name_in_front_of_plain_resources_is_a_service() -> None:
    both = _fronted_service("web", ("aws-use1", "aws"), ("gcp-euw1", "gcp"))
    assert check_stack(SURVIVES, both) == []
    one = _fronted_service("web", ("aws-use1", "aws"), ("aws-usw2", "aws"))
    [finding] = check_stack(SURVIVES, one)
    assert finding.message.startswith("DNS name 'web.example.com': losing vendor 'aws' leaves 0 of 4")
    assert check_stack(SURVIVES, one, minHealthy=3.0)  # a stricter floor for services without a component


# -- zones --------------------------------------------------------------------------------------


def _subnet(name: str, zone: str) -> Any:
    return res(SUBNET, name, {"availabilityZone": zone}, site="aws-use1")


def test_asg_over_two_zones_passes_and_one_zone_fails() -> None:
    a, b = _subnet("a", "us-east-1a"), _subnet("b", "us-east-1b")
    spread = res(
        ASG,
        "web",
        {"vpcZoneIdentifiers": ["s-a", "s-b"]},
        site="aws-use1",
        prop_deps={"vpcZoneIdentifiers": [a.urn, b.urn]},
    )
    assert check_stack(ZONES, [a, b, spread]) == []
    narrow = res(
        ASG,
        "web",
        {"vpcZoneIdentifiers": ["s-a"]},
        site="aws-use1",
        prop_deps={"vpcZoneIdentifiers": [a.urn]},
    )
    [finding] = check_stack(ZONES, [a, b, narrow])
    assert "site 'aws-use1' runs compute in 1 zone(s) (us-east-1a)" in finding.message


def test_zones_are_counted_per_site_over_instances_and_migs_not_placements() -> None:
    two = [
        res(OS_VM, "a", {"availabilityZone": "az1"}, site="os-dc1"),
        res(OS_VM, "b", {"availabilityZone": "az2"}, site="os-dc1"),
    ]
    assert check_stack(ZONES, two) == []
    assert check_stack(ZONES, [res(MIG, "m", {}, site="gcp-euw1")]) == []  # GCP spreads over 3 zones
    assert check_stack(
        ZONES, [res(MIG, "m", {"distributionPolicyZones": ["europe-west1-b"]}, site="gcp-euw1")]
    )
    same = [
        res("aws:ec2/instance:Instance", n, {"availabilityZone": "us-east-1a"}, site="aws-use1") for n in "xy"
    ]
    assert check_stack(ZONES, same)
    assert check_stack(ZONES, same, minZones=1) == []
    claim = _app(1.0, placements=[_place("aws-use1", "aws", "us-east-1b", 1)])
    assert check_stack(ZONES, [*same, claim])  # a claimed zone is no zone


def _place(site: str, vendor: str, zone: str, count: float) -> dict[str, Any]:
    return {"site": site, "vendor": vendor, "region": f"{site}-r", "zone": zone, "count": count}


# -- VPN tunnels (counted from the VPN resources of both ends) ----------------------------------

AWS_CGW = "aws:ec2/customerGateway:CustomerGateway"
GCP_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
HA_GATEWAY = "gcp:compute/haVpnGateway:HaVpnGateway"
EXT_GATEWAY = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"
VPN_SERVICE = "openstack:vpnaas/service:Service"


def _aws_to_gcp(connections: int, tunnels: int) -> list[Any]:
    """AWS aws-use1 ↔ GCP HA VPN gcp-euw1, as the GCP guide builds it, with the counts given."""
    gateway = res(HA_GATEWAY, "ha", {"region": "europe-west1"}, site="gcp-euw1")
    out: list[Any] = [gateway]
    conns = []
    for c in range(connections):
        cgw = res(
            AWS_CGW, f"cgw{c}", {"type": "ipsec.1"}, site="aws-use1", prop_deps={"ipAddress": [gateway.urn]}
        )
        conn = res(
            AWS_VPN,
            f"conn{c}",
            {"type": "ipsec.1"},
            site="aws-use1",
            prop_deps={"customerGatewayId": [cgw.urn]},
        )
        out += [cgw, conn]
        conns.append(conn)
    peer = res(
        EXT_GATEWAY,
        "aws-peer",
        {"redundancyType": "FOUR_IPS_REDUNDANCY"},
        site="gcp-euw1",
        prop_deps={"interfaces": [c.urn for c in conns]},
    )
    out.append(peer)
    for t in range(tunnels):
        out.append(
            res(
                GCP_TUNNEL,
                f"t{t}",
                {"vpnGatewayInterface": t // 2, "peerExternalGatewayInterface": t},
                site="gcp-euw1",
                prop_deps={"vpnGateway": [gateway.urn], "peerExternalGateway": [peer.urn]},
            )
        )
    return out


def test_aws_to_gcp_needs_four_tunnels_at_both_ends() -> None:
    assert check_stack(TUNNELS, _aws_to_gcp(2, 4)) == []
    messages = [f.message for f in check_stack(TUNNELS, _aws_to_gcp(1, 4))]
    assert any(
        "the VPN between aws-use1 and gcp-euw1 has 2 tunnel(s); it needs 4" in m
        and "aws-use1 configures 2" in m
        for m in messages
    )
    messages = [f.message for f in check_stack(TUNNELS, _aws_to_gcp(2, 2))]
    assert any("has 2 tunnel(s); it needs 4" in m for m in messages)


def test_a_single_openstack_site_connection_is_not_redundant() -> None:
    service = res(VPN_SERVICE, "vpn", {}, site="os-dc1")
    one = res(SITE_CONNECTION, "c0", {"peerAddress": "203.0.113.10"}, site="os-dc1")
    [finding] = check_stack(TUNNELS, [service, one])
    assert "between os-dc1 and external peer 203.0.113.10 has 1 tunnel(s); it needs 2" in finding.message
    assert "policy-based" in finding.message
    same_peer = res(SITE_CONNECTION, "c1", {"peerAddress": "203.0.113.10"}, site="os-dc1")
    assert check_stack(TUNNELS, [service, one, same_peer])  # one path twice is still one path
    # A second device: the external gateway GCP knows it by groups both addresses into one peer.
    second = res(SITE_CONNECTION, "c1", {"peerAddress": "203.0.113.11"}, site="os-dc1")
    device = res(
        EXT_GATEWAY,
        "fra",
        {"interfaces": [{"id": 0, "ipAddress": "203.0.113.10"}, {"id": 1, "ipAddress": "203.0.113.11"}]},
        site="gcp-euw1",
    )
    # Two devices are two connections, but still one active path: VPNaaS is policy-based.
    [single] = check_stack(TUNNELS, [service, one, second, device])
    assert "has 2 tunnel(s) but one active path" in single.message
    allowed = ["os-dc1/onprem-fra"]  # the on-prem end is an external peer: its site id names it
    assert check_stack(TUNNELS, [service, one, second, device], allowSinglePathLinks=allowed) == []
    by_address = ["203.0.113.11/os-dc1"]
    assert check_stack(TUNNELS, [service, one, second, device], allowSinglePathLinks=by_address) == []
    other_site = ["os-dc2/onprem-fra"]
    assert check_stack(TUNNELS, [service, one, second, device], allowSinglePathLinks=other_site)


def test_a_gcp_classic_vpn_tunnel_is_not_redundant() -> None:
    classic = res("gcp:compute/vPNGateway:VPNGateway", "classic", {}, site="gcp-euw1")
    tunnel = res(
        GCP_TUNNEL,
        "t",
        {"peerIp": "198.51.100.7"},
        site="gcp-euw1",
        prop_deps={"targetVpnGateway": [classic.urn]},
    )
    [finding] = check_stack(TUNNELS, [classic, tunnel])
    assert "has 1 tunnel(s); it needs 2" in finding.message and "Classic VPN" in finding.message


def test_vpn_link_components_alone_are_claims_not_tunnels() -> None:
    link = res(
        LINK,
        "ag",
        {
            "siteA": "aws-use1",
            "siteB": "gcp-euw1",
            "vendorA": "aws",
            "vendorB": "gcp",
            "tunnels": 4.0,
            "kind": "vpn",
        },
    )
    assert check_stack(TUNNELS, [link]) == []
    messages = [f.message for f in check_stack(CLAIMS, [link])]
    assert messages == [
        f"VpnLink 'ag' claims 4 tunnel(s) between aws-use1 and gcp-euw1 but the plan has no {v} VPN "
        f"resources for it on {site}'s side"
        for v, site in (("AWS", "aws-use1"), ("GCP", "gcp-euw1"))
    ]


def test_plain_gcp_ha_vpn_gateways_need_a_tunnel_per_peer_interface() -> None:
    gateway = res(HA_GATEWAY, "ha", {"region": "europe-west1"})
    aws_peer = res(EXT_GATEWAY, "aws", {"redundancyType": "FOUR_IPS_REDUNDANCY"})

    def tunnel(n: int) -> Any:
        return res(
            GCP_TUNNEL,
            f"t{n}",
            {"vpnGatewayInterface": n % 2, "peerExternalGatewayInterface": n},
            deps=[gateway.urn, aws_peer.urn],
            prop_deps={"vpnGateway": [gateway.urn], "peerExternalGateway": [aws_peer.urn]},
        )

    two = [gateway, aws_peer, tunnel(0), tunnel(1)]
    assert any("has 2 tunnel(s); its peers need 4" in f.message for f in check_stack(TUNNELS, two))
    assert not any("its peers need" in f.message for f in check_stack(TUNNELS, [*two, tunnel(2), tunnel(3)]))
    alone = [gateway, res(GCP_TUNNEL, "t", {}, prop_deps={"vpnGateway": [gateway.urn]})]
    assert any("has 1 tunnel(s); its peers need 2" in f.message for f in check_stack(TUNNELS, alone))


# -- hub sites (the graph the VPN and peering resources form) -----------------------------------


def _peering(a: str, b: str) -> list[Any]:
    va = res(VPC, f"vpc-{a}-{b}", {}, site=a)
    vb = res(VPC, f"vpc-{b}-{a}", {}, site=b)
    peer = res(
        "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
        f"peer-{a}-{b}",
        {},
        site=a,
        prop_deps={"vpcId": [va.urn], "peerVpcId": [vb.urn]},
    )
    return [va, vb, peer]


def test_a_hub_site_fails_unless_allowed_and_a_ring_passes() -> None:
    star = [*_peering("a", "hub"), *_peering("hub", "c")]
    [finding] = check_stack(HUB, star)
    assert "site 'hub' is a hub" in finding.message
    assert check_stack(HUB, star, allowedHubs=["hub"]) == []
    ring = [*star, *_peering("c", "a")]
    assert check_stack(HUB, ring) == []
    # Components' link claims draw no edges: a ring of VpnLinks over the star is still a star.
    claimed = [
        res(LINK, "ca", {"siteA": "c", "siteB": "a", "vendorA": "aws", "vendorB": "aws", "kind": "peering"})
    ]
    assert check_stack(HUB, [*star, *claimed])


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
    VPC,
    SUBNET,
    GCP_SUBNET,
    OS_SUBNET,
    LINK,
    APP,
    AWS_VPN,
    "aws:autoscaling/group:Group",
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
    "aws:route53/record:Record",
    "gcp:dns/recordSet:RecordSet",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketVersioning:BucketVersioning",
    "gcp:compute/routerInterface:RouterInterface",
    "openstack:compute/instance:Instance",
]
_value = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=20) | st.just(UNKNOWN),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
_KEYS = st.sampled_from(
    [
        "cidrBlock",
        "ipCidrRange",
        "cidr",
        "placements",
        "minHealthy",
        "survive",
        "siteA",
        "siteB",
        "tunnels",
        "vendorA",
        "kind",
        "insideCidrs",
        "tunnel1InsideCidr",
        "ipRange",
        "availabilityZones",
        "routingPolicy",
        "failoverRoutingPolicies",
        "versioning",
        "secondaryIpRanges",
        "distributionPolicyZones",
    ]
)


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


# -- an instance-hosted VPN router (skyweave's `vpn: appliance`, or one built by hand) ------------

SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_RULE = "openstack:networking/secGroupRule:SecGroupRule"
PORT = "openstack:networking/port:Port"
FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"


def _router_estate(openings: int, *, address_pairs: bool = True) -> list[Any]:
    """Two router instances on os-dc1 (ports forwarding other addresses, floating IPs) and an AWS
    VPN connection to each; the routers' tunnels are in secret user data, their security group
    admits IKE from each AWS tunnel address it serves (``openings`` of the four)."""
    group = res(SEC_GROUP, "router-sg", {}, site="os-dc1")
    pairs = {"allowedAddressPairs": [{"ipAddress": "10.0.0.0/8"}]} if address_pairs else {}
    providers = [res("pulumi:providers:openstack", "os-dc1"), res("pulumi:providers:aws", "aws-use1")]
    estate: list[Any] = [*providers, group]
    vpns = []
    for i in (0, 1):
        port = res(PORT, f"router-port-{i}", {**pairs, "securityGroupIds": ["sg-id"]}, site="os-dc1",
                   prop_deps={"securityGroupIds": [group.urn]})  # fmt: skip
        fip = res(
            FLOATING_IP, f"router-fip-{i}", {"portId": "p"}, site="os-dc1", prop_deps={"portId": [port.urn]}
        )
        vm_props = {"availabilityZone": f"az{i + 1}", "userData": "[secret]"}
        vm = res(OS_VM, f"router-{i}", vm_props, site="os-dc1", prop_deps={"networks": [port.urn]})
        cgw = res(AWS_CGW, f"cgw-{i}", {"ipAddress": f"203.0.113.{i + 1}"}, site="aws-use1",
                  prop_deps={"ipAddress": [fip.urn]})  # fmt: skip
        vpn = res(AWS_VPN, f"vpn-{i}", {}, site="aws-use1", prop_deps={"customerGatewayId": [cgw.urn]})
        estate += [port, fip, vm, cgw, vpn]
        vpns.append(vpn)
    for n in range(openings):
        ike = {"direction": "ingress", "protocol": "udp", "portRangeMin": 500, "portRangeMax": 500,
               "remoteIpPrefix": UNKNOWN, "securityGroupId": "sg-id"}  # fmt: skip
        deps = {"securityGroupId": [group.urn], "remoteIpPrefix": [vpns[n // 2].urn]}
        estate.append(res(SEC_RULE, f"ike-{n}", ike, site="os-dc1", prop_deps=deps))
    return estate


def test_an_instance_hosted_router_counts_one_tunnel_per_peer_address_it_admits_ike_from() -> None:
    assert check_stack(TUNNELS, _router_estate(4)) == []
    [short] = check_stack(TUNNELS, _router_estate(1))
    assert "between aws-use1 and os-dc1 has 1 tunnel(s)" in short.message
    assert "aws-use1 configures 4, os-dc1 configures 1" in short.message
    # Without ports that forward other addresses, an IKE opening is just a firewall rule.
    [none] = check_stack(TUNNELS, _router_estate(4, address_pairs=False))
    assert "os-dc1 configures 0" in none.message


def test_router_instances_are_not_compute_that_serves() -> None:
    from skyweave.policy.facts import facts

    estate = facts(StackIndex.build(_router_estate(4)))
    assert estate.units == []
    plain = facts(StackIndex.build(_router_estate(4, address_pairs=False)))
    assert len(plain.units) == 2


def _hosted_router_to(addresses: list[str], parent: str | None = None) -> list[Any]:
    """One router instance on os-dc1 admitting IKE from each literal address (no resource of the
    plan says where they come from), its rules registered by ``parent`` (default: the stack)."""
    group = res(SEC_GROUP, "router-sg", {}, site="os-dc1")
    port = res(PORT, "router-port", {"allowedAddressPairs": [{"ipAddress": "10.0.0.0/8"}]}, site="os-dc1",
               prop_deps={"securityGroupIds": [group.urn]})  # fmt: skip
    vm = res(OS_VM, "router", {"userData": "[secret]"}, site="os-dc1", prop_deps={"networks": [port.urn]})
    estate: list[Any] = [res("pulumi:providers:openstack", "os-dc1"), group, port, vm]
    for n, address in enumerate(addresses):
        ike = {"direction": "ingress", "protocol": "udp", "portRangeMin": 500, "portRangeMax": 500,
               "remoteIpPrefix": f"{address}/32", "securityGroupId": "sg-id"}  # fmt: skip
        rule = res(SEC_RULE, f"ike-{n}", ike, site="os-dc1", prop_deps={"securityGroupId": [group.urn]})
        estate.append(dataclasses.replace(rule, parent=parent) if parent else rule)
    return estate


def test_a_components_ike_openings_are_one_peer_and_a_programs_are_each_their_own() -> None:
    """Issue 24 item 2: skyweave's appliance opens IKE to both devices of one on-prem site from
    one VpnLink; the two addresses are one peer (as a Neutron site connection's shared peer
    endpoint group makes them), so os-dc1 is no hub. Openings a hand-written program registers
    under the stack say nothing of belonging together: each address stays a peer of its own."""
    from skyweave.policy.facts import facts

    link = res("skyweave:network:VpnLink", "link-os-dc1-onprem")
    grouped = facts(StackIndex.build([link, *_hosted_router_to(["203.0.113.10", "203.0.113.11"], link.urn)]))
    assert {e.b for e in grouped.edges} == {"external peer 203.0.113.10 + 203.0.113.11"}
    assert check_stack(HUB, [link, *_hosted_router_to(["203.0.113.10", "203.0.113.11"], link.urn)]) == []
    loose = facts(StackIndex.build(_hosted_router_to(["203.0.113.10", "198.51.100.7"])))
    assert {e.b for e in loose.edges} == {"external peer 203.0.113.10", "external peer 198.51.100.7"}
    [hub] = check_stack(HUB, _hosted_router_to(["203.0.113.10", "198.51.100.7"]))
    assert "site 'os-dc1' is a hub" in hub.message
