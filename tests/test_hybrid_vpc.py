"""HybridVpc under Pulumi's mocks: each vendor's shape, parents, providers and names."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pulumi
import pytest
from conftest import run
from skyweave import HybridVpc, HybridVpcArgs, InvalidArgsError, SiteProviders, plan_hybrid_vpc
from skyweave.engine.offline import OfflineMocks, OfflineRun, RecordingMonitor, Registration, run_program

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
OPENSTACK = {
    "name": "os-dc1",
    "vendor": "openstack",
    "region": "RegionOne",
    "auth_url": "https://k.example:5000/v3",
}
ONPREM = {"name": "onprem", "vendor": "onprem", "region": "fra", "cidrs": ["10.200.0.0/16"]}
VPC_TOKEN = "skyweave:network:HybridVpc"


def build(args: dict[str, Any], *, shared_providers: bool = False) -> OfflineRun:
    def program() -> None:
        parsed = HybridVpcArgs.model_validate(args)
        providers = SiteProviders(parsed.sites) if shared_providers else None
        net = HybridVpc("core", parsed, providers=providers)
        pulumi.export("networks", net.networks)
        pulumi.export("layout", net.layout)

    return run(program)


def types(run_: OfflineRun, package: str | None = None) -> Counter[str]:
    return Counter(r.type for r in run_.resources if package is None or r.package == package)


def component(run_: OfflineRun) -> Registration:
    (vpc,) = [r for r in run_.resources if r.type == VPC_TOKEN]
    return vpc


def test_aws_shape_two_zones_no_nat() -> None:
    result = build({"sites": [AWS]})
    assert types(result, "aws") == Counter(
        {
            "aws:ec2/vpc:Vpc": 1,
            "aws:ec2/internetGateway:InternetGateway": 1,
            "aws:ec2/routeTable:RouteTable": 3,  # public + one private per zone
            "aws:ec2/route:Route": 1,
            "aws:ec2/subnet:Subnet": 4,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
        }
    )
    subnets = {r.name: r.inputs for r in result.resources if r.type == "aws:ec2/subnet:Subnet"}
    assert subnets["core-subnet-aws-use1-public-a"]["cidrBlock"] == "10.0.0.0/20"
    assert subnets["core-subnet-aws-use1-public-b"]["availabilityZone"] == "us-east-1b"
    assert subnets["core-subnet-aws-use1-private-b"]["cidrBlock"] == "10.0.144.0/20"
    assert subnets["core-subnet-aws-use1-public-a"]["mapPublicIpOnLaunch"] is True
    assert subnets["core-subnet-aws-use1-private-a"]["mapPublicIpOnLaunch"] is False
    vpc = next(r for r in result.resources if r.type == "aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.inputs["tags"]["Name"] == "core-vpc-aws-use1"
    assert vpc.inputs["tags"]["managed-by"] == "skyweave"


@pytest.mark.parametrize(("nat", "gateways", "routes"), [("single", 1, 2), ("one_per_zone", 2, 2)])
def test_aws_nat_strategies(nat: str, gateways: int, routes: int) -> None:
    result = build({"sites": [{**AWS, "nat": nat}]})
    nats = [r for r in result.resources if r.type == "aws:ec2/natGateway:NatGateway"]
    assert len(nats) == gateways
    assert types(result)["aws:ec2/eip:Eip"] == gateways
    defaults = [
        r
        for r in result.resources
        if r.type == "aws:ec2/route:Route" and r.name.endswith("-default") and "private" in r.name
    ]
    assert len(defaults) == routes
    # every private default route points at a NAT gateway of this site
    nat_ids = {r.urn for r in nats}
    for route in defaults:
        assert set(route.dependencies) & nat_ids


def test_aws_dual_stack_carves_64s_from_the_amazon_56() -> None:
    result = build({"sites": [{**AWS, "ipv6": True}]})
    assert types(result)["aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"] == 1
    vpc = next(r for r in result.resources if r.type == "aws:ec2/vpc:Vpc")
    assert vpc.inputs["assignGeneratedIpv6CidrBlock"] is True
    subnets = {r.name: r.inputs for r in result.resources if r.type == "aws:ec2/subnet:Subnet"}
    v6 = {name: s["ipv6CidrBlock"] for name, s in subnets.items()}
    assert len(set(v6.values())) == 4 and all(v.endswith("/64") for v in v6.values())
    # slot 0 (public-a) is the /56's first /64; private-a (slot 8) the ninth
    assert v6["core-subnet-aws-use1-public-a"].endswith("00::/64")
    assert v6["core-subnet-aws-use1-private-a"].endswith("08::/64")


def test_gcp_shape() -> None:
    result = build({"sites": [{**GCP, "ipv6": True}]})
    assert types(result, "gcp") == Counter(
        {"gcp:compute/network:Network": 1, "gcp:compute/subnetwork:Subnetwork": 1}
    )
    net = next(r for r in result.resources if r.type == "gcp:compute/network:Network")
    assert net.inputs["autoCreateSubnetworks"] is False and net.inputs["routingMode"] == "GLOBAL"
    sub = next(r for r in result.resources if r.type == "gcp:compute/subnetwork:Subnetwork")
    assert sub.inputs["ipCidrRange"] == "10.0.0.0/20"
    assert sub.inputs["region"] == "europe-west1"
    assert sub.inputs["stackType"] == "IPV4_IPV6"
    assert net.urn in sub.dependencies


def test_openstack_shape_with_router_to_external_network() -> None:
    result = build({"sites": [{**OPENSTACK, "ipv6": True}], "ipam": {"ipv6_supernet": "fd00:1::/48"}})
    assert types(result, "openstack") == Counter(
        {
            "openstack:networking/network:Network": 1,
            "openstack:networking/subnet:Subnet": 2,
            "openstack:networking/router:Router": 1,
            "openstack:networking/routerInterface:RouterInterface": 2,
        }
    )
    router = next(r for r in result.resources if r.type == "openstack:networking/router:Router")
    # The external network's id, looked up by name (networking.getNetwork): a Neutron UUID.
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", router.inputs["externalNetworkId"])
    subnets = {
        r.inputs["ipVersion"]: r.inputs
        for r in result.resources
        if r.type == "openstack:networking/subnet:Subnet"
    }
    assert subnets[4]["cidr"] == "10.0.0.0/20"
    assert subnets[6]["cidr"] == "fd00:1::/64" and subnets[6]["ipv6AddressMode"] == "slaac"


def test_onprem_creates_nothing_but_its_ranges_are_kept_clear() -> None:
    result = build(
        {
            "sites": [ONPREM, {**AWS}],
            "ipam": {"supernet": "10.200.0.0/15"},
            "connectivity": {"topology": "none"},
        }
    )
    assert not [r for r in result.resources if r.custom and r.package not in ("pulumi", "aws")]
    vpc = next(r for r in result.resources if r.type == "aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.201.0.0/16"
    assert result.outputs["networks"]["onprem"] == {
        "vendor": "onprem",
        "region": "fra",
        "network_id": None,
        "cidrs": ["10.200.0.0/16"],
        "subnets": {},
    }


def test_children_parented_named_and_on_explicit_providers() -> None:
    result = build({"sites": [AWS, GCP, OPENSTACK, ONPREM], "connectivity": {"topology": "none"}})
    vpc = component(result)
    providers = {r.urn: r for r in result.resources if r.type.startswith("pulumi:providers:")}
    # the component made one provider per cloud site, as its own children
    assert sorted(p.name for p in providers.values()) == [
        "core-provider-aws-use1",
        "core-provider-gcp-euw1",
        "core-provider-os-dc1",
    ]
    for reg in result.resources:
        if reg.type in (VPC_TOKEN, "pulumi:pulumi:Stack"):
            continue
        assert reg.parent == vpc.urn, reg.name
        assert reg.name.startswith("core-"), reg.name
        if reg.custom and not reg.type.startswith("pulumi:providers:"):
            assert reg.provider in providers, f"{reg.name} uses the default provider"
            site = providers[reg.provider].name.removeprefix("core-provider-")
            assert site in reg.name
            assert reg.package == providers[reg.provider].type.removeprefix("pulumi:providers:")


def test_shared_providers_are_used_not_duplicated() -> None:
    result = build({"sites": [AWS, GCP]}, shared_providers=True)
    providers = [
        r
        for r in result.resources
        if r.type.startswith("pulumi:providers:") and r.type != "pulumi:providers:random"
    ]
    assert sorted(p.name for p in providers) == ["aws-use1", "gcp-euw1"]
    assert all(
        p.parent == next(r.urn for r in result.resources if r.type == "pulumi:pulumi:Stack")
        for p in providers
    )
    # random is not site-bound: one per component, its child, for the link's pre-shared keys.
    (own,) = [r for r in result.resources if r.type == "pulumi:providers:random"]
    assert own.name == "core-provider-random" and own.parent == component(result).urn
    aws_provider = next(p for p in providers if p.name == "aws-use1")
    assert aws_provider.inputs["region"] == "us-east-1"


def test_outputs_registered_on_the_component() -> None:
    result = build({"sites": [AWS, GCP]})
    outputs = result.component_outputs[component(result).urn]
    assert set(outputs) == {
        "networks",
        "cidrs",
        "layout",
        "links",
        "onpremDevices",
        "onpremPeerIps",
        "vpnPsks",
        "siteProviders",
    }
    assert outputs["vpnPsks"] == "[secret]"
    assert outputs["cidrs"] == {"aws-use1": ["10.0.0.0/16"], "gcp-euw1": ["10.1.0.0/16"]}
    assert outputs["networks"]["aws-use1"]["subnets"]["public-a"]["zone"] == "us-east-1a"
    assert outputs["layout"]["sites"]["gcp-euw1"]["subnets"]["main"]["cidr"] == "10.1.0.0/20"


def test_bad_args_raise_before_anything_is_registered() -> None:
    monitor = RecordingMonitor(OfflineMocks())
    with pytest.raises(
        InvalidArgsError, match=r"sites\[1\]\.name: 'aws-use1': already the name of sites\[0\]"
    ):
        run_program(
            lambda: HybridVpc("core", {"sites": [AWS, {**GCP, "name": "aws-use1"}]}) and None,
            project="p",
            stack="s",
            monitor=monitor,
        )
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]


def test_bad_component_name() -> None:
    with pytest.raises(InvalidArgsError, match="component names"):
        run(lambda: HybridVpc("Core_Net", {"sites": [AWS]}) and None)


def test_missing_provider_for_a_site() -> None:
    def program() -> None:
        args = HybridVpcArgs.model_validate({"sites": [AWS, GCP]})
        HybridVpc("core", args, providers={"aws-use1": None})

    with pytest.raises(InvalidArgsError, match="no provider given for site\\(s\\) gcp-euw1"):
        run(program)


def test_vendor_network_size_limits() -> None:
    with pytest.raises(InvalidArgsError, match="Amazon Web Services networks must be /16 to /28"):
        plan_hybrid_vpc(HybridVpcArgs.model_validate({"sites": [AWS], "ipam": {"site_prefix": 12}}))


def test_unpinned_sites_are_warned_about() -> None:
    result = build({"sites": [AWS, {**GCP, "cidr": "10.9.0.0/16"}]})
    assert len(result.warnings) == 1
    assert "site 'aws-use1' uses 10.0.0.0/16 but its block is not pinned" in result.warnings[0]


def test_the_estate_ranges_are_the_supernets_and_the_ranges_outside_them() -> None:
    """One function says what "the estate" is (an app's admin ports, an appliance's forwarding):
    the IPAM supernets, plus an on-prem range outside them; a range inside is already covered."""
    args = HybridVpcArgs.model_validate(
        {
            "sites": [
                AWS,
                {**ONPREM, "cidrs": ["10.200.0.0/16", "192.168.10.0/24"]},
                {**OPENSTACK, "ipv6": True},
            ],
            "ipam": {"supernet": "10.200.0.0/14", "ipv6_supernet": "fd00:1::/48"},
            "connectivity": {"topology": "none"},
        }
    )
    plan = plan_hybrid_vpc(args)
    assert plan.estate_ranges() == ("10.200.0.0/14", "fd00:1::/48", "192.168.10.0/24")
    assert plan.estate_ranges(ipv6=False) == ("10.200.0.0/14", "192.168.10.0/24")
