"""Azure in the policy pack: the resource-derived facts of an Azure estate, the Azure branches of the
shared rules and the Azure-only rules, each passing and failing through the real Analyzer protocol.

A hand-built estate (plain pulumi-azure-native and pulumi-aws resources, as the engine describes
them, property dependencies included) is judged as the pack judges a plan: scale sets are compute
over their zones, gateway connections are tunnels (their far end found through the local network
gateway's address), VNet peerings are links, Traffic Manager is a DNS service and Blob containers
are buckets. skyweave's own Azure link shapes are counted the same way (the counts match each
VpnLink's claim), and prod's Azure resources pass every rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import run
from policy_helpers import check_stack, res, wire
from skyweave import HybridVpc, HybridVpcArgs, SiteProviders
from skyweave.engine.analyzer import PolicyPackProcess, StackResource
from skyweave.engine.offline import OfflineRun
from skyweave.engine.requests import resources_from_run
from skyweave.policy import Resource, StackIndex, rule_by_name
from skyweave.policy.facts import UNSPECIFIED, facts

ROOT = Path(__file__).resolve().parent.parent
SUB = "11111111-2222-4333-8444-555555555555"
AZ = {"name": "azure-weu1", "vendor": "azure", "region": "westeurope", "subscription_id": SUB}
AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
PREM = {
    "name": "onprem",
    "vendor": "onprem",
    "region": "fra",
    "cidrs": ["10.200.0.0/16"],
    "vpn_peer_ip": "203.0.113.10",
    "vpn_secondary_peer_ip": "203.0.113.11",
    "bgp": True,
}

ZONES = rule_by_name("skyweave-redundancy-zone-spread")
TUNNELS = rule_by_name("skyweave-redundancy-vpn-tunnels")
CLAIMS = rule_by_name("skyweave-redundancy-claims-backed")
SURVIVES = rule_by_name("skyweave-redundancy-survives-vendor-loss")
DNS_VENDOR = rule_by_name("skyweave-redundancy-dns-survives-vendor-loss")
HUB = rule_by_name("skyweave-redundancy-no-hub-site")
VERSIONED = rule_by_name("skyweave-security-storage-versioned")
OPEN = "skyweave-security-no-open-admin-ports"
IKE = "skyweave-security-no-weak-ike"
PUBLIC = "skyweave-security-no-public-buckets"
VOLUMES = "skyweave-security-volumes-encrypted"
TRANSPORT = "skyweave-security-azure-storage-secure-transfer"
GATEWAY_HA = "skyweave-redundancy-azure-vpn-gateway"

AZ_PROVIDER = "pulumi:providers:azure-native"
AWS_PROVIDER = "pulumi:providers:aws"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
VM = "azure-native:compute:VirtualMachine"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
LNG = "azure-native:network:LocalNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
PEERING = "azure-native:network:VirtualNetworkPeering"
VNET = "azure-native:network:VirtualNetwork"
PIP = "azure-native:network:PublicIPAddress"
LB = "azure-native:network:LoadBalancer"
TM_PROFILE = "azure-native:trafficmanager:Profile"
TM_ENDPOINT = "azure-native:trafficmanager:Endpoint"
RECORD = "azure-native:dns:RecordSet"
ACCOUNT = "azure-native:storage:StorageAccount"
SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
AWS_VPN = "aws:ec2/vpnConnection:VpnConnection"
CGW = "aws:ec2/customerGateway:CustomerGateway"
EIP = "aws:ec2/eip:Eip"
LINK = "skyweave:network:VpnLink"
APP = "skyweave:app:MultiCloudApp"
BUCKETS = "skyweave:storage:MultiCloudBucket"
NETWORK = "skyweave:network:HybridVpc"

GOOD_POLICY = {
    "ikeEncryption": "AES256",
    "ikeIntegrity": "SHA256",
    "dhGroup": "DHGroup14",
    "ipsecEncryption": "AES256",
    "ipsecIntegrity": "SHA256",
    "pfsGroup": "PFS2048",
    "saLifeTimeSeconds": 3600.0,
}
GOOD_GATEWAY = {"gatewayType": "Vpn", "activeActive": True, "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}}


def providers() -> list[Resource]:
    return [
        res(AZ_PROVIDER, "azure-weu1", {"location": "westeurope"}),
        res(AZ_PROVIDER, "azure-neu1", {"location": "northeurope"}),
        res(AWS_PROVIDER, "aws-use1", {"region": "us-east-1"}),
    ]


def azure(type_: str, name: str, props: dict[str, Any] | None = None, **kw: Any) -> Resource:
    return res(type_, name, props, site=kw.pop("site", "azure-weu1"), **kw)


def scale_set(name: str = "web", zones: Sequence[str] = ("1", "2"), capacity: int = 4, **kw: Any) -> Resource:
    props = {"sku": {"name": "Standard_D2s_v5", "capacity": capacity}, "zones": list(zones)}
    return azure(VMSS, name, props, **kw)


def gateway(props: dict[str, Any] | None = None) -> Resource:
    return azure(GATEWAY, "vpngw", props or GOOD_GATEWAY)


def connection(key: str, local: Resource, gw: Resource, **kw: Any) -> Resource:
    """An IPsec connection from ``gw`` to the local network gateway ``local``."""
    props = {"connectionType": "IPsec", "connectionProtocol": "IKEv2", "ipsecPolicies": [GOOD_POLICY]}
    deps = {"virtualNetworkGateway1": [gw.urn], "localNetworkGateway2": [local.urn]}
    return azure(CONNECTION, f"vpn-{key}", props, deps=[gw.urn, local.urn], prop_deps=deps, **kw)


def local_gateway(key: str, address: str, source: Resource | None = None) -> Resource:
    deps = {"gatewayIpAddress": [source.urn]} if source else {}
    return azure(
        LNG,
        f"lng-{key}",
        {"gatewayIpAddress": address},
        deps=[*deps.get("gatewayIpAddress", [])],
        prop_deps=deps,
    )


def aws_to_azure(connections: int = 4, *, parent: str | None = None) -> tuple[list[Resource], list[Resource]]:
    """Microsoft's AWS ↔ Azure BGP shape: two AWS connections (a customer gateway per Azure
    instance address), and on Azure one local network gateway and connection per AWS tunnel.
    Returns (the AWS side, the Azure side, of which ``connections`` connections are kept)."""
    extra = {"parent": parent} if parent else {}
    gw = gateway()
    ips = [azure(PIP, f"vpn-ip-{i}", {"ipAddress": f"192.0.2.{10 + i}"}) for i in (0, 1)]
    aws: list[Resource] = []
    az: list[Resource] = [gw, *ips]
    for c in (0, 1):
        cgw = res(
            CGW,
            f"cgw-{c}",
            {"ipAddress": ips[c].props["ipAddress"], "bgpAsn": "65515"},
            site="aws-use1",
            prop_deps={"ipAddress": [ips[c].urn]},
        )
        vpn = res(
            AWS_VPN,
            f"aws-vpn-{c}",
            {"customerGatewayId": "cgw"},
            site="aws-use1",
            deps=[cgw.urn],
            prop_deps={"customerGatewayId": [cgw.urn]},
            **extra,
        )
        aws += [cgw, vpn]
        for t in (0, 1):
            local = local_gateway(f"aws-{c}-{t}", f"198.18.{c}.{t + 1}", vpn)
            az.append(local)
            if sum(r.type == CONNECTION for r in az) < connections:
                az.append(connection(f"aws-{c}-{t}", local, gw, **extra))
    return aws, az


def index(*groups: Iterable[Resource]) -> StackIndex:
    return StackIndex.build([r for group in groups for r in group])


def _as_resource(r: StackResource) -> Resource:
    return Resource(
        urn=r.urn,
        type=r.type,
        name=r.name,
        props=dict(r.properties),
        parent=r.parent,
        provider_type=r.provider.type if r.provider else None,
        provider_urn=r.provider.urn if r.provider else None,
        dependencies=tuple(r.dependencies),
        property_dependencies={k: tuple(v) for k, v in r.property_dependencies.items()},
    )


def estate_of(result: OfflineRun) -> StackIndex:
    """A skyweave program's plan as the pack's stack rules see it."""
    _, for_stack = resources_from_run(result)
    return StackIndex.build(_as_resource(r) for r in for_stack)


# -- compute -----------------------------------------------------------------------------------------


def test_a_scale_set_is_its_capacity_spread_over_its_zones_in_its_sites_region() -> None:
    estate = facts(index(providers(), [scale_set(zones=("1", "2", "3"), capacity=4)]))
    (unit,) = estate.units
    assert (unit.vendor, unit.site, unit.region, unit.kind) == (
        "azure",
        "azure-weu1",
        "westeurope",
        "scale set",
    )
    assert unit.zones == (("1", 2), ("2", 1), ("3", 1))
    assert estate.site_vendor["azure-weu1"] == "azure"


def test_an_autoscale_setting_floors_a_scale_set_and_a_vm_is_one_in_its_zone() -> None:
    ss = scale_set(capacity=6)
    scaler = azure(
        "azure-native:monitor:AutoscaleSetting",
        "scale",
        {
            "enabled": True,
            "profiles": [
                {"capacity": {"minimum": "2", "maximum": "10", "default": "6"}},
                {"capacity": {"minimum": "3", "maximum": "4", "default": "3"}},
            ],
        },
        prop_deps={"targetResourceUri": [ss.urn]},
    )
    vm = azure(VM, "jump", {"zones": ["3"]})
    regional = scale_set("regional", zones=(), capacity=2)
    units = {u.name: u for u in facts(index(providers(), [ss, scaler, vm, regional])).units}
    assert units["web"].count == 2 and units["jump"].zones == (("3", 1),)
    assert units["regional"].zones == ((UNSPECIFIED, 2),)


def test_a_scale_set_in_one_zone_fails_zone_spread_and_two_zones_pass() -> None:
    [finding] = check_stack(ZONES, [*providers(), scale_set(zones=("1",))])
    assert finding.message.startswith("site 'azure-weu1' runs compute in 1 zone(s) (1)")
    assert check_stack(ZONES, [*providers(), scale_set(zones=("1", "2"))]) == []


def test_an_app_placed_on_azure_is_backed_by_its_scale_set() -> None:
    placements = [
        {"site": "azure-weu1", "vendor": "azure", "region": "westeurope", "zone": z, "count": 2} for z in "12"
    ]
    app = res(APP, "shop", {"placements": placements, "minHealthy": 2, "survive": "zone"})
    backed = [*providers(), app, scale_set(parent=app.urn)]
    assert check_stack(CLAIMS, backed) == []
    [finding] = check_stack(CLAIMS, [*providers(), app])
    assert (
        finding.message
        == "MultiCloudApp 'shop' places 4 on azure-weu1 but the plan has no Azure instances for it"
    )
    [elsewhere] = check_stack(CLAIMS, [*providers(), app, scale_set(zones=("3",), parent=app.urn)])
    assert "zone(s) 1, 2 of azure-weu1" in elsewhere.message


# -- links ---------------------------------------------------------------------------------------------


def test_aws_to_azure_counts_four_tunnels_on_each_side() -> None:
    aws, az = aws_to_azure()
    estate = facts(index(providers(), aws, az))
    (edge,) = estate.edges
    assert (edge.a, edge.b, edge.kind) == ("aws-use1", "azure-weu1", "vpn")
    assert edge.sides == {"aws-use1": 4, "azure-weu1": 4}
    assert check_stack(TUNNELS, [*providers(), *aws, *az]) == []


def test_two_of_four_azure_connections_to_aws_fail_the_tunnel_rule() -> None:
    aws, az = aws_to_azure(connections=2)
    [finding] = check_stack(TUNNELS, [*providers(), *aws, *az])
    assert "between aws-use1 and azure-weu1 has 2 tunnel(s); it needs 4" in finding.message
    assert "aws-use1 configures 4, azure-weu1 configures 2" in finding.message
    assert check_stack(TUNNELS, [*providers(), *aws, *az], awsAzureTunnels=2) == []


def test_two_connections_to_a_device_pass_and_one_from_a_single_instance_fails() -> None:
    """Towards an address no resource owns, both instances of an active-active gateway terminate
    each connection; an active-standby gateway only one."""
    gw = gateway()
    locals_ = [local_gateway(f"dev-{d}", f"203.0.113.{10 + d}") for d in (0, 1)]
    conns = [connection(f"dev-{d}", locals_[d], gw) for d in (0, 1)]
    estate = facts(index(providers(), [gw, *locals_, *conns]))
    assert {(e.b, e.sides["azure-weu1"]) for e in estate.edges} == {
        ("external peer 203.0.113.10", 2),
        ("external peer 203.0.113.11", 2),
    }
    assert check_stack(TUNNELS, [*providers(), gw, *locals_, *conns]) == []
    standby = gateway({**GOOD_GATEWAY, "activeActive": False})
    one = [standby, locals_[0], connection("dev-0", locals_[0], standby)]
    [finding] = check_stack(TUNNELS, [*providers(), *one])
    assert "between azure-weu1 and external peer 203.0.113.10 has 1 tunnel(s); it needs 2" in finding.message


def test_two_connections_to_gcp_ha_vpn_pass() -> None:
    gw = gateway()
    ha = res("gcp:compute/haVpnGateway:HaVpnGateway", "ha", {}, site="gcp-euw1")
    az: list[Resource] = [gw]
    for i in (0, 1):
        local = local_gateway(f"gcp-{i}", f"203.0.113.{70 + i}", ha)
        az += [local, connection(f"gcp-{i}", local, gw)]
    external = res(
        "gcp:compute/externalVpnGateway:ExternalVpnGateway",
        "azure",
        {"redundancyType": "TWO_IPS_REDUNDANCY"},
        site="gcp-euw1",
        prop_deps={"interfaces": [gw.urn]},
    )
    tunnels = [
        res(
            "gcp:compute/vPNTunnel:VPNTunnel",
            f"t{i}",
            {"vpnGatewayInterface": i},
            site="gcp-euw1",
            prop_deps={"vpnGateway": [ha.urn], "peerExternalGateway": [external.urn]},
        )
        for i in (0, 1)
    ]
    estate = [*providers(), ha, external, *tunnels, *az]
    (edge,) = facts(StackIndex.build(estate)).edges
    assert edge.sides == {"azure-weu1": 2, "gcp-euw1": 2}
    assert check_stack(TUNNELS, estate) == []
    [finding] = check_stack(TUNNELS, estate[:-2])  # the second Azure connection (and its gateway) gone
    assert "has 1 tunnel(s); it needs 2" in finding.message and "azure-weu1 configures 1" in finding.message


def test_a_vpn_link_claiming_tunnels_on_azure_needs_azure_connections() -> None:
    ends = {"siteA": "aws-use1", "vendorA": "aws", "siteB": "azure-weu1", "vendorB": "azure", "kind": "vpn"}
    link = res(LINK, "core-link-aws-use1-azure-weu1", {**ends, "tunnels": 4})
    aws, az = aws_to_azure(parent=link.urn)
    assert check_stack(CLAIMS, [*providers(), link, *aws, *az]) == []
    azure_side = [r for r in az if r.type != CONNECTION]
    [finding] = check_stack(CLAIMS, [*providers(), link, *aws, *azure_side])
    assert finding.message == (
        "VpnLink 'core-link-aws-use1-azure-weu1' claims 4 tunnel(s) between aws-use1 and azure-weu1 but the "
        "plan has no Azure VPN resources for it on azure-weu1's side"
    )
    _, three = aws_to_azure(connections=3, parent=link.urn)
    [short] = check_stack(CLAIMS, [*providers(), link, *aws, *three])
    assert "but the plan has only 3 for it on azure-weu1's side" in short.message


def test_vnet_peerings_are_a_link_between_azure_sites() -> None:
    west = azure(VNET, "vnet-weu1", {"addressSpace": {"addressPrefixes": ["10.7.0.0/16"]}})
    north = azure(
        VNET, "vnet-neu1", {"addressSpace": {"addressPrefixes": ["10.8.0.0/16"]}}, site="azure-neu1"
    )
    peerings = [
        azure(
            PEERING,
            "w-to-n",
            {},
            prop_deps={"virtualNetworkName": [west.urn], "remoteVirtualNetwork": [north.urn]},
        ),
        azure(
            PEERING,
            "n-to-w",
            {},
            site="azure-neu1",
            prop_deps={"virtualNetworkName": [north.urn], "remoteVirtualNetwork": [west.urn]},
        ),
    ]
    (edge,) = facts(index(providers(), [west, north], peerings)).edges
    assert (edge.a, edge.b, edge.kind) == ("azure-neu1", "azure-weu1", "peering")
    # aws-use1 - azure-weu1 - azure-neu1: the middle site is a hub until aws-use1 reaches azure-neu1.
    aws, az = aws_to_azure()
    [hub] = check_stack(HUB, [*providers(), west, north, *peerings, *aws, *az])
    assert hub.message.startswith("site 'azure-weu1' is a hub")


def test_a_hybrid_vpc_network_on_azure_is_backed_by_a_vnet() -> None:
    core = res(NETWORK, "core", {"networks": {"azure-weu1": {"vendor": "azure", "cidrs": ["10.7.0.0/16"]}}})
    assert check_stack(CLAIMS, [*providers(), core, azure(VNET, "vnet", {}, parent=core.urn)]) == []
    [finding] = check_stack(CLAIMS, [*providers(), core])
    assert (
        finding.message
        == "HybridVpc 'core' has a network on azure-weu1 but the plan has no Azure VPC or network for it"
    )


def test_vnet_address_spaces_take_part_in_the_overlap_rule() -> None:
    overlap = rule_by_name("skyweave-addresses-no-overlap")
    vnet = azure(VNET, "vnet", {"addressSpace": {"addressPrefixes": ["10.7.0.0/16", "fd00:7::/48"]}})
    inside = azure(
        "azure-native:network:Subnet",
        "main",
        {"addressPrefix": "10.7.0.0/20"},
        prop_deps={"virtualNetworkName": [vnet.urn]},
    )
    vpc = res("aws:ec2/vpc:Vpc", "use1", {"cidrBlock": "10.1.0.0/16"}, site="aws-use1")
    assert check_stack(overlap, [*providers(), vnet, inside, vpc]) == []
    clash = res("aws:ec2/vpc:Vpc", "use1", {"cidrBlock": "10.7.128.0/20"}, site="aws-use1")
    [finding] = check_stack(overlap, [*providers(), vnet, inside, clash])
    assert "10.7.128.0/20, which overlaps 10.7.0.0/16 of VirtualNetwork 'vnet'" in finding.message
    outside = azure("azure-native:network:Subnet", "imported", {"addressPrefixes": ["10.1.4.0/24"]})
    [subnet] = check_stack(overlap, [*providers(), vpc, outside])
    assert "Subnet 'imported' (site azure-weu1) uses 10.1.4.0/24" in subnet.message


# -- skyweave's own Azure shapes, counted from their resources ---------------------------------------


@pytest.mark.parametrize(
    ("peer", "azure_side", "peer_side"),
    [(AWS, 4, 4), (GCP, 2, 2), (PREM, 4, None)],
    ids=["aws", "gcp-ha-vpn", "two-bgp-devices"],
)
def test_each_azure_link_shape_counts_what_its_vpn_link_claims(
    peer: dict[str, Any], azure_side: int, peer_side: int | None
) -> None:
    args = {"sites": [peer, AZ], "connectivity": {}, "ipam": {"ipv6_supernet": "fd00:1::/48"}}

    def program() -> None:  # providers named after their sites, as a stack's are
        parsed = HybridVpcArgs.model_validate(args)
        net = HybridVpc("core", parsed, providers=SiteProviders(parsed.sites))
        pulumi.export("links", net.links)

    idx = estate_of(run(program))
    edges = [e for e in facts(idx).edges if e.kind == "vpn"]
    assert sum(e.sides.get("azure-weu1", 0) for e in edges) == azure_side
    if peer_side is not None:  # a device is an external peer: only the Azure side is in the plan
        [edge] = edges
        assert edge.sides.get(peer["name"]) == peer_side
    [link] = idx.of_type(LINK)
    assert link.props["tunnels"] == azure_side
    assert check_stack(CLAIMS, idx.resources) == []
    assert [f.message for f in check_stack(TUNNELS, idx.resources)] == []


# -- DNS and data ---------------------------------------------------------------------------------------


def _traffic_manager() -> list[Resource]:
    app_ip = azure(PIP, "app-ip", {"ipAddress": "192.0.2.80"})
    lb = azure(LB, "lb", {}, prop_deps={"frontendIpConfigurations": [app_ip.urn]})
    ss = scale_set(deps=[lb.urn])
    eip = res(EIP, "aws-ip", {"publicIp": "198.51.100.7"}, site="aws-use1")
    profile = azure(TM_PROFILE, "tm", {"dnsConfig": {"relativeName": "shop-example-com"}}, site="azure-neu1")
    endpoints = [
        azure(
            TM_ENDPOINT,
            f"ep-{target.name}",
            {"target": "x", "endpointType": "ExternalEndpoints"},
            prop_deps={"profileName": [profile.urn], "target": [target.urn]},
        )
        for target in (app_ip, eip)
    ]
    return [app_ip, lb, ss, eip, profile, *endpoints]


def test_traffic_manager_is_a_dns_service_with_its_endpoints_as_targets() -> None:
    estate = facts(index(providers(), _traffic_manager()))
    tm = estate.dns["shop-example-com.trafficmanager.net"]
    assert tm.services == {"Traffic Manager"} and tm.dns_vendors == {"azure"}
    assert estate.target_vendors(tm) == {"azure", "aws"}
    [finding] = check_stack(DNS_VENDOR, [*providers(), *_traffic_manager()])
    assert "served by Traffic Manager (Azure) only" in finding.message


def test_an_azure_dns_cname_to_traffic_manager_answers_with_its_endpoints() -> None:
    cname = azure(
        RECORD,
        "shop",
        {
            "zoneName": "example.com",
            "relativeRecordSetName": "shop",
            "recordType": "CNAME",
            "cnameRecord": {"cname": "shop-example-com.trafficmanager.net"},
        },
    )
    estate = facts(index(providers(), _traffic_manager(), [cname]))
    shop = estate.dns["shop.example.com"]
    assert shop.services == {"Azure DNS"} and estate.target_vendors(shop) == {"azure", "aws"}


def test_compute_behind_traffic_manager_is_a_service_that_must_survive_losing_azure() -> None:
    """The scale set (no component owns it) serves the profile through the load balancer's address."""
    estate = facts(index(providers(), _traffic_manager()))
    [service] = estate.services
    assert service.label == "DNS name 'shop-example-com.trafficmanager.net'"
    assert [u.name for u in service.units] == ["web"]
    [finding] = check_stack(SURVIVES, [*providers(), *_traffic_manager()])
    assert "losing vendor 'azure' leaves 0 of 4" in finding.message


