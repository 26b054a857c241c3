"""What the OpenStack provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver.

Ids: OpenStack's services identify most resources by a UUID (:data:`UUID_IDS`); other types keep
the runtime's name-based id (a key pair, a Swift container are identified by name).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ..stand_ins import DOCUMENTATION_NET_1, DOCUMENTATION_NET_3, documentation_address
from ..stand_ins import digest as _digest

__all__ = ["UUID_IDS", "preview_call", "preview_outputs"]

#: Types whose id is a UUID: each one's import example in pulumi-openstack shows one
#: (`pulumi import openstack:networking/network:Network network_1 d90ce693-…`;
#: tests/test_offline_shapes.py reads them), and Nova's server ids are UUIDs
#: (https://docs.openstack.org/api-ref/compute/#servers-servers).
UUID_IDS: frozenset[str] = frozenset(
    {
        "openstack:networking/network:Network",
        "openstack:networking/subnet:Subnet",
        "openstack:networking/router:Router",
        "openstack:networking/port:Port",
        "openstack:networking/secGroup:SecGroup",
        "openstack:networking/secGroupRule:SecGroupRule",
        "openstack:networking/floatingIp:FloatingIp",
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
        "openstack:vpnaas/service:Service",
        "openstack:vpnaas/ikePolicy:IkePolicy",
        "openstack:vpnaas/siteConnection:SiteConnection",
        "openstack:vpnaas/endpointGroup:EndpointGroup",
        "openstack:blockstorage/volume:Volume",
        "openstack:compute/serverGroup:ServerGroup",
        "openstack:compute/instance:Instance",
        "openstack:loadbalancer/loadBalancer:LoadBalancer",
        "openstack:loadbalancer/listener:Listener",
        "openstack:loadbalancer/pool:Pool",
    }
)


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "https://skyweave.invalid/offline/" + "/".join(parts)))


def preview_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    out = _outputs(type_token, name, inputs)
    if type_token in UUID_IDS:
        out["id"] = _uuid(type_token, name)
    return out


def _outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if type_token == "openstack:containerinfra/cluster:Cluster":
        # Magnum's API address is its masters' load balancer (here from 192.0.2.0/24, RFC 5737);
        # its kubeconfig a map whose raw_config is the file.
        h = _digest("magnum", name)
        address = f"https://{documentation_address(DOCUMENTATION_NET_1, 'magnum', name)}:6443"
        raw = f"apiVersion: v1\nkind: Config\n# offline stand-in for Magnum cluster {name}\n"
        out = {} if "name" in inputs else {"name": f"{name}-{h[:7]}"}
        return {**out, "apiAddress": address, "kubeconfig": {"raw_config": raw, "host": address}}
    if type_token == "openstack:networking/port:Port" and "allFixedIps" not in inputs:
        # The address Neutron allocates on the port's subnet: a stand-in from 192.0.2.0/24
        # (RFC 5737), stable per resource name.
        return {"allFixedIps": [_host(DOCUMENTATION_NET_1, "port", name)]}
    if type_token == "openstack:networking/floatingIp:FloatingIp":
        # An address from 203.0.113.0/24 (RFC 5737 documentation range), stable per resource name.
        return {"address": _host(DOCUMENTATION_NET_3, "ip", name)}
    return {}


def _host(net: str, kind: str, name: str) -> str:
    """A host of the /24 ``net`` for resource ``name``. Neutron never hands one address out twice,
    and an appliance pair's config refuses equal addresses, so the members of a numbered family
    (``<stem>-0``, ``<stem>-1``: a pair's ports, its floating IPs) take consecutive hosts from
    their stem's digest rather than two digests that may collide (254 hosts)."""
    stem, dash, number = name.rpartition("-")
    if dash and number.isdigit():
        return documentation_address(net, kind, stem, offset=int(number))
    return documentation_address(net, kind, name)


def preview_call(
    token: str, args: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    if token == "openstack:networking/getNetwork:getNetwork":
        name = str(args.get("name") or "network")
        return {"id": _uuid(token, name), "name": name, "external": True}
    if token == "openstack:networking/getSecGroup:getSecGroup":
        name = str(args.get("name") or "default")
        return {"id": _uuid(token, name), "name": name}
    return None
