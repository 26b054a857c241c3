"""What the provider resources themselves say about the estate — never what components claim.

Why: a component's outputs (a MultiCloudApp's ``placements``, a VpnLink's ``tunnels``) say what
it *meant* to build. A plan edited by hand, a component with a bug, or an estate written with
plain ``pulumi_aws`` / ``pulumi_gcp`` / ``pulumi_openstack`` / ``pulumi_azure_native`` resources
must be judged by what will actually exist. This module derives, from the resources of one
``AnalyzeStack`` call:

* **sites** — every explicit provider of a cloud package (``pulumi:providers:azure-native`` is
  an Azure site: the vendor is ``azure`` however its package is spelt);
* **compute units** — every auto scaling group, managed instance group, Azure VM scale set
  (``sku.capacity``, or its autoscale setting's smallest minimum, over its ``zones``), instance,
  Azure VM, bare-metal server and on-prem node (a ``command:remote:Command`` to a host outside
  the clouds), with its vendor, site, region and capacity per zone;
* **services** — each MultiCloudApp / BareMetalPool (its descendants' units), and each DNS name
  whose records lead to compute no component owns (a DNS name is what users call a service);
* **links** — site-to-site VPN tunnels and peerings of every vendor, with the tunnel count each
  side configures and external peers (on-prem devices) merged by the addresses they share. An
  Azure gateway connection leads, through its local network gateway's ``gatewayIpAddress``, to the
  resource that address came from (as an AWS connection does through its customer gateway): it is
  one tunnel towards a resource of the plan, which counts its own side, and two towards an
  external peer from an active-active gateway (both instances terminate it); VNet peerings are
  peerings. A VPN router that runs on instances (skyweave's OpenStack ``vpn: appliance``, or any
  hand-built one) keeps its tunnels in its boot configuration, which is secret user data the
  pack cannot read; what the plan does show is its security group admitting IKE (UDP 500) from
  each peer tunnel address, on ports that forward other addresses (``allowedAddressPairs``).
  Each such opening counts as one tunnel that router's site configures towards the peer the
  address comes from, and the router instances are not counted as compute that serves;
* **DNS** — record sets by name (Route 53, Cloud DNS, Designate, Azure DNS) and Traffic Manager
  profiles (``<relativeName>.trafficmanager.net``, their endpoints' targets as targets; a record
  naming a profile answers with those), the vendor and service serving each and the vendors of
  its targets;
* **data sets** — buckets (S3, GCS, Swift, Blob containers) joined by the transfers and
  replications that copy between them.

Claims (component outputs) are checked against these facts by :mod:`skyweave.policy.claims`.
Everything is built once per call (memoised on the :class:`StackIndex`) and linear in the
number of resources and dependencies.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..planning.failure import Placement
from .index import APP_TYPES, CLOUD_PACKAGES, StackIndex, package_vendor
from .rule import Resource, UnknownValue, as_int, get, is_unknown, items

__all__ = [
    "UNSPECIFIED",
    "VENDOR_NAMES",
    "Contribution",
    "DnsName",
    "Edge",
    "EstateFacts",
    "Service",
    "Unit",
    "facts",
    "vendor_name",
]

VENDOR_NAMES = {
    "aws": "AWS",
    "gcp": "GCP",
    "google-native": "GCP",
    "openstack": "OpenStack",
    "onprem": "on-prem",
    "azure": "Azure",
    "azure-native": "Azure",
    "oci": "OCI",
}
UNSPECIFIED = "(zone chosen by the vendor)"

ASG = "aws:autoscaling/group:Group"
AWS_INSTANCE = "aws:ec2/instance:Instance"
AWS_SUBNET = "aws:ec2/subnet:Subnet"
GCP_REGIONAL_MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
GCP_ZONAL_MIG = "gcp:compute/instanceGroupManager:InstanceGroupManager"
GCP_INSTANCE = "gcp:compute/instance:Instance"
GCP_REGION_AUTOSCALER = "gcp:compute/regionAutoscaler:RegionAutoscaler"
GCP_AUTOSCALER = "gcp:compute/autoscaler:Autoscaler"
OS_INSTANCE = "openstack:compute/instance:Instance"
OS_SERVER_GROUP = "openstack:compute/serverGroup:ServerGroup"
REMOTE_COMMAND = "command:remote:Command"
AZ_SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
AZ_VM = "azure-native:compute:VirtualMachine"
#: Azure Monitor autoscale settings (``insights`` is the module's name before pulumi-azure-native 3).
AZ_AUTOSCALE = ("azure-native:monitor:AutoscaleSetting", "azure-native:insights:AutoscaleSetting")
COMPUTE_TYPES = (
    ASG,
    GCP_REGIONAL_MIG,
    GCP_ZONAL_MIG,
    GCP_INSTANCE,
    AWS_INSTANCE,
    OS_INSTANCE,
    AZ_SCALE_SET,
    AZ_VM,
)

AWS_VPN = "aws:ec2/vpnConnection:VpnConnection"
AWS_CGW = "aws:ec2/customerGateway:CustomerGateway"
AWS_PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
AWS_VPC = "aws:ec2/vpc:Vpc"
GCP_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
GCP_HA_GATEWAY = "gcp:compute/haVpnGateway:HaVpnGateway"
GCP_CLASSIC_GATEWAY = "gcp:compute/vPNGateway:VPNGateway"
GCP_EXTERNAL_GATEWAY = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
GCP_PEERING = "gcp:compute/networkPeering:NetworkPeering"
GCP_NETWORK = "gcp:compute/network:Network"
OS_SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"
AZ_CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
AZ_GATEWAY = "azure-native:network:VirtualNetworkGateway"
AZ_LOCAL_GATEWAY = "azure-native:network:LocalNetworkGateway"
AZ_PEERING = "azure-native:network:VirtualNetworkPeering"
AZ_VNET = "azure-native:network:VirtualNetwork"
AZ_PUBLIC_IP = "azure-native:network:PublicIPAddress"
VPN_TYPES = (AWS_VPN, GCP_TUNNEL, OS_SITE_CONNECTION, AZ_CONNECTION)
OS_VPN_SERVICE = "openstack:vpnaas/service:Service"
OS_PORT = "openstack:networking/port:Port"
OS_SECGROUP = "openstack:networking/secGroup:SecGroup"
OS_SECGROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
IKE_PORT = 500
#: What each peer property may come from, for plans without property dependencies.
_PEER_SOURCES: dict[str, frozenset[str]] = {
    "customerGatewayId": frozenset({AWS_CGW}),
    "ipAddress": frozenset(
        {
            GCP_HA_GATEWAY,
            OS_VPN_SERVICE,
            AZ_PUBLIC_IP,
            "aws:ec2/eip:Eip",
            "openstack:networking/router:Router",
        }
    ),
    "peerAddress": frozenset({AWS_VPN, OS_VPN_SERVICE}),
    "peerGcpGateway": frozenset({GCP_HA_GATEWAY}),
    "peerVpcId": frozenset({AWS_VPC}),
    "peerNetwork": frozenset({GCP_NETWORK}),
    "remoteIpPrefix": frozenset({AWS_VPN, GCP_HA_GATEWAY, GCP_CLASSIC_GATEWAY, AZ_PUBLIC_IP}),
    # An Azure local network gateway's address: an AWS tunnel, a GCP HA VPN interface, a floating IP.
    "gatewayIpAddress": frozenset(
        {AWS_VPN, GCP_HA_GATEWAY, OS_VPN_SERVICE, AZ_PUBLIC_IP, "openstack:networking/floatingIp:FloatingIp"}
    ),
    "virtualNetworkGateway2": frozenset({AZ_GATEWAY}),
    "remoteVirtualNetwork": frozenset({AZ_VNET}),
}
PEERING_TYPES = (AWS_PEERING, GCP_PEERING, AZ_PEERING)

R53_RECORD = "aws:route53/record:Record"
R53_ZONE = "aws:route53/zone:Zone"
GCP_RECORD_SET = "gcp:dns/recordSet:RecordSet"
OS_RECORD_SET = "openstack:dns/recordSet:RecordSet"
AZ_RECORD_SET = "azure-native:dns:RecordSet"
DNS_TYPES = (R53_RECORD, GCP_RECORD_SET, OS_RECORD_SET, AZ_RECORD_SET)
#: Azure Traffic Manager (``network`` is the module's name before pulumi-azure-native 3): a
#: profile answers for ``<dnsConfig.relativeName>.trafficmanager.net`` with its endpoints.
TM_PROFILES = ("azure-native:trafficmanager:Profile", "azure-native:network:Profile")
TM_ENDPOINTS = ("azure-native:trafficmanager:Endpoint", "azure-native:network:Endpoint")
TM_DOMAIN = "trafficmanager.net"
#: The DNS service each record type is (what a name is served by).
DNS_SERVICES = {
    R53_RECORD: "Route 53",
    GCP_RECORD_SET: "Cloud DNS",
    OS_RECORD_SET: "Designate",
    AZ_RECORD_SET: "Azure DNS",
    **dict.fromkeys(TM_PROFILES, "Traffic Manager"),
}
_ADDRESS_RECORDS = frozenset({"A", "AAAA", "CNAME", "ALIAS"})

S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
GCS_BUCKET = "gcp:storage/bucket:Bucket"
SWIFT_CONTAINER = "openstack:objectstorage/container:Container"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"
BUCKET_TYPES = (*S3_BUCKETS, GCS_BUCKET, SWIFT_CONTAINER, BLOB_CONTAINER)
BUCKET_KINDS = {
    **dict.fromkeys(S3_BUCKETS, "S3 bucket"),
    GCS_BUCKET: "GCS bucket",
    SWIFT_CONTAINER: "Swift container",
    BLOB_CONTAINER: "Blob container",
}
#: Resources that copy objects between the buckets they reference (directly or through a location).
COPY_TYPES = frozenset(
    {
        "gcp:storage/transferJob:TransferJob",
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "aws:datasync/task:Task",
    }
)

#: The resources between a DNS target and the compute behind it (load balancers, listeners,
#: target groups and pools, forwarding rules, backend services, proxies, addresses, ports).
#: The walk from a record's target follows dependencies both ways, but only through these.
SERVING_TYPES = frozenset(
    {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:elb/loadBalancer:LoadBalancer",
        "aws:lb/listener:Listener",
        "aws:alb/listener:Listener",
        "aws:lb/listenerRule:ListenerRule",
        "aws:lb/targetGroup:TargetGroup",
        "aws:alb/targetGroup:TargetGroup",
        "aws:lb/targetGroupAttachment:TargetGroupAttachment",
        "aws:autoscaling/attachment:Attachment",
        "aws:ec2/eip:Eip",
        "aws:ec2/eipAssociation:EipAssociation",
        "gcp:compute/address:Address",
        "gcp:compute/globalAddress:GlobalAddress",
        "gcp:compute/forwardingRule:ForwardingRule",
        "gcp:compute/globalForwardingRule:GlobalForwardingRule",
        "gcp:compute/regionBackendService:RegionBackendService",
        "gcp:compute/backendService:BackendService",
        "gcp:compute/targetPool:TargetPool",
        "gcp:compute/targetInstance:TargetInstance",
        "gcp:compute/targetHttpProxy:TargetHttpProxy",
        "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
        "gcp:compute/regionTargetHttpProxy:RegionTargetHttpProxy",
        "gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy",
        "gcp:compute/uRLMap:URLMap",
        "gcp:compute/regionUrlMap:RegionUrlMap",
        "gcp:compute/instanceGroup:InstanceGroup",
        "openstack:loadbalancer/loadBalancer:LoadBalancer",
        "openstack:loadbalancer/listener:Listener",
        "openstack:loadbalancer/pool:Pool",
        "openstack:loadbalancer/member:Member",
        "openstack:networking/floatingIp:FloatingIp",
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
        "openstack:networking/port:Port",
        AZ_PUBLIC_IP,
        "azure-native:network:LoadBalancer",
        "azure-native:network:NetworkInterface",
        "azure-native:network:ApplicationGateway",
        *COMPUTE_TYPES,
    }
)
#: Resources whose address a record or a remote command may name (literal IPs are matched to them).
_ADDRESS_PROPS = {
    "aws:ec2/eip:Eip": ("publicIp",),
    AWS_INSTANCE: ("publicIp", "privateIp"),
    "gcp:compute/address:Address": ("address",),
    "gcp:compute/globalAddress:GlobalAddress": ("address",),
    "openstack:networking/floatingIp:FloatingIp": ("address",),
    OS_INSTANCE: ("accessIpV4",),
    AZ_PUBLIC_IP: ("ipAddress",),
}


def vendor_name(vendor: str) -> str:
    return VENDOR_NAMES.get(vendor, vendor)


def _known_str(value: Any) -> str | None:
    return (
        value if isinstance(value, str) and value and not is_unknown(value) and value != "[secret]" else None
    )


@dataclass(frozen=True)
class Unit:
    """Compute that serves: a group (its floor capacity) or one instance, node or server."""

    urn: str
    name: str
    kind: str
    vendor: str
    site: str
    region: str
    zones: tuple[tuple[str, int], ...]
    owner: str | None
    unknown: str | None = None

    @property
    def count(self) -> int:
        return sum(n for _, n in self.zones)

    def placements(self) -> list[Placement]:
        return [Placement(self.site, self.vendor, self.region, zone, n) for zone, n in self.zones if n > 0]


@dataclass
class Service:
    """What must keep serving: a component's units, or the units behind one DNS name."""

    label: str
    urn: str | None
    units: list[Unit]
    component: Resource | None = None


