"""On-prem sites: networks that already exist. Nothing is created in any cloud.

An on-prem site declares the ranges it already routes; IPAM keeps every cloud block clear of
them, and (with the VPN layer) the other sites learn routes to them. Its "zones" are whatever
failure domains the operator has (rooms, racks), used for placement only.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

import pulumi
from pydantic import Field, field_validator

from ..planning.ipam import SitePlan, SubnetSlot
from ..sites import SiteArgs
from .base import Capability, CloudDriver, SiteContext, SiteNetwork

__all__ = ["OnPremDriver", "OnPremSiteArgs"]


class OnPremSiteArgs(SiteArgs):
    """A site you run yourself: its existing ranges and the public address of its VPN device."""

    VENDOR = "onprem"

    vendor: Literal["onprem"] = "onprem"
    cidrs: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = Field(
        min_length=1,
        description="Ranges the site already routes (required: at least one). No cloud block may "
        "overlap them.",
    )
    vpn_peer_ip: ipaddress.IPv4Address | None = Field(
        default=None,
        description="Public IPv4 address of the site's VPN device. Omitted: the site cannot be "
        "joined by site-to-site VPN.",
    )

    @field_validator("vpn_peer_ip")
    @classmethod
    def _public(cls, ip: ipaddress.IPv4Address | None) -> ipaddress.IPv4Address | None:
        if ip is not None and not ip.is_global and not _is_documentation(ip):
            raise ValueError(
                f"{ip} is not a public address; the VPN peer must be reachable from the clouds' "
                "VPN endpoints over the internet"
            )
        return ip

    def default_zones(self) -> tuple[str, ...]:
        return (self.region,)

    def existing_cidrs(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return self.cidrs


def _is_documentation(ip: ipaddress.IPv4Address) -> bool:
    """RFC 5737 ranges, accepted so examples need no real address."""
    return any(
        ip in ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
    )


class OnPremDriver(CloudDriver):
    vendor = "onprem"
    display_name = "On-prem"
    site_model = OnPremSiteArgs
    example = {"name": "onprem-fra", "vendor": "onprem", "region": "fra", "cidrs": ["10.200.0.0/16"]}
    capabilities = frozenset({Capability.NETWORK, Capability.STATIC_VPN, Capability.BARE_METAL})

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        return ()

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        return None

    def create_provider(self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        return None

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        return SiteNetwork.from_plan(self.vendor, plan, None, {}, {})
