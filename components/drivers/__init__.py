"""Vendor drivers: one module per vendor behind :class:`~skyweave.drivers.base.CloudDriver`."""

from .base import Capability, CloudDriver, NetworkLimits, SiteContext, SiteNetwork
from .registry import all_drivers, get_driver, register_driver, vendors

__all__ = [
    "Capability",
    "CloudDriver",
    "NetworkLimits",
    "SiteContext",
    "SiteNetwork",
    "all_drivers",
    "get_driver",
    "register_driver",
    "vendors",
]
