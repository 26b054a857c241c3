"""Azure (docs/azure.md): the site model and network, each link shape, the APIPA tunnel addresses,
MultiCloudApp, Traffic Manager and Blob storage (the policy pack on Azure: test_policy_azure.py)."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import run
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave import HybridVpc, HybridVpcArgs, InvalidArgsError, SiteProviders
from skyweave.app.multi_cloud_app import MultiCloudApp
from skyweave.app.plan import MultiCloudAppArgs, plan_multi_cloud_app
from skyweave.core.errors import PlanningError
from skyweave.drivers.azure import preview
from skyweave.drivers.azure.driver import AzureSiteArgs, ipsec_policy
from skyweave.engine.offline import OfflineRun, Registration
from skyweave.network.links import active_active
from skyweave.planning.tunnels import (
    RESERVED_INSIDE_CIDRS,
    inside_cidr_problem,
    inside_range,
    plan_tunnel_blocks,
    tunnel_cidrs,
)
from skyweave.planning.vpn import CipherSet, VpnEndpoint
from skyweave.storage.multi_cloud_bucket import MultiCloudBucket

ROOT = Path(__file__).resolve().parent.parent
SUB = "11111111-2222-4333-8444-555555555555"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyForTheAzureScaleSet0000 ops@example.com"
AZ = {"name": "azure-weu1", "vendor": "azure", "region": "westeurope", "subscription_id": SUB}
AZ2 = {"name": "azure-neu1", "vendor": "azure", "region": "northeurope", "subscription_id": SUB}
AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
OS = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "auth_url": "https://k.example:5000/v3"}
PREM = {
    "name": "onprem",
    "vendor": "onprem",
    "region": "fra",
    "cidrs": ["10.200.0.0/16"],
    "vpn_peer_ip": "203.0.113.10",
    "vpn_secondary_peer_ip": "203.0.113.11",
    "bgp": True,
}
APIPA = (ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24"))
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
LNG = "azure-native:network:LocalNetworkGateway"
GATEWAY = "azure-native:network:VirtualNetworkGateway"


def build(*sites: dict[str, Any], **connectivity: Any) -> OfflineRun:
    args = {"sites": list(sites), "connectivity": connectivity, "ipam": {"ipv6_supernet": "fd00:1::/48"}}

    def program() -> None:
        net = HybridVpc("core", HybridVpcArgs.model_validate(args))
        pulumi.export("links", net.links)
        pulumi.export("devices", net.onprem_devices)

    return run(program)


def of_type(result: OfflineRun, type_: str) -> list[Registration]:
    return sorted((r for r in result.resources if r.type == type_), key=lambda r: r.name)


def by_name(result: OfflineRun) -> dict[str, Registration]:
    return {r.name: r for r in result.resources}


def stand_in(reg: Registration, key: str) -> Any:
    """What the offline preview computes for an output the provider fills in (drivers/azure/preview.py)."""
    return preview.preview_outputs(reg.type, reg.name, reg.inputs)[key]


def in_apipa(address: str) -> bool:
    net = ipaddress.ip_network(address, strict=False)
    return any(net.subnet_of(r) for r in APIPA)  # type: ignore[arg-type]


# --- the site model ---------------------------------------------------------------------------------


def test_site_defaults_and_validation() -> None:
    site = AzureSiteArgs.model_validate(AZ)
    assert site.zones == ("1", "2", "3") and site.vpn_gateway_sku == "VpnGw1AZ"
    for bad, path, text in (
        ({"region": "westurope"}, "region", "not an Azure region with availability zones"),
        ({"zones": ["1", "4"]}, "zones[1]", "Azure zones are 1, 2, 3"),
        ({"vpn_gateway_sku": "VpnGw1"}, "vpn_gateway_sku", "VpnGw1AZ"),
        ({"subscription_id": "not-a-uuid"}, "subscription_id", "pattern"),
    ):
        with pytest.raises(InvalidArgsError) as info:
            plan_network([{**AZ, **bad}])
        assert any(path in issue.path and text in str(issue) for issue in info.value.issues), info.value


def plan_network(sites: list[dict[str, Any]]) -> None:
    from pydantic import ValidationError
    from skyweave.core.validation import issues_from_validation
    from skyweave.network.hybrid_vpc import plan_hybrid_vpc

    try:
        args = HybridVpcArgs.model_validate({"sites": sites})
    except ValidationError as exc:
        raise InvalidArgsError(issues_from_validation(exc, {"sites": sites}, HybridVpcArgs)) from None
    plan_hybrid_vpc(args)


def test_without_the_extra_an_azure_site_is_a_config_error_naming_it() -> None:
    code = f"""
