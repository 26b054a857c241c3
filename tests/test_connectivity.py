"""HybridVpc connectivity: topologies, each vendor pair's HA shape, addresses, keys, routing, graph."""

from __future__ import annotations

import copy
import ipaddress
import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import generated_passwords, run, stack_raw, write_stack
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave import HybridVpc, HybridVpcArgs, InvalidArgsError
from skyweave.cli import EXIT_CONFIG, main
from skyweave.cli.preview import render_text
from skyweave.core.errors import ConfigError, PlanningError
from skyweave.engine.offline import OfflineMocks, OfflineRun, RecordingMonitor, run_program
from skyweave.engine.preview import preview_stack, render_json
from skyweave.planning.asn import AsnRequest, assign_asns, is_private_asn
from skyweave.planning.topology import SiteGraph, Topology, link_id, plan_links
from skyweave.planning.tunnels import (
    RESERVED_INSIDE_CIDRS,
    inside_cidr_problem,
    plan_tunnel_blocks,
    tunnel_cidrs,
)
from skyweave.planning.vpn import safe_psk

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
AWS2 = {"name": "aws-usw2", "vendor": "aws", "region": "us-west-2", "zones": ["us-west-2a", "us-west-2b"]}
AWS_SAME_REGION = {**AWS, "name": "aws-use1-b"}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
GCP2 = {"name": "gcp-usc1", "vendor": "gcp", "region": "us-central1", "project": "proj-67890"}
OS = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "auth_url": "https://k.example:5000/v3"}
OS2 = {**OS, "name": "os-dc2", "auth_url": "https://k2.example:5000/v3"}
ONPREM = {
    "name": "onprem",
    "vendor": "onprem",
    "region": "fra",
    "cidrs": ["10.200.0.0/16"],
    "vpn_peer_ip": "203.0.113.10",
}
ONPREM2 = {**ONPREM, "vpn_secondary_peer_ip": "203.0.113.11"}
ONPREM_BGP = {**ONPREM, "bgp": True}


def build(*sites: dict[str, Any], **connectivity: Any) -> OfflineRun:
    args = {"sites": list(sites), "connectivity": connectivity}

    def program() -> None:
        net = HybridVpc("core", HybridVpcArgs.model_validate(args))
        pulumi.export("links", net.links)
        pulumi.export("devices", net.onprem_devices)

    return run(program)


def link_types(result: OfflineRun) -> Counter[str]:
    """Resource types under the link components (what one link adds)."""
    links = {r.urn for r in result.resources if r.type == "skyweave:network:VpnLink"}
    return Counter(r.type.split(":")[-1] for r in result.resources if r.parent in links)


def site_types(result: OfflineRun) -> Counter[str]:
    """Gateways a site shares between its links (parented to the HybridVpc itself)."""
    vpc = next(r.urn for r in result.resources if r.type == "skyweave:network:HybridVpc")
    shared = {
        "VpnGateway",
        "VpnGatewayRoutePropagation",
        "HaVpnGateway",
        "Router",
        "Service",
        "IkePolicy",
        "IpSecPolicy",
        "EndpointGroup",
    }
    return Counter(t for r in result.resources if r.parent == vpc and (t := r.type.split(":")[-1]) in shared)


def by_type(result: OfflineRun, name: str) -> list[Any]:
    return [r for r in result.resources if r.type.split(":")[-1] == name]


# --- each vendor pair's shape -----------------------------------------------------------------


