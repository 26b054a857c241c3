"""Which input changes make the provider replace a resource, for the types skyweave builds; and
what an in-place update recomputes (a launch template's version) or rolls (a group's instances).

Why a curated table: offline there is no provider to ask (a real ``pulumi preview`` calls each
provider's ``Diff``), yet "this subnet will be destroyed and re-created" is the one thing a diff
must not miss. Each row names the Pulumi properties whose change forces a new resource and the
source that says so: the bridged Terraform provider's schema (``ForceNew``, ``RequiresReplace``,
a ``CustomizeDiff``), or the provider SDK's own docstring. A type or property not in the table is
reported as an update, and the report says its replacement behaviour is not known offline.

``docs/cli.md`` embeds :func:`markdown_table` (a test keeps the two equal).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RECOMPUTED",
    "REPLACEMENTS",
    "ROLLS",
    "Recomputes",
    "Replaces",
    "Rolls",
    "forces_replacement",
    "markdown_table",
    "recomputed_outputs",
    "rolls_instances",
]

_AWS = "hashicorp/terraform-provider-aws `internal/service/ec2/{}` (`ForceNew`)"
_GCP = (
    "hashicorp/terraform-provider-google@e03b762 `google/services/compute/resource_compute_{}.go` "
    "(`ForceNew`)"
)
_OS = (
    "terraform-provider-openstack/terraform-provider-openstack@27f2612 "
    "`openstack/resource_openstack_{}.go` (`ForceNew`)"
)
_RANDOM = "hashicorp/terraform-provider-random `internal/provider/resource_password.go` (`RequiresReplace`)"


def _always(old: Any, new: Any, inputs: Mapping[str, Any]) -> bool:
    return True


def _unless_expanded(old: Any, new: Any, inputs: Mapping[str, Any]) -> bool:
    """GCP grows a subnetwork's range in place; any other change (shrink, move) replaces it."""
    try:
        before, after = ipaddress.ip_network(str(old)), ipaddress.ip_network(str(new))
    except ValueError:
        return True
    return not (before.version == after.version and before.subnet_of(after))  # type: ignore[arg-type]


def _when_replace_on_change(old: Any, new: Any, inputs: Mapping[str, Any]) -> bool:
    return bool(inputs.get("userDataReplaceOnChange"))


def _unless_update_command(old: Any, new: Any, inputs: Mapping[str, Any]) -> bool:
    return not inputs.get("update")


@dataclass(frozen=True)
class Replaces:
    """Changing ``properties`` (``*``: any input) of a type replaces it, when ``when`` holds."""

    properties: tuple[str, ...]
    source: str
    when: Callable[[Any, Any, Mapping[str, Any]], bool] = _always
    condition: str = ""


def _aws(file: str, *properties: str) -> Replaces:
    return Replaces(properties, _AWS.format(file))


def _gcp(file: str, *properties: str) -> Replaces:
    return Replaces(properties, _GCP.format(file))


def _os(file: str, *properties: str) -> Replaces:
    return Replaces(properties, _OS.format(file))