def _blob(versioned: bool = True, parent: str | None = None) -> list[Resource]:
    extra = {"parent": parent} if parent else {}
    account = azure(ACCOUNT, "st", {"allowBlobPublicAccess": False}, protect=True, **extra)
    service = azure(
        SERVICE, "blob", {"isVersioningEnabled": versioned}, prop_deps={"accountName": [account.urn]}
    )
    container = azure(
        CONTAINER,
        "assets",
        {"publicAccess": "None"},
        protect=True,
        prop_deps={"accountName": [account.urn]},
        **extra,
    )
    return [account, service, container]


def test_a_blob_container_is_a_bucket_a_component_may_claim() -> None:
    bucket = res(BUCKETS, "assets", {"buckets": {"azure-weu1": "st/assets"}})
    estate = facts(index(providers(), _blob(parent=bucket.urn)))
    assert [[b.name for b in group] for group in estate.datasets.values()] == [["assets"]]
    assert check_stack(CLAIMS, [*providers(), bucket, *_blob(parent=bucket.urn)]) == []
    [finding] = check_stack(CLAIMS, [*providers(), bucket])
    assert "keeps a copy on azure-weu1 but the plan has no bucket or container" in finding.message
    assert "Blob container" in finding.message


def test_blob_versioning_is_the_accounts_blob_service() -> None:
    assert check_stack(VERSIONED, [*providers(), *_blob()]) == []
    [finding] = check_stack(VERSIONED, [*providers(), *_blob(versioned=False)])
    assert finding.message.startswith("Blob container 'assets' is not versioned")
    account, _, container = _blob()
    [alone] = check_stack(VERSIONED, [*providers(), account, container])
    assert alone.urn == container.urn


