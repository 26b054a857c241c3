"""Nothing lost: the example stacks' URNs are pinned, and adding a site keeps every one of them.

A changed URN is a replaced resource in a real cloud. If a change here is intended, it needs
``aliases`` on the moved resources and a major version; regenerate the snapshots with
``SKYWEAVE_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_urns.py``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from skyweave.engine.offline import OfflineRun
from skyweave.engine.preview import preview_stack

SNAPSHOTS = Path(__file__).parent / "snapshots"


def urns(run: OfflineRun) -> list[str]:
    return sorted(r.urn for r in run.resources)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_urns_match_the_snapshot(stack: str, request: pytest.FixtureRequest) -> None:
    run: OfflineRun = request.getfixturevalue(f"{stack}_run")
    path = SNAPSHOTS / f"{stack}.urns"
    current = "\n".join(urns(run)) + "\n"
    if os.environ.get("SKYWEAVE_UPDATE_SNAPSHOTS"):
        path.write_text(current)
    expected = path.read_text()
    missing = sorted(set(expected.split()) - set(current.split()))
    added = sorted(set(current.split()) - set(expected.split()))
    assert not missing, f"these resources would be replaced or deleted: {missing}"
    assert not added, f"new resources: {added} (update the snapshot if intended)"


#: Inputs that follow the estate's links by design: an Azure VPN gateway lists, per instance, every
#: custom BGP address its connections use (docs/azure.md), so a new link to an Azure site adds the
#: link's addresses to that list (an in-place update) and never changes or drops the others.
#: A vSphere appliance VM likewise lists what the operator's edge must let through and the router
#: route for every link (docs/vsphere.md): its annotation is updated in place, and its extraConfig
#: (user data, openings, routes) is in its ignore_changes, applied by replacing the VMs one at a
#: time as on OpenStack (docs/connectivity.md).
FOLLOW_LINKS = {
    ("azure-native:network:VirtualNetworkGateway", "bgpSettings"),
    ("vsphere:index/virtualMachine:VirtualMachine", "annotation"),
    ("vsphere:index/virtualMachine:VirtualMachine", "extraConfig"),
}


def _fixed(reg: Any) -> dict[str, Any]:
    return {k: v for k, v in reg.inputs.items() if (reg.type, k) not in FOLLOW_LINKS}


def _addresses(reg: Any) -> list[set[str]]:
    return [set(p["customBgpIpAddresses"]) for p in reg.inputs["bgpSettings"]["bgpPeeringAddresses"]]


@pytest.mark.parametrize("position", [0, 2, 5])
def test_adding_a_site_anywhere_keeps_every_urn_and_address(
    tmp_path: Path, prod_run: OfflineRun, position: int
) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    new = {"name": "aws-euw1", "vendor": "aws", "region": "eu-west-1", "cidr": "10.5.0.0/16", "nat": "single"}
    raw["sites"].insert(position, new)
    # Like prod's AWS sites, its gateway needs 12 VPN connections (one per far-end address of the
    # six non-AWS sites): over AWS's default 10, so the account's raised quota is declared too.
    raw["network"]["quotas"]["aws-euw1"] = {"vpn_connections_per_gateway": 12}
    grown = preview_stack(write_stack(tmp_path, "prod", raw), "prod")
    before = {r.urn: r for r in prod_run.resources}
    after = {r.urn: r for r in grown.resources}
    assert set(before) <= set(after)
    for urn, reg in before.items():
        if reg.custom and not reg.type.startswith("pulumi:providers:"):
            assert _fixed(after[urn]) == _fixed(reg), urn
            if (reg.type, "bgpSettings") in FOLLOW_LINKS:
                grew = zip(_addresses(reg), _addresses(after[urn]), strict=True)
                assert all(old <= new for old, new in grew), urn
    assert any("aws-euw1" in urn for urn in set(after) - set(before))
    assert grown.outputs["ipam"]["sites"]["aws-euw1"]["cidrs"] == ["10.5.0.0/16"]
    for site, data in prod_run.outputs["ipam"]["sites"].items():
        assert grown.outputs["ipam"]["sites"][site] == data


def test_removing_a_site_keeps_every_other_urn(tmp_path: Path, prod_run: OfflineRun) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    del raw["sites"][1]
    # and the tunnel pins of its links, which `ipam lock` removes (tests/test_ipam_lock.py)
    pins = raw["network"]["tunnel_blocks"]
    raw["network"]["tunnel_blocks"] = {k: v for k, v in pins.items() if "aws-usw2" not in k.split("/")}
    del raw["network"]["quotas"]["aws-usw2"]  # a quota of a site that is gone is refused
    shrunk = preview_stack(write_stack(tmp_path, "prod", raw), "prod")
    before = {r.urn: r for r in prod_run.resources}
    after = {r.urn: r for r in shrunk.resources}
    gone = set(before) - set(after)
    assert gone and all("aws-usw2" in urn for urn in gone)
    for urn, reg in after.items():
        assert _fixed(before[urn]) == _fixed(reg)
        if (reg.type, "bgpSettings") in FOLLOW_LINKS:
            assert all(new <= old for old, new in zip(_addresses(before[urn]), _addresses(reg), strict=True))


def test_urns_are_the_engines_not_the_sdk_mocks(prod_run: OfflineRun) -> None:
    """The engine leaves the root stack out and keeps the parent's whole type chain."""
    by_name = {r.name: r.urn for r in prod_run.resources}
    assert by_name["core"] == "urn:pulumi:prod::skyweave::skyweave:network:HybridVpc::core"
    assert by_name["core-tunnel-gcp-euw1-aws-use1-0"] == (
        "urn:pulumi:prod::skyweave::skyweave:network:HybridVpc$skyweave:network:VpnLink"
        "$gcp:compute/vPNTunnel:VPNTunnel::core-tunnel-gcp-euw1-aws-use1-0"
    )
    assert not [urn for urn in by_name.values() if "pulumi:pulumi:Stack$" in urn]
