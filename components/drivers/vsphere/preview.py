"""What the vSphere provider computes, stood in for an offline preview (no vCenter, no plugin).

Only the values skyweave's own code reads back are given: the inventory's managed-object ids
(``datacenter-3``, ``domain-c8``, ``resgroup-9``, ``datastore-12``, a switch's UUID), a template's
hardware a clone must match, and a VM's address. Values derive from the looked-up name or the
resource's name, so every preview of the same program is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..stand_ins import DOCUMENTATION_NET_1, digest, documentation_address

__all__ = ["preview_call", "preview_outputs"]


def _moref(kind: str, name: str) -> str:
    return f"{kind}-{int(digest(kind, name)[:6], 16) % 10000}"


def _uuid(*parts: str) -> str:
    d = digest(*parts)
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def preview_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    if type_token == "vsphere:index/virtualMachine:VirtualMachine":
        # The address VMware Tools reports: a stand-in from 192.0.2.0/24 (RFC 5737).
        return {
            "defaultIpAddress": documentation_address(DOCUMENTATION_NET_1, "vm", name),
            "uuid": _uuid("vm", name),
            "moid": _moref("vm", name),
        }
    return {}


def preview_call(
    token: str, args: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    name = str(args.get("name") or "")
    if token == "vsphere:index/getDatacenter:getDatacenter":
        return {"id": _moref("datacenter", name), "name": name}
    if token == "vsphere:index/getComputeCluster:getComputeCluster":
        return {"id": _moref("domain-c", name), "name": name, "resourcePoolId": _moref("resgroup", name)}
    if token == "vsphere:index/getDatastore:getDatastore":
        return {"id": _moref("datastore", name), "name": name}
    if token == "vsphere:index/getDistributedVirtualSwitch:getDistributedVirtualSwitch":
        return {"id": _uuid("dvs", name), "name": name}
    if token == "vsphere:index/getVirtualMachine:getVirtualMachine":
        return {
            "id": _uuid("template", name),
            "uuid": _uuid("template", name),
            "name": name,
            "guestId": "debian12_64Guest",
            "scsiType": "pvscsi",
            "firmware": "efi",
            "networkInterfaceTypes": ["vmxnet3"],
            "disks": [
                {
                    "label": "Hard disk 1",
                    "size": 20,
                    "thinProvisioned": True,
                    "eagerlyScrub": False,
                    "unitNumber": 0,
                }
            ],
        }
    return None