import sys
sys.modules["pulumi_azure_native"] = None  # as if `pip install skyweave` without the extra
from skyweave.core.errors import ConfigError
from skyweave.estate.config import parse_stack_config
try:
    parse_stack_config({{"sites": [{AZ!r}]}}, source="Pulumi.x.yaml")
except ConfigError as exc:
    print(exc)
sdks = [m for m in sys.modules if m.split(".")[0] in ("pulumi_aws", "pulumi_gcp", "pulumi_openstack")]
print("provider SDKs loaded:", sdks)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "skyweave:sites[0].vendor" in out.stdout
    assert "pip install 'skyweave[azure]'" in out.stdout
    assert "provider SDKs loaded: []" in out.stdout, "validating a stack file loads no provider SDK"


def test_network_on_its_provider() -> None:
    result = build({**AZ, "nat_gateway": True, "ipv6": True}, topology="none")
    (provider,) = of_type(result, "pulumi:providers:azure-native")
    assert provider.inputs["subscriptionId"] == SUB and provider.inputs["location"] == "westeurope"
    names = by_name(result)
    vnet = names["core-vnet-azure-weu1"]
    v4, v6 = vnet.inputs["addressSpace"]["addressPrefixes"]
    assert ipaddress.ip_network(v4).version == 4 and ipaddress.ip_network(v6).prefixlen == 56
    main, gateway = names["core-subnet-azure-weu1-main"], names["core-subnet-azure-weu1-gateway"]
    assert gateway.inputs["subnetName"] == "GatewaySubnet" and "subnetName" not in main.inputs
    assert len(main.inputs["addressPrefixes"]) == 2 and main.inputs["defaultOutboundAccess"] is False
    assert main.inputs["natGateway"]["id"] and names["core-nat-azure-weu1"].inputs["zones"] == ["1"]
    assert main.urn in gateway.dependencies, "Azure changes one subnet of a VNet at a time"
    assert all(r.provider == provider.urn for r in result.resources if r.package == "azure-native")


# --- the tunnel planner: Azure's APIPA range ---------------------------------------------------------

NARROW = inside_range(VpnEndpoint.GATEWAY, VpnEndpoint.ACTIVE_ACTIVE)
LINK_IDS = st.lists(
    st.from_regex(r"[a-z]{1,5}-[a-z]{1,5}/[a-z]{1,5}", fullmatch=True), unique=True, max_size=30
)


def test_the_active_active_kind_registers_azures_apipa_range() -> None:
    assert NARROW is not None and NARROW.networks == active_active.APIPA_RANGES
    assert len(NARROW.blocks()) == 16
    assert inside_range(VpnEndpoint.GATEWAY, VpnEndpoint.HA_GATEWAY) is None


