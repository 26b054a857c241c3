"""What the OpenStack provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..stand_ins import DOCUMENTATION_NET_1, DOCUMENTATION_NET_3, digest, documentation_address

__all__ = ["preview_call", "preview_outputs"]


def preview_outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if type_token == "openstack:networking/port:Port" and "allFixedIps" not in inputs:
        # The address Neutron allocates on the port's subnet: a stand-in from 192.0.2.0/24
        # (RFC 5737), stable per resource name.
        return {"allFixedIps": [documentation_address(DOCUMENTATION_NET_1, "port", name)]}
    if type_token == "openstack:networking/floatingIp:FloatingIp":
        # An address from 203.0.113.0/24 (RFC 5737 documentation range), stable per resource name.
        return {"address": documentation_address(DOCUMENTATION_NET_3, "ip", name)}
    return {}


def preview_call(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    if token == "openstack:networking/getNetwork:getNetwork":
        name = args.get("name") or "network"
        return {"id": f"{name}-{digest(token, name)[:12]}", "name": name, "external": True}
    return None
