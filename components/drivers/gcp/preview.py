"""What the GCP provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..stand_ins import DOCUMENTATION_NET_3, digest, documentation_address

__all__ = ["preview_call", "preview_outputs"]


def _public_ip(name: str) -> str:
    """An address from 203.0.113.0/24 (RFC 5737 documentation range), stable per resource name."""
    return documentation_address(DOCUMENTATION_NET_3, "ip", name)


def preview_outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if type_token == "gcp:storage/bucket:Bucket":
        return {} if "name" in inputs else {"name": f"{name}-{digest('name', name)[:7]}"}
    if type_token == "gcp:compute/haVpnGateway:HaVpnGateway":
        # The two interfaces' public addresses (an appliance's rendered configuration needs them).
        return {"vpnInterfaces": [{"id": i, "ipAddress": _public_ip(f"{name}-{i}")} for i in (0, 1)]}
    if type_token == "gcp:compute/address:Address":
        return {"address": _public_ip(name)}
    return {}


def preview_call(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    if token == "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount":
        project = args.get("project") or "project"
        number = int(digest(token, project)[:10], 16) % 10**12
        email = f"project-{number}@storage-transfer-service.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}", "subjectId": str(10**20 + number)}
    return None