@settings(max_examples=60, deadline=None)
@given(
    others=LINK_IDS,
    azure=st.lists(st.from_regex(r"az[a-z]{1,5}/[a-z]{1,5}", fullmatch=True), unique=True, max_size=16),
    more=LINK_IDS,
)
def test_azure_links_get_apipa_blocks_never_reserved_and_stay_put(
    others: list[str], azure: list[str], more: list[str]
) -> None:
    assert NARROW is not None
    links = list(dict.fromkeys(azure + others))
    ranges = {link: NARROW for link in azure}
    blocks = plan_tunnel_blocks(links, {}, ranges=ranges)
    assert len(set(blocks.values())) == len(blocks) == len(links)
    for link in azure:
        assert NARROW.holds(blocks[link])
        for cidr in tunnel_cidrs(blocks[link], 8):
            assert in_apipa(str(cidr)) and cidr not in RESERVED_INSIDE_CIDRS
            assert inside_cidr_problem(str(cidr)) is None
    assert plan_tunnel_blocks(links, {}, ranges=ranges) == blocks, "deterministic"
    # What `ipam lock` records pins every block: growing the estate moves none of them.
    grown_links = list(dict.fromkeys(links + more))
    grown = plan_tunnel_blocks(grown_links, blocks, ranges=ranges)
    assert all(grown[link] == blocks[link] for link in links)


def test_a_pin_outside_the_range_and_a_full_range_are_refused() -> None:
    assert NARROW is not None
    with pytest.raises(PlanningError, match=r"169\.254\.21\.0/24 or 169\.254\.22\.0/24: Azure VPN gateways"):
        plan_tunnel_blocks(["a/b"], {"a/b": ipaddress.IPv4Network("169.254.30.0/27")}, ranges={"a/b": NARROW})
    links = [f"az{i:02d}/x" for i in range(17)]
    with pytest.raises(PlanningError, match="no free /27 left"):
        plan_tunnel_blocks(links, {}, ranges=dict.fromkeys(links, NARROW))


# --- links ---------------------------------------------------------------------------------------------


def _link(result: OfflineRun) -> dict[str, Any]:
    (link,) = result.outputs["links"]["links"].values()
    return dict(link)


def test_aws_azure_is_microsofts_four_tunnel_bgp_shape() -> None:
    result = build(AWS, AZ)
    link = _link(result)
    assert link["shape"] == "aws-azure-vpn" and link["routing"] == "bgp" and link["tunnels"] == 4
    cidrs = [ipaddress.ip_network(c) for c in link["inside_cidrs"]]
    assert all(in_apipa(str(c)) for c in cidrs)
    names = by_name(result)
    ips = [names[f"core-vpn-ip-azure-weu1-{i}"] for i in (0, 1)]
    assert all(ip.inputs["sku"]["name"] == "Standard" and ip.inputs["zones"] == ["1", "2", "3"] for ip in ips)
    # AWS: a customer gateway per Azure instance address, a BGP connection each (two tunnels).
    cgws = [names[f"core-cgw-aws-use1-azure-weu1-{c}"].inputs for c in (0, 1)]
    assert [c["ipAddress"] for c in cgws] == [stand_in(ip, "ipAddress") for ip in ips]
    vpns = [names[f"core-vpn-aws-use1-azure-weu1-{c}"].inputs for c in (0, 1)]
    assert [v["tunnel1InsideCidr"] for v in vpns] + [v["tunnel2InsideCidr"] for v in vpns] == [
        str(cidrs[0]),
        str(cidrs[2]),
        str(cidrs[1]),
        str(cidrs[3]),
    ]
    assert not any(v.get("staticRoutesOnly") for v in vpns)
    # Azure: four local network gateways (AWS .1 as BGP peer) and four connections.
    lngs = of_type(result, LNG)
    assert sorted(g.inputs["bgpSettings"]["bgpPeeringAddress"] for g in lngs) == sorted(
        str(c.network_address + 1) for c in cidrs
    )
    conns = of_type(result, CONNECTION)
    assert len(conns) == 4
    expected_policy = {
        "ikeEncryption": "AES256",
        "ikeIntegrity": "SHA256",
        "dhGroup": "DHGroup14",
        "ipsecEncryption": "AES256",
        "ipsecIntegrity": "SHA256",
        "pfsGroup": "PFS2048",
        "saLifeTimeSeconds": 3600,
        "saDataSizeKilobytes": 102400000,
    }
    second = [str(c.network_address + 2) for c in cidrs]
    for index, conn in enumerate(conns):
        i = conn.inputs
        assert (
            i["connectionProtocol"] == "IKEv2" and i["enableBgp"] is True and i["connectionType"] == "IPsec"
        )
        assert i["ipsecPolicies"] == [expected_policy]
        assert i["sharedKey"] == "[secret]"
        t = index % 2  # connection (c, t): instance i speaks from tunnel (i, t)'s second address
        custom = [e["customBgpIpAddress"] for e in i["gatewayCustomBgpIpAddresses"]]
        assert custom == [second[t], second[2 + t]]
    (gateway,) = of_type(result, GATEWAY)
    g = gateway.inputs
    assert g["activeActive"] is True and g["enableBgp"] is True and g["sku"]["name"] == "VpnGw1AZ"
    assert g["vpnGatewayGeneration"] == "Generation1" and g["gatewayType"] == "Vpn"
    lists = [p["customBgpIpAddresses"] for p in g["bgpSettings"]["bgpPeeringAddresses"]]
    assert lists == [second[:2], second[2:]]
    assert names["core-subnet-azure-weu1-gateway"].urn in gateway.dependencies


