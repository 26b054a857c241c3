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

Values unknown in a preview (issue 16): an unknown value is *set* — to what, the update will say
— never absent, so the facts never read one as missing. What they cannot know they keep, with
the reason: a unit of unknown size, zones or role (:attr:`Unit.unknown`); a VPN resource whose
peer is unknown, or that may or may not be a tunnel (:attr:`Contribution.unknown`; it then counts
as the tunnel it may be — an Azure connection from a gateway that may be active-active as two),
one that may be policy-based (:attr:`Contribution.policy_unknown`), and what may change the site
graph (:attr:`EstateFacts.link_doubts`); a DNS record or Traffic Manager profile whose name or
targets are unknown (:attr:`DnsName.unknown`, :attr:`DnsName.targets_unknown`) and the services it
may add units to (:attr:`Service.unknown`). The rules report a check those leave open as "can't
check during preview", never as a violation.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..planning.failure import Placement
from .index import APP_TYPES, CLOUD_PACKAGES, StackIndex, package_vendor
from .rule import SECRET_MASK, Resource, UnknownValue, as_int, get, is_unknown, items

__all__ = [
    "UNSPECIFIED",
    "VENDOR_NAMES",
    "Contribution",
    "DnsName",
    "Edge",
    "EstateFacts",
    "LinkDoubt",
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
#: A record's literal targets: (list property, the key of each item's value; ``None``: the item).
_LITERAL_TARGETS: tuple[tuple[str, str | None], ...] = (
    ("records", None),
    ("rrdatas", None),
    ("aliases", "name"),
    ("aRecords", "ipv4Address"),
    ("aaaaRecords", "ipv6Address"),
)

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
        value if isinstance(value, str) and value and not is_unknown(value) and value != SECRET_MASK else None
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
    #: Why its capacity, zones or role cannot be known in this preview (``None``: known).
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
    #: Why a value unknown in this preview may add units to it (a DNS record whose name or targets
    #: are unknown): a shortfall is then "can't check", never a violation.
    unknown: str | None = None


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
    #: Why a value unknown in this preview leaves it open whether this is a tunnel (counted as one)
    #: or where it leads (see ``remote_known``); ``None``: known.
    unknown: str | None = None
    #: ``False``: the peer is not known until the update runs; the contribution is in no edge.
    remote_known: bool = True
    #: Why whether it is policy-based (one active path) is not known in this preview; it counts as
    #: route-based meanwhile (its tunnel count is not in doubt).
    policy_unknown: str | None = None


@dataclass(frozen=True)
class LinkDoubt:
    """A value unknown in this preview that may change the site graph.

    ``site``: the site whose links it may add tunnels to (a VPN resource whose peer is unknown);
    ``None``: it may merge any external peers (an external VPN gateway whose interfaces are
    unknown). ``counted``: already counted, as the tunnel it may be, so it cannot make a link short.
    """

    urn: str
    reason: str
    site: str | None
    counted: bool = False
    kind: str = "vpn"  # "vpn" | "peering": the kind of edge it may add to


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
    #: Why a preview cannot say whether an end is policy-based (see :attr:`Contribution.policy_unknown`).
    policy_unknown: str | None = None

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
    #: Why its name (or record type) is not known in this preview: its records may belong to any name.
    unknown: str | None = None
    #: Why some of its targets are not known in this preview.
    targets_unknown: str | None = None


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
        """The region of ``res``: its provider's (``region``; Azure's ``location``), its own, or its
        zone's.

        Raises:
            UnknownValue: its provider's region (location) is not known in this preview, or its own
                is and no zone says which it is.
        """
        if res.provider_urn:
            provider = self.index.by_urn.get(res.provider_urn)
            if provider is not None:
                try:
                    region = _known_str(get(provider.props, "region")) or _known_str(
                        get(provider.props, "location")
                    )
                except UnknownValue as exc:  # named after the provider: the site's region is unknown
                    raise UnknownValue([provider.name, *exc.path.split(".")]) from None
                if region:
                    return region
        unknown: UnknownValue | None = None
        try:
            region = _known_str(get(res.props, "region"))
            if region is None and res.package == "azure-native":
                region = _known_str(get(res.props, "location"))
        except UnknownValue as exc:
            region, unknown = None, exc  # its zone may still say (a zone is in one region)
        if region:
            return region
        if zone and zone != UNSPECIFIED and zone[-1:].isalpha() and zone[-2:-1].isdigit():
            return zone[:-1]  # AWS: us-east-1a
        if zone and zone.count("-") >= 2:
            return zone.rsplit("-", 1)[0]  # GCP: europe-west1-b
        if unknown is not None:  # not its site's name: the update will tell which region it is
            raise UnknownValue([res.name, *unknown.path.split(".")])
        return self.node(res)

    # -- compute -----------------------------------------------------------------------------

    @cached_property
    def units(self) -> list[Unit]:
        found: list[Unit] = []
        routers = self._router_instances
        for res in self.index.of_type(*COMPUTE_TYPES):
            if res.urn not in routers:
                found.append(self._unit(res))
            elif routers[res.urn] is not None:  # a VPN router or compute: the preview cannot say
                found.append(self._unknown_unit(res, f"whether it is a VPN router: {routers[res.urn]}"))
        found.extend(self._on_prem_nodes())
        return found

    @cached_property
    def units_by_owner(self) -> dict[str | None, list[Unit]]:
        result: dict[str | None, list[Unit]] = defaultdict(list)
        for unit in self.units:
            result[unit.owner].append(unit)
        return result

    def _unit(self, res: Resource) -> Unit:
        try:
            kind, count, zones = self._capacity(res)
            region = self.region(res, zones[0] if zones else None)
        except UnknownValue as exc:
            return self._unknown_unit(res, str(exc))
        vendor = self.index.vendor(res) or res.package
        spread = _spread(count, zones)
        return Unit(res.urn, res.name, kind, vendor, self.node(res), region, spread, self.owner(res))

    def _unknown_unit(self, res: Resource, reason: str) -> Unit:
        vendor = self.index.vendor(res) or res.package
        site = self.node(res)
        kind = _KIND.get(res.type, "compute")
        return Unit(res.urn, res.name, kind, vendor, site, site, (), self.owner(res), reason)

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
            count = self._autoscaled_floor(res)  # raises when the autoscaler's floor is unknown
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
        floor = self._autoscalers.get(res.urn)
        if isinstance(floor, tuple):  # the autoscaler's minimum is not known in this preview
            raise UnknownValue(floor)
        return floor

    @cached_property
    def _autoscalers(self) -> dict[str, int | tuple[str, ...] | None]:
        """MIG / scale set URN → the minimum of the autoscaler that targets it (its path, naming the
        autoscaler, when unknown in a preview: the group's target size is then no floor to count)."""
        found: dict[str, int | tuple[str, ...] | None] = {}
        for scaler in self.index.of_type(GCP_REGION_AUTOSCALER, GCP_AUTOSCALER):
            floor: int | tuple[str, ...] | None
            try:
                floor = as_int(get(scaler.props, "autoscalingPolicy", "minReplicas"))
            except UnknownValue as exc:
                floor = (scaler.name, exc.path)
            for urn in scaler.property_dependencies.get("target") or scaler.dependencies:
                found.setdefault(urn, floor)
        for setting in self.index.of_type(*AZ_AUTOSCALE):
            # Every profile (the default one and scheduled ones) may be in force: the smallest wins.
            # Whether it is enabled, or any profile's minimum, unknown: no floor is known (neither
            # the smallest minimum nor the scale set's sku.capacity).
            try:
                if get(setting.props, "enabled") is False:
                    continue
                minima = [_profile_minimum(p, i) for i, p in enumerate(items(setting.props, "profiles"))]
                known = [m for m in minima if m is not None]
                floor = min(known) if known else None
            except UnknownValue as exc:
                floor = (setting.name, exc.path)
            for urn in setting.property_dependencies.get("targetResourceUri") or setting.dependencies:
                found.setdefault(urn, floor)
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
        free: dict[str, list[Unit]] = {}
        for name, dns in self.dns.items():
            behind = self.behind([t.urn for t in dns.targets])
            free[name] = [unit_by_urn[u] for u in behind if u in unit_by_urn and unit_by_urn[u].owner is None]
        unknown_names = [(name, dns) for name, dns in sorted(self.dns.items()) if dns.unknown]
        for name, dns in sorted(self.dns.items()):
            if not free[name]:
                continue
            doubt = dns.unknown or dns.targets_unknown
            if doubt is None:  # a record of unknown name may be one of this name's, adding units
                mine = {u.urn for u in free[name]}
                for other_name, other in unknown_names:
                    if other.targets_unknown or not {u.urn for u in free[other_name]} <= mine:
                        doubt = (
                            f"DNS record {other.records[0].name!r} may be one of {name}'s: {other.unknown}"
                        )
                        break
            result.append(Service(f"DNS name {name!r}", dns.records[0].urn, free[name], unknown=doubt))
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
    def _gateway_peers(self) -> tuple[_UnionFind, list[LinkDoubt]]:
        """External peer addresses that belong together (one GCP external gateway's interfaces),
        and the gateways whose interfaces are not known in this preview (they may merge others)."""
        peers = _UnionFind()
        doubts: list[LinkDoubt] = []
        for gateway in self.index.of_type(GCP_EXTERNAL_GATEWAY):
            addresses = []
            try:
                interfaces = items(gateway.props, "interfaces")
            except UnknownValue as exc:
                doubts.append(LinkDoubt(gateway.urn, f"{gateway.name}.{exc}", None))
                continue
            for interface in interfaces:
                try:
                    ip = _known_str(get(interface, "ipAddress"))
                except UnknownValue as exc:
                    doubts.append(LinkDoubt(gateway.urn, f"{gateway.name}.interfaces.{exc}", None))
                    continue
                if ip:
                    addresses.append(f"ip:{ip}")
            for a in addresses[1:]:
                peers.union(addresses[0], a)
        return peers, doubts

    @property
    def _peers(self) -> _UnionFind:
        return self._gateway_peers[0]

    def _resolve(self, res: Resource, prop: str, literal: Any = None, depth: int = 0) -> str:
        """The node ``res.prop`` points at: the site of the resource it came from, or a peer address.

        The engine says which resource a property came from (property dependencies). Without
        them (a plan format that keeps only ``dependencies``), a dependency of the kind that
        property refers to, on another site, stands in.

        Raises:
            UnknownValue: the address is not known in this preview and nothing says where it comes
                from (it is not "no address": the update will tell).
        """
        node = self._source_node(res, prop, depth)
        if node is not None:
            return node
        try:
            value = literal if literal is not None else get(res.props, prop)
            if isinstance(value, Mapping):  # an Azure reference ({id}): unknown if its id is
                get(value, "id")
        except UnknownValue as exc:
            raise UnknownValue([res.name, *exc.path.split(".")]) from None
        ip = _known_str(value)
        if ip:
            return self._peer_name(ip)
        return f"the peer of {res.name} (address not known)"

    def _source_node(self, res: Resource, prop: str, depth: int = 0) -> str | None:
        """The node of the resource ``res.prop`` came from (see :meth:`_resolve`); ``None``: none."""
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
        return None

    def _local_gateway_peer(self, gateway: Resource) -> str:
        """The node an Azure local network gateway stands for: where its address came from.

        Raises:
            UnknownValue: its ``gatewayIpAddress`` (or, without one, its ``fqdn``) is not known in
                this preview and no property dependency says where it comes from.
        """
        node = self._source_node(gateway, "gatewayIpAddress", depth=1)
        if node is not None:
            return node
        try:
            address = _known_str(get(gateway.props, "gatewayIpAddress") or get(gateway.props, "fqdn"))
        except UnknownValue as exc:
            raise UnknownValue([gateway.name, *exc.path.split(".")]) from None
        return self._peer_name(address) if address else f"the peer of {gateway.name} (address not known)"

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

    def _contribution(
        self, res: Resource, resolve: Callable[[], str], tunnels: int, path: str, **flags: Any
    ) -> Contribution:
        """``res``'s VPN tunnels towards the node ``resolve()`` names; a peer unknown in this
        preview leaves them out of the site graph (``remote_known=False``), saying why."""
        try:
            remote = resolve()
        except UnknownValue as exc:
            remote = f"the peer of {res.name} (not known until the update runs)"
            flags.update(unknown=f"its peer is not known until the update runs ({exc})", remote_known=False)
        return Contribution(res.urn, self.node(res), remote, "vpn", tunnels, path, **flags)

    @cached_property
    def contributions(self) -> list[Contribution]:
        found: list[Contribution] = []
        add = found.append
        for res in self.index.of_type(AWS_VPN):
            add(
                self._contribution(
                    res, functools.partial(self._resolve, res, "customerGatewayId"), 2, res.urn
                )
            )
        for res in self.index.of_type(GCP_TUNNEL):
            add(self._gcp_tunnel(res))
        for res in self.index.of_type(OS_SITE_CONNECTION):
            try:  # policy-based connections to one peer address are one path
                path, why = _known_str(get(res.props, "peerAddress")) or res.urn, None
            except UnknownValue as exc:
                path, why = res.urn, f"{res.name}.{exc}"  # counted as a path of its own
            resolve = functools.partial(self._resolve, res, "peerAddress")
            add(self._contribution(res, resolve, 1, path, policy_based=True, unknown=why))
        for rule, why in self._router_ike[0]:
            try:
                prefix = _known_str(get(rule.props, "remoteIpPrefix")) or ""
            except UnknownValue:
                prefix = ""  # then its property dependency says where it comes from, or nothing does
            literal = prefix.split("/", 1)[0] or None
            resolve = functools.partial(self._resolve, rule, "remoteIpPrefix", literal)
            add(self._contribution(rule, resolve, 1, rule.urn, hosted=True, unknown=why))
        for res in self.index.of_type(AWS_PEERING):
            add(self._peering(res, "vpcId", "peerVpcId"))
        for res in self.index.of_type(GCP_PEERING):
            add(self._peering(res, "network", "peerNetwork"))
        for res in self.index.of_type(AZ_CONNECTION):
            contribution = self._azure_connection(res)
            if contribution is not None:
                add(contribution)
        for res in self.index.of_type(AZ_PEERING):
            add(self._peering(res, "virtualNetworkName", "remoteVirtualNetwork"))
        return found

    def _peering(self, res: Resource, own: str, peer: str) -> Contribution:
        def ends() -> tuple[str, str]:
            a = self._resolve(res, own) if own in res.property_dependencies else self.node(res)
            return a, self._resolve(res, peer)

        try:
            a, b = ends()
        except UnknownValue as exc:
            why = f"its peer is not known until the update runs ({exc})"
            remote = f"the peer of {res.name} (not known until the update runs)"
            return Contribution(
                res.urn, self.node(res), remote, "peering", 0, res.urn, unknown=why, remote_known=False
            )
        return Contribution(res.urn, a, b, "peering", 0, res.urn)

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

        Values unknown in a preview: a connection whose ``connectionType`` is unknown but that names
        a peer gateway may be a site-to-site VPN, and counts as the one it may be; a gateway whose
        ``activeActive`` is unknown counts as the two tunnels it may terminate towards an external
        peer (:attr:`Contribution.unknown` says why), one whose ``vpnType`` is unknown as
        route-based (:attr:`Contribution.policy_unknown`) — so a rule reports "can't check" rather
        than a count or a shape the update may not have. A gateway reference that names no
        resource of the plan and is unknown is a gateway whose settings are unknown.
        """
        props, deps = res.props, res.property_dependencies
        why: str | None = None
        try:
            kind = str(get(props, "connectionType") or "IPsec").lower()
        except UnknownValue as exc:
            why = f"{res.name}.{exc}"
            if deps.get("localNetworkGateway2") or _present(props, "localNetworkGateway2"):
                kind = "ipsec"
            elif deps.get("virtualNetworkGateway2") or _present(props, "virtualNetworkGateway2"):
                kind = "vnet2vnet"
            else:
                return None  # no peer gateway: whatever it is, not a site-to-site VPN
        if kind not in ("ipsec", "vnet2vnet"):
            return None
        gateways = self.index.linked(res, "virtualNetworkGateway1", frozenset({AZ_GATEWAY}))
        # A gateway reference a preview cannot resolve is some gateway: its settings are unknown.
        unresolved = None if gateways else _unknown_at(props, "virtualNetworkGateway1", "id")

        def setting(key: str) -> tuple[Any, str | None]:
            """The gateway's ``key``, or why a preview cannot know it."""
            if not gateways:
                return None, None if unresolved is None else f"{res.name}.{unresolved}"
            try:
                return get(gateways[0].props, key), None
            except UnknownValue as exc:
                return None, f"{gateways[0].name}.{exc}"

        vpn_type, policy_unknown = setting("vpnType")  # unknown: route-based (Azure's default) meanwhile
        shape = {
            "policy_based": str(vpn_type or "").lower() == "policybased",
            "policy_unknown": policy_unknown,
            "unknown": why,
        }
        if kind == "vnet2vnet":
            resolve = functools.partial(self._resolve, res, "virtualNetworkGateway2")
            return self._contribution(res, resolve, 1, res.urn, **shape)
        locals_ = self.index.linked(res, "localNetworkGateway2", frozenset({AZ_LOCAL_GATEWAY}))
        if locals_:
            resolve = functools.partial(self._local_gateway_peer, locals_[0])
        else:
            resolve = functools.partial(self._resolve, res, "localNetworkGateway2")
        contribution = self._contribution(res, resolve, 1, res.urn, **shape)
        if contribution.remote_known and contribution.remote in self.site_vendor:
            return contribution  # one tunnel towards a resource of the plan, which counts its side
        active, doubt = setting("activeActive")
        if doubt is not None:  # counted as the two tunnels it may terminate: a shortfall is then certain
            return dataclasses.replace(contribution, tunnels=2, unknown=contribution.unknown or doubt)
        return dataclasses.replace(contribution, tunnels=2) if active is True else contribution

    @cached_property
    def link_doubts(self) -> list[LinkDoubt]:
        """Values unknown in this preview that may change the site graph (see :class:`LinkDoubt`)."""
        doubts = [
            LinkDoubt(c.urn, c.unknown, c.local, counted=c.remote_known, kind=c.kind)
            for c in self.contributions
            if c.unknown is not None
        ]
        return doubts + self._gateway_peers[1]

    def link_doubt(self, edge: Edge) -> LinkDoubt | None:
        """A doubt that may add tunnels to ``edge`` (a VPN at one of its ends whose peer is unknown)
        or make its external end another peer (an external gateway's unknown interfaces)."""
        sites = self.sites
        external = edge.a not in sites or edge.b not in sites
        for doubt in self.link_doubts:
            if doubt.counted or doubt.kind != edge.kind:
                continue
            if doubt.site in (edge.a, edge.b) or (doubt.site is None and external):
                return doubt
        return None

    @cached_property
    def _router_ports(self) -> dict[str, tuple[list[str], str | None]]:
        """Ports that forward addresses not their own (a router's), by URN → their security groups,
        and why that is not known (a port whose address pairs are unknown in a preview may be one)."""
        found: dict[str, tuple[list[str], str | None]] = {}
        for port in self.index.of_type(OS_PORT):
            why = None
            try:
                if not items(port.props, "allowedAddressPairs"):
                    continue
            except UnknownValue as exc:
                why = f"{port.name}.{exc}"
            groups = [g.urn for g in self.index.linked(port, "securityGroupIds", frozenset({OS_SECGROUP}))]
            found[port.urn] = (groups, why)
        return found

    @cached_property
    def _router_instances(self) -> dict[str, str | None]:
        """Instances on a router port whose security group admits IKE: VPN routers, not compute
        (→ ``None``; → why, when a value unknown in a preview leaves it open)."""
        groups = self._router_ike[1]
        found: dict[str, str | None] = {}
        for instance in self.index.of_type(OS_INSTANCE):
            for port in self.index.linked(instance, "networks", frozenset({OS_PORT})):
                port_groups, port_why = self._router_ports.get(port.urn, ([], None))
                for group in port_groups:
                    if group in groups:
                        _keep_surest(found, instance.urn, port_why or groups[group])
        return found

    @cached_property
    def _router_ike(self) -> tuple[list[tuple[Resource, str | None]], dict[str, str | None]]:
        """Security group rules admitting IKE from one address into a router port's group, and
        the groups that have them — each with why that is not known (``None``: known): a rule whose
        direction, protocol or ports are unknown in a preview may admit IKE, so it counts as the
        tunnel it may be, and says so."""
        router_groups: dict[str, str | None] = {}
        for port_groups, port_why in self._router_ports.values():
            for group in port_groups:
                _keep_surest(router_groups, group, port_why)
        rules: list[tuple[Resource, str | None]] = []
        groups: dict[str, str | None] = {}
        for rule in self.index.of_type(OS_SECGROUP_RULE):
            admits, why = _admits_ike(rule)
            if not admits:
                continue
            try:  # a peer's tunnel address is often known only after apply
                prefix = get(rule.props, "remoteIpPrefix")
            except UnknownValue:
                prefix = "/32"
            if not (isinstance(prefix, str) and prefix.endswith(("/32", "/128"))):
                continue
            sources = rule.property_dependencies.get("securityGroupId") or rule.dependencies
            mine = [g for g in sources if g in router_groups]
            if not mine:
                continue
            group_whys = [router_groups[g] for g in mine]
            rules.append((rule, why or (None if None in group_whys else group_whys[0])))
            for group in mine:
                _keep_surest(groups, group, why or router_groups[group])
        return rules, groups

    def _gcp_tunnel(self, res: Resource) -> Contribution:
        props = res.property_dependencies
        # A reference unknown in a preview is set (the update fills it in), never absent.
        classic = bool(props.get("targetVpnGateway")) or _present(res.props, "targetVpnGateway")
        if props.get("peerGcpGateway"):
            resolve = functools.partial(self._resolve, res, "peerGcpGateway")
        elif props.get("peerExternalGateway") or _present(res.props, "peerExternalGateway"):
            resolve = functools.partial(self._external_gateway_peer, res)
        else:
            resolve = functools.partial(self._resolve, res, "peerIp")
            classic = classic or not (props.get("vpnGateway") or _present(res.props, "vpnGateway"))
        return self._contribution(res, resolve, 1, res.urn, classic=classic)

    def _external_gateway_peer(self, res: Resource) -> str:
        """The peer an HA VPN tunnel reaches through its external gateway.

        Raises:
            UnknownValue: which interface, or its address, is not known in this preview and no
                other interface of the gateway (the same peer) has a known address.
        """
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
        try:
            interfaces = items(gateway.props, "interfaces")
        except UnknownValue as exc:
            raise UnknownValue([gateway.name, *exc.path.split(".")]) from None
        unknown: UnknownValue | None = None
        try:
            wanted = as_int(get(res.props, "peerExternalGatewayInterface")) or 0
        except UnknownValue as exc:
            wanted, unknown = -1, exc
        for interface in interfaces:
            try:
                if as_int(get(interface, "id")) != wanted and len(interfaces) != 1:
                    continue
                ip = _known_str(get(interface, "ipAddress"))
            except UnknownValue as exc:
                unknown = unknown or UnknownValue([gateway.name, "interfaces", *exc.path.split(".")])
                continue
            if ip:
                return self._peer_name(ip)
        if unknown is not None:
            # One gateway is one peer (its addresses are merged): any known address of it names it.
            for interface in interfaces:
                ip = _known_address(interface, "ipAddress")
                if ip:
                    return self._peer_name(ip)
            raise unknown
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
        """The site graph's edges; a contribution whose peer is unknown in this preview is in none
        (it is a :class:`LinkDoubt` of its site)."""
        sites = self.sites
        by_pair: dict[tuple[str, str, str], Edge] = {}
        paths: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for c in self.contributions:
            if c.local == c.remote or not c.remote_known:
                continue
            a, b = sorted((c.local, c.remote), key=lambda n: (n not in sites, n))  # sites first
            key = (a, b, c.kind)
            edge = by_pair.get(key)
            if edge is None:
                edge = by_pair[key] = Edge(a, b, c.kind, witness=c.urn)
            edge.classic = edge.classic or c.classic
            edge.policy_based = edge.policy_based or c.policy_based
            edge.policy_unknown = edge.policy_unknown or c.policy_unknown
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
                # It may be an address record of any name: kept with the vendor and targets it
                # would add, so each name can tell whether it might answer for it.
                entry = names.setdefault(
                    f"(unknown name of {res.name})", DnsName(f"(unknown name of {res.name})")
                )
                entry.records.append(res)
                entry.unknown = str(exc)
                entry.dns_vendors.add(self.index.vendor(res) or res.package)
                entry.services.add(DNS_SERVICES.get(res.type, res.package))
                self._record_targets(res, entry)
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
                relative, unknown = _known_str(get(profile.props, "dnsConfig", "relativeName")), None
            except UnknownValue as exc:
                # It may answer for any name: kept with the vendor and targets it would add.
                relative, unknown = None, str(exc)
            if unknown is None and not relative:
                continue
            name = (
                f"(unknown name of {profile.name})"
                if relative is None
                else f"{relative.rstrip('.').lower()}.{TM_DOMAIN}"
            )
            entry = names.setdefault(name, DnsName(name))
            entry.records.append(profile)
            entry.unknown = entry.unknown or unknown
            entry.dns_vendors.add("azure")
            entry.services.add(DNS_SERVICES[profile.type])
            self._link_targets(profile, ("endpoints",), entry, profiles=False)
            try:
                inline = items(profile.props, "endpoints")
            except UnknownValue as exc:
                entry.targets_unknown = entry.targets_unknown or f"{profile.name}.{exc}"
                inline = []
            for i, endpoint_props in enumerate(inline):
                self._endpoint_target(f"{profile.name}.endpoints.{i}", endpoint_props, entry)
            for endpoint in endpoints.get(profile.urn, ()):
                if not self._link_targets(endpoint, ("target", "targetResourceId"), entry, profiles=False):
                    self._endpoint_target(endpoint.name, endpoint.props, entry)
        return names

    def _endpoint_target(self, where: str, props: Any, entry: DnsName) -> None:
        """A Traffic Manager endpoint's literal ``target``; one a preview does not know (or an
        unknown ``targetResourceId`` in its place) is a target the update will tell."""
        try:
            target = get(props, "target")
            if not target:
                get(props, "targetResourceId")  # a resource the update names
        except UnknownValue as exc:
            entry.targets_unknown = entry.targets_unknown or f"{where}.{exc}"
            return
        self._literal_target(target, entry, profiles=False)

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
        literals: list[Any] = []
        for prop, key in _LITERAL_TARGETS:
            try:
                values = items(res.props, prop)
                literals += [get(value, key) for value in values] if key else values
            except UnknownValue as exc:  # a target the update will tell: not "no target"
                entry.targets_unknown = entry.targets_unknown or f"{res.name}.{exc}"
        try:
            literals.append(get(res.props, "cnameRecord", "cname"))
        except UnknownValue as exc:
            entry.targets_unknown = entry.targets_unknown or f"{res.name}.{exc}"
        for prop in ("targetResource", "trafficManagementProfile"):  # an alias record set's resource
            unknown = _unknown_at(res.props, prop, "id")
            if unknown is not None:
                entry.targets_unknown = entry.targets_unknown or f"{res.name}.{unknown}"
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
        Manager names, else an external target — which may be a resource address, or a profile's
        name, that a preview does not know yet (:attr:`DnsName.targets_unknown`)."""
        text = _known_str(value)
        if not text:
            return
        owners, unknown_address = self._addresses
        target = owners.get(text)
        if target is not None:
            entry.targets.append(target)
            return
        name = text.rstrip(".").lower()
        profile = self._traffic_manager.get(name) if profiles else None
        if profile is not None:
            self._answer_with(profile, entry)
            return
        entry.external_targets.add(text)
        if entry.targets_unknown is not None:
            return
        if unknown_address is not None and _is_ip(text):
            entry.targets_unknown = f"{text} may be the address of {unknown_address}"
        elif profiles and name.endswith(f".{TM_DOMAIN}"):
            maybe = next((tm for tm in self._traffic_manager.values() if tm.unknown), None)
            if maybe is not None:
                entry.targets_unknown = (
                    f"{text} may be Traffic Manager profile {maybe.records[0].name!r}'s name: {maybe.unknown}"
                )

    def _through_profile(self, profile: Resource, entry: DnsName) -> None:
        """A record that points at a Traffic Manager profile answers with its endpoints."""
        for tm in self._traffic_manager.values():
            if profile in tm.records:
                self._answer_with(tm, entry)

    @staticmethod
    def _answer_with(profile: DnsName, entry: DnsName) -> None:
        """``entry`` answers with a Traffic Manager profile's targets (and its doubts about them)."""
        entry.targets.extend(profile.targets)
        entry.external_targets |= profile.external_targets
        entry.targets_unknown = entry.targets_unknown or profile.targets_unknown

    @property
    def address_owner(self) -> dict[str, Resource]:
        """Literal addresses of the plan's own resources (to resolve a record written with an IP)."""
        return self._addresses[0]

    @cached_property
    def _addresses(self) -> tuple[dict[str, Resource], str | None]:
        """:attr:`address_owner`, and a resource address unknown in this preview (a literal IP of a
        record may be it) as ``"<name>, whose <prop> is not known until the update runs"``."""
        owners: dict[str, Resource] = {}
        unknown: str | None = None
        for type_, props in _ADDRESS_PROPS.items():
            for res in self.index.of_type(type_):
                for prop in props:
                    try:
                        ip = _known_str(get(res.props, prop))
                    except UnknownValue:
                        unknown = unknown or f"{res.name}, whose {prop} is not known until the update runs"
                        continue
                    if ip and _is_ip(ip):
                        owners.setdefault(ip, res)
        return owners, unknown

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
    AZ_SCALE_SET: "scale set",
    AZ_VM: "virtual machine",
}


