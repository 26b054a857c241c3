"""Vendors' documented VPN limits, planned: prod's AWS gateways carry 12 connections, over AWS's
default of 10 per virtual private gateway, so prod declares the raised quota (without it, the plan
is a configuration error that names the quota and how to declare a raised one); one more link is
refused naming the declared figure.

The figures the tests state are the vendors' documents (each cited where it is used), not the
code's constants; what the plan counts is checked against the resources the offline preview
registers (one AWS VPN connection per counted connection, one Azure connection, one Cloud
Router BGP peer), so the planner cannot count one thing and build another.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from conftest import stack_raw
from skyweave.core.errors import ConfigError
from skyweave.engine.offline import OfflineRun
from skyweave.estate.config import StackConfig, parse_stack_config

# https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html: "Site-to-Site VPN connections
# per virtual private gateway: 10" (adjustable).
AWS_CONNECTIONS_PER_VGW = 10
# https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus: VpnGw1AZ-VpnGw3AZ "Max. 30"
# S2S tunnels, which the subscription-limits page calls "S2S connections".
AZURE_VPNGW2AZ_TUNNELS = 30
# https://cloud.google.com/network-connectivity/docs/router/quotas#limits: 128 BGP peers per
# Cloud Router, a system limit.
GCP_BGP_PEERS_PER_ROUTER = 128


def _plan(raw: dict[str, Any]) -> StackConfig:
    return parse_stack_config(raw, source="stacks/Pulumi.prod.yaml", stack="prod")


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        _plan(raw)
    return str(info.value)


#: prod's declared quota on each AWS gateway (its stack file: vs-dc1 took each to 12).
PROD_QUOTA = 12


def _one_more_device(raw: dict[str, Any], *, name: str = "onprem-ams") -> dict[str, Any]:
    """prod plus one on-prem site with one BGP device: one more connection on every AWS gateway."""
    raw = copy.deepcopy(raw)
    raw["sites"].append(
        {
            "name": name,
            "vendor": "onprem",
            "region": "ams-dc1",
            "zones": ["room-1"],
            "cidrs": ["10.210.0.0/16"],
            "vpn_peer_ip": "198.51.100.20",
            "bgp": True,
        }
    )
    # Two devices are not joined to each other (no link shape joins two devices).
    raw["network"]["exclude"].append(["onprem-fra", name])
    return raw


def _per_site(run: OfflineRun, type_token: str) -> Counter[str]:
    """Resources of one type by the site whose provider registers them (``…::<site>``)."""
    return Counter((r.provider or "").rsplit("::", 1)[-1] for r in run.resources if r.type == type_token)


def test_prod_is_at_its_declared_aws_quota_and_passes(prod_run: OfflineRun) -> None:
    """Each AWS gateway of prod carries exactly its declared raised quota, which is allowed."""
    config = _plan(stack_raw("prod"))
    usage = config.plan.network.connectivity.usage
    built = _per_site(prod_run, "aws:ec2/vpnConnection:VpnConnection")
    assert built == {"aws-use1": PROD_QUOTA, "aws-usw2": PROD_QUOTA}
    for site, count in built.items():
        assert usage[site]["vpn_connections_per_gateway"] == count


def test_prod_without_its_declared_quota_is_refused_at_the_aws_default() -> None:
    raw = stack_raw("prod")
    del raw["network"]["quotas"]
    message = _error(raw)
    assert "aws-use1" in message and "VPN connections per virtual private gateway" in message
    assert f"needs {PROD_QUOTA}" in message and f"allows {AWS_CONNECTIONS_PER_VGW}" in message
    assert "https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html" in message
    assert "skyweave:network.quotas.aws-use1.vpn_connections_per_gateway" in message


def test_the_counts_are_what_the_preview_registers(prod_run: OfflineRun) -> None:
    usage = _plan(stack_raw("prod")).plan.network.connectivity.usage
    azure = _per_site(prod_run, "azure-native:network:VirtualNetworkGatewayConnection")
    assert azure == {"azure-weu1": 18}
    assert usage["azure-weu1"]["s2s_tunnels_per_gateway"] == 18 <= AZURE_VPNGW2AZ_TUNNELS
    peers = _per_site(prod_run, "gcp:compute/routerPeer:RouterPeer")
    for site, count in peers.items():
        assert usage[site]["bgp_peers_per_router"] == count <= GCP_BGP_PEERS_PER_ROUTER
    gateways = [r for r in prod_run.resources if r.type == "azure-native:network:VirtualNetworkGateway"]
    (gateway,) = gateways
    addresses = [
        a for p in gateway.inputs["bgpSettings"]["bgpPeeringAddresses"] for a in p["customBgpIpAddresses"]
    ]
    assert usage["azure-weu1"]["custom_bgp_addresses_per_gateway"] == len(addresses)
    cgws = _per_site(prod_run, "aws:ec2/customerGateway:CustomerGateway")
    for site, count in cgws.items():  # one AWS site per region in prod: the region's count is the site's
        assert usage[site]["customer_gateways_per_region"] == count


def test_one_more_link_on_one_aws_gateway_is_refused_naming_the_quota() -> None:
    message = _error(_one_more_device(stack_raw("prod")))
    assert "aws-use1" in message
    assert "VPN connections per virtual private gateway" in message
    assert f"needs {PROD_QUOTA + 1}" in message
    assert f"the declared quota is {PROD_QUOTA}; " in message
    assert f"allows {AWS_CONNECTIONS_PER_VGW} (" in message
    assert "https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html" in message
    assert "skyweave:network.quotas.aws-use1.vpn_connections_per_gateway" in message


def test_a_declared_raised_quota_lets_the_plan_through() -> None:
    raw = _one_more_device(stack_raw("prod"))
    raw["network"]["quotas"] = {
        "aws-use1": {"vpn_connections_per_gateway": 13},
        "aws-usw2": {"vpn_connections_per_gateway": 13},
    }
    usage = _plan(raw).plan.network.connectivity.usage
    assert usage["aws-use1"]["vpn_connections_per_gateway"] == 13


def test_a_declared_quota_below_the_need_names_the_declared_figure() -> None:
    raw = _one_more_device(stack_raw("prod"))
    raw["network"]["quotas"] = {"aws-use1": {"vpn_connections_per_gateway": 13}}
    message = _error(raw)  # aws-usw2 now has the default
    assert "aws-usw2" in message and "needs 13" in message
    raw["network"]["quotas"] = {
        "aws-use1": {"vpn_connections_per_gateway": 10},
        "aws-usw2": {"vpn_connections_per_gateway": 20},
    }
    message = _error(raw)
    assert "skyweave:network.quotas.aws-use1.vpn_connections_per_gateway" in message
    assert "the declared quota is 10" in message


@pytest.mark.parametrize(
    ("quotas", "expected"),
    [
        ({"aws-use1": {"vpn_tunnels": 20}}, "vpn_connections_per_gateway"),  # the valid keys
        ({"azure-weu1": {"s2s_tunnels_per_gateway": 40}}, "cannot be raised"),
        ({"gcp-euw1": {"bgp_peers_per_router": 200}}, "cannot be raised"),
        ({"os-dc1": {"vpn_connections_per_gateway": 20}}, "publishes no VPN limits"),
        ({"aws-nowhere": {"vpn_connections_per_gateway": 20}}, "no site named"),
    ],
)
def test_a_quota_key_is_validated(quotas: dict[str, Any], expected: str) -> None:
    raw = stack_raw("prod")
    raw["network"]["quotas"] = quotas
    message = _error(raw)
    assert "skyweave:network.quotas." in message and expected in message


def test_a_quota_must_be_a_positive_integer() -> None:
    raw = stack_raw("prod")
    raw["network"]["quotas"] = {"aws-use1": {"vpn_connections_per_gateway": 0}}
    assert "skyweave:network.quotas.aws-use1.vpn_connections_per_gateway" in _error(raw)


def test_an_azure_gateway_over_its_sku_is_refused_with_the_larger_skus_named() -> None:
    """VpnGw2AZ: 30 S2S connections. Sixteen on-prem sites of two devices each add 32."""
    raw = stack_raw("prod")
    raw["network"] = {"name": "core", "topology": "hub-spoke", "hubs": ["azure-weu1"]}
    for i in range(8):
        raw["sites"].append(
            {
                "name": f"branch-{i}",
                "vendor": "onprem",
                "region": f"branch-{i}",
                "cidrs": [f"10.{220 + i}.0.0/16"],
                "vpn_peer_ip": f"198.51.100.{30 + 2 * i}",
                "vpn_secondary_peer_ip": f"198.51.100.{31 + 2 * i}",
                "bgp": True,
            }
        )
    message = _error(raw)
    assert "azure-weu1" in message and "VpnGw2AZ" in message
    assert "VpnGw4AZ" in message  # the remedy: a SKU with 100
    assert "https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus" in message


def test_the_aws_region_limits_count_every_site_of_the_region() -> None:
    """Two AWS sites in one region share the account's per-Region quotas; raising one site's
    declared figure but not the other's is a contradiction, refused."""
    raw = stack_raw("prod")
    raw["network"]["quotas"]["aws-use1"]["customer_gateways_per_region"] = 60
    raw["network"]["quotas"]["aws-usw2"]["customer_gateways_per_region"] = 60
    assert _plan(raw).plan.network.connectivity.usage["aws-use1"]["customer_gateways_per_region"] == 12
    raw = stack_raw("prod")
    raw["sites"][1]["region"] = "us-east-1"
    raw["sites"][1]["zones"] = ["us-east-1a", "us-east-1b"]
    raw["network"]["quotas"]["aws-use1"]["customer_gateways_per_region"] = 60
    raw["network"]["quotas"]["aws-usw2"]["customer_gateways_per_region"] = 70
    message = _error(raw)
    assert "aws-use1" in message and "aws-usw2" in message and "us-east-1" in message