@dataclass(frozen=True)
class Contribution:
    """Tunnels (or a peering) one resource configures from its site towards a peer."""

    urn: str
    local: str
    remote: str
    kind: str  # "vpn" | "peering"
    tunnels: int
    path: str  # what makes two tunnels distinct (a policy-based connection's peer address)
    classic: bool = False
    policy_based: bool = False
    #: Counted from an instance-hosted router's IKE opening (its tunnels are in secret user data).
    hosted: bool = False


@dataclass
class Edge:
    """Everything between two nodes of the site graph (sites, external peers)."""

    a: str
    b: str
    kind: str
    sides: dict[str, int] = field(default_factory=dict)
    witness: str = ""
    classic: bool = False
    policy_based: bool = False

    def tunnels(self, sites: set[str]) -> int:
        """The tunnels both ends configure: the smaller side among ends that are sites."""
        ends = [n for n in (self.a, self.b) if n in sites]
        if not ends:
            return max(self.sides.values(), default=0)
        return min(self.sides.get(n, 0) for n in ends)


@dataclass
class DnsName:
    """Every address record of one name, with the vendors serving it and its targets."""

    name: str
    records: list[Resource] = field(default_factory=list)
    dns_vendors: set[str] = field(default_factory=set)
    #: The DNS services that answer for it (Route 53, Cloud DNS, Traffic Manager …).
    services: set[str] = field(default_factory=set)
    targets: list[Resource] = field(default_factory=list)
    external_targets: set[str] = field(default_factory=set)
    unknown: str | None = None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def facts(index: StackIndex) -> EstateFacts:
    """The facts of ``index``, built on first use and shared by every rule of this call."""
    cached = index.memo.get("facts")
    if cached is None:
        cached = index.memo["facts"] = EstateFacts(index)
    assert isinstance(cached, EstateFacts)
    return cached