def test_gcp_azure_is_ha_vpn_to_the_two_instances() -> None:
    result = build(GCP, AZ)
    link = _link(result)
    assert link["shape"] == "gcp-azure-ha-vpn" and link["tunnels"] == 2 and link["routing"] == "bgp"
    assert all(in_apipa(c) for c in link["inside_cidrs"])
    (external,) = of_type(result, "gcp:compute/externalVpnGateway:ExternalVpnGateway")
    assert external.inputs["redundancyType"] == "TWO_IPS_REDUNDANCY"
    assert [i["id"] for i in external.inputs["interfaces"]] == [0, 1]
    tunnels = of_type(result, "gcp:compute/vPNTunnel:VPNTunnel")
    assert [(t.inputs["vpnGatewayInterface"], t.inputs["peerExternalGatewayInterface"]) for t in tunnels] == [
        (0, 0),
        (1, 1),
    ]
    asns = result.outputs["links"]["asns"]
    for peer, cidr in zip(
        of_type(result, "gcp:compute/routerPeer:RouterPeer"), link["inside_cidrs"], strict=True
    ):
        net = ipaddress.ip_network(cidr)
        assert peer.inputs["peerAsn"] == asns["azure-weu1"]
        assert (peer.inputs["ipAddress"], peer.inputs["peerIpAddress"]) == (
            str(net.network_address + 1),
            str(net.network_address + 2),
        )
    assert len(of_type(result, LNG)) == 2 and len(of_type(result, CONNECTION)) == 2


def test_bgp_devices_get_two_tunnels_each_and_complete_entries() -> None:
    result = build(PREM, AZ)
    link = _link(result)
    assert link["shape"] == "azure-vpn-device" and link["tunnels"] == 4
    lngs = {g.inputs["gatewayIpAddress"]: g.inputs for g in of_type(result, LNG)}
    assert set(lngs) == {"203.0.113.10", "203.0.113.11"}
    assert len(of_type(result, CONNECTION)) == 2
    # One key per device: both of its tunnels are one Azure connection.
    assert len(of_type(result, "random:index/randomPassword:RandomPassword")) == 2
    entries = result.outputs["devices"]["onprem"]
    assert Counter(e["device"] for e in entries) == {"203.0.113.10": 2, "203.0.113.11": 2}
    for entry in entries:
        lng = lngs[entry["device"]]
        assert entry["local_inside_ip"] == lng["bgpSettings"]["bgpPeeringAddress"]
        assert ipaddress.ip_address(entry["remote_inside_ip"]) in ipaddress.ip_network(entry["inside_cidr"])
        assert entry["routing"] == "bgp" and entry["remote_vendor"] == "azure"
    psk_refs = {e["device"]: set() for e in entries}
    for e in entries:
        psk_refs[e["device"]].add(e["psk"])
    assert all(len(refs) == 2 for refs in psk_refs.values())  # two entries, one key each (same value)


