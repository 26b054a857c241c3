"""Valid estates of any size for the scale benchmarks: mixed vendors, pinned, hub-and-spoke.

Sites rotate through AWS, GCP, OpenStack, on-prem (two BGP-speaking devices each) and Azure over a
few real regions. The estate is one skyweave's own pack passes (``tests/test_bench.py``): OpenStack
ends are the route-based appliance pair (Neutron VPNaaS is policy-based: one active tunnel per link,
a mandatory finding), Azure ends an active-active zone-redundant gateway. Two AWS hubs in different
regions join every other site (``hub-spoke``), so the number of links grows as ``2n``: a full mesh
of 1,000 sites would be ~500,000 links (and no pool of tunnel /30s could hold them; see
docs/benchmarks.md).

Past :data:`SPOKES_PER_HUB_PAIR` spokes the estate is regional, as a real one of that size would
be: every group of that many spokes has its own two AWS hubs (a hub's tunnel inside addresses come
from one /16, ~2,041 links per gateway at most, and each link of a hub needs a block its other
links do not use), the links are listed (``explicit``), the groups' hubs are joined hub to hub by
VPC peering in two chains (A to A, B to B: losing one hub or one vendor still leaves a path), tunnel
blocks need only differ between links sharing a site (``tunnel_block_scope: site``, what AWS and GCP
require), and sites take /21s (8,192 in 10.0.0.0/8, subnets /25) once /20s no longer fit.

Every block, ASN and tunnel block is pinned the way ``skyweave ipam lock`` pins them: the unpinned
estate is planned once with skyweave's own planners and the plan's values are written back into
the config.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from skyweave.estate.config import NAMESPACE, parse_stack_config
from skyweave.network.hybrid_vpc import plan_hybrid_vpc

__all__ = ["estate_config", "site_entries", "write_project"]

_AWS_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
_GCP_REGIONS = ("europe-west1", "us-central1", "us-east1")
_AZURE_REGIONS = ("westeurope", "northeurope", "eastus2")
_VENDORS = ("aws", "gcp", "openstack", "onprem", "azure")
#: The estate mixes ``write_project`` and the scale benchmarks know: ``mixed`` (the default: every
#: vendor, appliance and Azure links) and ``dev``: the AWS hubs, spokes alternating GCP and on-prem
#: (two BGP devices), so the link shapes dev has: aws-gcp-ha-vpn and aws-site-vpn to devices (a
#: group's two hubs are not joined to each other as ``hub-spoke`` would, since each spoke joins
#: both; a GCP hub's Cloud Router would take at most 128 BGP peers); a regional estate's groups are
#: joined hub to hub by VPC peering. ``dev`` was what a unit's program built before every link
#: shape was unit-aware (docs/units.md); it is labelled as such wherever a figure comes from it and
#: never replaces the mixed estate.
MIXES = {"mixed": _VENDORS, "dev": ("gcp", "onprem")}
#: Azure spokes at most: an Azure gateway's BGP addresses must lie in 169.254.21.0-22.255 (APIPA),
#: and each link to an AWS hub takes a /27 of tunnel addresses the hub's other links cannot reuse,
#: so only a few such links fit (measured: 5 spokes on two hubs plan, 6 are refused by the
#: planner with the range named). Past them, the slot is a GCP site.
_AZURE_SPOKES = 5

#: Site blocks: a /20 each from 10.0.0.0/8 (4,096 of them), subnets /24; past that, /21s (8,192)
#: with /25 subnets (the same sixteen subnet slots a site's zones are laid out in).
SITE_PREFIX = 20
_LARGE_SITE_PREFIX = 21
#: Spokes two hubs take before the estate gets another pair of hubs (the module's docstring).
SPOKES_PER_HUB_PAIR = 1000
SUBNET_PREFIX = 24
_TWO_BYTE_ASNS = 65534 - 64512 + 1
#: The AWS quotas a hub's connections count against (the skyweave AWS driver's adjustable keys).
_HUB_QUOTAS = ("vpn_connections_per_gateway", "vpn_connections_per_region", "customer_gateways_per_region")


def _is_hub(i: int, spokes_per_pair: int) -> bool:
    """Whether site ``i`` is a hub: the first two of every group of ``spokes_per_pair`` spokes."""
    return i % (spokes_per_pair + 2) < 2


def site_entries(
    count: int, mix: str = "mixed", *, spokes_per_pair: int = SPOKES_PER_HUB_PAIR
) -> list[dict[str, Any]]:
    """``count`` unpinned site entries of the vendor ``mix`` (:data:`MIXES`); the first two of each
    group of ``spokes_per_pair`` spokes are its AWS hubs."""
    vendors = MIXES[mix]
    sites: list[dict[str, Any]] = []
    azure = 0
    for i in range(count):
        vendor = "aws" if _is_hub(i, spokes_per_pair) else vendors[i % len(vendors)]
        if vendor == "azure":
            azure += 1
            vendor = "azure" if azure <= _AZURE_SPOKES else "gcp"
        name = f"{vendor[:3]}-{i:05d}"
        if vendor == "aws":
            sites.append({"name": name, "vendor": "aws", "region": _AWS_REGIONS[i % len(_AWS_REGIONS)]})
        elif vendor == "gcp":
            region = _GCP_REGIONS[i % len(_GCP_REGIONS)]
            sites.append({"name": name, "vendor": "gcp", "region": region, "project": "skyweave-bench-01"})
        elif vendor == "openstack":
            sites.append(
                {
                    "name": name,
                    "vendor": "openstack",
                    "region": "RegionOne",
                    "auth_url": f"https://keystone.dc{i}.example.net:5000/v3",
                    "external_network": "public",
                    "zones": ["az1", "az2"],
                    "vpn": "appliance",
                    "vpn_appliance": {"image": "debian-12-genericcloud", "flavor": "m1.small"},
                }
            )
        elif vendor == "azure":
            sites.append(
                {
                    "name": name,
                    "vendor": "azure",
                    "region": _AZURE_REGIONS[i % len(_AZURE_REGIONS)],
                    "subscription_id": "6b1f3c2a-8d4e-4f5a-9c7b-1e2d3f4a5b6c",
                    "zones": ["1", "2", "3"],
                    "vpn_gateway_sku": "VpnGw2AZ",
                }
            )
        elif vendor == "onprem":
            # Each on-prem site brings its own /24 from 172.16.0.0/12 and two public VPN devices.
            sites.append(
                {
                    "name": name,
                    "vendor": "onprem",
                    "region": f"dc-{i}",
                    "cidrs": [_onprem_cidr(i)],
                    "vpn_peer_ip": f"11.{(i >> 8) & 255}.{i & 255}.10",
                    "vpn_secondary_peer_ip": f"11.{(i >> 8) & 255}.{i & 255}.11",
                    "bgp": True,
                }
            )
    if count > _TWO_BYTE_ASNS:
        # 1,023 private 2-byte ASNs cannot number a bigger estate: pin 4-byte ones (RFC 6996).
        for i, site in enumerate(sites):
            site["asn"] = 4_200_000_000 + i
    return sites


def _onprem_cidr(i: int) -> str:
    """A /26 per on-prem site from 172.16.0.0/12 (65,536 of them), outside the 10/8 supernet."""
    base = (172 << 24) | (16 << 16)
    address = base + i * 64
    return f"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}/26"


def _groups(sites: list[dict[str, Any]], spokes_per_pair: int) -> list[list[dict[str, Any]]]:
    """The sites by group: each group its two hubs first, then its spokes."""
    size = spokes_per_pair + 2
    return [sites[at : at + size] for at in range(0, len(sites), size)]


def _regional_links(groups: list[list[dict[str, Any]]], mix: str) -> list[list[str]]:
    """Every link of a regional estate (the module's docstring): each spoke to its group's two
    hubs, the two hubs of a group to each other unless ``dev`` (as ``hub-spoke`` joins them), and
    hub A to the next group's hub A, hub B to its hub B."""
    links: list[list[str]] = []
    for at, group in enumerate(groups):
        a, b = group[0]["name"], group[1]["name"]
        if mix != "dev":
            links.append([a, b])
        links += [[hub, spoke["name"]] for spoke in group[2:] for hub in (a, b)]
        if at + 1 < len(groups):
            following = groups[at + 1]
            links += [[a, following[0]["name"]], [b, following[1]["name"]]]
    return links


def estate_config(
    count: int, mix: str = "mixed", *, spokes_per_pair: int = SPOKES_PER_HUB_PAIR
) -> dict[str, Any]:
    """The ``skyweave:`` config (keys without the namespace) of a pinned ``count``-site estate:
    two AWS hubs and their spokes, or past ``spokes_per_pair`` spokes, a regional estate (the
    module's docstring)."""
    if count < 3:
        raise ValueError(f"an estate needs at least 3 sites (two hubs and a spoke), not {count}")
    if spokes_per_pair < 1:
        raise ValueError(f"two hubs need at least one spoke, not {spokes_per_pair}")
    sites = site_entries(count, mix, spokes_per_pair=spokes_per_pair)
    groups = _groups(sites, spokes_per_pair)
    if len(groups[-1]) < 3:  # a last group of hubs alone: its two sites become the last group's spokes
        raise ValueError(
            f"{count} sites leave a last group of hubs without spokes ({spokes_per_pair} spokes per pair)"
        )
    hubs = [site for group in groups for site in group[:2]]
    large = count > 2 ** (SITE_PREFIX - 8)
    site_prefix = _LARGE_SITE_PREFIX if large else SITE_PREFIX
    subnet_prefix = SUBNET_PREFIX + (_LARGE_SITE_PREFIX - SITE_PREFIX if large else 0)
    raw: dict[str, Any] = {
        "tags": {"env": "bench", "owner": "platform"},
        "network": {
            "name": "core",
            "topology": "hub-spoke",
            "hubs": [hub["name"] for hub in hubs],
            # Each hub's gateway carries a connection per spoke address, far past AWS's default
            # quotas (docs/limits.md): the estate declares them raised, as a real one would have
            # to (or use a transit gateway, which skyweave does not build). Two per spoke bounds it.
            "quotas": {
                hub["name"]: {key: max(2 * count, 50) for key in _HUB_QUOTAS}
                for hub in hubs
                if hub["vendor"] == "aws"
            },
        },
        "ipam": {"supernet": "10.0.0.0/8", "site_prefix": site_prefix, "subnet_prefix": subnet_prefix},
        "sites": sites,
    }
    if len(groups) > 1:
        del raw["network"]["hubs"]
        raw["network"]["topology"] = "explicit"
        raw["network"]["links"] = _regional_links(groups, mix)
        raw["network"]["tunnel_block_scope"] = "site"
    elif mix == "dev":
        # The two AWS hubs would be joined by a VPC peering, not a dev shape: each spoke joins both.
        raw["network"]["exclude"] = [[hubs[0]["name"], hubs[1]["name"]]]
    config = parse_stack_config(raw, source=f"bench estate of {count} sites")
    plan = plan_hybrid_vpc(config.hybrid_vpc_args(), connectivity_path="network")
    pinned = copy.deepcopy(raw)
    pins = plan.addresses.pins()
    for site in pinned["sites"]:
        if site["vendor"] != "onprem":
            site["cidr"] = pins[site["name"]]["cidr"]
        site["asn"] = plan.connectivity.asns[site["name"]]
    pinned["network"]["tunnel_blocks"] = {
        link.id: str(link.block) for link in plan.connectivity.links if link.block is not None
    }
    pinned["ipam"]["require_pins"] = True
    return pinned


def write_project(
    directory: Path,
    count: int,
    *,
    stack: str = "bench",
    mix: str = "mixed",
    units: bool = False,
    spokes_per_pair: int = SPOKES_PER_HUB_PAIR,
) -> Path:
    """A Pulumi project running the repository's own program (``stacks/``) on a generated estate.

    ``units``: the estate is deployed as units (``skyweave:deployment: units``). Returns the
    project directory; ``Pulumi.yaml`` points ``main`` at the repository's program.
    """
    program = Path(__file__).resolve().parent.parent / "stacks"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": "skyweave", "runtime": "python", "main": str(program)})
    )
    raw = estate_config(count, mix, spokes_per_pair=spokes_per_pair)
    if units:
        raw["deployment"] = "units"
    config = {f"{NAMESPACE}:{key}": value for key, value in raw.items()}
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return directory