class EstateFacts:
    """The derived view of one stack (see the module docstring)."""

    def __init__(self, index: StackIndex) -> None:
        self.index = index
        self._owner: dict[str, str | None] = {}

    # -- structure ---------------------------------------------------------------------------

    def owner(self, res: Resource) -> str | None:
        """The nearest MultiCloudApp / BareMetalPool ancestor of ``res`` (its URN)."""
        return self.ancestor_of_type(res, APP_TYPES)

    def ancestor_of_type(self, res: Resource, types: frozenset[str]) -> str | None:
        memo_key = "|".join(sorted(types))
        memo = self.index.memo.setdefault(f"ancestor:{memo_key}", {})
        chain: list[str] = []
        current: Resource | None = res
        found: str | None = None
        while current is not None:
            if current.urn in memo:
                found = memo[current.urn]
                break
            if current.urn in chain:
                break  # a parent cycle (only hand-made input has one): no ancestor
            chain.append(current.urn)
            if current is not res and current.type in types:
                found = current.urn
                break
            current = self.index.by_urn.get(current.parent) if current.parent else None
        for urn in chain:
            memo[urn] = found
        return found

    def descendants(self, urn: str) -> list[Resource]:
        """Every resource whose parent chain passes through ``urn``."""
        children = self.children
        found: list[Resource] = []
        seen = {urn}
        todo = list(children.get(urn, ()))
        while todo:
            res = todo.pop()
            if res.urn in seen:
                continue
            seen.add(res.urn)
            found.append(res)
            todo.extend(children.get(res.urn, ()))
        return found

    @cached_property
    def children(self) -> dict[str, list[Resource]]:
        result: dict[str, list[Resource]] = defaultdict(list)
        for res in self.index.resources:
            if res.parent:
                result[res.parent].append(res)
        return result

    @cached_property
    def dependents(self) -> dict[str, list[Resource]]:
        """Resources that depend on each URN (the reverse of ``dependencies``)."""
        result: dict[str, list[Resource]] = defaultdict(list)
        for res in self.index.resources:
            for dep in res.dependencies:
                result[dep].append(res)
            for deps in res.property_dependencies.values():
                for dep in deps:
                    if dep not in res.dependencies:
                        result[dep].append(res)
        return result

    def node(self, res: Resource) -> str:
        """The site of ``res`` as a node of the estate (its explicit provider's name)."""
        site = self.index.site(res)
        if site and not site.startswith("default"):
            return site
        return f"{res.package} (default provider)"

    def region(self, res: Resource, zone: str | None = None) -> str:
        """The region of ``res``: its provider's (``region``; Azure's ``location``), else its own."""
        if res.provider_urn:
            provider = self.index.by_urn.get(res.provider_urn)
            if provider is not None:
                region = _known_str(_safe_get(provider.props, "region")) or _known_str(
                    _safe_get(provider.props, "location")
                )
                if region:
                    return region
        try:
            region = _known_str(get(res.props, "region"))
            if region is None and res.package == "azure-native":
                region = _known_str(get(res.props, "location"))
        except UnknownValue:
            region = None
        if region:
            return region
        if zone and zone != UNSPECIFIED and zone[-1:].isalpha() and zone[-2:-1].isdigit():
            return zone[:-1]  # AWS: us-east-1a
        if zone and zone.count("-") >= 2:
            return zone.rsplit("-", 1)[0]  # GCP: europe-west1-b
        return self.node(res)

    # -- compute -----------------------------------------------------------------------------

    @cached_property
    def units(self) -> list[Unit]:
        found: list[Unit] = []
        routers = self._router_instances
        for res in self.index.of_type(*COMPUTE_TYPES):
            if res.urn not in routers:
                found.append(self._unit(res))
        found.extend(self._on_prem_nodes())
        return found

    @cached_property
    def units_by_owner(self) -> dict[str | None, list[Unit]]:
        result: dict[str | None, list[Unit]] = defaultdict(list)
        for unit in self.units:
            result[unit.owner].append(unit)
        return result

    def _unit(self, res: Resource) -> Unit:
        vendor = self.index.vendor(res) or res.package
        site = self.node(res)
        owner = self.owner(res)
        try:
            kind, count, zones = self._capacity(res)
        except UnknownValue as exc:
            return Unit(
                res.urn, res.name, _KIND.get(res.type, "compute"), vendor, site, site, (), owner, str(exc)
            )
        spread = _spread(count, zones)
        region = self.region(res, zones[0] if zones else None)
        return Unit(res.urn, res.name, kind, vendor, site, region, spread, owner)

    def _capacity(self, res: Resource) -> tuple[str, int, list[str]]:
        props = res.props
        if res.type == ASG:
            count = as_int(get(props, "minSize"))
            if count is None:
                count = as_int(get(props, "desiredCapacity")) or 0
            zones = self._subnet_zones(res, "vpcZoneIdentifiers") or [
                str(z) for z in items(props, "availabilityZones")
            ]
            return "auto scaling group", count, zones or [UNSPECIFIED]
        if res.type in (GCP_REGIONAL_MIG, GCP_ZONAL_MIG):
            count = self._autoscaled_floor(res)
            if count is None:
                count = as_int(get(props, "targetSize")) or 0
            if res.type == GCP_ZONAL_MIG:
                return "managed instance group", count, [str(get(props, "zone") or UNSPECIFIED)]
            zones = [str(z) for z in items(props, "distributionPolicyZones")]
            # Without zones a regional MIG spreads over three zones of its region (GCP's default).
            return "managed instance group", count, zones or ["(GCP zone 1)", "(GCP zone 2)", "(GCP zone 3)"]
        if res.type == GCP_INSTANCE:
            return "instance", 1, [str(get(props, "zone") or UNSPECIFIED)]
        if res.type == AWS_INSTANCE:
            zone = get(props, "availabilityZone")
            zones = [str(zone)] if zone else self._subnet_zones(res, "subnetId")[:1]
            return "instance", 1, zones or [UNSPECIFIED]
        if res.type == AZ_SCALE_SET:
            # Its floor is the autoscale setting's smallest minimum, else sku.capacity; without
            # `zones` it is regional: Azure picks fault domains, not zones.
            count = self._autoscaled_floor(res)
            if count is None:
                count = as_int(get(props, "sku", "capacity")) or 0
            return "scale set", count, [str(z) for z in items(props, "zones")] or [UNSPECIFIED]
        if res.type == AZ_VM:
            return "virtual machine", 1, [str(z) for z in items(props, "zones")][:1] or [UNSPECIFIED]
        zone = str(get(props, "availabilityZone") or UNSPECIFIED)
        group = self._affinity_group(res)
        if group:
            zone = f"{zone} (one host: affinity server group {group})"
        return "server", 1, [zone]

    def _subnet_zones(self, res: Resource, prop: str) -> list[str]:
        zones = []
        for subnet in self.index.linked(res, prop, frozenset({AWS_SUBNET})):
            zone = get(subnet.props, "availabilityZone") or get(subnet.props, "availabilityZoneId")
            if zone:
                zones.append(str(zone))
        return sorted(set(zones))

    def _autoscaled_floor(self, res: Resource) -> int | None:
        return self._autoscalers.get(res.urn)

    @cached_property
    def _autoscalers(self) -> dict[str, int | None]:
        """MIG / scale set URN → the minimum of the autoscaler that targets it."""
        found: dict[str, int | None] = {}
        for scaler in self.index.of_type(GCP_REGION_AUTOSCALER, GCP_AUTOSCALER):
            floor = as_int(_safe_get(scaler.props, "autoscalingPolicy", "minReplicas"))
            for urn in scaler.property_dependencies.get("target") or scaler.dependencies:
                found.setdefault(urn, floor)
        for setting in self.index.of_type(*AZ_AUTOSCALE):
            if _safe_get(setting.props, "enabled") is False:
                continue
            # Every profile (the default one and scheduled ones) may be in force: the smallest wins.
            minima = [
                as_int(_safe_get(p, "capacity", "minimum")) for p in _safe_items(setting.props, "profiles")
            ]
            known = [m for m in minima if m is not None]
            for urn in setting.property_dependencies.get("targetResourceUri") or setting.dependencies:
                found.setdefault(urn, min(known) if known else None)
        return found

    def _affinity_group(self, res: Resource) -> str | None:
        for group in self.index.linked(res, "schedulerHints", frozenset({OS_SERVER_GROUP})):
            policies = [str(p).lower() for p in items(group.props, "policies")]
            if any(p in ("affinity", "soft-affinity") for p in policies):
                return group.name
        return None

    def _on_prem_nodes(self) -> Iterator[Unit]:
        """Remote commands to hosts outside every cloud of the plan: servers someone brought.

        A command whose connection comes from a cloud instance or address configures that
        instance, not an on-prem node. Two commands to one known host are one node; a host the
        pack cannot see (a secret connection offline) counts once per command.
        """
        cloud_addresses = frozenset(_ADDRESS_PROPS) | frozenset(COMPUTE_TYPES)
        seen: set[str] = set()
        for res in self.index.of_type(REMOTE_COMMAND):
            sources = res.property_dependencies.get("connection") or res.dependencies
            if any(
                (t := self.index.by_urn.get(u)) is not None and t.type in cloud_addresses for u in sources
            ):
                continue
            try:
                host = _known_str(get(res.props, "connection", "host"))
            except UnknownValue:
                host = None
            key = host or res.urn
            if key in seen:
                continue
            seen.add(key)
            label = host or res.name
            yield Unit(
                res.urn,
                res.name,
                "on-prem node",
                "onprem",
                "on-prem",
                "on-prem",
                ((label, 1),),
                self.owner(res),
            )

    # -- services ----------------------------------------------------------------------------

    @cached_property
    def services(self) -> list[Service]:
        """Each MultiCloudApp / BareMetalPool, then each DNS name in front of compute no component owns."""
        result: list[Service] = []
        for res in self.index.of_type(*APP_TYPES):
            kind = res.type.rsplit(":", 1)[-1]
            result.append(
                Service(f"{kind} {res.name!r}", res.urn, list(self.units_by_owner.get(res.urn, [])), res)
            )
        unit_by_urn = {u.urn: u for u in self.units}
        for name, dns in sorted(self.dns.items()):
            behind = self.behind([t.urn for t in dns.targets])
            units = [unit_by_urn[u] for u in behind if u in unit_by_urn]
            free = [u for u in units if u.owner is None]
            if free:
                result.append(Service(f"DNS name {name!r}", dns.records[0].urn, free))
        return result

    def behind(self, start: Iterable[str]) -> list[str]:
        """URNs of the compute units that serve the resources ``start`` (a DNS name's targets)."""
        by_urn = self.index.by_urn
        seen: set[str] = set()
        queue = deque(u for u in start if u in by_urn)
        found: list[str] = []
        compute = frozenset(COMPUTE_TYPES)
        while queue:
            urn = queue.popleft()
            if urn in seen:
                continue
            seen.add(urn)
            res = by_urn[urn]
            if res.type in compute:
                found.append(urn)
                # A group's own dependencies (its template, its subnets) serve nothing; but an
                # instance may sit behind an address that other records name.
            neighbours = [
                *res.dependencies,
                *(d for deps in res.property_dependencies.values() for d in deps),
            ]
            neighbours += [r.urn for r in self.dependents.get(urn, ())]
            for nxt in neighbours:
                target = by_urn.get(nxt)
                if target is not None and nxt not in seen and target.type in SERVING_TYPES:
                    queue.append(nxt)
        return found

    # -- links -------------------------------------------------------------------------------

    @cached_property
    def _peers(self) -> _UnionFind:
        """External peer addresses that belong together (one GCP external gateway's interfaces)."""
        peers = _UnionFind()
        for gateway in self.index.of_type(GCP_EXTERNAL_GATEWAY):
            addresses = []
            for interface in _safe_items(gateway.props, "interfaces"):
                ip = _known_str(_safe_get(interface, "ipAddress"))
                if ip:
                    addresses.append(f"ip:{ip}")
            for a in addresses[1:]:
                peers.union(addresses[0], a)
        return peers

    def _resolve(self, res: Resource, prop: str, literal: Any = None, depth: int = 0) -> str:
        """The node ``res.prop`` points at: the site of the resource it came from, or a peer address.

        The engine says which resource a property came from (property dependencies). Without
        them (a plan format that keeps only ``dependencies``), a dependency of the kind that
        property refers to, on another site, stands in.
        """
        sources = list(res.property_dependencies.get(prop, ()))
        if not sources and prop in _PEER_SOURCES:
            local = self.node(res)
            by_urn = self.index.by_urn
            sources = [
                u
                for u in res.dependencies
                if u in by_urn and by_urn[u].type in _PEER_SOURCES[prop] and self.node(by_urn[u]) != local
            ][:1]
        for urn in sources:
            target = self.index.by_urn.get(urn)
            if target is None:
                return f"{urn.rsplit('::', 1)[-1]} (not in this plan)"
            if target.type == AWS_CGW and depth == 0:
                return self._resolve(target, "ipAddress", depth=1)
            if target.type == AZ_LOCAL_GATEWAY and depth == 0:
                return self._local_gateway_peer(target)
            if target.type == GCP_EXTERNAL_GATEWAY:
                continue
            return self.node(target)
        value = literal if literal is not None else _safe_get(res.props, prop)
        ip = _known_str(value)
        if ip:
            return self._peer_name(ip)
        return f"the peer of {res.name} (address not known)"

    def _local_gateway_peer(self, gateway: Resource) -> str:
        """The node an Azure local network gateway stands for: where its address came from."""
        literal = _safe_get(gateway.props, "gatewayIpAddress") or _safe_get(gateway.props, "fqdn")
        return self._resolve(gateway, "gatewayIpAddress", literal=literal, depth=1)

    def _peer_name(self, ip: str) -> str:
        key = f"ip:{ip}"
        members = self._peer_groups.get(self._peers.find(key) if key in self._peers.parent else key, [ip])
        return "external peer " + " + ".join(members)

    @cached_property
    def _peer_groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for key in list(self._peers.parent):
            groups[self._peers.find(key)].append(key[3:])
        return {root: sorted(members) for root, members in groups.items()}

    @cached_property
    def contributions(self) -> list[Contribution]:
        found: list[Contribution] = []
        for res in self.index.of_type(AWS_VPN):
            local = self.node(res)
            remote = self._resolve(res, "customerGatewayId")
            found.append(Contribution(res.urn, local, remote, "vpn", 2, res.urn))
        for res in self.index.of_type(GCP_TUNNEL):
            found.append(self._gcp_tunnel(res))
        for res in self.index.of_type(OS_SITE_CONNECTION):
            local = self.node(res)
            remote = self._resolve(res, "peerAddress")
            path = _known_str(_safe_get(res.props, "peerAddress")) or res.urn
            found.append(Contribution(res.urn, local, remote, "vpn", 1, path, policy_based=True))
        for rule in self._router_ike[0]:
            local = self.node(rule)
            prefix = _known_str(_safe_get(rule.props, "remoteIpPrefix")) or ""
            remote = self._resolve(rule, "remoteIpPrefix", literal=prefix.split("/", 1)[0] or None)
            found.append(Contribution(rule.urn, local, remote, "vpn", 1, rule.urn, hosted=True))
        for res in self.index.of_type(AWS_PEERING):
            a = self._resolve(res, "vpcId") if "vpcId" in res.property_dependencies else self.node(res)
            b = self._resolve(res, "peerVpcId")
            found.append(Contribution(res.urn, a, b, "peering", 0, res.urn))
        for res in self.index.of_type(GCP_PEERING):
            a = self._resolve(res, "network") if "network" in res.property_dependencies else self.node(res)
            b = self._resolve(res, "peerNetwork")
            found.append(Contribution(res.urn, a, b, "peering", 0, res.urn))
        for res in self.index.of_type(AZ_CONNECTION):
            contribution = self._azure_connection(res)
            if contribution is not None:
                found.append(contribution)
        for res in self.index.of_type(AZ_PEERING):
            deps = res.property_dependencies
            a = self._resolve(res, "virtualNetworkName") if "virtualNetworkName" in deps else self.node(res)
            b = self._resolve(res, "remoteVirtualNetwork")
            found.append(Contribution(res.urn, a, b, "peering", 0, res.urn))
        return found

    def _azure_connection(self, res: Resource) -> Contribution | None:
        """An Azure VPN connection's tunnels from its gateway towards the peer.

        An IPsec connection names a local network gateway, whose address (``gatewayIpAddress``)
        comes from the far end's resource — an AWS tunnel, a GCP HA VPN interface, an appliance's
        floating IP — or is a device's literal address. Towards a resource of the plan the
        connection is one tunnel: each of those far ends peers with one gateway instance per
        address (an AWS customer gateway, an external-gateway interface, an IKE opening), and
        counts its own side. Towards an external peer both instances of an active-active gateway
        terminate the connection ("two IPsec tunnels, one from each instance", Microsoft's
        active-active topologies), so it is two. A VNet-to-VNet connection is one tunnel per side.
        ExpressRoute and point-to-site connections are not site-to-site VPNs.
        """
        kind = str(_safe_get(res.props, "connectionType") or "IPsec").lower()
        if kind not in ("ipsec", "vnet2vnet"):
            return None
        local = self.node(res)
        gateways = self.index.linked(res, "virtualNetworkGateway1", frozenset({AZ_GATEWAY}))
        gateway = gateways[0].props if gateways else {}
        policy_based = str(_safe_get(gateway, "vpnType") or "").lower() == "policybased"
        if kind == "vnet2vnet":
            remote = self._resolve(res, "virtualNetworkGateway2")
            return Contribution(res.urn, local, remote, "vpn", 1, res.urn, policy_based=policy_based)
        locals_ = self.index.linked(res, "localNetworkGateway2", frozenset({AZ_LOCAL_GATEWAY}))
        remote = (
            self._local_gateway_peer(locals_[0]) if locals_ else self._resolve(res, "localNetworkGateway2")
        )
        tunnels = 1
        if remote not in self.site_vendor and _safe_get(gateway, "activeActive") is True:
            tunnels = 2
        return Contribution(res.urn, local, remote, "vpn", tunnels, res.urn, policy_based=policy_based)

    @cached_property
    def _router_ports(self) -> dict[str, list[str]]:
        """Ports that forward addresses not their own (a router's), by URN → their security groups."""
        found: dict[str, list[str]] = {}
        for port in self.index.of_type(OS_PORT):
            if not _safe_items(port.props, "allowedAddressPairs"):
                continue
            found[port.urn] = [
                g.urn for g in self.index.linked(port, "securityGroupIds", frozenset({OS_SECGROUP}))
            ]
        return found

    @cached_property
    def _router_instances(self) -> set[str]:
        """Instances on a router port whose security group admits IKE: VPN routers, not compute."""
        groups = self._router_ike[1]
        found: set[str] = set()
        for instance in self.index.of_type(OS_INSTANCE):
            for port in self.index.linked(instance, "networks", frozenset({OS_PORT})):
                if groups.intersection(self._router_ports.get(port.urn, ())):
                    found.add(instance.urn)
        return found

    @cached_property
    def _router_ike(self) -> tuple[list[Resource], set[str]]:
        """Security group rules admitting IKE from one address into a router port's group, and
        the groups that have them."""
        router_groups = {g for groups in self._router_ports.values() for g in groups}
        rules: list[Resource] = []
        groups: set[str] = set()
        for rule in self.index.of_type(OS_SECGROUP_RULE):
            props = rule.props
            if _safe_get(props, "direction") != "ingress" or _safe_get(props, "protocol") != "udp":
                continue
            low, high = as_int(_safe_get(props, "portRangeMin")), as_int(_safe_get(props, "portRangeMax"))
            if low is None or high is None or not low <= IKE_PORT <= high:
                continue
            try:  # a peer's tunnel address is often known only after apply
                prefix = get(props, "remoteIpPrefix")
            except UnknownValue:
                prefix = "/32"
            if not (isinstance(prefix, str) and prefix.endswith(("/32", "/128"))):
                continue
            mine = router_groups.intersection(
                rule.property_dependencies.get("securityGroupId") or rule.dependencies
            )
            if mine:
                rules.append(rule)
                groups |= mine
        return rules, groups

    def _gcp_tunnel(self, res: Resource) -> Contribution:
        local = self.node(res)
        props = res.property_dependencies
        classic = bool(props.get("targetVpnGateway")) or bool(_safe_get(res.props, "targetVpnGateway"))
        if props.get("peerGcpGateway"):
            remote = self._resolve(res, "peerGcpGateway")
        elif props.get("peerExternalGateway") or _safe_get(res.props, "peerExternalGateway"):
            remote = self._external_gateway_peer(res)
        else:
            remote = self._resolve(res, "peerIp")
            classic = classic or not (props.get("vpnGateway") or _safe_get(res.props, "vpnGateway"))
        return Contribution(res.urn, local, remote, "vpn", 1, res.urn, classic=classic)

    def _external_gateway_peer(self, res: Resource) -> str:
        gateways = self.index.linked(res, "peerExternalGateway", frozenset({GCP_EXTERNAL_GATEWAY}))
        if not gateways:
            return self._resolve(res, "peerExternalGateway")
        gateway = gateways[0]
        sources = gateway.property_dependencies.get("interfaces", ())
        for urn in sources:
            target = self.index.by_urn.get(urn)
            if target is None:
                return f"{urn.rsplit('::', 1)[-1]} (not in this plan)"
            return self.node(target)
        interfaces = _safe_items(gateway.props, "interfaces")
        wanted = as_int(_safe_get(res.props, "peerExternalGatewayInterface")) or 0
        for interface in interfaces:
            if as_int(_safe_get(interface, "id")) == wanted or len(interfaces) == 1:
                ip = _known_str(_safe_get(interface, "ipAddress"))
                if ip:
                    return self._peer_name(ip)
        return f"the peer of {gateway.name} (address not known)"

    @cached_property
    def site_vendor(self) -> dict[str, str]:
        """Every site of the plan (an explicit provider, or a vendor's default one) → its vendor.

        Read from the provider resources the engine sends with the stack, plus the default-provider
        node of any VPN resource registered without an explicit provider — not from every resource.
        """
        found: dict[str, str] = {}
        for type_name, members in self.index.by_type.items():
            if not type_name.startswith("pulumi:providers:"):
                continue
            package = type_name.removeprefix("pulumi:providers:")
            if package not in CLOUD_PACKAGES:
                continue
            for provider in members:
                name = provider.urn.rsplit("::", 1)[-1]
                found.setdefault(
                    name if not name.startswith("default") else f"{package} (default provider)",
                    package_vendor(package),
                )
        for res in (r for t in (*VPN_TYPES, *PEERING_TYPES) for r in self.index.of_type(t)):
            if res.provider_urn is None or res.provider_urn not in self.index.by_urn:
                own = self.index.vendor(res)
                if own is not None:
                    found.setdefault(self.node(res), own)
        return found

    @property
    def sites(self) -> set[str]:
        return set(self.site_vendor)

    @cached_property
    def edges(self) -> list[Edge]:
        sites = self.sites
        by_pair: dict[tuple[str, str, str], Edge] = {}
        paths: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for c in self.contributions:
            if c.local == c.remote:
                continue
            a, b = sorted((c.local, c.remote), key=lambda n: (n not in sites, n))  # sites first
            key = (a, b, c.kind)
            edge = by_pair.get(key)
            if edge is None:
                edge = by_pair[key] = Edge(a, b, c.kind, witness=c.urn)
            edge.classic = edge.classic or c.classic
            edge.policy_based = edge.policy_based or c.policy_based
            if c.kind == "vpn":
                distinct = paths[(a, b, c.kind, c.local)]
                if c.path in distinct:
                    continue
                distinct.add(c.path)
                edge.sides[c.local] = edge.sides.get(c.local, 0) + c.tunnels
        return sorted(by_pair.values(), key=lambda e: (e.a, e.b, e.kind))

    def node_vendor(self, node: str) -> str | None:
        return self.site_vendor.get(node)

    # -- DNS ---------------------------------------------------------------------------------

    @cached_property
    def dns(self) -> dict[str, DnsName]:
        names: dict[str, DnsName] = dict(self._traffic_manager)
        for res in self.index.of_type(*DNS_TYPES):
            try:
                kind = str(get(res.props, "type") or get(res.props, "recordType") or "").upper()
                name = self._record_name(res)
            except UnknownValue as exc:
                entry = names.setdefault(
                    f"(unknown name of {res.name})", DnsName(f"(unknown name of {res.name})")
                )
                entry.records.append(res)
                entry.unknown = str(exc)
                continue
            if not name or (kind and kind not in _ADDRESS_RECORDS):
                continue
            entry = names.setdefault(name, DnsName(name))
            entry.records.append(res)
            entry.dns_vendors.add(self.index.vendor(res) or res.package)
            entry.services.add(DNS_SERVICES.get(res.type, res.package))
            self._record_targets(res, entry)
        return names

    @cached_property
    def _traffic_manager(self) -> dict[str, DnsName]:
        """Each Traffic Manager profile as the name it answers for, its endpoints' targets as targets."""
        names: dict[str, DnsName] = {}
        endpoints: dict[str, list[Resource]] = defaultdict(list)
        profile_types = frozenset(TM_PROFILES)
        for endpoint in self.index.of_type(*TM_ENDPOINTS):
            for profile in self.index.linked(endpoint, "profileName", profile_types):
                endpoints[profile.urn].append(endpoint)
        for profile in self.index.of_type(*TM_PROFILES):
            try:
                relative = _known_str(get(profile.props, "dnsConfig", "relativeName"))
            except UnknownValue as exc:
                key = f"(unknown name of {profile.name})"
                entry = names.setdefault(key, DnsName(key))
                entry.records.append(profile)
                entry.unknown = str(exc)
                continue
            if not relative:
                continue
            name = f"{relative.rstrip('.').lower()}.{TM_DOMAIN}"
            entry = names.setdefault(name, DnsName(name))
            entry.records.append(profile)
            entry.dns_vendors.add("azure")
            entry.services.add(DNS_SERVICES[profile.type])
            self._link_targets(profile, ("endpoints",), entry, profiles=False)
            for inline in _safe_items(profile.props, "endpoints"):
                self._literal_target(_safe_get(inline, "target"), entry, profiles=False)
            for endpoint in endpoints.get(profile.urn, ()):
                if not self._link_targets(endpoint, ("target", "targetResourceId"), entry, profiles=False):
                    self._literal_target(_safe_get(endpoint.props, "target"), entry, profiles=False)
        return names

    def _record_name(self, res: Resource) -> str:
        if res.type == AZ_RECORD_SET:
            relative = str(get(res.props, "relativeRecordSetName") or "").strip().rstrip(".").lower()
            zone_name = str(get(res.props, "zoneName") or "").strip().rstrip(".").lower()
            if relative in ("", "@"):
                return zone_name
            return f"{relative}.{zone_name}" if zone_name else relative
        name = str(get(res.props, "name") or "").strip().rstrip(".").lower()
        if res.type == R53_RECORD:
            for zone in self.index.linked(res, "zoneId", frozenset({R53_ZONE})):
                zone_name = str(get(zone.props, "name") or "").rstrip(".").lower()
                if zone_name and name != zone_name and not name.endswith("." + zone_name):
                    name = f"{name}.{zone_name}" if name else zone_name
        return name

    def _record_targets(self, res: Resource, entry: DnsName) -> None:
        if res.type == R53_RECORD:
            props: tuple[str, ...] = ("aliases", "records")
        elif res.type == AZ_RECORD_SET:
            props = ("aRecords", "aaaaRecords", "cnameRecord", "targetResource", "trafficManagementProfile")
        else:
            props = ("rrdatas", "routingPolicy", "records")
        if self._link_targets(res, props, entry):
            return
        literals = [*_safe_items(res.props, "records"), *_safe_items(res.props, "rrdatas")]
        for alias in _safe_items(res.props, "aliases"):
            literals.append(_safe_get(alias, "name"))
        literals += [_safe_get(a, "ipv4Address") for a in _safe_items(res.props, "aRecords")]
        literals += [_safe_get(a, "ipv6Address") for a in _safe_items(res.props, "aaaaRecords")]
        literals.append(_safe_get(res.props, "cnameRecord", "cname"))
        for value in literals:
            self._literal_target(value, entry)

    def _link_targets(
        self, res: Resource, props: Iterable[str], entry: DnsName, profiles: bool = True
    ) -> bool:
        """Add the resources ``res``'s ``props`` came from; whether there were any. A Traffic
        Manager profile among them stands for its endpoints' targets (unless building those)."""
        linked = False
        for prop in props:
            for urn in res.property_dependencies.get(prop, ()):
                target = self.index.by_urn.get(urn)
                if target is None:
                    continue
                linked = True
                if profiles and target.type in TM_PROFILES:
                    self._through_profile(target, entry)
                else:
                    entry.targets.append(target)
        return linked

    def _literal_target(self, value: Any, entry: DnsName, profiles: bool = True) -> None:
        """A record value written out: one of the plan's addresses or (``profiles``) Traffic
        Manager names, else an external target."""
        text = _known_str(value)
        if not text:
            return
        target = self.address_owner.get(text)
        if target is not None:
            entry.targets.append(target)
            return
        profile = self._traffic_manager.get(text.rstrip(".").lower()) if profiles else None
        if profile is not None:
            entry.targets.extend(profile.targets)
            entry.external_targets |= profile.external_targets
            return
        entry.external_targets.add(text)

    def _through_profile(self, profile: Resource, entry: DnsName) -> None:
        """A record that points at a Traffic Manager profile answers with its endpoints."""
        for tm in self._traffic_manager.values():
            if profile in tm.records:
                entry.targets.extend(tm.targets)
                entry.external_targets |= tm.external_targets

    @cached_property
    def address_owner(self) -> dict[str, Resource]:
        """Literal addresses of the plan's own resources (to resolve a record written with an IP)."""
        owners: dict[str, Resource] = {}
        for type_, props in _ADDRESS_PROPS.items():
            for res in self.index.of_type(type_):
                for prop in props:
                    ip = _known_str(_safe_get(res.props, prop))
                    if ip and _is_ip(ip):
                        owners.setdefault(ip, res)
        return owners

    def target_vendors(self, dns: DnsName) -> set[str]:
        vendors = {self.index.vendor(t) or t.package for t in dns.targets}
        if dns.external_targets:
            vendors.add("external")
        return vendors

    # -- data --------------------------------------------------------------------------------

    @cached_property
    def datasets(self) -> dict[str, list[Resource]]:
        """Buckets grouped by the copies between them (union-find root → members)."""
        joined = _UnionFind()
        buckets = self.index.of_type(*BUCKET_TYPES)
        bucket_types = frozenset(BUCKET_TYPES)
        for res in buckets:
            joined.find(res.urn)
        for copier in (r for t in COPY_TYPES for r in self.index.of_type(t)):
            reached = self._buckets_near(copier, bucket_types)
            for urn in reached[1:]:
                joined.union(reached[0], urn)
        for res in self.index.of_type(*S3_BUCKETS):
            for urn in res.property_dependencies.get("replicationConfiguration", ()):
                if urn in self.index.by_urn:
                    joined.union(res.urn, urn)
        groups: dict[str, list[Resource]] = defaultdict(list)
        for res in buckets:
            groups[joined.find(res.urn)].append(res)
        return groups

    def _buckets_near(self, res: Resource, bucket_types: frozenset[str]) -> list[str]:
        """Buckets ``res`` depends on, directly or through one location resource (DataSync)."""
        by_urn = self.index.by_urn
        found: set[str] = set()
        for urn in {*res.dependencies, *(u for deps in res.property_dependencies.values() for u in deps)}:
            target = by_urn.get(urn)
            if target is None:
                continue
            if target.type in bucket_types:
                found.add(urn)
            elif target.type.startswith("aws:datasync/location"):
                found.update(u for u in target.dependencies if u in by_urn and by_urn[u].type in bucket_types)
        return sorted(found)

    @cached_property
    def vendors(self) -> dict[str, str]:
        """Every vendor the resources put something on (on-prem: its nodes) → a proving URN."""
        found = dict(self.index.vendors)
        for unit in self.units:
            if unit.vendor == "onprem" and "onprem" not in found:
                found["onprem"] = unit.urn
        return found


_KIND = {
    ASG: "auto scaling group",
    GCP_REGIONAL_MIG: "managed instance group",
    GCP_ZONAL_MIG: "managed instance group",
    GCP_INSTANCE: "instance",
    AWS_INSTANCE: "instance",
    OS_INSTANCE: "server",
}


def _spread(count: int, zones: list[str]) -> tuple[tuple[str, int], ...]:
    """``count`` over ``zones`` as evenly as the vendors balance (the first zones get the rest)."""
    zones = sorted(dict.fromkeys(zones)) or [UNSPECIFIED]
    base, extra = divmod(max(count, 0), len(zones))
    return tuple((zone, base + (1 if i < extra else 0)) for i, zone in enumerate(zones))


def _safe_get(container: Any, *path: str | int) -> Any:
    try:
        return get(container, *path)
    except UnknownValue:
        return None


def _safe_items(container: Any, *path: str | int) -> list[Any]:
    try:
        return items(container, *path)
    except UnknownValue:
        return []


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def placements_of(units: Iterable[Unit]) -> list[Placement]:
    return [p for unit in units if unit.unknown is None for p in unit.placements()]