OS_APPLIANCE = {
    **OS,
    "vpn": "appliance",
    "vpn_appliance": {"image": "debian-12-genericcloud", "flavor": "m1.small"},
}


def test_an_openstack_appliance_pair_gets_a_tunnel_from_each_instance_to_its_azure_instance() -> None:
    """vpn: appliance: one local network gateway and one connection per appliance instance (its
    floating IP, its BGP address), instance i <-> Azure instance i, each BGP session inside one
    APIPA /30 (the appliance the first host, the Azure instance the second)."""
    from skyweave.drivers.openstack import preview as os_preview

    result = build(OS_APPLIANCE, AZ)
    link = _link(result)
    assert (link["shape"], link["routing"], link["tunnels"]) == ("azure-vpn-appliance", "bgp", 2)
    assert link["sites"] == ["os-dc1", "azure-weu1"] and link["active_paths"] == 2 and link["redundant"]
    cidrs = [ipaddress.ip_network(c) for c in link["inside_cidrs"]]
    assert all(in_apipa(str(c)) for c in cidrs)
    names = by_name(result)
    fips = [names[f"core-appliance-fip-os-dc1-{i}"] for i in (0, 1)]
    fip_addresses = [os_preview.preview_outputs(f.type, f.name, f.inputs)["address"] for f in fips]
    azure_ips = [stand_in(names[f"core-vpn-ip-azure-weu1-{i}"], "ipAddress") for i in (0, 1)]
    asns = result.outputs["links"]["asns"]
    for i, cidr in enumerate(cidrs):
        first, second = str(cidr.network_address + 1), str(cidr.network_address + 2)
        lng = names[f"core-lng-azure-weu1-os-dc1-{i}"].inputs
        assert lng["gatewayIpAddress"] == fip_addresses[i]
        assert lng["bgpSettings"] == {"asn": asns["os-dc1"], "bgpPeeringAddress": first}
        conn = names[f"core-vpn-azure-weu1-os-dc1-{i}"].inputs
        assert conn["enableBgp"] is True and conn["sharedKey"] == "[secret]"
        custom = [e["customBgpIpAddress"] for e in conn["gatewayCustomBgpIpAddresses"]]
        assert custom[i] == second  # Azure instance i speaks from the second host of tunnel i
    (gateway,) = of_type(result, GATEWAY)
    lists = [p["customBgpIpAddresses"] for p in gateway.inputs["bgpSettings"]["bgpPeeringAddresses"]]
    assert lists == [[str(c.network_address + 2)] for c in cidrs]
    # The appliance pair opens IKE, NAT-T and ESP to both Azure instances and routes Azure's range.
    for kind in ("ike", "natt", "esp"):
        opened = {
            names[f"core-appliance-{kind}-os-dc1-azure-weu1-{i}"].inputs["remoteIpPrefix"] for i in (0, 1)
        }
        assert opened == {f"{ip}/32" for ip in azure_ips}
    route = names["core-appliance-route-os-dc1-azure-weu1-0"].inputs
    vnet = names["core-vnet-azure-weu1"].inputs["addressSpace"]["addressPrefixes"]
    assert [route["destinationCidr"]] == [c for c in vnet if ":" not in c]
    assert len(of_type(result, "openstack:compute/instance:Instance")) == 2


