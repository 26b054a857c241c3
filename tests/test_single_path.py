"""A link with a policy-based end (Neutron VPNaaS) is one active tunnel with standbys, not redundant.

Neutron VPNaaS writes one strongSwan ``conn`` per site connection with the same local and peer
subnets (``leftsubnet``/``rightsubnet``, ``auto=route``): the kernel holds one IPsec policy per
pair of selectors, so two site connections with identical selectors to two peers are one usable
path and a standby that takes over only after dead-peer detection restarts it
(docs/connectivity.md, "How many paths a link has"). Every consumer counts it that way: the
planner, the VpnLink component, ``skyweave graph``, ``simulate`` and the policy pack.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from conftest import run
from policy_helpers import check_stack, res
from skyweave import HybridVpc, HybridVpcArgs
from skyweave.cli.graph import render_json, render_mermaid, render_text
from skyweave.network.connectivity import ConnectivityArgs, plan_connectivity
from skyweave.planning.topology import SiteGraph
from skyweave.planning.vpn import Routing, SiteEnd, VpnEndpoint, plan_link
from skyweave.policy import rule_by_name

TUNNELS = rule_by_name("skyweave-redundancy-vpn-tunnels")
AWS_VPN = "aws:ec2/vpnConnection:VpnConnection"
AWS_CGW = "aws:ec2/customerGateway:CustomerGateway"
VPN_SERVICE = "openstack:vpnaas/service:Service"

AWS_END = SiteEnd(
    "aws-use1", "aws", 64512, ("10.1.0.0/16",), endpoint=VpnEndpoint.GATEWAY, bgp=True, static=True
)
GCP_END = SiteEnd("gcp-euw1", "gcp", 64513, ("10.3.0.0/16",), endpoint=VpnEndpoint.HA_GATEWAY, bgp=True)
OS_END = SiteEnd("os-dc1", "openstack", 64514, ("10.4.0.0/16",), endpoint=VpnEndpoint.POLICY, static=True)
OS2_END = SiteEnd("os-dc2", "openstack", 64515, ("10.5.0.0/16",), endpoint=VpnEndpoint.POLICY, static=True)
TWO_DEVICES = SiteEnd(
    "onprem", "onprem", 64516, ("10.200.0.0/16",), ("203.0.113.10", "203.0.113.11"),
    endpoint=VpnEndpoint.DEVICE, static=True,
)  # fmt: skip


@pytest.mark.parametrize(
    ("a", "b", "tunnels", "paths"),
    [
        (AWS_END, OS_END, 2, 1),  # two AWS tunnels, two site connections with the same selectors
        (OS_END, TWO_DEVICES, 2, 1),  # two devices, still one policy per selector pair on Neutron
        (OS_END, OS2_END, 1, 1),
    ],
)
def test_a_policy_based_end_is_one_active_path(a: SiteEnd, b: SiteEnd, tunnels: int, paths: int) -> None:
    link = plan_link(a, b)
    assert (len(link.tunnels), link.active_paths, link.redundant) == (tunnels, paths, False)
    assert link.as_dict()["active_paths"] == paths and link.as_dict()["redundant"] is False
    assert "policy-based" in (link.single_path_reason or "")


def test_route_based_links_count_every_tunnel_and_peering_counts_none() -> None:
    ha = plan_link(AWS_END, GCP_END)
    assert (ha.active_paths, ha.redundant, ha.single_path_reason) == (4, True, None)
    static_device = plan_link(AWS_END, TWO_DEVICES)
    assert static_device.routing is Routing.STATIC and static_device.active_paths == 4
    peering = plan_link(
        SiteEnd("a1", "aws", 1, (), endpoint=VpnEndpoint.GATEWAY, peering=True),
        SiteEnd("a2", "aws", 2, (), endpoint=VpnEndpoint.GATEWAY, peering=True),
    )
    assert (peering.active_paths, peering.redundant) == (None, True)


AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
OS = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "auth_url": "https://k.example:5000/v3"}
ONPREM2 = {
    "name": "onprem",
    "vendor": "onprem",
    "region": "fra",
    "cidrs": ["10.200.0.0/16"],
    "vpn_peer_ip": "203.0.113.10",
    "vpn_secondary_peer_ip": "203.0.113.11",
}


def _links(*sites: dict[str, Any]) -> dict[str, Any]:
    def program() -> None:
        HybridVpc("core", HybridVpcArgs.model_validate({"sites": list(sites)}))

    result = run(program)
    return {r.name: r for r in result.resources if r.type == "skyweave:network:VpnLink"}


def test_the_vpn_link_component_says_how_many_paths_it_has() -> None:
    links = _links(AWS, OS, ONPREM2)
    vpnaas = links["core-link-aws-use1-os-dc1"].inputs
    assert (vpnaas["tunnels"], vpnaas["activePaths"], vpnaas["redundant"]) == (2, 1, False)
    device = links["core-link-os-dc1-onprem"].inputs
    assert (device["tunnels"], device["activePaths"], device["redundant"]) == (2, 1, False)
    aws_device = links["core-link-aws-use1-onprem"].inputs
    assert (aws_device["activePaths"], aws_device["redundant"]) == (4, True)


def _plan(*sites: dict[str, Any]) -> Any:
    args = HybridVpcArgs.model_validate({"sites": list(sites)})
    cidrs = {"aws-use1": ["10.1.0.0/16"], "os-dc1": ["10.4.0.0/16"], "onprem": ["10.200.0.0/16"]}
    return plan_connectivity(args.sites, cidrs, ConnectivityArgs())


def test_graph_counts_one_path_and_marks_the_link() -> None:
    plan = _plan(AWS, OS, ONPREM2)
    text = render_text(plan)
    assert "aws-site-vpn, 2 tunnels, 1 active path  NOT REDUNDANT" in text
    assert "path aws-use1/os-dc1" in text  # losing the one path is one of the failures shown
    assert 'os_dc1 -.-|"openstack-vpnaas, 2 tunnels, 1 active path"| onprem' in render_mermaid(plan)
    doc = json.loads(render_json(plan))
    assert doc["links"]["aws-use1/os-dc1"]["active_paths"] == 1
    lost = next(f for f in doc["failures"] if f["lost"] == "path aws-use1/os-dc1")
    assert lost["connected"] is True and lost["removed"] == []  # the mesh goes around it


def test_losing_a_single_path_can_partition_the_graph() -> None:
    graph = SiteGraph(
        {"a": "aws", "b": "openstack", "c": "gcp"}, [("a", "b"), ("a", "c")], single_path=[("a", "b")]
    )
    (path,) = [p for p in graph.failures() if p.lost.startswith("path")]
    assert path.lost == "path a/b" and path.groups == (("a", "c"), ("b",)) and not path.connected
    assert graph.cut_sites() == ["a"]  # sites are still judged as before


# -- the policy pack's tunnel rule -----------------------------------------------------------------

LINK = "skyweave:network:VpnLink"
SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"


def _vpnaas_link() -> list[Any]:
    """AWS ↔ OpenStack as the resources have it: one AWS VPN connection (two tunnels) to a Neutron
    VPN service, and a site connection back to each AWS tunnel address."""
    service = res(VPN_SERVICE, "os-vpn", {}, site="os-dc1")
    cgw = res(
        AWS_CGW, "cgw", {"ipAddress": "198.51.100.1"}, site="aws-use1", prop_deps={"ipAddress": [service.urn]}
    )
    vpn = res(AWS_VPN, "aws-os", {}, site="aws-use1", prop_deps={"customerGatewayId": [cgw.urn]})
    conns = [
        res(SITE_CONNECTION, f"sc{i}", {"peerAddress": f"198.18.0.{i}"}, site="os-dc1",
            prop_deps={"peerAddress": [vpn.urn]})
        for i in (1, 2)
    ]  # fmt: skip
    return [service, cgw, vpn, *conns]


def test_a_vpnaas_link_fails_the_tunnel_rule_unless_allowed() -> None:
    """Two tunnels at both ends, but the Neutron end is policy-based: one active path."""
    single = _vpnaas_link()
    [finding] = check_stack(TUNNELS, single)
    assert "has 2 tunnel(s) but one active path" in finding.message
    assert "allowSinglePathLinks" in finding.message
    assert check_stack(TUNNELS, single, allowSinglePathLinks=["aws-use1/os-dc1"]) == []
    assert check_stack(TUNNELS, single, allowSinglePathLinks=["os-dc1/aws-use1"]) == []
    assert check_stack(TUNNELS, single, allowSinglePathLinks=["aws-use1/gcp-euw1"])


def test_a_component_saying_one_path_does_not_decide_the_rule() -> None:
    """The rule judges resources: a VpnLink's ``activePaths`` is a claim, not evidence either way."""
    claims = {"siteA": "aws-use1", "siteB": "os-dc1", "vendorA": "aws", "vendorB": "openstack", "kind": "vpn",
              "tunnels": 2, "activePaths": 4, "redundant": True}  # fmt: skip
    link = res(LINK, "core-link-aws-use1-os-dc1", claims)
    conns = [dataclasses.replace(r, parent=link.urn) for r in _vpnaas_link()]
    [finding] = check_stack(TUNNELS, [link, *conns])
    assert "one active path" in finding.message