#: type token → the rules of its replacing properties.
REPLACEMENTS: dict[str, tuple[Replaces, ...]] = {
    "aws:ec2/vpc:Vpc": (_aws("vpc_.go", "cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"),),
    "aws:ec2/subnet:Subnet": (
        _aws(
            "vpc_subnet.go",
            "cidrBlock",
            "availabilityZone",
            "availabilityZoneId",
            "vpcId",
            "ipv6Native",
            "ipv4IpamPoolId",
            "ipv6IpamPoolId",
            "outpostArn",
        ),
    ),
    "aws:ec2/routeTable:RouteTable": (_aws("vpc_route_table.go", "vpcId"),),
    "aws:ec2/route:Route": (
        _aws(
            "vpc_route.go",
            "routeTableId",
            "destinationCidrBlock",
            "destinationIpv6CidrBlock",
            "destinationPrefixListId",
        ),
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (
        _aws("vpc_route_table_association.go", "subnetId", "gatewayId"),
    ),
    "aws:ec2/natGateway:NatGateway": (
        _aws("vpc_nat_gateway.go", "subnetId", "allocationId", "connectivityType", "privateIp"),
    ),
    "aws:ec2/vpnGateway:VpnGateway": (_aws("vpnsite_gateway.go", "amazonSideAsn", "availabilityZone"),),
    "aws:ec2/customerGateway:CustomerGateway": (
        _aws("customer_gateway.go", "bgpAsn", "ipAddress", "type", "deviceName"),
    ),
    "aws:ec2/vpnConnection:VpnConnection": (
        _aws(
            "vpnsite_connection.go",
            "type",
            "staticRoutesOnly",
            "tunnel1InsideCidr",
            "tunnel2InsideCidr",
            "tunnel1InsideIpv6Cidr",
            "tunnel2InsideIpv6Cidr",
            "tunnelInsideIpVersion",
            "enableAcceleration",
        ),
    ),
    "aws:ec2/vpnConnectionRoute:VpnConnectionRoute": (
        _aws("vpnsite_connection_route.go", "destinationCidrBlock", "vpnConnectionId"),
    ),
    "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": (
        _aws("vpnsite_gateway_route_propagation.go", "routeTableId", "vpnGatewayId"),
    ),
    "aws:ec2/instance:Instance": (
        _aws(
            "ec2_instance.go",
            "ami",
            "availabilityZone",
            "keyName",
            "subnetId",
            "privateIp",
            "securityGroups",
            "tenancy",
        ),
        Replaces(
            ("userData",),
            _AWS.format("ec2_instance.go").replace(
                "(`ForceNew`)", '(`ForceNewIf("user_data", user_data_replace_on_change)`)'
            ),
            _when_replace_on_change,
            "when `userDataReplaceOnChange` is true (otherwise a stop and start)",
        ),
    ),
    "pulumi:providers:aws": (
        Replaces(
            ("region",),
            "pulumi/pulumi-aws#4000 (the provider, and so every resource on it, is replaced)",
        ),
    ),
    "gcp:compute/network:Network": (
        _gcp("network", "name", "autoCreateSubnetworks", "description", "project", "internalIpv6Range"),
    ),
    "gcp:compute/subnetwork:Subnetwork": (
        _gcp(
            "subnetwork",
            "name",
            "network",
            "region",
            "project",
            "description",
            "externalIpv6Prefix",
            "internalIpv6Prefix",
            "reservedInternalRange",
        ),
        Replaces(
            ("ipCidrRange",),
            _GCP.format("subnetwork").replace("(`ForceNew`)", "(`ForceNewIfChange(IsShrinkageIpCidr)`)"),
            _unless_expanded,
            "unless the new range contains the old one (expanded in place)",
        ),
    ),
    "gcp:compute/haVpnGateway:HaVpnGateway": (
        _gcp(
            "ha_vpn_gateway",
            "name",
            "network",
            "region",
            "project",
            "description",
            "stackType",
            "gatewayIpVersion",
            "vpnInterfaces",
        ),
    ),
    "gcp:compute/router:Router": (_gcp("router", "name", "network", "region", "project"),),
    "gcp:compute/vPNTunnel:VPNTunnel": (
        _gcp(
            "vpn_tunnel",
            "name",
            "region",
            "project",
            "sharedSecret",
            "peerExternalGateway",
            "peerExternalGatewayInterface",
            "peerGcpGateway",
            "peerIp",
            "vpnGateway",
            "vpnGatewayInterface",
            "targetVpnGateway",
            "router",
            "ikeVersion",
            "cipherSuite",
            "description",
            "localTrafficSelectors",
            "remoteTrafficSelectors",
        ),
    ),
    "gcp:compute/routerInterface:RouterInterface": (
        _gcp(
            "router_interface",
            "name",
            "router",
            "region",
            "project",
            "ipRange",
            "vpnTunnel",
            "interconnectAttachment",
            "subnetwork",
            "privateIpAddress",
            "redundantInterface",
            "ipVersion",
        ),
    ),
    "gcp:compute/routerPeer:RouterPeer": (
        _gcp("router_peer", "name", "router", "interface", "region", "project"),
    ),
    "gcp:compute/externalVpnGateway:ExternalVpnGateway": (
        _gcp("external_vpn_gateway", "name", "interfaces", "redundancyType", "description", "project"),
    ),
    "gcp:compute/firewall:Firewall": (_gcp("firewall", "name", "direction", "project"),),
    "gcp:compute/networkPeering:NetworkPeering": (
        _gcp(
            "network_peering",
            "name",
            "network",
            "peerNetwork",
            "exportSubnetRoutesWithPublicIp",
            "importSubnetRoutesWithPublicIp",
        ),
    ),
    "gcp:compute/instanceTemplate:InstanceTemplate": (
        Replaces(
            ("*",),
            _GCP.format("instance_template").replace("(`ForceNew`)", "(`ForceNew` on every argument)"),
            condition="any argument: instance templates are immutable",
        ),
    ),
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": (
        _gcp(
            "region_instance_group_manager",
            "name",
            "baseInstanceName",
            "distributionPolicyZones",
            "description",
            "region",
            "project",
        ),
    ),
    "gcp:compute/regionBackendService:RegionBackendService": (
        _gcp("region_backend_service", "name", "loadBalancingScheme", "network", "project"),
    ),
    "gcp:compute/regionHealthCheck:RegionHealthCheck": (
        _gcp("region_health_check", "name", "region", "project"),
    ),
    "gcp:compute/address:Address": (
        _gcp(
            "address",
            "name",
            "address",
            "addressType",
            "networkTier",
            "purpose",
            "network",
            "subnetwork",
            "prefixLength",
            "ipVersion",
            "description",
            "region",
            "project",
        ),
    ),
    "gcp:compute/forwardingRule:ForwardingRule": (
        _gcp(
            "forwarding_rule",
            "name",
            "backendService",
            "ipAddress",
            "ipProtocol",
            "loadBalancingScheme",
            "ports",
            "portRange",
            "allPorts",
            "network",
            "subnetwork",
            "networkTier",
            "description",
            "region",
            "project",
        ),
    ),
    "openstack:networking/network:Network": (
        _os(
            "networking_network_v2",
            "region",
            "availabilityZoneHints",
            "tenantId",
            "transparentVlan",
            "valueSpecs",
        ),
    ),
    "openstack:networking/subnet:Subnet": (
        _os(
            "networking_subnet_v2",
            "cidr",
            "networkId",
            "ipVersion",
            "ipv6AddressMode",
            "ipv6RaMode",
            "prefixLength",
            "subnetpoolId",
            "region",
            "tenantId",
            "valueSpecs",
        ),
    ),
    "openstack:networking/router:Router": (
        _os(
            "networking_router_v2",
            "region",
            "availabilityZoneHints",
            "distributed",
            "flavorId",
            "tenantId",
            "valueSpecs",
        ),
    ),
    "openstack:networking/routerInterface:RouterInterface": (
        _os("networking_router_interface_v2", "routerId", "subnetId", "portId", "region"),
    ),
    "openstack:networking/secGroupRule:SecGroupRule": (
        _os(
            "networking_secgroup_rule_v2",
            "direction",
            "ethertype",
            "portRangeMin",
            "portRangeMax",
            "protocol",
            "remoteIpPrefix",
            "remoteGroupId",
            "remoteAddressGroupId",
            "securityGroupId",
            "description",
            "region",
            "tenantId",
        ),
    ),
    "openstack:vpnaas/service:Service": (
        _os("vpnaas_service_v2", "routerId", "subnetId", "region", "tenantId"),
    ),
    "openstack:vpnaas/endpointGroup:EndpointGroup": (
        _os("vpnaas_endpoint_group_v2", "endpoints", "type", "region", "tenantId", "valueSpecs"),
    ),
    "openstack:vpnaas/siteConnection:SiteConnection": (
        _os("vpnaas_site_connection", "ikepolicyId", "ipsecpolicyId", "vpnserviceId", "region", "tenantId"),
    ),
    "openstack:compute/instance:Instance": (
        _os(
            "compute_instance_v2",
            "availabilityZone",
            "availabilityZoneHints",
            "configDrive",
            "keyPair",
            "networks",
            "userData",
            "region",
            "schedulerHints",
        ),
    ),
    "openstack:compute/serverGroup:ServerGroup": (
        _os("compute_servergroup_v2", "name", "policies", "rules", "region", "valueSpecs"),
    ),
    "openstack:compute/flavor:Flavor": (
        _os(
            "compute_flavor_v2",
            "name",
            "vcpus",
            "ram",
            "disk",
            "ephemeral",
            "swap",
            "rxTxFactor",
            "isPublic",
            "flavorId",
            "region",
        ),
    ),
    "openstack:loadbalancer/loadBalancer:LoadBalancer": (
        _os(
            "lb_loadbalancer_v2",
            "vipSubnetId",
            "vipNetworkId",
            "vipPortId",
            "vipAddress",
            "availabilityZone",
            "flavorId",
            "loadbalancerProvider",
            "region",
            "tenantId",
        ),
    ),
    "openstack:loadbalancer/listener:Listener": (
        _os("lb_listener_v2", "loadbalancerId", "protocol", "protocolPort", "region", "tenantId"),
    ),
    "openstack:loadbalancer/pool:Pool": (
        _os("lb_pool_v2", "listenerId", "loadbalancerId", "protocol", "region", "tenantId"),
    ),
    "openstack:loadbalancer/member:Member": (
        _os("lb_member_v2", "address", "poolId", "protocolPort", "subnetId", "region", "tenantId"),
    ),
    "openstack:loadbalancer/monitor:Monitor": (_os("lb_monitor_v2", "poolId", "type", "region", "tenantId"),),
    "openstack:networking/floatingIp:FloatingIp": (
        _os(
            "networking_floatingip_v2",
            "pool",
            "address",
            "dnsDomain",
            "dnsName",
            "region",
            "tenantId",
            "valueSpecs",
        ),
    ),
    "openstack:objectstorage/container:Container": (
        _os("objectstorage_container_v1", "storagePolicy", "storageClass", "region"),
    ),
    "random:index/randomPassword:RandomPassword": (
        Replaces(
            (
                "length",
                "special",
                "upper",
                "lower",
                "number",
                "numeric",
                "minLower",
                "minUpper",
                "minNumeric",
                "minSpecial",
                "overrideSpecial",
                "keepers",
            ),
            _RANDOM,
        ),
    ),
    "command:remote:Command": (
        Replaces(
            ("triggers",),
            "pulumi-command `remote.Command` docstring of `triggers`",
            _unless_update_command,
            "unless the resource has an `update` command",
        ),
    ),
    "command:remote:CopyToRemote": (
        Replaces(("triggers",), "pulumi-command `remote.CopyToRemote` docstring of `triggers`"),
    ),
}


