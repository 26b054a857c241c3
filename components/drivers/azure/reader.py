"""The Azure policy reader: what the pack reads from pulumi-azure-native resources (every
``azure-native:`` token the pack judges is written here, once).

Compute is a VM scale set (its autoscale setting's smallest minimum, else ``sku.capacity``, over
its ``zones``; without zones Azure picks fault domains, not zones) or a VM. An IPsec connection
names a local network gateway, whose address (``gatewayIpAddress``) comes from the far end's
resource — an AWS tunnel, a GCP HA VPN interface, an appliance's floating IP — or is a device's
literal address: the local gateway stands for that peer. Towards a resource of the plan the
connection is one tunnel (each far end peers with one gateway instance per address, and counts
its own side); towards an external peer both instances of an active-active gateway terminate it
("two IPsec tunnels, one from each instance", Microsoft's active-active topologies), so it is two.
A Traffic Manager profile answers for ``<dnsConfig.relativeName>.trafficmanager.net`` with its
endpoints' targets. Imports no provider SDK.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ...policy.model import (
    UNSPECIFIED,
    Contribution,
    DnsName,
    IkeOffer,
    Ingress,
    Unit,
    is_world,
    known_str,
    present,
    spread,
    unknown_at,
)
from ...policy.reading import Estate, Floor, Index, Reader
from ...policy.values import Finding, Resource, UnknownValue, as_int, cant_check, get, items

__all__ = ["AzureReader"]

SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
VM = "azure-native:compute:VirtualMachine"
AKS = "azure-native:containerservice:ManagedCluster"
#: AKS tiers with an SLA (the SDK's ManagedClusterSKUTier: Free has none).
_PAID_TIERS = frozenset({"standard", "premium"})
#: Azure Monitor autoscale settings (``insights`` is the module's name before pulumi-azure-native 3).
AUTOSCALE = ("azure-native:monitor:AutoscaleSetting", "azure-native:insights:AutoscaleSetting")
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
LOCAL_GATEWAY = "azure-native:network:LocalNetworkGateway"
PEERING = "azure-native:network:VirtualNetworkPeering"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
RECORD_SET = "azure-native:dns:RecordSet"
#: Traffic Manager (``network`` is the module's name before pulumi-azure-native 3).
TM_PROFILES = ("azure-native:trafficmanager:Profile", "azure-native:network:Profile")
TM_ENDPOINTS = ("azure-native:trafficmanager:Endpoint", "azure-native:network:Endpoint")
TM_DOMAIN = "trafficmanager.net"
NSG = "azure-native:network:NetworkSecurityGroup"
NSG_RULE = "azure-native:network:SecurityRule"
SYNAPSE_FIREWALL = "azure-native:synapse:IpFirewallRule"
NIC = "azure-native:network:NetworkInterface"
#: Firewall rules that admit an IPv4 range to a service, and the ports that service answers on: a
#: Synapse workspace its SQL endpoints (1433) and web endpoints (443), Azure SQL 1433, the
#: PostgreSQL and MySQL/MariaDB servers their own ports (checkov CKV_AZURE_11 judges the last four).
IP_FIREWALLS: dict[str, tuple[tuple[int, int], ...]] = {
    SYNAPSE_FIREWALL: ((1433, 1433), (443, 443)),
    "azure-native:sql:FirewallRule": ((1433, 1433),),
    "azure-native:dbforpostgresql:FirewallRule": ((5432, 5432),),
    "azure-native:dbformysql:FirewallRule": ((3306, 3306),),
    "azure-native:dbformariadb:FirewallRule": ((3306, 3306),),
}
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"
_AZ_SKU = re.compile(r"^VpnGw\d+AZ$")
_OLD_TLS = frozenset({"tls1_0", "tls1_1"})
#: Azure's names for every source address, besides the /0 networks.
_WORLD = frozenset({"*", "internet", "any", "0.0.0.0", "::"})
#: Azure's group names → the Diffie-Hellman group they are (DHGroup2048 and PFS2048 are group 14).
_GROUPS = {
    "dhgroup1": 1,
    "dhgroup2": 2,
    "dhgroup14": 14,
    "dhgroup2048": 14,
    "dhgroup24": 24,
    "ecp256": 19,
    "ecp384": 20,
    "pfs1": 1,
    "pfs2": 2,
    "pfs14": 14,
    "pfs2048": 14,
    "pfs24": 24,
}


class AzureReader(Reader):
    vendor = "azure"
    display_name = "Azure"
    packages = frozenset({"azure-native"})
    region_props = ("region", "location")
    compute = {SCALE_SET: "scale set", VM: "virtual machine"}
    serving = frozenset(
        {
            PUBLIC_IP,
            "azure-native:network:LoadBalancer",
            NIC,
            "azure-native:network:ApplicationGateway",
        }
    )
    addresses = {PUBLIC_IP: ("ipAddress",)}
    peer_sources = {
        "ipAddress": frozenset({PUBLIC_IP}),
        "remoteIpPrefix": frozenset({PUBLIC_IP}),
        "gatewayIpAddress": frozenset({PUBLIC_IP}),
        "virtualNetworkGateway2": frozenset({GATEWAY}),
        "remoteVirtualNetwork": frozenset({VNET}),
    }
    stand_ins = {LOCAL_GATEWAY: ("gatewayIpAddress", "fqdn")}
    links = frozenset({CONNECTION, PEERING})
    networks = frozenset({VNET})
    buckets = {BLOB_CONTAINER: "Blob container"}
    dns_records = {RECORD_SET: "Azure DNS"}
    profile_types = frozenset(TM_PROFILES)
    profile_domains = (TM_DOMAIN,)
    ingress_types = frozenset({NSG, NSG_RULE, *IP_FIREWALLS})
    ike_types = frozenset({CONNECTION})
    exposure_types = frozenset({STORAGE_ACCOUNT, BLOB_CONTAINER})
    stateful_types = frozenset({STORAGE_ACCOUNT, BLOB_CONTAINER, "azure-native:compute:Disk"})
    volume_types = frozenset({SCALE_SET, VM})
    public_address_types = frozenset({NIC})
    #: osProfile.customData: "a base-64 encoded string" (the SDK's OSProfile.custom_data).
    encoded_scripts = {VM: frozenset({"customData"}), SCALE_SET: frozenset({"customData"})}
    topics = {
        "redundancy-azure-vpn-gateway": frozenset({GATEWAY}),
        "security-azure-storage-secure-transfer": frozenset({STORAGE_ACCOUNT}),
        "security-storage-versioned": frozenset({BLOB_SERVICE, STORAGE_ACCOUNT, BLOB_CONTAINER}),
        "addresses-no-overlap": frozenset({VNET, SUBNET}),
        "security-azure-no-password-ssh": frozenset({VM, SCALE_SET}),
        "redundancy-dns-health-checks": frozenset({*TM_PROFILES, *TM_ENDPOINTS}),
        "redundancy-kubernetes-cluster-zones": frozenset({AKS}),
        "redundancy-aks-standard-tier": frozenset({AKS}),
        "security-kubernetes-api-not-public": frozenset({AKS}),
        "security-kubernetes-secrets-encrypted": frozenset({AKS}),
    }
    also_reads = frozenset({*AUTOSCALE, *TM_ENDPOINTS, AKS})

    # -- compute -----------------------------------------------------------------------------

    def capacity(self, estate: Estate, res: Resource) -> tuple[str, int, list[str]]:
        props = res.props
        if res.type == VM:
            return "virtual machine", 1, [str(z) for z in items(props, "zones")][:1] or [UNSPECIFIED]
        # Its floor is the autoscale setting's smallest minimum, else sku.capacity; without
        # `zones` it is regional: Azure picks fault domains, not zones.
        count = estate.autoscaled_floor(res)
        if count is None:
            count = as_int(get(props, "sku", "capacity")) or 0
        return "scale set", count, [str(z) for z in items(props, "zones")] or [UNSPECIFIED]

    def extra_units(self, estate: Estate) -> Iterator[Unit]:
        """An AKS cluster's node pools, each a unit of its own (``agentPoolProfiles``: a pool's
        ``count``, or its autoscaler's ``minCount``, over its ``availabilityZones``)."""
        for cluster in estate.index.of_type(AKS):
            site, owner = estate.node(cluster), estate.owner(cluster)
            try:
                location = get(cluster.props, "location")
                region = location if isinstance(location, str) and location else site
                units = []
                for pool in items(cluster.props, "agentPoolProfiles"):
                    count = as_int(get(pool, "minCount"))
                    if count is None:
                        count = as_int(get(pool, "count")) or 0
                    zones = [str(z) for z in items(pool, "availabilityZones")] or [UNSPECIFIED]
                    name = f"{cluster.name}/{get(pool, 'name')}"
                    kind = "AKS node pool"
                    units.append(
                        Unit(cluster.urn, name, kind, self.vendor, site, region, spread(count, zones), owner)
                    )
            except UnknownValue as exc:  # the pools' sizes, zones or region: not known in this preview
                yield Unit(
                    cluster.urn, cluster.name, "AKS node pool", self.vendor, site, site, (), owner, str(exc)
                )
                continue
            yield from units

    def floors(self, estate: Estate) -> Iterator[tuple[str, Floor]]:
        """Every profile (the default one and scheduled ones) may be in force: the smallest minimum
        wins. Whether it is enabled, or any profile's minimum, unknown: no floor is known (neither
        the smallest minimum nor the scale set's sku.capacity)."""
        for setting in estate.index.of_type(*AUTOSCALE):
            floor: Floor
            try:
                if get(setting.props, "enabled") is False:
                    continue
                minima = [_profile_minimum(p, i) for i, p in enumerate(items(setting.props, "profiles"))]
                known = [m for m in minima if m is not None]
                floor = min(known) if known else None
            except UnknownValue as exc:
                floor = (setting.name, exc.path)
            for urn in setting.property_dependencies.get("targetResourceUri") or setting.dependencies:
                yield urn, floor

    # -- links -------------------------------------------------------------------------------

    def contributions(self, estate: Estate) -> Iterator[Contribution]:
        for res in estate.index.of_type(CONNECTION):
            contribution = self._connection(estate, res)
            if contribution is not None:
                yield contribution
        for res in estate.index.of_type(PEERING):
            yield estate.peering(res, "virtualNetworkName", "remoteVirtualNetwork")

    @staticmethod
    def _connection(estate: Estate, res: Resource) -> Contribution | None:
        """A VPN connection's tunnels from its gateway towards the peer (see the module docstring).

        A VNet-to-VNet connection is one tunnel per side. ExpressRoute and point-to-site
        connections are not site-to-site VPNs. Values unknown in a preview: a connection whose
        ``connectionType`` is unknown but that names a peer gateway may be a site-to-site VPN, and
        counts as the one it may be; a gateway whose ``activeActive`` is unknown counts as the two
        tunnels it may terminate towards an external peer (:attr:`Contribution.unknown` says why),
        one whose ``vpnType`` is unknown as route-based (:attr:`Contribution.policy_unknown`) — so
        a rule reports "can't check" rather than a count or a shape the update may not have. A
        gateway reference that names no resource of the plan and is unknown is a gateway whose
        settings are unknown.
        """
        props, deps = res.props, res.property_dependencies
        why: str | None = None
        try:
            kind = str(get(props, "connectionType") or "IPsec").lower()
        except UnknownValue as exc:
            why = f"{res.name}.{exc}"
            if deps.get("localNetworkGateway2") or present(props, "localNetworkGateway2"):
                kind = "ipsec"
            elif deps.get("virtualNetworkGateway2") or present(props, "virtualNetworkGateway2"):
                kind = "vnet2vnet"
            else:
                return None  # no peer gateway: whatever it is, not a site-to-site VPN
        if kind not in ("ipsec", "vnet2vnet"):
            return None
        gateways = estate.index.linked(res, "virtualNetworkGateway1", frozenset({GATEWAY}))
        # A gateway reference a preview cannot resolve is some gateway: its settings are unknown.
        unresolved = None if gateways else unknown_at(props, "virtualNetworkGateway1", "id")

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
            resolve = functools.partial(estate.resolve, res, "virtualNetworkGateway2")
            return estate.contribution(res, resolve, 1, res.urn, **shape)
        locals_ = estate.index.linked(res, "localNetworkGateway2", frozenset({LOCAL_GATEWAY}))
        if locals_:
            resolve = functools.partial(estate.stand_in_peer, locals_[0])
        else:
            resolve = functools.partial(estate.resolve, res, "localNetworkGateway2")
        contribution = estate.contribution(res, resolve, 1, res.urn, **shape)
        if contribution.remote_known and contribution.remote in estate.site_vendor:
            return contribution  # one tunnel towards a resource of the plan, which counts its side
        active, doubt = setting("activeActive")
        if doubt is not None:  # counted as the two tunnels it may terminate: a shortfall is then certain
            return dataclasses.replace(contribution, tunnels=2, unknown=contribution.unknown or doubt)
        return dataclasses.replace(contribution, tunnels=2) if active is True else contribution

    # -- addresses ---------------------------------------------------------------------------

    def ranges(self, estate: Estate) -> Iterator[tuple[Resource, tuple[str | int, ...]] | Finding]:
        """VNets' address spaces, and subnets of VNets outside the stack (one of a VNet in the
        stack lies inside that VNet's address space, checked itself)."""
        index = estate.index
        in_stack = {r.urn for r in index.of_type(VNET)}
        for res in index.of_type(VNET):
            try:
                prefixes = items(res.props, "addressSpace", "addressPrefixes")
            except UnknownValue as exc:
                yield cant_check(res, exc)
                prefixes = []
            for i in range(len(prefixes)):
                yield res, ("addressSpace", "addressPrefixes", i)
        for res in index.of_type(SUBNET):
            deps = res.property_dependencies.get("virtualNetworkName", res.dependencies)
            if any(urn in in_stack for urn in deps):
                continue
            yield res, ("addressPrefix",)
            try:
                prefixes = items(res.props, "addressPrefixes")
            except UnknownValue as exc:
                yield cant_check(res, exc)
                prefixes = []
            for i in range(len(prefixes)):
                yield res, ("addressPrefixes", i)

    # -- DNS ---------------------------------------------------------------------------------

    def record_name(self, estate: Estate, res: Resource) -> str:
        relative = str(get(res.props, "relativeRecordSetName") or "").strip().rstrip(".").lower()
        zone_name = str(get(res.props, "zoneName") or "").strip().rstrip(".").lower()
        if relative in ("", "@"):
            return zone_name
        return f"{relative}.{zone_name}" if zone_name else relative

    def record_targets(self, estate: Estate, res: Resource, entry: DnsName) -> None:
        linking = ("aRecords", "aaaaRecords", "cnameRecord", "targetResource", "trafficManagementProfile")
        if estate.link_targets(res, linking, entry):
            return
        estate.literal_targets(
            res,
            entry,
            (("aRecords", "ipv4Address"), ("aaaaRecords", "ipv6Address")),
            singles=(("cnameRecord", "cname"),),
            references=("targetResource", "trafficManagementProfile"),  # an alias record set's resource
        )

    def profiles(self, estate: Estate) -> dict[str, DnsName]:
        """Each Traffic Manager profile as the name it answers for, its endpoints' targets as targets."""
        names: dict[str, DnsName] = {}
        endpoints: dict[str, list[Resource]] = defaultdict(list)
        for endpoint in estate.index.of_type(*TM_ENDPOINTS):
            for profile in estate.index.linked(endpoint, "profileName", self.profile_types):
                endpoints[profile.urn].append(endpoint)
        for profile in estate.index.of_type(*TM_PROFILES):
            try:
                relative, unknown = known_str(get(profile.props, "dnsConfig", "relativeName")), None
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
            entry.dns_vendors.add(self.vendor)
            entry.services.add("Traffic Manager")
            estate.link_targets(profile, ("endpoints",), entry, profiles=False)
            try:
                inline = items(profile.props, "endpoints")
            except UnknownValue as exc:
                entry.targets_unknown = entry.targets_unknown or f"{profile.name}.{exc}"
                inline = []
            for i, endpoint_props in enumerate(inline):
                _endpoint_target(estate, f"{profile.name}.endpoints.{i}", endpoint_props, entry)
            for endpoint in endpoints.get(profile.urn, ()):
                if not estate.link_targets(endpoint, ("target", "targetResourceId"), entry, profiles=False):
                    _endpoint_target(estate, endpoint.name, endpoint.props, entry)
        return names

    # -- what the shared security rules judge ------------------------------------------------

    def ingress(self, res: Resource) -> Iterator[Ingress]:
        """Inbound Allow NSG rules from the internet (``*``, ``Internet``, ``Any`` or a /0).
        azure-native flattens ARM's ``properties``: a rule's ``sourceAddressPrefix`` is a
        top-level key. A rule a preview cannot judge leaves the group's other rules judged."""
        if res.type in IP_FIREWALLS:
            start, end = get(res.props, "startIpAddress"), get(res.props, "endIpAddress")
            if _whole_ipv4(start, end):
                yield Ingress("the rule", f"{start}-{end}", IP_FIREWALLS[res.type])
            return
        if res.type == NSG_RULE:
            found = _nsg_ingress(res.props)
            if found is not None:
                yield Ingress("the rule", found[1], found[0])
            return
        unknown: UnknownValue | None = None
        for i, rule in enumerate(items(res.props, "securityRules")):
            try:
                found = _nsg_ingress(rule)
            except UnknownValue as exc:
                unknown = unknown or UnknownValue(["securityRules", i, *exc.path.split(".")])
                continue
            if found is not None:
                try:
                    label = get(rule, "name", default=i)
                except UnknownValue:
                    label = i  # only the message names it
                yield Ingress(f"securityRules[{i}] ({label})", found[1], found[0])
        if unknown is not None:
            raise unknown

    def public_addresses(self, res: Resource) -> Iterator[str]:
        """A network interface's IP configuration that references a public IP address."""
        for i, config in enumerate(items(res.props, "ipConfigurations")):
            if get(config, "publicIPAddress") is not None:
                yield (
                    f"ipConfigurations[{i}].publicIPAddress is set; reach the VM through a load balancer, "
                    "Azure Bastion or the VPN"
                )

    def ike(self, res: Resource) -> Iterator[IkeOffer]:
        """A site-to-site or VNet-to-VNet connection's protocol and IPsec policies. Without
        ``ipsecPolicies`` Azure offers its default proposals, which include SHA1 and DH group 2
        (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-compliance-crypto)."""
        props = res.props
        if str(get(props, "connectionType", default="IPsec")).lower() not in ("ipsec", "vnet2vnet"):
            return
        protocol = str(get(props, "connectionProtocol", default=""))
        if protocol:
            yield IkeOffer(
                "version", "connectionProtocol", (protocol,), single=True, shown="IKEv1", advice="use IKEv2"
            )
        policies = items(props, "ipsecPolicies")
        if not policies:
            yield IkeOffer(
                "proposal",
                "ipsecPolicies",
                None,
                unset="Azure then offers its default proposals, which include SHA1 and DH group 2",
                advice="set one explicit policy matching the other end",
            )
        for i, policy in enumerate(policies):
            at = f"ipsecPolicies[{i}]"
            for key in ("ikeEncryption", "ipsecEncryption"):
                value = str(get(policy, key, default=""))
                yield IkeOffer(
                    "encryption", f"{at}.{key}", (value,), single=True, advice="use AES256 or GCMAES256"
                )
            for key in ("ikeIntegrity", "ipsecIntegrity"):
                value = str(get(policy, key, default=""))
                yield IkeOffer(
                    "integrity", f"{at}.{key}", (value,), single=True, advice="use SHA256 or stronger"
                )
            for key in ("dhGroup", "pfsGroup"):
                value = str(get(policy, key, default="None"))
                yield IkeOffer(
                    "dh", f"{at}.{key}", (value,), single=True, groups=(_GROUPS.get(value.lower()),)
                )

    def exposure(self, res: Resource) -> Iterator[str]:
        """An account allowing public blob access, a container with a public access level."""
        props = res.props
        if res.type == STORAGE_ACCOUNT:
            if get(props, "allowBlobPublicAccess") is True:
                yield "allowBlobPublicAccess is true, so any container may be made public; set false"
            return
        access = get(props, "publicAccess")
        if access is not None and str(access).lower() != "none":
            yield f"publicAccess is {access}: anyone on the internet can read it; set None"

    def volumes(self, res: Resource, account_default: bool) -> Iterator[str]:
        """Managed disks are always encrypted at rest; temp disks and disk caches only at the host."""
        path: tuple[str, ...] = ("virtualMachineProfile",) if res.type == SCALE_SET else ()
        at_host = get(res.props, *path, "securityProfile", "encryptionAtHost")
        if at_host is not True:
            shown = "unset" if at_host is None else repr(at_host)
            yield (
                f"{'.'.join((*path, 'securityProfile', 'encryptionAtHost'))} is {shown}: temp disks and disk "
                "caches stay unencrypted (Azure encrypts only the managed disks at rest); set true"
            )

    def check(self, topic: str, res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
        """A VPN gateway that is not active-active runs one instance at a time (a maintenance or a
        failover drops every tunnel until the standby takes over); only the ``…AZ`` SKUs are
        zone-redundant. A storage account must not serve blobs over plain HTTP or old TLS. A Linux
        VM or scale set disables password login."""
        props = res.props
        if topic == "security-azure-no-password-ssh":
            at = ("virtualMachineProfile", "osProfile") if res.type == SCALE_SET else ("osProfile",)
            linux = get(props, *at, "linuxConfiguration")
            if linux is None:
                return  # Windows, or no OS profile (an attached disk): no SSH
            disabled = get(linux, "disablePasswordAuthentication")
            if disabled is not True:
                shown = "unset (Azure then accepts passwords)" if disabled is None else repr(disabled)
                path = ".".join((*at, "linuxConfiguration", "disablePasswordAuthentication"))
                yield f"{path} is {shown}; set it to true and log in with SSH keys"
            return
        if topic == "redundancy-azure-vpn-gateway":
            if str(get(props, "gatewayType", default="Vpn")).lower() != "vpn":
                return  # an ExpressRoute gateway
            if get(props, "activeActive") is not True:
                yield (
                    "activeActive is not true: one instance carries every tunnel and a failover drops them "
                    "all; set activeActive: true with two public addresses"
                )
            sku = str(get(props, "sku", "name", default=""))
            if not _AZ_SKU.match(sku):
                yield (
                    f"sku.name is {sku or 'unset'}, which is not zone-redundant; use an AZ SKU "
                    "(VpnGw1AZ-VpnGw5AZ)"
                )
        elif topic == "security-kubernetes-api-not-public":
            if get(props, "apiServerAccessProfile", "enablePrivateCluster") is True:
                return
            ranges = [str(r) for r in items(props, "apiServerAccessProfile", "authorizedIPRanges")]
            world = [r for r in ranges if is_world(r)]
            if ranges and not world:
                return
            why = f"admit {', '.join(world)}" if world else "are unset"
            yield (
                f"apiServerAccessProfile: the cluster is not private and its authorizedIPRanges {why}: the "
                "Kubernetes API answers the whole internet; set enablePrivateCluster true, or list your "
                "own ranges"
            )
        elif topic == "security-kubernetes-secrets-encrypted":
            # KMS etcd encryption (the SDK's AzureKeyVaultKms: enabled, "the default is false";
            # keyId "required" when enabled). CKV_AZURE_6 is API server authorized IP ranges, not this.
            kms = get(props, "securityProfile", "azureKeyVaultKms")
            if get(kms, "enabled") is True and get(kms, "keyId"):
                return
            yield (
                "securityProfile.azureKeyVaultKms is not enabled with a keyId: Kubernetes secrets are "
                "encrypted at rest with Microsoft's key only; enable KMS etcd encryption with a Key Vault "
                "key of your own"
            )
        elif topic == "redundancy-aks-standard-tier":
            tier = get(props, "sku", "tier")
            if str(tier).lower() not in _PAID_TIERS:
                shown = "unset (AKS then uses Free)" if tier is None else repr(tier)
                yield (
                    f"sku.tier is {shown}: the Free tier has no SLA and a control plane sized for tests; "
                    "set sku.tier Standard (99.95% with availability zones)"
                )
        elif topic == "security-azure-storage-secure-transfer":
            if get(props, "enableHttpsTrafficOnly") is False:
                yield "enableHttpsTrafficOnly is false, so blobs may be served over plain HTTP; set true"
            tls = get(props, "minimumTlsVersion")
            if tls is not None and str(tls).lower() in _OLD_TLS:
                yield f"minimumTlsVersion is {tls}; set TLS1_2"

    def check_stack(self, topic: str, estate: Estate, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        """Blob versioning is the storage account's: its blob service properties (``default``).
        A Traffic Manager endpoint with ``alwaysServe`` enabled is never probed (the SDK: "probing
        for endpoint health will be disabled"), so its profile routes to it when it is down."""
        if topic == "security-storage-versioned":
            yield from _blob_versioning(estate.index)
        elif topic == "redundancy-dns-health-checks":
            yield from _always_served(estate.index)
        elif topic == "redundancy-kubernetes-cluster-zones":
            yield from _aks_zones(estate.index)


def _aks_zones(index: Index) -> Iterator[Finding]:
    """An AKS cluster whose node pools, together, are in fewer than two availability zones (a pool's
    zones cannot change after it is created)."""
    for cluster in index.of_type(AKS):
        try:
            pools = list(items(cluster.props, "agentPoolProfiles"))
            zones = {str(z) for pool in pools for z in items(pool, "availabilityZones")}
        except UnknownValue as exc:
            yield cant_check(cluster, exc)
            continue
        if pools and len(zones) < 2:
            where = f"zone {next(iter(zones))} only" if zones else "no availability zone (regional, unzoned)"
            yield Finding(
                f"AKS cluster {cluster.name!r} has its node pools in {where}: losing a zone can lose every "
                "node, and its SLA is 99.9% rather than 99.95%; create its pools with availabilityZones, "
                "two zones or more between them (a pool's zones cannot change later)",
                cluster.urn,
            )


def _always_served(index: Index) -> Iterator[Finding]:
    """Traffic Manager endpoints, inline in a profile or on their own, with alwaysServe on."""
    found: list[tuple[Resource, str, Any]] = []
    for res in index.of_type(*TM_ENDPOINTS, *TM_PROFILES):
        try:
            if res.type in TM_ENDPOINTS:
                found.append((res, "alwaysServe", get(res.props, "alwaysServe")))
            for i, endpoint in enumerate(items(res.props, "endpoints")):
                found.append((res, f"endpoints[{i}].alwaysServe", get(endpoint, "alwaysServe")))
        except UnknownValue as exc:
            yield cant_check(res, exc)
    for res, path, value in found:
        if str(value or "").lower() == "enabled":
            yield Finding(
                f"Traffic Manager {res.name!r}: {path} is {value!r}, so health probes are off and the "
                "profile keeps routing to the endpoint when it is down; set it to 'Disabled'",
                res.urn,
            )


def _whole_ipv4(start: Any, end: Any) -> bool:
    """A firewall rule's range from ``start`` to ``end`` covers every IPv4 address."""
    try:
        return (
            int(ipaddress.IPv4Address(str(start))) == 0 and int(ipaddress.IPv4Address(str(end))) == 2**32 - 1
        )
    except ValueError:
        return False


def _nsg_port_ranges(rule: Any) -> tuple[tuple[int, int], ...] | None:
    """The destination ports of an NSG rule as ranges; ``None`` means every port (``*``)."""
    values = [get(rule, "destinationPortRange"), *items(rule, "destinationPortRanges")]
    ranges: list[tuple[int, int]] = []
    for value in values:
        if value is None:
            continue
        text = str(value).strip()
        if text in ("*", "0-65535"):
            return None
        low, _, high = text.partition("-")
        lo, hi = as_int(low), as_int(high or low)
        if lo is not None and hi is not None:
            ranges.append((lo, hi))
    return tuple(ranges) or None


def _nsg_ingress(rule: Any) -> tuple[tuple[tuple[int, int], ...] | None, str] | None:
    """(ports, the internet source it names) of an inbound Allow NSG rule from the internet."""
    if str(get(rule, "direction", default="")).lower() != "inbound":
        return None
    if str(get(rule, "access", default="")).lower() != "allow":
        return None
    if str(get(rule, "protocol", default="*")).lower() in ("icmp", "esp", "ah"):
        return None
    sources = [get(rule, "sourceAddressPrefix"), *items(rule, "sourceAddressPrefixes")]
    world = [str(s) for s in sources if s is not None and (str(s).strip().lower() in _WORLD or is_world(s))]
    if not world:
        return None
    return _nsg_port_ranges(rule), world[0]


def _endpoint_target(estate: Estate, where: str, props: Any, entry: DnsName) -> None:
    """A Traffic Manager endpoint's literal ``target``; one a preview does not know (or an
    unknown ``targetResourceId`` in its place) is a target the update will tell."""
    try:
        target = get(props, "target")
        if not target:
            get(props, "targetResourceId")  # a resource the update names
    except UnknownValue as exc:
        entry.targets_unknown = entry.targets_unknown or f"{where}.{exc}"
        return
    estate.literal_target(target, entry, profiles=False)


def _profile_minimum(profile: Any, i: int) -> int | None:
    """An autoscale profile's ``capacity.minimum``.

    Raises:
        UnknownValue: it is not known in this preview (the path names the profile).
    """
    try:
        return as_int(get(profile, "capacity", "minimum"))
    except UnknownValue as exc:
        raise UnknownValue(["profiles", i, *exc.path.split(".")]) from None


def _blob_versioning(index: Index) -> Iterator[Finding]:
    """Blob versioning is the storage account's: its blob service properties (``default``)."""
    versioned: set[str] = set()
    for service in index.of_type(BLOB_SERVICE):
        try:
            enabled = get(service.props, "isVersioningEnabled") is True
        except UnknownValue as exc:
            yield cant_check(service, exc)
            enabled = True  # an unknown never becomes a mandatory finding (issue 16)
        if enabled:
            versioned.update(
                a.urn for a in index.linked(service, "accountName", frozenset({STORAGE_ACCOUNT}))
            )
    for container in index.of_type(BLOB_CONTAINER):
        accounts = index.linked(container, "accountName", frozenset({STORAGE_ACCOUNT}))
        if not any(a.urn in versioned for a in accounts):
            yield Finding(
                f"Blob container {container.name!r} is not versioned (no BlobServiceProperties with "
                "isVersioningEnabled on its storage account)",
                container.urn,
            )
