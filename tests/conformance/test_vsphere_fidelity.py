"""The stand-ins for a real ``pulumi up`` on vSphere sites: every vSphere resource's inputs against
the installed ``pulumi_vsphere`` declarations, the program under a real preview's unknowns, and
both ends of each appliance link agreeing on the addresses (the pair's public addresses are what
every peer's gateway points at; the pair opens its edge to exactly the peers' addresses).

An estate of its own (not the generated ones): a vSphere site linked to AWS, GCP, Azure and an
on-prem device pair, and a one-cluster site whose pair needs a DRS rule.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

import pytest
from conformance_harness import ConformanceMocks, ConformanceMonitor, PreviewMocks
from sdk_declarations import check_inputs
from skyweave import HybridVpc, HybridVpcArgs
from skyweave.engine.offline import OfflineRun, RecordingMonitor, run_program

VS: dict[str, Any] = {
    "name": "vs-dc1",
    "vendor": "vsphere",
    "region": "dc1",
    "vcenter": "vcenter.dc1.example.net",
    "datacenter": "DC1",
    "distributed_switch": "dvs-main",
    "datastore": "vsan-dc1",
    "zones": ["cluster-a", "cluster-b"],
    "port_groups": [{"name": "main", "vlan_id": 110}, {"name": "data", "vlan_id": 120, "slot": 2}],
    "appliance_pair": {
        "template": "debian-12-cloud",
        "public_ips": ["203.0.113.40", "203.0.113.41"],
        "next_hop_host": 6,
    },
    "cidr": "10.9.0.0/16",
}
PEERS: list[dict[str, Any]] = [
    {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]},
    {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"},
    {
        "name": "azure-weu1",
        "vendor": "azure",
        "region": "westeurope",
        "subscription_id": "11111111-2222-4333-8444-555555555555",
    },
    {
        "name": "onprem",
        "vendor": "onprem",
        "region": "fra",
        "cidrs": ["10.200.0.0/16"],
        "vpn_peer_ip": "198.51.100.10",
        "vpn_secondary_peer_ip": "198.51.100.11",
        "bgp": True,
    },
]
ESTATES = {
    # Every pair a vSphere site joins, in a star around it (the peers' own pairs excluded).
    "mesh": [VS, *PEERS],
    "one-cluster": [{**VS, "zones": ["cluster-a"]}, PEERS[0]],
}


def _program(sites: list[dict[str, Any]]) -> Any:
    names = [s["name"] for s in sites]
    exclude = [[a, b] for a in names[1:] for b in names[1:] if a < b]

    def program() -> None:
        HybridVpc(
            "core", HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"exclude": exclude}})
        )

    return program


@functools.cache
def recorded(name: str) -> tuple[OfflineRun, ConformanceMonitor]:
    monitor = ConformanceMonitor(ConformanceMocks())
    run = run_program(_program(ESTATES[name]), project="vsphere", stack="test", monitor=monitor)
    return run, monitor


def _vsphere(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    run, monitor = recorded(name)
    return [
        (r.urn, r.type, monitor.recorded[r.urn].inputs)
        for r in run.resources
        if r.type.startswith(("vsphere:", "pulumi:providers:vsphere"))
    ]


@pytest.mark.parametrize("name", ESTATES)
def test_every_vsphere_input_matches_the_sdk_declarations(name: str) -> None:
    rows = _vsphere(name)
    types = {t for _, t, _ in rows}
    assert {
        "pulumi:providers:vsphere",
        "vsphere:index/distributedPortGroup:DistributedPortGroup",
        "vsphere:index/virtualMachine:VirtualMachine",
    } <= types
    problems = [f"{urn}: {p}" for urn, token, inputs in rows for p in check_inputs(token, inputs)]
    assert not problems, "\n".join(problems)


def test_the_drs_rule_is_checked_too() -> None:
    types = {t for _, t, _ in _vsphere("one-cluster")}
    assert "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule" in types


def test_the_checker_catches_a_vsphere_mistake() -> None:
    """The declarations are read from the installed SDK: a wrong key or type is caught."""
    token = "vsphere:index/distributedPortGroup:DistributedPortGroup"
    assert any("has no input 'vlan'" in p for p in check_inputs(token, {"vlan": 110}))
    assert any(
        "vlanId" in p for p in check_inputs(token, {"distributedVirtualSwitchUuid": "u", "vlanId": "x"})
    )
    assert any("required" in p for p in check_inputs(token, {"vlanId": 110}))


@pytest.mark.parametrize("name", ESTATES)
def test_the_program_runs_under_a_real_previews_unknowns(name: str) -> None:
    """``pulumi preview`` returns no outputs: every id, address and tunnel is unknown."""
    monitor = RecordingMonitor(PreviewMocks())
    run: OfflineRun = run_program(_program(ESTATES[name]), project="vsphere", stack="test", monitor=monitor)
    vms = [r for r in run.resources if r.type == "vsphere:index/virtualMachine:VirtualMachine"]
    assert len(vms) == 2


def _by_type(name: str, token: str) -> list[dict[str, Any]]:
    run, monitor = recorded(name)
    return [monitor.recorded[r.urn].inputs for r in run.resources if r.type == token]


def test_every_peer_points_at_the_pairs_declared_public_addresses() -> None:
    public = set(VS["appliance_pair"]["public_ips"])
    cgws = {i["ipAddress"] for i in _by_type("mesh", "aws:ec2/customerGateway:CustomerGateway")}
    assert cgws == public
    (external,) = _by_type("mesh", "gcp:compute/externalVpnGateway:ExternalVpnGateway")
    assert {i["ipAddress"] for i in external["interfaces"]} == public
    lngs = {i["gatewayIpAddress"] for i in _by_type("mesh", "azure-native:network:LocalNetworkGateway")}
    assert public <= lngs


def test_the_pair_opens_its_edge_to_exactly_its_tunnels_far_ends() -> None:
    """The ingress the VMs carry lists every far-end address the rendered tunnels connect to."""
    vms = _by_type("mesh", "vsphere:index/virtualMachine:VirtualMachine")
    for vm in vms:
        extra = vm["extraConfig"]
        sources = {r["source"].removesuffix("/32") for r in json.loads(extra["guestinfo.skyweave.ingress"])}
        user_data = base64.b64decode(extra["guestinfo.userdata"]).decode()
        assert user_data.startswith("#cloud-config\n")
        (swanctl,) = [
            f["content"]
            for f in json.loads(user_data.split("\n", 1)[1])["write_files"]
            if f["path"] == "/etc/swanctl/conf.d/skyweave.conf"
        ]
        remotes = {
            line.split("=", 1)[1].strip()
            for line in swanctl.splitlines()
            if line.strip().startswith("remote_addrs")
        }
        assert remotes and remotes <= sources, (remotes, sources)
        assert {"198.51.100.10", "198.51.100.11"} <= sources


def test_the_user_data_is_secret_on_the_wire() -> None:
    run, monitor = recorded("mesh")
    for reg in run.resources:
        if reg.type == "vsphere:index/virtualMachine:VirtualMachine":
            assert "extraConfig.guestinfo.userdata" in monitor.recorded[reg.urn].secret_paths


def test_the_vsphere_pairs_shapes_are_the_ones_the_daemon_lab_proves() -> None:
    """The pair's configs are render_appliance's for these shapes, which tests/test_vpn_daemons.py
    runs in namespaces. Azure's shape is not among them: link_agreement's Azure-appliance rule
    checks it against the pair's NAT, openings and routes on the VMs (prod's vs-dc1/azure-weu1)."""
    from link_agreement import PROVEN_BY_DAEMONS
    from skyweave.network.hybrid_vpc import plan_hybrid_vpc

    sites = ESTATES["mesh"]
    names = [s["name"] for s in sites]
    exclude = [[a, b] for a in names[1:] for b in names[1:] if a < b]
    plan = plan_hybrid_vpc(
        HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"exclude": exclude}})
    )
    shapes = {
        (link.b.vendor if link.a.site == "vs-dc1" else link.a.vendor): str(link.shape)
        for link in plan.connectivity.links
    }
    assert {shapes["aws"], shapes["gcp"], shapes["onprem"]} <= PROVEN_BY_DAEMONS, shapes
    assert shapes["azure"] == "azure-vpn-appliance"