def test_aws_gcp_is_ha_vpn_with_four_tunnels_and_four_bgp_sessions() -> None:
    result = build(AWS, GCP)
    assert link_types(result) == {
        "CustomerGateway": 2,
        "VpnConnection": 2,
        "ExternalVpnGateway": 1,
        "VPNTunnel": 4,
        "RouterInterface": 4,
        "RouterPeer": 4,
        "RandomPassword": 4,
    }
    assert site_types(result) == {
        "VpnGateway": 1,
        "VpnGatewayRoutePropagation": 3,
        "HaVpnGateway": 1,
        "Router": 1,
    }
    (external,) = by_type(result, "ExternalVpnGateway")
    assert external.inputs["redundancyType"] == "FOUR_IPS_REDUNDANCY"
    assert [i["id"] for i in external.inputs["interfaces"]] == [0, 1, 2, 3]
    (router,) = by_type(result, "Router")
    (vgw,) = by_type(result, "VpnGateway")
    gcp_asn, aws_asn = router.inputs["bgp"]["asn"], int(vgw.inputs["amazonSideAsn"])
    assert gcp_asn != aws_asn and is_private_asn(gcp_asn) and is_private_asn(aws_asn)
    for cgw in by_type(result, "CustomerGateway"):
        assert cgw.inputs["bgpAsn"] == str(gcp_asn) and cgw.inputs["type"] == "ipsec.1"
    aws_tunnels = []
    for conn in sorted(by_type(result, "VpnConnection"), key=lambda r: r.name):
        assert conn.inputs["staticRoutesOnly"] is False
        for n in (1, 2):
            assert conn.inputs[f"tunnel{n}IkeVersions"] == ["ikev2"]
            assert conn.inputs[f"tunnel{n}Phase1EncryptionAlgorithms"] == ["AES256"]
            assert conn.inputs[f"tunnel{n}Phase2IntegrityAlgorithms"] == ["SHA2-256"]
            assert conn.inputs[f"tunnel{n}Phase1DhGroupNumbers"] == [14]
            assert conn.inputs[f"tunnel{n}PresharedKey"] == "[secret]"
            aws_tunnels.append(conn.inputs[f"tunnel{n}InsideCidr"])
    # interface c of the HA VPN gateway reaches connection c; each GCP tunnel uses the AWS tunnel's /30
    tunnels = sorted(by_type(result, "VPNTunnel"), key=lambda r: r.name)
    assert [t.inputs["vpnGatewayInterface"] for t in tunnels] == [0, 0, 1, 1]
    assert [t.inputs["peerExternalGatewayInterface"] for t in tunnels] == [0, 1, 2, 3]
    assert all(t.inputs["ikeVersion"] == 2 and t.inputs["sharedSecret"] == "[secret]" for t in tunnels)
    assert tunnels[0].inputs["cipherSuite"]["phase1"]["dhs"] == ["Group-14"]
    interfaces = sorted(by_type(result, "RouterInterface"), key=lambda r: r.name)
    peers = sorted(by_type(result, "RouterPeer"), key=lambda r: r.name)
    for cidr, iface, peer in zip(aws_tunnels, interfaces, peers, strict=True):
        net = ipaddress.IPv4Network(cidr)
        assert iface.inputs["ipRange"] == f"{net.network_address + 2}/30"  # GCP is the customer side
        assert peer.inputs["peerIpAddress"] == str(net.network_address + 1)  # AWS takes the first
        assert peer.inputs["peerAsn"] == aws_asn


def test_aws_openstack_is_static_vpn_with_vpnaas_on_an_explicit_policy() -> None:
    result = build(AWS, OS)
    assert link_types(result) == {
        "CustomerGateway": 1,
        "VpnConnection": 1,
        "VpnConnectionRoute": 1,
        "EndpointGroup": 1,
        "SiteConnection": 2,
        "RandomPassword": 2,
    }
    (conn,) = by_type(result, "VpnConnection")
    assert conn.inputs["staticRoutesOnly"] is True
    (route,) = by_type(result, "VpnConnectionRoute")
    assert route.inputs["destinationCidrBlock"] == "10.1.0.0/16"
    (ike,) = by_type(result, "IkePolicy")
    assert ike.inputs | {"lifetimes": None} == {
        "ikeVersion": "v2",
        "encryptionAlgorithm": "aes-256",
        "authAlgorithm": "sha256",
        "pfs": "group14",
        "phase1NegotiationMode": "main",
        "lifetimes": None,
    }
    (ipsec,) = by_type(result, "IpSecPolicy")
    assert (ipsec.inputs["pfs"], ipsec.inputs["authAlgorithm"]) == ("group14", "sha256")
    peer_group = next(g for g in by_type(result, "EndpointGroup") if g.inputs["type"] == "cidr")
    assert peer_group.inputs["endpoints"] == ["10.0.0.0/16"]
    (ike,) = by_type(result, "IkePolicy")
    assert ike.name.startswith("core-ike-policy-os-dc1")
    for sc in by_type(result, "SiteConnection"):
        # the explicit policy: its id (a Neutron UUID offline) comes from that IkePolicy
        assert sc.inputs["psk"] == "[secret]" and sc.property_dependencies["ikepolicyId"] == [ike.urn]