@pytest.mark.parametrize(
    ("peer", "text"),
    [
        ({**PREM, "bgp": False}, "does not declare a BGP-capable device"),
        (OS, "Neutron VPNaaS has none"),
        (OS, "give the OpenStack site a route-based BGP appliance pair"),
        ({**OS_APPLIANCE, "asn": 65515}, "which Azure reserves"),
        ({**AWS, "asn": 65515}, "which Azure reserves"),
    ],
    ids=["static-device", "openstack", "openstack-remedy", "appliance-reserved-asn", "reserved-asn"],
)
def test_pairs_azure_cannot_join_are_refused_with_the_reason(peer: dict[str, Any], text: str) -> None:
    with pytest.raises(InvalidArgsError, match=text):
        plan_network([peer, AZ])


def test_the_azure_site_itself_may_keep_azures_default_asn() -> None:
    plan_network([AWS, {**AZ, "asn": 65515}])


def test_two_azure_sites_peer_both_directions_one_after_the_other() -> None:
    result = build(AZ, AZ2)
    assert _link(result)["shape"] == "azure-vpc-peering"
    peerings = of_type(result, "azure-native:network:VirtualNetworkPeering")
    vnets = {
        r.inputs["addressSpace"]["addressPrefixes"][0]: r
        for r in of_type(result, "azure-native:network:VirtualNetwork")
    }
    assert len(peerings) == 2 and len(vnets) == 2
    first, second = sorted(peerings, key=lambda p: len(p.dependencies))
    assert first.urn in second.dependencies
    assert all(p.inputs["allowVirtualNetworkAccess"] is True for p in peerings)
    assert {p.inputs["virtualNetworkName"] for p in peerings} == {stand_in(v, "name") for v in vnets.values()}
    assert len({p.inputs["remoteVirtualNetwork"]["id"] for p in peerings}) == 2


def test_azure_connections_refuse_a_proposal_azure_cannot_match() -> None:
    with pytest.raises(ValueError, match="integrity sha512"):
        ipsec_policy(CipherSet(integrity="sha512"))
    with pytest.raises(ValueError, match="IKE lifetime 3600"):
        ipsec_policy(CipherSet(phase1_lifetime=3600))


# --- MultiCloudApp, Traffic Manager, Blob -------------------------------------------------------------

APP: dict[str, Any] = {
    "sites": ["aws-use1", "azure-weu1"],
    "images": {"aws": "ami-0123456789abcdef0", "azure": "Canonical:ubuntu-24_04-lts:server:latest"},
    "sizes": {"aws": "t3.small", "azure": "Standard_D2s_v5"},
    "port": 8080,
    "health_check_path": "/healthz",
    "min_healthy": 3,
}
AZ_APP = {**AZ, "admin_ssh_public_key": KEY}


def build_app(app: dict[str, Any], sites: list[dict[str, Any]] | None = None) -> OfflineRun:
    def program() -> None:
        parsed = HybridVpcArgs.model_validate(
            {"sites": sites or [AWS, AZ_APP], "connectivity": {"topology": "none"}}
        )
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        web = MultiCloudApp("web", app, network=net, providers=providers)
        pulumi.export("availability", web.availability)

    return run(program)