@dataclass(frozen=True)
class Recomputes:
    """Updating a type in place makes its ``outputs`` unknown until ``pulumi up`` (the provider
    computes them anew: a new version number), unless only ``quiet`` inputs change. An input of
    another resource that refers to one of them changes with it."""

    outputs: tuple[str, ...]
    quiet: tuple[str, ...]
    source: str


#: type token → what updating it recomputes.
RECOMPUTED: dict[str, Recomputes] = {
    "aws:ec2/launchTemplate:LaunchTemplate": Recomputes(
        ("latestVersion",),
        ("name", "namePrefix", "description", "defaultVersion", "updateDefaultVersion"),
        "hashicorp/terraform-provider-aws `internal/service/ec2/ec2_launch_template.go` (`CustomizeDiff`: "
        '`customdiff.ComputedIf("latest_version", …)` on any other change)',
    ),
}


@dataclass(frozen=True)
class Rolls:
    """A change to one of ``triggers`` of a type replaces its running instances in place, when
    the resource sets ``setting`` (the update itself keeps the resource)."""

    triggers: tuple[str, ...]
    setting: str
    what: str
    source: str


#: type token → how an update reaches the instances it runs.
ROLLS: dict[str, Rolls] = {
    "aws:autoscaling/group:Group": Rolls(
        ("launchConfiguration", "launchTemplate", "mixedInstancesPolicy"),
        "instanceRefresh",
        "an instance refresh",
        "pulumi_aws `autoscaling.GroupInstanceRefreshArgs` docstring of `triggers`",
    ),
}