def test_aws_onprem_one_device_static_two_devices_bgp() -> None:
    one = build(AWS, ONPREM)
    assert link_types(one) == {
        "CustomerGateway": 1,
        "VpnConnection": 1,
        "VpnConnectionRoute": 1,
        "RandomPassword": 2,
    }
    two = build(AWS, {**ONPREM2, "bgp": True})
    assert link_types(two) == {"CustomerGateway": 2, "VpnConnection": 2, "RandomPassword": 4}
    assert {c.inputs["ipAddress"] for c in by_type(two, "CustomerGateway")} == {
        "203.0.113.10",
        "203.0.113.11",
    }
    assert all(c.inputs["staticRoutesOnly"] is False for c in by_type(two, "VpnConnection"))


def test_gcp_onprem_needs_bgp_and_gets_both_ha_interfaces() -> None:
    with pytest.raises(InvalidArgsError, match="does not declare a BGP-capable device; set bgp: true"):
        build(GCP, ONPREM)
    result = build(GCP, ONPREM2 | {"bgp": True})
    assert link_types(result) == {
        "ExternalVpnGateway": 1,
        "VPNTunnel": 2,
        "RouterInterface": 2,
        "RouterPeer": 2,
        "RandomPassword": 2,
    }
    (external,) = by_type(result, "ExternalVpnGateway")
    assert external.inputs["redundancyType"] == "TWO_IPS_REDUNDANCY"
    tunnels = sorted(by_type(result, "VPNTunnel"), key=lambda r: r.name)
    assert [(t.inputs["vpnGatewayInterface"], t.inputs["peerExternalGatewayInterface"]) for t in tunnels] == [
        (0, 0),
        (1, 1),
    ]
    single = build(GCP, ONPREM_BGP)
    (external,) = by_type(single, "ExternalVpnGateway")
    assert external.inputs["redundancyType"] == "SINGLE_IP_INTERNALLY_REDUNDANT"
    assert len(by_type(single, "VPNTunnel")) == 2


def test_gcp_openstack_is_refused_before_anything_is_registered() -> None:
    monitor = RecordingMonitor(OfflineMocks())
    with pytest.raises(InvalidArgsError, match="GCP HA VPN requires BGP and Neutron VPNaaS has none") as info:
        run_program(
            lambda: HybridVpc("core", {"sites": [GCP, OS]}) and None, project="p", stack="s", monitor=monitor
        )
    assert "connectivity.topology" in str(info.value) and "exclude" in str(info.value)
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]


def test_openstack_pairs_use_vpnaas_and_single_tunnels_are_flagged() -> None:
    both = build(OS, OS2)
    assert link_types(both) == {"EndpointGroup": 2, "SiteConnection": 2, "RandomPassword": 1}
    assert json.loads(json.dumps(both.outputs["links"]))["links"]["os-dc1/os-dc2"]["redundant"] is False
    device = build(OS, ONPREM2)
    assert link_types(device) == {"EndpointGroup": 1, "SiteConnection": 2, "RandomPassword": 2}
    peers = {sc.inputs["peerAddress"] for sc in by_type(device, "SiteConnection")}
    assert peers == {"203.0.113.10", "203.0.113.11"}
    # Two devices, but one policy-based end: one active path (tests/test_single_path.py).
    assert device.outputs["links"]["links"]["onprem/os-dc1"]["redundant"] is False


