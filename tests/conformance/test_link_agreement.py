"""(d) Both ends of every link agree: key, proposal, lifetimes, addresses, /30s, ASNs, routes and
the on-prem device entries skyweave exports (see ``link_agreement``)."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable
from typing import Any

import pytest
from conformance_harness import GENERATED, STACKS, Estate, estate
from link_agreement import disagreements


@pytest.mark.parametrize("name", (*STACKS, *GENERATED))
def test_both_ends_of_every_link_agree(name: str) -> None:
    problems = list(disagreements(estate(name)))
    assert not problems, "\n".join(problems)


def _tampered(change: Callable[[Estate], None]) -> list[str]:
    """A recording with one value changed, as if one end had been configured differently: prod's,
    or gen-2's for what prod no longer has (its OpenStack site uses the VPN appliance, not VPNaaS)."""
    for name in ("prod", "gen-2"):
        original = estate(name)
        copy_ = dataclasses.replace(
            original,
            recorded=copy.deepcopy(original.recorded),
            raw_outputs=copy.deepcopy(original.raw_outputs),
            _closure={},
        )
        try:
            change(copy_)
        except (IndexError, StopIteration):
            continue  # this estate has no such resource
        return list(disagreements(copy_))
    raise AssertionError("no estate has the resource to change")


def _first(e: Estate, type_: str) -> dict[str, object]:
    return e.inputs(e.of_type(type_)[0].urn)


def _peer_group(e: Estate) -> dict[str, object]:
    groups = [e.inputs(r.urn) for r in e.of_type("openstack:vpnaas/endpointGroup:EndpointGroup")]
    return next(g for g in groups if g["type"] == "cidr")


AZURE_CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
VSPHERE_VM = "vsphere:index/virtualMachine:VirtualMachine"


def _azure_custom_bgp(e: Estate, address: str) -> None:
    """Every instance of the first Azure connection speaks BGP from ``address`` (a wrong one)."""
    for entry in _first(e, AZURE_CONNECTION)["gatewayCustomBgpIpAddresses"]:  # type: ignore[attr-defined]
        entry["customBgpIpAddress"] = address


def _vsphere_appliance(e: Estate, index: int = 1) -> dict[str, Any]:
    (vm,) = [r for r in e.of_type(VSPHERE_VM) if r.name == f"core-appliance-vs-dc1-{index}"]
    return e.inputs(vm.urn)


def _vsphere_lets_through_nothing(e: Estate) -> None:
    """One appliance VM's openings emptied: the edge would drop the Azure gateway's IKE."""
    _vsphere_appliance(e)["extraConfig"]["guestinfo.skyweave.ingress"] = "[]"


def _vsphere_nat(e: Estate) -> None:
    """One appliance VM's annotation names another public address than Azure was given."""
    inputs = _vsphere_appliance(e, 0)
    inputs["annotation"] = re.sub(r"1:1 NAT \S+ -> ", "1:1 NAT 192.0.2.99 -> ", str(inputs["annotation"]))


def _device_entry(e: Estate) -> dict[str, object]:
    root = next(r.urn for r in e.run.resources if r.type == "pulumi:pulumi:Stack")
    devices: dict[str, list[dict[str, object]]] = e.raw_outputs[root]["onprem_devices"]
    return next(iter(devices.values()))[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda e: _first(e, "gcp:compute/vPNTunnel:VPNTunnel").update(sharedSecret="other"),
            "PSK values differ",
        ),
        (lambda e: _first(e, "gcp:compute/routerPeer:RouterPeer").update(peerAsn=65001), "peer ASN"),
        (
            lambda e: _first(e, "gcp:compute/routerPeer:RouterPeer").update(peerIpAddress="169.254.0.1"),
            "do not match AWS",
        ),
        (
            lambda e: _first(e, "aws:ec2/vpnConnection:VpnConnection").update(tunnel1IkeVersions=["ikev1"]),
            "ike: ",
        ),
        (
            lambda e: _first(e, "openstack:vpnaas/ikePolicy:IkePolicy").update(
                lifetimes=[{"units": "seconds", "value": 3600}]
            ),
            "p1_life",
        ),
        (lambda e: _device_entry(e).update(inside_cidr="169.254.200.0/30"), "inside_cidr"),
        (lambda e: _device_entry(e).update(psk="vpn_psks['x/y'][0]"), "PSK is not"),
        (
            lambda e: _peer_group(e).update(endpoints=["10.9.0.0/16"]),
            "endpoint group",
        ),
        (lambda e: _azure_custom_bgp(e, "169.254.21.250"), "speaks BGP from 169.254.21.250"),
        (
            lambda e: _first(e, AZURE_CONNECTION)["ipsecPolicies"][0].update(dhGroup="DHGroup2"),  # type: ignore[index]
            "p1_dh",
        ),
        (lambda e: _first(e, AZURE_CONNECTION).update(sharedKey="other"), "PSK"),
        (_vsphere_lets_through_nothing, "core-link-vs-dc1-azure-weu1: the appliance opens ike"),
        (_vsphere_nat, "is no appliance public address"),
    ],
    ids=[
        "psk",
        "asn",
        "bgp-address",
        "ike-version",
        "lifetime",
        "device-inside-cidr",
        "device-psk",
        "routes",
        "azure-bgp-address",
        "azure-ike",
        "azure-psk",
        "vsphere-azure-openings",
        "vsphere-azure-nat",
    ],
)
def test_the_check_catches_an_end_configured_differently(
    change: Callable[[Estate], None], expected: str
) -> None:
    problems = _tampered(change)
    assert any(expected in p for p in problems), problems
