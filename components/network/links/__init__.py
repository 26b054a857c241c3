"""Links between sites: one module per documented shape, each registering its builder.

A shape is decided (purely) by :mod:`skyweave.planning.vpn` from the two ends' endpoint kinds
and capabilities; the module registered for that shape here builds it through the drivers' VPN
protocols. A new pair of endpoint kinds is a new module: its shape rule
(``planning.vpn.register_shape``) and its builder (:func:`register_builder`).
"""

from . import (
    active_active,
    appliance_active,
    appliance_device,
    appliance_pair,
    device_active,
    gateway_active,
    gateway_appliance,
    gateway_ha,
    ha_active,
    ha_appliance,
    ha_device,
    peering,
    policy_vpn,
    site_vpn,
)
from .builder import LinkBuilder, VpnLink, register_builder

__all__ = [
    "LinkBuilder",
    "VpnLink",
    "active_active",
    "appliance_active",
    "appliance_device",
    "appliance_pair",
    "device_active",
    "gateway_active",
    "gateway_appliance",
    "gateway_ha",
    "ha_active",
    "ha_appliance",
    "ha_device",
    "peering",
    "policy_vpn",
    "register_builder",
    "site_vpn",
]