def test_simulate_counts_the_vpnaas_link_as_one_path_and_fails_a_partition() -> None:
    from skyweave.cli.simulate import render_text
    from skyweave.estate.config import parse_stack_config
    from skyweave.estate.simulate import simulate

    app = {
        "name": "web",
        "sites": ["aws-use1", "gcp-euw1"],
        "images": {
            "aws": "ami-0a1b2c3d4e5f60718",
            "gcp": "projects/debian-cloud/global/images/family/debian-12",
        },
        "sizes": {"aws": "m6i.large", "gcp": "n2-standard-2"},
        "min_healthy": 2,
        "survive": "zone",
    }
    gcp = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
    raw = {
        "network": {"name": "core", "exclude": [["gcp-euw1", "os-dc1"]]},
        "sites": [AWS, OS, gcp],
        "apps": [app],
    }
    report = simulate(parse_stack_config(raw, source="test"))
    (path,) = report.single_paths
    assert (path.link, path.tunnels, path.active_paths) == ("aws-use1/os-dc1", 2, 1)
    assert not path.network_connected and not report.survived  # os-dc1 hangs on that one path
    text = render_text(report, width=200)
    assert (
        "single path aws-use1/os-dc1: 2 tunnel(s), 1 active; losing it leaves the network PARTITIONED" in text
    )
    assert "when the one path of aws-use1/os-dc1 fails (partitioned)" in text
    assert report.as_dict()["single_path_links"][0]["network"] == "partitioned"


def test_through_the_real_analyzer_protocol_the_setting_allows_a_listed_link() -> None:
    """The pack started as the engine starts it: a VPNaaS link fails the tunnel rule, and the
    ``allowSinglePathLinks`` setting, sent through Configure, accepts it."""
    from pathlib import Path

    from policy_helpers import wire
    from skyweave.engine.analyzer import PolicyPackProcess

    single = [wire(r) for r in _vpnaas_link()]
    pack_dir = Path(__file__).resolve().parent.parent / "policies"
    with PolicyPackProcess(pack_dir, project="proj", stack="test") as pack:
        pack.configure({})
        names = {d.policy_name for d in pack.analyze_stack(single) if d.mandatory}
        assert "skyweave-redundancy-vpn-tunnels" in names
        pack.configure({"skyweave-redundancy-vpn-tunnels": {"allowSinglePathLinks": ["os-dc1/aws-use1"]}})
        names = {d.policy_name for d in pack.analyze_stack(single) if d.mandatory}
        assert "skyweave-redundancy-vpn-tunnels" not in names
