"""On-prem sites: networks that already exist. Nothing is created in any cloud.

An on-prem site declares the ranges it already routes; IPAM keeps every cloud block clear of
them, and (with the VPN layer) the other sites learn routes to them. Its "zones" are whatever
failure domains the operator has (rooms, racks), used for placement only.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

import pulumi
from pydantic import Field, field_validator, model_validator

from ..planning.ipam import SitePlan, SubnetSlot
from ..sites import SiteArgs
from ..validation import FieldValueError
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

    vpn_secondary_peer_ip: ipaddress.IPv4Address | None = Field(
        default=None,
        description="Public IPv4 address of a second VPN device, for device redundancy: every cloud "
        "link then gets tunnels to both devices. Requires vpn_peer_ip.",
    )
    bgp: bool = Field(
        default=False,
        description="The VPN devices speak BGP. Required for links to GCP (HA VPN routes only with "
        "BGP); AWS links use BGP instead of static routes when set.",
    )

    @field_validator("vpn_peer_ip", "vpn_secondary_peer_ip")
    @classmethod
    def _public(cls, ip: ipaddress.IPv4Address | None) -> ipaddress.IPv4Address | None:
        if ip is not None and not ip.is_global and not _is_documentation(ip):
            raise ValueError(
                f"{ip} is not a public address; the VPN peer must be reachable from the clouds' "
                "VPN endpoints over the internet"
            )
        return ip

    @model_validator(mode="after")
    def _secondary_needs_primary(self) -> OnPremSiteArgs:
        if self.vpn_secondary_peer_ip is not None:
            if self.vpn_peer_ip is None:
                raise FieldValueError(
                    "vpn_secondary_peer_ip",
                    "set vpn_peer_ip (the first device) as well",
                    str(self.vpn_secondary_peer_ip),
                )
            if self.vpn_secondary_peer_ip == self.vpn_peer_ip:
                raise FieldValueError(
                    "vpn_secondary_peer_ip",
                    "must differ from vpn_peer_ip: a second device has its own address",
                    str(self.vpn_secondary_peer_ip),
                )
        return self

    def default_zones(self) -> tuple[str, ...]:
        return (self.region,)

    def vpn_devices(self) -> tuple[str, ...]:
        return tuple(str(ip) for ip in (self.vpn_peer_ip, self.vpn_secondary_peer_ip) if ip is not None)

    def speaks_bgp(self) -> bool:
        return self.bgp

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
