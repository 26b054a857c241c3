"""What the Azure provider computes on create, stood in for an offline preview (no cloud, no plugin).

Only the values skyweave's own code or a policy reads back are given; everything else stays as
the inputs (the SDK mock's default). Values derive from the resource's name, so every preview of
the same program is the same. :class:`~skyweave.engine.offline.OfflineMocks` asks each driver.

* ``name``: azure-native names a resource from its own ``<thing>Name`` input when given, else
  auto-names it (the resource name plus a random suffix) — other resources refer to it by it;
* a public IP's ``ipAddress``: from 192.0.2.0/24 (RFC 5737 documentation range);
* ``id``: the Azure Resource Manager id,
  ``/subscriptions/<uuid>/resourceGroups/<group>/providers/<namespace>/<type>/<name>`` — the
  path below ``providers/`` from :data:`ARM_PATHS` where the type's path is not its namespace
  and plural (:func:`arm_id`); the subscription is the provider's ``subscriptionId``, else a
  stand-in UUID.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from typing import Any

from ..stand_ins import DOCUMENTATION_NET_1, certificate_authority, documentation_address
from ..stand_ins import digest as _digest

__all__ = ["ARM_PATHS", "NAMESPACES", "arm_id", "preview_call", "preview_outputs", "subscription"]

#: The subscription offline resources live in when the provider names none (a UUID, as Azure's).
SUBSCRIPTION = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://skyweave.invalid/offline/subscription"))

#: Each azure-native module's resource provider namespace where it is not ``Microsoft.<Module>``.
NAMESPACES: dict[str, str] = {
    "trafficmanager": "Microsoft.Network",
    "dns": "Microsoft.Network",
    "privatedns": "Microsoft.Network",
    "monitor": "Microsoft.Insights",
    "keyvault": "Microsoft.KeyVault",
    "containerinstance": "Microsoft.ContainerInstance",
    "containerservice": "Microsoft.ContainerService",
    "containerregistry": "Microsoft.ContainerRegistry",
    "operationalinsights": "Microsoft.OperationalInsights",
    "managedidentity": "Microsoft.ManagedIdentity",
    "documentdb": "Microsoft.DocumentDB",
    "dbforpostgresql": "Microsoft.DBforPostgreSQL",
    "dbformysql": "Microsoft.DBforMySQL",
    "cdn": "Microsoft.Cdn",
    "sql": "Microsoft.Sql",
}

#: The ARM path below ``…/resourceGroups/<group>/providers/`` of types whose path is not
#: ``<namespace>/<type, plural>/{name}``: child resources under their parent's path, and types
#: ARM names otherwise. ``{<input>}`` is the parent's name input; ``{name}`` the resource's own.
#: Source: each type's "Import" section in the azure-native registry
#: (https://www.pulumi.com/registry/packages/azure-native/api-docs/), e.g. a Subnet's
#: ``/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/``
#: ``Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}``.
ARM_PATHS: dict[str, str] = {
    "azure-native:network:Subnet": "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{name}",
    "azure-native:network:VirtualNetworkPeering": (
        "Microsoft.Network/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{name}"
    ),
    "azure-native:network:VirtualNetworkGatewayConnection": "Microsoft.Network/connections/{name}",
    "azure-native:network:SecurityRule": (
        "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{name}"
    ),
    "azure-native:storage:BlobServiceProperties": (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default"
    ),
    "azure-native:storage:BlobContainer": (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{name}"
    ),
    "azure-native:trafficmanager:Profile": "Microsoft.Network/trafficmanagerprofiles/{name}",
    "azure-native:trafficmanager:Endpoint": (
        "Microsoft.Network/trafficmanagerprofiles/{profileName}/{endpointType}/{name}"
    ),
    "azure-native:dns:Zone": "Microsoft.Network/dnszones/{name}",
    "azure-native:dns:RecordSet": "Microsoft.Network/dnszones/{zoneName}/{recordType}/{name}",
    "azure-native:insights:AutoscaleSetting": "Microsoft.Insights/autoscalesettings/{name}",
    "azure-native:monitor:AutoscaleSetting": "Microsoft.Insights/autoscalesettings/{name}",
    "azure-native:web:WebApp": "Microsoft.Web/sites/{name}",
    "azure-native:web:AppServicePlan": "Microsoft.Web/serverfarms/{name}",
}

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
    "azure-native:compute:VirtualMachine": "vmName",
    "azure-native:web:WebApp": "name",
    "azure-native:web:AppServicePlan": "name",
    "azure-native:trafficmanager:Profile": "profileName",
    "azure-native:trafficmanager:Endpoint": "endpointName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:storage:BlobContainer": "containerName",
    "azure-native:storage:BlobServiceProperties": "blobServicesName",
    "azure-native:dns:RecordSet": "relativeRecordSetName",
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _plural(word: str) -> str:
    if word.endswith(("s", "x")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def subscription(provider: Mapping[str, Any] | None) -> str:
    """The subscription the provider names, else the offline stand-in."""
    given = (provider or {}).get("subscriptionId")
    return given if isinstance(given, str) and given else SUBSCRIPTION


def arm_id(
    type_token: str, own_name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None
) -> str:
    """The ARM id of an azure-native resource of ``type_token`` named ``own_name``."""
    _, module, kind = type_token.split(":", 2)
    module = module.split("/", 1)[0]  # a versioned module (network/v20230201) is the same namespace
    base = f"/subscriptions/{subscription(provider)}"
    if type_token == "azure-native:resources:ResourceGroup":
        return f"{base}/resourceGroups/{own_name}"
    namespace = NAMESPACES.get(module, f"Microsoft.{module[:1].upper()}{module[1:]}")
    path = ARM_PATHS.get(type_token, f"{namespace}/{_plural(_lower_first(kind))}/{{name}}")
    values = {key: str(value) for key, value in inputs.items() if isinstance(value, (str, int))}
    values["name"] = own_name
    filled = path.format_map(_Missing(values))
    group = inputs.get("resourceGroupName")
    return (
        f"{base}/resourceGroups/{group if isinstance(group, str) and group else 'group'}/providers/{filled}"
    )


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key  # a parent name the resource was not given: its key stands in


def preview_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    if not type_token.startswith("azure-native:"):
        return {}
    out: dict[str, Any] = {}
    kind = type_token.rsplit(":", 1)[-1]
    own = inputs.get(_OWN_NAME.get(type_token, _lower_first(kind) + "Name"))
    out["name"] = own if isinstance(own, str) and own else f"{name}{_digest('name', name)[:8]}"
    out["id"] = arm_id(type_token, out["name"], inputs, provider)
    if type_token == "azure-native:containerservice:ManagedCluster":
        # A private cluster's API name: <dnsPrefix>-<hash>.privatelink.<location>.azmk8s.io.
        prefix, location = inputs.get("dnsPrefix", name), inputs.get("location", "westeurope")
        out["privateFQDN"] = f"{prefix}-{_digest('aks', name)[:8]}.privatelink.{location}.azmk8s.io"
        identity = inputs.get("identity")
        identity = identity if isinstance(identity, Mapping) else {}
        listed = identity.get("userAssignedIdentities")
        if isinstance(listed, list):  # given as ids, answered as a map of id → its principal
            out["identity"] = {
                **identity,
                "userAssignedIdentities": {
                    str(i): {
                        "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://skyweave.invalid/{i}"))
                    }
                    for i in listed
                },
            }
    if type_token == "azure-native:keyvault:Key":
        # A key's identifier: https://<vault>.vault.azure.net/keys/<name>/<version>.
        vault, key = inputs.get("vaultName", "vault"), out["name"]
        out["keyUri"] = f"https://{vault}.vault.azure.net/keys/{key}"
        out["keyUriWithVersion"] = f"{out['keyUri']}/{_digest('key-version', name)[:32]}"
    if type_token == "azure-native:managedidentity:UserAssignedIdentity":
        out["principalId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://skyweave.invalid/principal/{name}"))
        out["clientId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://skyweave.invalid/client/{name}"))
    if type_token == "azure-native:network:PublicIPAddress":
        out["ipAddress"] = documentation_address(DOCUMENTATION_NET_1, "ip", name)
    return out


def preview_call(
    token: str, args: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    if token == "azure-native:authorization:getClientConfig":
        # Who is signed in: the subscription and tenant, and the principal's client and object ids.
        sub = subscription(provider)
        tenant = (provider or {}).get("tenantId")
        ids = {
            k: str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://skyweave.invalid/offline/{k}/{sub}"))
            for k in ("c", "o", "t")
        }
        return {
            "subscriptionId": sub,
            "tenantId": tenant if isinstance(tenant, str) and tenant else ids["t"],
            "clientId": ids["c"],
            "objectId": ids["o"],
        }
    if token == "azure-native:dns:getZone":
        # Azure DNS's shape: four servers ns1-NN.azure-dns.com/.net/.org/.info per zone.
        n = int(_digest(token, str(args.get("zoneName")))[:4], 16) % 10 + 1
        tlds = ("com", "net", "org", "info")
        return {
            "name": args.get("zoneName"),
            "nameServers": [f"ns{i}-{n:02d}.azure-dns.{t}." for i, t in enumerate(tlds, 1)],
        }
    if token == "azure-native:containerservice:listManagedClusterUserCredentials":
        # AKS answers with base64-encoded kubeconfig files (``clusterUser``); the stand-in names
        # the cluster and reaches nothing.
        name = str(args.get("resourceName"))
        ca = certificate_authority("aks", name)
        text = (
            f"apiVersion: v1\nkind: Config\n# offline stand-in for AKS cluster {name}\nclusters:\n"
            f"- name: {name}\n  cluster:\n    certificate-authority-data: {ca}\n"
            f"    server: https://{name}.privatelink.invalid:443\n"
        )
        return {"kubeconfigs": [{"name": "clusterUser", "value": base64.b64encode(text.encode()).decode()}]}
    return None