def test_a_zone_balanced_scale_set_behind_a_standard_load_balancer() -> None:
    result = build_app(APP)
    names = by_name(result)
    vmss = names["web-vmss-azure-weu1"]
    lb = names["web-lb-azure-weu1"]
    v = vmss.inputs
    assert v["sku"] == {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 3}
    assert v["zones"] == ["1", "2", "3"] and v["orchestrationMode"] == "Uniform"
    # Best-effort balance: strict balance would fail a scale-out while a zone is down (PSRule
    # Azure.VMSS.ZoneBalance; APRL "Disable Force strictly even balance across zones").
    assert v["zoneBalance"] is False
    assert v["upgradePolicy"]["mode"] == "Rolling" and v["upgradePolicy"]["rollingUpgradePolicy"]["maxSurge"]
    assert v["automaticRepairsPolicy"]["enabled"] is True
    profile = v["virtualMachineProfile"]
    assert profile["securityProfile"] == {
        "encryptionAtHost": True,
        "securityType": "TrustedLaunch",
        "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
    }
    linux = profile["osProfile"]["linuxConfiguration"]
    assert linux["disablePasswordAuthentication"] is True and linux["ssh"]["publicKeys"][0]["keyData"] == KEY
    assert profile["storageProfile"]["imageReference"] == {
        "publisher": "Canonical",
        "offer": "ubuntu-24_04-lts",
        "sku": "server",
        "version": "latest",
    }
    assert profile["storageProfile"]["osDisk"]["managedDisk"]["storageAccountType"] == "Premium_LRS"
    probe_id = profile["networkProfile"]["healthProbe"]["id"]
    assert probe_id.endswith(f"/loadBalancers/{lb.inputs['loadBalancerName']}/probes/health")
    assert lb.urn in vmss.dependencies
    lbi = lb.inputs
    assert lbi["sku"]["name"] == "Standard" and lbi["probes"][0]["requestPath"] == "/healthz"
    assert lbi["probes"][0]["port"] == 8080 and lbi["loadBalancingRules"][0]["frontendPort"] == 8080
    assert lbi["loadBalancingRules"][0]["disableOutboundSnat"] is True
    rules = names["web-nsg-azure-weu1"].inputs["securityRules"]
    world = [r for r in rules if r.get("sourceAddressPrefix") == "Internet"]
    assert [(r["destinationPortRange"], r["access"]) for r in world] == [("8080", "Allow")]
    admin = [r for r in rules if r["name"].startswith("admin")]
    assert admin and all(r["destinationPortRanges"] == ["22"] and r["sourceAddressPrefixes"] for r in admin)
    assert all("Internet" not in r.get("sourceAddressPrefixes", []) for r in rules)


def test_azure_availability_starts_from_the_multi_zone_vm_sla() -> None:
    sites = HybridVpcArgs.model_validate({"sites": [AWS, AZ_APP]}).sites
    plan = plan_multi_cloud_app(MultiCloudAppArgs.model_validate(APP), sites)
    (azure,) = [s for s in plan.availability.sites if s.vendor == "azure"]
    assert azure.availability == 0.9999 and "multi-zone" in azure.source
    assert {p.vendor for p in plan.capacity.placements} == {"aws", "azure"}


def test_an_app_on_a_site_without_an_ssh_key_is_refused_before_anything_registers() -> None:
    sites = HybridVpcArgs.model_validate({"sites": [AWS, AZ]}).sites
    with pytest.raises(InvalidArgsError) as info:
        plan_multi_cloud_app(MultiCloudAppArgs.model_validate(APP), sites)
    assert any(i.path == "sites[1]" and "admin_ssh_public_key" in i.message for i in info.value.issues)


DNS = {
    "vendor": "azure",
    "zone": "dns-rg/example.com",
    "record_name": "shop.example.com",
    "check_interval_seconds": 30,
    "failure_threshold": 3,
}


def test_traffic_manager_weighted_and_health_checked() -> None:
    result = build_app({**APP, "dns": DNS})
    names = by_name(result)
    profile = names["web-dns-tm"].inputs
    assert profile["trafficRoutingMethod"] == "Weighted" and profile["location"] == "global"
    assert profile["resourceGroupName"] == "dns-rg"
    assert profile["dnsConfig"] == {"relativeName": "shop-example-com", "ttl": 60}
    monitor = profile["monitorConfig"]
    assert (monitor["protocol"], monitor["port"], monitor["path"]) == ("HTTP", 8080, "/healthz")
    assert (
        monitor["intervalInSeconds"],
        monitor["toleratedNumberOfFailures"],
        monitor["timeoutInSeconds"],
    ) == (
        30,
        2,
        5,
    )
    endpoints = [names[f"web-dns-endpoint-{s}"].inputs for s in ("aws-use1", "azure-weu1")]
    assert all(e["endpointType"] == "ExternalEndpoints" and e["weight"] >= 1 for e in endpoints)
    record = names["web-dns-record"].inputs
    assert (record["recordType"], record["zoneName"], record["relativeRecordSetName"]) == (
        "CNAME",
        "example.com",
        "shop",
    )
    assert record["cnameRecord"] == {"cname": "shop-example-com.trafficmanager.net"}


