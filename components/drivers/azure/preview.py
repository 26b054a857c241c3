"""What the Azure provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver.

* ``name``: azure-native names a resource from its own ``<thing>Name`` input when given, else
  auto-names it (the resource name plus a random suffix) — other resources refer to it by it;
* a public IP's ``ipAddress``: from 192.0.2.0/24 (RFC 5737 documentation range).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

__all__ = ["preview_call", "preview_outputs"]

#: Each type's input that holds its own name (the rest are auto-named).
_OWN_NAME: dict[str, str] = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:network:VirtualNetwork": "virtualNetworkName",
    "azure-native:network:Subnet": "subnetName",
    "azure-native:network:PublicIPAddress": "publicIpAddressName",
    "azure-native:network:NatGateway": "natGatewayName",
    "azure-native:network:VirtualNetworkGateway": "virtualNetworkGatewayName",
    "azure-native:network:LocalNetworkGateway": "localNetworkGatewayName",
    "azure-native:network:VirtualNetworkGatewayConnection": "virtualNetworkGatewayConnectionName",
    "azure-native:network:VirtualNetworkPeering": "virtualNetworkPeeringName",
    "azure-native:network:LoadBalancer": "loadBalancerName",
    "azure-native:network:NetworkSecurityGroup": "networkSecurityGroupName",
    "azure-native:compute:VirtualMachineScaleSet": "vmScaleSetName",
    "azure-native:trafficmanager:Profile": "profileName",
    "azure-native:trafficmanager:Endpoint": "endpointName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:storage:BlobContainer": "containerName",
    "azure-native:storage:BlobServiceProperties": "blobServicesName",
    "azure-native:dns:RecordSet": "relativeRecordSetName",
}


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def preview_outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if not type_token.startswith("azure-native:"):
        return {}
    out: dict[str, Any] = {}
    own = inputs.get(_OWN_NAME.get(type_token, ""))
    out["name"] = own if isinstance(own, str) and own else f"{name}{_digest('name', name)[:8]}"
    if type_token == "azure-native:network:PublicIPAddress":
        out["ipAddress"] = f"192.0.2.{int(_digest('ip', name)[:4], 16) % 254 + 1}"
    return out


def preview_call(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    if token == "azure-native:dns:getZone":
        # Azure DNS's shape: four servers ns1-NN.azure-dns.com/.net/.org/.info per zone.
        n = int(_digest(token, str(args.get("zoneName")))[:4], 16) % 10 + 1
        tlds = ("com", "net", "org", "info")
        return {
            "name": args.get("zoneName"),
            "nameServers": [f"ns{i}-{n:02d}.azure-dns.{t}." for i, t in enumerate(tlds, 1)],
        }
    return None
