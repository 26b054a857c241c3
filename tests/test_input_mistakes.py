"""Mistakes that used to be taken silently or blamed on the wrong key (issue 16): each is now an
error naming the key the user got wrong, before anything is registered."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import run, stack_raw
from skyweave.core.errors import ConfigError
from skyweave.estate.config import parse_stack_config


def _dev() -> dict[str, Any]:
    return copy.deepcopy(stack_raw("dev"))


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_stack_config(raw, source="Pulumi.dev.yaml")
    return str(info.value)


@pytest.mark.parametrize("key", ["cidr", "ipam"])
def test_a_range_without_a_prefix_is_refused_not_taken_as_one_host(key: str) -> None:
    raw = _dev()
    if key == "cidr":
        raw["sites"][1]["cidr"] = "10.2.0.0"
        where = "skyweave:sites[1].cidr"
    else:
        raw["ipam"]["supernet"] = "10.0.0.0"
        where = "skyweave:ipam.supernet"
    text = _error(raw)
    assert f"{where}: " in text and "no prefix length" in text


def test_a_tunnel_pin_under_a_reversed_link_id_is_refused() -> None:
    raw = _dev()
    raw["network"] = {"tunnel_blocks": {"gcp-euw1/aws-use1": "169.254.100.0/27"}}
    text = _error(raw)
    assert "skyweave:network.tunnel_blocks.gcp-euw1/aws-use1" in text
    assert "did you mean 'aws-use1/gcp-euw1'" in text


def test_a_tunnel_pin_for_no_link_is_refused() -> None:
    raw = _dev()
    raw["network"] = {"tunnel_blocks": {"aws-use1/nowhere": "169.254.100.0/27"}}
    text = _error(raw)
    assert "skyweave:network.tunnel_blocks.aws-use1/nowhere" in text
    assert "links with tunnel blocks: aws-use1/gcp-euw1" in text


def test_a_tunnel_pin_for_an_excluded_link_is_refused() -> None:
    raw = _dev()
    raw["network"] = {
        "exclude": [["aws-use1", "gcp-euw1"]],
        "tunnel_blocks": {"aws-use1/gcp-euw1": "169.254.100.0/27"},
    }
    assert "the topology does not build this link" in _error(raw)


def test_an_explicit_link_that_is_also_excluded_is_refused() -> None:
    raw = _dev()
    raw["network"] = {
        "topology": "explicit",
        "links": [["aws-use1", "gcp-euw1"]],
        "exclude": [["gcp-euw1", "aws-use1"]],
    }
    text = _error(raw)
    assert "skyweave:network.links[0]" in text and "also excluded (network.exclude[0])" in text


def test_a_pinned_block_smaller_than_a_subnet_blames_the_block() -> None:
    raw = _dev()
    raw["sites"][0]["cidr"] = "10.1.0.0/24"
    text = _error(raw)
    assert "skyweave:sites[0].cidr: '10.1.0.0/24'" in text
    assert "smaller than one subnet" in text


def test_the_single_tunnel_warning_names_the_ends_it_has() -> None:
    """Two VPNaaS sites: the warning must not talk about an on-prem device."""
    from skyweave import HybridVpc, HybridVpcArgs, SiteProviders

    sites = [
        {
            "name": f"os-{n}",
            "vendor": "openstack",
            "region": "RegionOne",
            "cloud": n,
            "cidr": f"10.{i}.0.0/16",
        }
        for i, n in ((4, "a"), (5, "b"))
    ]

    def program() -> None:
        args = HybridVpcArgs(sites=sites)
        HybridVpc("core", args, providers=SiteProviders(args.sites))

    result = run(program)
    warnings = [m for m in result.warnings if "single point of failure" in m]
    assert warnings, result.warnings
    assert all("on-prem" not in w and "vpn_secondary_peer_ip" not in w for w in warnings)
    assert "Neutron VPNaaS and Neutron VPNaaS make one tunnel" in warnings[0]