def _spread(count: int, zones: list[str]) -> tuple[tuple[str, int], ...]:
    """``count`` over ``zones`` as evenly as the vendors balance (the first zones get the rest)."""
    zones = sorted(dict.fromkeys(zones)) or [UNSPECIFIED]
    base, extra = divmod(max(count, 0), len(zones))
    return tuple((zone, base + (1 if i < extra else 0)) for i, zone in enumerate(zones))


def _present(container: Any, *path: str | int) -> bool:
    """Whether a reference property is set. A value unknown in a preview is set: the update fills
    it in (reading it as absent would turn "unknown" into "missing")."""
    try:
        return bool(get(container, *path))
    except UnknownValue:
        return True


def _profile_minimum(profile: Any, i: int) -> int | None:
    """An autoscale profile's ``capacity.minimum``.

    Raises:
        UnknownValue: it is not known in this preview (the path names the profile).
    """
    try:
        return as_int(get(profile, "capacity", "minimum"))
    except UnknownValue as exc:
        raise UnknownValue(["profiles", i, *exc.path.split(".")]) from None


def _unknown_at(container: Any, *path: str | int) -> UnknownValue | None:
    """Why the value at ``path`` is not known in this preview (``None``: it is known, or absent)."""
    try:
        get(container, *path)
    except UnknownValue as exc:
        return exc
    return None