def test_traffic_manager_failover_is_priority_routing() -> None:
    result = build_app({**APP, "dns": {**DNS, "routing": "failover"}})
    names = by_name(result)
    assert names["web-dns-tm"].inputs["trafficRoutingMethod"] == "Priority"
    assert [names[f"web-dns-endpoint-{s}"].inputs["priority"] for s in ("aws-use1", "azure-weu1")] == [1, 2]


@pytest.mark.parametrize(
    ("dns", "text"),
    [
        ({"zone": "example.com"}, "<resource group>/<zone>"),
        ({"record_name": "example.com"}, "not its apex"),
        ({"check_interval_seconds": 20}, "every 10 or 30 seconds"),
        ({"source_regions": ["us-east4", "europe-west1", "asia-southeast1"]}, "Cloud DNS only"),
    ],
)
def test_traffic_manager_refuses_what_it_cannot_do(dns: dict[str, Any], text: str) -> None:
    sites = HybridVpcArgs.model_validate({"sites": [AWS, AZ_APP]}).sites
    with pytest.raises(InvalidArgsError, match=text):
        plan_multi_cloud_app(MultiCloudAppArgs.model_validate({**APP, "dns": {**DNS, **dns}}), sites)


def build_bucket(args: dict[str, Any]) -> OfflineRun:
    def program() -> None:
        sites = HybridVpcArgs.model_validate({"sites": [AWS, AZ, GCP]}).sites
        store = MultiCloudBucket("assets", args, sites=sites, providers=SiteProviders(sites))
        pulumi.export("buckets", store.buckets)

    return run(program)


def test_a_blob_copy_is_private_versioned_encrypted_zone_redundant_and_protected() -> None:
    result = build_bucket({"s3_site": "aws-use1", "blob_site": "azure-weu1"})
    names = by_name(result)
    account = names["assets-storage-azure-weu1"]
    a = account.inputs
    assert a["sku"] == {"name": "Standard_ZRS"} and a["kind"] == "StorageV2"
    assert a["allowBlobPublicAccess"] is False and a["allowSharedKeyAccess"] is False
    assert a["enableHttpsTrafficOnly"] is True and a["minimumTlsVersion"] == "TLS1_2"
    assert a["encryption"]["requireInfrastructureEncryption"] is True
    assert a["encryption"]["services"]["blob"]["enabled"] is True
    assert len(a["accountName"]) <= 24 and a["accountName"].isalnum() and a["accountName"].islower()
    service = names["assets-blob-service-azure-weu1"].inputs
    assert service["isVersioningEnabled"] is True and service["deleteRetentionPolicy"]["enabled"] is True
    container = names["assets-container-azure-weu1"]
    assert container.inputs["publicAccess"] == "None"
    assert account.protect and container.protect and names["assets-rg-azure-weu1"].protect
    assert result.outputs["buckets"]["azure-weu1"].endswith("/assets-container-azure-weu1")


def test_gzrs_and_a_blob_site_of_another_vendor() -> None:
    def program() -> None:
        sites = HybridVpcArgs.model_validate({"sites": [AWS, {**AZ, "storage_redundancy": "GZRS"}]}).sites
        MultiCloudBucket(
            "assets",
            {"s3_site": "aws-use1", "blob_site": "azure-weu1"},
            sites=sites,
            providers=SiteProviders(sites),
        )

    assert by_name(run(program))["assets-storage-azure-weu1"].inputs["sku"]["name"] == "Standard_GZRS"
    with pytest.raises(InvalidArgsError, match="must be a azure site"):
        build_bucket({"s3_site": "aws-use1", "blob_site": "gcp-euw1"})
