"""What the GCP provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

__all__ = ["preview_call", "preview_outputs"]


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _public_ip(name: str) -> str:
    """An address from 203.0.113.0/24 (RFC 5737 documentation range), stable per resource name."""
    return f"203.0.113.{int(_digest('ip', name)[:4], 16) % 254 + 1}"


def preview_outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if type_token == "gcp:storage/bucket:Bucket":
        return {} if "name" in inputs else {"name": f"{name}-{_digest('name', name)[:7]}"}
    if type_token == "gcp:compute/haVpnGateway:HaVpnGateway":
        # The two interfaces' public addresses (an appliance's rendered configuration needs them).
        return {"vpnInterfaces": [{"id": i, "ipAddress": _public_ip(f"{name}-{i}")} for i in (0, 1)]}
    if type_token == "gcp:compute/address:Address":
        return {"address": _public_ip(name)}
    return {}


def preview_call(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    if token == "gcp:dns/getManagedZone:getManagedZone":
        # Cloud DNS's shape: four ns-cloud-<letter><1-4>.googledomains.com. servers per zone.
        letter = "abcde"[int(_digest(token, str(args.get("name")))[:4], 16) % 5]
        return {
            "name": args.get("name"),
            "nameServers": [f"ns-cloud-{letter}{i}.googledomains.com." for i in range(1, 5)],
        }
    if token == "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount":
        project = args.get("project") or "project"
        number = int(_digest(token, project)[:10], 16) % 10**12
        email = f"project-{number}@storage-transfer-service.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}", "subjectId": str(10**20 + number)}
    return None