def _known_address(container: Any, *path: str | int) -> str | None:
    """The address at ``path`` when it is known (for picking *any* known address of a gateway)."""
    try:
        return _known_str(get(container, *path))
    except UnknownValue:
        return None


def _keep_surest(found: dict[str, str | None], key: str, why: str | None) -> None:
    """Record ``key`` with why it is in doubt, unless it is already recorded as certain (``None``)."""
    if key not in found or why is None:
        found[key] = why


def _admits_ike(rule: Resource) -> tuple[bool, str | None]:
    """Whether a security group rule admits IKE (UDP 500) inbound: (False, None) when a known value
    rules it out; (True, why) when what rules it out is not known in this preview."""
    why: str | None = None

    def read(key: str) -> tuple[Any, bool]:
        nonlocal why
        try:
            return get(rule.props, key), True
        except UnknownValue as exc:
            why = why or f"{rule.name}.{exc}"
            return None, False

    direction, known = read("direction")
    if known and direction != "ingress":
        return False, None
    protocol, known = read("protocol")
    if known and protocol != "udp":
        return False, None
    low, low_known = read("portRangeMin")
    high, high_known = read("portRangeMax")
    low, high = as_int(low), as_int(high)
    if (low_known and (low is None or low > IKE_PORT)) or (high_known and (high is None or high < IKE_PORT)):
        return False, None
    return True, why


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def placements_of(units: Iterable[Unit]) -> list[Placement]:
    return [p for unit in units if unit.unknown is None for p in unit.placements()]