def test_same_vendor_links_use_peering() -> None:
    cross = build(AWS, AWS2)
    types = link_types(cross)
    assert types["VpcPeeringConnection"] == 1 and types["VpcPeeringConnectionAccepter"] == 1
    (request,) = by_type(cross, "VpcPeeringConnection")
    assert request.inputs["peerRegion"] == "us-west-2"
    links = {r.urn for r in cross.resources if r.type == "skyweave:network:VpnLink"}
    routes = [r for r in by_type(cross, "Route") if r.parent in links]
    assert {r.inputs["destinationCidrBlock"] for r in routes} == {"10.0.0.0/16", "10.1.0.0/16"}
    assert len(routes) == 3 + 3  # every route table of each side (public + one private per zone)
    same = build(AWS, AWS_SAME_REGION)
    assert "VpcPeeringConnectionAccepter" not in link_types(same)
    (request,) = by_type(same, "VpcPeeringConnection")
    assert request.inputs["autoAccept"] is True
    gcp = build(GCP, GCP2)
    assert link_types(gcp) == {"NetworkPeering": 2}
    assert not by_type(cross, "VpnConnection") and not by_type(gcp, "VPNTunnel")


def test_onprem_device_config_lists_every_tunnel_without_secrets() -> None:
    result = build(AWS, GCP, ONPREM2 | {"bgp": True})
    devices = result.outputs["devices"]["onprem"]
    assert len(devices) == 4 + 2  # AWS: 2 connections x 2 tunnels; GCP: both HA interfaces
    for entry in devices:
        assert entry["device"] in ("203.0.113.10", "203.0.113.11")
        assert entry["psk"].startswith("vpn_psks[")
        assert entry["ciphers"]["ike_version"] == 2 and entry["routing"] == "bgp"
        assert ipaddress.IPv4Address(entry["local_inside_ip"]) in ipaddress.IPv4Network(entry["inside_cidr"])


# --- the example stacks ---------------------------------------------------------------------


def test_prod_has_a_link_of_every_supported_pair_in_prod(prod_run: OfflineRun) -> None:
    shapes = {link["shape"] for link in prod_run.outputs["links"]["links"].values()}
    assert shapes == {
        "aws-vpc-peering",
        "gcp-vpc-peering",
        "aws-gcp-ha-vpn",
        "aws-site-vpn",
        "gcp-ha-vpn-device",
        "aws-vpn-appliance",  # os-dc1's VPN is an appliance pair (vpn: appliance), vs-dc1's too
        "gcp-ha-vpn-appliance",
        "appliance-device",
        "aws-azure-vpn",
        "gcp-azure-ha-vpn",
        "azure-vpn-device",
        "azure-vpn-appliance",
    }
    pairs = {tuple(sorted(link["vendors"])) for link in prod_run.outputs["links"]["links"].values()}
    assert pairs == {
        ("aws", "aws"),
        ("gcp", "gcp"),
        ("aws", "gcp"),
        ("aws", "openstack"),
        ("aws", "onprem"),
        ("gcp", "onprem"),
        ("gcp", "openstack"),
        ("onprem", "openstack"),
        ("aws", "azure"),
        ("azure", "gcp"),
        ("azure", "onprem"),
        ("azure", "openstack"),
        # vs-dc1 to every other vendor but OpenStack (appliance to appliance is not built)
        ("aws", "vsphere"),
        ("gcp", "vsphere"),
        ("azure", "vsphere"),
        ("onprem", "vsphere"),
    }
    assert all(link["redundant"] for link in prod_run.outputs["links"]["links"].values())


def _inside_cidrs(run_: OfflineRun) -> list[str]:
    cidrs = []
    for r in run_.resources:
        if r.type == "aws:ec2/vpnConnection:VpnConnection":
            cidrs += [r.inputs["tunnel1InsideCidr"], r.inputs["tunnel2InsideCidr"]]
        if r.type == "gcp:compute/routerInterface:RouterInterface":
            cidrs.append(str(ipaddress.IPv4Interface(r.inputs["ipRange"]).network))
    return cidrs


def _aws_tunnels(run_: OfflineRun) -> int:
    """Every tunnel of the plan's VPN links with an AWS end (each is one tunnel of a VPN connection)."""
    return sum(
        link["tunnels"]
        for link in run_.outputs["links"]["links"].values()
        if "aws" in link["vendors"] and link["routing"] != "peering"
    )