# -- reserved ASNs ------------------------------------------------------------------------------


def test_an_azure_peer_may_not_use_65516() -> None:
    """Microsoft reserves 65515-65520 ("ExpressRoute routing requirements": "We have reserved
    ASNs from 65515 to 65520 for internal use"); the VPN Gateway FAQ lists 65515 and 65517-65520."""
    raw = stack_raw("prod")
    raw["sites"][0]["asn"] = 65516  # aws-use1, which links to azure-weu1
    message = _error(raw)
    assert "65516" in message and "aws-use1" in message and "Azure reserves" in message


def test_65516_is_allowed_on_a_site_no_azure_gateway_peers_with() -> None:
    raw = stack_raw("prod")
    raw["sites"][0]["asn"] = 65516
    raw["network"]["exclude"].append(["aws-use1", "azure-weu1"])
    del raw["network"]["tunnel_blocks"]["aws-use1/azure-weu1"]  # the pin `ipam lock` removes
    assert _plan(raw).plan.network.connectivity.asns["aws-use1"] == 65516


def test_the_aws_region_limits_add_up_the_region() -> None:
    """Six AWS sites of one account in us-east-1, each with a VPN link: six virtual private
    gateways, over the five per Region AWS documents; sites reached with another role are another
    account and add up apart."""
    raw = stack_raw("dev")
    raw["sites"] += [
        {"name": f"aws-x{i}", "vendor": "aws", "region": "us-east-1", "cidr": f"10.{30 + i}.0.0/16"}
        for i in range(5)
    ]
    message = _error(raw)
    assert "virtual private gateways per Region" in message and "6" in message and "5" in message
    assert "skyweave:network.quotas." in message and "virtual_private_gateways_per_region" in message
    role = "arn:aws:iam::123456789012:role/deploy"
    raw["sites"][-1]["assume_role_arn"] = role
    assert _plan(raw).plan.network.connectivity.usage["aws-use1"]["virtual_private_gateways_per_region"] == 5
