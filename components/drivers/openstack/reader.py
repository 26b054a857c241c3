"""The OpenStack policy reader: what the pack reads from pulumi-openstack resources (every
``openstack:`` token the pack judges is written here, once).

Compute is a Nova server (one host when its server group is an affinity group); a Neutron VPNaaS
site connection is one policy-based tunnel (connections to one peer address are one path). A VPN
router that runs on instances (skyweave's ``vpn: appliance``, or any hand-built one) keeps its
tunnels in its boot configuration, which is secret user data the pack cannot read; what the plan
does show is its security group admitting IKE (UDP 500) from each peer tunnel address, on ports
that forward other addresses (``allowedAddressPairs``). Each such opening counts as one tunnel
that router's site configures towards the peer the address comes from, and the router instances
are not counted as compute that serves. Literal addresses whose openings one component registered
into one security group (skyweave's VpnLink opening both devices of an on-prem site) are one peer,
as site connections sharing a peer endpoint group are; openings a program registers under the
stack itself stay a peer per address. Imports no provider SDK.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from ...policy.model import (
    UNSPECIFIED,
    Contribution,
    DnsName,
    IkeOffer,
    Ingress,
    LinkDoubt,
    UnionFind,
    group_number,
    is_ip,
    is_world,
    keep_surest,
    known_address,
    known_str,
    ports_admitted,
)
from ...policy.reading import Estate, Index, Reader
from ...policy.values import Finding, Resource, UnknownValue, as_int, cant_check, get, items

__all__ = ["OpenStackReader"]

INSTANCE = "openstack:compute/instance:Instance"
SERVER_GROUP = "openstack:compute/serverGroup:ServerGroup"
SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"
VPN_SERVICE = "openstack:vpnaas/service:Service"
PORT = "openstack:networking/port:Port"
SECGROUP = "openstack:networking/secGroup:SecGroup"
SECGROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
RECORD_SET = "openstack:dns/recordSet:RecordSet"
IKE_POLICY = "openstack:vpnaas/ikePolicy:IkePolicy"
IPSEC_POLICY = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"
CONTAINER = "openstack:objectstorage/container:Container"
LISTENER = "openstack:loadbalancer/listener:Listener"
L7_POLICY = "openstack:loadbalancer/l7PolicyV2:L7PolicyV2"
SUBNET = "openstack:networking/subnet:Subnet"
IKE_PORT = 500

MAGNUM = "openstack:containerinfra/cluster:Cluster"
MAGNUM_NODE_GROUP = "openstack:containerinfra/nodeGroup:NodeGroup"
#: Masters for an etcd quorum that survives losing one.
_QUORUM = 3


class OpenStackReader(Reader):
    vendor = "openstack"
    display_name = "OpenStack"
    packages = frozenset({"openstack"})
    compute = {INSTANCE: "server", MAGNUM: "Magnum cluster", MAGNUM_NODE_GROUP: "Magnum node group"}
    serving = frozenset(
        {
            "openstack:loadbalancer/loadBalancer:LoadBalancer",
            LISTENER,
            "openstack:loadbalancer/pool:Pool",
            "openstack:loadbalancer/member:Member",
            FLOATING_IP,
            "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
            PORT,
        }
    )
    addresses = {FLOATING_IP: ("address",), INSTANCE: ("accessIpV4",)}
    peer_sources = {
        "ipAddress": frozenset({VPN_SERVICE, "openstack:networking/router:Router"}),
        "peerAddress": frozenset({VPN_SERVICE}),
        "gatewayIpAddress": frozenset({VPN_SERVICE, FLOATING_IP}),
    }
    links = frozenset({SITE_CONNECTION})
    networks = frozenset({"openstack:networking/network:Network"})
    buckets = {CONTAINER: "Swift container"}
    dns_records = {RECORD_SET: "Designate"}
    ingress_types = frozenset({SECGROUP_RULE})
    ike_types = frozenset({IKE_POLICY, IPSEC_POLICY})
    exposure_types = frozenset({CONTAINER})
    stateful_types = frozenset({"openstack:blockstorage/volume:Volume", CONTAINER})
    topics = {
        "security-storage-versioned": frozenset({CONTAINER}),
        "security-no-plain-http-listeners": frozenset({LISTENER, L7_POLICY}),
        "addresses-no-overlap": frozenset({SUBNET}),
        "redundancy-kubernetes-cluster-zones": frozenset({MAGNUM}),
    }
    also_reads = frozenset({SERVER_GROUP, SECGROUP})

    # -- compute -----------------------------------------------------------------------------

    def capacity(self, estate: Estate, res: Resource) -> tuple[str, int, list[str]]:
        if res.type in (MAGNUM, MAGNUM_NODE_GROUP):  # its nodes (a cluster: its default node group)
            count = as_int(get(res.props, "nodeCount")) or 0
            zone = get(res.props, "labels", "availability_zone")
            kind = "Magnum cluster" if res.type == MAGNUM else "Magnum node group"
            return kind, count, [str(zone) if zone else UNSPECIFIED]
        zone = str(get(res.props, "availabilityZone") or UNSPECIFIED)
        for group in estate.index.linked(res, "schedulerHints", frozenset({SERVER_GROUP})):
            policies = [str(p).lower() for p in items(group.props, "policies")]
            if any(p in ("affinity", "soft-affinity") for p in policies):
                zone = f"{zone} (one host: affinity server group {group.name})"
                break
        return "server", 1, [zone]

    def not_compute(self, estate: Estate) -> Mapping[str, str | None]:
        """Instances on a router port whose security group admits IKE: VPN routers, not compute
        (→ ``None``; → why, when a value unknown in a preview leaves it open)."""
        routing = _Routers(estate)
        groups = routing.ike[1]
        found: dict[str, str | None] = {}
        for instance in estate.index.of_type(INSTANCE):
            for port in estate.index.linked(instance, "networks", frozenset({PORT})):
                port_groups, port_why = routing.ports.get(port.urn, ([], None))
                for group in port_groups:
                    if group in groups:
                        keep_surest(found, instance.urn, port_why or groups[group])
        return found

    # -- links -------------------------------------------------------------------------------

    def peer_groups(self, estate: Estate, peers: UnionFind) -> Iterator[LinkDoubt]:
        """Site connections that name one peer endpoint group (the peer network's ranges) reach one
        peer: the literal addresses they connect to are one node (an on-prem site's two devices)."""
        by_group: dict[str, list[str]] = {}
        for res in estate.index.of_type(SITE_CONNECTION):
            if res.property_dependencies.get("peerAddress"):
                continue  # its address comes from a resource of the plan: that resource's site
            sources = res.property_dependencies.get("peerEpGroupId") or ()
            group = sources[0] if sources else known_address(res.props, "peerEpGroupId")
            address = known_address(res.props, "peerAddress")
            if group and address and is_ip(address):
                by_group.setdefault(group, []).append(f"ip:{address}")
        # An instance-hosted router's IKE openings that one component registered into one security
        # group reach one peer (skyweave's appliance: a VpnLink opens both devices of its far site).
        for rule, _ in _Routers(estate).ike[0]:
            parent = estate.index.by_urn.get(rule.parent) if rule.parent else None
            if parent is None or parent.type.startswith("pulumi:"):
                continue  # the stack itself (a hand-written program): each address is its own peer
            address = (known_address(rule.props, "remoteIpPrefix") or "").split("/", 1)[0]
            if rule.property_dependencies.get("remoteIpPrefix") or not is_ip(address):
                continue  # its address comes from a resource of the plan: that resource's site
            group = ",".join(rule.property_dependencies.get("securityGroupId") or rule.dependencies)
            by_group.setdefault(f"{parent.urn}|{group}", []).append(f"ip:{address}")
        for members in by_group.values():
            for other in members[1:]:
                peers.union(members[0], other)
        return iter(())

    def contributions(self, estate: Estate) -> Iterator[Contribution]:
        for res in estate.index.of_type(SITE_CONNECTION):
            try:  # policy-based connections to one peer address are one path
                path, why = known_str(get(res.props, "peerAddress")) or res.urn, None
            except UnknownValue as exc:
                path, why = res.urn, f"{res.name}.{exc}"  # counted as a path of its own
            resolve = functools.partial(estate.resolve, res, "peerAddress")
            yield estate.contribution(res, resolve, 1, path, policy_based=True, unknown=why)
        for rule, why in _Routers(estate).ike[0]:
            try:
                prefix = known_str(get(rule.props, "remoteIpPrefix")) or ""
            except UnknownValue:
                prefix = ""  # then its property dependency says where it comes from, or nothing does
            literal = prefix.split("/", 1)[0] or None
            resolve = functools.partial(estate.resolve, rule, "remoteIpPrefix", literal)
            yield estate.contribution(rule, resolve, 1, rule.urn, hosted=True, unknown=why)

    # -- addresses ---------------------------------------------------------------------------

    def ranges(self, estate: Estate) -> Iterator[tuple[Resource, tuple[str | int, ...]] | Finding]:
        for res in estate.index.of_type(SUBNET):
            yield res, ("cidr",)

    # -- DNS ---------------------------------------------------------------------------------

    def record_name(self, estate: Estate, res: Resource) -> str:
        return str(get(res.props, "name") or "").strip().rstrip(".").lower()

    def record_targets(self, estate: Estate, res: Resource, entry: DnsName) -> None:
        if estate.link_targets(res, ("rrdatas", "routingPolicy", "records"), entry):
            return
        estate.literal_targets(res, entry, (("records", None),))

    # -- what the shared security rules judge ------------------------------------------------

    def ingress(self, res: Resource) -> Iterator[Ingress]:
        """An ingress rule's ports from its ``remoteIpPrefix`` (none, and no remote group: every
        address of its ether type)."""
        props = res.props
        if get(props, "direction") != "ingress":
            return
        prefix = get(props, "remoteIpPrefix")
        remote_group = get(props, "remoteGroupId") or get(props, "remoteAddressGroupId")
        if prefix is None and remote_group is None:
            prefix = "::/0" if get(props, "ethertype") == "IPv6" else "0.0.0.0/0"
        if is_world(prefix):
            ports = ports_admitted(
                get(props, "portRangeMin"), get(props, "portRangeMax"), get(props, "protocol")
            )
            yield Ingress("the rule", str(prefix), ports)

    def ike(self, res: Resource) -> Iterator[IkeOffer]:
        """An IKE policy's version, and either policy's auth algorithm and PFS group. Neutron
        VPNaaS defaults to IKEv1, ``sha1`` and PFS ``group5``, so unset is weak."""
        props = res.props
        if res.type == IKE_POLICY:
            version = get(props, "ikeVersion")
            yield IkeOffer(
                "version",
                "ikeVersion",
                None if version is None else (str(version),),
                unset="Neutron defaults to v1",
                single=True,
                shown=repr(version),
                advice="use 'v2'",
            )
        auth = get(props, "authAlgorithm")
        yield IkeOffer(
            "integrity",
            "authAlgorithm",
            None if auth is None else (str(auth),),
            unset="Neutron defaults to sha1",
            single=True,
            shown=repr(auth),
            advice="use sha256 or stronger",
        )
        pfs = get(props, "pfs")
        yield IkeOffer(
            "dh",
            "pfs",
            None if pfs is None else (str(pfs),),
            unset="Neutron defaults to group5",
            single=True,
            groups=(None if pfs is None else group_number(pfs),),
            shown=repr(pfs),
            advice="use group{min} or stronger",
        )

    def exposure(self, res: Resource) -> Iterator[str]:
        """A ``.r:*`` read ACL lets anyone read a container."""
        read = str(get(res.props, "containerRead") or "")
        if ".r:*" in read.replace(" ", ""):
            yield f"containerRead {read!r} lets anyone read it"

    def check_stack(self, topic: str, estate: Estate, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        """Swift containers keep object versions; an Octavia HTTP listener only redirects."""
        if topic == "security-storage-versioned":
            yield from _swift_versioned(estate.index)
        elif topic == "security-no-plain-http-listeners":
            yield from _plain_http(estate.index)
        elif topic == "redundancy-kubernetes-cluster-zones":
            yield from _magnum_masters(estate.index)


def _magnum_masters(index: Index) -> Iterator[Finding]:
    """A Magnum cluster with fewer than three masters: its etcd loses quorum with one of them (the
    zones of an OpenStack cloud are the operator's; its masters are what skyweave can count)."""
    for cluster in index.of_type(MAGNUM):
        try:
            masters = as_int(get(cluster.props, "masterCount"))
        except UnknownValue as exc:
            yield cant_check(cluster, exc)
            continue
        if masters is None or masters < _QUORUM:
            shown = "unset (Magnum then creates one)" if masters is None else str(masters)
            yield Finding(
                f"Magnum cluster {cluster.name!r} has masterCount {shown}: its control plane (etcd) does not "
                f"survive losing a master; set master_count={_QUORUM} with master_lb_enabled",
                cluster.urn,
            )


class _Routers:
    """The instance-hosted VPN routers of one estate (memoised on its index: read once per call)."""

    def __new__(cls, estate: Estate) -> _Routers:
        cached = estate.index.memo.get("openstack:routers")
        if cached is None:
            cached = estate.index.memo["openstack:routers"] = super().__new__(cls)
            cached.estate = estate
        assert isinstance(cached, _Routers)
        return cached

    estate: Estate

    @cached_property
    def ports(self) -> dict[str, tuple[list[str], str | None]]:
        """Ports that forward addresses not their own (a router's), by URN → their security groups,
        and why that is not known (a port whose address pairs are unknown in a preview may be one)."""
        index = self.estate.index
        found: dict[str, tuple[list[str], str | None]] = {}
        for port in index.of_type(PORT):
            why = None
            try:
                if not items(port.props, "allowedAddressPairs"):
                    continue
            except UnknownValue as exc:
                why = f"{port.name}.{exc}"
            groups = [g.urn for g in index.linked(port, "securityGroupIds", frozenset({SECGROUP}))]
            found[port.urn] = (groups, why)
        return found

    @cached_property
    def ike(self) -> tuple[list[tuple[Resource, str | None]], dict[str, str | None]]:
        """Security group rules admitting IKE from one address into a router port's group, and
        the groups that have them — each with why that is not known (``None``: known): a rule whose
        direction, protocol or ports are unknown in a preview may admit IKE, so it counts as the
        tunnel it may be, and says so."""
        router_groups: dict[str, str | None] = {}
        for port_groups, port_why in self.ports.values():
            for group in port_groups:
                keep_surest(router_groups, group, port_why)
        rules: list[tuple[Resource, str | None]] = []
        groups: dict[str, str | None] = {}
        for rule in self.estate.index.of_type(SECGROUP_RULE):
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
                keep_surest(groups, group, why or router_groups[group])
        return rules, groups


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


def _swift_versioned(index: Index) -> Iterator[Finding]:
    for container in index.of_type(CONTAINER):
        try:
            # `versioning` (Swift >= 2.24) or the legacy X-Versions-Location style.
            enabled = get(container.props, "versioning") is True or bool(
                get(container.props, "versioningLegacy")
            )
        except UnknownValue as exc:
            yield cant_check(container, exc)
            continue
        if not enabled:
            yield Finding(f"Swift container {container.name!r} is not versioned (versioning)", container.urn)


def _plain_http(index: Index) -> Iterator[Finding]:
    """An HTTP listener has an L7 policy redirecting to https://."""
    redirecting: set[str] = set()
    for policy in index.of_type(L7_POLICY):
        listeners = policy.property_dependencies.get("listenerId", policy.dependencies)
        try:
            action = str(get(policy.props, "action") or "").upper()
            target = str(get(policy.props, "redirectUrl") or get(policy.props, "redirectPrefix") or "")
        except UnknownValue as exc:
            # It may be the redirect its listener needs: it counts for the listener, and says it
            # cannot be checked yet (an unknown never becomes a mandatory finding; issue 16).
            yield cant_check(policy, exc)
            redirecting.update(listeners)
            continue
        if action in ("REDIRECT_TO_URL", "REDIRECT_PREFIX") and target.lower().startswith("https://"):
            redirecting.update(listeners)
    for res in index.of_type(LISTENER):
        try:
            protocol = str(get(res.props, "protocol") or "").upper()
        except UnknownValue as exc:
            yield cant_check(res, exc)
            continue
        if protocol == "HTTP" and res.urn not in redirecting:
            yield Finding(
                f"Octavia listener {res.name!r} serves plain HTTP: serve TERMINATED_HTTPS and redirect this "
                "listener to https:// with an L7 policy",
                res.urn,
            )