def test_prod_tunnel_addresses_are_distinct_and_allowed(prod_run: OfflineRun) -> None:
    aws_cidrs = [
        c
        for r in prod_run.resources
        if r.type == "aws:ec2/vpnConnection:VpnConnection"
        for c in (r.inputs["tunnel1InsideCidr"], r.inputs["tunnel2InsideCidr"])
    ]
    assert (
        len(aws_cidrs) == len(set(aws_cidrs)) == _aws_tunnels(prod_run)
    )  # use1, usw2 x (gcp-euw1, gcp-usc1, os-dc1's two appliances, 2 devices, azure-weu1): 4 each
    assert all(inside_cidr_problem(c) is None for c in _inside_cidrs(prod_run))
    planned = [c for link in prod_run.outputs["links"]["links"].values() for c in link["inside_cidrs"]]
    assert len(planned) == len(set(planned)) and set(_inside_cidrs(prod_run)) <= set(planned)


def _psk_values(run_: OfflineRun) -> list[str]:
    """The links' pre-shared keys as the tunnels get them."""
    return [safe_psk(v) for v in generated_passwords(run_, under="skyweave:network:HybridVpc$")]


def test_no_psk_value_appears_in_any_preview_output(prod_run: OfflineRun) -> None:
    values = _psk_values(prod_run)
    # One key per tunnel of every VPN link, except a device's connection to an Azure gateway: both
    # of its tunnels (one per Azure instance) share the connection's key.
    links = prod_run.outputs["links"]["links"].values()
    expected = sum(
        link["tunnels"] // 2 if link["shape"] == "azure-vpn-device" else link["tunnels"]
        for link in links
        if link["routing"] != "peering"
    )
    assert len(values) == expected
    assert all(
        8 <= len(v) <= 64
        and not v.startswith("0")
        and set(v) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")
        for v in values
    )
    rendered = render_json(prod_run) + render_text(prod_run)
    every = generated_passwords(prod_run)  # the orders database's passwords too
    assert len(every) > len(values)
    for value in every:
        assert value[1:] not in rendered  # whatever safe_psk made of its first character
    assert prod_run.outputs["vpn_psks"] == "[secret]"


def test_adding_a_site_keeps_every_tunnel_address_and_asn(tmp_path: Path, prod_run: OfflineRun) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["sites"].insert(
        1, {"name": "aws-euw1", "vendor": "aws", "region": "eu-west-1", "cidr": "10.5.0.0/16"}
    )
    # 12 VPN connections on its gateway, like prod's AWS sites: the raised quota declared too
    raw["network"]["quotas"]["aws-euw1"] = {"vpn_connections_per_gateway": 12}
    grown = preview_stack(write_stack(tmp_path, "prod", raw), "prod")
    before, after = prod_run.outputs["links"], grown.outputs["links"]
    for link_name, link in before["links"].items():
        assert after["links"][link_name] == link
    for site, asn in before["asns"].items():
        assert after["asns"][site] == asn
    assert {"aws-euw1/gcp-euw1", "aws-euw1/aws-use1"} <= set(after["links"])


def test_config_errors_name_the_stack_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    for key in ("vpn", "vpn_appliance"):  # os-dc1 back on VPNaaS: GCP cannot reach it
        del raw["sites"][3][key]
    project = write_stack(tmp_path, "prod", raw)
    with pytest.raises(ConfigError) as info:
        preview_stack(project, "prod")
    message = str(info.value)
    assert "Pulumi.prod.yaml" in message and "skyweave:network.topology" in message
    assert "['azure-weu1', 'os-dc1']" in message and "Neutron VPNaaS has none" in message
    raw["network"] = {"topology": "hub-spoke"}
    write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "skyweave:network.hubs" in err and "Traceback" not in err
    raw["network"] = {"topology": "hub-spoke", "hubs": ["aws-nowhere"]}
    write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == EXIT_CONFIG
    assert "skyweave:network.hubs[0]" in capsys.readouterr().err
    raw = copy.deepcopy(stack_raw("prod"))
    raw["sites"][0]["asn"] = 65000
    raw["sites"][2]["asn"] = 65000
    write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "skyweave:sites[2].asn" in err and "both use ASN 65000" in err


