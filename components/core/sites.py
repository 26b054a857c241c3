"""What a site is: one vendor + one region (+ zones), described in the stack configuration.

The fields every vendor shares live on :class:`SiteArgs`; each vendor's driver module subclasses
it with that vendor's specifics (an OpenStack external network, an on-prem site's existing
ranges), so adding a vendor is adding a driver module. The union of all registered vendors'
models is :data:`skyweave.estate.config.AnySite`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from .naming import NAME_PATTERN
from .validation import ArgsModel, unique_entries

__all__ = [
    "ZONE_SLOTS",
    "AnyNetwork",
    "CloudSiteArgs",
    "IPv4Block",
    "IPv6Block",
    "SiteArgs",
    "SiteName",
    "Tags",
]


def _require_prefix(value: Any) -> Any:
    """A range must say its size: ``10.2.0.0`` alone would silently be the single host 10.2.0.0/32."""
    if isinstance(value, str) and "/" not in value:
        raise ValueError(
            f"no prefix length: write the range as a network, e.g. {value}/16 "
            "(a bare address would be a single host, /32 or /128)"
        )
    return value


#: IPv4 / IPv6 ranges as the configuration writes them: CIDR form, the prefix length required.
IPv4Block = Annotated[ipaddress.IPv4Network, BeforeValidator(_require_prefix)]
IPv6Block = Annotated[ipaddress.IPv6Network, BeforeValidator(_require_prefix)]
AnyNetwork = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(_require_prefix)]

#: Zone slots per tier in a site's address block: a zone's subnets sit at a slot fixed by the
#: zone's own identity (AWS zone letter a-h), so adding a zone never renumbers another.
ZONE_SLOTS = 8

SiteName = Annotated[
    str,
    Field(
        pattern=NAME_PATTERN,
        min_length=1,
        max_length=24,
        description=(
            "Unique name of the site, used in every child resource name: lowercase letters, digits "
            "and '-', starting with a letter, at most 24 characters. Renaming a site replaces its "
            "resources."
        ),
        examples=["aws-use1", "gcp-euw1", "os-dc1", "onprem-rack7"],
    ),
]

Tags = dict[
    Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z][a-z0-9_-]*$")],
    Annotated[str, Field(max_length=63, pattern=r"^[a-z0-9_-]*$")],
]


class SiteArgs(ArgsModel):
    """Fields every site has, whatever its vendor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Vendor identifier; each subclass narrows it to a Literal, which is the union's tag.
    VENDOR: ClassVar[str] = ""

    name: SiteName
    vendor: str = Field(description="The vendor: selects the driver and the site's other fields.")
    region: str = Field(
        min_length=1,
        description="The vendor's region (AWS/GCP region name; for OpenStack the Keystone region; "
        "for on-prem a free-form location name).",
    )
    zones: tuple[str, ...] = Field(
        default=(),
        description="Failure zones to spread over. Omitted: the vendor driver's default (two zones "
        "where the vendor has zones).",
    )
    tags: Tags = Field(
        default_factory=dict,
        description="Labels applied to every resource of the site, after the estate-wide tags. "
        "Keys and values use the strictest vendor's rule (GCP labels): lowercase, digits, '_' and '-'.",
    )
    asn: int | None = Field(
        default=None,
        description="The site's private BGP ASN (64512–65534 or 4200000000–4294967294), unique in the "
        "estate. Omitted: derived from the site name; `skyweave ipam lock` records it.",
    )

    @field_validator("zones")
    @classmethod
    def _unique_zones(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        return unique_entries(zones, "zones", "zone")

    def model_post_init(self, context: Any, /) -> None:
        if not self.zones:
            object.__setattr__(self, "zones", self.default_zones())

    def default_zones(self) -> tuple[str, ...]:
        """The zones used when the configuration lists none."""
        return ()

    def existing_cidrs(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """Ranges the site already routes, which IPAM must keep clear (on-prem sites)."""
        return ()

    def vpn_devices(self) -> tuple[str, ...]:
        """Public addresses of VPN devices the operator runs at the site (on-prem); clouds have none."""
        return ()

    def speaks_bgp(self) -> bool:
        """Whether the site's own VPN devices run BGP (clouds' gateways are described by their driver)."""
        return False


class CloudSiteArgs(SiteArgs):
    """A site where skyweave creates the network, and so plans its address block."""

    cidr: IPv4Block | None = Field(
        default=None,
        description="The site's IPv4 block, pinned. Omitted: IPAM places it first-fit in the "
        "supernet; run `skyweave ipam lock` to record it so no later edit can renumber it.",
    )
    ipv6: bool = Field(
        default=False,
        description="Dual-stack: give the network and every subnet an IPv6 range too "
        "(vendor-assigned on AWS and GCP, planned from ipam.ipv6_supernet on OpenStack).",
    )
    ipv6_cidr: IPv6Block | None = Field(
        default=None,
        description="The site's IPv6 block, pinned, for vendors where skyweave plans IPv6 "
        "(OpenStack). Omitted: IPAM places it; `skyweave ipam lock` records it.",
    )


#: The tag a VPN resource standing for another site's device (an AWS customer gateway, an Azure
#: local network gateway) carries with that site's name: the policy pack merges the device
#: addresses of one site into that site's node of the site graph (docs/policies.md).
PEER_SITE_TAG = "skyweave-peer-site"


def resource_tags(site: SiteArgs, *layers: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The tags/labels of a resource a component builds on ``site``.

    skyweave's own markers first (``managed-by``, ``skyweave-site`` and ``extra``), then each layer
    in order, a later layer winning on a clash. Each component states its order at the call site:
    the network and bare-metal pools let the site's tags override the component's; apps and
    buckets let the component's own tags override the site's.
    """
    tags = {"managed-by": "skyweave", "skyweave-site": site.name, **extra}
    for layer in layers:
        tags.update(layer)
    return tags