# -- every Azure rule through the real Analyzer protocol ------------------------------------------------


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="proj", stack="test") as process:
        process.configure({})
        yield process


def _names(diagnostics: list[Any]) -> set[str]:
    return {d.policy_name for d in diagnostics}


def _nsg(rule: dict[str, Any]) -> Resource:
    base = {"name": "r", "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "priority": 100}
    return azure("azure-native:network:NetworkSecurityGroup", "nsg", {"securityRules": [{**base, **rule}]})


def test_nsg_rules_open_to_the_world(pack: PolicyPackProcess) -> None:
    [diag] = pack.analyze(wire(_nsg({"sourceAddressPrefix": "Internet", "destinationPortRange": "22"})))
    assert diag.policy_name == OPEN and diag.mandatory
    assert "securityRules[0] (r) opens port(s) 22 to Internet" in diag.detail
    star = _nsg({"sourceAddressPrefix": "*", "destinationPortRange": "*"})
    assert _names(pack.analyze(wire(star))) == {OPEN}
    rule = azure(
        "azure-native:network:SecurityRule",
        "rdp",
        {
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "*",
            "sourceAddressPrefixes": ["0.0.0.0/0"],
            "destinationPortRanges": ["3000-3400"],
        },
    )
    [rdp] = pack.analyze(wire(rule))
    assert rdp.policy_name == OPEN and "opens port(s) 3306, 3389 to 0.0.0.0/0" in rdp.detail
    for harmless in (
        {"sourceAddressPrefix": "Internet", "destinationPortRange": "443"},
        {"sourceAddressPrefixes": ["10.0.0.0/8"], "destinationPortRange": "22"},
        {"sourceAddressPrefix": "Internet", "destinationPortRange": "22", "access": "Deny"},
        {"sourceAddressPrefix": "Internet", "destinationPortRange": "22", "direction": "Outbound"},
    ):
        assert pack.analyze(wire(_nsg(harmless))) == [], harmless


def _conn(**props: Any) -> Resource:
    base = {"connectionType": "IPsec", "connectionProtocol": "IKEv2"}
    return azure(CONNECTION, "vpn", {**base, **props}, secret_outputs=["sharedKey"])


def test_weak_or_default_ike_on_connections(pack: PolicyPackProcess) -> None:
    assert pack.analyze(wire(_conn(ipsecPolicies=[GOOD_POLICY]))) == []
    [default] = pack.analyze(wire(_conn()))
    assert default.policy_name == IKE and "ipsecPolicies is unset" in default.detail
    weak = pack.analyze(
        wire(_conn(ipsecPolicies=[{**GOOD_POLICY, "dhGroup": "DHGroup2", "ikeIntegrity": "SHA1"}]))
    )
    details = " ".join(d.detail for d in weak)
    assert _names(weak) == {IKE}
    assert "dhGroup is DHGroup2 (group 2 < 14)" in details and "ikeIntegrity is SHA1" in details
    [v1] = pack.analyze(wire(_conn(ipsecPolicies=[GOOD_POLICY], connectionProtocol="IKEv1")))
    assert "connectionProtocol is IKEv1" in v1.detail
    assert pack.analyze(wire(_conn(connectionType="ExpressRoute"))) == []


def test_public_blob_access(pack: PolicyPackProcess) -> None:
    [diag] = pack.analyze(wire(azure(ACCOUNT, "st", {"allowBlobPublicAccess": True}, protect=True)))
    assert diag.policy_name == PUBLIC and "allowBlobPublicAccess is true" in diag.detail
    assert pack.analyze(wire(azure(ACCOUNT, "st", {"allowBlobPublicAccess": False}, protect=True))) == []
    public = azure(CONTAINER, "c", {"publicAccess": "Blob"}, protect=True)
    assert _names(pack.analyze(wire(public))) == {PUBLIC}
    assert pack.analyze(wire(azure(CONTAINER, "c", {"publicAccess": "None"}, protect=True))) == []


def test_storage_accounts_take_https_and_modern_tls_only(pack: PolicyPackProcess) -> None:
    plain = azure(
        ACCOUNT, "st", {"enableHttpsTrafficOnly": False, "minimumTlsVersion": "TLS1_0"}, protect=True
    )
    diagnostics = pack.analyze(wire(plain))
    assert _names(diagnostics) == {TRANSPORT}
    assert len(diagnostics) == 2 and all(d.mandatory for d in diagnostics)
    strict = {"enableHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2"}
    assert pack.analyze(wire(azure(ACCOUNT, "st", strict, protect=True))) == []


def test_unprotected_storage_is_refused_like_every_stateful_resource(pack: PolicyPackProcess) -> None:
    assert _names(pack.analyze(wire(azure(CONTAINER, "c", {"publicAccess": "None"})))) == {
        "skyweave-security-stateful-protected"
    }


def test_disks_encrypted_at_host(pack: PolicyPackProcess) -> None:
    [diag] = pack.analyze(wire(azure(VMSS, "ss", {"virtualMachineProfile": {"securityProfile": {}}})))
    assert diag.policy_name == VOLUMES
    assert "virtualMachineProfile.securityProfile.encryptionAtHost is unset" in diag.detail
    ok = {"virtualMachineProfile": {"securityProfile": {"encryptionAtHost": True}}}
    assert pack.analyze(wire(azure(VMSS, "ss", ok))) == []
    [vm] = pack.analyze(wire(azure(VM, "vm", {"securityProfile": {"encryptionAtHost": False}})))
    assert vm.policy_name == VOLUMES and "securityProfile.encryptionAtHost is False" in vm.detail
    assert pack.analyze(wire(azure(VM, "vm", {"securityProfile": {"encryptionAtHost": True}}))) == []


def test_vpn_gateways_are_active_active_on_a_zone_redundant_sku(pack: PolicyPackProcess) -> None:
    assert pack.analyze(wire(gateway())) == []
    bad = gateway({**GOOD_GATEWAY, "activeActive": False, "sku": {"name": "VpnGw1", "tier": "VpnGw1"}})
    diagnostics = pack.analyze(wire(bad))
    assert _names(diagnostics) == {GATEWAY_HA}
    details = " ".join(d.detail for d in diagnostics)
    assert (
        "activeActive is not true" in details and "sku.name is VpnGw1, which is not zone-redundant" in details
    )
    assert pack.analyze(wire(gateway({"gatewayType": "ExpressRoute", "sku": {"name": "Standard"}}))) == []


def _stack(pack: PolicyPackProcess, resources: Iterable[Resource]) -> list[Any]:
    return pack.analyze_stack([wire(r) for r in [res("pulumi:pulumi:Stack", "proj-test"), *resources]])


def test_stack_rules_judge_azure_from_its_resources(pack: PolicyPackProcess) -> None:
    """Zone spread, tunnels and claims through the protocol: the facts behind each are Azure's."""
    stack_rules = {ZONES.name, TUNNELS.name, CLAIMS.name}
    ends = {"siteA": "aws-use1", "vendorA": "aws", "siteB": "azure-weu1", "vendorB": "azure", "kind": "vpn"}
    link = res(LINK, "l", {**ends, "tunnels": 4})
    aws, az = aws_to_azure(parent=link.urn)
    good = [*providers(), link, *aws, *az, scale_set(zones=("1", "2"))]
    assert not _names(_stack(pack, good)) & stack_rules
    _, short = aws_to_azure(connections=2, parent=link.urn)
    bad = [*providers(), link, *aws, *short, scale_set(zones=("1",))]
    found = [d for d in _stack(pack, bad) if d.policy_name in stack_rules]
    assert {d.policy_name for d in found} == stack_rules and all(d.mandatory for d in found)
    details = " ".join(d.detail for d in found)
    assert "site 'azure-weu1' runs compute in 1 zone(s)" in details
    assert "has 2 tunnel(s); it needs 4" in details
    assert "claims 4 tunnel(s) between aws-use1 and azure-weu1 but the plan has only 2" in details


def test_azure_counts_once_however_its_resources_spell_it(pack: PolicyPackProcess) -> None:
    placements = [{"site": "azure-weu1", "vendor": "azure", "region": "westeurope", "zone": "1", "count": 2}]
    estate = [
        azure(VNET, "vnet", {}),
        res(APP, "web", {"placements": placements, "minHealthy": 1, "survive": "zone"}),
    ]
    [diag] = [d for d in _stack(pack, estate) if d.policy_name == "skyweave-redundancy-min-vendors"]
    assert "spans 1 vendor(s) (azure)" in diag.detail


def test_the_prod_preview_passes_every_rule_on_its_azure_resources(
    pack: PolicyPackProcess, prod_run: OfflineRun
) -> None:
    for_analyze, for_stack = resources_from_run(prod_run)
    azure_urns = {r.urn for r in for_analyze if r.type.startswith("azure-native:")}
    assert len(azure_urns) > 40
    found = [d for r in for_analyze if r.urn in azure_urns for d in pack.analyze(r)]
    assert found == [], [(d.policy_name, d.detail) for d in found]
    # The Blob container holds a copy the shop writes itself: prod's policy config waives it.
    stack = [
        (d.policy_name, d.urn.rsplit("::", 1)[-1])
        for d in pack.analyze_stack(for_stack)
        if d.urn in azure_urns
    ]
    assert stack == [("skyweave-redundancy-bucket-copied-to-another-vendor", "assets-container-azure-weu1")]
