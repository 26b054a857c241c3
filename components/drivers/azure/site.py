"""An Azure site as a stack file declares it (:class:`AzureSiteArgs`), and what validating one
needs: the regions with availability zones, the VPN gateway SKUs the installed SDK offers, and
whether the optional SDK is installed at all. Its own module so the driver's services
(:mod:`.app`, :mod:`.storage`) read the site model without importing the driver back.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ...core.errors import did_you_mean
from ...core.sites import CloudSiteArgs
from ...core.validation import FieldValueError
from ..sdk import sdk_enum_values

__all__ = ["AZURE_ZONES", "EXTRA", "SDK", "AzureSiteArgs", "sdk_installed", "vpn_gateway_skus"]

#: What to install for Azure sites (pyproject.toml's optional extra).
EXTRA = "pip install 'skyweave[azure]'"
SDK = "pulumi_azure_native"

#: Regions with availability zones (zones "1", "2", "3"), by programmatic name. Source: "Azure
#: regions list", https://learn.microsoft.com/azure/reliability/regions-list (availability zone
#: support column). A region missing here needs ``skip_region_check: true``.
AZURE_ZONES: dict[str, str] = {
    region: "123"
    for region in (
        "australiaeast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "canadacentral",
        "centralindia",
        "centralus",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "koreacentral",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northeurope",
        "norwayeast",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southcentralus",
        "southeastasia",
        "spaincentral",
        "swedencentral",
        "switzerlandnorth",
        "uaenorth",
        "uksouth",
        "westeurope",
        "westus2",
        "westus3",
    )
}

_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def sdk_installed() -> bool:
    """Whether pulumi-azure-native can be imported (found, not loaded)."""
    try:
        return importlib.util.find_spec(SDK) is not None
    except (ImportError, ValueError):  # ValueError: a module hidden as sys.modules[name] = None
        return False


def vpn_gateway_skus() -> frozenset[str]:
    """The zone-redundant VPN gateway SKUs the installed SDK lists (``VpnGw1AZ`` … ``VpnGw5AZ``)."""
    names = sdk_enum_values(SDK, "network._enums", "VirtualNetworkGatewaySkuName")
    return frozenset(n for n in names if re.fullmatch(r"VpnGw\d+AZ", n))


class AzureSiteArgs(CloudSiteArgs):
    """An Azure region in one subscription. Credentials come from the environment (``az login``,
    a managed identity, ``ARM_*`` variables); never from here."""

    VENDOR = "azure"

    vendor: Literal["azure"] = "azure"
    subscription_id: str = Field(
        pattern=_UUID, description="The Azure subscription id (required: there is no sensible default)."
    )
    tenant_id: str | None = Field(
        default=None, pattern=_UUID, description="The Microsoft Entra tenant. Omitted: the environment's."
    )
    nat_gateway: bool = Field(
        default=False,
        description="A NAT gateway for the main subnet's egress (zonal: in the site's first zone). "
        "Default false: instances reach only the estate.",
    )
    vpn_gateway_sku: str = Field(
        default="VpnGw1AZ",
        description="SKU of the site's VPN gateway: a zone-redundant AZ SKU, VpnGw1AZ (default) to VpnGw5AZ.",
    )
    admin_username: str = Field(
        default="skyweave",
        pattern=r"^[a-z_][a-z0-9_-]{0,31}$",
        description="Linux admin user of the site's scale sets. Default skyweave.",
    )
    admin_ssh_public_key: str | None = Field(
        default=None,
        pattern=r"^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$",
        description="SSH public key of that user (password login stays off). Required for a "
        "MultiCloudApp on the site.",
    )
    encryption_at_host: bool = Field(
        default=True,
        description="Encrypt the scale sets' temp disks and disk caches at the host too (managed "
        "disks are always encrypted at rest). Needs the subscription's EncryptionAtHost feature "
        "registered. Default true.",
    )
    storage_redundancy: Literal["ZRS", "GZRS"] = Field(
        default="ZRS",
        description="Replication of Blob storage accounts on the site: ZRS (three zones, default) "
        "or GZRS (three zones plus the paired region).",
    )
    skip_region_check: bool = Field(
        default=False,
        description="Accept a region missing from skyweave's table of Azure regions with availability zones.",
    )

    @field_validator("vendor")
    @classmethod
    def _extra_installed(cls, vendor: str) -> str:
        if not sdk_installed():
            raise ValueError(
                f"Azure sites need pulumi-azure-native, which skyweave ships as an optional extra: {EXTRA}"
            )
        return vendor

    @model_validator(mode="after")
    def _region_zones_sku(self) -> AzureSiteArgs:
        if not self.skip_region_check and self.region not in AZURE_ZONES:
            raise FieldValueError(
                "region",
                "not an Azure region with availability zones (programmatic name, e.g. westeurope)"
                f"{did_you_mean(self.region, AZURE_ZONES) or ';'} valid: {', '.join(sorted(AZURE_ZONES))} "
                "(set skip_region_check: true for a newer one)",
            )
        letters = AZURE_ZONES.get(self.region, "123")
        for i, zone in enumerate(self.zones):
            if zone not in letters or len(zone) != 1:
                raise FieldValueError(
                    f"zones[{i}]", f"not a zone of {self.region}; Azure zones are {', '.join(letters)}"
                )
        skus = vpn_gateway_skus()
        if self.vpn_gateway_sku not in skus:
            raise FieldValueError(
                "vpn_gateway_sku",
                f"not a zone-redundant VPN gateway SKU; valid: {', '.join(sorted(skus))}",
            )
        return self

    def default_zones(self) -> tuple[str, ...]:
        return tuple(AZURE_ZONES.get(self.region, "123"))