# --- the reachability model -----------------------------------------------------------------


def test_hub_spoke_through_one_vendor_partitions_when_that_vendor_is_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["network"] = {
        "topology": "hub-spoke",
        "hubs": ["aws-use1", "aws-usw2"],
        "quotas": raw["network"]["quotas"],  # each hub's 12 VPN connections, as in prod
    }
    write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(tmp_path), "graph", "--stack", "prod", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    lost_aws = next(f for f in doc["failures"] if f["lost"] == "vendor aws")
    assert not lost_aws["connected"] and lost_aws["groups"] == [
        ["azure-weu1"],
        ["gcp-euw1"],
        ["gcp-usc1"],
        ["onprem-fra"],
        ["os-dc1"],
        ["vs-dc1"],
    ]
    assert next(f for f in doc["failures"] if f["lost"] == "site aws-use1")["connected"]
    assert main(["-C", str(tmp_path), "graph", "--stack", "prod"]) == 0
    assert "vendor aws" in (text := capsys.readouterr().out) and "PARTITIONED into 6" in text


def test_graph_formats_show_tunnel_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--stack", "prod", "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith("graph estate {")
    assert '"aws-use1" -- "gcp-euw1" [label="BGP VPN\\naws-gcp-ha-vpn, 4 tunnels"' in dot
    assert main(["graph", "--stack", "prod", "--format", "mermaid"]) == 0
    assert 'aws_use1 ---|"aws-gcp-ha-vpn, 4 tunnels"| gcp_euw1' in capsys.readouterr().out
    assert main(["graph", "--stack", "prod"]) == 0
    assert "Cut sites (their loss alone splits the rest): none" in capsys.readouterr().out


def test_plan_links_topologies() -> None:
    sites = ["a", "b", "c", "d"]
    assert len(plan_links(sites, Topology.FULL_MESH)) == 6
    assert plan_links(sites, Topology.FULL_MESH, exclude=[("d", "a")]) == [
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
        ("b", "d"),
        ("c", "d"),
    ]
    assert plan_links(sites, Topology.HUB_SPOKE, hubs=["b", "c"]) == [
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
        ("b", "d"),
        ("c", "d"),
    ]
    assert plan_links(sites, Topology.EXPLICIT, explicit=[("c", "a"), ("a", "c")]) == [("a", "c")]
    assert plan_links(sites, Topology.NONE) == []


def _brute_force_cuts(graph: SiteGraph) -> list[str]:
    base = len(graph.groups())
    return sorted(s for s in graph.vendors if len(graph.groups([s])) > base)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 9).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    )
)
def test_cut_sites_match_brute_force(case: tuple[int, set[tuple[int, int]]]) -> None:
    n, edges = case
    links = {link_id(f"s{a}", f"s{b}"): (f"s{a}", f"s{b}") for a, b in edges if a != b}
    graph = SiteGraph({f"s{i}": "v" for i in range(n)}, links.values())
    assert graph.cut_sites() == _brute_force_cuts(graph)


# --- addresses and numbers ------------------------------------------------------------------

link_ids = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60))
    .filter(lambda p: p[0] != p[1])
    .map(lambda p: link_id(f"site{p[0]}", f"site{p[1]}")),
    unique=True,
    max_size=80,
)


@settings(max_examples=100, deadline=None)
@given(link_ids, link_ids)
def test_tunnel_blocks_distinct_allowed_and_stable_once_pinned(first: list[str], more: list[str]) -> None:
    blocks = plan_tunnel_blocks(first, {})
    assert len(set(blocks.values())) == len(blocks)
    for block in blocks.values():
        for cidr in tunnel_cidrs(block, 8):
            assert inside_cidr_problem(str(cidr)) is None
            assert cidr not in RESERVED_INSIDE_CIDRS
    grown = plan_tunnel_blocks(list(dict.fromkeys(more + first)), blocks)  # pins: what lock records
    assert {k: grown[k] for k in blocks} == blocks
    assert len(set(grown.values())) == len(grown)


