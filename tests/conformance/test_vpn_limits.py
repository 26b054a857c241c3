"""What the limit check counts is what the program registers, for every link shape.

The connectivity plan's ``usage`` (docs/limits.md) is compared, site by site, with the resources
the vendor counts against each limit in the recorded run: AWS VPN connections per virtual private
gateway and customer gateways, Azure connections and custom BGP addresses per gateway, Cloud
Router BGP peers. The generated estates cover the shapes prod lacks (Neutron VPNaaS ends, static
on-prem devices, two AWS sites in one region).
"""

from __future__ import annotations

from collections import Counter

import pytest
from conformance_harness import GENERATED, STACKS, estate, generated_raw
from conftest import stack_raw
from skyweave.estate.config import parse_stack_config

#: limit key → the resource type the vendor counts against it.
COUNTED = {
    "vpn_connections_per_gateway": "aws:ec2/vpnConnection:VpnConnection",
    "s2s_tunnels_per_gateway": "azure-native:network:VirtualNetworkGatewayConnection",
    "bgp_peers_per_router": "gcp:compute/routerPeer:RouterPeer",
}


@pytest.mark.parametrize("name", (*STACKS, *GENERATED))
def test_usage_is_what_is_registered(name: str) -> None:
    raw = stack_raw(name) if name in STACKS else generated_raw(name)
    usage = parse_stack_config(raw, source=name).plan.network.connectivity.usage
    run = estate(name).run
    for key, type_token in COUNTED.items():
        built = Counter((r.provider or "").rsplit("::", 1)[-1] for r in run.resources if r.type == type_token)
        planned = {site: need[key] for site, need in usage.items() if need.get(key)}
        assert planned == dict(built), key
    cgws = Counter(
        (r.provider or "").rsplit("::", 1)[-1] for r in run.resources if r.type.endswith("CustomerGateway")
    )
    regions = {s["name"]: s["region"] for s in raw["sites"]}
    for site, need in usage.items():
        if "customer_gateways_per_region" in need:
            assert need["customer_gateways_per_region"] == sum(
                n for s, n in cgws.items() if regions[s] == regions[site]
            ), site
    for gateway in run.resources:
        if gateway.type == "azure-native:network:VirtualNetworkGateway":
            site = (gateway.provider or "").rsplit("::", 1)[-1]
            peering = gateway.inputs["bgpSettings"]["bgpPeeringAddresses"]
            addresses = [a for instance in peering for a in instance["customBgpIpAddresses"]]
            assert usage[site]["custom_bgp_addresses_per_gateway"] == len(addresses)
