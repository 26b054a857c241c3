"""Azure rules (areas "security" and "redundancy"): what must hold for pulumi-azure-native resources.

Each check recognises the plain provider resources (a user's own ``NetworkSecurityGroup`` is
checked exactly like one a skyweave component made), reads properties with :func:`get` (a
missing property is ``None``), and names the property path it objects to. azure-native flattens
ARM's ``properties``: a security rule's ``sourceAddressPrefix`` is a top-level key of the rule.

Vendor facts the rules rest on (cited in docs/policies.md and docs/azure.md):
* an NSG rule's source ``*``, ``Internet``, ``Any`` or ``0.0.0.0/0`` is the whole internet;
* a VPN connection without ``ipsecPolicies`` negotiates Azure's default proposals, which include
  SHA1 and DH group 2 (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-compliance-crypto);
  ``DHGroup2048`` and ``PFS2048`` are group 14;
* managed disks are always encrypted at rest; encryption at host also covers temp disks and caches;
* an Azure link to AWS is four tunnels (Microsoft's "connect AWS and Azure using a BGP-enabled VPN
  gateway"), and the gateway is active-active on a zone-redundant (AZ) SKU.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .index import VPN_LINK_TYPE, StackIndex
from .rule import Finding, Kind, Level, Resource, Rule, Setting, UnknownValue, as_int, get, items
from .security import ADMIN_PORTS

__all__ = ["RULES"]

NSG = "azure-native:network:NetworkSecurityGroup"
NSG_RULE = "azure-native:network:SecurityRule"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"
SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
VM = "azure-native:compute:VirtualMachine"

_WORLD = {"*", "internet", "any", "0.0.0.0", "0.0.0.0/0", "::/0", "::"}

# -- NSG rules open to the world ---------------------------------------------------------------


def _port_ranges(rule: Any) -> list[tuple[int, int]] | None:
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
    return ranges if ranges else None


def _nsg_findings(where: str, rule: Any, ports: Sequence[int]) -> Iterator[str]:
    if str(get(rule, "direction", default="")).lower() != "inbound":
        return
    if str(get(rule, "access", default="")).lower() != "allow":
        return
    if str(get(rule, "protocol", default="*")).lower() in ("icmp", "esp", "ah"):
        return
    sources = [get(rule, "sourceAddressPrefix"), *items(rule, "sourceAddressPrefixes")]
    world = [str(s) for s in sources if s is not None and str(s).strip().lower() in _WORLD]
    if not world:
        return
    ranges = _port_ranges(rule)
    opened = [p for p in ports if ranges is None or any(lo <= p <= hi for lo, hi in ranges)]
    if opened:
        listed = ", ".join(map(str, sorted(set(opened))))
        yield f"{where} opens port(s) {listed} to {world[0]} (the whole internet)"


def _check_nsg(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    ports = [p for p in (as_int(v) for v in cfg["ports"]) if p is not None]
    if res.type == NSG:
        for i, rule in enumerate(items(res.props, "securityRules")):
            name = get(rule, "name", default=str(i))
            yield from _nsg_findings(f"{res.type} {res.name!r}: securityRules[{i}] ({name})", rule, ports)
    else:
        yield from _nsg_findings(f"{res.type} {res.name!r}", res.props, ports)


NSG_OPEN = Rule(
    name="skyweave-security-azure-nsg-no-open-admin-ports",
    description="No Azure network security group rule admits SSH, RDP or a database port from the "
    "whole internet (source *, Internet, Any, 0.0.0.0/0 or ::/0).",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_nsg,
    types=frozenset({NSG, NSG_RULE}),
    settings=(
        Setting(
            "ports",
            {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}},
            list(ADMIN_PORTS),
            "Ports no inbound rule may open to the internet.",
        ),
    ),
    remediation="Give the rule the estate's ranges (or a bastion's) as sourceAddressPrefixes instead of "
    "the internet; use Azure Bastion for interactive access.",
)

# -- weak IKE on connections -------------------------------------------------------------------

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
_WEAK_ENCRYPTION = {"des", "des3", "none"}
_WEAK_INTEGRITY = {"md5", "sha1"}


def _check_ike(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    props = res.props
    where = f"{res.type} {res.name!r}"
    if str(get(props, "connectionType", default="IPsec")).lower() != "ipsec":
        return
    if str(get(props, "connectionProtocol", default="")).lower() == "ikev1":
        yield f"{where}: connectionProtocol is IKEv1; use IKEv2"
    policies = items(props, "ipsecPolicies")
    if not policies:
        yield (
            f"{where}: ipsecPolicies is unset (Azure then offers its default proposals, which include "
            "SHA1 and DH group 2); set one explicit policy matching the other end"
        )
    minimum = as_int(cfg["minDhGroup"]) or 14
    for i, policy in enumerate(policies):
        at = f"{where}: ipsecPolicies[{i}]"
        for key in ("ikeEncryption", "ipsecEncryption"):
            value = str(get(policy, key, default=""))
            if value.lower() in _WEAK_ENCRYPTION:
                yield f"{at}.{key} is {value}; use AES256 or GCMAES256"
        for key in ("ikeIntegrity", "ipsecIntegrity"):
            value = str(get(policy, key, default=""))
            if value.lower() in _WEAK_INTEGRITY:
                yield f"{at}.{key} is {value}; use SHA256 or stronger"
        for key in ("dhGroup", "pfsGroup"):
            value = str(get(policy, key, default="None"))
            group = _GROUPS.get(value.lower())
            if group is None:
                yield f"{at}.{key} is {value}: no Diffie-Hellman group this rule accepts (>= {minimum})"
            elif group < minimum:
                yield f"{at}.{key} is {value} (group {group} < {minimum})"


WEAK_IKE = Rule(
    name="skyweave-security-azure-no-weak-ike",
    description="Azure VPN connections set an explicit IPsec/IKE policy of IKEv2, no DES/3DES, no "
    "MD5/SHA1 and Diffie-Hellman (and PFS) groups of at least minDhGroup.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_ike,
    types=frozenset({CONNECTION}),
    settings=(
        Setting(
            "minDhGroup",
            {"type": "integer", "minimum": 1},
            14,
            "The smallest Diffie-Hellman group allowed (14 = 2048-bit MODP = DHGroup2048/PFS2048).",
        ),
    ),
    remediation="Give the connection ipsecPolicies matching the other end, e.g. AES256/SHA256/DHGroup14 "
    "and AES256/SHA256/PFS2048 with a 3600 s SA lifetime.",
)

# -- public blob access ------------------------------------------------------------------------


def _check_blobs(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    where = f"{res.type} {res.name!r}"
    if res.type == STORAGE_ACCOUNT:
        if get(res.props, "allowBlobPublicAccess") is True:
            yield f"{where}: allowBlobPublicAccess is true (containers may then be made public); set false"
        if get(res.props, "enableHttpsTrafficOnly") is False:
            yield f"{where}: enableHttpsTrafficOnly is false; blobs would be served over plain HTTP"
    else:
        access = get(res.props, "publicAccess")
        if access is not None and str(access).lower() != "none":
            yield f"{where}: publicAccess is {access}: anyone on the internet can read it; set None"


PUBLIC_BLOBS = Rule(
    name="skyweave-security-azure-no-public-blobs",
    description="Azure storage accounts forbid anonymous blob access and plain HTTP, and no blob "
    "container is public.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_blobs,
    types=frozenset({STORAGE_ACCOUNT, BLOB_CONTAINER}),
    remediation="Set allowBlobPublicAccess: false and enableHttpsTrafficOnly: true on the account and "
    "publicAccess: None on every container; share through Entra ID roles or SAS instead.",
)

# -- disks encrypted ---------------------------------------------------------------------------


def _check_disks(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    path: tuple[str, ...] = ("virtualMachineProfile",) if res.type == SCALE_SET else ()
    at_host = get(res.props, *path, "securityProfile", "encryptionAtHost")
    if at_host is not True:
        shown = "unset" if at_host is None else repr(at_host)
        where = ".".join((*path, "securityProfile", "encryptionAtHost"))
        yield (
            f"{res.type} {res.name!r}: {where} is {shown}: temp disks and disk caches stay unencrypted "
            "(managed disks themselves are encrypted at rest); set true"
        )


ENCRYPTED_DISKS = Rule(
    name="skyweave-security-azure-encrypted-disks",
    description="Azure VMs and scale sets encrypt at host, so temp disks and disk caches are encrypted "
    "too, not only the managed disks Azure always encrypts at rest.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_disks,
    types=frozenset({SCALE_SET, VM}),
    remediation="Set securityProfile.encryptionAtHost: true (register the subscription's "
    "Microsoft.Compute/EncryptionAtHost feature first).",
)

# -- scale sets spread over zones (stack) ------------------------------------------------------


def _check_scale_sets(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = int(cfg["minZones"])
    for res in index.of_type(SCALE_SET):
        try:
            zones = [str(z) for z in items(res.props, "zones")]
            balanced = get(res.props, "zoneBalance")
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if len(zones) < wanted:
            shown = ", ".join(zones) or "none (the region's choice)"
            yield Finding(
                f"scale set {res.name!r} runs in {len(zones)} zone(s) ({shown}); spread it over at least "
                f"{wanted} so one zone's failure leaves it up",
                res.urn,
            )
        elif balanced is not True:
            yield Finding(
                f"scale set {res.name!r} spans {len(zones)} zones without zoneBalance, so Azure may place "
                "most instances in one of them; set zoneBalance: true",
                res.urn,
            )


SCALE_SET_ZONES = Rule(
    name="skyweave-redundancy-azure-scale-set-zones",
    description="Every Azure VM scale set spans at least minZones availability zones with zoneBalance "
    "on (the 99.99% VM SLA needs two or more zones).",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_scale_sets,
    settings=(Setting("minZones", {"type": "integer", "minimum": 1}, 2, "Fewest zones per scale set."),),
    remediation="List two or more zones in the scale set's zones and set zoneBalance: true.",
)

# -- Azure links and gateways (stack) ----------------------------------------------------------

_AZ_SKU = re.compile(r"^VpnGw\d+AZ$")


def _check_links(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    minimum = int(cfg["minTunnels"])
    aws_azure = int(cfg["awsAzureTunnels"])
    for res in index.of_type(VPN_LINK_TYPE):
        try:
            pair = {str(get(res.props, "vendorA")), str(get(res.props, "vendorB"))}
            kind = get(res.props, "kind", default="vpn")
            tunnels = get(res.props, "tunnels", default=0)
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if "azure" not in pair or kind != "vpn":
            continue
        need = aws_azure if pair == {"aws", "azure"} else minimum
        count = int(tunnels) if isinstance(tunnels, int | float) else 0
        if count < need:
            why = (
                " (two AWS connections to the two Azure instances, two tunnels each)"
                if need == aws_azure
                else ""
            )
            yield Finding(f"VPN link {res.name!r} has {count} tunnel(s); it needs {need}{why}", res.urn)
    for res in index.of_type(GATEWAY):
        try:
            kind = str(get(res.props, "gatewayType", default="Vpn"))
            active = get(res.props, "activeActive")
            sku = str(get(res.props, "sku", "name", default=""))
        except UnknownValue as exc:
            yield Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
            continue
        if kind.lower() != "vpn":
            continue
        if active is not True:
            yield Finding(
                f"VPN gateway {res.name!r} is not active-active: one instance carries every tunnel and a "
                "failover drops them all; set activeActive: true with two public addresses",
                res.urn,
            )
        if not _AZ_SKU.match(sku):
            yield Finding(
                f"VPN gateway {res.name!r} uses SKU {sku or 'unset'}, which is not zone-redundant; use an "
                "AZ SKU (VpnGw1AZ-VpnGw5AZ)",
                res.urn,
            )


AZURE_VPN = Rule(
    name="skyweave-redundancy-azure-vpn",
    description="Every VPN link to an Azure site has at least minTunnels tunnels and links to AWS "
    "awsAzureTunnels (the documented four-tunnel shape); Azure VPN gateways are active-active on a "
    "zone-redundant AZ SKU.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    check=_check_links,
    settings=(
        Setting("minTunnels", {"type": "integer", "minimum": 1}, 2, "Fewest tunnels of an Azure VPN link."),
        Setting("awsAzureTunnels", {"type": "integer", "minimum": 1}, 4, "Tunnels an AWS-Azure link needs."),
    ),
    remediation="Use the documented shapes (four tunnels to AWS, one per interface to GCP HA VPN, two per "
    "on-prem device) on an active-active VpnGw*AZ gateway.",
)

RULES: tuple[Rule, ...] = (NSG_OPEN, WEAK_IKE, PUBLIC_BLOBS, ENCRYPTED_DISKS, SCALE_SET_ZONES, AZURE_VPN)