def test_tunnel_block_pins_are_checked() -> None:
    with pytest.raises(PlanningError, match=r"must be a /27 inside 169\.254\.0\.0/16"):
        plan_tunnel_blocks(["a/b"], {"a/b": ipaddress.IPv4Network("169.254.8.0/28")})
    with pytest.raises(PlanningError, match="overlaps"):
        plan_tunnel_blocks(["a/b"], {"a/b": ipaddress.IPv4Network("169.254.169.224/27")})
    with pytest.raises(PlanningError, match="overlaps"):
        same = ipaddress.IPv4Network("169.254.8.0/27")
        plan_tunnel_blocks(["a/b", "a/c"], {"a/b": same, "a/c": same})


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("169.254.10.0/30", None),
        ("169.254.3.0/30", "reserved by AWS"),
        ("169.254.169.252/30", "reserved by AWS"),
        ("169.254.10.0/29", "exactly a /30"),
        ("10.0.0.0/30", "outside 169.254.0.0/16"),
        ("nonsense", "not an IPv4 network"),
    ],
)
def test_inside_cidr_rule(value: str, problem: str | None) -> None:
    found = inside_cidr_problem(value)
    assert (found is None) if problem is None else (found is not None and problem in found)


@given(st.lists(st.sampled_from([f"site-{i}" for i in range(40)]), unique=True, max_size=40), st.data())
def test_asns_unique_private_and_stable(names: list[str], data: st.DataObject) -> None:
    asns = assign_asns([AsnRequest(n, f"sites[{i}].asn") for i, n in enumerate(names)])
    assert len(set(asns.values())) == len(asns) and all(is_private_asn(a) for a in asns.values())
    extra = data.draw(st.sampled_from([f"new-{i}" for i in range(5)]))
    pinned = [AsnRequest(n, "p", asns[n]) for n in names] + [AsnRequest(extra, "q")]
    grown = assign_asns(pinned)
    assert {n: grown[n] for n in names} == asns and grown[extra] not in asns.values()


def test_asn_errors() -> None:
    with pytest.raises(PlanningError, match="not a private ASN"):
        assign_asns([AsnRequest("a", "sites[0].asn", 7224)])
    with pytest.raises(PlanningError, match="both use ASN 65000"):
        assign_asns([AsnRequest("a", "x", 65000), AsnRequest("b", "y", 65000)])


def test_psk_never_starts_with_zero() -> None:
    assert safe_psk("0abc.def_12") == "Zabc.def_12" and safe_psk("abc") == "abc"


def test_every_vendor_pair_is_built_or_refused_with_a_reason() -> None:
    sites = {"aws": AWS, "gcp": GCP, "openstack": OS, "onprem": ONPREM2 | {"bgp": True}}
    for (va, a), (vb, b) in itertools.combinations_with_replacement(sites.items(), 2):
        pair = (
            [a, b]
            if va != vb
            else [
                a,
                {
                    **b,
                    "name": b["name"] + "-2",
                    **(
                        {
                            "cidrs": ["10.210.0.0/16"],
                            "vpn_peer_ip": "203.0.113.20",
                            "vpn_secondary_peer_ip": "203.0.113.21",
                        }
                        if vb == "onprem"
                        else {}
                    ),
                },
            ]
        )
        try:
            result = build(*pair)
        except InvalidArgsError as exc:
            assert {va, vb} in ({"gcp", "openstack"}, {"onprem"}), (va, vb, exc)
            continue
        (link,) = result.outputs["links"]["links"].values()
        assert link["tunnels"] >= 1 or link["routing"] == "peering"


def test_docs_picture_is_the_prod_graph(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--stack", "prod", "--format", "mermaid"]) == 0
    picture = capsys.readouterr().out
    docs = (Path(__file__).resolve().parent.parent / "docs" / "connectivity.md").read_text()
    assert f"```mermaid\n{picture}```" in docs, (
        "regenerate with `skyweave graph --stack prod --format mermaid`"
    )
