"""Links between sites: one module per documented shape, each registering its builder.

A shape is decided (purely) from the two ends' endpoint kinds and capabilities by the pair's
rule, and built through the drivers' VPN protocols by the shape's builder; both live in the
shape's module here (``<kind>_<kind>.py`` or the shape's older name) and are registered on import,
each once (a second registration raises :class:`~skyweave.core.errors.RegistrationError`).
A new pair of endpoint kinds is a new module: its rule (``planning.vpn.register_shape``), its
builder (:func:`register_builder`), its shape named :func:`~skyweave.planning.vpn.kind_shape`.
Pairs with no redundant shape are refused in :mod:`.refused`. Which protocol each kind's driver
implements is :data:`skyweave.drivers.vpn.ENDPOINT_PROTOCOLS`, checked for both ends of every
link while planning (:mod:`skyweave.network.connectivity`).
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
    refused,
    site_vpn,
)
from .builder import PEERING, LinkBuilder, VpnLink, builder_for, register_builder

__all__ = [
    "PEERING",
    "LinkBuilder",
    "VpnLink",
    "active_active",
    "appliance_active",
    "appliance_device",
    "appliance_pair",
    "builder_for",
    "device_active",
    "gateway_active",
    "gateway_appliance",
    "gateway_ha",
    "ha_active",
    "ha_appliance",
    "ha_device",
    "peering",
    "policy_vpn",
    "refused",
    "register_builder",
    "site_vpn",
]
