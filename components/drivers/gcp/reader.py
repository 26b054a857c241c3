"""The GCP policy reader: what the pack reads from pulumi-gcp (and google-native) resources
(every ``gcp:`` token the pack judges is written here, once).

Compute is a managed instance group (its autoscaler's minimum, else ``targetSize``; a regional
one without zones spreads over three, GCP's default) or an instance; a VPN tunnel is one tunnel
— towards the HA VPN gateway it peers with, an external gateway's interface (the interfaces of
one external gateway are one peer), or a Classic VPN's peer address. Imports no provider SDK.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ...policy.model import (
    UNSPECIFIED,
    Contribution,
    DnsAnswer,
    DnsCheck,
    DnsName,
    IkeOffer,
    Ingress,
    LinkDoubt,
    UnionFind,
    group_number,
    is_true,
    is_world,
    known_address,
    known_str,
    ports_admitted,
    present,
    referent,
)
from ...policy.reading import Estate, Floor, Index, Reader
from ...policy.values import Finding, Resource, UnknownValue, as_int, cant_check, get, items

__all__ = ["GcpReader"]

#: A regional MIG without zones runs in three zones GCP picks: named by their order.
GCP_ZONE = "GCP zone"

REGIONAL_MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
ZONAL_MIG = "gcp:compute/instanceGroupManager:InstanceGroupManager"
INSTANCE = "gcp:compute/instance:Instance"
GKE = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
#: A zone's name: its region's and a letter (a GKE cluster located in one is zonal).
_ZONE_NAME = re.compile(r"[a-z]+-[a-z]+[0-9]+-[a-z]")
AUTOSCALERS = ("gcp:compute/regionAutoscaler:RegionAutoscaler", "gcp:compute/autoscaler:Autoscaler")
TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
HA_GATEWAY = "gcp:compute/haVpnGateway:HaVpnGateway"
CLASSIC_GATEWAY = "gcp:compute/vPNGateway:VPNGateway"
EXTERNAL_GATEWAY = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
PEERING = "gcp:compute/networkPeering:NetworkPeering"
NETWORK = "gcp:compute/network:Network"
RECORD_SET = "gcp:dns/recordSet:RecordSet"
HEALTH_CHECK = "gcp:compute/healthCheck:HealthCheck"
ADDRESSES = ("gcp:compute/address:Address", "gcp:compute/globalAddress:GlobalAddress")
SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"
ROUTER_INTERFACE = "gcp:compute/routerInterface:RouterInterface"
BUCKET = "gcp:storage/bucket:Bucket"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
FIREWALL = "gcp:compute/firewall:Firewall"
IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy"
ACCESS_CONTROLS = (
    "gcp:storage/bucketAccessControl:BucketAccessControl",
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
    "gcp:storage/objectAccessControl:ObjectAccessControl",
)
BUCKET_ACL = "gcp:storage/bucketACL:BucketACL"
CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"
_SSL_REQUIRED = frozenset({"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"})
TEMPLATES = (
    "gcp:compute/instanceTemplate:InstanceTemplate",
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
)
HTTP_PROXIES = (
    "gcp:compute/targetHttpProxy:TargetHttpProxy",
    "gcp:compute/regionTargetHttpProxy:RegionTargetHttpProxy",
)
URL_MAPS = frozenset({"gcp:compute/uRLMap:URLMap", "gcp:compute/regionUrlMap:RegionUrlMap"})
_REDUNDANCY_TUNNELS = {"FOUR_IPS_REDUNDANCY": 4, "TWO_IPS_REDUNDANCY": 2, "SINGLE_IP_INTERNALLY_REDUNDANT": 2}
_PUBLIC_MEMBERS = {"allusers", "allauthenticatedusers"}
_PUBLIC_ACLS = {"publicread", "publicreadwrite", "authenticatedread"}
_MIG = "managed instance group"


class GcpReader(Reader):
    vendor = "gcp"
    display_name = "GCP"
    packages = frozenset({"gcp", "google-native"})
    label_props = ("labels",)
    compute = {REGIONAL_MIG: _MIG, ZONAL_MIG: _MIG, INSTANCE: "instance", GKE_NODE_POOL: "GKE node pool"}
    serving = frozenset(
        {
            *ADDRESSES,
            "gcp:compute/forwardingRule:ForwardingRule",
            "gcp:compute/globalForwardingRule:GlobalForwardingRule",
            "gcp:compute/regionBackendService:RegionBackendService",
            "gcp:compute/backendService:BackendService",
            "gcp:compute/targetPool:TargetPool",
            "gcp:compute/targetInstance:TargetInstance",
            *HTTP_PROXIES,
            "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
            "gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy",
            *URL_MAPS,
            "gcp:compute/instanceGroup:InstanceGroup",
        }
    )
    addresses = dict.fromkeys(ADDRESSES, ("address",))
    peer_sources = {
        "ipAddress": frozenset({HA_GATEWAY}),
        "peerGcpGateway": frozenset({HA_GATEWAY}),
        "peerNetwork": frozenset({NETWORK}),
        "remoteIpPrefix": frozenset({HA_GATEWAY, CLASSIC_GATEWAY}),
        "gatewayIpAddress": frozenset({HA_GATEWAY}),
    }
    opaque_peers = frozenset({EXTERNAL_GATEWAY})
    links = frozenset({TUNNEL, PEERING})
    networks = frozenset({NETWORK})
    buckets = {BUCKET: "GCS bucket"}
    copiers = frozenset({"gcp:storage/transferJob:TransferJob"})
    dns_records = {RECORD_SET: "Cloud DNS"}
    ingress_types = frozenset({FIREWALL})
    ike_types = frozenset({TUNNEL})
    exposure_types = frozenset({IAM_MEMBER, IAM_BINDING, IAM_POLICY, *ACCESS_CONTROLS, BUCKET_ACL})
    stateful_types = frozenset(
        # A key holds data in effect: destroying it loses everything encrypted with it.
        {CLOUD_SQL, BUCKET, "gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk", CRYPTO_KEY}
    )
    public_address_types = frozenset({INSTANCE, *TEMPLATES})
    database_types = frozenset({CLOUD_SQL})
    topics = {
        "security-gcp-no-project-ssh-keys": frozenset({INSTANCE, *TEMPLATES}),
        "security-gcs-access-controlled": frozenset({BUCKET}),
        "security-kms-key-rotation": frozenset({CRYPTO_KEY}),
        "redundancy-databases-backed-up": frozenset({CLOUD_SQL}),
        "security-storage-versioned": frozenset({BUCKET}),
        "security-no-plain-http-listeners": frozenset({*HTTP_PROXIES, *URL_MAPS}),
        "redundancy-dns-health-checks": frozenset({RECORD_SET}),
        "redundancy-vpn-tunnels": frozenset({HA_GATEWAY, TUNNEL, EXTERNAL_GATEWAY}),
        "addresses-no-overlap": frozenset({SUBNETWORK}),
        "addresses-tunnel-inside-cidrs": frozenset({ROUTER_INTERFACE}),
        "redundancy-kubernetes-cluster-zones": frozenset({GKE, GKE_NODE_POOL}),
        "security-kubernetes-api-not-public": frozenset({GKE}),
        "security-kubernetes-secrets-encrypted": frozenset({GKE}),
    }
    also_reads = frozenset({*AUTOSCALERS, HEALTH_CHECK})

    # -- compute -----------------------------------------------------------------------------

    def capacity(self, estate: Estate, res: Resource) -> tuple[str, int, list[str]]:
        props = res.props
        if res.type == INSTANCE:
            return "instance", 1, [str(get(props, "zone") or UNSPECIFIED)]
        if res.type == GKE_NODE_POOL:
            zones = _pool_zones(estate, res)
            per_zone = as_int(get(props, "nodeCount"))
            if per_zone is None:
                per_zone = as_int(get(props, "autoscaling", "minNodeCount"))
            if per_zone is None:
                per_zone = as_int(get(props, "initialNodeCount")) or 0
            # node_count is per zone of the pool (the SDK: "The number of nodes per instance group")
            return "GKE node pool", per_zone * len(zones), zones
        count = estate.autoscaled_floor(res)  # raises when the autoscaler's floor is unknown
        if count is None:
            count = as_int(get(props, "targetSize")) or 0
        if res.type == ZONAL_MIG:
            return _MIG, count, [str(get(props, "zone") or UNSPECIFIED)]
        zones = [str(z) for z in items(props, "distributionPolicyZones")]
        # Without zones a regional MIG spreads over three zones of its region (GCP's default).
        return _MIG, count, zones or [f"{GCP_ZONE} {n}" for n in (1, 2, 3)]

    def floors(self, estate: Estate) -> Iterator[tuple[str, Floor]]:
        """Each autoscaler's ``minReplicas`` for the group it targets."""
        for scaler in estate.index.of_type(*AUTOSCALERS):
            floor: Floor
            try:
                floor = as_int(get(scaler.props, "autoscalingPolicy", "minReplicas"))
            except UnknownValue as exc:
                floor = (scaler.name, exc.path)
            for urn in scaler.property_dependencies.get("target") or scaler.dependencies:
                yield urn, floor

    # -- links -------------------------------------------------------------------------------

    def contributions(self, estate: Estate) -> Iterator[Contribution]:
        for res in estate.index.of_type(TUNNEL):
            yield self._tunnel(estate, res)
        for res in estate.index.of_type(PEERING):
            yield estate.peering(res, "network", "peerNetwork")

    def _tunnel(self, estate: Estate, res: Resource) -> Contribution:
        props = res.property_dependencies
        # A reference unknown in a preview is set (the update fills it in), never absent.
        classic = bool(props.get("targetVpnGateway")) or present(res.props, "targetVpnGateway")
        if props.get("peerGcpGateway"):
            resolve = functools.partial(estate.resolve, res, "peerGcpGateway")
        elif props.get("peerExternalGateway") or present(res.props, "peerExternalGateway"):
            resolve = functools.partial(self._external_gateway_peer, estate, res)
        else:
            resolve = functools.partial(estate.resolve, res, "peerIp")
            classic = classic or not (props.get("vpnGateway") or present(res.props, "vpnGateway"))
        return estate.contribution(res, resolve, 1, res.urn, classic=classic)

    @staticmethod
    def _external_gateway_peer(estate: Estate, res: Resource) -> str:
        """The peer an HA VPN tunnel reaches through its external gateway.

        Raises:
            UnknownValue: which interface, or its address, is not known in this preview and no
                other interface of the gateway (the same peer) has a known address.
        """
        gateways = estate.index.linked(res, "peerExternalGateway", frozenset({EXTERNAL_GATEWAY}))
        if not gateways:
            return estate.resolve(res, "peerExternalGateway")
        gateway = gateways[0]
        for urn in gateway.property_dependencies.get("interfaces", ()):
            target = estate.index.by_urn.get(urn)
            if target is None:
                return f"{urn.rsplit('::', 1)[-1]} (not in this plan)"
            return estate.node(target)
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
                ip = known_str(get(interface, "ipAddress"))
            except UnknownValue as exc:
                unknown = unknown or UnknownValue([gateway.name, "interfaces", *exc.path.split(".")])
                continue
            if ip:
                return estate.peer_name(ip)
        if unknown is not None:
            # One gateway is one peer (its addresses are merged): any known address of it names it.
            for interface in interfaces:
                ip = known_address(interface, "ipAddress")
                if ip:
                    return estate.peer_name(ip)
            raise unknown
        return f"the peer of {gateway.name} (address not known)"

    def peer_groups(self, estate: Estate, peers: UnionFind) -> Iterator[LinkDoubt]:
        """An external gateway's interfaces are one peer; unknown interfaces may merge others."""
        for gateway in estate.index.of_type(EXTERNAL_GATEWAY):
            addresses = []
            try:
                interfaces = items(gateway.props, "interfaces")
            except UnknownValue as exc:
                yield LinkDoubt(gateway.urn, f"{gateway.name}.{exc}", None)
                continue
            for interface in interfaces:
                try:
                    ip = known_str(get(interface, "ipAddress"))
                except UnknownValue as exc:
                    yield LinkDoubt(gateway.urn, f"{gateway.name}.interfaces.{exc}", None)
                    continue
                if ip:
                    addresses.append(f"ip:{ip}")
            for a in addresses[1:]:
                peers.union(addresses[0], a)

    # -- addresses ---------------------------------------------------------------------------

    def ranges(self, estate: Estate) -> Iterator[tuple[Resource, tuple[str | int, ...]] | Finding]:
        """Subnetworks and their secondary ranges."""
        for res in estate.index.of_type(SUBNETWORK):
            yield res, ("ipCidrRange",)
            try:
                secondaries = items(res.props, "secondaryIpRanges")
            except UnknownValue as exc:
                yield cant_check(res, exc)
                secondaries = []
            for i in range(len(secondaries)):
                yield res, ("secondaryIpRanges", i, "ipCidrRange")

    def inside_cidrs(self, estate: Estate) -> Iterator[tuple[tuple[str, ...], Resource, str, Any] | Finding]:
        """Each Cloud Router interface's ``ipRange`` (a host address with its prefix), unique
        among the interfaces of its Cloud Router (a router by name, project and region)."""
        for res in estate.index.of_type(ROUTER_INTERFACE):
            try:
                value = get(res.props, "ipRange")
                router = referent(res, "router")
                project = referent(res, "project") or "the provider's project"
                region = referent(res, "region") or "the provider's region"
            except UnknownValue as exc:
                yield cant_check(res, exc)
                continue
            scope = (
                f"Cloud Router {router} ({project}, {region})" if router else f"router interface {res.name}"
            )
            yield (scope,), res, "ipRange", value

    # -- DNS ---------------------------------------------------------------------------------

    def record_name(self, estate: Estate, res: Resource) -> str:
        return str(get(res.props, "name") or "").strip().rstrip(".").lower()

    def record_targets(self, estate: Estate, res: Resource, entry: DnsName) -> None:
        if estate.link_targets(res, ("rrdatas", "routingPolicy", "records"), entry):
            # beside the linked load balancers, an address written out may be a front door outside
            # the plan (a vSphere site's ingress_ip): it reaches the compute behind it
            try:
                policy = get(res.props, "routingPolicy") or {}
            except UnknownValue:  # nothing written out that a preview could read
                return
            for wrr in policy.get("wrrs") or [] if isinstance(policy, dict) else []:
                for value in wrr.get("rrdatas") or [] if isinstance(wrr, dict) else []:
                    estate.front_door_target(value, entry)
            return
        estate.literal_targets(res, entry, (("rrdatas", None),))

    def dns_answers(self, estate: Estate, res: Resource) -> list[DnsAnswer] | None:
        """A Cloud DNS record set: one answer per weighted item of its routing policy (or its
        ``rrdatas``), health checked by the policy's global health check where the item has
        health-checked targets. Geo and primary-backup policies are not described (``None``)."""
        kind, ttl = self.record_kind(res), as_int(get(res.props, "ttl"))
        policy = get(res.props, "routingPolicy")
        if policy and (get(policy, "geos") or get(policy, "primaryBackup")):
            return None
        if not policy:
            targets = tuple(sorted(str(r) for r in items(res.props, "rrdatas")))
            return [DnsAnswer(kind, ttl, "simple", None, targets, None)]
        check = None
        if get(policy, "healthCheck"):
            for found in estate.index.linked(res, "routingPolicy", frozenset({HEALTH_CHECK})):
                check = _dns_check(found)
        answers = []
        for item in items(policy, "wrrs"):
            checked = bool(items(item, "healthCheckedTargets", "externalEndpoints"))
            targets = tuple(sorted(str(r) for r in items(item, "rrdatas")))
            weight = float(get(item, "weight") or 0)
            answers.append(DnsAnswer(kind, ttl, "weighted", weight, targets, check if checked else None))
        return answers

    # -- what the shared security rules judge ------------------------------------------------

    def ingress(self, res: Resource) -> Iterator[Ingress]:
        """An enabled ingress firewall's ``allows`` per source range. GCP applies an ingress rule
        without any source to every IPv4 source (hashicorp/terraform-provider-google#6789:
        "source_ranges defaults to 0.0.0.0/0")."""
        props = res.props
        if str(get(props, "direction", default="INGRESS")).upper() != "INGRESS" or get(props, "disabled"):
            return
        sources = items(props, "sourceRanges")
        if not sources and not items(props, "sourceTags") and not items(props, "sourceServiceAccounts"):
            sources = ["0.0.0.0/0"]
        for cidr in filter(is_world, sources):
            for i, allow in enumerate(items(props, "allows")):
                protocol = get(allow, "protocol")
                ranges = _firewall_ports(allow)
                if ranges is None:
                    admitted = ports_admitted(None, None, protocol)
                elif str(protocol).lower() in {"tcp", "udp", "sctp", "all"}:
                    admitted = tuple(ranges)
                else:
                    admitted = ()
                yield Ingress(f"allows[{i}]", cidr, admitted)

    def ike(self, res: Resource) -> Iterator[IkeOffer]:
        """The tunnel's IKE version (GCP defaults to IKEv2) and, when it narrows GCP's defaults
        with an explicit cipher suite, what that suite re-admits."""
        props = res.props
        version = get(props, "ikeVersion")
        if version is not None:
            number = str(as_int(version))
            yield IkeOffer("version", "ikeVersion", (number,), single=True, shown=number, advice="use IKEv2")
        for suite_phase, groups_key in (("phase1", "dhs"), ("phase2", "pfs")):
            integrities = tuple(str(v) for v in items(props, "cipherSuite", suite_phase, "integrities"))
            yield IkeOffer("integrity", f"cipherSuite.{suite_phase}.integrities", integrities)
            raw = tuple(str(g) for g in items(props, "cipherSuite", suite_phase, groups_key))
            groups = tuple(group_number(g) for g in raw)
            yield IkeOffer("dh", f"cipherSuite.{suite_phase}.{groups_key}", raw, groups=groups)

    def exposure(self, res: Resource) -> Iterator[str]:
        """An ``allUsers`` / ``allAuthenticatedUsers`` binding, access control or ACL entry."""
        props = res.props
        if res.type == IAM_MEMBER:
            member = str(get(props, "member") or "")
            if member.lower() in _PUBLIC_MEMBERS:
                yield f"grants {get(props, 'role')} to {member}"
        elif res.type == IAM_BINDING:
            public = [str(m) for m in items(props, "members") if str(m).lower() in _PUBLIC_MEMBERS]
            if public:
                yield f"grants {get(props, 'role')} to {', '.join(public)}"
        elif res.type == IAM_POLICY:
            yield from _public_policy_data(get(props, "policyData"))
        elif res.type in ACCESS_CONTROLS:
            entity = str(get(props, "entity") or "")
            if entity.lower() in _PUBLIC_MEMBERS:
                yield f"entity {entity} gets {get(props, 'role')}"
        else:
            predefined = str(get(props, "predefinedAcl") or "")
            if predefined.lower() in _PUBLIC_ACLS:
                yield f"predefinedAcl is {predefined!r}"
            for entry in items(props, "roleEntities"):
                if str(entry).split(":", 1)[-1].lower() in _PUBLIC_MEMBERS:
                    yield f"roleEntities grants {entry}"

    def public_addresses(self, res: Resource) -> Iterator[str]:
        for i, nic in enumerate(items(res.props, "networkInterfaces")):
            if items(nic, "accessConfigs"):
                yield (
                    f"networkInterfaces[{i}].accessConfigs gives it an external IP; leave it empty and use a "
                    "load balancer or Cloud NAT"
                )

    def databases(self, res: Resource) -> Iterator[str]:
        """Cloud SQL: no authorised network that is the whole internet, no public address (an
        unset ``ipv4Enabled`` without a ``privateNetwork`` leaves only a public one: the SDK's "at
        least ipv4_enabled must be enabled or a private_network must be configured") and TLS
        required (``sslMode`` ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED; the API's
        default, ALLOW_UNENCRYPTED_AND_ENCRYPTED, accepts plain connections)."""
        at = "settings.ipConfiguration"
        for i, network in enumerate(items(res.props, "settings", "ipConfiguration", "authorizedNetworks")):
            value = get(network, "value")
            if is_world(str(value)):
                yield f"{at}.authorizedNetworks[{i}] is {value}: the world"
        ipv4 = get(res.props, "settings", "ipConfiguration", "ipv4Enabled")
        if ipv4 is True:
            yield f"{at}.ipv4Enabled is true: the instance has a public address; use privateNetwork"
        elif ipv4 is None and not get(res.props, "settings", "ipConfiguration", "privateNetwork"):
            yield (
                f"{at}.ipv4Enabled is unset and there is no privateNetwork, so the instance gets a public "
                "address; set ipv4Enabled false and a privateNetwork"
            )
        ssl = get(res.props, "settings", "ipConfiguration", "sslMode")
        if ssl not in _SSL_REQUIRED:
            shown = "unset (Cloud SQL then accepts unencrypted connections)" if ssl is None else repr(ssl)
            yield f"{at}.sslMode is {shown}; set it to 'ENCRYPTED_ONLY'"

    def check(self, topic: str, res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
        """Project-wide SSH keys blocked on instances and templates; uniform bucket-level access
        and enforced public access prevention on buckets."""
        if topic == "security-kubernetes-api-not-public":
            yield from _gke_api(res)
            return
        if topic == "security-kubernetes-secrets-encrypted":
            yield from _gke_secrets(res)
            return
        if topic == "security-kms-key-rotation":
            yield from _rotation(res, int(cfg["maxRotationDays"]))
        elif topic == "redundancy-databases-backed-up":
            if get(res.props, "masterInstanceName"):
                return  # a read replica: its primary's backups hold the data
            enabled = get(res.props, "settings", "backupConfiguration", "enabled")
            if enabled is not True:
                shown = (
                    "unset (Cloud SQL then takes no automated backups)" if enabled is None else repr(enabled)
                )
                yield f"settings.backupConfiguration.enabled is {shown}; set it to true"
        elif topic == "security-gcp-no-project-ssh-keys":
            value = get(res.props, "metadata", "block-project-ssh-keys")
            if not is_true(value):
                shown = "unset (GCP then accepts every project-wide key)" if value is None else repr(value)
                yield f"metadata.block-project-ssh-keys is {shown}; set it to 'TRUE'"
        elif topic == "security-gcs-access-controlled":
            if get(res.props, "uniformBucketLevelAccess") is not True:
                yield (
                    "uniformBucketLevelAccess is not true, so per-object ACLs can grant access the bucket's "
                    "IAM policy does not show"
                )
            prevention = get(res.props, "publicAccessPrevention")
            if prevention != "enforced":
                shown = (
                    "unset ('inherited' from the organisation policy)"
                    if prevention is None
                    else repr(prevention)
                )
                yield f"publicAccessPrevention is {shown}; set it to 'enforced'"

    def check_stack(self, topic: str, estate: Estate, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        """GCS versioning; HTTP proxies that only redirect; routing policies with health-checked
        targets; plain HA VPN gateways with a tunnel per interface their peer offers."""
        index = estate.index
        if topic == "security-storage-versioned":
            yield from _gcs_versioned(index)
        elif topic == "security-no-plain-http-listeners":
            yield from _plain_http(index)
        elif topic == "redundancy-dns-health-checks":
            yield from _dns_health_checks(index)
        elif topic == "redundancy-vpn-tunnels":
            yield from _check_ha_vpn(index, cfg)
        elif topic == "redundancy-kubernetes-cluster-zones":
            yield from _gke_zones(estate)


def _gke_secrets(res: Resource) -> Iterator[str]:
    """Application-layer secrets encryption (the SDK's ``databaseEncryption``: ``state``
    "`ENCRYPTED` or `DECRYPTED`", ``keyName`` "the key to use to encrypt/decrypt secrets")."""
    state = get(res.props, "databaseEncryption", "state")
    if state == "ENCRYPTED" and get(res.props, "databaseEncryption", "keyName"):
        return
    shown = "unset" if state is None else repr(state)
    yield (
        f"databaseEncryption.state is {shown}: Kubernetes secrets are encrypted at rest with Google's key "
        "only; encrypt them at the application layer with a Cloud KMS key of your own (state ENCRYPTED, "
        "keyName)"
    )


def _gke_api(res: Resource) -> Iterator[str]:
    """A GKE control plane's public endpoint (on unless the cluster is private with a private
    endpoint, or its IP endpoints' public one is off) admits only master authorized networks; with
    none listed, or 0.0.0.0/0 among them, it answers the whole internet."""
    props = res.props
    if get(props, "privateClusterConfig", "enablePrivateEndpoint") is True:
        return
    if get(props, "controlPlaneEndpointsConfig", "ipEndpointsConfig", "enablePublicEndpoint") is False:
        return
    config = get(props, "masterAuthorizedNetworksConfig")
    cidrs = [str(get(b, "cidrBlock")) for b in items(props, "masterAuthorizedNetworksConfig", "cidrBlocks")]
    world = [c for c in cidrs if is_world(c)]
    if config is not None and cidrs and not world:
        return
    why = f"admits {', '.join(world)}" if world else "lists no network (masterAuthorizedNetworksConfig)"
    yield (
        f"the control plane's public endpoint {why}: the Kubernetes API answers the whole internet; "
        "list the estate's ranges as master authorized networks, or make the endpoint private"
    )


def _pool_zones(estate: Estate, pool: Resource) -> list[str]:
    """A node pool's zones: its own ``nodeLocations``, else its cluster's, else the zone it is
    located in, else (a regional pool of a regional cluster) three of the region's."""
    zones = [str(z) for z in items(pool.props, "nodeLocations")]
    for cluster in [] if zones else estate.index.linked(pool, "cluster", frozenset({GKE})):
        zones = [str(z) for z in items(cluster.props, "nodeLocations")]
        location = str(get(cluster.props, "location") or "")
        zones = zones or ([location] if _ZONE_NAME.fullmatch(location) else [])
    location = str(get(pool.props, "location") or "")
    return zones or ([location] if _ZONE_NAME.fullmatch(location) else [f"{GCP_ZONE} {n}" for n in (1, 2, 3)])


def _gke_zones(estate: Estate) -> Iterator[Finding]:
    """A zonal GKE cluster (one control plane in one zone; it cannot become regional later), and a
    cluster whose node pools, together, are in one zone."""
    pools: dict[str, list[Resource]] = {}
    for pool in estate.index.of_type(GKE_NODE_POOL):
        for cluster in estate.index.linked(pool, "cluster", frozenset({GKE})):
            pools.setdefault(cluster.urn, []).append(pool)
    for cluster in estate.index.of_type(GKE):
        try:
            location = str(get(cluster.props, "location") or "")
            zones = {z for pool in pools.get(cluster.urn, []) for z in _pool_zones(estate, pool)}
        except UnknownValue as exc:
            yield cant_check(cluster, exc)
            continue
        if _ZONE_NAME.fullmatch(location):
            yield Finding(
                f"GKE cluster {cluster.name!r} is zonal (location {location}): its one control plane is "
                "lost with that zone, and a zonal cluster cannot become regional; create it with its "
                "region as location",
                cluster.urn,
            )
        if pools.get(cluster.urn) and len(zones) < 2:
            yield Finding(
                f"GKE cluster {cluster.name!r} has its nodes in {', '.join(sorted(zones))} only: losing that "
                "zone loses every node; give its node pools two zones or more",
                cluster.urn,
            )


def _rotation(res: Resource, max_days: int) -> Iterator[str]:
    """``rotationPeriod`` (the SDK: "a decimal number with up to 9 fractional digits, followed by
    the letter `s`"): unset, the key never gets a new version."""
    period = get(res.props, "rotationPeriod")
    if period is None:
        yield f"rotationPeriod is unset: the key never rotates; set it to at most {max_days} days"
        return
    text = str(period).strip()
    try:
        seconds = float(text.removesuffix("s"))
    except ValueError:
        return  # not the API's format: the provider refuses it before anything is created
    if not text.endswith("s"):
        return
    if seconds > max_days * 86400:
        yield f"rotationPeriod is {text!r} ({seconds / 86400:g} days); at most {max_days} days"


def _public_policy_data(data: Any) -> Iterator[str]:
    try:
        bindings = json.loads(data).get("bindings", []) if isinstance(data, str) else []
    except (ValueError, AttributeError):
        bindings = []
    for binding in bindings if isinstance(bindings, list) else []:
        members = binding.get("members", []) if isinstance(binding, Mapping) else []
        public = [m for m in members if isinstance(m, str) and m.lower() in _PUBLIC_MEMBERS]
        if public:
            yield f"policyData grants {binding.get('role')} to {', '.join(public)}"


def _firewall_ports(spec: Any) -> list[tuple[int, int]] | None:
    """``allows[].ports``: ``["22", "8000-8080"]``; ``None`` means every port."""
    ports = items(spec, "ports")
    if not ports:
        return None
    ranges = []
    for port in ports:
        low, _, high = str(port).partition("-")
        lo, hi = as_int(low), as_int(high or low)
        if lo is not None and hi is not None:
            ranges.append((lo, hi))
    return ranges


def _gcs_versioned(index: Index) -> Iterator[Finding]:
    for bucket in index.of_type(BUCKET):
        try:
            enabled = get(bucket.props, "versioning", "enabled")
        except UnknownValue as exc:
            yield cant_check(bucket, exc)
            continue
        if enabled is not True:
            yield Finding(f"GCS bucket {bucket.name!r} is not versioned (versioning.enabled)", bucket.urn)


def _plain_http(index: Index) -> Iterator[Finding]:
    """A target HTTP proxy only redirects to HTTPS (its URL map's httpsRedirect)."""
    for res in index.of_type(*HTTP_PROXIES):
        maps = index.linked(res, "urlMap", URL_MAPS)
        try:
            if maps and all(get(m.props, "defaultUrlRedirect", "httpsRedirect") is True for m in maps):
                continue
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        yield Finding(
            f"target HTTP proxy {res.name!r} serves plain HTTP: serve HTTPS (a target HTTPS proxy) and give "
            "this proxy a URL map whose defaultUrlRedirect has httpsRedirect = true",
            res.urn,
        )


def _dns_health_checks(index: Index) -> Iterator[Finding]:
    """A record set's routing policy has health-checked targets."""
    for res in index.of_type(RECORD_SET):
        try:
            policy = get(res.props, "routingPolicy")
            if not policy:
                continue
            checked = bool(get(policy, "healthCheck")) or bool(get(policy, "primaryBackup"))
            targets = [*items(policy, "wrrs"), *items(policy, "geos")]
            if targets and all(get(t, "healthCheckedTargets") for t in targets):
                checked = True
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        if not checked:
            yield Finding(
                f"Cloud DNS record set {res.name!r} has a routing policy without health-checked targets",
                res.urn,
            )


def _check_ha_vpn(index: Index, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """Plain GCP HA VPN gateways: enough tunnels for the shape of the peer they connect to."""
    minimum = int(cfg["minTunnels"])
    gateways = index.of_type(HA_GATEWAY)
    if not gateways:
        return
    tunnels: dict[str, int] = defaultdict(int)
    needed: dict[str, int] = defaultdict(lambda: minimum)
    unknown_shape: dict[str, str] = {}  # gateway → a peer whose shape a preview cannot know
    for tunnel in index.of_type(TUNNEL):
        for gateway in index.linked(tunnel, "vpnGateway", frozenset({HA_GATEWAY})):
            tunnels[gateway.urn] += 1
            for peer in index.linked(tunnel, "peerExternalGateway", frozenset({EXTERNAL_GATEWAY})):
                try:
                    shape = str(get(peer.props, "redundancyType") or "")
                except UnknownValue as exc:
                    unknown_shape.setdefault(gateway.urn, f"{peer.name}.{exc}")
                    continue
                needed[gateway.urn] = max(needed[gateway.urn], _REDUNDANCY_TUNNELS.get(shape, minimum))
    most = max(minimum, *_REDUNDANCY_TUNNELS.values())
    for gateway in gateways:
        have, need = tunnels[gateway.urn], needed[gateway.urn]
        if have < need:  # an unknown peer shape could only need more
            yield Finding(
                f"HA VPN gateway {gateway.name!r} has {have} tunnel(s); its peers need {need} "
                "(one per interface pair, four for a FOUR_IPS_REDUNDANCY peer such as AWS)",
                gateway.urn,
            )
        elif gateway.urn in unknown_shape and have < most:
            yield Finding(
                f"can't check {gateway.urn} during preview: HA VPN gateway {gateway.name!r} has {have} "
                f"tunnel(s), and how many its peer needs is not known: {unknown_shape[gateway.urn]}",
                gateway.urn,
                unknown=True,
            )


def _dns_check(res: Resource) -> DnsCheck:
    """A global health check as DNS uses it: its HTTP(S)/TCP probe, interval and threshold."""
    for key, protocol in (
        ("httpsHealthCheck", "HTTPS"),
        ("httpHealthCheck", "HTTP"),
        ("tcpHealthCheck", "TCP"),
    ):
        probe = get(res.props, key)
        if probe:
            port = as_int(get(probe, "port")) or 0
            path = str(get(probe, "requestPath") or ("" if protocol == "TCP" else "/"))
            break
    else:
        protocol, port, path = "", 0, ""
    return DnsCheck(
        protocol=protocol,
        port=port,
        path=path,
        interval=as_int(get(res.props, "checkIntervalSec")) or 5,
        failure_threshold=as_int(get(res.props, "unhealthyThreshold")) or 2,
    )