def recomputed_outputs(type_: str, changed: set[str]) -> tuple[str, ...]:
    """The outputs of a ``type_`` that an update changing ``changed`` inputs makes unknown."""
    rule = RECOMPUTED.get(type_)
    if rule is None or not changed - set(rule.quiet):
        return ()
    return rule.outputs


def rolls_instances(type_: str, changed: set[str], inputs: Mapping[str, Any]) -> str:
    """What an update changing ``changed`` inputs does to a ``type_``'s running instances, or ``""``."""
    rule = ROLLS.get(type_)
    if rule is None or not changed & set(rule.triggers) or not inputs.get(rule.setting):
        return ""
    setting = inputs[rule.setting]
    preferences = setting.get("preferences") or {} if isinstance(setting, dict) else {}
    how = ", ".join(
        f"{label} {preferences[key]}%"
        for key, label in (("minHealthyPercentage", "min healthy"), ("maxHealthyPercentage", "max healthy"))
        if key in preferences
    )
    strategy = setting.get("strategy", "") if isinstance(setting, dict) else ""
    detail = ", ".join(part for part in (str(strategy), how) if part)
    return f"running instances are replaced by {rule.what}" + (f" ({detail})" if detail else "")


def forces_replacement(
    type_: str, key: str, old: Any, new: Any, inputs: Mapping[str, Any]
) -> Replaces | None:
    """The rule by which changing ``key`` from ``old`` to ``new`` replaces a ``type_``, or None."""
    for rule in REPLACEMENTS.get(type_, ()):
        if ("*" in rule.properties or key in rule.properties) and rule.when(old, new, inputs):
            return rule
    return None


def markdown_table() -> str:
    """The table as docs/cli.md shows it: type, the properties that replace it, the source."""
    lines = ["| type | a change to these replaces the resource | source |", "|---|---|---|"]
    for type_, rules in REPLACEMENTS.items():
        for rule in rules:
            props = ", ".join(f"`{p}`" for p in rule.properties)
            if rule.condition:
                props += f" ({rule.condition})"
            lines.append(f"| `{type_}` | {props} | {rule.source} |")
    return "\n".join(lines) + "\n"
