"""What the GCP provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver,
with the provider configuration that applies (the stack's ``gcp:`` keys under an explicit
provider's inputs).

Ids are shaped as pulumi-gcp records them: each type's first import format (:data:`ID_FORMATS`),
and a compute resource's ``selfLink`` is that path under the Compute Engine API's URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..stand_ins import DOCUMENTATION_NET_1, DOCUMENTATION_NET_3, certificate_authority, documentation_address
from ..stand_ins import digest as _digest
from .zones import GCP_ZONES

__all__ = ["COMPUTE_API", "ID_FORMATS", "preview_call", "preview_outputs"]

#: Where a compute resource's self link points (``selfLink`` = this + its id).
COMPUTE_API = "https://www.googleapis.com/compute/v1/"

#: Each type's id: the first of the import formats pulumi-gcp documents for it (its docstring's
#: "## Import" list, e.g. ``projects/{{project}}/zones/{{zone}}/instances/{{name}}``;
#: tests/test_offline_shapes.py reads them), with single braces.
ID_FORMATS: dict[str, str] = {
    "gcp:compute/network:Network": "projects/{project}/global/networks/{name}",
    "gcp:compute/subnetwork:Subnetwork": "projects/{project}/regions/{region}/subnetworks/{name}",
    "gcp:compute/instance:Instance": "projects/{project}/zones/{zone}/instances/{name}",
    "gcp:compute/firewall:Firewall": "projects/{project}/global/firewalls/{name}",
    "gcp:compute/address:Address": "projects/{project}/regions/{region}/addresses/{name}",
    "gcp:compute/globalAddress:GlobalAddress": "projects/{project}/global/addresses/{name}",
    "gcp:compute/router:Router": "projects/{project}/regions/{region}/routers/{name}",
    "gcp:compute/routerNat:RouterNat": "projects/{project}/regions/{region}/routers/{router}/{name}",
    "gcp:compute/routerPeer:RouterPeer": "projects/{project}/regions/{region}/routers/{router}/{name}",
    "gcp:compute/haVpnGateway:HaVpnGateway": "projects/{project}/regions/{region}/vpnGateways/{name}",
    "gcp:compute/externalVpnGateway:ExternalVpnGateway": (
        "projects/{project}/global/externalVpnGateways/{name}"
    ),
    "gcp:compute/vPNTunnel:VPNTunnel": "projects/{project}/regions/{region}/vpnTunnels/{name}",
    "gcp:compute/instanceTemplate:InstanceTemplate": "projects/{project}/global/instanceTemplates/{name}",
    "gcp:compute/instanceGroupManager:InstanceGroupManager": (
        "projects/{project}/zones/{zone}/instanceGroupManagers/{name}"
    ),
    "gcp:compute/healthCheck:HealthCheck": "projects/{project}/global/healthChecks/{name}",
    "gcp:compute/regionHealthCheck:RegionHealthCheck": (
        "projects/{project}/regions/{region}/healthChecks/{name}"
    ),
    "gcp:compute/backendService:BackendService": "projects/{project}/global/backendServices/{name}",
    "gcp:compute/regionBackendService:RegionBackendService": (
        "projects/{project}/regions/{region}/backendServices/{name}"
    ),
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": (
        "projects/{project}/global/forwardingRules/{name}"
    ),
    "gcp:compute/forwardingRule:ForwardingRule": "projects/{project}/regions/{region}/forwardingRules/{name}",
    "gcp:compute/targetHttpProxy:TargetHttpProxy": "projects/{project}/global/targetHttpProxies/{name}",
    "gcp:compute/uRLMap:URLMap": "projects/{project}/global/urlMaps/{name}",
    "gcp:compute/disk:Disk": "projects/{project}/zones/{zone}/disks/{name}",
    "gcp:compute/route:Route": "projects/{project}/global/routes/{name}",
}

#: The project offline resources live in when neither the resource nor the provider names one.
PROJECT = "project"


def _public_ip(name: str) -> str:
    """An address from 203.0.113.0/24 (RFC 5737 documentation range), stable per resource name."""
    return documentation_address(DOCUMENTATION_NET_3, "ip", name)


def _last(value: object) -> str:
    """A name given as a reference (a self link or id) or as itself: its last segment."""
    return str(value).rstrip("/").rsplit("/", 1)[-1]


def _located(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any]
) -> dict[str, Any]:
    """The id (and self link, and the auto-name pulumi-gcp gives) of a type in :data:`ID_FORMATS`."""
    form = ID_FORMATS.get(type_token)
    if form is None:
        return {}
    out: dict[str, Any] = {}
    own = inputs.get("name")
    if not isinstance(own, str) or not own:
        own = out["name"] = f"{name}-{_digest('name', name)[:7]}"
    zone = str(inputs.get("zone") or provider.get("zone") or "")
    region = str(inputs.get("region") or provider.get("region") or (zone.rsplit("-", 1)[0] if zone else ""))
    values = {
        "project": str(inputs.get("project") or provider.get("project") or PROJECT),
        "region": _last(region or "us-central1"),
        "zone": _last(zone or f"{region or 'us-central1'}-a"),
        "router": _last(inputs.get("router") or "router"),
        "name": own,
    }
    out["id"] = form.format(**values)
    out["selfLink"] = COMPUTE_API + out["id"]
    return out


def preview_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    out = _located(type_token, name, inputs, provider or {})
    out.update(_outputs(type_token, name, inputs))
    return out


def _outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if type_token == "gcp:container/cluster:Cluster":
        # GKE's endpoint is the control plane's address (here from 192.0.2.0/24, RFC 5737).
        h = _digest("gke", name)
        out: dict[str, Any] = {} if "name" in inputs else {"name": f"{name}-{h[:7]}"}
        return {
            **out,
            "endpoint": documentation_address(DOCUMENTATION_NET_1, "gke", name),
            "masterAuth": {"clusterCaCertificate": certificate_authority("gke", name)},
        }
    if type_token == "gcp:storage/bucket:Bucket":
        return {} if "name" in inputs else {"name": f"{name}-{_digest('name', name)[:7]}"}
    if type_token == "gcp:compute/haVpnGateway:HaVpnGateway":
        # The two interfaces' public addresses (an appliance's rendered configuration needs them).
        return {"vpnInterfaces": [{"id": i, "ipAddress": _public_ip(f"{name}-{i}")} for i in (0, 1)]}
    if type_token == "gcp:compute/address:Address":
        return {"address": _public_ip(name)}
    return {}


def preview_call(
    token: str, args: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    provider = provider or {}
    project = str(args.get("project") or provider.get("project") or PROJECT)
    region = str(args.get("region") or provider.get("region") or "us-central1")
    if token == "gcp:organizations/getClientConfig:getClientConfig":
        zone = str(provider.get("zone") or f"{region}-{GCP_ZONES.get(region, 'b')[0]}")
        return {
            "id": f"projects/{project}/regions/{region}/zones/{zone}",
            "project": project,
            "region": region,
            "zone": zone,
            "accessToken": "offline-preview-token",
        }
    if token == "gcp:compute/getZones:getZones":
        # The region's zones from the documented table (drivers/gcp/zones.py).
        return {
            "id": f"projects/{project}/regions/{region}",
            "project": project,
            "region": region,
            "names": [f"{region}-{letter}" for letter in GCP_ZONES.get(region, "")],
        }
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
